"""What a lint run produces: findings, with exact positions, and the report."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.IntEnum):
    """Ordered so that ``severity >= threshold`` reads naturally."""

    NOTE = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (use error, warning or note)") from None


@dataclass(frozen=True)
class RelatedLocation:
    """Another place a finding refers to (SARIF ``relatedLocations``)."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    message: str


@dataclass(frozen=True, order=True)
class Finding:
    """One problem at one place. Field order is the sort order of reports."""

    path: str  # display path: relative to the working directory, with '/'
    line: int
    column: int
    end_line: int
    end_column: int  # exclusive
    rule: str
    severity: Severity = field(compare=False)
    message: str = field(compare=False)
    logical_path: str = field(default="", compare=False)
    fingerprint: str = field(default="", compare=False)  # stable across moved lines
    related: tuple[RelatedLocation, ...] = field(default=(), compare=False)

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": self.severity.label,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "logical_path": self.logical_path,
            "message": self.message,
        }


@dataclass(frozen=True)
class InternalError:
    """aiblint itself failed on a file; the run goes on with the others."""

    path: str
    message: str


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    errors: list[InternalError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # run-level remarks (a tool was missing, ...)
    files_checked: int = 0
    templates_checked: int = 0

    def count(self, severity: Severity) -> int:
        return sum(1 for finding in self.findings if finding.severity == severity)

    def exit_code(self, fail_on: Severity) -> int:
        if self.errors:
            return 2
        return 1 if any(finding.severity >= fail_on for finding in self.findings) else 0
