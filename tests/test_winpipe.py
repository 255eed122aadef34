"""The resident mode's Windows transport (:mod:`aiblint.server.winpipe`, :mod:`aiblint.server.winserver`):
what of it can run on Linux. Nothing here runs on Windows: the pipe's own I/O, its security
and the server's processes are checked by mypy against the Windows stubs, not run.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from aiblint.server import client, daemon, relay, rendezvous, winpipe, winserver
from aiblint.server.client import FORWARDED
from tests.conftest import ROOT
from tests.test_resident import BAD, TIMEOUT, aiblint, environment

SID = "S-1-5-21-3623811015-3361044348-30300820-1013"


# -- the pipe's name and security descriptor ------------------------------------------------------


def test_the_pipe_name_is_the_users_and_the_repositorys_as_windows_compares_paths() -> None:
    name = winpipe.pipe_name(r"C:\Users\Ann\repo", r"C:\py\python.exe" "\0C:\\py\0" "0.1", "ann")
    assert name.startswith("\\\\.\\pipe\\aiblint-ann-") and len(name) == len("\\\\.\\pipe\\aiblint-ann-") + 24
    assert int(name.rsplit("-", 1)[1], 16) >= 0  # hexadecimal
    same = winpipe.pipe_name("c:/users/ANN/Repo", r"c:\PY\python.exe" "\0c:/py\0" "0.1", "ann")
    assert same == name  # one folder, however spelt
    others = {
        winpipe.pipe_name(r"C:\Users\Ann\other", r"C:\py\python.exe" "\0C:\\py\0" "0.1", "ann"),
        winpipe.pipe_name(r"C:\Users\Ann\repo", r"C:\py\python.exe" "\0C:\\py\0" "0.2", "ann"),
        winpipe.pipe_name(r"C:\Users\Ann\repo", r"C:\py\python.exe" "\0C:\\py\0" "0.1", "bob"),
    }
    assert name not in others and len(others) == 3


@pytest.mark.parametrize(("user", "shown"), [
    ("Jöe Smith", "J_e_Smith"),
    ("a\\b", "a_b"),  # a backslash would end the pipe's name
    ("", "user"),
    ("x" * 300, "x" * winpipe.MAX_USER),
    ("first.last-2_x", "first.last-2_x"),
])
def test_the_users_part_of_the_pipe_name_is_safe_and_short(user: str, shown: str) -> None:
    name = winpipe.pipe_name("C:\\r", "i", user)
    assert name == f"\\\\.\\pipe\\aiblint-{shown}-{name.rsplit('-', 1)[1]}"
    assert "\\" not in name.removeprefix("\\\\.\\pipe\\") and len(name) <= 256


def test_the_address_on_windows_is_the_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rendezvous, "IS_WINDOWS", True)
    monkeypatch.setenv("USERNAME", "ann")
    assert rendezvous.address("C:\\r") == winpipe.pipe_name("C:\\r", rendezvous.installation(), "ann")


def test_the_security_descriptor_lets_in_the_user_alone() -> None:
    assert winpipe.security_descriptor(SID) == f"O:{SID}G:{SID}D:P(A;;GA;;;{SID})"


@pytest.mark.parametrize("sid", ["", "S-1-", "S-1-5-21-x", "BA", f"{SID})(A;;GA;;;WD", "S-1-5 ", "S-1-٣"])
def test_what_is_not_a_sid_makes_no_security_descriptor(sid: str) -> None:
    with pytest.raises(rendezvous.Unavailable, match="not a security identifier"):
        winpipe.security_descriptor(sid)


# -- the client: no server, a busy one, another user's ------------------------------------------------


def _windows_error(code: int) -> OSError:
    error = OSError(22, "a Windows error")
    error.winerror = code  # type: ignore[attr-defined]  # what Windows sets
    return error


@pytest.mark.parametrize(("code", "absent"), [(2, True), (231, True), (5, False), (None, False)])
def test_no_pipe_or_a_busy_one_is_no_server(code: int | None, absent: bool) -> None:
    assert winpipe.refused(_windows_error(code) if code is not None else OSError(2, "no such file")) is absent


def test_the_client_on_windows_runs_the_command_itself_when_no_pipe_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rendezvous, "IS_WINDOWS", True)
    for code in (2, 231, 5):
        def refuse(address: str, code: int = code) -> int:
            assert address.startswith("\\\\.\\pipe\\aiblint-")
            raise _windows_error(code)

        monkeypatch.setattr(winpipe, "_open", refuse)
        assert client.forward(["templates"]) is None
    assert daemon.ask("C:\\r", "status") is None  # aiblint server --status: "no server runs"


def test_a_pipe_owned_by_another_user_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rendezvous, "IS_WINDOWS", True)
    monkeypatch.setattr(winpipe, "_open", lambda address: 7)
    monkeypatch.setattr(winpipe, "pipe_owner", lambda handle: "S-1-5-21-2")
    monkeypatch.setattr(winpipe, "current_sid", lambda: "S-1-5-21-1")
    with pytest.raises(rendezvous.Unavailable, match=r"is served by another user \(S-1-5-21-2\)"):
        winpipe.connect("\\\\.\\pipe\\aiblint-ann-0")
    assert client.forward(["templates"]) is None  # and the command runs as usual


def test_the_console_script_on_windows_falls_back_to_a_normal_run(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "bad.json").write_text(BAD, encoding="utf-8")
    probe = ("import sys\nfrom aiblint.server import client, rendezvous, winpipe\nrendezvous.IS_WINDOWS = True\n"
             "def refuse(address):\n    error = OSError(2, 'The system cannot find the file specified')\n"
             "    error.winerror = 2\n    raise error\nwinpipe._open = refuse\n"
             "sys.argv[1:] = ['--server', '--debug', 'bad.json']\nsys.exit(client.main())\n")
    through = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=environment(), capture_output=True,
                             timeout=TIMEOUT, check=False)
    alone = aiblint("--debug", "bad.json", cwd=tmp_path)
    assert (through.returncode, through.stdout) == (alone.returncode, alone.stdout) == (1, alone.stdout)
    assert b"error AIB201" in alone.stdout
    note = f"aiblint: debug: resident server not used: none runs for {tmp_path.resolve()}\n".encode()
    assert through.stderr == note + alone.stderr


@pytest.mark.parametrize("call", [
    lambda: winpipe._open("\\\\.\\pipe\\x"),
    winpipe.current_sid,
    lambda: winpipe.pipe_owner(7),
    lambda: winpipe.create_instance("\\\\.\\pipe\\x", f"D:P(A;;GA;;;{SID})", True),
    lambda: winpipe.PipeChannel(7).sendall(b"x"),
    lambda: winpipe.PipeChannel(7).recv(1),
    lambda: winpipe.PipeChannel(7).pending(),
    lambda: winserver.main("C:\\r", 1.0, False),
    winserver.Worker.start,
    winserver.work,
    lambda: winserver._watch_hangup(winpipe.PipeChannel(7)),
])
def test_what_runs_only_on_windows_refuses_to_run_elsewhere(call: object) -> None:
    assert sys.platform != "win32"
    with pytest.raises(rendezvous.Unavailable, match="runs on Windows only"):
        call()  # type: ignore[operator]


# -- the worker's run: portable, run here over a socket pair posing as a pipe ------------------


PIPE_LIKE = '''
import json, socket, sys
from aiblint.server.winserver import run

class Pipe:  # what the worker's run uses of a PipeChannel: sendall, recv, settimeout, pending
    def __init__(self, connection):
        self.connection = connection
        self.sendall, self.recv, self.settimeout = connection.sendall, connection.recv, connection.settimeout
    def pending(self):
        import select
        return bool(select.select([self.connection], [], [], 0)[0])

run(Pipe(socket.socket(fileno=int(sys.argv[1]))), json.loads(sys.argv[2]))
'''


def test_the_workers_run_relays_the_same_bytes_as_a_normal_run(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "bad.json").write_text(BAD, encoding="utf-8")
    env = environment()
    argv = ["--select", "AIB201,AIB003", "-", "--stdin-filename", "bad.json"]
    request = {"argv": argv, "cwd": str(tmp_path),
               "env": {name: value for name, value in env.items() if name in FORWARDED},
               "streams": [["utf-8", "strict", False, False]] * 3, "relay": [False, False, False]}
    ours, theirs = socket.socketpair()
    stdin = os.open(tmp_path / "bad.json", os.O_RDONLY)
    saved = os.dup(0)
    try:
        worker = subprocess.Popen([sys.executable, "-c", PIPE_LIKE, str(theirs.fileno()), json.dumps(request)],
                                  cwd=ROOT, env=env, pass_fds=[theirs.fileno()])
        theirs.close()
        os.dup2(stdin, 0)  # the client's standard input: the template
        with ours:
            code = relay.pump(ours)
        assert worker.wait(TIMEOUT) == 0
    finally:
        os.dup2(saved, 0)
        os.close(saved)
        os.close(stdin)
    out, err = capfd.readouterr()
    alone = aiblint(*argv, cwd=tmp_path, stdin=BAD.encode())
    assert (code, out.encode(), err.encode()) == (alone.returncode, alone.stdout, alone.stderr) == (1, alone.stdout, b"")
    assert b"bad.json:36:21: error AIB201" in alone.stdout


# -- the Windows code, checked here as far as a type checker can ----------------------------------


def test_the_windows_code_type_checks_for_windows() -> None:
    modules = [str(ROOT / "aiblint" / "server" / name) for name in ("winpipe.py", "winserver.py", "relay.py")]
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--platform", "win32", "--follow-imports=silent",
                           "--no-incremental", *modules], cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
