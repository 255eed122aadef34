"""The folder walk knows each folder's real path from the walk itself and
resolves only links: it finds what resolving every path finds (links in and
out of the folder, a FIFO, a linked folder, ``.gitignore`` files)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiblint.constants import SKIPPED_DIRECTORIES, WALKED_DOT_FOLDERS
from aiblint.discover import Walk, discover, display_path
from aiblint.frontends import SUFFIXES
from aiblint.gitignore import GitIgnore


def _resolving_walk(top: Path, walk: Walk, cwd: Path) -> Iterator[tuple[Path, Path]]:
    """The walk as it was: every folder and file resolved."""
    inside = top.resolve()
    rules = GitIgnore.above(top) if walk.gitignore else None
    for folder, subfolders, files in os.walk(top):
        here = Path(folder)
        if rules is not None:
            rules.enter(here)
        subfolders[:] = sorted(name for name in subfolders if _resolving_enter(here / name, walk, rules, cwd))
        for name in sorted(files):
            path = here / name
            if not name.lower().endswith(SUFFIXES):
                continue
            resolved = path.resolve()
            if not (path.is_file() and resolved.is_relative_to(inside)):
                continue
            if rules is not None and rules.ignored(resolved):
                walk.ignored += 1
                continue
            yield path, resolved


def _resolving_enter(folder: Path, walk: Walk, rules: GitIgnore | None, cwd: Path) -> bool:
    name = folder.name
    if name in SKIPPED_DIRECTORIES:
        return False
    if name.startswith(".") and name not in WALKED_DOT_FOLDERS:
        walk.dot_folders.append(display_path(folder, cwd))
        return False
    if rules is not None and rules.ignored(folder.resolve(), folder=True):
        walk.ignored += 1
        return False
    return True


Found = tuple[list[tuple[Path, str, bool]], list[Path], int, int, list[str]]


def _run(paths: list[str], cwd: Path, gitignore: bool) -> Found:
    walk = Walk(gitignore=gitignore)
    found = [(candidate.path, candidate.display, candidate.explicit) for candidate in discover(paths, cwd, (), walk)]
    return found, sorted(walk.seen), walk.looked_at, walk.ignored, walk.dot_folders


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.json").write_text("{}")
    (outside / "ignored-there").mkdir()
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    for folder in ("a/b/c", "build-out", "kept", ".github/x", ".hidden", "node_modules"):
        (root / folder).mkdir(parents=True)
    for file in ("t.json", "a/t.json", "a/b/t.bicep", "a/b/c/t.json", "build-out/t.json", "kept/t.json", ".github/x/t.json",
                 ".hidden/t.json", "a/notes.txt", "a/b/c/T.JSON"):
        (root / file).write_text("{}")
    (root / ".gitignore").write_text("build-out/\n*.bicep\nignored-there/\n")
    (root / "a" / ".gitignore").write_text("b/c/T.JSON\n")
    (root / "a" / "alias.json").symlink_to(root / "t.json")  # a link inside: the same file again
    (root / "a" / "out.json").symlink_to(outside / "secret.json")  # a link out: never read
    (root / "a" / "broken.json").symlink_to(root / "missing.json")
    (root / "a" / "via-link.json").symlink_to(root / "a" / "notes.txt")  # a link inside to a file found by it alone
    (root / "linked").symlink_to(root / "a" / "b", target_is_directory=True)  # a linked folder: not entered
    (root / "ignored-there").symlink_to(outside / "ignored-there", target_is_directory=True)
    os.mkfifo(root / "a" / "pipe.json")
    return root


@pytest.mark.parametrize("gitignore", [True, False])
@pytest.mark.parametrize("paths", [["."], ["a", "."], ["a/../kept", "a/b"], ["linked", "a"]])
def test_the_walk_finds_what_resolving_every_path_finds(tree: Path, paths: list[str], gitignore: bool,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _run(paths, tree, gitignore)
    monkeypatch.setattr("aiblint.discover._walk", _resolving_walk)
    assert fast == _run(paths, tree, gitignore)
    assert fast[0]  # it found files


def test_what_the_walk_skips(tree: Path) -> None:
    found, _, _, ignored, dots = _run(["."], tree, gitignore=True)
    assert [display for _, display, _ in found] == ["t.json", ".github/x/t.json", "a/t.json", "a/via-link.json", "a/b/c/t.json", "kept/t.json"]
    assert ignored == 3  # build-out/, a/b/t.bicep, a/b/c/T.JSON
    assert dots == [".hidden"]
