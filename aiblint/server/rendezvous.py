"""Where the resident server of a repository listens, and how its messages are framed.

Shared by the thin client (:mod:`aiblint.server.client`) and the server
(:mod:`aiblint.server.daemon`), so it imports only what a bare Python start has
already loaded or costs well under a millisecond: the client runs on every
commit and must not import the engine.

The address: a Unix socket in a folder only this user can enter,
``$XDG_RUNTIME_DIR/aiblint`` (the user's runtime folder), else
``$TMPDIR/aiblint-<uid>`` (``/tmp`` without ``TMPDIR``). The folder is made
with mode 0700 and used only if it is a real folder (not a link) owned by this
user that no one else can enter; the socket itself is made 0600. One server per
repository root and installation: the socket's name is a hash of both, so a
pre-commit hook's own installation of aiblint never talks to another one's server.
On Windows the address is a named pipe (``\\\\.\\pipe\\aiblint-...``, :mod:`aiblint.server.winpipe`;
not run on Windows by any test here: there is no Windows machine in CI).

A message is 4 bytes of length (big-endian) and that many bytes of JSON; the
client's standard streams travel separately as file descriptors (SCM_RIGHTS).
The JSON is written and read by ``json``'s own C accelerator (:func:`dumps`, :func:`loads`:
the same text as ``json.dumps``, the same values as ``json.loads``), and the socket is
``_socket``'s: importing ``json`` (its regular expressions) and ``socket`` (its enums)
cost the client about 6 ms of CPU per command, an eighth of its time.
"""

from __future__ import annotations

import _socket
import os
import stat
import struct
import sys

from aiblint import __version__
from aiblint.constants import SERVER_VARIABLE
from aiblint.hashing import sha256_hex

TYPE_CHECKING = False
if TYPE_CHECKING:  # the client imports no typing
    import socket
    from collections.abc import Callable
    from typing import Protocol

    class Channel(Protocol):
        """What a message travels over: a socket, or a Windows pipe (:class:`aiblint.server.winpipe.PipeChannel`)."""

        def sendall(self, data: bytes, /) -> None: ...

        def recv(self, size: int, /) -> bytes: ...

PROTOCOL = 1
ENVIRONMENT_VARIABLE = SERVER_VARIABLE
#: Messages larger than this are not ours (a request is argv, a folder and a few variables).
MAX_MESSAGE = 16 * 1024 * 1024
_LENGTH = struct.Struct(">I")
#: ``sun_path`` holds 108 bytes on Linux, 104 on macOS; a longer path cannot be bound.
MAX_SOCKET_PATH = 100
IS_WINDOWS = sys.platform == "win32"


class Unavailable(Exception):
    """No server can be used here (no safe folder, a peer that is not us, a broken message)."""


def wanted(environ: dict[str, str] | os._Environ[str]) -> bool:
    """Whether ``AIBLINT_SERVER`` asks for the resident server (``1``, ``true``, ``yes``, ``on``)."""
    return environ.get(ENVIRONMENT_VARIABLE, "").strip().lower() in ("1", "true", "yes", "on")


def repository_root(cwd: str) -> str:
    """The folder a request belongs to: the nearest folder above ``cwd`` (itself
    included) holding ``.git``, else ``cwd``. Only a name for finding the server:
    what a run may read is decided by the run itself, as without a server."""
    start = os.path.realpath(cwd)
    folder = start
    while True:
        if os.path.lexists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return start
        folder = parent


def request_root(arguments: list[str], cwd: str) -> str:
    """The root a request names: ``--root FOLDER`` (relative to ``cwd``), else :func:`repository_root`."""
    for index, argument in enumerate(arguments):
        if argument == "--root" and index + 1 < len(arguments):
            return os.path.realpath(os.path.join(cwd, arguments[index + 1]))
        if argument.startswith("--root="):
            return os.path.realpath(os.path.join(cwd, argument.removeprefix("--root=")))
    return repository_root(cwd)


def installation() -> str:
    """This installation of aiblint: its interpreter, environment and version (however the
    interpreter was named: ``../.venv/bin/python`` and ``.venv/bin/python3`` are one)."""
    return f"{os.path.realpath(sys.executable)}\0{os.path.realpath(sys.prefix)}\0{__version__}"


def address(root: str) -> str:
    """The socket (or pipe) of the server for ``root`` and this installation; the
    runtime folder is made if needed. ``Unavailable`` when there is no safe folder."""
    if IS_WINDOWS:  # a named pipe (aiblint.server.winpipe)
        from aiblint.server.winpipe import pipe_name

        return pipe_name(root, installation(), os.environ.get("USERNAME", ""))
    digest = sha256_hex(f"{root}\0{installation()}".encode("utf-8", "surrogatepass"))[:24]
    path = os.path.join(runtime_folder(), f"{digest}.sock")
    if len(os.fsencode(path)) > MAX_SOCKET_PATH:
        raise Unavailable(f"the runtime folder's path is too long for a socket: {path}")
    return path


