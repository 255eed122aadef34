"""The pre-commit hook for real: pre-commit builds the hook's environment from
this checkout (installing it and its dependencies from the package index, as
for any user) and runs it in a throw-away git repository.

pre-commit installs a hook from a git commit. ``pre-commit try-repo`` sees
modified tracked files but not new untracked ones, so the test commits a
snapshot of the working tree (tracked and untracked files, as ``git ls-files``
lists them) to a temporary repository and points ``.pre-commit-config.yaml``
at that commit. Building the environment takes a minute or so.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

BAD = """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "location": "westus2",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "setup", "scriptUri": "../scripts/install.sh"},
      {"type": "Shell", "name": "setup", "inline": ["echo done"]}
    ]
  }
}
"""
BAD_TF = """resource "azapi_resource" "it" {
  type     = "Microsoft.VirtualMachineImages/imageTemplates@2024-02-01"
  location = "westus2"
  body = {
    properties = {
      customize = [
        { type = "Shell", name = "setup", inline = ["echo one"] },
        { type = "Shell", name = "setup", inline = ["echo done"] },
      ]
    }
  }
}
"""
GOOD = BAD.replace('"name": "setup", "inline"', '"name": "finish", "inline"')
NOT_A_TEMPLATE = '{"name": "web", "private": true}\n'
SCRIPT = "#!/bin/bash\nset -euo pipefail\napt-get update\n"
UNQUOTED = "#!/bin/bash\nset -euo pipefail\nrm -rf $1/cache\n"  # ShellCheck SC2086 at 3:8
CONFIG = '[tool.aiblint]\nselect = ["AIB001", "AIB003", "AIB004", "AIB201", "AIB212", "SC2086"]\nfail-on = "note"\n'  # rules added later do not change this
PINNED = """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "location": "westus2",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "setup", "scriptUri": "../scripts/install.sh",
       "sha256Checksum": "CHECKSUM"}
    ]
  }
}
""".replace("CHECKSUM", hashlib.sha256(SCRIPT.encode()).hexdigest())
STALE = (
    "templates/pinned.json:7:26: error AIB212 sha256Checksum does not match scripts/install.sh, whose SHA-256 is "
    + hashlib.sha256(UNQUOTED.encode()).hexdigest()
)
SAFETY_TIMEOUT = 1200  # seconds: against a hung process, not a measurement
IDENTITY = {
    "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.com",
}


def _run(*command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=SAFETY_TIMEOUT)


def _git(*args: str, cwd: Path, env: dict[str, str]) -> str:
    done = _run("git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args, cwd=cwd, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _snapshot(target: Path, env: dict[str, str]) -> str:
    """Commit the working tree of this checkout to ``target``; its commit id."""
    listed = _git("ls-files", "--cached", "--others", "--exclude-standard", "-z", cwd=ROOT, env=env)
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    _git("init", "-q", cwd=target, env=env)
    _git("add", ".", cwd=target, env=env)
    _git("commit", "-q", "-m", "snapshot", cwd=target, env=env)
    return _git("rev-parse", "HEAD", cwd=target, env=env)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A git repository whose .pre-commit-config.yaml uses the aiblint hook of this checkout."""
    base = tmp_path_factory.mktemp("precommit")
    env = {**os.environ, **IDENTITY, "PRE_COMMIT_HOME": str(base / "cache"), "PRE_COMMIT_COLOR": "never"}
    env.pop("VIRTUAL_ENV", None)
    (base / "aiblint").mkdir()
    commit = _snapshot(base / "aiblint", env)
    work = base / "work"
    work.mkdir()
    _git("init", "-q", cwd=work, env=env)
    (work / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {(base / 'aiblint').as_posix()}\n    rev: {commit}\n    hooks:\n      - id: aiblint\n"
    )
    (work / ".aiblint.toml").write_text(CONFIG)
    (work / "package.json").write_text(NOT_A_TEMPLATE)
    (work / "scripts").mkdir()
    (work / "scripts" / "install.sh").write_text(SCRIPT)
    _git("add", ".", cwd=work, env=env)
    done = _run(sys.executable, "-m", "pre_commit", "install-hooks", cwd=work, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return work, env


def _pre_commit(project: tuple[Path, dict[str, str]], *files: str) -> subprocess.CompletedProcess[str]:
    work, env = project
    return _run(sys.executable, "-m", "pre_commit", "run", "--verbose", "--files", *files, cwd=work, env=env)


def test_hook_fails_on_a_bad_template(project: tuple[Path, dict[str, str]]) -> None:
    work, _ = project
    (work / "templates").mkdir(exist_ok=True)
    (work / "templates" / "image.json").write_text(BAD)
    done = _pre_commit(project, "templates/image.json", "package.json", "scripts/install.sh")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "- hook id: aiblint\n" in done.stdout and "- exit code: 1\n" in done.stdout
    assert (
        'templates/image.json:7:33: error AIB201 customizer name "setup" is already used by '
        "properties.customize[0] (line 6); each customizer needs its own name"
    ) in done.stdout
    assert "package.json" not in done.stdout.replace("templates/image.json", "")  # not a template: skipped
    assert "AIB001" not in done.stdout  # the script was not read as JSON
    assert "SC2086" not in done.stdout


def test_hook_passes_on_a_good_template(project: tuple[Path, dict[str, str]]) -> None:
    work, _ = project
    (work / "templates").mkdir(exist_ok=True)
    (work / "templates" / "image.json").write_text(GOOD)
    done = _pre_commit(project, "templates/image.json", "package.json", "scripts/install.sh")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Passed" in done.stdout
    assert "AIB" not in done.stdout


def test_a_changed_script_is_checked_through_the_template_that_runs_it(project: tuple[Path, dict[str, str]]) -> None:
    work, _ = project
    (work / "templates").mkdir(exist_ok=True)
    (work / "templates" / "image.json").write_text(BAD)
    (work / "scripts" / "install.sh").write_text(UNQUOTED)
    try:
        done = _pre_commit(project, "scripts/install.sh")
    finally:
        (work / "scripts" / "install.sh").write_text(SCRIPT)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "scripts/install.sh:3:8: note SC2086 Double quote to prevent globbing and word splitting: `$1`" in done.stdout
    assert "AIB201" not in done.stdout  # the template was not changed: its own problems are not reported


def test_hook_fails_on_a_bad_terraform_template(project: tuple[Path, dict[str, str]]) -> None:
    work, _ = project
    (work / "infra").mkdir(exist_ok=True)
    (work / "infra" / "main.tf").write_text(BAD_TF)
    (work / "infra" / "variables.tf").write_text('variable "location" {\n  default = "westus2"\n}\n')
    try:
        done = _pre_commit(project, "infra/main.tf", "infra/variables.tf")
    finally:
        (work / "infra" / "main.tf").unlink()
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        'infra/main.tf:8:34: error AIB201 customizer name "setup" is already used by '
        "properties.customize[0] (line 7); each customizer needs its own name"
    ) in done.stdout
    assert "variables.tf" not in done.stdout  # no image template: skipped


