"""``.gitignore`` files, as git reads them, for the folder walk (ruff's
``respect-gitignore``): generated and vendored files are not the project's.

Each folder's ``.gitignore`` speaks about the paths under it; a deeper file
overrides a shallower one, and within a file the last matching pattern
decides (``!keep.json`` re-includes). The repository's ``.git/info/exclude``
counts as a ``.gitignore`` at its root. The user's global excludes file does
not: a run must mean the same on every machine. Pattern matching is
``pathspec``'s ``GitIgnoreSpec`` (git's own rules, edge cases included).
"""

from __future__ import annotations

from pathlib import Path, PurePath

import pathspec

from aiblint.record import MutableRecord


class GitIgnore(MutableRecord):
    """The ``.gitignore`` rules that apply in one folder walk."""

    __slots__ = ("specs",)
    #: (folder, its rules), shallowest first
    specs: list[tuple[Path, pathspec.GitIgnoreSpec]]

    def __init__(self, specs: list[tuple[Path, pathspec.GitIgnoreSpec]] | None = None) -> None:
        self.specs = [] if specs is None else specs

    @classmethod
    def above(cls, top: Path) -> GitIgnore:
        """The rules from the repository root down to ``top`` (not ``top``'s own file:
        :meth:`enter` reads it as the walk enters the folder)."""
        from aiblint.scripts.gitrepo import find_repository

        rules = cls()
        repository = find_repository(top, top)
        if repository.git_dir is None:
            return rules
        root = repository.root
        rules.add(root, repository.git_dir / "info" / "exclude")
        resolved = top.resolve()
        if resolved != root and resolved.is_relative_to(root):
            for folder in reversed(resolved.parents):
                if folder == root or folder.is_relative_to(root):
                    rules.add(folder, folder / ".gitignore")
        return rules

    def enter(self, folder: Path, resolved: Path | None = None, holds_file: bool = True) -> None:
        """The walk entered ``folder`` (its real path ``resolved``, if known): its own
        ``.gitignore`` applies below it. Rules of folders the walk has left are dropped.
        ``holds_file=False``: the folder's listing has no ``.gitignore`` file (none is read)."""
        resolved = resolved if resolved is not None else folder.resolve()
        self.specs = [(base, spec) for base, spec in self.specs if resolved.is_relative_to(base)]
        if holds_file:
            self.add(resolved, folder / ".gitignore", resolved)

    def add(self, base: Path, file: Path, resolved: Path | None = None) -> None:
        try:
            lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:  # none here (the usual case), or unreadable: nothing to respect
            return
        self.specs.append((resolved if resolved is not None else base.resolve(), pathspec.GitIgnoreSpec.from_lines(lines)))

    def ignored(self, resolved: Path, folder: bool = False) -> bool:
        """``resolved`` (a resolved path: the walk has it already) is ignored."""
        for base, spec in reversed(self.specs):  # the deepest file that has a say decides
            if not resolved.is_relative_to(base):
                continue
            relative = PurePath(resolved.relative_to(base)).as_posix() + ("/" if folder else "")
            verdict = spec.check_file(relative).include
            if verdict is not None:
                return verdict
        return False
