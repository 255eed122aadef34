"""detect-secrets' regex plugins run from their cached patterns: the same
patterns, and no detect-secrets import (80-86 ms: requests) once they are cached.
The keyword plugin runs from the table its ``analyze_string`` searches, listed
only when it gives what the plugin gives."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiblint import regexcode
from aiblint.secrets import plugins
from aiblint.secrets.generic import _SPECS, GENERIC
from aiblint.secrets.plugins import analyze, denylist, plugin, searches, validator

KEYWORD = "keyword:KeywordDetector"
#: What keyword lines are made of: the plugin's keywords, assignments, quotes, values.
PIECES = ["password", "adminPassword", "db_pass", "api_key", "Secret", "pwd", "contraseña", "key", ":", "=", "==", "!=",
          "=>", ":=", "(", ")", "[", "]", ";", ",", " ", "'", '"', "`", "\v", "Hx93!kPq27wz", "x", "[parameters('p')]",
          "@", "assign", "\n", "é"]

SCAN = (
    "import json, sys\nfrom aiblint.secrets import scan_text\n"
    "found = [[m.detector, m.start, m.end] for m in scan_text(sys.argv[1])]\n"
    "print(json.dumps([found, 'detect_secrets' in sys.modules, 'requests' in sys.modules]))\n"
)


def scan(text: str, cache: Path) -> list[object]:
    env = {**os.environ, "AIBLINT_CACHE_DIR": str(cache)}
    result = subprocess.run([sys.executable, "-c", SCAN, text], env=env, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_cached_patterns_are_the_plugins_own() -> None:
    for detector in GENERIC:
        own = getattr(plugin(detector.plugin), "denylist", None)
        patterns = denylist(detector.plugin, _SPECS)
        if own is None:
            assert patterns is None, detector.id
        else:
            assert [(p.pattern, p.flags) for p in patterns or ()] == [(p.pattern, p.flags) for p in own], detector.id
        validates = hasattr(plugin(detector.plugin), "is_formally_valid")
        assert (validator(detector.plugin, _SPECS) is not None) == validates, detector.id
    assert [d.id for d in GENERIC if validator(d.plugin, _SPECS) is not None] == ["jwt"]


def test_regex_plugins_need_no_detect_secrets_import_once_cached(tmp_path: Path) -> None:
    url = "git clone https://builder:Sup3rS3cretPw@git.contoso.com/images.git"
    found = [["basic-auth-url", 26, 39]]
    assert scan(url, tmp_path) == [found, True, True]  # the first run reads the plugins
    assert scan(url, tmp_path) == [found, False, False]
    (file,) = (tmp_path / "secret-patterns").iterdir()
    file.write_bytes(file.read_bytes()[:-9])
    assert scan(url, tmp_path) == [found, True, True]  # a corrupt listing is a miss, and rewritten
    assert scan(url, tmp_path) == [found, False, False]
    keyword = "password: 'Hx93!kPq27wz'"  # the keyword plugin runs from its listed table: no import either
    assert scan(keyword, tmp_path) == [[["keyword", 11, 23]], False, False]
    jwt = GENERIC[6].positives[0][0]  # a JWT's validity check is code: it imports detect-secrets
    assert scan(jwt, tmp_path)[1:] == [True, True]


def test_a_listing_without_the_keyword_table_is_a_miss(tmp_path: Path) -> None:
    keyword = "password: 'Hx93!kPq27wz'"
    assert scan(keyword, tmp_path) == [[["keyword", 11, 23]], True, True]
    (file,) = (tmp_path / "secret-patterns").iterdir()
    data = json.loads(file.read_bytes())
    for entry in data["plugins"].values():
        del entry["searches"]  # as the listings before the table was listed
    file.write_text(json.dumps(data))
    assert scan(keyword, tmp_path) == [[["keyword", 11, 23]], True, True]
    assert scan(keyword, tmp_path) == [[["keyword", 11, 23]], False, False]


def test_a_listing_of_another_interpreter_is_a_miss_and_corrupt_programs_are_compiled(tmp_path: Path) -> None:
    """The listed programs are one interpreter's (:mod:`aiblint.regexcode`): another's listing is rewritten."""
    keyword = "password: 'Hx93!kPq27wz'"
    assert scan(keyword, tmp_path) == [[["keyword", 11, 23]], True, True]
    (file,) = (tmp_path / "secret-patterns").iterdir()
    data = json.loads(file.read_bytes())
    assert data["engine"] == regexcode.ENGINE
    assert len(data["plugins"][KEYWORD]["programs"]["searches"]) == 5
    assert all(isinstance(stored, list) for stored in data["plugins"][KEYWORD]["programs"]["searches"])
    data["engine"] = "another Python"
    file.write_text(json.dumps(data))
    assert scan(keyword, tmp_path) == [[["keyword", 11, 23]], True, True]  # a miss: the plugins are read again
    data = json.loads(file.read_bytes())
    assert data["engine"] == regexcode.ENGINE
    for entry in data["plugins"].values():
        entry["programs"] = {table: [[34, "00000000", 0, {}]] * len(rows) for table, rows in entry["programs"].items()}
    file.write_text(json.dumps(data))
    assert scan(keyword, tmp_path) == [[["keyword", 11, 23]], False, False]  # compiled from the listed patterns


def test_the_listed_patterns_are_made_from_their_programs_as_re_compile_makes_them() -> None:
    table = searches(KEYWORD, _SPECS)
    assert table is not None
    for pattern, _ in table:
        assert pattern == re.compile(pattern.pattern, pattern.flags)  # equal programs, word by word
    for detector in GENERIC:
        for pattern in denylist(detector.plugin, _SPECS) or ():
            assert pattern == re.compile(pattern.pattern, pattern.flags), detector.id


def test_the_keyword_table_is_listed_and_is_the_plugins_own() -> None:
    table = searches(KEYWORD, _SPECS)
    assert table is not None and len(table) == 5
    from detect_secrets.plugins import keyword

    assert [(p.pattern, p.flags, g) for p, g in table] == [
        (p.pattern, p.flags, g) for p, g in keyword.QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP.items()
    ]
    assert [d.id for d in GENERIC if searches(d.plugin, _SPECS) is not None] == ["keyword"]


def test_every_probe_line_is_found_by_some_pattern_and_each_pattern_by_some_probe() -> None:
    table = searches(KEYWORD, _SPECS)
    assert table is not None
    for pattern, _ in table:
        assert any(pattern.search(probe) for probe in plugins._PROBES), pattern.pattern


def _sample_lines() -> Iterator[str]:
    for detector in GENERIC:
        for text, _ in detector.positives:
            yield from text.split("\n")
        for text in detector.negatives:
            yield from text.split("\n")
    yield from plugins._PROBES


@pytest.mark.parametrize("line", list(_sample_lines()))
def test_the_listed_table_finds_what_the_plugin_finds_on_samples(line: str) -> None:
    assert analyze(KEYWORD, _SPECS, line) == list(plugin(KEYWORD).analyze_string(line))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=14))
def test_the_listed_table_finds_what_the_plugin_finds(pieces: list[str]) -> None:
    line = "".join(pieces)
    assert analyze(KEYWORD, _SPECS, line) == list(plugin(KEYWORD).analyze_string(line))


class _Plugin:
    def __init__(self, table: dict[re.Pattern[str], int], yields: list[str] | None = None) -> None:
        self.table, self.yields = table, yields

    def analyze_string(self, line: str) -> Iterator[str]:
        if self.yields is not None:  # a plugin that does not do what its table says
            yield from self.yields
            return
        for pattern, group in self.table.items():
            found = pattern.search(line)
            if found:
                yield found.group(group)


def test_a_table_is_listed_only_if_it_finds_what_the_plugin_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    table = {re.compile(r"(password)\s*:\s*'([^']+)'", re.IGNORECASE): 2}
    module = types.ModuleType("fake_keyword")
    module.QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP = table  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_keyword", module)
    monkeypatch.setattr(_Plugin, "__module__", "fake_keyword")
    assert plugins._describe(_Plugin(table))["searches"] == [[r"(password)\s*:\s*'([^']+)'", re.IGNORECASE | re.UNICODE, 2]]
    assert plugins._describe(_Plugin(table, yields=[]))["searches"] is None
    assert plugins._describe(_Plugin(table, yields=["x"]))["searches"] is None
    table[re.compile("never-in-a-probe")] = 0  # a pattern no probe tries: not listed
    assert plugins._describe(_Plugin(table))["searches"] is None
    monkeypatch.delattr(module, "QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP")
    assert plugins._describe(_Plugin({}))["searches"] is None
