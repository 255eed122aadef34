"""How many scripts a run checked, and how many it could not read: one note."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when used: a run whose results come from the cache merely adds counts
    from aiblint.model import ImageTemplate
    from aiblint.scripts.units import ScriptUnit


@dataclass
class ScriptTally:
    """How many scripts were checked and how each ``scriptUri`` resolved."""

    units: Counter[str] = field(default_factory=Counter)  # "inline" / "file" -> units checked
    references: Counter[str] = field(default_factory=Counter)  # resolution status -> scriptUri count

    def add(self, templates: Sequence[ImageTemplate], units: Sequence[ScriptUnit]) -> None:
        from aiblint.scripts.units import script_references

        self.units.update(unit.origin for unit in units)
        for template in templates:
            self.references.update(reference.resolution.status for reference in script_references(template))

    def note(self) -> str | None:
        """A summary when some referenced script could not be read (nothing to say otherwise)."""
        references = self.references
        if not references:
            return None
        from aiblint.scripts.resolve import FETCHED, LOCAL, MISSING, UNKNOWN, UNRESOLVED

        not_read = references[UNRESOLVED] + references[MISSING]
        if not not_read:
            return None
        total = sum(references.values())
        read = references[LOCAL] + references[FETCHED]
        parts = [f"{read} resolved to a local file" + (f" ({references[FETCHED]} downloaded)" if references[FETCHED] else "")]
        if references[UNRESOLVED]:
            parts.append(f"{references[UNRESOLVED]} not resolved (AIB305)")
        if references[MISSING]:
            parts.append(f"{references[MISSING]} missing from the repository (AIB307)")
        if references[UNKNOWN]:
            parts.append(f"{references[UNKNOWN]} given by an expression or placeholder")
        checked = f"{count(self.units['inline'], 'inline script')} and {count(self.units['file'], 'script file')} checked"
        return f"scripts: {checked}; of {count(total, 'referenced script')}, {', '.join(parts)}; map URLs to folders with script-roots, or use --fetch"


def count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def not_checked(number: int, kind: str, tool: str) -> str:
    """``2 shell scripts were not checked by ShellCheck``."""
    return f"{count(number, kind + ' script')} {'was' if number == 1 else 'were'} not checked by {tool}"
