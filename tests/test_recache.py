"""aiblint's regex programs kept in the cache folder (:mod:`aiblint.recache`): every kept
program is re.compile's, a pattern made from one matches as re.compile's does, the key
holds the pattern and its flags, and an unusable file is a miss."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiblint import recache, regexcode

REALISTIC = Path(__file__).parent / "data" / "realistic"
LINES = ["password: 'Hx93!kPq27wz'", "ABC abc aBc", "${{ vars.X }} $(date) %TEMP%", "", "x\ny"]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A cache folder of the test's own, with nothing read, used or made yet."""
    monkeypatch.setenv("AIBLINT_CACHE_DIR", str(tmp_path))
    recache.forget()
    yield tmp_path / "regex-programs"
    recache.forget()


def _same(made: re.Pattern[str], expected: re.Pattern[str]) -> None:
    assert made == expected  # flags, pattern and the program itself, word by word
    assert (made.pattern, made.flags, made.groups, made.groupindex) == (expected.pattern, expected.flags, expected.groups, expected.groupindex)
    for line in LINES:
        assert [found.span() for found in made.finditer(line)] == [found.span() for found in expected.finditer(line)]


def test_every_program_a_run_kept_is_re_compiles(tmp_path: Path) -> None:
    """The differential test over what a real run keeps: each of its programs makes the pattern re.compile makes."""
    env = {**os.environ, "AIBLINT_CACHE_DIR": str(tmp_path)}
    templates = [str(path) for path in sorted(REALISTIC.glob("*.json"))[:6]]
    run = subprocess.run([sys.executable, "-m", "aiblint", "--no-cache", *templates], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode in (0, 1), run.stderr
    data = json.loads((tmp_path / "regex-programs").read_bytes())
    assert (data["format"], data["engine"]) == (1, regexcode.ENGINE)
    assert len(data["programs"]) >= 20  # lazyre's, the loader's, the secret scan's
    for key, stored in data["programs"].items():
        flags, pattern = key.split("\0", 1)
        made = regexcode.made(pattern, int(flags), stored)
        assert made is not None, pattern
        _same(made, re.compile(pattern, int(flags)))


def test_a_pattern_made_from_the_file_matches_as_re_compiles_does(cache: Path) -> None:
    pattern = r"(?P<name>[a-z]+)\s*[:=]\s*'([^']*)'|\$\{\{[^{}]*\}\}|\$\([A-Za-z_]\w*\)"
    first = recache.compile(pattern)  # a miss: compiled, and kept at the end
    _same(first, re.compile(pattern))
    recache.save()
    assert cache.is_file()
    recache.forget()
    made = recache.compile(pattern)
    assert recache._made == {}  # made from the file's program, not compiled
    _same(made, re.compile(pattern))


def test_the_key_holds_the_pattern_and_its_flags(cache: Path) -> None:
    """A program kept for one pattern or flags is never given for another (a key without the flags
    would give 'abc' without IGNORECASE, and no match in 'ABC')."""
    recache.compile("abc")
    recache.compile("a.c", re.DOTALL)
    recache.save()
    recache.forget()
    assert recache.compile("abc", re.IGNORECASE).fullmatch("ABC") is not None
    assert recache.compile("abc").fullmatch("ABC") is None
    assert recache.compile("a.c").fullmatch("a\nc") is None
    assert recache.compile("a.c", re.DOTALL).fullmatch("a\nc") is not None
    assert recache.compile("abd").fullmatch("abd") is not None
    assert set(recache._made) == {f"{int(re.IGNORECASE)}\0abc", "0\0a.c", "0\0abd"}


@pytest.mark.parametrize("text", [b"", b"{not json", b"[]", b'{"format": 1, "engine": "another Python", "programs": {}}', b"\xff\xfe"])
def test_a_corrupt_or_foreign_file_is_a_miss(cache: Path, text: bytes) -> None:
    cache.write_bytes(text)
    _same(recache.compile("x+y"), re.compile("x+y"))
    assert "0\0x+y" in recache._made


def test_another_interpreters_programs_are_never_used(cache: Path) -> None:
    """A program of another engine (here: another pattern's, which this engine would accept) is not read."""
    stored = regexcode.program("zzz", 0)
    cache.write_text(json.dumps({"format": 1, "engine": "another Python", "programs": {"0\0abc": stored}}))
    assert recache.compile("abc").fullmatch("abc") is not None


def test_a_corrupt_program_is_compiled(cache: Path) -> None:
    cache.write_text(json.dumps({"format": 1, "engine": regexcode.ENGINE, "programs": {"0\0abc": [34, "00000000", 0, {}], "0\0abd": "x"}}))
    _same(recache.compile("abc"), re.compile("abc"))
    _same(recache.compile("abd"), re.compile("abd"))
    assert set(recache._made) == {"0\0abc", "0\0abd"}  # rewritten at the end


def test_the_file_stays_bounded_and_keeps_what_was_used(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recache, "_CAP", 3)
    old = {f"0\0old{index}": regexcode.program(f"old{index}", 0) for index in range(5)}
    cache.write_text(json.dumps({"format": 1, "engine": regexcode.ENGINE, "programs": old}))
    recache.compile("new")
    recache.compile("old4")
    recache.save()
    kept = json.loads(cache.read_bytes())["programs"]
    assert len(kept) == 3
    assert {"0\0new", "0\0old4"} <= set(kept)


def test_over_the_cap_the_programs_used_first_are_kept(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recache, "_CAP", 2)
    for pattern in ("zz", "yy", "aa"):  # first used in this order, not in the order of their text
        recache.compile(pattern)
    recache.save()
    assert list(json.loads(cache.read_bytes())["programs"]) == ["0\0zz", "0\0yy"]


def test_nothing_is_written_when_nothing_was_made(cache: Path) -> None:
    recache.compile("abc")
    recache.save()
    stamp = (cache.stat().st_ino, cache.stat().st_mtime_ns)
    recache.forget()
    recache.compile("abc")
    recache.save()
    assert (cache.stat().st_ino, cache.stat().st_mtime_ns) == stamp  # (a rewrite is a new file renamed into place)
