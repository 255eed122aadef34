"""The baseline: written, read, stable when lines move, and never hiding a new finding."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from aiblint.baseline import Baseline, Entry
from aiblint.config import ConfigError
from tests.conftest import main_in_process
from tests.test_cli import DUPLICATE_NAMES

TEMPLATE = DUPLICATE_NAMES
SELECT = ("--select", "AIB003,AIB201,AIB006")


def test_write_baseline_accepts_the_findings(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write("t.json", TEMPLATE)
    code, out = main_in_process(*SELECT, "--write-baseline", "aiblint-baseline.json", "t.json")
    assert (code, out) == (0, "0 problems in 1 file checked; 2 suppressed\n")
    data = json.loads((tmp_path / "aiblint-baseline.json").read_text())
    assert data["version"] == 1
    assert [(e["path"], e["rule"], e["logical_path"], e["count"]) for e in data["entries"]] == [
        ("t.json", "AIB003", "location", 1),
        ("t.json", "AIB201", "properties.customize[1].name", 1),
    ]
    assert all(len(entry["fingerprint"]) == 32 for entry in data["entries"])
    assert main_in_process(*SELECT, "--baseline", "aiblint-baseline.json", "t.json") == (0, "0 problems in 1 file checked; 2 suppressed\n")


def test_baseline_file_has_no_line_numbers_and_is_one_entry_a_line(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write("t.json", TEMPLATE)
    main_in_process(*SELECT, "--write-baseline", "b.json", "t.json")
    text = (tmp_path / "b.json").read_text()
    lines = text.splitlines()
    assert lines[:2] == ["{", '  "version": 1,'] and lines[3] == '  "entries": ['
    assert re.fullmatch(r'  "key": "[0-9a-f]{64}",', lines[2])  # keys the fingerprints of secrets (aiblint.baseline)
    assert lines[4].startswith('    {"path": "t.json", "rule": "AIB003", "logical_path": "location", "fingerprint": "')
    assert lines[-2:] == ["  ]", "}"]
    assert '"line"' not in text and "column" not in text


def test_baseline_survives_inserted_lines(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write("t.json", TEMPLATE)
    main_in_process(*SELECT, "--write-baseline", "b.json", "t.json")
    before = (tmp_path / "b.json").read_text()
    moved = TEMPLATE.replace('  "location"', '  // the build region\n\n  "tags": {"team": "images"},\n  "location"')
    moved = moved.replace('    "customize"', '    "buildTimeoutInMinutes": 80,\n    "customize"')
    write("t.json", moved)
    assert main_in_process(*SELECT, "--baseline", "b.json", "t.json") == (0, "0 problems in 1 file checked; 2 suppressed\n")
    main_in_process(*SELECT, "--write-baseline", "b.json", "t.json")
    assert (tmp_path / "b.json").read_text() == before  # no churn


def test_a_new_finding_on_an_old_line_is_not_hidden(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", TEMPLATE)
    main_in_process(*SELECT, "--write-baseline", "b.json", "t.json")
    write("t.json", TEMPLATE.replace("<region>", "<location>"))
    code, out = main_in_process(*SELECT, "--baseline", "b.json", "t.json")
    assert code == 1
    assert out.splitlines() == [
        "t.json:3:16: warning AIB003 unreplaced placeholder <location>: replace it with a real value before deploying",
        "1 problem (1 warning) in 1 file checked; 1 suppressed",
    ]


def test_one_more_of_the_same_finding_is_new(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", TEMPLATE)
    main_in_process(*SELECT, "--write-baseline", "b.json", "t.json")
    third = '      {"type": "Shell", "name": "a", "inline": ["true"]},\n'
    write("t.json", TEMPLATE.replace(third, third + third))
    code, out = main_in_process(*SELECT, "--baseline", "b.json", "t.json")
    assert code == 1
    assert out.splitlines()[0].startswith('t.json:8:33: error AIB201 customizer name "a" is already used')


def test_baseline_entries_that_match_nothing_are_noted(write, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    write("t.json", TEMPLATE)
    main_in_process(*SELECT, "--write-baseline", "b.json", "t.json")
    write("t.json", TEMPLATE.replace("<region>", "westus2"))
    capsys.readouterr()
    assert main_in_process(*SELECT, "--baseline", "b.json", "t.json") == (0, "0 problems in 1 file checked; 1 suppressed\n")
    assert capsys.readouterr().err == (
        "aiblint: note: baseline b.json: 1 entry matched no finding (fixed, or the text changed); "
        "--write-baseline b.json drops them\n"
    )


def test_baseline_from_the_configuration_is_relative_to_it(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write("t.json", TEMPLATE)
    (tmp_path / "ci").mkdir()  # --write-baseline creates no folder (as -o)
    main_in_process(*SELECT, "--write-baseline", "ci/b.json", "t.json")
    write(".aiblint.toml", 'baseline = "ci/b.json"\n')
    assert main_in_process(*SELECT, "t.json")[0] == 0
    _, out = main_in_process("--format", "json", *SELECT, "t.json")
    suppressed = [f["suppressed"] for f in json.loads(out)["findings"]]
    assert suppressed[0] == {"kind": "external", "source": "baseline", "reason": "accepted in the baseline ci/b.json", "where": "ci/b.json"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "aiblint: error: baseline b.json not found (write one with --write-baseline b.json)\n"),
        ("{", "aiblint: error: baseline b.json cannot be read: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)\n"),
        ('{"version": 2, "entries": []}', "aiblint: error: baseline b.json is not an aiblint baseline (version 1)\n"),
        ('{"version": 1, "entries": [{"path": "t.json"}]}', "aiblint: error: baseline b.json: an entry has no 'rule'\n"),
    ],
)
def test_unusable_baseline_is_a_usage_error(write, capsys: pytest.CaptureFixture[str], content: str | None, message: str) -> None:  # type: ignore[no-untyped-def]
    write("t.json", TEMPLATE)
    if content is not None:
        write("b.json", content)
    capsys.readouterr()
    assert main_in_process("--baseline", "b.json", "t.json") == (2, "")
    assert capsys.readouterr().err == message


def test_baseline_and_write_baseline_exclude_each_other(write, capsys) -> None:  # type: ignore[no-untyped-def]
    write("t.json", TEMPLATE)
    assert main_in_process("--baseline", "a.json", "--write-baseline", "b.json", "t.json") == (2, "")
    assert capsys.readouterr().err == "aiblint: error: --write-baseline: not allowed with argument --baseline\n"


def test_entries_load_and_dump_round_trip(tmp_path: Path) -> None:
    entries = [Entry("a.json", "AIB003", "location", "f" * 32, 2), Entry("a.json", "AIB002", "", "e" * 32)]
    Baseline(entries, "b.json").write(tmp_path / "b.json")
    loaded = Baseline.load(tmp_path / "b.json", "b.json")
    assert loaded.entries == sorted(entries)
    with pytest.raises(ConfigError, match="a value of the wrong type"):
        (tmp_path / "c.json").write_text('{"version": 1, "entries": [{"path": "a", "rule": "R", "fingerprint": "x", "count": 0}]}')
        Baseline.load(tmp_path / "c.json", "c.json")
