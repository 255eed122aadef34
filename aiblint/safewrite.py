"""Replacing a user's file (``--fix``, ``--write-baseline``) so that it is never lost.

The new bytes go to a temporary file in the same folder, are flushed to the
disk, and the temporary file is renamed over the old one: a full disk, a
file-size limit or a crash leaves either the old file or the new one, never
half of either. The file keeps its permissions (and its owner, where the
process may set it); a symbolic link stays a link and its target is replaced.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from aiblint.hashing import blake2b_hex


class FileChanged(Exception):
    """The file no longer holds the bytes the new text was computed from."""


def digest(data: bytes) -> str:
    """What says a file still holds the bytes that were linted: compared only within one run
    (never stored), so any strong hash does; BLAKE2b is the fastest the interpreter has
    without starting OpenSSL (every file linted is digested, fixed or not)."""
    return blake2b_hex(data)


def replace_file(path: Path, data: bytes, expected: str | None = None) -> None:
    """Write ``data`` to ``path`` atomically. ``expected``: the digest the file
    must still have just before it is replaced (:class:`FileChanged` otherwise:
    someone saved it meanwhile). Raises ``OSError`` with the file untouched."""
    target = Path(os.path.realpath(path))
    try:
        status: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        status = None
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.aiblint-tmp")
    # A new file gets the permissions the umask gives (0o666 masked), as an ordinary write would.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if status is not None:
            _keep_owner_and_mode(temporary, status)
        if expected is not None and digest(target.read_bytes()) != expected:
            raise FileChanged(str(path))
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_folder(target.parent)


def _keep_owner_and_mode(temporary: Path, status: os.stat_result) -> None:
    if hasattr(os, "chown") and (status.st_uid, status.st_gid) != _owner(temporary):
        with contextlib.suppress(OSError):  # only root may give a file away: the new file is the writer's
            os.chown(temporary, status.st_uid, status.st_gid)
    os.chmod(temporary, stat.S_IMODE(status.st_mode))


def _owner(path: Path) -> tuple[int, int]:
    status = os.stat(path)
    return status.st_uid, status.st_gid


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every system can open a folder)."""
    with contextlib.suppress(OSError, AttributeError):
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
