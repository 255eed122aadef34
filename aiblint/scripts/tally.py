"""How many scripts a run checked, and how many it could not read: one note."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aiblint.lazyre import lazy
from aiblint.record import MutableRecord

if TYPE_CHECKING:  # imported when used: a run whose results come from the cache merely adds counts
    from aiblint.model import ImageTemplate
    from aiblint.scripts.units import ScriptUnit


class ScriptTally(MutableRecord):
    """How many scripts were checked and how each ``scriptUri`` resolved."""

    __slots__ = ("units", "references")  # noqa: RUF023 - in field order
    units: Counter[str]  # "inline" / "file" -> units checked
    references: Counter[str]  # resolution status -> scriptUri count

    def __init__(self, units: Counter[str] | None = None, references: Counter[str] | None = None) -> None:
        self.units = Counter() if units is None else units
        self.references = Counter() if references is None else references

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


#: How a batch rule's note counts the scripts it could not check (:func:`not_checked`).
NOT_CHECKED = lazy(r"(?P<count>\d+) (?P<kind>[\w-]+(?: [\w-]+)?) scripts? (?:was|were) not checked by (?P<tool>it|\S+)")


def add_note(notes: list[str], note: str) -> None:
    """Add a batch rule's note to ``notes``. A tool runs once per group of
    scripts (per chunk, per settings file) and counts the script units it could
    not check in its note: notes that differ only in that count, or not at all,
    become one note with the sum, as one run over them all would say."""
    match = NOT_CHECKED().search(note)
    if match is None:
        if note not in notes:
            notes.append(note)
        return
    for index, known in enumerate(notes):
        other = NOT_CHECKED().search(known)
        if other is not None and _shape(known, other) == _shape(note, match):
            notes[index] = with_count(other, int(other["count"]) + int(match["count"]))
            return
    notes.append(note)


def with_count(match: re.Match[str], number: int) -> str:
    """The note ``match`` was found in, counting ``number`` scripts."""
    note = match.string
    return note[: match.start()] + not_checked(number, match["kind"], match["tool"]) + note[match.end() :]


def _shape(note: str, match: re.Match[str]) -> tuple[str, str, str, str]:
    return note[: match.start()], match["kind"], match["tool"], note[match.end() :]
