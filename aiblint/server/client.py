"""The thin client of the resident server: ``aiblint --server ...``, or any
``aiblint ...`` with ``AIBLINT_SERVER=1`` (the pre-commit hook's way).

It finds the server of the repository it runs in (:mod:`aiblint.server.rendezvous`),
sends the arguments, the working folder and the environment variables a run
reads (:data:`FORWARDED`), and hands over its standard input, output and error
(file descriptors, SCM_RIGHTS): the server's run writes the report to the very
same files, so terminal detection, colour and ``-o`` behave as without a server,
and the reply is only the exit code. It imports no part of the engine.

When there is no server, it is another installation's or repository's, it
refuses (busy, or aiblint changed since it started) or does not answer within
:data:`READY_SECONDS`, :func:`forward` returns ``None`` and the command runs
as usual, in this process (``--debug`` says why). Before that run, a server is
started in the background for the next command, unless ``CI`` is set (a CI job
runs once; a server would outlive it) or on Windows.
"""

from __future__ import annotations

import os
import sys

from aiblint import __version__
from aiblint.constants import PROGRAM, SERVER_VARIABLE

TYPE_CHECKING = False  # not typing's: this module runs on every command, before anything else
if TYPE_CHECKING:
    import _socket

    from aiblint.server.winpipe import PipeChannel

#: Environment variables a run, or a tool it starts (ShellCheck, pwsh), reads; the server's
#: run takes these from the client (an unset one is unset there too), every other from its own start.
FORWARDED = frozenset({
    "NO_COLOR", "FORCE_COLOR", "TERM",  # colour (aiblint.cli)
    "PATH", "SHELLCHECK_OPTS", "PSModulePath",  # which ShellCheck and pwsh run, and their settings
    "HOME", "XDG_CACHE_HOME", "LOCALAPPDATA",  # the user cache folder (platformdirs)
    "TMPDIR", "TEMP", "TMP",  # temporary folders (tempfile)
    "BUILD_SOURCESDIRECTORY",  # the azure-devops format
    "LANG", "LANGUAGE",
})
FORWARDED_PREFIXES = ("AIBLINT_", "LC_", "POWERSHELL_", "DOTNET_")
#: How long the server may take to take a request: it answers in about a millisecond when it
#: waits for work; more means it is stuck (or stopped), and the command runs without it.
READY_SECONDS = 5.0
#: Commands that never go through a server: the server itself, and the language server (resident too).
LOCAL_COMMANDS = ("server", "lsp")
SERVER_FLAG = "--server"
#: No server is started in the background while this many sockets are in the runtime folder: a
#: script running aiblint over a hundred folders with AIBLINT_SERVER=1 must not leave a hundred servers.
MAX_STARTED = 8
#: Whether the command ran in the server (:func:`console` then ends the process at once).
_served = False
#: Standard input, output and error as an SCM_RIGHTS payload (C ints, native order).
_DESCRIPTORS = (0).to_bytes(4, sys.byteorder) + (1).to_bytes(4, sys.byteorder) + (2).to_bytes(4, sys.byteorder)


def console() -> int:
    """The ``aiblint`` console script: :func:`main`, as a process, ended as soon as the command
    returns (:func:`_end`)."""
    code = main()
    _end(code, hooks=not _served)
    return code  # (only when another thread still runs: the interpreter's own exit waits for it)


def _end(code: int, hooks: bool) -> None:
    """End the process with ``code`` as the interpreter would, without its clean-up of everything
    imported and made (about 3 ms of CPU for one template, 5 for the corpus): the ``atexit`` hooks
    (``hooks``: temporary folders, the exit's freeze of :mod:`aiblint.collector`), then standard
    output and error flushed (standard output failing: status 120, as the interpreter gives); every
    other file the command wrote it closed itself. A command the server ran has no hooks to run
    here: this process only waited for the exit code. Not while a thread that is not a daemon
    runs: the interpreter's exit waits for it, so this does too."""
    threading = sys.modules.get("threading")
    if threading is not None and any(not thread.daemon for thread in threading.enumerate() if thread is not threading.main_thread()):
        return
    if hooks:
        import atexit

        atexit._run_exitfuncs()
    failed = False
    # (The interpreter flushes standard output and error; the original streams, if something
    # replaced them, as it tears them down.)
    for stream in dict.fromkeys((sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__)):
        try:
            if stream is not None and not stream.closed:
                stream.flush()
        except (OSError, ValueError):
            failed = failed or (hooks and stream is sys.stdout)
    os._exit(120 if failed else code)  # (120: the interpreter's status when standard output cannot be flushed)


