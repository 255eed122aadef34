"""The repository a template lives in: its root folder and its GitHub remotes.

Read from the files under ``.git`` (no ``git`` process: it may be missing, and
starting it costs more than reading two small files). Handles a ``.git`` file
(worktrees and submodules point to the real git folder) and ``commondir``.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from aiblint.filekinds import stat_mode
from aiblint.lazyre import lazy
from aiblint.record import Record

#: ``https://github.com/o/r(.git)``, ``git@github.com:o/r.git``, ``ssh://git@github.com/o/r``,
#: ``git://github.com/o/r``; a user name or port may come before the host.
#: (Compiled when a git config is first read: a run outside git never needs them, 0.8 ms.)
_GITHUB_REMOTE = lazy(
    r"(?:[a-z+]+://)?(?:[^@/]+@)?(?:www\.)?github\.com(?::\d+)?[:/]+([^/\s]+)/([^/\s]+?)(?:\.git)?/*\Z",
    re.IGNORECASE,
)
_SECTION = lazy(r'\s*\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]')
_URL = lazy(r"\s*url\s*=\s*(.*?)\s*\Z", re.IGNORECASE)
_SHA = lazy(r"[0-9a-fA-F]{7,40}\Z")


class Repository(Record):
    """The repository a template is in, and its GitHub remotes."""

    __slots__ = ("root", "git_dir", "github")  # noqa: RUF023 - in field order
    root: Final[Path]
    git_dir: Final[Path | None]  # None: no git repository (the root is a fallback folder)
    github: Final[frozenset[tuple[str, str]]]  # (owner, repo), case-folded, of the GitHub remotes

    def __init__(self, root: Path, git_dir: Path | None, github: frozenset[tuple[str, str]]) -> None:
        self.root = root
        self.git_dir = git_dir
        self.github = github

    def is_remote(self, owner: str, repo: str) -> bool:
        return (owner.casefold(), repo.casefold().removesuffix(".git")) in self.github

    def is_pinned(self, ref: str) -> bool:
        """A commit id or a tag: the file there may differ from the working tree."""
        if _SHA().match(ref):
            return True
        if self.git_dir is None:
            return False
        common = _common_dir(self.git_dir)
        if (common / "refs" / "tags" / ref).is_file():
            return True
        return f" refs/tags/{ref}\n" in _read(common / "packed-refs")


def upwards(start: Path) -> Iterator[Path]:
    """``start``, then each folder above it up to the root: ``(start, *start.parents)``,
    made as they are walked (a walk mostly stops at the first or second: its answer is
    remembered), not all before the first (``Path.parents`` makes each anew, measuring
    the path again for each)."""
    folder = start
    while True:
        yield folder
        parent = folder.parent
        if parent == folder:
            return
        folder = parent


def find_repository(start: Path, fallback: Path) -> Repository:
    """The git repository holding ``start`` (a folder), else ``fallback`` as root."""
    start = start.resolve()
    for folder in upwards(start):
        repository = git_top_level(folder)
        if repository is not None:
            return repository
    return Repository(fallback.resolve(), None, frozenset())


def git_top_level(folder: Path) -> Repository | None:
    """The git repository whose top level is ``folder`` (resolved): it holds ``.git``."""
    mode = stat_mode(os.path.join(folder, ".git"))
    if mode is not None and not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
        return None  # no .git (nearly every folder asked): neither a folder nor a file, as _git_dir finds
    git_dir = _git_dir(folder / ".git")
    return Repository(folder, git_dir, frozenset(_github_remotes(git_dir))) if git_dir is not None else None


def repository_at(root: Path) -> Repository:
    """``root`` as the repository (``--root``): its own ``.git`` only, nothing above it is read."""
    root = root.resolve()
    git_dir = _git_dir(root / ".git")
    if git_dir is not None and not git_dir.resolve().is_relative_to(root):
        git_dir = None  # a worktree's git folder elsewhere: not read
    return Repository(root, git_dir, frozenset(_github_remotes(git_dir)) if git_dir is not None else frozenset())


def _git_dir(marker: Path) -> Path | None:
    if marker.is_dir():
        return marker
    if marker.is_file():
        text = _read(marker)
        if text.startswith("gitdir:"):
            target = Path(text[len("gitdir:") :].strip())
            target = target if target.is_absolute() else marker.parent / target
            return target if target.is_dir() else None
    return None


def _common_dir(git_dir: Path) -> Path:
    pointer = _read(git_dir / "commondir").strip()
    if not pointer:
        return git_dir
    common = Path(pointer)
    return common if common.is_absolute() else git_dir / common


def _github_remotes(git_dir: Path) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    in_remote = False
    for line in _read(_common_dir(git_dir) / "config").splitlines():
        section = _SECTION().match(line)
        if section:
            in_remote = section.group(1).casefold() == "remote"
            continue
        url = _URL().match(line) if in_remote else None
        if url:
            match = _GITHUB_REMOTE().match(url.group(1).strip('"'))
            if match:
                found.add((match.group(1).casefold(), match.group(2).casefold()))
    return found


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
