"""ShellCheck started while a chunk is linted, for the scripts gathered so far
(:func:`aiblint.scripts.shellcheck.start`, not complete), and read at the flush: the
findings, their order and the notes are those of one process per group at the end."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from aiblint import parallel
from aiblint.config import load_config
from aiblint.engine import Linter
from aiblint.registry import RuleSet
from aiblint.run import lint_paths
from aiblint.scripts import analyzers, shellcheck
from tests.fake_tools import put_on_path

SC2086 = "Double quote to prevent globbing and word splitting: `$TARGET`"
SC2115 = 'Use "${var:?}" to ensure this never expands to / .'


def _template(steps: list[dict[str, Any]]) -> str:
    return json.dumps({"type": "Microsoft.VirtualMachineImages/imageTemplates", "properties": {"customize": steps}}, indent=2)


def _tree(root: Path) -> list[str]:
    """Templates in two folders, one with an rc file that turns SC2086 off; inline ``sh``
    and referenced ``bash`` scripts (two groups per folder); a file used by two templates."""
    (root / "quiet").mkdir()
    (root / "quiet" / ".shellcheckrc").write_text("disable=SC2086\n")
    (root / "loud").mkdir()
    (root / "shared.sh").write_text("#!/bin/bash\nrm -rf $TARGET/\n")
    names = []
    for index in range(12):
        folder = ("quiet", "loud")[index % 2]
        (root / folder / f"b{index}.sh").write_text(f"#!/bin/bash\ncp ${index % 9} /opt\necho `date`\n")
        steps: list[dict[str, Any]] = [
            {"type": "Shell", "name": "a", "inline": ["cp $1 /opt", f"echo {index} $HOME"]},  # the same text in both folders
            {"type": "Shell", "name": "b", "scriptUri": f"b{index}.sh"},
            {"type": "Shell", "name": "c", "scriptUri": "../shared.sh"},
        ]
        (root / folder / f"t{index:02}.json").write_text(_template(steps))
        names.append(f"{folder}/t{index:02}.json")
    return names


Found = tuple[str, int, str, int, int, "int | None", "int | None", str]


def _outcome(root: Path, names: list[str], gather: bool) -> tuple[list[Found], list[str], int]:
    """What ShellCheck says over one chunk of ``names``, in order."""
    linter = Linter(RuleSet.load_all(), load_config(root), root, batch=True)
    linter.gather = gather
    for name in names:
        linter.lint_bytes((root / name).read_bytes(), name)
    if gather:
        assert len(analyzers.AHEAD) >= 2  # started while the chunk was linted
    outcome = shellcheck.check(linter.pending)
    found = [(f.unit.document.path, f.unit.position, f.rule, f.line, f.column, f.end_line, f.end_column, f.message) for f in outcome.findings]
    return found, outcome.notes, outcome.checked


def test_a_chunks_findings_and_their_order_are_those_of_one_process_per_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = _tree(tmp_path)
    starts: list[list[str]] = []
    real = analyzers.start_tool

    def start_tool(command: list[str], *args: Any) -> object:
        starts.append(command)
        return real(command, *args)

    monkeypatch.setattr(shellcheck, "start_tool", start_tool)
    monkeypatch.setattr(shellcheck, "GATHER_SCRIPTS", 3)
    gathered = _outcome(tmp_path, names, gather=True)
    assert len(starts) > 4 and analyzers.AHEAD == {}  # several parts for each of the four groups
    starts.clear()
    assert _outcome(tmp_path, names, gather=False) == gathered
    assert len(starts) == 4  # one process per dialect and rc file
    found, notes, checked = gathered
    assert notes == [] and checked == 12 * 3  # units: inline, its own file, shared.sh
    # The same inline texts, each grouped by its own folder's rc file: SC2086 in loud/ only.
    assert [f[2:6] for f in found if f[0] == "loud/t01.json"] == [("SC2086", 1, 4, 1), ("SC2086", 2, 8, 2)]
    assert [f for f in found if f[0].startswith("quiet/") and f[2] == "SC2086"] == []
    # One script in one file for every template that runs it: its findings once for each unit.
    assert sorted({f[2:] for f in found if f[0] == "shared.sh"}) == [("SC2086", 2, 8, 2, 15, SC2086), ("SC2115", 2, 8, 2, 16, SC2115)]
    assert len([f for f in found if f[0] == "shared.sh"]) == 24


def test_reports_are_the_same_with_and_without_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = _tree(tmp_path)
    monkeypatch.setattr(shellcheck, "GATHER_SCRIPTS", 2)
    parts = lint_paths(names, cwd=tmp_path, rules=RuleSet.load_all())
    monkeypatch.setattr(shellcheck, "GATHER_SCRIPTS", 10**6)
    whole = lint_paths(names, cwd=tmp_path, rules=RuleSet.load_all())
    assert (parts.findings, parts.notes, parts.errors) == (whole.findings, whole.notes, whole.errors)
    assert any(f.rule == "SC2086" for f in whole.findings)


def _crashing(monkeypatch: pytest.MonkeyPatch, folder: Path, body: str) -> Path:
    """A ``shellcheck`` that runs ``body`` when a script it is given holds ``CRASH``, else the real one;
    each start is logged."""
    real = shellcheck.executable()
    log = folder / "starts.log"
    put_on_path(monkeypatch, folder / "bin", "shellcheck", f"""#!/bin/sh
echo started >> {log}
for name in "$@"; do
  case "$name" in *.sh) if grep -q CRASH "$name"; then {body}; fi;; esac
