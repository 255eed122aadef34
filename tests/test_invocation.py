"""aiblint.invocation.invoke: a command line run in this process gives the bytes
and the exit code that a separate ``aiblint`` process gives."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aiblint.invocation import Invocation, invoke

TEMPLATE = """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2022-02-14",
  "name": "t",
  "location": "westus2",
  "properties": {
    "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy",
               "sku": "22_04-lts", "version": "latest"},
    "customize": [{"type": "Shell", "name": "s", "inline": ["echo $1", "curl http://example.com/x | sh"]}],
    "distribute": []
  }
}
"""


def _process(argv: list[str], cwd: Path, env: dict[str, str], stdin: bytes = b"") -> Invocation:
    done = subprocess.run([sys.executable, "-m", "aiblint", *argv], cwd=cwd, env=env, input=stdin,
                          capture_output=True, timeout=120, check=False)
    return Invocation(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "AIBLINT_CACHE_DIR": str(tmp_path / "cache")}


@pytest.mark.parametrize("argv", [
    ["--format", "json", "--no-cache", "t.json"],
    ["t.json"],  # text, the summary, the result cache (cold, then warm in the process below)
    ["--format", "sarif", "--select", "AIB2", "missing.json", "t.json"],  # an error on stderr too
    ["--select", "AIB2O1", "t.json"],  # a usage error: exit 2, one line on stderr
    ["--version"],  # argparse exits
])
def test_a_run_in_the_process_gives_the_bytes_of_a_run_in_its_own_process(
    tmp_path: Path, env: dict[str, str], argv: list[str]
) -> None:
    (tmp_path / "t.json").write_text(TEMPLATE, encoding="utf-8")
    here = invoke(argv, tmp_path, env)
    assert here == _process(argv, tmp_path, env)
    assert here.stdout or here.stderr


def test_standard_input_is_the_callers(tmp_path: Path, env: dict[str, str]) -> None:
    argv = ["--format", "json", "--no-cache", "--stdin-filename", "sub/t.json", "-"]
    here = invoke(argv, tmp_path, env, stdin=TEMPLATE.encode())
    assert here == _process(argv, tmp_path, env, stdin=TEMPLATE.encode())
    assert here.exit_code == 1
    assert b'"path": "sub/t.json"' in here.stdout


def test_the_process_is_left_as_it_was(tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / "t.json").write_text(TEMPLATE, encoding="utf-8")
    folder, environment, streams = os.getcwd(), dict(os.environ), (sys.stdin, sys.stdout, sys.stderr)
    caller = tmp_path / "elsewhere"
    caller.mkdir()
    result = invoke(["--debug", "--no-cache", "../t.json"], caller, {**env, "ONLY_IN_THE_CALL": "1"})
    assert result.exit_code == 1
    assert result.stdout.startswith(b"../t.json:2:3: error AIB203 ")
    assert (os.getcwd(), dict(os.environ), (sys.stdin, sys.stdout, sys.stderr)) == (folder, environment, streams)
    assert "AIBLINT_DEBUG" not in os.environ  # --debug set it for the call only
