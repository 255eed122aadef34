"""Patterns made from a kept program (:mod:`aiblint.regexcode`) are re.compile's:
equal pattern objects (CPython compares their programs), the same groups, the
same matches; anything unusable is compiled the usual way."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiblint import regexcode
from aiblint.secrets import plugins
from aiblint.secrets.generic import _SPECS

#: Pieces of patterns: groups (named too), classes, repeats, alternations, look-arounds, backreferences.
PIECES = ["a", "Z", "ñ", r"\w*", r"\s+", "[a-z]{2,}", "(x|yz)", "(?P<name>k)", "(?=p)", "(?<!q)", r"\b", ".", "|",
          "[^'\"]", "(?:api_?key|secret)", "{0,2}", r"\d?", "$", "^", "(['\"`])", r"\1"]
FLAGS = [0, re.IGNORECASE, re.MULTILINE | re.DOTALL, re.IGNORECASE | re.VERBOSE, re.ASCII]
LINES = ["password: 'Hx93!kPq27wz'", "API_KEY=\"abcd\"", "ñ Zzz kx p a-z", "secret == 'value' ; x", "", "\n\n"]


def _listed_patterns() -> list[tuple[str, int]]:
    listing = plugins._listing(_SPECS)
    rows = [row for entry in listing.values() for table in ("denylist", "searches") for row in entry.get(table) or ()]
    assert len(rows) >= 30
    return [(row[0], row[1]) for row in rows]


def _same(made: re.Pattern[str], expected: re.Pattern[str]) -> None:
    assert made == expected  # flags, pattern and the program itself, word by word
    assert (made.pattern, made.flags, made.groups, made.groupindex) == (expected.pattern, expected.flags, expected.groups, expected.groupindex)


@pytest.mark.parametrize(("pattern", "flags"), _listed_patterns())
def test_every_listed_plugin_pattern_is_made_exactly_as_re_compile_makes_it(pattern: str, flags: int) -> None:
    stored = regexcode.program(pattern, flags)
    assert stored is not None
    made, expected = regexcode.compiled(pattern, flags, stored), re.compile(pattern, flags)
    _same(made, expected)
    assert made is not expected  # made from the program, not taken from re's cache
    for line in (*LINES, *plugins._PROBES):
        assert [m.span() + m.groups() for m in made.finditer(line)] == [m.span() + m.groups() for m in expected.finditer(line)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=8), st.sampled_from(FLAGS), st.lists(st.sampled_from(LINES), max_size=3))
def test_a_pattern_made_from_its_program_matches_what_re_compile_matches(pieces: list[str], flags: int, lines: list[str]) -> None:
    pattern = "".join(pieces)
    try:
        expected = re.compile(pattern, flags)
    except (re.error, ValueError):
        assert regexcode.program(pattern, flags) is None
        return
    stored = regexcode.program(pattern, flags)
    assert stored is not None
    made = regexcode.compiled(pattern, flags, stored)
    _same(made, expected)
    text = "\n".join(lines)
    assert [m.span() + m.groups() for m in made.finditer(text)] == [m.span() + m.groups() for m in expected.finditer(text)]


def test_a_program_of_other_flags_or_a_corrupt_one_is_compiled_the_usual_way() -> None:
    pattern = r"(?P<key>pass\w*)\s*=\s*(['\"])(.+?)\2"
    stored = regexcode.program(pattern, 0)
    assert stored is not None
    _same(regexcode.compiled(pattern, re.IGNORECASE, stored), re.compile(pattern, re.IGNORECASE))  # kept without IGNORECASE
    flags, code, groups, groupindex = stored
    for bad in (None, [], "x", [flags, code, groups], [flags, "zz", groups, groupindex], [flags, "00000000", groups, groupindex],
                [flags, code[:-8], groups, groupindex], [flags, code, groups, {"key": 9}], [str(flags), code, groups, groupindex]):
        _same(regexcode.compiled(pattern, 0, bad), re.compile(pattern, 0))
