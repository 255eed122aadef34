"""The Azure Pipelines step template (ci/azure-pipelines/aiblint.yml): its shape,
and its lint step run as the agent runs a ``script`` step (template expressions
and macros expanded, in the working directory, with the agent's variables)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import ROOT

TEMPLATE = ROOT / "ci" / "azure-pipelines" / "aiblint.yml"
IMAGE = """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "location": "<region>",
  "properties": {"customize": [{"type": "Shell", "name": "a", "inline": ["true"]}]}
}
"""


def _template() -> dict[str, Any]:
    return yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _expand(text: str, parameters: dict[str, str], macros: dict[str, str]) -> str:
    text = re.sub(r"\$\{\{\s*parameters\.(\w+)\s*\}\}", lambda m: parameters[m.group(1)], text)
    return re.sub(r"\$\((\w+(?:\.\w+)*)\)", lambda m: macros[m.group(1)], text)


def test_template_installs_with_pipx_into_its_own_environment() -> None:
    template = _template()
    parameters = {p["name"]: p for p in template["parameters"]}
    assert "default" not in parameters["package"]  # required: the docs name no tag that does not exist
    assert parameters["failOn"]["values"] == ["error", "warning", "note"]
    steps = template["steps"]
    assert steps[0]["task"] == "UsePythonVersion@0"
    install = steps[1]
    assert "python -m pipx install" in install["script"] and "PIPX_HOME" in install["env"]
    assert "##vso[task.prependpath]" in install["script"]
    assert "pip install" not in install["script"].replace("pip install --quiet --disable-pip-version-check pipx", "")


def test_lint_step_runs_as_the_agent_runs_it(tmp_path: Path) -> None:
    sources = tmp_path / "s"
    (sources / "images").mkdir(parents=True)
    (sources / "images" / "t.json").write_text(IMAGE)
    (sources / ".aiblint.toml").write_text('[tool.aiblint]\nselect = ["AIB003", "AIB201"]\n')  # rules added later change nothing
    subprocess.run(["git", "init", "-q", str(sources)], check=True, capture_output=True, timeout=60)
    lint = _template()["steps"][2]
    parameters = {"paths": "images", "failOn": "error", "workingDirectory": "$(Build.SourcesDirectory)"}
    macros = {"Build.SourcesDirectory": str(sources)}
    command = _expand(lint["script"], parameters, macros)
    folder = _expand(lint["workingDirectory"], parameters, macros)
    aiblint = Path(shutil.which("aiblint", path=str(Path(sys.executable).parent)) or "aiblint")
    env = {**os.environ, "BUILD_SOURCESDIRECTORY": str(sources), "PATH": f"{aiblint.parent}{os.pathsep}{os.environ['PATH']}",
           "AIBLINT_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(["bash", "-c", command], cwd=folder, env=env, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (0, ""), done.stdout  # a warning below failOn: passes, nothing on stderr
    assert done.stdout.splitlines() == [
        f"##vso[task.logissue type=warning;sourcepath={(sources / 'images' / 't.json').resolve()};linenumber=3;columnnumber=16;"
        "code=AIB003]unreplaced placeholder <region>: replace it with a real value before deploying",
        "##vso[task.complete result=SucceededWithIssues;]",
    ]
