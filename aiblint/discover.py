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
from aiblint.frontends import SUFFIXES
from aiblint.realpaths import real_path
from aiblint.record import MutableRecord, Record

if TYPE_CHECKING:
    from aiblint.gitignore import GitIgnore


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
        "gitignore", "looked_at", "excluded", "ignored", "dot_folders", "seen", "real_paths",
    )
    gitignore: bool  # respect .gitignore files
    looked_at: int  # files with a template suffix, read or sniffed
    excluded: int  # by the 'exclude' globs
    ignored: int  # files and folders a .gitignore ignores
    dot_folders: list[str]  # skipped, as displayed
    seen: set[Path]  # real paths of the files given so far (an alias is skipped)
    real_paths: dict[Path, Path]  # this walk's memo of real paths (aiblint.realpaths)

    def __init__(
        self,
        gitignore: bool = True,
        looked_at: int = 0,
        excluded: int = 0,
        ignored: int = 0,
        dot_folders: list[str] | None = None,
        seen: set[Path] | None = None,
        real_paths: dict[Path, Path] | None = None,
    ) -> None:
        self.gitignore = gitignore
        self.looked_at = looked_at
        self.excluded = excluded
        self.ignored = ignored
        self.dot_folders = [] if dot_folders is None else dot_folders
        self.seen = set() if seen is None else seen
        self.real_paths = {} if real_paths is None else real_paths


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
        path = Path(raw)
        given_absolute = path.is_absolute()
        if not given_absolute:
            path = cwd / path
        if path.is_dir():
            for found, real in _walk(path, walk, cwd):
                display = _display(found, cwd, given_absolute)
                if real in seen:
                    continue
                if excluded(found, exclude, base or cwd):
                    walk.excluded += 1
                    continue
                seen.add(real)
                walk.looked_at += 1
                yield Candidate(found, display, explicit=False)
        else:
            real = real_path(path, walk.real_paths)  # named files share folders: each resolved once
            if real not in seen:
                seen.add(real)
                walk.looked_at += 1
                yield Candidate(path, _display(path, cwd, given_absolute), explicit=True)


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
