"""The relayed transport of the resident mode: the client's standard streams travel as frames.

On Linux and macOS the client hands its standard input, output and error to the server's
run as file descriptors (SCM_RIGHTS, :mod:`aiblint.server.client`). A Windows named pipe
cannot carry them (:mod:`aiblint.server.winpipe`), so there the run's streams are relayed:
the server's run writes into frames, and the client writes each frame's bytes to its own
stream, in the order the run wrote them; when the run reads its standard input, it asks
the client for the bytes. The request carries, besides what every request carries (argv,
the working folder, the forwarded environment, the streams' encodings), whether each of the
client's streams is a terminal (``"relay": [stdin, stdout, stderr]``), which is what the run
asks of them (colour, code frames).

The same code runs over the Unix socket when ``AIBLINT_SERVER_RELAY=1`` is set for the
client: a switch for tests (``tests/test_relay.py`` checks that both transports give the
same bytes and exit codes), not an option.

Every frame is one message of :mod:`aiblint.server.rendezvous`'s framing (4 bytes of
length, big-endian, then that many bytes); its first byte says what it holds:

- ``{``: a JSON message (the request, the server's replies, ``{"exit": code}`` at the end);
- ``O`` / ``E``: bytes the run wrote to its standard output / error (server to client);
- ``R``: the run reads its standard input: up to N bytes, N in 4 bytes (server to client);
- ``I``: what the client read for an ``R`` (client to server); none at the end of input;
- ``!``: one of the client's streams failed: its number (1 byte) and ``errno`` (4 bytes)
  (client to server): the run's next read or write of that stream fails the same way.

Writes are not acknowledged: a client whose output fails (``aiblint ... | head``) says so
with ``!``, and the run's next write fails as a write to a closed pipe fails, one write
later than with the descriptors (where it is a race with the reader anyway).

Only the client's side (:func:`pump`) runs in the client; it imports nothing the client
has not imported.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import json
import os
import select
import struct
import sys

from aiblint.constants import PROGRAM
from aiblint.server import rendezvous

TYPE_CHECKING = False
if TYPE_CHECKING:  # only for the type checker: the client imports no typing
    import socket
    from collections.abc import Callable

    from _typeshed import ReadableBuffer, WriteableBuffer

    from aiblint.server.rendezvous import Channel

    Pending = Callable[[], bool]

JSON, OUTPUT, ERROR, READ, INPUT, FAILED = b"{", b"O", b"E", b"R", b"I", b"!"
#: The most bytes one ``I`` frame carries (a run reads a template of up to 10 MB at once).
CHUNK = 1 << 20
_SIZE = struct.Struct(">I")
_FAILURE = struct.Struct(">BI")
MALFORMED = "malformed frame"


def send(channel: Channel, payload: bytes) -> None:
    """One frame: its length, then ``payload`` (its first byte the frame's kind)."""
    channel.sendall(_SIZE.pack(len(payload)) + payload)


def receive(channel: Channel) -> bytes:
    """The next frame's payload; ``Unavailable`` when the other end hung up or sent no frame."""
    (length,) = _SIZE.unpack(_exactly(channel, _SIZE.size))
    if not 0 < length <= rendezvous.MAX_MESSAGE:
        raise rendezvous.Unavailable(MALFORMED)
    return _exactly(channel, length)


def _exactly(channel: Channel, size: int) -> bytes:
    chunks = []
    while size:
        chunk = channel.recv(min(size, CHUNK))
        if not chunk:
            raise rendezvous.Unavailable("the other end hung up")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


# -- the client's side -------------------------------------------------------------------------


def pump(channel: Channel) -> int:
    """Once the server took the request: write what its run writes, answer what it reads,
    until its exit code (which this returns). 2 with a message when the server stops
    before the run ended or sends something that is not a frame."""
    failed: set[int] = set()
    # WINDOWS ONLY: a console takes text (WriteConsoleW), not bytes in its code page.
    consoles = {descriptor for descriptor in (0, 1, 2) if rendezvous.IS_WINDOWS and os.isatty(descriptor)}
    while True:
        try:
            payload = receive(channel)
        except KeyboardInterrupt:  # the server sees us hang up and interrupts its run
            return 130
        except OSError:
            return _broken("stopped before the run ended")
        except rendezvous.Unavailable as error:
            return _broken("sent a malformed frame" if str(error) == MALFORMED else "stopped before the run ended")
        kind, body = payload[:1], payload[1:]
        if kind in (OUTPUT, ERROR):
            descriptor = 1 if kind == OUTPUT else 2
            if descriptor not in failed:
                _write(channel, descriptor, body, failed, descriptor in consoles)
        elif kind == READ and len(body) == _SIZE.size:
            _read(channel, min(_SIZE.unpack(body)[0], CHUNK), failed, 0 in consoles)
        elif kind == JSON:
            code = _exit_code(body)
            return code if code is not None else _broken("sent a malformed frame")
        else:
            return _broken("sent a malformed frame")


def _write(channel: Channel, descriptor: int, data: bytes, failed: set[int], console: bool = False) -> None:
    try:
        if console:
            _to_console(descriptor, data)
            return
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view):]
    except OSError as error:  # a reader that went away, a full disk: the run's next write fails so
        failed.add(descriptor)
        _tell(channel, descriptor, error)


#: WINDOWS ONLY: the text a console's frames carry so far, decoded with the stream's encoding
#: (a frame can end inside a character).
_decoders: dict[int, codecs.IncrementalDecoder] = {}


