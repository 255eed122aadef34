"""Regular expressions compiled once per installation rather than once per process.

``re.compile`` parses a pattern and generates the regex engine's program in
every process: detect-secrets' keyword table alone (5 patterns of ~270
characters) costs ~2.9 ms of each cold run, and again in each ``-j 2`` worker.
:func:`program` gives that program as JSON data for a cache file to keep beside
its pattern; :func:`compiled` makes the pattern from it (~0.005 ms) with the
engine's own constructor, which validates the program (an invalid one raises).

A program belongs to one interpreter: :data:`ENGINE` names it and must be part
of the key of whatever keeps programs. :func:`program` keeps a program only when
the pattern made from it is equal to ``re.compile``'s (pattern objects compare
their programs), and anything unusable when reading (another layout, corrupt
data) is compiled the usual way.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]  # re's engine: only it makes a pattern from a program
import re
import sys
from array import array
from typing import Any, Final

#: What a program depends on besides its pattern and flags.
ENGINE: Final = f"{sys.version}\0{_sre.MAGIC}\0{_sre.CODESIZE}\0{sys.maxunicode}\0{sys.byteorder}"
_WORD: Final = "I"  # unsigned int: the engine's code word (checked against _sre.CODESIZE)


def program(pattern: str, flags: int) -> list[Any] | None:
    """``[flags, code, groups, groupindex]`` of ``re.compile(pattern, flags)`` (the code in
    hexadecimal: read faster than a JSON list of numbers), or ``None`` when this Python's
    ``re`` does not give it so."""
    if array(_WORD).itemsize != _sre.CODESIZE:
        return None
    flags = int(flags)  # as re.compile does with a RegexFlag
    try:
        from re import _compiler, _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(pattern, flags)
        state = parsed.state
        code = array(_WORD, _compiler._code(parsed, flags)).tobytes().hex()
        data = [flags | state.flags, code, state.groups - 1, dict(state.groupdict)]
        made, expected = _from_program(pattern, flags, data), re.compile(pattern, flags)
    except Exception:  # another Python's internals: nothing kept, compiled the usual way
        return None
    if made != expected or made.groupindex != expected.groupindex or made.groups != expected.groups:
        return None
    return data


def compiled(pattern: str, flags: int, stored: object) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, made from ``stored`` (what :func:`program` gave) when it is usable."""
    made_ = made(pattern, flags, stored) if stored is not None else None
    return made_ if made_ is not None else re.compile(pattern, flags)


def made(pattern: str, flags: int, stored: object) -> re.Pattern[str] | None:
    """The pattern made from ``stored``, or ``None`` when it is not a program the engine accepts for it."""
    try:
        return _from_program(pattern, flags, stored)
    except Exception:  # a corrupt or foreign program: the caller compiles the usual way
        return None


def _from_program(pattern: str, flags: int, stored: object) -> re.Pattern[str]:
    if not (isinstance(stored, list) and len(stored) == 4):
        raise ValueError("not a program")
    final_flags, code, groups, groupindex = stored
    flags = int(flags)
    if not (type(final_flags) is int and final_flags & flags == flags and isinstance(code, str)
            and type(groups) is int and isinstance(groupindex, dict)
            and all(isinstance(name, str) and type(index) is int and 0 < index <= groups for name, index in groupindex.items())):
        raise ValueError("not a program")
    indexgroup: list[str | None] = [None] * (groups + 1)
    for name, index in groupindex.items():
        indexgroup[index] = name
    words = array(_WORD, bytes.fromhex(code)).tolist()
    made: re.Pattern[str] = _sre.compile(pattern, final_flags, words, groups, groupindex, tuple(indexgroup))
    return made
