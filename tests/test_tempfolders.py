"""A run's temporary folders (the script copies ShellCheck and PSScriptAnalyzer read) are all in one
run folder, which the run removes however it ends: even a -j worker that dies leaves nothing behind."""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiblint import tempfolders
from aiblint.config import Config
from aiblint.findings import Severity
from aiblint.model import ImageTemplate
from aiblint.registry import RuleSet
from aiblint.rule import Problem, Rule
from aiblint.run import lint_paths
from aiblint.scripts.shellcheck import executable


@pytest.fixture
def temporary(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``$TMPDIR`` for the test alone (``tempfile`` keeps the folder it found first: set it there)."""
    folder = tmp_path_factory.mktemp("tmpdir")
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _template(index: int, steps: int) -> str:
    customize = [{"type": "Shell", "name": f"s{step}", "inline": [f"echo {index} {step} $X"]} for step in range(steps)]
    return json.dumps({"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01",
                       "location": "<region>", "properties": {"customize": customize}}, indent=2)


@pytest.fixture
def scripted(write, monkeypatch: pytest.MonkeyPatch) -> list[str]:  # type: ignore[no-untyped-def]
    """Twenty-four templates of twenty shell steps each: a worker starts ShellCheck ahead
    (aiblint.scripts.shellcheck.GATHER_SCRIPTS) while it lints its chunk's second file."""
    if executable() is None:
        pytest.skip("shellcheck is not installed")
    monkeypatch.setattr("aiblint.parallel.MIN_FILES_PER_WORKER", 8)
    names = [f"t{index:02d}.json" for index in range(24)]
    for index, name in enumerate(names):
        write(name, _template(index, 20))
    return names


class DiesWhileItsShellCheckRuns(Rule):
    """Kills the worker process that lints a template while ShellCheck runs ahead for its
    chunk (its script copies on disk), after noting where they are."""

    id = "ZZ910"
    name = "dies-while-its-shellcheck-runs"
    summary = "Test rule"
    severity = Severity.NOTE
    parent = os.getpid()

    def __init__(self, how: str) -> None:
        self.how = how

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        ahead = getattr(sys.modules.get("aiblint.scripts.analyzers"), "AHEAD", {})
        if os.getpid() != self.parent and ahead:
            copies = [str(path) for _, folder in ahead.values() for path in Path(folder.name).iterdir()]
            with open("died.txt", "a", encoding="utf-8") as stream:
                stream.write(json.dumps(copies) + "\n")
            if self.how == "SIGKILL":
                os.kill(os.getpid(), signal.SIGKILL)
            os._exit(3)
        yield Problem("seen", node=template.resource)


@pytest.mark.parametrize("how", ["os._exit", "SIGKILL"])
def test_a_worker_that_dies_while_its_shellcheck_runs_leaves_no_script_copy(scripted: list[str], temporary: Path,
                                                                            how: str) -> None:
    rules = RuleSet([*RuleSet.load_all().rules, DiesWhileItsShellCheckRuns(how)])
    one = lint_paths(scripted, config=Config(), rules=rules, jobs=1)
    two = lint_paths(scripted, config=Config(), rules=rules, jobs=2)
    died = [json.loads(line) for line in Path("died.txt").read_text(encoding="utf-8").splitlines()]
    copies = [Path(copy) for copies in died for copy in copies]
    assert copies and list(temporary.iterdir()) == []  # a worker died with script copies on disk: none is left
    # They were in the run folder, in the test's $TMPDIR.
    assert all(copy.parent.parent.parent == temporary for copy in copies)
    assert {copy.parent.parent.name[: len(tempfolders.PREFIX)] for copy in copies} == {tempfolders.PREFIX}
    # The dead worker's chunks were linted in the main process: the same report.
    assert [(f.rule, f.path, f.line, f.column, f.message) for f in two.findings] == \
        [(f.rule, f.path, f.line, f.column, f.message) for f in one.findings]
    assert sum(f.rule == "SC2086" for f in two.findings) == 24 * 20 and two.errors == []


def test_a_run_that_writes_no_temporary_file_makes_no_run_folder(write, temporary: Path,  # type: ignore[no-untyped-def]
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    real = tempfile.mkdtemp

    def recorded(suffix: str | None = None, prefix: str | None = None, dir: str | None = None) -> str:
        made.append(str(prefix))
        return real(suffix, prefix, dir)

    monkeypatch.setattr(tempfile, "mkdtemp", recorded)
    write("t.json", _template(0, 0))
    lint_paths(["t.json"], config=Config())
    assert made == []
    write("s.json", _template(1, 1))
    report = lint_paths(["s.json"], config=Config())
    assert [f.rule for f in report.findings if f.rule.startswith("SC")] == (["SC2086"] if executable() else [])
    assert made == ([tempfolders.PREFIX, "aiblint-sc-"] if executable() else [])
    assert list(temporary.iterdir()) == []


def test_the_run_folder_is_private_shared_by_nested_runs_and_removed_when_the_outer_run_ends(temporary: Path) -> None:
    with tempfolders.run():
        assert tempfolders.shared() is not None
        run_folder = Path(str(tempfolders.shared()))
        assert run_folder.parent == temporary and run_folder.stat().st_mode & 0o777 == 0o700
        with tempfolders.run(), tempfolders.folder("aiblint-sc-") as inner:
            assert Path(inner).parent == run_folder
        assert run_folder.is_dir()  # the inner run is part of the outer one
        copy = Path(tempfile.mkdtemp(prefix="aiblint-sc-", dir=run_folder)) / "0000.sh"  # as a worker that died leaves it
        copy.write_text("echo secret\n")
    assert not run_folder.exists()
    assert tempfolders.shared() is None  # outside a run: $TMPDIR itself, as before
    with tempfolders.folder("aiblint-sc-") as outside:
        assert Path(outside).parent == temporary


def test_the_run_folder_is_removed_when_the_run_raises(temporary: Path) -> None:
    with pytest.raises(KeyboardInterrupt), tempfolders.run():
        (Path(str(tempfolders.shared())) / "left.sh").write_text("echo\n")
        raise KeyboardInterrupt
    assert list(temporary.iterdir()) == []


def test_a_worker_leaves_the_run_folder_to_its_parent_unless_the_parent_is_gone(temporary: Path) -> None:
    run_folder = temporary / "aiblint-run-x"
    run_folder.mkdir()
    saved = (tempfolders._runs, tempfolders._owner, tempfolders._folder)
    tempfolders.adopt(str(run_folder), os.getppid())  # as a spawned worker of this process's parent
    try:
        with tempfolders.run():  # a worker inside its parent's run: never removes the parent's folder
            assert tempfolders.shared() == str(run_folder)
        tempfolders.orphaned()  # the parent is alive: it removes the folder itself
        assert run_folder.is_dir()
        tempfolders.adopt(str(run_folder), 1 if os.getppid() != 1 else 2)  # a parent that is gone
        (run_folder / "aiblint-sc-y").mkdir()
        tempfolders.orphaned()  # another worker's folder is still there: the last one to end removes it
        assert run_folder.is_dir()
        (run_folder / "aiblint-sc-y").rmdir()
        tempfolders.orphaned()
        assert not run_folder.exists()
    finally:
        tempfolders._runs, tempfolders._owner, tempfolders._folder = saved


class RecordsWhereItsShellCheckRuns(Rule):
    """Notes, in a worker, the folders of the ShellCheck runs started ahead for its chunk."""

    id = "ZZ911"
    name = "records-where-its-shellcheck-runs"
    summary = "Test rule"
    severity = Severity.NOTE

    def __init__(self) -> None:
        self.parent = os.getpid()  # (an instance's: a spawned worker imports the class anew)

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        ahead = getattr(sys.modules.get("aiblint.scripts.analyzers"), "AHEAD", {})
        if os.getpid() != self.parent and ahead:
            with open("ran-in.txt", "a", encoding="utf-8") as stream:
                stream.writelines(f"{folder.name}\n" for _, folder in ahead.values())
        return iter(())


def test_a_spawned_pool_s_workers_are_given_the_run_folder(scripted: list[str], temporary: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Where there is no fork (Windows), workers inherit nothing: they are given the folder."""
    monkeypatch.delattr(os, "fork")  # (only here: the spawned workers start as new processes)
    monkeypatch.setenv("TMPDIR", str(temporary))  # a spawned worker finds $TMPDIR again
    report = lint_paths(scripted, config=Config(), rules=RuleSet([*RuleSet.load_all().rules, RecordsWhereItsShellCheckRuns()]),
                        jobs=2)
    assert report.files_checked == 24
    folders = {Path(line).parent for line in Path("ran-in.txt").read_text(encoding="utf-8").splitlines()}
    assert len(folders) == 1 and next(iter(folders)).parent == temporary
    assert next(iter(folders)).name.startswith(tempfolders.PREFIX)
    assert list(temporary.iterdir()) == []
