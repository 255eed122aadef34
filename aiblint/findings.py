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


@dataclass(frozen=True)
class Suppression:
    """Why a finding is not counted: an in-file directive or the baseline.

    ``kind`` is SARIF's: ``inSource`` (template metadata, a JSONC comment, a
    script comment) or ``external`` (the baseline). ``source`` says which, and
    ``where`` is the ``path:line`` of the directive (or the baseline file).
    """

    kind: str
    source: str  # "metadata" | "comment" | "script" | "baseline"
    reason: str
    where: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "source": self.source, "reason": self.reason, "where": self.where}


@dataclass(frozen=True)
class Edit:
    """Replace the characters ``start:end`` of a document's text with ``text``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Fix:
    """A mechanical, safe correction: text edits in the finding's own file."""

    description: str
    edits: tuple[Edit, ...]


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
    suppressed: Suppression | None = field(default=None, compare=False)  # still reported, not counted
    fix: Fix | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, object]:
        extra: dict[str, object] = {"suppressed": self.suppressed.to_dict()} if self.suppressed else {}
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
            **extra,
        }


@dataclass(frozen=True)
class InternalError:
    """aiblint itself failed on a file; the run goes on with the others."""

    path: str
    message: str


@dataclass
class Report:
    """What a run found, the errors it met and what it says about the run."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[InternalError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # run-level remarks (a tool was missing, ...)
    #: what must be seen although it fails nothing: the run found no template to check
    warnings: list[str] = field(default_factory=list)
    files_checked: int = 0
    templates_checked: int = 0
    #: SHA-256 of the bytes each file was linted from, by display path (``--fix`` writes only over those).
    digests: dict[str, str] = field(default_factory=dict)
    #: the files counted in ``files_checked``, where known (the summary adds the other files findings are in)
    paths: set[str] = field(default_factory=set)

    @property
    def active(self) -> list[Finding]:
        """The findings that count: not suppressed in the file or by the baseline."""
        return [finding for finding in self.findings if finding.suppressed is None]

    @property
    def suppressed(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.suppressed is not None]

    def count(self, severity: Severity) -> int:
        return sum(1 for finding in self.active if finding.severity == severity)

    def exit_code(self, fail_on: Severity | None) -> int:
        """2 when a file could not be linted; 1 when a finding is at or above
        ``fail_on`` (``None``: no finding fails the run); else 0."""
        if self.errors:
            return 2
        if fail_on is None:
            return 0
        return 1 if any(finding.severity >= fail_on for finding in self.active) else 0
