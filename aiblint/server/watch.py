"""Whether anything the resident server's staleness check reads may have changed: inotify (Linux).

Before every request the server makes sure that aiblint, its rules and the installation are
as they were when it started (:func:`aiblint.server.daemon.installation_state`: a stat of every
file of aiblint and of its rule packages, and of every distribution's ``entry_points.txt``;
about 2.8 ms, on the path of every request). The kernel can say instead whether any of those
folders changed since the check last ran: a :class:`Watch` on each of them (inotify) queues an
event when a file in it is written, created, removed, renamed or has its attributes changed. The
event is queued by the very system call that makes the change, before that call returns, so a
change made before a client connects is always seen by the request's check. Only when there is an
event (or no watch could be made) does the server compute the state again; otherwise nothing it
was computed from has changed, and it is still current.

What is watched (:func:`folders`) is every folder the check reads from, found the way the check
finds them; ``tests/test_resident_watch.py`` checks that every path the check reads is in a watched
folder. Anything inotify cannot watch (no inotify, a file that is a symbolic link: a change to its
target is seen in the target's folder, not in the link's) means no watch: the check runs in full
for every request, as it did without one.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterable, Iterator

# <sys/inotify.h>
IN_MODIFY, IN_ATTRIB, IN_CLOSE_WRITE = 0x2, 0x4, 0x8
IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE = 0x40, 0x80, 0x100, 0x200
IN_DELETE_SELF, IN_MOVE_SELF, IN_ONLYDIR = 0x400, 0x800, 0x1000000
#: Every change to a folder's entries or to a file in it (reads and opens are not changes).
MASK = (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE
        | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)


class Watch:
    """An inotify instance watching folders; :meth:`changed` says whether any event came since."""

    def __init__(self, descriptor: int) -> None:
        self.descriptor = descriptor

    @classmethod
    def open(cls, paths: Iterable[str]) -> Watch | None:
        """A watch on each folder of ``paths``; ``None`` when inotify cannot watch them all."""
        if not sys.platform.startswith("linux"):
            return None
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            init, add = libc.inotify_init1, libc.inotify_add_watch
        except (OSError, AttributeError):
            return None
        descriptor = init(os.O_NONBLOCK | os.O_CLOEXEC)
        if descriptor < 0:
            return None
        watch = cls(descriptor)
        for path in paths:
            if add(descriptor, os.fsencode(path), MASK) < 0:  # gone already, or no watch left (ENOSPC)
                watch.close()
                return None
        return watch

    def changed(self) -> bool:
        """Whether any event came since the watch was made (the events are read, not kept)."""
        try:
            return bool(os.read(self.descriptor, 1 << 16))
        except BlockingIOError:
            return False
        except OSError:  # cannot tell: as if it had changed
            return True

    def close(self) -> None:
        os.close(self.descriptor)


def folders(path_entries: Iterable[str], packages: Iterable[str]) -> list[str] | None:
    """Every folder :func:`aiblint.server.daemon.installation_state` reads from: each entry of
    ``sys.path`` (its ``.dist-info``, ``.egg-info`` and ``.pth`` entries), each distribution's
    metadata folder (its ``entry_points.txt``), and every folder of each package in ``packages``
    (the code the result cache is keyed on). ``None`` when one cannot be watched."""
    found: list[str] = []
    for entry in path_entries:
        try:
            names = os.listdir(entry)
        except OSError:  # a zip file or a missing folder: the check stats the entry itself
            parent = os.path.dirname(entry)
            if not os.path.isdir(parent):
                return None
            found.append(parent)
            continue
        found.append(entry)
        if any(name.endswith(".pth") and os.path.islink(os.path.join(entry, name)) for name in names):
            return None
        metadata = [name for name in names if name.endswith((".dist-info", ".egg-info"))]
        if entry.endswith(".egg"):
            metadata.append("EGG-INFO")
        for name in metadata:
            folder = os.path.join(entry, name)
            if os.path.isdir(folder):  # an .egg-info file has no entry_points.txt to stat
                if os.path.islink(os.path.join(folder, "entry_points.txt")):
                    return None
                found.append(folder)
    for package in packages:
        trees = list(_tree(package))
        if None in trees:
            return None
        found.extend(folder for folder in trees if folder is not None)
    return found


def _tree(folder: str) -> Iterator[str | None]:
    """The folders of a package's tree that the check walks (not ``__pycache__``); ``None`` for a
    file that is a symbolic link."""
    for parent, subfolders, files in os.walk(folder):
        subfolders[:] = [name for name in subfolders if name != "__pycache__"]
        yield parent
        if any(os.path.islink(os.path.join(parent, name)) for name in files):
            yield None