def _to_console(descriptor: int, data: bytes) -> None:
    """Windows console: the frame's bytes (in the encoding the client sent: its stream's)
    as text to the stream itself, which writes it to the console as text."""
    stream = sys.stdout if descriptor == 1 else sys.stderr
    decoder = _decoders.get(descriptor)
    if decoder is None:
        decoder = _decoders[descriptor] = codecs.getincrementaldecoder(stream.encoding)(stream.errors or "strict")
    stream.write(decoder.decode(data))
    stream.flush()


def _read(channel: Channel, size: int, failed: set[int], console: bool = False) -> None:
    if 0 in failed:
        return
    raw = getattr(sys.stdin.buffer, "raw", None) if console else None
    try:  # a Windows console's raw stream gives its text in UTF-8, the encoding the run reads with
        data = (raw.read(size) or b"") if raw is not None else os.read(0, size)
    except OSError as error:
        failed.add(0)
        _tell(channel, 0, error)
        return
    with contextlib.suppress(OSError):  # the server went away: its next frame (none) says so
        send(channel, INPUT + data)


def _tell(channel: Channel, descriptor: int, error: OSError) -> None:
    with contextlib.suppress(OSError):
        send(channel, FAILED + _FAILURE.pack(descriptor, error.errno or errno.EIO))


def _exit_code(body: bytes) -> int | None:
    try:
        message = json.loads(JSON + body)
    except ValueError:
        return None
    code = message.get("exit") if isinstance(message, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def _broken(what: str) -> int:
    print(f"{PROGRAM}: error: the resident server {what}; run the command again", file=sys.stderr)
    return 2


# -- the server's side: the run's standard streams ----------------------------------------------


class Link:
    """The run's end of the channel, shared by its three streams: the failures the client
    reported, and the check for new ones before each write."""

    def __init__(self, channel: Channel, pending: Pending) -> None:
        self.channel = channel
        self.pending = pending  # () -> bool: a frame from the client waits (without reading it)
        self.failures: dict[int, int] = {}
        self.owner = os.getpid()

    def notices(self) -> None:
        """Take the ``!`` frames the client sent since the last look (it sends nothing else unasked)."""
        while self.pending():
            self.take(receive(self.channel))

    def take(self, payload: bytes) -> None:
        if payload[:1] != FAILED or len(payload) != 1 + _FAILURE.size:
            raise _malformed()
        descriptor, number = _FAILURE.unpack(payload[1:])
        self.failures[descriptor] = number

    def failure(self, descriptor: int) -> None:
        number = self.failures.get(descriptor)
        if number is not None:
            raise OSError(number, os.strerror(number))


def _malformed() -> OSError:
    return OSError(errno.EPROTO, "malformed frame from the resident client", "standard input")


class Output(io.RawIOBase):
    """Standard output or error of a relayed run: each write is one frame."""

    def __init__(self, link: Link, descriptor: int, terminal: bool) -> None:
        super().__init__()
        self.link, self.descriptor, self.terminal = link, descriptor, terminal
        self.kind = OUTPUT if descriptor == 1 else ERROR

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.terminal

    def write(self, data: ReadableBuffer) -> int:
        chunk = bytes(data)
        if os.getpid() != self.link.owner:  # a worker forked by the run (-j): the server's own stream
            return os.write(self.descriptor, chunk)
        try:
            self.link.notices()
        except rendezvous.Unavailable:
            raise OSError(errno.EPIPE, os.strerror(errno.EPIPE)) from None
        self.link.failure(self.descriptor)
        send(self.link.channel, self.kind + chunk)
        return len(chunk)


class Input(io.RawIOBase):
    """Standard input of a relayed run: each read asks the client for up to that many bytes."""

    def __init__(self, link: Link, terminal: bool) -> None:
        super().__init__()
        self.link, self.terminal = link, terminal

    def readable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.terminal

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        self.link.failure(0)
        send(self.link.channel, READ + _SIZE.pack(len(view)))
        while True:
            try:
                payload = receive(self.link.channel)
            except rendezvous.Unavailable:
                raise _malformed() from None
            if payload[:1] == INPUT and len(payload) - 1 <= len(view):
                view[:len(payload) - 1] = payload[1:]
                return len(payload) - 1
            self.link.take(payload)  # a failure of a stream (or not a frame: an error)
            self.link.failure(0)


def streams(channel: Channel, pending: Pending, specs: list[list[object]], terminal: list[bool]) -> tuple[io.TextIOWrapper, ...]:
    """The run's standard input, output and error, relayed over ``channel``, with the
    client's encodings, buffering and terminals."""
    from aiblint.server.child import text_stream

    link = Link(channel, pending)
    raws: list[io.RawIOBase] = [Input(link, terminal[0]), Output(link, 1, terminal[1]), Output(link, 2, terminal[2])]
    return tuple(text_stream(raw, spec) for raw, spec in zip(raws, specs, strict=True))


def socket_pending(connection: socket.socket) -> Pending:
    """``pending`` for a socket: whether a frame from the client can be read without waiting."""

    def pending() -> bool:
        readable, _, _ = select.select([connection], [], [], 0)
        return bool(readable)

    return pending


def malformed(value: object) -> bool:
    """Whether a request's ``relay`` is not three booleans."""
    return not (isinstance(value, list) and len(value) == 3 and all(isinstance(item, bool) for item in value))
