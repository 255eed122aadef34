"""The fuzz targets leave nothing in the temporary folder: the lint target's linter folder is
removed when the process that made it exits, and never by a forked child."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from fuzz.targets import _remove_folder
from tests.conftest import ROOT


def test_the_lint_targets_folder_is_removed_when_its_process_exits(tmp_path: Path) -> None:
    script = "from fuzz.targets import lint, _linting\nlint(b'{}')\nprint(_linting().folder)"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, "TMPDIR": str(tmp_path)},
                            capture_output=True, text=True, timeout=120, check=True)
    folder = Path(result.stdout.strip())
    assert folder.parent == tmp_path and folder.name.startswith("aiblint-fuzz-")
    assert not folder.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_forked_child_leaves_its_parents_folder(tmp_path: Path) -> None:
    folder = tmp_path / "aiblint-fuzz-x"
    folder.mkdir()
    _remove_folder(folder, os.getpid() + 1)  # the hook as a child inherits it: another process made the folder
    assert folder.is_dir()
    _remove_folder(folder, os.getpid())
    assert not folder.exists()


def test_the_lint_targets_folder_is_removed_when_its_process_gets_sigterm(tmp_path: Path) -> None:
    """``timeout`` ends a process with SIGTERM, which runs no atexit hook (the folders were left)."""
    script = ("import os, signal, time\nfrom fuzz.targets import lint, _linting\nlint(b'{}')\n"
              "print(_linting().folder, flush=True)\nos.kill(os.getpid(), signal.SIGTERM)\ntime.sleep(60)")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, "TMPDIR": str(tmp_path)},
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == -signal.SIGTERM, result.stderr  # ended by the signal, as before
    folder = Path(result.stdout.strip())
    assert folder.parent == tmp_path and folder.name.startswith("aiblint-fuzz-")
    assert list(tmp_path.iterdir()) == []
