"""Problems at text offsets of a script unit.

Checks that read a unit's text (the secret detectors, the parsed commands of
:mod:`aiblint.scripts.syntax`) find character offsets; :meth:`ScriptUnit.problem`
takes script lines and columns. This converts, and the unit maps them back to
where the characters are written (the JSON string, or the script file).
"""

from __future__ import annotations

import bisect
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiblint.rule import Problem
    from aiblint.scripts.units import ScriptUnit


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of ``offset`` in ``text``."""
    starts = _line_starts(text)
    line = bisect.bisect_right(starts, offset) - 1
    return line + 1, offset - starts[line] + 1


@lru_cache(maxsize=64)
def _line_starts(text: str) -> tuple[int, ...]:
    return (0, *(index + 1 for index, character in enumerate(text) if character == "\n"))


def problem_at(unit: ScriptUnit, start: int, end: int, message: str) -> Problem:
    """A problem covering ``unit.text[start:end]``."""
    line, column = line_column(unit.text, start)
    end_line, end_column = line_column(unit.text, max(start, end))
    return unit.problem(message, line, column, end_line, end_column)
