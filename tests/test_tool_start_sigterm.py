"""SIGTERM at the worst moment of a tool's start or end: after its process exists, before the
run records it where its unwinding ends it (``-j`` CI once left a ShellCheck running this way).
The signal is sent at that exact point (a Popen that sends it as it returns), not left to timing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from aiblint.config import load_config
from aiblint.engine import Linter
from aiblint.registry import RuleSet
from aiblint.scripts import analyzers, shellcheck
from aiblint.scripts.units import ScriptUnit
from aiblint.termination import Terminated, held, sigterm_unwinds

TEMPLATE = {
    "type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "location": "westus2",
    "properties": {"customize": [{"type": "Shell", "name": "a", "inline": ["cp $1 /opt/app"]}]},
}


def _nothing() -> None:
    """A Python call: the interpreter runs a pending signal's handler as it enters one."""


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Every process started, each sending SIGTERM to this process as soon as it exists."""
    processes: list[subprocess.Popen[bytes]] = []
    real = subprocess.Popen

    class SigtermOnStart(real):  # type: ignore[valid-type, misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            processes.append(self)
            os.kill(os.getpid(), signal.SIGTERM)
            _nothing()

    monkeypatch.setattr(subprocess, "Popen", SigtermOnStart)
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    try:
        yield processes
    finally:
        for process in processes:  # (what a failing test left running)
            process.kill()
            process.wait()


@pytest.fixture
def units(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[ScriptUnit]:
    sleeper = tmp_path / "shellcheck"
    sleeper.write_text("#!/bin/sh\nexec sleep 600\n")
    sleeper.chmod(0o755)
    monkeypatch.setattr(shellcheck, "executable", lambda: str(sleeper))
    (tmp_path / "t.json").write_text(json.dumps(TEMPLATE, indent=2))
    linter = Linter(RuleSet.load_all(), load_config(tmp_path), tmp_path, batch=True)
    linter.lint_bytes((tmp_path / "t.json").read_bytes(), "t.json")
    analyzers.GATHERED.clear()
    return list(linter.pending)


def _unwinds(run: Callable[[], object]) -> None:
    """``run`` as a chunk runs it (aiblint.parallel.run_chunk ends the tools started ahead)."""
    with pytest.raises(Terminated), sigterm_unwinds():
        try:
            run()
        finally:
            analyzers.end_ahead()


@pytest.mark.skipif(os.name != "posix", reason="a POSIX shell script stands in for ShellCheck")
@pytest.mark.parametrize("way", ["ahead", "check", "run_tool"])
def test_sigterm_as_a_tool_starts_leaves_no_process_and_no_folder(
    way: str, units: list[ScriptUnit], started: list[subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    if way == "ahead":  # a lone file's ShellCheck, started before its rules run
        _unwinds(lambda: shellcheck.start(units))
    elif way == "check":  # the batch rule's own start, for scripts nobody started ahead
        _unwinds(lambda: shellcheck.check(units))
    else:  # one process, waited for (PSScriptAnalyzer; a ShellCheck group too large for one)
        command = [shellcheck.executable() or ""]
        _unwinds(lambda: analyzers.run_tool(command, tmp_path, 60, "ShellCheck", 1, "shell", analyzers.Outcome()))
    assert len(started) == 1
    assert started[0].poll() is not None, "the tool outlived the run"
    assert list((tmp_path / "tmp").iterdir()) == [] and analyzers.AHEAD == {}


def test_sigterm_while_the_tools_are_ended_ends_them_all(units: list[ScriptUnit], monkeypatch: pytest.MonkeyPatch) -> None:
    shellcheck.start(units)
    ((process, _),) = analyzers.AHEAD.values()
    real = analyzers.end_tool

    def end_tool(ending: subprocess.Popen[bytes]) -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # as the end of a chunk ends what no rule took
        _nothing()
        real(ending)

    monkeypatch.setattr(analyzers, "end_tool", end_tool)
    try:
        _unwinds(lambda: None)
        assert process.poll() is not None, "the tool outlived the run"
    finally:
        process.kill()
        process.wait()


def test_a_held_sigterm_is_raised_where_the_block_ends() -> None:
    reached: list[str] = []
    with pytest.raises(Terminated), sigterm_unwinds():
        with held():
            os.kill(os.getpid(), signal.SIGTERM)
            _nothing()
            reached.append("held")
        reached.append("after")
    assert reached == ["held"]
    with sigterm_unwinds(), held():  # the next run's block starts afresh
        reached.append("again")
    assert reached == ["held", "again"]
