"""The folder walk knows each folder's real path from the walk itself and
resolves only links: it finds what resolving every path finds (links in and
out of the folder, a FIFO, a linked folder, ``.gitignore`` files)."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiblint.constants import SKIPPED_DIRECTORIES, WALKED_DOT_FOLDERS
from aiblint.discover import Candidate, Walk, discover, display_path
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


Found = tuple[list[tuple[Path, str, bool]], list[str], int, int, list[str]]


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


# -- named files: what each one's folder knows (discover._named_file) --------------------------

NAMES = ["a", "b", "c", "t.json", "T.JSON", "link-a", "file-link.json", "missing.json", ".", "..", "", "ghost"]


def _named_tree(tmp_path: Path) -> Path:
    base = tmp_path.resolve()
    for folder in ("a/b/c", "b"):
        (base / folder).mkdir(parents=True)
    for file in ("t.json", "a/t.json", "a/b/t.json", "a/b/c/t.json", "b/t.json"):
        (base / file).write_text("{}")
    (base / "link-a").symlink_to(base / "a", target_is_directory=True)
    (base / "a/b/link-a").symlink_to("../../a", target_is_directory=True)
    (base / "a/file-link.json").symlink_to("b/t.json")
    (base / "b/file-link.json").symlink_to("../a/file-link.json")
    return base


def _long_way(paths: list[str], cwd: Path, walk: Walk) -> Iterator[Candidate]:
    """discover as it was for a named file (not a folder): each path made, resolved and shown in full."""
    for raw in paths:
        path = Path(raw)
        given_absolute = path.is_absolute()
        path = path if given_absolute else cwd / path
        real = os.path.normcase(os.path.realpath(path))
        if real not in walk.seen:
            walk.seen.add(real)
            walk.looked_at += 1
            display = display_path(path, cwd)
            yield Candidate(path, path.as_posix() if given_absolute and display.startswith("../") else display, True)


def test_named_files_are_found_as_resolving_each_in_full_finds(tmp_path: Path) -> None:
    """Files named in many ways (``./``, ``//``, ``..``, through linked folders, links
    themselves, missing, absolute), from several working folders, one walk (the memo is
    keyed by the working folder: the same name means another file from another one)."""
    base = _named_tree(tmp_path)
    chooser = random.Random(11)
    names = ["/".join(chooser.choices(NAMES, k=chooser.randint(1, 4))) for _ in range(300)]
    names += [str(base / name) for name in names[:40]] + ["t.json", "./t.json", "a//t.json", "a/./t.json", "t.json/", "../ghost"]
    fast, slow = Walk(), Walk()
    for cwd in (base, base / "a", base / "a/b/link-a", base / "ghost", base / "a/b"):
        chooser.shuffle(names)
        files = [name for name in names if not (cwd / name).is_dir()]  # (a folder is walked: the tests above)
        fast.seen, slow.seen = set(), set()  # each file again (the memos stay): what is shown changes with cwd
        found = [(c.path, c.display, c.explicit) for c in discover(files, cwd, (), fast)]
        assert found == [(c.path, c.display, c.explicit) for c in _long_way(files, cwd, slow)], cwd
        assert len(found) > 3
        assert fast.seen == slow.seen
    assert fast.looked_at == slow.looked_at
    ghost = base / "ghost"  # a working folder that is not there, and a file named by the way back into it
    assert [candidate.display for candidate in discover(["../ghost", "../ghost/t.json"], ghost, (), Walk())] == [".", "t.json"]
    assert len(fast.named_folders) > 20  # the shortcut was taken
