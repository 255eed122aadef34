"""The garbage collector during a lint command (aiblint/collector.py): tuned while the command runs,
as the caller had it afterwards; a library call (aiblint.run.lint_paths) leaves it alone."""

from __future__ import annotations

import gc
import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import aiblint.run
from aiblint.cli import main
from aiblint.collector import Collector

TEMPLATE = """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2022-02-14",
  "name": "t",
  "location": "westus2",
  "properties": {
    "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy",
               "sku": "22_04-lts", "version": "latest"},
    "customize": [{"type": "Shell", "name": "s", "inline": ["echo hello"]}],
    "distribute": []
  }
}
"""


@pytest.fixture
def template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("AIBLINT_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "t.json"
    path.write_text(TEMPLATE, encoding="utf-8")
    return path


@pytest.fixture
def collector_state() -> Iterator[None]:
    """Whatever a test does to the collector, the next test finds it as it was."""
    threshold, enabled = gc.get_threshold(), gc.isenabled()
    yield
    gc.set_threshold(*threshold)
    if enabled:
        gc.enable()


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bool, tuple[int, int, int], int]]:
    """(enabled, thresholds, frozen objects) when lint_paths starts, each time it is called."""
    states: list[tuple[bool, tuple[int, int, int], int]] = []
    original = aiblint.run.lint_paths

    def spy(*args: object, **kwargs: object) -> object:
        states.append((gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()))
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(aiblint.run, "lint_paths", spy)
    return states


def _lint(*argv: str) -> int:
    return main(["--no-cache", "--exit-zero", *argv], stdout=io.StringIO())


@pytest.mark.usefixtures("collector_state")
def test_a_lint_command_freezes_its_imports_and_gives_the_collector_back(template: Path, seen: list[tuple[bool, tuple[int, int, int], int]]) -> None:
    gc.set_threshold(700, 10, 10)
    assert _lint(str(template)) == 0
    enabled, thresholds, frozen = seen[0]
    assert (enabled, thresholds) == (True, (700, 10, 10))  # (the linting's own: aiblint.parallel.THRESHOLDS)
    assert frozen > 1000  # the modules imported so far: never walked again by this run's collections
    assert gc.isenabled()
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0  # a caller in the same process finds nothing frozen


@pytest.mark.usefixtures("collector_state")
def test_the_callers_settings_come_back_after_a_usage_error(template: Path, seen: list[tuple[bool, tuple[int, int, int], int]]) -> None:
    gc.set_threshold(1234, 7, 3)
    gc.disable()
    assert _lint("--select", "NOPE999", str(template)) == 2
    assert seen == []  # never linted
    assert not gc.isenabled()
    assert gc.get_threshold() == (1234, 7, 3)


@pytest.mark.usefixtures("collector_state")
def test_a_disabled_collector_stays_disabled_during_and_after_the_run(template: Path, seen: list[tuple[bool, tuple[int, int, int], int]]) -> None:
    gc.disable()
    assert _lint(str(template)) == 0
    assert seen[0][0] is False
    assert not gc.isenabled()


@pytest.mark.usefixtures("collector_state")
def test_a_callers_own_freeze_is_kept(template: Path, seen: list[tuple[bool, tuple[int, int, int], int]]) -> None:
    """The resident server freezes its warm heap before a request: the run must not thaw it."""
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        assert _lint(str(template)) == 0
        assert seen[0][2] == before  # the run froze nothing of its own
        assert gc.get_freeze_count() > before // 2  # still frozen (a few objects may have died since)
    finally:
        gc.unfreeze()


@pytest.mark.usefixtures("collector_state")
def test_a_heap_the_caller_says_it_froze_is_neither_counted_nor_thawed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The resident server says it froze its heap (aiblint.collector.heap_frozen): a request's run
    then does not walk the frozen objects to count them, and leaves the freeze as it was."""
    import aiblint.collector

    def walked() -> int:
        raise AssertionError("gc.get_freeze_count walks every frozen object")

    gc.freeze()
    try:
        before = gc.get_freeze_count()
        monkeypatch.setattr(aiblint.collector, "heap_frozen", True)
        monkeypatch.setattr(gc, "get_freeze_count", walked)
        with Collector() as collector:
            collector.settle()
            assert gc.isenabled()
        monkeypatch.undo()
        assert gc.get_freeze_count() >= before  # not thawed
    finally:
        gc.unfreeze()


@pytest.mark.usefixtures("collector_state")
def test_a_library_call_leaves_the_collector_alone(template: Path) -> None:
    gc.set_threshold(700, 10, 10)
    states: list[tuple[bool, tuple[int, int, int], int]] = []
    from aiblint.engine import Linter

    original = Linter.lint_bytes

    def spy(self: Linter, *args: object, **kwargs: object) -> object:
        states.append((gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()))
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Linter, "lint_bytes", spy)
        report = aiblint.run.lint_paths([str(template)], cwd=template.parent)
    assert report.templates_checked == 1
    assert [(enabled, frozen) for enabled, _, frozen in states] == [(True, 0)]  # (thresholds: aiblint.parallel's)
    assert gc.isenabled()
    assert gc.get_threshold() == (700, 10, 10)


@pytest.mark.usefixtures("collector_state")
def test_settle_is_done_once() -> None:
    with Collector() as collector:
        assert not gc.isenabled()
        collector.settle()
        frozen = gc.get_freeze_count()
        collector.settle()  # --fix lints twice
        assert gc.get_freeze_count() == frozen
        assert gc.isenabled()
    assert gc.get_freeze_count() == 0


FINALIZER = """
import gc, io, sys
from aiblint.cli import main
class Cycle:
    def __init__(self): self.me = self
    def __del__(self): open(sys.argv[2], "w").close()
if sys.argv[1] != "-":
    main(["--no-cache", sys.argv[1]], stdout=io.StringIO())
gc.collect()
garbage = Cycle()
del garbage  # only a collection frees it: the interpreter's last one, unless everything is frozen at exit
"""


@pytest.mark.parametrize("lint", [True, False])
def test_after_a_lint_command_the_process_skips_its_last_collection(template: Path, tmp_path: Path, lint: bool) -> None:
    marker = tmp_path / "finalized"
    argv = [sys.executable, "-c", FINALIZER, str(template) if lint else "-", str(marker)]
    subprocess.run(argv, check=True, timeout=120, cwd=tmp_path)
    assert marker.exists() is not lint  # without a lint command, Python's usual exit (the control)
