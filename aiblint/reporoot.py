"""The repository root that CI reports are relative to: the git top level
holding the working directory, else the working directory itself.

GitHub code scanning, GitHub annotations and Azure Pipelines all map a path
to a file of the repository, wherever in it aiblint was started
(``working-directory:``), so those formats report from the root, not from
the working directory as the text and JSON formats do.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path, PurePath


@lru_cache(maxsize=8)
def repository_root(cwd: Path) -> Path:
    """The git top level holding ``cwd`` (read from ``.git``, no git process), else ``cwd``."""
    from aiblint.scripts.gitrepo import find_repository

    return find_repository(cwd, cwd).root


def from_root(path: str, cwd: Path, root: Path | None = None) -> str | None:
    """``path`` (a display path, relative to ``cwd`` or absolute) relative to the
    repository root (``root``, from ``--root``, else :func:`repository_root`) with
    '/'; None for a file outside the root or a name that is not a file (``<stdin>``)."""
    if path.startswith("<"):
        return None
    root = root.resolve() if root is not None else repository_root(cwd)
    full = os.path.normpath(os.path.join(os.path.realpath(cwd), path))
    try:
        relative = os.path.relpath(full, root)
    except ValueError:  # another drive on Windows
        return None
    if relative == ".." or relative.startswith(".." + os.sep) or os.path.isabs(relative):
        return None
    return PurePath(relative).as_posix()


def absolute(path: str, cwd: Path) -> str:
    """``path`` as an absolute, normalized file name."""
    return os.path.normpath(os.path.join(os.path.realpath(cwd), path))
