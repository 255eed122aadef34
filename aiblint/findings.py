"""What a lint run produces: findings, with exact positions, and the report."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Final

from aiblint.record import MutableRecord, OrderedRecord, Record


class Severity(enum.IntEnum):
    """Ordered so that ``severity >= threshold`` reads naturally."""

    NOTE = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return _LABELS[self]  # (every finding of every format asks: not the enum's name property)

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (use error, warning or note)") from None


_LABELS: Final = {severity: severity.name.lower() for severity in Severity}


class RelatedLocation(Record):
    """Another place a finding refers to (SARIF ``relatedLocations``)."""

    __slots__ = ("path", "line", "column", "end_line", "end_column", "message")  # noqa: RUF023 - in field order
    path: Final[str]
    line: Final[int]
    column: Final[int]
    end_line: Final[int]
    end_column: Final[int]
    message: Final[str]

    def __init__(self, path: str, line: int, column: int, end_line: int, end_column: int, message: str) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column
        self.message = message


class Suppression(Record):
    """Why a finding is not counted: an in-file directive or the baseline.

    ``kind`` is SARIF's: ``inSource`` (template metadata, a JSONC comment, a
    script comment) or ``external`` (the baseline). ``source`` says which, and
    ``where`` is the ``path:line`` of the directive (or the baseline file).
    """

    __slots__ = ("kind", "source", "reason", "where")  # noqa: RUF023 - in field order
    kind: Final[str]
    source: Final[str]  # "metadata" | "comment" | "script" | "baseline"
    reason: Final[str]
    where: Final[str]

    def __init__(self, kind: str, source: str, reason: str, where: str = "") -> None:
        self.kind = kind
        self.source = source
        self.reason = reason
        self.where = where

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "source": self.source, "reason": self.reason, "where": self.where}


class Edit(Record):
    """Replace the characters ``start:end`` of a document's text with ``text``."""

    __slots__ = ("start", "end", "text")  # noqa: RUF023 - in field order
    start: Final[int]
    end: Final[int]
    text: Final[str]

    def __init__(self, start: int, end: int, text: str) -> None:
        self.start = start
        self.end = end
        self.text = text


class Fix(Record):
    """A mechanical, safe correction: text edits in the finding's own file."""

    __slots__ = ("description", "edits")
    description: Final[str]
    edits: Final[tuple[Edit, ...]]

    def __init__(self, description: str, edits: tuple[Edit, ...]) -> None:
        self.description = description
        self.edits = edits


class Finding(OrderedRecord):
    """One problem at one place. Field order is the sort order of reports."""

    __slots__ = (  # noqa: RUF023 - in field order
        "path", "line", "column", "end_line", "end_column", "rule", "severity", "message", "logical_path",
        "fingerprint", "related", "suppressed", "fix",
    )
    path: Final[str]  # display path: relative to the working directory, with '/'
    line: Final[int]
    column: Final[int]
    end_line: Final[int]
    end_column: Final[int]  # exclusive
    rule: Final[str]
    # compared: the fields above; not compared: the ones below
    severity: Final[Severity]
    message: Final[str]
    logical_path: Final[str]
    fingerprint: Final[str]  # stable across moved lines
    related: Final[tuple[RelatedLocation, ...]]
    suppressed: Final[Suppression | None]  # still reported, not counted
    fix: Final[Fix | None]

    def __init__(
        self,
        path: str,
        line: int,
        column: int,
        end_line: int,
        end_column: int,
        rule: str,
        severity: Severity,
        message: str,
        logical_path: str = "",
        fingerprint: str = "",
        related: tuple[RelatedLocation, ...] = (),
        suppressed: Suppression | None = None,
        fix: Fix | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column
        self.rule = rule
        self.severity = severity
        self.message = message
        self.logical_path = logical_path
        self.fingerprint = fingerprint
        self.related = related
        self.suppressed = suppressed
        self.fix = fix

    def _values(self) -> tuple[object, ...]:
        return (self.path, self.line, self.column, self.end_line, self.end_column, self.rule)

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


def sorted_unique(findings: Iterable[Finding]) -> list[Finding]:
    """``sorted(set(findings))``: each finding once (the first of equal ones), in report order.
    Each finding's key (:meth:`Finding._values`: what its equality, hash and order all compare)
    is made once, rather than once to hash it and again to sort it."""
    unique: dict[tuple[object, ...], Finding] = {}
    for finding in findings:
        unique.setdefault(finding._values(), finding)
    return [unique[key] for key in sorted(unique)]


class InternalError(Record):
    """aiblint itself failed on a file; the run goes on with the others."""

    __slots__ = ("path", "message")  # noqa: RUF023 - in field order
    path: Final[str]
    message: Final[str]

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message


class Report(MutableRecord):
    """What a run found, the errors it met and what it says about the run."""

    __slots__ = (  # noqa: RUF023 - in field order
        "findings", "errors", "notes", "warnings", "files_checked", "templates_checked", "digests", "paths",
    )
    findings: list[Finding]
    errors: list[InternalError]
    notes: list[str]  # run-level remarks (a tool was missing, ...)
    #: what must be seen although it fails nothing: the run found no template to check
    warnings: list[str]
    files_checked: int
    templates_checked: int
    #: SHA-256 of the bytes each file was linted from, by display path (``--fix`` writes only over those).
    digests: dict[str, str]
    #: the files counted in ``files_checked``, where known (the summary adds the other files findings are in)
    paths: set[str]

    def __init__(
        self,
        findings: list[Finding] | None = None,
        errors: list[InternalError] | None = None,
        notes: list[str] | None = None,
        warnings: list[str] | None = None,
        files_checked: int = 0,
        templates_checked: int = 0,
        digests: dict[str, str] | None = None,
        paths: set[str] | None = None,
    ) -> None:
        self.findings = [] if findings is None else findings
        self.errors = [] if errors is None else errors
        self.notes = [] if notes is None else notes
        self.warnings = [] if warnings is None else warnings
        self.files_checked = files_checked
        self.templates_checked = templates_checked
        self.digests = {} if digests is None else digests
        self.paths = set() if paths is None else paths

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
