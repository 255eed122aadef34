"""Reading parsed commands for the runtime rules (AIB508-AIB510): operands,
options, PowerShell parameters, and reporting a span of a script unit.

Commands come from :mod:`aiblint.scripts.syntax` (tree-sitter), so a command
in a comment or a string is never one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from aiblint.rule import Problem
from aiblint.scripts.offsets import problem_at
from aiblint.scripts.syntax import Command, Word, normalized
from aiblint.scripts.units import ScriptUnit, script_steps, script_units, uri_node


def name(command: Command, language: str) -> str:
    """The command's name as rules compare it (PowerShell: lower case, no ``.exe``)."""
    return normalized(command.name, language)


def exe_name(command: Command) -> str:
    """The program as written, lower case, path removed, ``.exe`` kept: tells
    ``sc.exe`` (the service tool) from ``sc`` (PowerShell's Set-Content)."""
    value = command.words[0].value or ""
    return re.split(r"[\\/]", value)[-1].casefold()


def values(words: Iterable[Word]) -> list[str]:
    """The known values of some words (``""`` for one that is computed)."""
    return [word.value if word.value is not None else "" for word in words]


def operands(command: Command, takes_value: frozenset[str] = frozenset()) -> list[Word]:
    """A shell command's arguments that are not options nor an option's value
    (everything after ``--`` is an operand)."""
    found: list[Word] = []
    skip = False
    ended = False
    for word in command.args:
        value = word.value or ""
        if skip:
            skip = False
        elif ended or not value.startswith("-") or value == "-":
            found.append(word)
        elif value == "--":
            ended = True
        else:
            skip = value in takes_value
    return found


def short_flags(command: Command) -> set[str]:
    """Single-letter flags, bundles split (``-rf`` -> ``{"r", "f"}``), and long options."""
    flags: set[str] = set()
    for value in values(command.args):
        if value.startswith("--"):
            flags.add(value.split("=", 1)[0])
        elif value.startswith("-") and len(value) > 1:
            flags.update(value[1:])
    return flags


class PsCommand:
    """A PowerShell command's parameters and positional arguments, with
    parameter names matched as PowerShell does: without case, by any
    unambiguous prefix (the caller lists the names it needs)."""

    def __init__(self, command: Command, takes_value: Iterable[str], switches: Iterable[str] = ()) -> None:
        self.command = command
        self.parameters: dict[str, Word | None] = {}
        self.positionals: list[Word] = []
        with_value = tuple(takes_value)
        known = with_value + tuple(switches)
        args = command.args
        index = 0
        while index < len(args):
            word = args[index]
            if word.option:
                full = _expand((word.value or "").lstrip("-").rstrip(":").casefold(), known)
                if full in with_value and index + 1 < len(args) and not args[index + 1].option:
                    self.parameters[full] = args[index + 1]
                    index += 2
                    continue
                self.parameters[full or (word.value or "").casefold()] = None
            else:
                self.positionals.append(word)
            index += 1

    def has(self, parameter: str) -> bool:
        return parameter in self.parameters

    def value(self, parameter: str, position: int | None = None) -> Word | None:
        """The word given to ``parameter``, else the positional argument at ``position``."""
        word = self.parameters.get(parameter)
        if word is not None:
            return word
        if position is not None and parameter not in self.parameters and position < len(self.positionals):
            return self.positionals[position]
        return None


def _expand(prefix: str, known: tuple[str, ...]) -> str:
    """``rec`` -> ``recurse`` when exactly one known name starts with it."""
    if prefix in known:
        return prefix
    matches = [full for full in known if full.startswith(prefix)] if prefix else []
    return matches[0] if len(matches) == 1 else prefix


def command_problem(unit: ScriptUnit, command: Command, message: str) -> Problem:
    """A problem over a command as written without its wrappers (``sudo``)."""
    return problem_at(unit, command.words[0].start, command.words[-1].end, message)


def shown(command: Command, limit: int = 60) -> str:
    """The command as written, for messages (wrappers dropped, long ones cut)."""
    text = " ".join(word.text for word in command.words)
    return text if len(text) <= limit else text[: limit - 1] + "…"




def earlier_units(unit: ScriptUnit) -> list[ScriptUnit] | None:
    """The scripts of the steps that run before ``unit``'s, or ``None`` when one of
    them is not fully known (a script that cannot be read, lines from expressions)."""
    template = unit.template
    units = [other for other in script_units(template) if other.position < unit.position]
    for owner, _phase, position, _language in script_steps(template):
        if position >= unit.position:
            continue
        origins = {other.origin for other in units if other.owner is owner}
        if (uri_node(template, owner) is not None and "file" not in origins) or (
            template.member(owner, "inline") is not None and "inline" not in origins
        ):
            return None
    if any(other.has_unknown_lines for other in units):
        return None
    return units
