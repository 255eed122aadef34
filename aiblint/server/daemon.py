"""``aiblint server``: a warm process per repository that runs commands for the thin client.

Starting a Python that imports the engine, its rules, jsonschema and
detect-secrets costs about ten times the work of linting one template; the
server pays it once. It imports everything and lints a small template once
(:func:`warm_up`), then waits on its socket (:mod:`aiblint.server.rendezvous`).

Each request runs in a child forked from the warm process
(:mod:`aiblint.server.child`), forked ahead of the request and warmed up while
the server waits (:mod:`aiblint.server.spare`): the child takes the client's standard streams,
working folder and environment and calls the command line's ``main`` with the
client's arguments, the very code a run without a server executes. So the
configuration is read again, the result cache's keys apply, and nothing one run
leaves behind (memos, the environment, signal handlers) reaches the next; the
server itself never lints a request. One request at a time: a request that comes
while one runs is refused at once ("busy") and its client runs it itself.

The server stops when idle for ``--idle-timeout`` seconds (default
:data:`IDLE_SECONDS`, or ``AIBLINT_SERVER_IDLE_TIMEOUT``), when it is asked
(``aiblint server --stop``), and when aiblint, its rules or the installation
change: before every request and every :data:`CHECK_SECONDS` it compares the
stamps the result cache and the rule listing are keyed on (every distribution's
``entry_points.txt`` on ``sys.path``, and every file of aiblint and of each rule
package) with those it started with; a request that finds them changed is
refused (its client runs it itself, with the new code) and the server exits.
A request computes them again only when an inotify watch on every folder they
are read from saw a change since they were last computed (:mod:`aiblint.server.watch`;
where nothing can be watched, every request computes them).

Trust: only this user can reach the socket (a 0700 folder, a 0600 socket,
and on Linux the peer's uid from ``SO_PEERCRED``). Requests for another
repository root or another installation are refused.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import select
import signal
import socket
import sys
import time
from collections.abc import Iterator

from aiblint import collector
from aiblint.constants import PROGRAM
from aiblint.server import rendezvous
from aiblint.server.spare import Spare

TYPE_CHECKING = False
if TYPE_CHECKING:
    from aiblint.server.watch import Watch

IDLE_SECONDS = 15 * 60.0
IDLE_VARIABLE = "AIBLINT_SERVER_IDLE_TIMEOUT"
#: How often an idle server looks whether aiblint or the installation changed (about 2 ms a look).
CHECK_SECONDS = 5.0
#: A connected client has this long to send its request.
REQUEST_SECONDS = 5.0
#: ``--status`` and ``--stop`` wait this long for an answer: a server answers once it has warmed up.
WARM_UP_SECONDS = 60.0
#: A template with what the first run of a process loads: inline Shell and PowerShell (ShellCheck,
#: the script parsers), a schema with a known apiVersion (jsonschema), a keyword the secret scan
#: looks at (detect-secrets), a parameter (the ARM evaluator).
WARM_UP_TEMPLATE = b"""{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"location": {"type": "string", "defaultValue": "westus2"}},
  "resources": [{
    "type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01",
    "name": "warm-up", "location": "[parameters('location')]",
    "identity": {"type": "UserAssigned", "userAssignedIdentities": {"[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'id')]": {}}},
    "properties": {
      "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts", "version": "latest"},
      "customize": [
        {"type": "Shell", "name": "setup", "inline": ["password=$1", "curl -fsSL https://example.com/x.sh | sh"]},
        {"type": "PowerShell", "name": "win", "inline": ["Write-Host $env:PASSWORD"]}
      ],
      "distribute": [{"type": "ManagedImage", "imageId": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/images/i", "location": "westus2", "runOutputName": "out"}]
    }
  }]
}
"""


class Server:
    """The socket, the state aiblint was in when the server started, and the loop."""

    def __init__(self, root: str, listener: socket.socket, idle_seconds: float, state: str, watch: Watch | None = None) -> None:
        self.root = root
        self.listener = listener
        self.idle_seconds = idle_seconds
        self.state = state  # before the imports: a change while they ran is a change
        self.started = time.time()
        self.served = 0
        self.stopping = False  # asked to stop while a request ran
        self.spare: Spare | None = None  # the child that will run the next request
        self.watch = watch  # what the state is read from, watched since it was last computed

    def current(self) -> bool:
        """Whether aiblint and the installation are still as when the server started: at once
        when the watch saw no change since the state was last computed (nothing it is computed
        from changed: the per-process memos a request's run uses are current too); else the
        state computed again, a new watch made first (a change from then on is its event)."""
        if self.watch is not None and not self.watch.changed():
            return True
        if self.watch is not None:
            self.watch.close()
        self.watch = open_watch()
        return installation_state() == self.state

    def serve(self) -> str:
        """Answer requests until a reason to stop; that reason."""
        try:
            return self._serve()
        finally:
            if self.spare is not None:
                self.spare.discard()
            if self.watch is not None:
                self.watch.close()

    def _serve(self) -> str:
        last_request = last_check = time.monotonic()
        while True:
            if self.spare is None:  # off the request path: while no request waits
                self.spare = Spare.fork(self.listener, warm_up_spare)
            now = time.monotonic()
            idle_left = last_request + self.idle_seconds - now
            if idle_left <= 0:
                return "idle"
            if now - last_check >= CHECK_SECONDS:
                last_check = now
                if installation_state() != self.state:
                    return "aiblint or the installation changed"
            readable, _, _ = select.select([self.listener], [], [], min(idle_left, CHECK_SECONDS))
            if not readable:
                continue
            with contextlib.suppress(OSError, ValueError):  # a client gone, a path with a NUL: its problem
                connection, _ = self.listener.accept()
                with connection:
                    stop = self.answer(connection)
                    if stop:
                        return stop
            if self.stopping:
                return "asked to stop"
            last_request = time.monotonic()

    def answer(self, connection: socket.socket) -> str | None:
        """Answer one connection; a reason to stop, or ``None``."""
        connection.settimeout(REQUEST_SECONDS)
        if not rendezvous.peer_is_us(connection):
            return None
        try:
            request = rendezvous.receive(connection)
        except (OSError, rendezvous.Unavailable):
            return None
        kind = request.get("kind")
        if kind == "status":
            rendezvous.send(connection, self.status())
        elif kind == "stop":
            rendezvous.send(connection, {"stopping": True})
            return "asked to stop"
        elif kind == "run":
            return self.run(connection, request)
        return None

    def status(self) -> dict[str, object]:
        return {"pid": os.getpid(), "root": self.root, "served": self.served, "started": self.started,
                "idle_timeout": self.idle_seconds, "installation": rendezvous.installation()}

    def run(self, connection: socket.socket, request: dict[str, object]) -> str | None:
        reason = self.refusal(request)
        stale = reason is None and not self.current()
        if stale:
            reason = "aiblint or the installation changed since the server started"
        if reason is not None:
            rendezvous.send(connection, {"refused": reason})
            return reason if stale else None
        rendezvous.send(connection, {"ready": True})
        relayed = "relay" in request  # the streams come as frames (aiblint.server.relay), not descriptors
        try:
            descriptors = [] if relayed else socket.recv_fds(connection, 1, 3)[1]
        except OSError:
            return None
        try:
            if relayed or len(descriptors) == 3:
                self.served += 1
                self.fork(connection, request, descriptors)
        finally:
            for descriptor in descriptors:
                os.close(descriptor)
        return None

    def refusal(self, request: dict[str, object]) -> str | None:
        """Why this server does not run ``request`` (its client then runs it itself), or ``None``."""
        from aiblint.server.child import malformed

        if request.get("protocol") != rendezvous.PROTOCOL:
            return "another protocol version"
        if request.get("installation") != rendezvous.installation():
            return "another installation of aiblint"
        problem = malformed(request)
        if problem:
            return problem
        if request.get("utf8_mode") != sys.flags.utf8_mode:
            return "another Python UTF-8 mode"
        argv, cwd = request["argv"], request["cwd"]
        assert isinstance(argv, list) and isinstance(cwd, str)  # checked by malformed()
        if not os.path.isdir(cwd):
            return "the working folder does not exist"
        if rendezvous.request_root(argv, cwd) != self.root:
            return f"another repository (this server is for {self.root})"
        return None

    def fork(self, connection: socket.socket, request: dict[str, object], descriptors: list[int]) -> None:
        """Run the request in a child of this warm process (the spare forked for it; a child
        forked now if the spare cannot take it), and wait for it; a client that hangs up
        (Ctrl-C, a killed hook) interrupts the child; a new request meanwhile is refused."""
        spare, self.spare = self.spare, None
        if spare is not None and spare.wait_ready() and spare.hand_over(connection, request, descriptors):
            spare.close()  # the spare is warm: its warm-up's folder is not used any more
            pid = spare.pid
        else:
            if spare is not None:
                spare.discard()
            pid = os.fork()
            if pid == 0:  # the child: never returns
                try:
                    from aiblint.server.child import run_in_child

                    run_in_child(connection, self.listener, request, descriptors)
                finally:
                    os._exit(1)
        self.wait(pid, connection, "relay" in request)

    def wait(self, pid: int, connection: socket.socket, relayed: bool = False) -> None:
        # A relaying client sends its standard input on the connection: only a hang-up counts then.
        hangup = _relay_hangup(connection) if relayed else connection
        watched: list[socket.socket | select.epoll | int] = [self.listener] if hangup is None else [hangup, self.listener]
        pidfd = _pidfd(pid)
        if pidfd is not None:
            watched.append(pidfd)
        try:
            while True:
                readable, _, _ = select.select(watched, [], [], 0.05 if pidfd is None else None)
                if hangup is not None and hangup in readable:  # the client sends nothing more: it hung up
                    watched.remove(hangup)
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGINT)
                if self.listener in readable:
                    self.answer_while_busy()
                done, _ = os.waitpid(pid, os.WNOHANG)
                if done:
                    return
        finally:
            if pidfd is not None:
                os.close(pidfd)
            if hangup is not None and hangup is not connection:
                hangup.close()


    def answer_while_busy(self) -> None:
        """A request while a child runs: a status, a stop (once the child has ended), or a refusal."""
        with contextlib.suppress(OSError, rendezvous.Unavailable):
            connection, _ = self.listener.accept()
            with connection:
                connection.settimeout(REQUEST_SECONDS)
                if not rendezvous.peer_is_us(connection):
                    return
                kind = rendezvous.receive(connection).get("kind")
                if kind == "status":
                    rendezvous.send(connection, self.status())
                elif kind == "stop":
                    self.stopping = True
                    rendezvous.send(connection, {"stopping": True})
                else:
                    rendezvous.send(connection, {"refused": "busy with another request"})


def _relay_hangup(connection: socket.socket) -> select.epoll | None:
    """What ``select`` finds readable once a relaying client (aiblint.server.relay) hung up, and
    not when it only sends (its standard input): an epoll of ``EPOLLRDHUP`` (Linux). ``None``
    elsewhere: the run then notices at its next write."""
    if not hasattr(select, "epoll"):
        return None
    watch = select.epoll()
    watch.register(connection, select.EPOLLRDHUP)
    return watch


def _pidfd(pid: int) -> int | None:
    opener = getattr(os, "pidfd_open", None)
    if opener is None:
        return None
    try:
        return int(opener(pid))
    except OSError:  # an old kernel
        return None


# -- what the server is keyed on --------------------------------------------------------------


def open_watch() -> Watch | None:
    """A watch on every folder :func:`installation_state` reads from; ``None`` if there is none."""
    from aiblint.server.watch import Watch

    folders = watched_folders()
    return Watch.open(folders) if folders is not None else None


def watched_folders() -> list[str] | None:
    """The folders :func:`installation_state` reads from (:func:`aiblint.server.watch.folders`):
    the entries of ``sys.path``, and the packages of aiblint, its rules and its formatters."""
    from aiblint import cache, entrypoints
    from aiblint.constants import FORMATTER_ENTRY_POINTS, RULE_ENTRY_POINTS
    from aiblint.server.watch import folders

    modules = [entry.value.split(":", 1)[0] for group in (RULE_ENTRY_POINTS, FORMATTER_ENTRY_POINTS)
               for entry in entrypoints.entry_points(group)]
    packages = sorted({"aiblint", *(module.split(".", 1)[0] for module in modules)})
    code = [str(folder) for folder in map(cache._package_folder, packages) if folder is not None]
    return folders([os.path.abspath(entry) for entry in sys.path], code)


def installation_state() -> str:
    """The stamps the result cache and the rule listing are keyed on, computed afresh:
    the installation (every ``entry_points.txt`` on ``sys.path``) and every file of
    aiblint and of the packages its rules and formatters come from.

    They are computed through the functions the result cache uses, their per-process
    memos emptied first: the forked run then finds them computed, and current."""
    from aiblint import cache, entrypoints
    from aiblint.constants import FORMATTER_ENTRY_POINTS, RULE_ENTRY_POINTS

    entrypoints._fingerprints.clear()
    cache._code.clear()
    installation = entrypoints.installation_fingerprint(os.path.abspath(entry) for entry in sys.path)
    rules = [entry.value.split(":", 1)[0] for entry in entrypoints.entry_points(RULE_ENTRY_POINTS)]
    state = [installation, cache.code_fingerprint(rules)]
    known = {"aiblint", *(module.split(".", 1)[0] for module in rules)}
    formatters = {entry.value.split(".", 1)[0].split(":", 1)[0] for entry in entrypoints.entry_points(FORMATTER_ENTRY_POINTS)}
    if formatters - known:  # a formatter plugin's package: its code writes the report
        state.append(cache.code_fingerprint(sorted(formatters - known)))
    return hashlib.sha256("\0".join(state).encode()).hexdigest()


def warm_up(formats: tuple[str, ...] = ()) -> None:
    """Import what a run imports and run the command line once per output format (``formats``,
    default: every built-in one) over a small template in a temporary folder (the second run
    from the result cache), so that a request's child starts where a run is about to lint:
    rules, jsonschema and detect-secrets imported, lazy tables read, patterns compiled. A
    failure here only leaves the server colder: requests run the normal code either way."""
    import io
    import tempfile

    from aiblint import cli
    from aiblint.termination import EXIT_TERMINATED

    home = os.getcwd()
    saved = os.environ.get("AIBLINT_CACHE_DIR")
    with tempfile.TemporaryDirectory(prefix="aiblint-warm-") as folder, contextlib.suppress(Exception):
        with open(os.path.join(folder, "template.json"), "wb") as stream:
            stream.write(WARM_UP_TEMPLATE)
        os.environ["AIBLINT_CACHE_DIR"] = os.path.join(folder, "cache")
        os.chdir(folder)
        try:
            with contextlib.redirect_stderr(io.StringIO()):
                for name in formats or cli.BUILTIN_FORMATS:
                    if cli.main(["--root", folder, "--format", name, "template.json"], stdout=io.StringIO()) == EXIT_TERMINATED:
                        # A SIGTERM came while the run lasted, which took it (aiblint.termination) and
                        # put the server's handler back: end as that handler would (it was lost, and a
                        # server then killed harder left this folder and the run's behind).
                        raise SystemExit(0)
        finally:
            os.chdir(home)
            if saved is None:
                os.environ.pop("AIBLINT_CACHE_DIR", None)
            else:
                os.environ["AIBLINT_CACHE_DIR"] = saved


def warm_up_spare() -> None:
    """A spare's warm-up (:mod:`aiblint.server.spare`): one run, so that the pages a run
    touches are the spare's own before its request comes."""
    warm_up(("text",))


def command(arguments: list[str]) -> int:
    """``aiblint server [--root FOLDER] [--idle-timeout SECONDS] [--detach | --status | --stop]``."""
    from aiblint.cli import EXIT_USAGE, UsageError

    try:
        return _command(arguments)
    except UsageError as error:
        print(f"{PROGRAM}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _command(arguments: list[str]) -> int:
    from aiblint.cli import EXIT_FINDINGS, EXIT_OK, Parser, UsageError, _HelpFormatter, _working_folder

    parser = Parser(
        prog=f"{PROGRAM} server", formatter_class=_HelpFormatter,
        description="Keep a warm aiblint for one repository: 'aiblint --server ...' (or AIBLINT_SERVER=1) runs "
        "commands through it, and runs them itself when no server answers. See docs/integrations.md.",
    )
    parser.add_argument("--root", metavar="FOLDER", help="the repository to serve (default: the git top level of the working folder)")
    parser.add_argument("--idle-timeout", type=float, metavar="SECONDS",
                        help="stop after this long without a request (default: 900, or AIBLINT_SERVER_IDLE_TIMEOUT)")
    parser.add_argument("--detach", action="store_true", help="serve in the background; return once the server listens")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--status", action="store_true", help="print the running server's state (JSON); exit 1 if none runs")
    action.add_argument("--stop", action="store_true", help="stop the running server; exit 1 if none runs")
    options = parser.parse_args(arguments)
    cwd = str(_working_folder())
    root = rendezvous.request_root(["--root", options.root] if options.root else [], cwd)
    if not os.path.isdir(root):
        raise UsageError(f"--root {options.root}: not a folder")
    try:
        if options.status or options.stop:
            reply = ask(root, "status" if options.status else "stop", timeout=WARM_UP_SECONDS)
            if reply is None:
                print(f"{PROGRAM}: no server runs for {root}", file=sys.stderr)
                return EXIT_FINDINGS
            if options.status:
                import json

                print(json.dumps(reply, indent=2))
            return EXIT_OK
        return main(root, options.idle_timeout, options.detach)
    except rendezvous.Unavailable as error:
        raise UsageError(f"no resident server: {error}") from None


# -- starting and stopping --------------------------------------------------------------------


def main(root: str, idle_seconds: float | None, detach: bool) -> int:
    """``aiblint server``: serve ``root`` until idle, stopped, or aiblint changes."""
    idle = idle_seconds if idle_seconds is not None else _idle_from_environment()
    if rendezvous.IS_WINDOWS:  # a named pipe and a process per request (aiblint.server.winserver)
        from aiblint.server.winserver import main as serve_pipe

        return serve_pipe(root, idle, detach)
    address = rendezvous.address(root)
    with _lock(address) as locked:
        if not locked:
            if not detach:
                print(f"{PROGRAM}: a server for {root} is already running", file=sys.stderr)
            return 0
        listener = _bind(address)
        if detach and os.fork() != 0:
            os._exit(0)  # the caller waits for this process; the child serves
        signal.signal(signal.SIGTERM, _stop)  # kill PID: remove the socket on the way out
        try:
            watch = open_watch()  # before the state: a change from here on is an event
            state = installation_state()
            warm_up()
            gc.freeze()  # the warm heap: a request's child never scans (nor copies) it in a collection
            collector.heap_frozen = True  # a request's collector need not count it (aiblint.collector)
            reason = Server(root, listener, idle, state, watch).serve()
        finally:
            _unbind(listener, address)
    if not detach:
        print(f"{PROGRAM}: server for {root} stopped: {reason}", file=sys.stderr)
    return 0


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _idle_from_environment() -> float:
    try:
        return max(1.0, float(os.environ.get(IDLE_VARIABLE, "")))
    except ValueError:
        return IDLE_SECONDS


@contextlib.contextmanager
def _lock(address: str) -> Iterator[bool]:
    """One server per address: an exclusive ``flock`` held for the server's life."""
    import fcntl

    descriptor = os.open(address + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(descriptor)


def _bind(address: str) -> socket.socket:
    """Listen on ``address``, made 0600 as it is created (a socket left by a server that died is replaced)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(address)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    previous = os.umask(0o177)
    try:
        listener.bind(address)
    finally:
        os.umask(previous)
    listener.listen(16)
    return listener


def _unbind(listener: socket.socket, address: str) -> None:
    listener.close()
    with contextlib.suppress(OSError):
        os.unlink(address)


def ask(root: str, kind: str, timeout: float = REQUEST_SECONDS) -> dict[str, object] | None:
    """Send a ``status`` or ``stop`` request to the server of ``root``; its reply, or ``None``
    when none runs (or none answers within ``timeout``: a server warming up answers after)."""
    if rendezvous.IS_WINDOWS:  # a named pipe (aiblint.server.winserver)
        from aiblint.server.winserver import ask as ask_pipe

        return ask_pipe(root, kind, timeout)
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.settimeout(timeout)
    with connection:
        try:
            connection.connect(rendezvous.address(root))
            if not rendezvous.peer_is_us(connection):
                return None
            rendezvous.send(connection, {"kind": kind})
            return rendezvous.receive(connection)
        except (OSError, rendezvous.Unavailable):
            return None
