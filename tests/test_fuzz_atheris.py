"""A short coverage-guided run of every fuzz target (fuzz/run.py, atheris), as
CI runs it: a fixed number of inputs each; the long run is in fuzz/README.md."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fuzz.targets import TARGETS
from tests.conftest import ROOT

RUNS = 300
#: Targets that lint a whole repository several times per input: fewer inputs in CI.
FEWER_RUNS = {"repository": 20}


@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris is not installed (pip install -e '.[test]')")
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_a_short_fuzzing_run_finds_nothing(target: str, tmp_path: Path) -> None:
    runs = FEWER_RUNS.get(target, RUNS)
    system_tmp = tmp_path / "tmp-of-the-system"
    system_tmp.mkdir()
    environment = {**os.environ, "AIBLINT_FUZZ_DIR": str(tmp_path), "TMPDIR": str(system_tmp)}
    result = subprocess.run(
        [sys.executable, str(ROOT / "fuzz" / "run.py"), target, f"-runs={runs}", "-seed=11", "-timeout=120"],
        cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    done = re.search(r"^Done (\d+) runs", result.stderr, re.MULTILINE)
    assert done is not None and int(done.group(1)) >= runs, result.stderr[-1000:]
    assert not list(tmp_path.rglob("crash-*"))
    assert list(system_tmp.iterdir()) == []  # temporary files went under the fuzz folder (fuzz/run.py)
