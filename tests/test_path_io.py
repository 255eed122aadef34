"""File I/O and path work made per file, rewritten for speed (issue 21): each rewrite must
write, find and show exactly what the pathlib code it replaced did."""

from __future__ import annotations

import itertools
import json
import os
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aiblint.discover import _display_below, display_path, named_folders
from aiblint.run import lint_paths
from aiblint.scripts.shellcheck import write_script

TEMPLATE = {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "properties": {}}

# -- ShellCheck's script files: the bytes of Path.write_text(utf-8, errors=replace, newline \n) ----

TEXTS = [
    "",
    "echo hi\n",
    "a\r\nb\rc\n",  # no newline translation, either way
    "x=\u00e9\u4e2d\U0001f600\n",
    "bad \ud800 surrogate \udfff\n",  # lone surrogates (JSON "\ud800") become '?'
    "no newline at the end",
    "long " * 50_000,  # more than one pipe or page of bytes
]


@pytest.mark.parametrize("text", TEXTS)
def test_a_script_file_holds_the_bytes_write_text_wrote(tmp_path: Path, text: str) -> None:
    old, new = tmp_path / "old.sh", tmp_path / "new.sh"
    old.write_text(text, encoding="utf-8", errors="replace", newline="\n")
    write_script(os.fspath(new), text)
    assert new.read_bytes() == old.read_bytes()
    assert new.read_bytes() == text.encode("utf-8", "replace")