def test_a_commit_of_a_script_alone_fails_on_the_checksum_it_made_stale(project: tuple[Path, dict[str, str]]) -> None:
    work, _ = project
    (work / "templates").mkdir(exist_ok=True)
    (work / "templates" / "pinned.json").write_text(PINNED)
    try:
        assert _pre_commit(project, "scripts/install.sh").returncode == 0  # the checksum matches
        (work / "scripts" / "install.sh").write_text(UNQUOTED)
        done = _pre_commit(project, "scripts/install.sh")
    finally:
        (work / "scripts" / "install.sh").write_text(SCRIPT)
        (work / "templates" / "pinned.json").unlink()
    assert done.returncode == 1, done.stdout + done.stderr
    assert STALE in done.stdout


def test_one_summary_for_all_files(project: tuple[Path, dict[str, str]]) -> None:
    work, _ = project
    (work / "templates").mkdir(exist_ok=True)
    names = [f"templates/copy{number}.json" for number in range(8)]
    for name in names:
        (work / name).write_text(BAD)
    try:
        done = _pre_commit(project, *names)
    finally:
        for name in names:
            (work / name).unlink()
    assert done.returncode == 1
    summaries = [line for line in done.stdout.splitlines() if " checked" in line]
    assert summaries == ["8 problems (8 errors) in 8 files checked"]  # one process, not one per batch