def main() -> int:
    """The ``aiblint`` console script: ``aiblint server ...``; else the command through the
    server when asked and one answers (importing neither argparse nor any part of the
    engine); else the command in this process (:func:`run_here`)."""
    arguments = sys.argv[1:]
    if arguments == ["--version"]:  # what argparse's version action prints, without importing argparse
        return _print_version()
    if arguments[:1] == ["server"]:
        from aiblint.server.daemon import command

        return command(arguments[1:])
    # Only a command that asks for the server imports socket, json and hashlib (rendezvous).
    if SERVER_FLAG in arguments or os.environ.get(SERVER_VARIABLE):
        code, arguments = through_server(arguments)
        if code is not None:
            global _served
            _served = True
            return code
    return run_here(arguments)


def run_here(arguments: list[str]) -> int:
    """The command in this process: replayed when nothing it reads has changed since the same
    command last ran (:mod:`aiblint.replay`), else run by :func:`aiblint.cli.main` (and recorded)."""
    from aiblint.replay import Recording, replayed

    environment = {name: value for name, value in os.environ.items() if forwarded(name)}
    code = replayed(arguments, environment)
    if code is not None:
        return code
    recording = Recording.start(arguments, environment)
    from aiblint.cli import main as run

    try:
        code = run(arguments)
    except BaseException:
        if recording is not None:
            recording.uninstall()
        raise
    if recording is not None:
        recording.finish(code)
    return code


def _print_version() -> int:
    """``aiblint --version``: the line :func:`aiblint.cli.build_parser`'s version action
    writes, written as argparse writes it (to standard error when standard output is
    closed; a stream that fails is no error)."""
    try:  # noqa: SIM105 (contextlib would be one more import for every command)
        (sys.stdout or sys.stderr).write(f"{PROGRAM} {__version__}\n")
    except (AttributeError, OSError):
        pass
    return 0


def through_server(arguments: list[str]) -> tuple[int | None, list[str]]:
    """The exit code of the command run by the server (``None``: run it here), and the
    arguments to run it with here (without ``--server``)."""
    here = [argument for argument in arguments if argument != SERVER_FLAG]
    if not requested(arguments):
        return None, here
    try:
        return forward(here), here
    except KeyboardInterrupt:
        return 130, here


def forwarded(name: str) -> bool:
    return name in FORWARDED or name.startswith(FORWARDED_PREFIXES)


def requested(arguments: list[str]) -> bool:
    """Whether this command asks for the server: ``--server`` or ``AIBLINT_SERVER=1``."""
    if arguments[:1] and arguments[0] in LOCAL_COMMANDS:
        return False
    from aiblint.server import rendezvous

    return SERVER_FLAG in arguments or rendezvous.wanted(os.environ)


def forward(arguments: list[str]) -> int | None:
    """Run ``arguments`` (without ``--server``) through the server; its exit code,
    or ``None`` when the command must run in this process instead."""
    from aiblint.server import rendezvous

    try:
        return _forward(arguments)
    except (OSError, rendezvous.Unavailable) as error:
        _debug(arguments, f"resident server not used: {error}")
        return None


def _forward(arguments: list[str]) -> int | None:
    from aiblint.server import rendezvous

    cwd = os.getcwd()
    root = rendezvous.request_root(arguments, cwd)
    address = rendezvous.address(root)
    if rendezvous.IS_WINDOWS:  # a named pipe whose owner it checks (aiblint.server.winpipe); streams relayed
        from aiblint.server.winpipe import connect

        pipe = connect(address)
        if pipe is None:
            _debug(arguments, f"resident server not used: none runs for {root}")
            return None
        with pipe:
            pipe.settimeout(READY_SECONDS)
            return _exchange(pipe, arguments, cwd)
    connection = _connect(address)
    if connection is None:
        _debug(arguments, f"resident server not used: none runs for {root}")
        start(root, arguments)
        return None
    try:
        if not rendezvous.peer_is_us(connection):
            raise rendezvous.Unavailable(f"{address} is served by another user")
        return _exchange(connection, arguments, cwd)
    finally:
        connection.close()


