"""The console script's first steps (:mod:`aiblint.server.client`): what it imports before
it knows what to do, and ``aiblint --version`` answered without the command line's parser."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from aiblint import __version__
from aiblint.constants import SERVER_VARIABLE
from aiblint.server import rendezvous
from tests.conftest import ROOT

TIMEOUT = 120


def python(code: str, *, cwd: Path = ROOT, closed_stdout: bool = False, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != SERVER_VARIABLE}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env={**environment, **env}, capture_output=not closed_stdout,
                          stdout=subprocess.DEVNULL if closed_stdout else None, stderr=subprocess.PIPE if closed_stdout else None,
                          text=True, timeout=TIMEOUT, check=False)


CLIENT = "import sys\nsys.argv[1:] = {args!r}\nfrom aiblint.server.client import main\ncode = main()\n"
CLI = "import sys\nfrom aiblint.cli import main\ntry:\n    code = main({args!r})\nexcept SystemExit as stop:\n    code = stop.code\n"
LOADED = "print(code, sorted(m for m in sys.modules if m in {names!r} or m.startswith('aiblint.')), file=sys.stderr)\n"


def test_version_is_what_argparse_prints_and_imports_nothing_of_the_command_line() -> None:
    names = ["argparse", "socket", "json", "hashlib", "typing"]
    fast = python(CLIENT.format(args=["--version"]) + LOADED.format(names=names))
    slow = python(CLI.format(args=["--version"]) + "print(code, file=sys.stderr)\n")
    assert fast.stdout == slow.stdout == f"aiblint {__version__}\n"
    assert fast.stderr == "0 ['aiblint.constants', 'aiblint.server', 'aiblint.server.client']\n"
    assert slow.stderr == "0\n"


def test_version_with_standard_output_closed_goes_where_argparse_sends_it() -> None:
    close = "import os\nos.close(1)\nsys.stdout = None\n"
    fast = python("import sys\n" + close + CLIENT.format(args=["--version"]), closed_stdout=True)
    slow = python("import sys\n" + close + CLI.format(args=["--version"]), closed_stdout=True)
    assert (fast.returncode, fast.stderr) == (slow.returncode, slow.stderr) == (0, f"aiblint {__version__}\n")


def test_a_command_without_the_server_does_not_import_the_rendezvous(tmp_path: Path) -> None:
    (tmp_path / "t.json").write_text("{}\n", encoding="utf-8")
    names: list[str] = []
    done = python(CLIENT.format(args=["--no-cache", "--select", "AIB001", "t.json"]) + LOADED.format(names=names), cwd=tmp_path)
    assert "'aiblint.cli'" in done.stderr and "rendezvous" not in done.stderr, done.stderr
    asked = python(CLIENT.format(args=["--no-cache", "t.json"]) + LOADED.format(names=names), cwd=tmp_path,
                   **{SERVER_VARIABLE: "1", "CI": "1", "XDG_RUNTIME_DIR": str(tmp_path)})
    assert "aiblint.server.rendezvous" in asked.stderr  # asked for: it looked for a server (none runs)


def test_the_variable_is_the_rendezvous_one() -> None:
    assert rendezvous.ENVIRONMENT_VARIABLE == SERVER_VARIABLE == "AIBLINT_SERVER"


def test_the_address_of_a_server_is_found_without_openssl(tmp_path: Path) -> None:
    code = ("import sys\nfrom aiblint.server.client import forward\ncode = forward(['t.json'])\n"
            "print(code, sorted(m for m in sys.modules if 'hashlib' in m), file=sys.stderr)\n")
    done = python(code, cwd=tmp_path, CI="1", XDG_RUNTIME_DIR=str(tmp_path))
    assert done.stderr == "None []\n"  # no server runs here: the command would run in this process


def test_the_fast_digest_is_sha256() -> None:
    import hashlib

    from aiblint.hashing import sha256_hex

    for data in (b"", b"aiblint", bytes(range(256)) * 100):
        assert sha256_hex(data) == hashlib.sha256(data).hexdigest()


def test_a_tool_inherits_the_memory_cap_and_this_process_gets_its_limit_back(tmp_path: Path) -> None:
    import resource

    from aiblint.scripts.analyzers import Outcome, run_tool

    before = resource.getrlimit(resource.RLIMIT_AS)
    done = run_tool(["/bin/sh", "-c", "ulimit -v"], tmp_path, 60, "sh", 1, "shell", Outcome(), 3 * 1024**3)
    assert done is not None and done.stdout.decode().strip() == str(3 * 1024**3 // 1024)
    assert resource.getrlimit(resource.RLIMIT_AS) == before


# -- the console script's last step (aiblint.server.client._end) -------------------------------

#: A command run by the console script, with an ``atexit`` hook and a finalizer that only the
#: interpreter's own clean-up would run: what each printed tells how the process ended.
ENDING = ("import atexit, sys\n"
          "class Noisy:\n    def __del__(self):\n        print('finalized', file=sys.stderr)\n"
          "keep = Noisy()\n"
          "atexit.register(print, 'hook ran', file=sys.stderr)\n"
          "sys.stdout.write('unflushed report')  # (no newline, a pipe: still in the buffer at the end)\n"
          "sys.argv[1:] = {args!r}\n{before}"
          "from aiblint.server.client import console\nsys.exit(console())\n")


def ending(args: list[str], cwd: Path, before: str = "", stdout: int = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    """The command run by :data:`ENDING`, its standard output buffered as usual."""
    environment = {key: value for key, value in os.environ.items() if key not in (SERVER_VARIABLE, "PYTHONUNBUFFERED")}
    return subprocess.run([sys.executable, "-c", ENDING.format(args=args, before=before)], cwd=cwd, env=environment,
                          stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=TIMEOUT, check=False)


def test_a_command_ends_with_its_code_its_hooks_run_and_its_output_flushed_without_the_clean_up(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-02-14"}')
    done = ending(["--no-cache", "--format", "json", "bad.json"], tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("unflushed report")
    assert '"rule": "AIB' in done.stdout  # the report, after what was written first
    assert "hook ran" in done.stderr
    assert "finalized" not in done.stderr  # the interpreter's clean-up (module teardown) was skipped


def test_a_thread_still_running_gets_the_interpreter_s_own_ending(tmp_path: Path) -> None:
    thread = ("import threading, time\n"
              "threading.Thread(target=lambda: (time.sleep(0.2), print('thread done', file=sys.stderr))).start()\n")
    done = ending(["--version"], tmp_path, before=thread)
    assert done.returncode == 0
    assert done.stdout == f"unflushed reportaiblint {__version__}\n"
    assert done.stderr.splitlines() == ["thread done", "hook ran", "finalized"]  # waited for, then the usual clean-up


def test_standard_output_that_cannot_be_flushed_at_the_end_gives_the_interpreter_s_status(tmp_path: Path) -> None:
    read, write = os.pipe()
    os.close(read)  # nobody reads: flushing what is buffered fails (EPIPE)
    try:
        done = ending(["--version"], tmp_path, stdout=write)
    finally:
        os.close(write)
    assert (done.returncode, "hook ran" in done.stderr) == (120, True)
