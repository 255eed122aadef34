"""Output formats. Each is a plugin under the ``aiblint.formatters`` entry
points (the built-in ones too); a formatter never knows what a rule checks."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar, Final, TextIO

from aiblint.findings import Report, Severity
from aiblint.prefixes import PrefixTable
from aiblint.record import Record


class RuleInfo(Record):
    """What an output format may say about a rule (taken from its class)."""

    __slots__ = (  # noqa: RUF023 - in field order
        "id", "name", "severity", "summary", "description", "help_uri", "tags", "security_severity",
    )
    id: Final[str]
    name: Final[str]
    severity: Final[Severity]
    summary: Final[str]
    description: Final[str]
    help_uri: Final[str]
    tags: Final[tuple[str, ...]]
    security_severity: Final[float | None]

    def __init__(
        self,
        id: str,
        name: str,
        severity: Severity,
        summary: str,
        description: str,
        help_uri: str,
        tags: tuple[str, ...],
        security_severity: float | None,
    ) -> None:
        self.id = id
        self.name = name
        self.severity = severity
        self.summary = summary
        self.description = description
        self.help_uri = help_uri
        self.tags = tags
        self.security_severity = security_severity


class Formatter:
    name: ClassVar[str]
    #: List suppressed findings too (``--show-suppressed``; SARIF: ``--sarif-include-suppressed``);
    #: JSON always includes them, marked.
    show_suppressed: bool = False
    #: The analysis's category (``--sarif-category``): SARIF ``automationDetails.id``.
    category: str | None = None
    #: The run's ``--fail-on`` (a format may say that findings below it were reported).
    fail_on: Severity | None = Severity.WARNING
    #: ``--root``: the repository root CI paths are relative to (default: the git top level, else the working directory).
    root: Path | None = None
    #: The format writes the run's notes itself; the CLI does not repeat them on stderr.
    writes_notes: ClassVar[bool] = False
    #: the rules mapping, and rule id -> its family's metadata (:meth:`rule_info`), made on first use
    _families: PrefixTable[RuleInfo] | None = None

    def __init__(self, rules: Mapping[str, RuleInfo], *, color: bool = False, sources: Mapping[str, str] | None = None) -> None:
        self.rules = rules
        self.color = color
        self.sources = sources or {}
        self.cwd = Path.cwd()

    def repo_path(self, path: str) -> str:
        """For the CI formats: ``path`` (relative to the working directory) relative
        to the repository root, with '/'; absolute when the file is outside it."""
        from aiblint.reporoot import absolute, from_root

        inside = from_root(path, self.cwd, self.root)
        if inside is not None:
            return inside
        return path if path.startswith("<") else absolute(path, self.cwd)

    def rule_info(self, rule_id: str) -> RuleInfo | None:
        """The rule's own metadata, or its family's (``SC`` for ``SC2086``)."""
        rules = self.rules
        if rule_id in rules:
            return rules[rule_id]
        # A family's member is looked up among every rule: once per id and table (formats ask per finding).
        known = self._families
        if known is None or known.table is not rules:
            known = self._families = PrefixTable(rules)
        return known.get(rule_id)

    def write(self, report: Report, stream: TextIO) -> None:
        raise NotImplementedError


def safe_text(text: str) -> str:
    """Lone surrogates (from ``\\ud800`` escapes) cannot be encoded; show them escaped."""
    if text.isascii():  # (most texts: one test in C) no surrogate in it
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
