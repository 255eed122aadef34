"""ShellCheck started before a lone file's rules run (:meth:`aiblint.rule.Rule.start_scripts`,
:func:`aiblint.scripts.shellcheck.start`): it runs while they do, and the report is the one
a ShellCheck started at the end gives."""

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
from tests.conftest import CORPUS, WILD, need_shared

TEMPLATE = {
    "type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "location": "westus2",
    "properties": {"customize": [
        {"type": "Shell", "name": "a", "inline": ["cp $1 /opt/app"]},
        {"type": "Shell", "name": "b", "inline": ["rm -rf $DIR/"]},
    ]},
}


def report(paths: list[str], cwd: Path) -> tuple[object, ...]:
    done = lint_paths(paths, cwd=cwd, rules=RuleSet.load_all())
    return (done.findings, done.notes, done.errors, done.templates_checked)


def test_a_lone_files_report_is_the_same_with_shellcheck_started_early(monkeypatch: pytest.MonkeyPatch) -> None:
    shared = need_shared()
    files = sorted(path for folder in (CORPUS, WILD) for path in folder.rglob("*.json") if b'"Shell"' in path.read_bytes())[:40]
    assert len(files) >= 20
    early = [report([str(path)], shared) for path in files]
    monkeypatch.setattr(Linter, "_start_batch", lambda self, templates: None)
    assert [report([str(path)], shared) for path in files] == early


def test_check_takes_the_process_started_for_the_same_scripts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "t.json").write_text(json.dumps(TEMPLATE, indent=2))
    (tmp_path / "u.json").write_text(json.dumps(TEMPLATE, indent=2))
    expected = report(["t.json"], tmp_path)
    assert {"SC2086", "SC2115"} <= {finding.rule for finding in expected[0]}  # type: ignore[attr-defined]
    ran: list[bool] = []  # whether each ShellCheck started at the end (while the batch rules ran)
    checking = [False]
    real, real_start, real_check = analyzers.run_tool, analyzers.start_tool, shellcheck.check

    def run_tool(command: list[str], *args: Any) -> object:
        ran.append(checking[0])
        return real(command, *args)

    def start_tool(command: list[str], *args: Any) -> object:
        ran.append(checking[0])
        return real_start(command, *args)

    def check(units: Any) -> object:
        checking[0] = True
        try:
            return real_check(units)
        finally:
            checking[0] = False

    monkeypatch.setattr(shellcheck, "run_tool", run_tool)
    monkeypatch.setattr(shellcheck, "start_tool", start_tool)
    monkeypatch.setattr(shellcheck, "check", check)
    assert report(["t.json"], tmp_path) == expected
    assert ran == [False]  # started before the rules ran, taken at the end
    ran.clear()
    report(["t.json", "u.json"], tmp_path)  # two files, four scripts: one ShellCheck for all, at the end
    assert ran == [True]


def test_processes_started_for_other_scripts_are_ended(tmp_path: Path) -> None:
    (tmp_path / "t.json").write_text(json.dumps(TEMPLATE, indent=2))
    linter = Linter(RuleSet.load_all(), load_config(tmp_path), tmp_path, batch=True)
    linter.lint_bytes((tmp_path / "t.json").read_bytes(), "t.json")
    units = linter.pending
    shellcheck.start(units[:1])
    ((process, folder),) = analyzers.AHEAD.values()
    outcome = shellcheck.check(units)  # both scripts: not what the process was given
    assert {finding.rule for finding in outcome.findings} == {"SC2086", "SC2115"}
    assert analyzers.AHEAD == {} and process.poll() is not None and not Path(folder.name).exists()
    assert isinstance(process, subprocess.Popen)


def test_a_run_that_unwinds_ends_what_it_started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "t.json").write_text(json.dumps(TEMPLATE, indent=2))
    started: list[tuple[subprocess.Popen[bytes], str]] = []

    def interrupted(*args: object) -> None:
        started.extend((process, folder.name) for process, folder in analyzers.AHEAD.values())
        raise KeyboardInterrupt  # a Ctrl-C (or a client that hung up) before the batch rules took it

    monkeypatch.setattr(parallel, "_flush", interrupted)
    with pytest.raises(KeyboardInterrupt):
        report(["t.json"], tmp_path)
    assert len(started) == 1 and analyzers.AHEAD == {}
    ((process, folder),) = started
    assert process.poll() is not None and not Path(folder).exists()
