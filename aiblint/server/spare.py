"""The resident server's spare: the child that will run the next request, forked ahead of it.

Forking the warm server costs about 10 ms, and more after it: the child writes to
reference counts all over the inherited heap, so the kernel copies page after page
the first time the run touches them. A spare pays both before its request comes:
the server forks it once a request is done (and once warm), and the spare lints
a small template of its own (the server's ``prepare``), which touches what a run
touches, then tells the server it is ready and waits. The request's client
descriptors and the request itself are handed to it over a socket pair; it runs
them exactly as a child forked at that moment would (:func:`aiblint.server.child.run_in_child`),
then ends. One spare runs one request: what a request leaves in memory still never
reaches the next, and what the spare's own warm-up left is what the server's
warm-up leaves in every child anyway.

A spare whose server is gone (the socket pair closed) ends; a spare that is
not ready within :data:`READY_SECONDS` is ended and replaced by a child forked
at once, which is what the server did before spares.

A spare still warming up is ended with SIGKILL (it looks at the pair only once warm),
which runs none of its clean-up: the temporary folders its warm-up made (the template's,
ShellCheck's) would stay. So its warm-up makes them in a folder of its own that the
server made and removes once it has reaped it, whenever that is.
"""

from __future__ import annotations

import contextlib
import gc
import os
import select
import shutil
import signal
import socket
import tempfile
from collections.abc import Callable

from aiblint.server import rendezvous

#: How long a request waits for a spare still warming up before a child is forked for it instead.
READY_SECONDS = 10.0
_READY = b"R"


class Spare:
    """A forked child waiting for a request, and the server's end of its socket pair."""

    def __init__(self, pid: int, channel: socket.socket, folder: str) -> None:
        self.pid = pid
        self.channel = channel
        self.folder = folder  # the warm-up's temporary folders go in it (the server's to remove)
        self.ready = False

    @classmethod
    def fork(cls, listener: socket.socket, prepare: Callable[[], None] | None) -> Spare:
        """Fork a spare; it runs ``prepare`` (the warm-up) before it says it is ready."""
        folder = tempfile.mkdtemp(prefix="aiblint-spare-")
        try:
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            pid = os.fork()
        except BaseException:
            os.rmdir(folder)
            raise
        if pid == 0:  # the spare: never returns
            try:
                ours.close()
                listener.close()
                _serve_one(theirs, prepare, folder)
            finally:
                os._exit(1)
        theirs.close()
        return cls(pid, ours, folder)

    def wait_ready(self, timeout: float = READY_SECONDS) -> bool:
        """Whether the spare has warmed up (waiting up to ``timeout`` for it)."""
        if not self.ready:
            readable, _, _ = select.select([self.channel], [], [], timeout)
            with contextlib.suppress(OSError):
                self.ready = bool(readable) and self.channel.recv(1) == _READY
        return self.ready

    def hand_over(self, connection: socket.socket, request: dict[str, object], descriptors: list[int]) -> bool:
        """Give the spare the client's connection and standard streams, and the request; whether it took them."""
        try:
            socket.send_fds(self.channel, [b"G"], [connection.fileno(), *descriptors])
            rendezvous.send(self.channel, request)
        except OSError:
            return False
        return True

    def close(self) -> None:
        """Close the server's end and remove the warm-up's folder: the spare is warm (its
        warm-up made nothing more there) or reaped."""
        self.channel.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def discard(self) -> None:
        """End the spare (not ready, or the server stops), reap it, and remove its folder."""
        self.channel.close()  # a waiting spare sees the pair closed and ends by itself
        with contextlib.suppress(ProcessLookupError):
            if not self.ready:
                os.kill(self.pid, signal.SIGKILL)  # still warming up: it would look at the pair only after
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        self.close()  # only now: a spare still alive could make another folder in it


def _serve_one(channel: socket.socket, prepare: Callable[[], None] | None, folder: str) -> None:
    """The spare's life: warm up (its temporary folders in ``folder``), say so, wait for one
    request and run it (or end with the server)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C meant for a foreground server; its request sets its own
    if prepare is not None:
        usual = tempfile.tempdir
        tempfile.tempdir = folder  # what tempfile makes goes there; the request's, where it always went
        try:
            with contextlib.suppress(Exception):  # only colder: the request runs the same code
                prepare()
        finally:
            tempfile.tempdir = usual
        gc.collect()
        gc.freeze()  # what the warm-up left: no collection during the request scans it
    channel.sendall(_READY)
    try:
        _, descriptors, _, _ = socket.recv_fds(channel, 1, 4)
        request = rendezvous.receive(channel)
    except (OSError, rendezvous.Unavailable):  # the server has stopped, or will fork another child
        os._exit(0)
    if len(descriptors) != (1 if "relay" in request else 4):  # the connection; the streams unless relayed
        os._exit(0)
    from aiblint.server.child import run_in_child

    connection = socket.socket(fileno=descriptors[0])
    channel.close()
    run_in_child(connection, None, request, descriptors[1:])