def test_the_hook_runs_through_a_resident_server_when_aiblint_server_is_set(project: tuple[Path, dict[str, str]]) -> None:
    """AIBLINT_SERVER=1 (issue 21): the first run falls back and starts the hook's own server, the next goes through it."""
    import tempfile

    work, env = project
    runtime = Path(tempfile.mkdtemp(prefix="aib-rt-", dir="/tmp"))  # short: a socket's path is limited
    resident_env = {**env, "AIBLINT_SERVER": "1", "XDG_RUNTIME_DIR": str(runtime)}
    resident_env.pop("CI", None)
    (work / "templates").mkdir(exist_ok=True)
    (work / "templates" / "image.json").write_text(BAD)
    expected = 'templates/image.json:7:33: error AIB201 customizer name "setup" is already used by'
    try:
        first = _run(sys.executable, "-m", "pre_commit", "run", "--files", "templates/image.json", cwd=work, env=resident_env)
        (socket,) = (runtime / "aiblint").glob("*.sock")  # the hook's installation's server, for this repository
        assert _ask(socket, "status")["served"] == 0
        second = _run(sys.executable, "-m", "pre_commit", "run", "--files", "templates/image.json", cwd=work, env=resident_env)
        assert _ask(socket, "status")["served"] == 1
        assert (first.returncode, second.returncode) == (1, 1), first.stdout + second.stdout
        assert expected in first.stdout and second.stdout == first.stdout
    finally:
        for socket in (runtime / "aiblint").glob("*.sock"):
            _ask(socket, "stop")
        shutil.rmtree(runtime, ignore_errors=True)


def _ask(socket_path: Path, kind: str) -> dict[str, object]:
    import socket

    from aiblint.server import rendezvous

    with socket.socket(socket.AF_UNIX) as connection:
        connection.settimeout(SAFETY_TIMEOUT)  # a server warming up answers once warm
        connection.connect(str(socket_path))
        rendezvous.send(connection, {"kind": kind})
        return rendezvous.receive(connection)


def test_the_hook_manifest_is_valid_for_pre_commit() -> None:
    from pre_commit.clientlib import load_manifest

    (hook,) = [h for h in load_manifest(str(ROOT / ".pre-commit-hooks.yaml")) if h["id"] == "aiblint"]
    assert (hook["id"], hook["require_serial"], hook["minimum_pre_commit_version"]) == ("aiblint", True, "3.2.0")
    assert hook["types_or"] == ["json", "terraform", "shell", "powershell"]


