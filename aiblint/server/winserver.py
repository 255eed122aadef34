"""WINDOWS ONLY: ``aiblint server`` on Windows, where there is no ``fork``: the pipe's server
and the spare worker processes that run its requests (the design, and what is and is not
tested, in :mod:`aiblint.server.winpipe`).

Not run by this project's tests (they run on Linux), except :func:`run` (portable: it runs
a request over any channel) and :func:`ask`; ``mypy --platform win32`` checks the rest
(``tests/test_winpipe.py``), every part of which calls Windows after a check of
``sys.platform`` that raises elsewhere.
"""

from __future__ import annotations

import json
import os
import sys
import time

from aiblint.constants import PROGRAM
from aiblint.server import daemon, rendezvous
from aiblint.server.winpipe import (
    ERROR_ACCESS_DENIED,
    WINDOWS_ONLY,
    PipeChannel,
    connect,
    create_instance,
    current_sid,
    security_descriptor,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess
    from typing import NoReturn, Protocol

    from aiblint.server.rendezvous import Channel

    class RelayChannel(Channel, Protocol):
        def settimeout(self, seconds: float | None, /) -> None: ...

        def pending(self) -> bool: ...


def main(root: str, idle_seconds: float, detach: bool) -> int:
    """WINDOWS ONLY. ``aiblint server`` on Windows: serve ``root`` until idle, stopped, or aiblint changes."""
    if sys.platform != "win32":
        raise rendezvous.Unavailable(WINDOWS_ONLY)
    import _winapi

    if detach:
        return _detach(root, idle_seconds)
    address = rendezvous.address(root)
    sddl = security_descriptor(current_sid())
    try:
        listening = create_instance(address, sddl, first=True)
    except OSError as error:  # an instance exists: a server runs (ours, or the name is someone else's)
        if getattr(error, "winerror", None) not in (ERROR_ACCESS_DENIED, _winapi.ERROR_PIPE_BUSY):
            raise
        print(f"{PROGRAM}: a server for {root} is already running (or another user holds its pipe's name)", file=sys.stderr)
        return 0
    server = PipeServer(root, address, sddl, idle_seconds, daemon.installation_state(), listening)
    reason = server.serve()
    print(f"{PROGRAM}: server for {root} stopped: {reason}", file=sys.stderr)
    return 0


def _detach(root: str, idle_seconds: float) -> int:
    """WINDOWS ONLY. Start the server as a detached process; return once its pipe listens."""
    if sys.platform != "win32":
        raise rendezvous.Unavailable(WINDOWS_ONLY)
    import _winapi
    import subprocess
    import tempfile

    command = [sys.executable, *_python_flags(), "-m", PROGRAM, "server", "--root", root, "--idle-timeout", str(idle_seconds)]
    subprocess.Popen(
        command, cwd=tempfile.gettempdir(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        creationflags=_winapi.DETACHED_PROCESS | _winapi.CREATE_NEW_PROCESS_GROUP,
    )
    address = rendezvous.address(root)
    deadline = time.monotonic() + daemon.WARM_UP_SECONDS
    while time.monotonic() < deadline:
        try:
            _winapi.WaitNamedPipe(address, 100)
            return 0
        except OSError:  # not there yet (or busy: then it is there)
            time.sleep(0.1)
    print(f"{PROGRAM}: error: the server for {root} did not start", file=sys.stderr)
    return 2


def _python_flags() -> list[str]:
    """The flags a request is checked against (``utf8_mode``), for the processes the server starts."""
    return ["-X", "utf8"] if sys.flags.utf8_mode else []


class PipeServer(daemon.Server):
    """WINDOWS ONLY. The server's process: accepts connections on the pipe, answers status
    and stop, checks each run request as on Linux (:meth:`daemon.Server.refusal`), and
    hands it to the spare worker; one request at a time, another meanwhile refused ("busy")."""

    def __init__(self, root: str, address: str, sddl: str, idle_seconds: float, state: str, listening: int) -> None:
        super().__init__(root, None, idle_seconds, state)  # type: ignore[arg-type]  # no socket: a pipe
        self.address, self.sddl, self.listening = address, sddl, listening
        self.worker: Worker | None = None

    def serve(self) -> str:
        if sys.platform != "win32":
            raise rendezvous.Unavailable(WINDOWS_ONLY)
        import _winapi

        self.worker = Worker.start()
        try:
            last_request = last_check = time.monotonic()
            while True:
                now = time.monotonic()
                idle_left = last_request + self.idle_seconds - now
                if idle_left <= 0:
                    return "idle"
                if now - last_check >= daemon.CHECK_SECONDS:
                    last_check = now
                    if daemon.installation_state() != self.state:
                        return "aiblint or the installation changed"
                channel = self.accept(min(idle_left, daemon.CHECK_SECONDS))
                if channel is None:
                    continue
                with channel:
                    stop = self.answer_pipe(channel)
                if stop:
                    return stop
                if self.stopping:
                    return "asked to stop"
                last_request = time.monotonic()
        finally:
            if self.worker is not None:
                self.worker.dismiss()
            _winapi.CloseHandle(self.listening)

    def accept(self, seconds: float | None, also: int | None = None) -> PipeChannel | None:
        """The next client's connection, or ``None`` after ``seconds`` or once ``also`` (a process) ended.
        A new instance replaces the connected one at once: the pipe always has one, so no one else can add one."""
        if sys.platform != "win32":
            raise rendezvous.Unavailable(WINDOWS_ONLY)
        import _winapi

        try:
            overlapped = _winapi.ConnectNamedPipe(self.listening, overlapped=True)
        except OSError as error:
            if getattr(error, "winerror", None) != _winapi.ERROR_NO_DATA:
                raise
            connected = True  # a client came and went already: its connection is read and found empty
        else:
            handles = [overlapped.event] if also is None else [overlapped.event, also]
            milliseconds = _winapi.INFINITE if seconds is None else int(seconds * 1000)
            if _winapi.WaitForMultipleObjects(handles, False, milliseconds) != _winapi.WAIT_OBJECT_0:
                overlapped.cancel()
            _, error_code = overlapped.GetOverlappedResult(True)
            connected = error_code == 0
        if not connected:
            return None
        channel = PipeChannel(self.listening)
        self.listening = create_instance(self.address, self.sddl, first=False)
        return channel

    def answer_pipe(self, channel: PipeChannel) -> str | None:
        """Answer one connection; a reason to stop, or ``None``."""
        channel.settimeout(daemon.REQUEST_SECONDS)
        try:
            request = rendezvous.receive(channel)
            kind = request.get("kind")
            if kind == "status":
                rendezvous.send(channel, self.status())
            elif kind == "stop":
                rendezvous.send(channel, {"stopping": True})
                return "asked to stop"
            elif kind == "run":
                return self.run_pipe(channel, request)
        except (OSError, rendezvous.Unavailable):  # a client gone: its problem
            pass
        return None

    def run_pipe(self, channel: PipeChannel, request: dict[str, object]) -> str | None:
        reason = self.refusal(request)
        if reason is None and "relay" not in request:
            reason = "the streams must be relayed over a pipe"
        stale = reason is None and daemon.installation_state() != self.state
        if stale:
            reason = "aiblint or the installation changed since the server started"
        if reason is not None:
            rendezvous.send(channel, {"refused": reason})
            return reason if stale else None
        worker, self.worker = self.worker, None
        assert worker is not None
        rendezvous.send(channel, {"ready": True})
        self.served += 1
        try:
            worker.take(channel, request)
            channel.close()  # the worker holds its own handle of the connection
            while worker.running():
                busy = self.accept(None, also=worker.process)
                if busy is not None:
                    with busy:
                        self.answer_busy(busy)
        finally:
            worker.dismiss()
            self.worker = Worker.start()  # the next request's process warms up now
        return None

    def answer_busy(self, channel: PipeChannel) -> None:
        """A request while a worker runs: a status, a stop (once the run has ended), or a refusal."""
        channel.settimeout(daemon.REQUEST_SECONDS)
        try:
            kind = rendezvous.receive(channel).get("kind")
            if kind == "status":
                rendezvous.send(channel, self.status())
            elif kind == "stop":
                self.stopping = True
                rendezvous.send(channel, {"stopping": True})
            else:
                rendezvous.send(channel, {"refused": "busy with another request"})
        except (OSError, rendezvous.Unavailable):
            pass


#: What the spare worker runs: ``-c`` puts the working folder first on ``sys.path``; it goes.
WORKER = "import sys; del sys.path[0]; from aiblint.server.winserver import work; work()"


class Worker:
    """WINDOWS ONLY. A spare process that imported aiblint and ran a warm-up, waiting on its
    standard input for one request: the handle of the connected pipe (duplicated into it) and
    the request."""

    def __init__(self, process: subprocess.Popen[bytes], handle: int) -> None:
        self.process_object, self.process = process, handle

    @classmethod
    def start(cls) -> Worker:
        if sys.platform != "win32":
            raise rendezvous.Unavailable(WINDOWS_ONLY)
        import _winapi
        import subprocess
        import tempfile

        process = subprocess.Popen(
            [sys.executable, *_python_flags(), "-c", WORKER], cwd=tempfile.gettempdir(), stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, creationflags=_winapi.CREATE_NO_WINDOW,
        )
        return cls(process, _winapi.OpenProcess(_winapi.PROCESS_DUP_HANDLE | _winapi.SYNCHRONIZE, False, process.pid))

    def take(self, channel: PipeChannel, request: dict[str, object]) -> None:
        if sys.platform != "win32":
            raise rendezvous.Unavailable(WINDOWS_ONLY)
        import _winapi

        assert channel.handle is not None and self.process_object.stdin is not None
        handle = _winapi.DuplicateHandle(_winapi.GetCurrentProcess(), channel.handle, self.process, 0, False,
                                         _winapi.DUPLICATE_SAME_ACCESS)
        self.process_object.stdin.write(json.dumps({"handle": handle, "request": request}).encode() + b"\n")
        self.process_object.stdin.close()

    def running(self) -> bool:
        return self.process_object.poll() is None

    def dismiss(self) -> None:
        """End a worker that has no request (its standard input closes: it exits), or wait for one that has."""
        if sys.platform != "win32":
            raise rendezvous.Unavailable(WINDOWS_ONLY)
        import _winapi
        import subprocess

        stdin = self.process_object.stdin
        if stdin is not None and not stdin.closed:
            stdin.close()
        try:
            self.process_object.wait(daemon.WARM_UP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process_object.kill()
            self.process_object.wait()
        _winapi.CloseHandle(self.process)


def work() -> NoReturn:
    """WINDOWS ONLY. The spare worker's life: warm up, wait for one request, run it, end."""
    if sys.platform != "win32":
        raise rendezvous.Unavailable(WINDOWS_ONLY)
    daemon.warm_up()
    line = sys.stdin.buffer.readline()
    if not line:  # dismissed without a request
        os._exit(0)
    handoff = json.loads(line)
    run(PipeChannel(int(handoff["handle"])), handoff["request"])


def run(channel: RelayChannel, request: dict[str, object]) -> NoReturn:
    """The worker's run: the request as the client's command, its streams relayed over ``channel``
    (anything with a socket's ``sendall`` and ``recv``, and ``pending``); its exit code; the end of
    this process. Portable (``tests/test_winpipe.py`` runs it on Linux over a socket pair)."""
    import contextlib
    import signal
    import traceback

    from aiblint.server import child, relay

    code = 1
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        streams, terminals = request["streams"], request["relay"]
        assert isinstance(streams, list) and isinstance(terminals, list)  # checked by the server (child.malformed)
        channel.settimeout(None)
        sys.stdin, sys.stdout, sys.stderr = relay.streams(channel, channel.pending, streams, terminals)
        if sys.platform == "win32" and isinstance(channel, PipeChannel):
            _watch_hangup(channel)
        code = child.command(request)
    except SystemExit as stop:  # --help, --version
        code = child.exit_code(stop.code)
    except BaseException:  # what a run without a server would print as it died
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        try:
            rendezvous.send(channel, {"exit": code})
        finally:
            os._exit(0)


#: How often a worker looks whether its client hung up.
HANGUP_SECONDS = 0.2


def _watch_hangup(channel: PipeChannel) -> None:
    """WINDOWS ONLY. A client that hangs up (Ctrl-C, a killed hook) interrupts its run, as
    ``EPOLLRDHUP`` makes the server do on Linux: a thread looks at the pipe every
    :data:`HANGUP_SECONDS` (``PeekNamedPipe`` fails once the client's end is closed) and
    raises ``KeyboardInterrupt`` in the run, which stops its tools and ends it."""
    if sys.platform != "win32":
        raise rendezvous.Unavailable(WINDOWS_ONLY)
    import _thread
    import _winapi
    import threading

    handle = channel.handle
    assert handle is not None

    def watch() -> None:
        while True:
            time.sleep(HANGUP_SECONDS)
            try:
                _winapi.PeekNamedPipe(handle)
            except OSError:
                _thread.interrupt_main()
                return

    threading.Thread(target=watch, name="aiblint-hangup", daemon=True).start()


def ask(root: str, kind: str, timeout: float) -> dict[str, object] | None:
    """WINDOWS ONLY (it finds no pipe elsewhere). ``status`` or ``stop`` to the server of ``root``."""
    try:
        channel = connect(rendezvous.address(root))
        if channel is None:
            return None
        with channel:
            channel.settimeout(timeout)
            rendezvous.send(channel, {"kind": kind})
            return rendezvous.receive(channel)
    except (OSError, rendezvous.Unavailable):
        return None