def runtime_folder() -> str:
    """``$XDG_RUNTIME_DIR/aiblint``, else ``$TMPDIR/aiblint-<uid>``: made 0700, checked for owner and mode."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isabs(runtime):
        folder = os.path.join(runtime, "aiblint")
    else:
        folder = os.path.join(os.environ.get("TMPDIR") or "/tmp", f"aiblint-{os.getuid()}")
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    except OSError as error:
        raise Unavailable(f"cannot make {folder}: {error.strerror}") from None
    _check_private(folder)
    return folder


def _check_private(folder: str) -> None:
    """Another user could have made the folder first (in ``/tmp``), or opened it: then it is not ours to use."""
    try:
        status = os.lstat(folder)
    except OSError as error:
        raise Unavailable(f"cannot read {folder}: {error.strerror}") from None
    if not stat.S_ISDIR(status.st_mode):
        raise Unavailable(f"{folder} is not a folder")
    if status.st_uid != os.getuid():
        raise Unavailable(f"{folder} belongs to another user")
    if status.st_mode & 0o077:
        raise Unavailable(f"{folder} can be entered by other users (mode {stat.S_IMODE(status.st_mode):o})")


def peer_is_us(connection: socket.socket | _socket.socket) -> bool:
    """The process at the other end runs as this user (Linux: ``SO_PEERCRED``).
    Elsewhere the folder's mode 0700 and the socket's 0600 are the check."""
    credentials = getattr(_socket, "SO_PEERCRED", None)
    if credentials is None:
        return True
    raw = connection.getsockopt(_socket.SOL_SOCKET, credentials, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", raw)
    return bool(uid == os.getuid())


def send(connection: Channel, message: dict[str, object]) -> None:
    data = dumps(message).encode("utf-8", "surrogateescape")
    connection.sendall(_LENGTH.pack(len(data)) + data)


def receive(connection: Channel) -> dict[str, object]:
    """The next message; ``Unavailable`` when the peer hung up or sent something else."""
    (length,) = _LENGTH.unpack(_exactly(connection, _LENGTH.size))
    if length > MAX_MESSAGE:
        raise Unavailable("message too large")
    try:
        message = loads(_exactly(connection, length).decode("utf-8", "surrogateescape"))
    except ValueError:
        raise Unavailable("not a message") from None
    if not isinstance(message, dict):
        raise Unavailable("not a message")
    return message


def _exactly(connection: Channel, size: int) -> bytes:
    chunks = []
    while size:
        chunk = connection.recv(min(size, 1 << 20))
        if not chunk:
            raise Unavailable("the other end hung up")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


# -- JSON without importing json ---------------------------------------------------------------


class _Decoding:
    """What ``_json.make_scanner`` reads from a ``json.JSONDecoder``: its defaults."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}.__getitem__


_WHITESPACE = " \t\n\r"  # what json.decoder's WHITESPACE matches
_codec: tuple[Callable[[object], str], Callable[[str], object]] | None = None


def dumps(message: object) -> str:
    """``json.dumps(message, separators=(",", ":"))``."""
    return _json_codec()[0](message)


def loads(text: str) -> object:
    """``json.loads(text)``: a ``ValueError`` for anything else than one JSON value."""
    return _json_codec()[1](text)


def _json_codec() -> tuple[Callable[[object], str], Callable[[str], object]]:
    """The C encoder and scanner ``json`` itself uses (without the Python layer around them, which
    compiles regular expressions as it is imported); ``json`` itself on a Python without them."""
    global _codec
    if _codec is None:
        try:
            from _json import encode_basestring_ascii, make_encoder, make_scanner

            encoder = make_encoder(None, _unserializable, encode_basestring_ascii, None, ":", ",", False, False, True)
            scanner = make_scanner(_Decoding())  # type: ignore[arg-type]  # typeshed: a JSONDecoder; any object with its attributes
        except (ImportError, TypeError):  # another Python, or another signature
            import json

            _codec = (lambda message: json.dumps(message, separators=(",", ":"))), json.loads
        else:
            _codec = (lambda message: "".join(encoder(message, 0))), _scanned(scanner)
    return _codec


def _scanned(scanner: Callable[[str, int], tuple[object, int]]) -> Callable[[str], object]:
    def scan(text: str) -> object:
        start = len(text) - len(text.lstrip(_WHITESPACE))
        try:
            value, end = scanner(text, start)
        except StopIteration:
            raise ValueError("Expecting value") from None
        if text[end:].strip(_WHITESPACE):
            raise ValueError("Extra data")
        return value

    return scan


def _unserializable(value: object) -> object:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
