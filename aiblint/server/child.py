"""One request of the resident server, in the child forked for it (:mod:`aiblint.server.daemon`).

The child becomes the client's command: the client's standard input, output
and error (received as file descriptors) become its own, it moves to the
client's working folder, takes the client's values of the environment variables
a run reads (:data:`aiblint.server.client.FORWARDED`), writes text with the client's
encodings, and calls :func:`aiblint.cli.main` with the client's arguments. Its
exit code goes back to the client, then the child ends (``os._exit``: nothing
of the server's own clean-up runs twice).
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import sys
import traceback
from typing import NoReturn, TextIO

from aiblint.server import rendezvous
from aiblint.server.client import forwarded


def malformed(request: dict[str, object]) -> str | None:
    """What is wrong with a run request's shape, or ``None``."""
    argv, cwd, env, streams = (request.get(key) for key in ("argv", "cwd", "env", "streams"))
    if not (isinstance(argv, list) and all(isinstance(item, str) for item in argv)):
        return "malformed request: argv"
    if not (isinstance(cwd, str) and os.path.isabs(cwd)):
        return "malformed request: cwd"
    if not (isinstance(env, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in env.items())):
        return "malformed request: env"
    if not (isinstance(streams, list) and len(streams) == 3 and all(_stream_spec(spec) for spec in streams)):
        return "malformed request: streams"
    if "relay" in request:
        from aiblint.server.relay import malformed as relay_malformed

        if relay_malformed(request["relay"]):
            return "malformed request: relay"
    return None


def _stream_spec(spec: object) -> bool:
    return (isinstance(spec, list) and len(spec) == 4 and isinstance(spec[0], str) and isinstance(spec[1], str)
            and isinstance(spec[2], bool) and isinstance(spec[3], bool))


def run_in_child(connection: socket.socket, listener: socket.socket | None, request: dict[str, object], descriptors: list[int]) -> NoReturn:
    """Run the request as the client's command; report its exit code; end the process.
    ``listener``: the server's socket, inherited by a child forked for this request."""
    code = 1
    try:
        if listener is not None:
            listener.close()
        code = _run(request, descriptors, connection)
    except SystemExit as stop:  # --help, --version
        code = exit_code(stop.code)
    except BaseException:  # what a run without a server would print as it died
        traceback.print_exc()
    finally:
        # The server interrupts a child whose client hung up; from here on that must not
        # unwind past os._exit (into the server's own code, in this process).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a reader that went away
                stream.flush()
        try:
            rendezvous.send(connection, {"exit": code})
        finally:
            os._exit(0)


def _run(request: dict[str, object], descriptors: list[int], connection: socket.socket) -> int:
    streams = request["streams"]
    assert isinstance(streams, list)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    terminals = request.get("relay")
    if isinstance(terminals, list):  # the client relays its streams (aiblint.server.relay)
        from aiblint.server import relay

        connection.settimeout(None)  # a client may read slowly (a pager) or type its standard input
        sys.stdin, sys.stdout, sys.stderr = relay.streams(connection, relay.socket_pending(connection), streams, terminals)
    else:
        for target, descriptor in enumerate(descriptors):
            os.dup2(descriptor, target)
        sys.stdin, sys.stdout, sys.stderr = (_text_stream(fd, spec) for fd, spec in enumerate(streams))
    return command(request)


def command(request: dict[str, object]) -> int:
    """The client's command, once this process's standard streams are the client's: its
    environment variables, its working folder, :func:`aiblint.cli.main` with its arguments."""
    argv, cwd, env = request["argv"], request["cwd"], request["env"]
    assert isinstance(argv, list) and isinstance(cwd, str) and isinstance(env, dict)  # checked by malformed()
    _environment(env)
    os.chdir(cwd)
    from aiblint.cli import main

    return main(argv)


def _environment(env: dict[str, str]) -> None:
    """The client's values of the forwarded variables; the others stay the server's."""
    for name in [name for name in os.environ if forwarded(name)]:
        del os.environ[name]
    os.environ.update({name: value for name, value in env.items() if forwarded(name)})
    os.environ.pop(rendezvous.ENVIRONMENT_VARIABLE, None)  # this process is the server's run, not a client
    import tempfile

    tempfile.tempdir = None  # found again from TMPDIR


def _text_stream(descriptor: int, spec: list[object]) -> TextIO:
    return text_stream(io.FileIO(descriptor, "r" if descriptor == 0 else "w", closefd=False), spec)


def text_stream(raw: io.RawIOBase, spec: list[object]) -> io.TextIOWrapper:
    """A text stream over ``raw`` as the client's (``spec``: encoding, errors, line buffering,
    write-through), buffered as Python buffers its own standard streams."""
    encoding, errors, line_buffering, write_through = spec
    assert isinstance(encoding, str) and isinstance(errors, str)
    buffer = io.BufferedReader(raw) if raw.readable() else io.BufferedWriter(raw)
    return io.TextIOWrapper(buffer, encoding=encoding, errors=errors,
                            line_buffering=bool(line_buffering), write_through=bool(write_through))


def exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
