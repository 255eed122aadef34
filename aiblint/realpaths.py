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

The walk up is made on the paths' text, not on path objects (a path object's text
has no ``.``, no empty name and no '/' at its end): only the real path found is
made a path object, one per folder (a corpus run: 474 path objects made -> 237).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

#: Only where a real path is the POSIX one (Windows' resolution also follows junctions and
#: normalizes case through the system: there every path is resolved in full).
_COMPONENTWISE = os.name == "posix"


def real_path(path: Path, known: dict[str, Path]) -> Path:
    """``os.path.realpath(path)`` for an absolute ``path`` (as ``Path.resolve()``, without its
    error for a link loop); ``known`` maps the text of absolute paths to the real paths found
    so far in this run (filled in here). A relative path (it depends on the working
    directory) is resolved in full and not kept."""
    if not (_COMPONENTWISE and path.is_absolute()):
        return Path(os.path.realpath(path))
    return _real(os.fspath(path), known)


def _real(text: str, known: dict[str, Path]) -> Path:
    """:func:`real_path` of the absolute path ``text`` as a path object writes it. Its folder is
    the text before its last '/' (``/`` for a name under the root; the root ``//`` that POSIX
    allows is taken as ``/``, which is its real path)."""
    found = known.get(text)
    if found is not None:
        return found
    folder, _, name = text.rpartition("/")
    if not name:  # the root
        found = Path(os.path.realpath(text))
    elif name == "..":
        found = _real(folder or "/", known).parent
    else:
        real_folder = _real(folder or "/", known)
        joined = real_folder / name
        found = Path(os.path.realpath(text)) if _is_link(os.fspath(joined)) else joined
    known[text] = found
    return found


def _is_link(path: str) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:  # nothing there (or not a folder above it): not a link, as realpath takes it
        return False
