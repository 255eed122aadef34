"""The VS Code extension (editors/vscode): it type-checks, its server options pass
their unit tests (node --test), and ``vsce package`` makes a .vsix that holds the
bundled client and the manifest VS Code reads. VS Code itself cannot run here.

The npm packages come from ``npm ci`` (package-lock.json); .ci/run installs them
when npm is there. Without node, npm or editors/vscode/node_modules this skips.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

EXTENSION = ROOT / "editors" / "vscode"
TIMEOUT = 600  # seconds: against a hung process, not a measurement


def _npm(*args: str) -> subprocess.CompletedProcess[str]:
    npm = shutil.which("npm")
    assert npm is not None
    return subprocess.run([npm, *args], cwd=EXTENSION, capture_output=True, text=True, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def tools() -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed")
    if not (EXTENSION / "node_modules" / ".bin" / "vsce").exists():
        pytest.skip("editors/vscode/node_modules is missing (cd editors/vscode && npm ci)")


def test_extension_type_checks_and_its_server_options_pass_their_tests(tools: None) -> None:
    checked = _npm("run", "--silent", "typecheck")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = _npm("test")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "# pass 6" in tested.stdout and "# fail 0" in tested.stdout


def test_vsce_packages_a_vsix(tools: None, tmp_path: Path) -> None:
    built = _npm("run", "--silent", "build")
    assert built.returncode == 0, built.stdout + built.stderr
    vsix = tmp_path / "aiblint.vsix"
    packaged = _npm("exec", "--", "vsce", "package", "--no-dependencies", "--skip-license", "--out", str(vsix))
    assert packaged.returncode == 0, packaged.stdout + packaged.stderr
    with zipfile.ZipFile(vsix) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("extension/package.json"))
        client = archive.read("extension/dist/extension.js").decode("utf-8")
    assert {"extension.vsixmanifest", "extension/package.json", "extension/dist/extension.js", "extension/readme.md"} <= names
    assert not any(name.startswith(("extension/node_modules/", "extension/src/")) for name in names)
    assert manifest["main"] == "./dist/extension.js"
    languages = ["json", "jsonc", "bicep", "terraform", "shellscript", "powershell"]
    assert manifest["activationEvents"] == [f"onLanguage:{language}" for language in languages]
    assert '"lsp"' in client and "vscode-languageclient" not in names  # bundled, not shipped as a dependency
