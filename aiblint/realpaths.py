"""Real paths (links followed) of many files and folders that share their folders.

``Path.resolve`` is a system call per path component: a run that resolves the
folders of 178 templates, ten levels deep each, makes thousands, nearly all for
the same few folders. :func:`real_path` resolves a path from its folder's real
path, kept in a memo, and one ``lstat`` of its last component: that component
joined to the real folder is real unless it is itself a link, and then the path
is resolved in full, as before. ``..`` is the real folder's parent, which is
what ``os.path.realpath`` makes of it (it resolves what comes before ``..``
first). The memo belongs to one run: a run sees one file system, and a new run
(a resident server's next request) starts with an empty one.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

#: Only where a real path is the POSIX one (Windows' resolution also follows junctions and
#: normalizes case through the system: there every path is resolved in full).
_COMPONENTWISE = os.name == "posix"


def real_path(path: Path, known: dict[Path, Path]) -> Path:
    """``os.path.realpath(path)`` for an absolute ``path`` (as ``Path.resolve()``, without its
    error for a link loop); ``known`` maps absolute paths to the real ones found so far in
    this run (filled in here). A relative path (it depends on the working directory) is
    resolved in full and not kept."""
    if not (_COMPONENTWISE and path.is_absolute()):
        return Path(os.path.realpath(path))
    found = known.get(path)
    if found is not None:
        return found
    name = path.name
    if not name:  # the root
        found = Path(os.path.realpath(path))
    elif name == "..":
        found = real_path(path.parent, known).parent
    else:
        joined = real_path(path.parent, known) / name
        found = Path(os.path.realpath(path)) if _is_link(joined) else joined
    known[path] = found
    return found


def _is_link(path: Path) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:  # nothing there (or not a folder above it): not a link, as realpath takes it
        return False
