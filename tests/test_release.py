"""An installable release: the sdist and wheel build and pass ``twine check``,
the wheel holds what aiblint needs at run time, and the docs name no tag that
does not exist (docs/releasing.md)."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

from aiblint import __version__
from tests.conftest import ROOT

TIMEOUT = 900  # seconds: against a hung build, not a measurement


def test_sdist_and_wheel_build_and_pass_twine_check(tmp_path: Path) -> None:
    built = subprocess.run([sys.executable, "-m", "build", "--outdir", str(tmp_path), str(ROOT)],
                           capture_output=True, text=True, timeout=TIMEOUT)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    sdist, wheel = tmp_path / f"aiblint-{__version__}.tar.gz", tmp_path / f"aiblint-{__version__}-py3-none-any.whl"
    checked = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", str(sdist), str(wheel)],
                             capture_output=True, text=True, timeout=TIMEOUT)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == 2
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = archive.read(f"aiblint-{__version__}.dist-info/entry_points.txt").decode()
    assert {"aiblint/cli.py", "aiblint/py.typed", "aiblint/data/schemas/index.json", "aiblint_rules/reading.py"} <= names
    assert not any(name.startswith(("tests/", "editors/", "benchmarks/")) for name in names)
    assert "aiblint = aiblint.server.client:console" in entry_points and "AIB201 = aiblint_rules.names:DuplicateCustomizerName" in entry_points


def _tags() -> set[str]:
    done = subprocess.run(["git", "tag", "--list"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    return set(done.stdout.split())


def test_docs_name_no_tag_that_does_not_exist() -> None:
    files = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "action.yml",
             ROOT / "ci" / "azure-pipelines" / "aiblint.yml", ROOT / "editors" / "vscode" / "README.md"]
    pattern = re.compile(r"aiblint/aiblint@([\w.\-]+)|\brev:\s*([\w.\-]+)|refs/tags/([\w.\-]+)")
    named = {(file.name, next(filter(None, match.groups())))
             for file in files for match in pattern.finditer(file.read_text(encoding="utf-8"))}
    tags = _tags()
    assert {(name, ref) for name, ref in named if re.fullmatch(r"v?\d+(\.\d+)*", ref) and ref not in tags} == set()
