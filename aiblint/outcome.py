"""What linting one file gave, in a form that crosses process boundaries and
survives on disk: the result cache stores it, a worker process returns it,
and the run absorbs it the same way whatever produced it.

Findings are the file's own, before the filter step (suppressions and the
baseline are judged for the whole run, later). JSON, not pickle, on disk: a
cache folder shared between CI jobs must not be able to run code.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, TypeVar

from aiblint.findings import Edit, Finding, Fix, InternalError, RelatedLocation, Severity
from aiblint.record import MutableRecord

if TYPE_CHECKING:
    from aiblint.claims import Claimed

T = TypeVar("T")


class Tally(MutableRecord):
    """The file's share of the run's script note (:class:`aiblint.scripts.tally.ScriptTally`)."""

    __slots__ = ("units", "references")  # noqa: RUF023 - in field order
    units: Counter[str]
    references: Counter[str]

    def __init__(self, units: Counter[str] | None = None, references: Counter[str] | None = None) -> None:
        self.units = Counter() if units is None else units
        self.references = Counter() if references is None else references

    def __bool__(self) -> bool:
        return bool(self.units or self.references)


class FileOutcome(MutableRecord):
    """What linting one file gave, before the filter step."""

    __slots__ = (  # noqa: RUF023 - in field order
        "display", "findings", "templates", "linted", "directives", "tally", "data", "error", "cached", "notes",
        "silent", "rebatch", "claims", "digest",
    )
    display: str
    findings: list[Finding]
    templates: int
    #: Documents the filter counts as linted for this file (the template, the scripts it runs).
    linted: list[str]
    #: The file or a script it runs may hold suppressions: the filter reads it again.
    directives: bool
    tally: Tally
    #: The file's bytes, kept only when ``directives`` (the filter reads them again).
    data: bytes | None
    error: InternalError | None
    #: Read from the result cache.
    cached: bool
    #: Cached: what the batch rules said about the file's scripts when they could
    #: not run fully (``2 PowerShell scripts were not checked...``), and which.
    notes: list[str]
    silent: tuple[str, ...]
    #: Batch rules (ids) whose findings in the file's scripts ``findings`` lack
    #: (what they said could not be told per file): its scripts go to them again.
    rebatch: tuple[str, ...]
    #: What the file's templates claim (:mod:`aiblint.claims`), compared once the run's files are in.
    claims: list[Claimed]
    #: SHA-256 of the bytes linted (:attr:`aiblint.findings.Report.digests`); not cached (the key holds them).
    digest: str

    def __init__(
        self,
        display: str,
        findings: list[Finding] | None = None,
        templates: int = 0,
        linted: list[str] | None = None,
        directives: bool = False,
        tally: Tally | None = None,
        data: bytes | None = None,
        error: InternalError | None = None,
        cached: bool = False,
        notes: list[str] | None = None,
        silent: tuple[str, ...] = (),
        rebatch: tuple[str, ...] = (),
        claims: list[Claimed] | None = None,
        digest: str = "",
    ) -> None:
        self.display = display
        self.findings = [] if findings is None else findings
        self.templates = templates
        self.linted = [] if linted is None else linted
        self.directives = directives
        self.tally = Tally() if tally is None else tally
        self.data = data
        self.error = error
        self.cached = cached
        self.notes = [] if notes is None else notes
        self.silent = silent
        self.rebatch = rebatch
        self.claims = [] if claims is None else claims
        self.digest = digest


def findings_to_json(findings: list[Finding]) -> list[list[object]]:
    return [_finding_to_json(finding) for finding in findings]


def findings_from_json(rows: object) -> list[Finding]:
    """The findings written by :func:`findings_to_json`; ``ValueError`` if the data is not that."""
    if not isinstance(rows, list):
        raise ValueError("findings: not a list")
    try:
        return [_finding_from_json(row) for row in rows]
    except (TypeError, KeyError, IndexError, ValueError) as error:
        raise ValueError(f"findings: {error}") from None


def _finding_to_json(finding: Finding) -> list[object]:
    if finding.suppressed is not None:
        raise ValueError("a suppressed finding is filtered already; outcomes hold findings before the filter")
    fix = [finding.fix.description, [[edit.start, edit.end, edit.text] for edit in finding.fix.edits]] if finding.fix else None
    related = [[item.path, item.line, item.column, item.end_line, item.end_column, item.message] for item in finding.related]
    return [
        finding.path, finding.line, finding.column, finding.end_line, finding.end_column, finding.rule,
        int(finding.severity), finding.message, finding.logical_path, finding.fingerprint, related, fix,
    ]


def _finding_from_json(row: object) -> Finding:
    if not isinstance(row, list) or len(row) != 12:
        raise ValueError("finding: not a 12-item list")
    path, line, column, end_line, end_column, rule, severity, message, logical_path, fingerprint, related, fix = row
    return Finding(
        _expect(path, str), _expect(line, int), _expect(column, int), _expect(end_line, int), _expect(end_column, int),
        _expect(rule, str), Severity(_expect(severity, int)), _expect(message, str), _expect(logical_path, str),
        _expect(fingerprint, str), tuple(_related(item) for item in _expect(related, list)), fix=_fix(fix),
    )


def _related(item: object) -> RelatedLocation:
    path, line, column, end_line, end_column, message = _expect(item, list)
    return RelatedLocation(_expect(path, str), _expect(line, int), _expect(column, int), _expect(end_line, int),
                           _expect(end_column, int), _expect(message, str))


def _fix(value: object) -> Fix | None:
    if value is None:
        return None
    description, edits = _expect(value, list)
    return Fix(_expect(description, str), tuple(_edit(edit) for edit in _expect(edits, list)))


def _edit(value: object) -> Edit:
    start, end, text = _expect(value, list)
    return Edit(_expect(start, int), _expect(end, int), _expect(text, str))


def _expect(value: object, kind: type[T]) -> T:
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ValueError(f"expected {kind.__name__}, got {type(value).__name__}")
    return value
