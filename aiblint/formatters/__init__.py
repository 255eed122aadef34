"""Output formats. Each is a plugin under the ``aiblint.formatters`` entry
points (the built-in ones too); a formatter never knows what a rule checks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, TextIO

from aiblint.findings import Report, Severity


@dataclass(frozen=True)
class RuleInfo:
    """What an output format may say about a rule (taken from its class)."""

    id: str
    name: str
    severity: Severity
    summary: str
    description: str
    help_uri: str
    tags: tuple[str, ...]
    security_severity: float | None


class Formatter:
    name: ClassVar[str]
    #: List suppressed findings too (``--show-suppressed``); formats that mark
    #: them (SARIF, JSON) always include them.
    show_suppressed: bool = False

    def __init__(self, rules: Mapping[str, RuleInfo], *, color: bool = False, sources: Mapping[str, str] | None = None) -> None:
        self.rules = rules
        self.color = color
        self.sources = sources or {}

    def rule_info(self, rule_id: str) -> RuleInfo | None:
        """The rule's own metadata, or its family's (``SC`` for ``SC2086``)."""
        if rule_id in self.rules:
            return self.rules[rule_id]
        families = [family for family in self.rules if rule_id.startswith(family)]
        return self.rules[max(families, key=len)] if families else None

    def write(self, report: Report, stream: TextIO) -> None:
        raise NotImplementedError


def safe_text(text: str) -> str:
    """Lone surrogates (from ``\\ud800`` escapes) cannot be encoded; show them escaped."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
