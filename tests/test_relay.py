"""The relayed transport of the resident mode (:mod:`aiblint.server.relay`): the client's
standard streams travel as frames, as they must over a Windows named pipe. Here it runs
over the Unix socket, forced by ``AIBLINT_SERVER_RELAY=1``, against the same server as the
file-descriptor transport; every run is compared with the same command without a server
and through the descriptors: the same bytes, the same exit codes.
"""

from __future__ import annotations

import io
import json
import os
import socket
import struct
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from aiblint.server import relay, rendezvous
from aiblint.server.client import FORWARDED
from tests import test_resident
from tests.test_resident import BAD, TIMEOUT, _running, _wait, aiblint, assert_same, client_in_shellcheck, environment

# The resident mode's fixtures: a private runtime folder, a repository, servers stopped after the test.
runtime, repo, serve = test_resident.runtime, test_resident.repo, test_resident.serve


def relayed(**changes: str | None) -> dict[str, str]:
    return environment(AIBLINT_SERVER_RELAY="1", **changes)


def test_relayed_runs_give_the_bytes_and_exit_codes_of_descriptors_and_of_no_server(serve, repo: Path) -> None:  # type: ignore[no-untyped-def]
    server = serve(repo)
    big = BAD.replace('"contentVersion"', " " * 300_000 + '"contentVersion"', 1).encode()  # several reads of stdin
    runs = [
        (["--color", "always", "--show-source", "--show-links", "templates/bad.json"], None),
        (["--fail-on", "error", "--select", "AIB003", "templates"], None),  # exit 0
        (["--select", "AIB9"], None),  # exit 2: a usage error
        (["--version"], None),
        (["-", "--stdin-filename", "templates/bad.json"], BAD.encode()),
        (["-", "--format", "json"], big),
        (["-"], b"{not json"),
        (["rules"], None),
    ]
    codes = []
    for args, stdin in runs:
        alone = aiblint(*args, cwd=repo, stdin=stdin)
        assert_same(aiblint("--server", *args, cwd=repo, stdin=stdin), alone)
        assert_same(aiblint("--server", *args, cwd=repo, stdin=stdin, env=relayed()), alone)
        codes.append(alone.returncode)
    assert codes == [1, 0, 2, 0, 1, 1, 1, 0]
    assert server.served() == 2 * len(runs)


def test_a_large_report_an_output_file_and_both_streams_into_one(serve, repo: Path) -> None:  # type: ignore[no-untyped-def]
    server = serve(repo)
    for index in range(150):
        (repo / "templates" / f"copy{index:03}.json").write_text(BAD, encoding="utf-8")
    alone = aiblint("--format", "json", "templates", cwd=repo)
    assert alone.returncode == 1 and len(alone.stdout) > 400_000  # many frames, more than a socket buffer
    assert_same(aiblint("--server", "--format", "json", "templates", cwd=repo, env=relayed()), alone)

    alone = aiblint("--format", "sarif", "-o", "alone.sarif", "templates", cwd=repo)
    through = aiblint("--format", "sarif", "-o", "through.sarif", "templates", cwd=repo, env=relayed(AIBLINT_SERVER="1"))
    assert (through.returncode, through.stdout, through.stderr) == (alone.returncode, b"", b"")
    assert (repo / "through.sarif").read_bytes() == (repo / "alone.sarif").read_bytes()

    def merged(env: dict[str, str]) -> tuple[int, bytes]:  # 2>&1: the frames keep the order of the writes
        done = subprocess.run([sys.executable, "-m", "aiblint", "--select", "AIB9x", "templates/bad.json"], cwd=repo, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT, check=False)
        return done.returncode, done.stdout

    assert merged(relayed(AIBLINT_SERVER="1")) == merged(environment()) == merged(environment(AIBLINT_SERVER="1"))

    # -j 2: the run's workers are forked with its relayed streams; the report is the run's alone
    alone = aiblint("-j", "2", "--no-cache", "--format", "sarif", "templates", cwd=repo)
    assert alone.returncode == 1 and alone.stdout.count(b'"ruleId"') > 150
    assert_same(aiblint("--server", "-j", "2", "--no-cache", "--format", "sarif", "templates", cwd=repo, env=relayed()), alone)
    assert server.served() == 5


def test_a_terminal_is_relayed_as_a_terminal(serve, repo: Path) -> None:  # type: ignore[no-untyped-def]
    server = serve(repo)

    def on_a_terminal(env: dict[str, str]) -> bytes:
        leader, follower = os.openpty()
        try:
            done = subprocess.run([sys.executable, "-m", "aiblint", "--server", "--select", "AIB201", "templates"], cwd=repo,
                                  env=env, stdin=subprocess.DEVNULL, stdout=follower, stderr=subprocess.PIPE,
                                  timeout=TIMEOUT, check=False)
            assert done.returncode == 1, done.stderr
            os.close(follower)
            follower = -1
            return _drain(leader)
        finally:
            os.close(leader)
            if follower >= 0:
                os.close(follower)

    through_descriptors = on_a_terminal(environment(TERM="xterm"))
    assert b"\x1b[" in through_descriptors  # colour: the run saw a terminal
    assert on_a_terminal(relayed(TERM="xterm")) == through_descriptors
    assert server.served() == 2