def _connect(address: str) -> _socket.socket | None:
    """A connection to ``address``: ``_socket``'s socket, as ``socket``'s module (its enums) is not
    worth importing for one connection (about 3 ms of the client's CPU)."""
    import _socket

    connection = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    connection.settimeout(READY_SECONDS)
    try:
        connection.connect(address)
    except (FileNotFoundError, ConnectionRefusedError):  # none runs, or one stopped without removing its socket
        connection.close()
        return None
    except OSError:
        connection.close()
        raise
    return connection


def _exchange(connection: _socket.socket | PipeChannel, arguments: list[str], cwd: str) -> int | None:
    import _socket

    from aiblint.server import rendezvous

    for descriptor in (0, 1, 2):
        os.fstat(descriptor)  # a closed stream cannot be handed over (OSError: run here)
    relayed = _relayed()
    rendezvous.send(connection, {
        "kind": "run",
        "protocol": rendezvous.PROTOCOL,
        "installation": rendezvous.installation(),
        "argv": arguments,
        "cwd": cwd,
        "env": {name: value for name, value in os.environ.items() if forwarded(name)},
        "streams": [_stream(sys.stdin), _stream(sys.stdout), _stream(sys.stderr)],
        "utf8_mode": sys.flags.utf8_mode,
        **({"relay": [os.isatty(descriptor) for descriptor in (0, 1, 2)]} if relayed else {}),
    })
    reply = rendezvous.receive(connection)
    if reply.get("ready") is not True:
        _debug(arguments, f"resident server not used: it refused ({reply.get('refused', 'no reason')})")
        return None
    if relayed:
        from aiblint.server.relay import pump

        connection.settimeout(None)  # from here the server's run writes to our streams
        return pump(connection)
    assert isinstance(connection, _socket.socket)  # a pipe always relays
    # socket.send_fds, without importing socket: our standard streams, as SCM_RIGHTS
    connection.sendmsg([b"F"], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, _DESCRIPTORS)])
    # From here the server's run writes to our streams: running again here could print a second report.
    connection.settimeout(None)
    try:
        reply = rendezvous.receive(connection)
    except KeyboardInterrupt:  # the server sees us hang up and interrupts its run
        return 130
    except (OSError, rendezvous.Unavailable):
        reply = {}
    code = reply.get("exit")
    if not isinstance(code, int):
        print(f"{PROGRAM}: error: the resident server stopped before the run ended; run the command again", file=sys.stderr)
        return 2
    return code


def _relayed() -> bool:
    """Whether the streams go over as frames (:mod:`aiblint.server.relay`: on Windows, or forced
    for tests by ``AIBLINT_SERVER_RELAY=1``), not as file descriptors."""
    from aiblint.server import rendezvous

    return rendezvous.IS_WINDOWS or os.environ.get("AIBLINT_SERVER_RELAY") == "1"


def _stream(stream: object) -> list[object]:
    """What the server needs to write text as this process would: encoding, errors, buffering."""
    return [
        getattr(stream, "encoding", None) or "utf-8",
        getattr(stream, "errors", None) or "strict",
        bool(getattr(stream, "line_buffering", False)),
        bool(getattr(stream, "write_through", False)),
    ]


def start(root: str, arguments: list[str]) -> None:
    """Start the server of ``root`` in the background for the next command (not in CI, not on
    Windows, not when :data:`MAX_STARTED` run already).

    ``aiblint server --detach`` returns once its socket listens (its own child serves,
    in a new session), so this waits only for that and leaves no child behind."""
    from aiblint.server import rendezvous

    if os.environ.get("CI") or rendezvous.IS_WINDOWS:
        return
    import subprocess

    folder = rendezvous.runtime_folder()  # the server's working folder: never the repository (sys.path)
    if sum(name.endswith(".sock") for name in os.listdir(folder)) >= MAX_STARTED:
        _debug(arguments, f"no resident server started: {MAX_STARTED} already run")
        return
    script = os.path.join(os.path.dirname(sys.executable), PROGRAM)  # the console script: the same sys.path
    command = [sys.executable, script] if os.path.isfile(script) else [sys.executable, "-m", "aiblint"]
    try:  # returns once the server listens: its own child serves, in a session of its own
        subprocess.run(
            [*command, "server", "--detach", "--root", root], cwd=folder, start_new_session=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30, check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:  # it is killed on a timeout
        _debug(arguments, f"cannot start a resident server: {error}")


def _debug(arguments: list[str], message: str) -> None:
    if "--debug" in arguments or os.environ.get("AIBLINT_DEBUG"):
        print(f"{PROGRAM}: debug: {message}", file=sys.stderr)