def test_a_script_file_replaces_an_older_one_whole(tmp_path: Path) -> None:
    path = tmp_path / "0000.sh"
    write_script(os.fspath(path), "a much longer first text\n")
    write_script(os.fspath(path), "short\n")
    assert path.read_bytes() == b"short\n"
    assert (path.stat().st_mode & 0o777) == (0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# -- one memo of real paths per run, shared by the folder walk and the script settings -------------


def _template(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "t.json").write_text(json.dumps(TEMPLATE))


def test_a_link_retargeted_between_runs_in_one_process_is_followed_anew(tmp_path: Path) -> None:
    """Files are one file when their real paths are: the second run must see the link's new
    target (a memo kept across runs would still count two files)."""
    base = tmp_path.resolve()
    _template(base / "one")
    _template(base / "two")
    (base / "link").symlink_to(base / "one")
    assert lint_paths(["link/t.json", "two/t.json"], cwd=base, cache=False).files_checked == 2
    (base / "link").unlink()
    (base / "link").symlink_to(base / "two")
    assert lint_paths(["link/t.json", "two/t.json"], cwd=base, cache=False).files_checked == 1
    (base / "link").unlink()
    (base / "link").symlink_to(base / "one")
    assert lint_paths(["two/t.json", "link/t.json"], cwd=base, cache=False).files_checked == 2


def test_the_walk_finds_the_named_folders_resolved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A named file's folder is resolved once per run (one lstat of each component), by the
    settings, and the walk that makes its real path finds it resolved."""
    base = tmp_path.resolve()
    _template(base / "a/b")
    seen: list[str] = []
    original = os.lstat

    def counting(path: str, *args: Any, **kwargs: Any) -> os.stat_result:
        seen.append(os.fspath(path))
        return original(path, *args, **kwargs)

    monkeypatch.setattr(os, "lstat", counting)
    report = lint_paths(["a/b/t.json", "a/b/t.json"], cwd=base, cache=False)
    assert report.files_checked == 1
    assert seen.count(os.fspath(base / "a/b")) == 1
    assert seen.count(os.fspath(base / "a")) == 1


# -- the folders named, and a named folder's display, without a path object per file ---------------

NAMES = ["a", "b", "t.json", "link-a", "file-link.json", "missing.json", ".", "..", "", "ghost", "x" * 300]


def _named_tree(base: Path) -> None:
    for folder in ("a/b", "b"):
        (base / folder).mkdir(parents=True)
    for file in ("t.json", "a/t.json", "a/b/t.json", "b/t.json"):
        (base / file).write_text("{}")
    (base / "link-a").symlink_to(base / "a", target_is_directory=True)
    (base / "a/file-link.json").symlink_to("b/t.json")


def _old_named_folders(paths: list[str], cwd: Path) -> tuple[Path, ...] | type[OSError]:
    try:
        return tuple(path if path.is_dir() else path.parent for path in [cwd / raw for raw in paths])
    except OSError:
        return OSError


def test_the_named_folders_are_those_path_objects_gave(tmp_path: Path) -> None:
    """Names of every kind (``./``, ``//``, ``..``, trailing '/', links, missing, absolute, a
    name too long for the file system), from several working folders (one relative)."""
    base = tmp_path.resolve()
    _named_tree(base)
    chooser = random.Random(5)
    names = ["/".join(chooser.choices(NAMES, k=chooser.randint(1, 4))) for _ in range(400)]
    names += [str(base / name) for name in names[:40]] + ["//" + str(base / "t.json"), "a//t.json", "t.json/", "a/./t.json"]
    for cwd in (base, base / "a", base / "link-a", base / "ghost", Path("."), Path("/")):
        for name in names:
            old = _old_named_folders([name], cwd)
            if old is OSError:  # the same error, from the same path object
                with pytest.raises(OSError):
                    named_folders([name], cwd)
            else:
                assert named_folders([name], cwd) == old, (cwd, name)
        some = [name for name in names if "x" * 300 not in name]
        assert named_folders(some, cwd) == _old_named_folders(some, cwd)


@pytest.mark.parametrize("cwd", ["/", "/w", "/w/x", "/w/x/y/z", "//w/x", "/w/../x", "/w/./x/", "relative", "."])
def test_a_named_folder_shows_as_relpath_shows_it(cwd: str) -> None:
    """``cwd`` joined with a relative folder as named (``os.path.split`` of a name not starting with '/')."""
    chooser = random.Random(cwd)
    shown = 0
    for _ in range(400):
        text = "/".join(chooser.choices(["a", "x", "y", "w", ".", "..", "", "c d", "e\\\\f"], k=chooser.randint(0, 5))).lstrip("/")
        if chooser.random() < 0.3:
            text = "../" * chooser.randint(1, 4) + text.replace("..", "b")
        folder = Path(cwd) / text
        below = _display_below(folder, Path(cwd))
        if below is not None:
            assert below == display_path(folder, Path(cwd)), (cwd, text)
            shown += 1
        names = Path(text).parts
        leading = len(names) - len(tuple(itertools.dropwhile(lambda name: name == "..", names)))
        if Path(cwd).is_absolute() and ".." not in Path(cwd).parts and ".." not in names[leading:] and leading < len(Path(cwd).parts):
            assert below is not None, (cwd, text)  # the corpus' case: named as ../shared/...
    assert shown > 100 or ".." in Path(cwd).parts or not Path(cwd).is_absolute()


def test_named_folders_show_as_before() -> None:
    assert _display_below(Path("/w/main/../shared/x"), Path("/w/main")) == "../shared/x"
    assert _display_below(Path("/w/shared/../shared/x"), Path("/w/shared")) == "x"
    assert _display_below(Path("/w/a/b/../../a"), Path("/w/a/b")) == ".."
    assert _display_below(Path("/w/../../a"), Path("/w")) is None  # above the root: relpath's own way


# -- is it a folder, a file, nothing: one stat of the text (aiblint.filekinds) ---------------------


def _kinds_tree(base: Path) -> list[Path]:
    """Every kind of thing a path can name, and paths through each."""
    (base / "dir").mkdir()
    (base / "file").write_text("x")
    (base / "link-dir").symlink_to("dir")
    (base / "link-file").symlink_to("file")
    (base / "dangling").symlink_to("nowhere")
    (base / "loop").symlink_to("loop")
    os.mkfifo(base / "fifo")
    names = ["dir", "file", "link-dir", "link-file", "dangling", "loop", "fifo", "missing", "x" * 300]
    return [base / name for name in names] + [base / name / "child" for name in names] + [Path(f"{base}/a\0b")]


def _pathlib_says(path: Path, ask: str) -> bool | type[OSError]:
    try:
        return bool(getattr(path, ask)())
    except OSError:
        return OSError


def test_a_mode_tells_what_is_dir_and_is_file_tell(tmp_path: Path) -> None:
    import stat

    from aiblint.filekinds import stat_mode

    for path in _kinds_tree(tmp_path.resolve()):
        mode = stat_mode(str(path))
        if mode is None:  # the caller asks pathlib, which raises
            assert _pathlib_says(path, "is_dir") is OSError, path
            continue
        assert stat.S_ISDIR(mode) == _pathlib_says(path, "is_dir"), path
        assert stat.S_ISREG(mode) == _pathlib_says(path, "is_file"), path
    assert stat_mode(str(tmp_path / ("x" * 300))) is None  # too long a name: Path.is_dir raises it


def test_the_nearest_rc_file_is_a_file_as_is_file_says(tmp_path: Path) -> None:
    from aiblint.scripts.analyzers import _is_file_in

    for path in _kinds_tree(tmp_path.resolve()):
        if "\0" in str(path):
            continue
        said = _pathlib_says(path, "is_file")
        if said is OSError:
            with pytest.raises(OSError):
                _is_file_in(path.parent, path.name)
        else:
            assert _is_file_in(path.parent, path.name) == said, path


def _git_top_level_before(folder: Path) -> tuple[Path, Path | None] | None:
    """gitrepo.git_top_level as it was: _git_dir(folder / ".git") through pathlib."""
    marker = folder / ".git"
    git_dir: Path | None = None
    if marker.is_dir():
        git_dir = marker
    elif marker.is_file():
        text = marker.read_text(encoding="utf-8", errors="replace")
        if text.startswith("gitdir:"):
            target = Path(text[len("gitdir:") :].strip())
            target = target if target.is_absolute() else marker.parent / target
            git_dir = target if target.is_dir() else None
    return (folder, git_dir) if git_dir is not None else None


def test_a_git_top_level_is_found_where_it_was(tmp_path: Path) -> None:
    from aiblint.scripts.gitrepo import git_top_level

    base = tmp_path.resolve()
    (base / "real-git").mkdir()
    kinds: dict[str, Callable[[Path], object]] = {
        "folder": lambda marker: marker.mkdir(),
        "pointer": lambda marker: marker.write_text("gitdir: ../real-git\n"),
        "bad-pointer": lambda marker: marker.write_text("gitdir: ../nowhere\n"),
        "other-file": lambda marker: marker.write_text("not a pointer\n"),
        "link-to-folder": lambda marker: marker.symlink_to(base / "real-git"),
        "dangling": lambda marker: marker.symlink_to(base / "nowhere"),
        "fifo": lambda marker: os.mkfifo(marker),
        "none": lambda marker: None,
    }
    found = 0
    for kind, make in kinds.items():
        (base / kind).mkdir()
        make(base / kind / ".git")
        for folder in (base / kind, base / kind / "missing", base / kind / ".git"):
            repository = git_top_level(folder)
            got = (repository.root, repository.git_dir) if repository is not None else None
            assert got == _git_top_level_before(folder), (kind, folder)
            found += got is not None
    assert found == 3  # a folder, a good pointer, a link to a folder


def test_a_template_is_paired_with_the_file_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aiblint.arm.pairing import SHARED_NAME, paired_file

    base = tmp_path.resolve()
    layouts = {
        "own": ["t.json", "t.parameters.json"],
        "shared": ["t.json", SHARED_NAME],
        "shared-two-templates": ["t.json", "u.json", SHARED_NAME],
        "both": ["t.json", "t.parameters.json", SHARED_NAME],
        "none": ["t.json"],
        "own-is-folder": ["t.json", "t.parameters.json/"],
        "upper": ["T.JSON", "T.parameters.json"],
        "jsonc": ["t.jsonc", "t.parameters.json"],
    }
    for name, files in layouts.items():
        for file in files:
            path = base / name / file
            path.parent.mkdir(parents=True, exist_ok=True)
            path.mkdir() if file.endswith("/") else path.write_text("{}")
    (base / "none-link").mkdir()
    (base / "none-link" / "t.json").write_text("{}")
    (base / "none-link" / "t.parameters.json").symlink_to(base / "own" / "t.parameters.json")
    expected = {
        "own": "t.parameters.json", "shared": SHARED_NAME, "shared-two-templates": None, "both": "t.parameters.json",
        "none": None, "own-is-folder": None, "upper": "T.parameters.json", "jsonc": "t.parameters.json",
        "none-link": "t.parameters.json",
    }
    for folder, want in expected.items():
        template = next(path for path in (base / folder).iterdir() if path.name.lower() in ("t.json", "t.jsonc"))
        got = paired_file(template)
        assert got == (template.with_name(want) if want else None), folder
    assert paired_file(base / "own" / "t.parameters.json") is None
    monkeypatch.chdir(base / "own")  # a relative path: from the working folder
    assert paired_file(Path("t.json")) == Path("t.parameters.json")
    assert paired_file(Path("sub/../t.json")) is None  # no "sub": the system does not take ".." lexically


# -- real paths walked up on the paths' text (aiblint.realpaths) ----------------------------------


def test_real_paths_by_text_are_what_realpath_says(tmp_path: Path) -> None:
    """One memo (by text) for a run, asked for paths under the root '//' too, with ``..``
    after links, and for the root itself: each answer is ``os.path.realpath``'s."""
    from aiblint.realpaths import real_path

    base = tmp_path.resolve()
    (base / "a/b").mkdir(parents=True)
    (base / "up").symlink_to(base / "a/b")
    (base / "a/b/t.json").write_text("{}")
    known: dict[str, Path] = {}
    texts = ["/", "//", f"{base}", f"/{base}", f"{base}/up/..", f"/{base}/up/../b/t.json", f"{base}/up/t.json",
             f"{base}/a/b/../../up", f"{base}/missing/..", f"{base}/a/b/t.json/..", "/..", "//.."]
    for _ in range(2):  # the second time from the memo
        for text in texts:
            assert real_path(Path(text), known) == Path(os.path.realpath(text)), text
    assert set(known) >= {str(base), f"{base}/up"}  # kept by their text


# -- the digest that says a file was not changed between its lint and its fix -----------------------


def test_a_file_digest_is_blake2b_and_changes_with_any_byte() -> None:
    import hashlib

    from aiblint.safewrite import digest

    data = b'{"a": 1}\n' * 1000
    assert digest(data) == hashlib.blake2b(data, digest_size=32).hexdigest()
    assert len({digest(data), digest(data[:-1]), digest(data + b" "), digest(data.replace(b"1", b"2", 1))}) == 4


# -- a linted file read through its descriptor (loader.read_file) ----------------------------------


def test_a_file_is_read_as_its_bytes_and_a_folder_fails_as_before(tmp_path: Path) -> None:
    from aiblint.loader import read_file

    data = b'\xef\xbb\xbf{"a": "x\r\ny"}\r\n\x00\xff'
    (tmp_path / "t.json").write_bytes(data)
    assert read_file(tmp_path / "t.json") == data
    (tmp_path / "folder.json").mkdir()
    with pytest.raises(OSError) as raised, open(tmp_path / "folder.json", "rb", buffering=0):
        pass
    with pytest.raises(OSError) as ours:
        read_file(tmp_path / "folder.json")
    assert ours.value.strerror == raised.value.strerror == "Is a directory"  # what "cannot read: ..." says
    with pytest.raises(FileNotFoundError):
        read_file(tmp_path / "missing.json")


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts descriptors in /proc")
def test_reading_a_file_leaves_no_descriptor_open(tmp_path: Path) -> None:
    from aiblint.loader import read_file

    (tmp_path / "t.json").write_text("{}")
    (tmp_path / "folder.json").mkdir()
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(50):
        read_file(tmp_path / "t.json")
        with pytest.raises(OSError):
            read_file(tmp_path / "folder.json")
    assert len(os.listdir("/proc/self/fd")) == before