def _drain(leader: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal's other end is closed and everything was read
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_relaying_client_that_goes_away_stops_its_run_and_its_tools(serve, repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:  # type: ignore[no-untyped-def]
    server = serve(repo)
    client, tool = client_in_shellcheck(repo, tmp_path_factory, relayed)
    client.kill()
    client.wait()
    assert _wait(lambda: not _running(tool)), "the tool outlived its client"
    assert _wait(lambda: server.served() == 1)
    assert aiblint("--server", "--select", "AIB201", "templates", cwd=repo, env=relayed()).returncode == 1
    assert server.served() == 2


# -- the protocol by hand -----------------------------------------------------------------------


def _request(repo: Path, argv: list[str], **extra: object) -> dict[str, object]:
    return {"kind": "run", "protocol": rendezvous.PROTOCOL, "installation": rendezvous.installation(), "argv": argv,
            "cwd": str(repo), "env": {name: value for name, value in os.environ.items() if name in FORWARDED},
            "streams": [["utf-8", "strict", False, False]] * 3, "utf8_mode": sys.flags.utf8_mode,
            "relay": [False, False, False], **extra}


def _connect(repo: Path) -> socket.socket:
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.settimeout(TIMEOUT)
    connection.connect(rendezvous.address(str(repo.resolve())))
    return connection


def test_a_malformed_frame_from_the_client_fails_the_run_not_the_server(serve, repo: Path) -> None:  # type: ignore[no-untyped-def]
    server = serve(repo)
    with _connect(repo) as connection:
        rendezvous.send(connection, _request(repo, ["-"]))
        assert rendezvous.receive(connection) == {"ready": True}
        read = relay.receive(connection)
        assert read[:1] == relay.READ
        relay.send(connection, b"Zgarbage")  # not a frame the run knows
        frames = []
        while (frame := relay.receive(connection))[:1] != relay.JSON:
            frames.append(frame)
    assert frames == [b"Eaiblint: error: standard input: malformed frame from the resident client\n"]
    assert json.loads(frame) == {"exit": 2}
    assert aiblint("--server", "--select", "AIB201", "templates", cwd=repo, env=relayed()).returncode == 1
    assert server.served() == 2


def test_a_client_that_hangs_up_while_the_run_reads_its_input_ends_that_run_only(serve, repo: Path) -> None:  # type: ignore[no-untyped-def]
    server = serve(repo)
    with _connect(repo) as connection:
        rendezvous.send(connection, _request(repo, ["-"]))
        assert rendezvous.receive(connection) == {"ready": True}
        assert relay.receive(connection)[:1] == relay.READ

    def served_next() -> bool:  # busy (refused: run by the client itself) until that run has ended
        before = server.served()
        assert aiblint("--server", "-", cwd=repo, stdin=BAD.encode(), env=relayed()).returncode == 1
        return bool(server.served() == before + 1)

    assert _wait(served_next)


def test_a_malformed_relay_request_is_refused_and_runs_as_usual(serve, repo: Path) -> None:  # type: ignore[no-untyped-def]
    server = serve(repo)
    with _connect(repo) as connection:
        rendezvous.send(connection, _request(repo, ["templates"], relay=[True, "no", False]))
        assert rendezvous.receive(connection) == {"refused": "malformed request: relay"}
    assert server.served() == 0


# -- the client's side, against a fake server ------------------------------------------------


def _fake_server(frames: list[bytes], replies: list[bytes] | None = None) -> socket.socket:
    """The client's end of a socket pair whose other end sends ``frames`` (raw bytes) and
    collects what the client sends into ``replies``."""
    ours, theirs = socket.socketpair()

    def play() -> None:
        with theirs:
            theirs.sendall(b"".join(frames))
            if replies is not None:
                theirs.settimeout(TIMEOUT)
                while chunk := theirs.recv(65536):
                    replies.append(chunk)

    threading.Thread(target=play, daemon=True).start()
    return ours


def _frame(payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + payload


@pytest.mark.parametrize(("frames", "message"), [
    ([_frame(b"Z")], "sent a malformed frame"),
    ([struct.pack(">I", rendezvous.MAX_MESSAGE + 1)], "sent a malformed frame"),
    ([_frame(b"")], "sent a malformed frame"),
    ([_frame(b'{"exit": "zero"}')], "sent a malformed frame"),
    ([_frame(b"{not json")], "sent a malformed frame"),
    ([_frame(b"R12")], "sent a malformed frame"),
    ([_frame(b"Ohalf a report\n")], "stopped before the run ended"),
])
def test_a_malformed_or_missing_frame_from_the_server_is_exit_2(frames: list[bytes], message: str, capfd: pytest.CaptureFixture[str]) -> None:
    with _fake_server(frames) as connection:
        assert relay.pump(connection) == 2
    out, err = capfd.readouterr()
    assert err == f"aiblint: error: the resident server {message}; run the command again\n"
    assert out == ("half a report\n" if frames[0].endswith(b"report\n") else "")


def test_the_client_writes_each_frame_to_its_stream_and_returns_the_exit_code(capfd: pytest.CaptureFixture[str]) -> None:
    frames = [_frame(b"Oout 1\n"), _frame(b"Eerr 1\n"), _frame(b"Oout 2\n"), _frame(b'{"exit":3}')]
    with _fake_server(frames) as connection:
        assert relay.pump(connection) == 3
    assert capfd.readouterr() == ("out 1\nout 2\n", "err 1\n")


def test_the_client_reports_a_failed_stream_and_answers_reads() -> None:
    read, write = os.pipe()
    os.close(read)  # standard output: a reader that went away
    saved = os.dup(1), os.dup(0)
    replies: list[bytes] = []
    stdin_read, stdin_write = os.pipe()
    os.write(stdin_write, b"abc")
    os.close(stdin_write)
    try:
        os.dup2(write, 1)
        os.dup2(stdin_read, 0)
        frames = [_frame(b"Oreport\n"), _frame(b"Oignored\n"), _frame(b"R" + struct.pack(">I", 2)),
                  _frame(b"R" + struct.pack(">I", 2)), _frame(b"R" + struct.pack(">I", 2)), _frame(b'{"exit":1}')]
        with _fake_server(frames, replies) as connection:
            assert relay.pump(connection) == 1
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 0)
        for descriptor in (*saved, write, stdin_read):
            os.close(descriptor)
    assert _wait(lambda: b"".join(replies).endswith(_frame(b"I")))
    assert b"".join(replies) == (_frame(b"!" + struct.pack(">BI", 1, 32)) + _frame(b"Iab") + _frame(b"Ic") + _frame(b"I"))


# -- the run's side: its streams ---------------------------------------------------------------


def test_the_runs_streams_write_frames_and_fail_as_the_client_says() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        stdin, stdout, stderr = relay.streams(ours, relay.socket_pending(ours), [["utf-8", "strict", False, False]] * 3,
                                              [False, True, False])
        assert (stdin.isatty(), stdout.isatty(), stderr.isatty()) == (False, True, False)
        stdout.write("héllo\n")
        stdout.flush()
        assert relay.receive(theirs) == "Ohéllo\n".encode()
        relay.send(theirs, b"!" + struct.pack(">BI", 1, 32))  # the client's standard output is a broken pipe
        stderr.write("note\n")
        stderr.flush()
        assert relay.receive(theirs) == b"Enote\n"
        stdout.write("more\n")
        with pytest.raises(BrokenPipeError):
            stdout.flush()

        relay.send(theirs, b"Ifirst line\nsecond")
        relay.send(theirs, b"I")
        assert stdin.read() == "first line\nsecond"
        assert relay.receive(theirs)[:1] == relay.READ


def test_a_windows_console_gets_text_even_when_a_frame_ends_inside_a_character(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rendezvous, "IS_WINDOWS", True)
    monkeypatch.setattr(os, "isatty", lambda descriptor: descriptor == 1)
    console = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")  # stands for the console's text stream
    monkeypatch.setattr(sys, "stdout", console)
    monkeypatch.setattr(relay, "_decoders", {})
    data = "héllo ✓\n".encode()
    frames = [_frame(b"O" + data[:2]), _frame(b"O" + data[2:9]), _frame(b"O" + data[9:]), _frame(b'{"exit":0}')]
    with _fake_server(frames) as connection:
        assert relay.pump(connection) == 0
    assert console.buffer.getvalue() == data


def test_a_failure_of_the_clients_input_fails_the_runs_read_the_same_way() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        stdin, _, _ = relay.streams(ours, relay.socket_pending(ours), [["utf-8", "strict", False, False]] * 3,
                                    [False, False, False])
        relay.send(theirs, b"!" + struct.pack(">BI", 0, 5))  # the client could not read its standard input: EIO
        with pytest.raises(OSError) as raised:
            stdin.buffer.read(10)
        assert (raised.value.errno, raised.value.strerror) == (5, os.strerror(5))
        assert relay.receive(theirs)[:1] == relay.READ  # it asked, then took the failure
