"""Which files to read.

A directory walk yields the files of every front end's suffixes
(:data:`aiblint.frontends.SUFFIXES`); the engine parses only those whose bytes
may hold an image template (the front end's sniff); a file named on the command
line is always parsed, and says so (AIB004) when it holds no template. The walk
skips tool and dependency folders, dot-folders other than those that commonly
hold infrastructure (:data:`~aiblint.constants.WALKED_DOT_FOLDERS`), and what
``.gitignore`` files ignore; :class:`Walk` counts what it skipped, so that a run
that finds no template can say why.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from fnmatch import fnmatch
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Final

from aiblint.constants import SKIPPED_DIRECTORIES, WALKED_DOT_FOLDERS
from aiblint.filekinds import stat_mode
from aiblint.frontends import SUFFIXES
from aiblint.realpaths import real_path
from aiblint.record import MutableRecord, Record

if TYPE_CHECKING:
    from aiblint.gitignore import GitIgnore

#: Where a real path and a display are the POSIX ones (see :func:`_named_file`).
_SHORTCUT = os.name == "posix"


class Candidate(Record):
    """A file to lint, the name it is shown by, and whether it was named."""

    __slots__ = ("path", "display", "explicit")  # noqa: RUF023 - in field order
    path: Final[Path]
    display: Final[str]
    explicit: Final[bool]

    def __init__(self, path: Path, display: str, explicit: bool) -> None:
        self.path = path
        self.display = display
        self.explicit = explicit


class Walk(MutableRecord):
    """How a folder walk went: what it looked at and what it skipped."""

    __slots__ = (  # noqa: RUF023 - in field order
        "gitignore", "looked_at", "excluded", "ignored", "dot_folders", "seen", "real_paths", "named_folders",
    )
    gitignore: bool  # respect .gitignore files
    looked_at: int  # files with a template suffix, read or sniffed
    excluded: int  # by the 'exclude' globs
    ignored: int  # files and folders a .gitignore ignores
    dot_folders: list[str]  # skipped, as displayed
    seen: set[str]  # real paths of the files given so far, as _seen_key writes them (an alias is skipped)
    real_paths: dict[str, Path]  # this walk's memo of real paths (aiblint.realpaths), by path text
    named_folders: dict[tuple[str, str], _Folder | None]  # (working folder, folder as named) -> what _named_file knows

    def __init__(
        self,
        gitignore: bool = True,
        looked_at: int = 0,
        excluded: int = 0,
        ignored: int = 0,
        dot_folders: list[str] | None = None,
        seen: set[str] | None = None,
        real_paths: dict[str, Path] | None = None,
    ) -> None:
        self.gitignore = gitignore
        self.looked_at = looked_at
        self.excluded = excluded
        self.ignored = ignored
        self.dot_folders = [] if dot_folders is None else dot_folders
        self.seen = set() if seen is None else seen
        self.real_paths = {} if real_paths is None else real_paths
        self.named_folders = {}


def display_path(path: Path, cwd: Path) -> str:
    """Relative to the working directory, with '/' (``../x.json`` when outside it)."""
    try:
        return PurePath(os.path.relpath(path, cwd)).as_posix()
    except ValueError:  # another drive on Windows
        return path.as_posix()


def _display(path: Path, cwd: Path, given_absolute: bool) -> str:
    """A path given absolute, outside the working folder, is shown as given, not as ``../../..``."""
    display = display_path(path, cwd)
    return path.as_posix() if given_absolute and display.startswith("../") else display


def discover(
    paths: Sequence[str], cwd: Path, exclude: Sequence[str] = (), walk: Walk | None = None, base: Path | None = None,
) -> Iterator[Candidate]:
    """Files in the order given; directories walked recursively, sorted. ``exclude``
    globs match paths relative to ``base`` (the configuration file's folder), by default ``cwd``.
    A file is given once, under the first name it was met by: ``t.json sub/../t.json
    link.json`` (a link to it) are one file, counted, linted and fixed once."""
    walk = walk if walk is not None else Walk()
    seen = walk.seen
    for raw in paths:
        named = _named_file(raw, cwd, walk)
        if named is not None:
            path, key, display = named
            if key not in seen:
                seen.add(key)
                walk.looked_at += 1
                yield Candidate(path, display, explicit=True)
            continue
        path = Path(raw)
        given_absolute = path.is_absolute()
        if not given_absolute:
            path = cwd / path
        if path.is_dir():
            for found, real in _walk(path, walk, cwd):
                display = _display(found, cwd, given_absolute)
                key = _seen_key(real)
                if key in seen:
                    continue
                if excluded(found, exclude, base or cwd):
                    walk.excluded += 1
                    continue
                seen.add(key)
                walk.looked_at += 1
                yield Candidate(found, display, explicit=False)
        else:
            key = _seen_key(real_path(path, walk.real_paths))  # named files share folders: each resolved once
            if key not in seen:
                seen.add(key)
                walk.looked_at += 1
                yield Candidate(path, _display(path, cwd, given_absolute), explicit=True)


class _Folder(Record):
    """A folder that files were named in: the path they are joined to, its real path (as
    :func:`_seen_key` writes it, with a '/' at its end), its display."""

    __slots__ = ("path", "real", "display")  # noqa: RUF023 - in field order
    path: Final[Path]
    real: Final[str]
    display: Final[str]

    def __init__(self, path: Path, real: str, display: str) -> None:
        self.path = path
        self.real = real
        self.display = display


def _seen_key(real: Path) -> str:
    """A real path as the set of files seen holds it: its text, which is cheaper to hash than
    a path object, and as case-insensitive as path objects are where names are (Windows)."""
    return os.path.normcase(real)


def _named_file(raw: str, cwd: Path, walk: Walk) -> tuple[Path, str, str] | None:
    """A named file that is not a folder: its path, real path (:func:`_seen_key`) and display, as :func:`discover`
    makes them, from what its folder (as named) already knows: its path is the folder's joined
    with its name, its real path the real folder's joined with its name unless it is itself a
    link, its display the folder's joined with its name. That is what :func:`real_path` and
    :func:`display_path` make of it, with one path object made per file, not seven, and no
    ``os.path.relpath`` but one per folder (178 files named in 113 folders: 13.7 -> 10 ms of CPU). ``None`` for a
    folder, and where the shortcut does not hold (a name that ``Path`` or ``relpath`` would
    rewrite, ``..``; an absolute path, a relative working folder; not POSIX): the caller
    takes the long way."""
    folder_text, name = os.path.split(raw)
    if not _SHORTCUT or not name or name in (".", "..") or raw.startswith("/"):
        return None
    key = (os.fspath(cwd), folder_text)
    if key in walk.named_folders:
        folder = walk.named_folders[key]
    else:
        folder_path = cwd / folder_text
        absolute = folder_path.is_absolute()
        if absolute:
            real = _seen_key(real_path(folder_path, walk.real_paths))
            display = _display_below(folder_path, cwd)
            display = display_path(folder_path, cwd) if display is None else display
            folder = _Folder(folder_path, real if real.endswith("/") else real + "/", display)
        else:
            folder = None
        walk.named_folders[key] = folder
    if folder is None:
        return None
    if _is_folder(os.path.join(os.fspath(folder.path), name)) is not False:
        return None  # a folder, or the long way says what the file system says of it
    path = folder.path / name
    real = folder.real + name
    if os.path.islink(real):  # (a file that is a link: resolved in full)
        real = _seen_key(real_path(path, walk.real_paths))
    if folder.display == ".":
        return path, real, name
    if set(folder.display.split("/")) == {".."}:  # (above the working folder: `name` may be on its way back)
        return path, real, display_path(path, cwd)
    return path, real, f"{folder.display}/{name}"


def _is_folder(path: str) -> bool | None:
    """Whether ``path`` is a folder (a link to one too), by one ``stat`` and no path object;
    ``None`` where it cannot be told (nothing there, an error): ``Path.is_dir`` then decides
    on its own terms (it raises for some errors), as before."""
    mode = stat_mode(path)
    return stat.S_ISDIR(mode) if mode else None


def _display_below(folder: Path, cwd: Path) -> str | None:
    """:func:`display_path` of ``folder``, which is the absolute ``cwd`` joined with a relative
    path whose ``..`` (if any) come first, as ``os.path.relpath`` makes it, from the names
    of both (a path object has no ``.`` or empty names; ``relpath`` is lexical): the leading
    ``..`` take names off ``cwd``, then the names the result shares with ``cwd`` are left out
    and each name of ``cwd`` after them is a ``..``. ``None`` for any other path, which
    :func:`display_path` shows. (Corpus files are named ``../shared/...``.)"""
    if not (_SHORTCUT and cwd.is_absolute()):
        return None
    parts, base = folder.parts, cwd.parts
    if parts[: len(base)] != base or ".." in base:
        return None
    rest = parts[len(base) :]
    up = 0
    while up < len(rest) and rest[up] == "..":
        up += 1
    if up >= len(base) or ".." in rest[up:]:
        return None  # (above the root, or a '..' after a name)
    base = base[1:]  # the names, without the root ('/' or '//', the same in both)
    target = base[: len(base) - up] + rest[up:]
    shared = 0
    while shared < min(len(base), len(target)) and base[shared] == target[shared]:
        shared += 1
    return "/".join([".."] * (len(base) - shared) + list(target[shared:])) or "."


def named_folders(paths: Sequence[str], cwd: Path) -> tuple[Path, ...]:
    """For each path named (relative to ``cwd``): itself if it is a folder, else the folder it
    is in, i.e. ``cwd / path`` if a folder, else its parent. A file's parent is its folder as
    named joined to ``cwd`` (what ``Path`` makes of ``path`` without its last name, when that
    is a plain name), made once per folder: 178 files are named in 113 folders. What cannot
    be told that way (``..``, ``.``, a missing file, not POSIX) is made as before."""
    folders: dict[str, Path] = {}  # folder as named -> cwd joined with it (for this cwd)
    base = os.fspath(cwd)
    named = []
    for raw in paths:
        folder_text, name = os.path.split(raw)
        if _SHORTCUT and name and name not in (".", "..") and _is_folder(os.path.join(base, raw)) is False:
            folder = folders.get(folder_text)
            if folder is None:
                folder = folders[folder_text] = cwd / folder_text
            named.append(folder)
            continue
        path = cwd / raw
        named.append(path if path.is_dir() else path.parent)
    return tuple(named)


def _walk(top: Path, walk: Walk, cwd: Path) -> Iterator[tuple[Path, Path]]:
    """Each template file under ``top``, and its real path.

    ``os.walk`` goes into no link, so each folder it enters is a real folder
    under the real ``top``, its real path ``top``'s joined with the names on
    the way; only a file that is itself a link is resolved."""
    from aiblint.gitignore import GitIgnore

    inside = top.resolve()
    rules = GitIgnore.above(top) if walk.gitignore else None
    real: dict[str, Path] = {os.fspath(top): inside}  # folder as walked -> its real path
    for folder, subfolders, files in os.walk(top):
        here, real_here = Path(folder), real.pop(folder)
        if rules is not None:
            rules.enter(here, real_here, holds_file=".gitignore" in files)
        subfolders[:] = sorted(name for name in subfolders if _enter(here / name, real_here / name, walk, rules, cwd))
        real.update((os.path.join(folder, name), real_here / name) for name in subfolders)  # (links: never entered)
        for name in sorted(files):
            if not name.lower().endswith(SUFFIXES):
                continue
            path = here / name
            # Only regular files in the folder: a FIFO would block the walk, a link to a
            # device never ends, a link out of the folder (a credentials file) is not ours to read.
            resolved = _regular(path, real_here / name, inside)
            if resolved is None:
                continue
            if rules is not None and rules.ignored(resolved):
                walk.ignored += 1
                continue
            yield path, resolved


def _regular(path: Path, real: Path, inside: Path) -> Path | None:
    """The real path of ``path`` (``real`` unless it is a link), if it is a
    regular file (or a link to one) inside ``inside``."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None
    if stat.S_ISLNK(mode):
        resolved = path.resolve()
        return resolved if path.is_file() and resolved.is_relative_to(inside) else None
    return real if stat.S_ISREG(mode) else None


def _enter(folder: Path, real: Path, walk: Walk, rules: GitIgnore | None, cwd: Path) -> bool:
    """The walk goes into ``folder``, whose real path is ``real`` unless it is a
    link (counting what it skips and why)."""
    name = folder.name
    if name in SKIPPED_DIRECTORIES:
        return False
    if name.startswith(".") and name not in WALKED_DOT_FOLDERS:
        walk.dot_folders.append(display_path(folder, cwd))
        return False
    if rules is not None and rules.ignored(folder.resolve() if os.path.islink(folder) else real, folder=True):
        walk.ignored += 1
        return False
    return True


def excluded(path: Path, patterns: Sequence[str], base: Path) -> bool:
    """``path`` (absolute) matches a glob, written relative to ``base``."""
    if not patterns:
        return False
    relative = display_path(path, base)
    return any(fnmatch(relative, pattern) for pattern in patterns)