done
exec {real} "$@"
""")
    return log


def _chunk(root: Path, crash_at: int | None) -> list[str]:
    names = []
    for index in range(8):
        text = "echo CRASH $1" if index == crash_at else f"cp ${index} /opt"
        (root / f"t{index}.json").write_text(_template([{"type": "Shell", "name": "a", "inline": [text]}]))
        names.append(f"t{index}.json")
    return names


@pytest.mark.parametrize(
    ("body", "note"),
    [
        ("kill -9 $$", "ShellCheck failed (exit code -9, no report); 8 shell scripts were not checked by it"),
        ("echo 'shellcheck: broken' >&2; exit 3", "ShellCheck failed (shellcheck: broken); 8 shell scripts were not checked by it"),
    ],
)
def test_a_part_that_fails_is_reported_as_one_process_would_be(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, note: str) -> None:
    log = _crashing(monkeypatch, tmp_path, body)
    names = _chunk(tmp_path, crash_at=5)  # in the second part
    monkeypatch.setattr(shellcheck, "GATHER_SCRIPTS", 3)
    report = lint_paths(names, cwd=tmp_path, rules=RuleSet.load_all())
    # Parts of 3, 3 and 2 (the last at the flush); the second failed: all 8 again in one process, which failed.
    assert len(log.read_text().splitlines()) == 4
    assert report.errors == [] and report.notes == [note]
    assert [f for f in report.findings if f.rule.startswith("SC")] == []
    monkeypatch.setattr(shellcheck, "GATHER_SCRIPTS", 10**6)
    whole = lint_paths(names, cwd=tmp_path, rules=RuleSet.load_all())
    assert (whole.findings, whole.notes) == (report.findings, report.notes)


def test_a_part_that_times_out_is_a_note_for_every_script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = _crashing(monkeypatch, tmp_path, "sleep 30")
    monkeypatch.setattr(shellcheck, "GATHER_SCRIPTS", 3)
    monkeypatch.setattr(shellcheck, "TIMEOUT_SECONDS", 1.0)
    report = lint_paths(_chunk(tmp_path, crash_at=1), cwd=tmp_path, rules=RuleSet.load_all())
    assert report.notes == ["ShellCheck did not finish within 1 s; 8 shell scripts were not checked by it"]
    assert len(log.read_text().splitlines()) == 3  # not run again: it would not finish either
    assert [f for f in report.findings if f.rule.startswith("SC")] == []


def test_a_part_that_fails_once_is_run_again_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash that does not come back (memory, a signal): the group's findings, as one process gives them."""
    monkeypatch.setattr(shellcheck, "GATHER_SCRIPTS", 3)
    names = _chunk(tmp_path, crash_at=None)
    expected = lint_paths(names, cwd=tmp_path, rules=RuleSet.load_all())
    assert len([f for f in expected.findings if f.rule == "SC2086"]) == 8
    real = analyzers.finish_tool
    calls: list[int] = []

    def finish_tool(process: subprocess.Popen[bytes], *args: Any) -> object:
        calls.append(1)
        result = real(process, *args)
        return subprocess.CompletedProcess(process.args, -9, b"", b"") if len(calls) == 2 else result  # killed

    monkeypatch.setattr(shellcheck, "finish_tool", finish_tool)
    again = lint_paths(names, cwd=tmp_path, rules=RuleSet.load_all())
    assert len(calls) == 2  # the first part, the second (killed); then one process over all, from the start
    assert analyzers.AHEAD == {}
    assert (again.findings, again.notes, again.errors) == (expected.findings, expected.notes, expected.errors)


def _recording(monkeypatch: pytest.MonkeyPatch) -> list[tuple[subprocess.Popen[bytes], str]]:
    started: list[tuple[subprocess.Popen[bytes], str]] = []
    real = shellcheck._start

    def start(*args: Any) -> Any:
        process, folder = real(*args)
        if process is not None and folder is not None:
            started.append((process, folder.name))
        return process, folder

    monkeypatch.setattr(shellcheck, "_start", start)
    return started


def test_a_chunk_that_unwinds_ends_its_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started = _recording(monkeypatch)
    monkeypatch.setattr(shellcheck, "GATHER_SCRIPTS", 2)

    def interrupted(*args: object) -> None:
        assert len(analyzers.AHEAD) == 4
        raise KeyboardInterrupt  # a Ctrl-C (or SIGTERM, which unwinds alike) before the flush

    monkeypatch.setattr(parallel, "_flush", interrupted)
    with pytest.raises(KeyboardInterrupt):
        lint_paths(_chunk(tmp_path, crash_at=None), cwd=tmp_path, rules=RuleSet.load_all())
    assert len(started) == 4 and analyzers.AHEAD == {} and analyzers.GATHERED == {}
    assert all(process.poll() is not None and not Path(folder).exists() for process, folder in started)


def test_a_flush_that_unwinds_ends_the_parts_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started = _recording(monkeypatch)
    monkeypatch.setattr(shellcheck, "GATHER_SCRIPTS", 3)

    def communicate(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # while the first part is read

    monkeypatch.setattr(subprocess.Popen, "communicate", communicate)
    with pytest.raises(KeyboardInterrupt):
        lint_paths(_chunk(tmp_path, crash_at=None), cwd=tmp_path, rules=RuleSet.load_all())
    assert len(started) == 3 and analyzers.AHEAD == {} and analyzers.GATHERED == {}  # two ahead, the rest at the flush
    assert all(process.poll() is not None and not Path(folder).exists() for process, folder in started)