def test_git_commit_is_stopped_by_a_bad_template(project: tuple[Path, dict[str, str]]) -> None:
    work, env = project
    _git("commit", "-q", "-m", "tooling", cwd=work, env=env)  # the config, package.json and the script
    done = _run(sys.executable, "-m", "pre_commit", "install", cwd=work, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    (work / "templates").mkdir(exist_ok=True)
    (work / "templates" / "image.json").write_text(BAD)
    _git("add", "templates/image.json", cwd=work, env=env)
    refused = _run("git", "commit", "-m", "bad template", cwd=work, env=env)
    assert refused.returncode == 1
    assert "AIB201" in refused.stdout + refused.stderr
    (work / "templates" / "image.json").write_text(GOOD)
    _git("add", "templates/image.json", cwd=work, env=env)
    accepted = _run("git", "commit", "-m", "good template", cwd=work, env=env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr


# What the hook relies on, checked in-process (fast): named scripts and --skip-non-templates.


def test_a_named_script_reports_only_its_own_findings(write, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import main_in_process

    write(".git/config", "")  # pre-commit runs in a git repository: its top level is where templates are looked for
    write(".aiblint.toml", CONFIG)
    write("templates/image.json", BAD)
    write("scripts/install.sh", UNQUOTED)
    write("scripts/unused.sh", SCRIPT)
    code, out = main_in_process("scripts/install.sh", "scripts/unused.sh")
    assert code == 1
    assert out.splitlines() == [
        "scripts/install.sh:3:8: note SC2086 Double quote to prevent globbing and word splitting: `$1`",
        "1 problem (1 note) in 2 files checked",  # unused.sh is checked on its own, and clean
    ]
    assert capsys.readouterr().err == (
        "aiblint: note: 1 script named (scripts/unused.sh) but run by no template in this repository that aiblint "
        "can resolve: checked on its own (ShellCheck, PSScriptAnalyzer and aiblint's script rules); "
        "template-level rules did not apply\n"
    )


def test_a_script_on_standard_input_is_not_read_as_json(write, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    from aiblint.run import lint_paths

    report = lint_paths(["-"], stdin=UNQUOTED.encode(), stdin_filename="scripts/install.sh")
    assert (report.findings, report.errors, report.files_checked) == ([], [], 0)
    assert report.notes == [
        "standard input is named as a script (scripts/install.sh): a script is checked through the templates "
        "that run it; lint the script file or those templates instead"
    ]


def test_skip_non_templates(write) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import main_in_process

    write(".aiblint.toml", CONFIG.replace("select", 'exclude = ["legacy/*"]\nselect'))
    write("package.json", NOT_A_TEMPLATE)
    write("broken.json", "{not json")
    write("legacy/old.json", BAD)
    write("templates/image.json", BAD)
    named = ("package.json", "broken.json", "legacy/old.json", "templates/image.json")
    code, out = main_in_process("--skip-non-templates", *named)
    assert code == 1
    assert [line.split(": ")[0] for line in out.splitlines()[:-1]] == ["templates/image.json:7:33"]
    code, out = main_in_process(*named)  # without it: every named file is read and judged
    assert [line.split()[2] for line in out.splitlines()[:-1]] == ["AIB001", "AIB201", "AIB004", "AIB201"]


def test_a_script_run_by_a_template_named_in_the_same_run_gets_no_note(write, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import main_in_process

    write(".git/config", "")  # a git repository: its top level is where templates are looked for
    write(".aiblint.toml", CONFIG)
    write("templates/image.json", GOOD)
    write("scripts/install.sh", SCRIPT)
    assert main_in_process("templates/image.json", "scripts/install.sh") == (0, "")
    assert capsys.readouterr().err == ""


def test_a_named_script_reports_the_checksum_it_made_stale(write) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import main_in_process

    write(".git/config", "")  # a git repository: its top level is where templates are looked for
    write(".aiblint.toml", CONFIG)
    write("templates/pinned.json", PINNED)
    write("templates/other.json", BAD.replace("../scripts/install.sh", "../scripts/other.sh"))
    write("scripts/install.sh", UNQUOTED)
    write("scripts/other.sh", SCRIPT)
    code, out = main_in_process("scripts/install.sh")
    assert code == 1
    assert out.splitlines() == [
        "scripts/install.sh:3:8: note SC2086 Double quote to prevent globbing and word splitting: `$1`",
        STALE + ": the build fails when the downloaded file differs; update the checksum",
        "2 problems (1 error, 1 note) in 2 files checked",  # the script, and the template the finding is in
    ]  # the other template's AIB201 is not this script's business


def test_a_named_script_follows_its_changes_through_the_result_cache(write, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import main_in_process

    monkeypatch.setenv("AIBLINT_CACHE_DIR", str(tmp_path / "cache"))
    write(".git/config", "")  # a git repository: its top level is where templates are looked for
    write(".aiblint.toml", CONFIG)
    write("templates/image.json", GOOD)
    write("scripts/install.sh", UNQUOTED)
    assert main_in_process("scripts/install.sh")[0] == 1
    write("scripts/install.sh", SCRIPT)
    assert main_in_process("scripts/install.sh") == (0, "")  # not the cached SC2086
    assert main_in_process("templates/") == (0, "")
