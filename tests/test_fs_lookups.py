"""File-system lookups made per template or script (issue 21): the repository a
folder belongs to, and the memos that spare repeated lookups. Each memo must
give the answer the lookup would give, for every run and folder it is asked
about."""

from __future__ import annotations

import random
from pathlib import Path

from aiblint.config import Config
from aiblint.run import lint_paths
from aiblint.scripts.resolve import repository_for
from aiblint.scripts.settings import ScriptSettings
from tests.test_sandbox import shell

# -- repository_for: the innermost named folder -----------------------------------------------


def _settings(cwd: Path, *named: Path, root: Path | None = None) -> ScriptSettings:
    config = Config()
    config.named = named
    config.root = root
    return ScriptSettings.from_config(config, cwd)


def _tree(tmp_path: Path, *folders: str) -> Path:
    for folder in folders:
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    return tmp_path.resolve()


def test_the_innermost_named_folder_holding_a_template_is_its_root(tmp_path: Path) -> None:
    base = _tree(tmp_path, "a/b/c/d", "a/x", "ab/c")
    for order in ((base / "a", base / "a/b/c"), (base / "a/b/c", base / "a")):  # the order named does not matter
        settings = _settings(base, *order)
        assert repository_for(base / "a/b/c/d", settings).root == base / "a/b/c"
        assert repository_for(base / "a/b/c", settings).root == base / "a/b/c"  # a named folder holds itself
        assert repository_for(base / "a/b", settings).root == base / "a"
        assert repository_for(base / "a/x", settings).root == base / "a"
        # "ab" starts with the text "a" but is not inside it; nothing named holds it: the folder itself
        assert repository_for(base / "ab/c", settings).root == base / "ab/c"


def test_a_folder_no_named_path_holds_is_its_own_root_never_an_ancestor(tmp_path: Path) -> None:
    base = _tree(tmp_path, "named", "other/deep")
    settings = _settings(base / "named", base / "named")
    assert repository_for(base / "other/deep", settings).root == base / "other/deep"
    assert repository_for(base / "named", settings).root == base / "named"


def test_relative_and_absolute_names_give_the_same_root(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    base = _tree(tmp_path, "repo/images/linux")
    monkeypatch.chdir(base)
    relative = _settings(base, Path("repo"))
    absolute = _settings(base, base / "repo")
    for settings in (relative, absolute):
        assert repository_for(base / "repo/images/linux", settings).root == base / "repo"
        assert repository_for(Path("repo/images"), settings).root == base / "repo"


def test_a_named_folder_reached_through_a_symlink_holds_its_templates(tmp_path: Path) -> None:
    base = _tree(tmp_path, "real/repo/images")
    (base / "link").symlink_to(base / "real")
    settings = _settings(base, base / "link/repo")
    assert repository_for(base / "link/repo/images", settings).root == base / "real/repo"
    assert repository_for(base / "real/repo/images", settings).root == base / "real/repo"


def test_two_repositories_and_a_named_folder_in_one_run(tmp_path: Path) -> None:
    base = _tree(tmp_path, "one/.git", "one/images", "two/.git", "two/sub/images", "plain/images")
    settings = _settings(base, base / "one/images", base / "two/sub", base / "plain")
    assert repository_for(base / "one/images", settings).root == base / "one"  # git wins over the named folder
    assert repository_for(base / "two/sub/images", settings).root == base / "two"
    assert repository_for(base / "plain/images", settings).root == base / "plain"
    assert repository_for(base / "one/images", settings).git_dir == base / "one/.git"
    assert repository_for(base / "plain/images", settings).git_dir is None


def test_root_overrides_every_named_folder(tmp_path: Path) -> None:
    base = _tree(tmp_path, "repo/.git", "repo/a/b", "elsewhere")
    settings = _settings(base, base / "repo/a", root=base / "repo/a/b")
    assert repository_for(base / "repo/a", settings).root == base / "repo/a/b"
    assert repository_for(base / "elsewhere", settings).root == base / "repo/a/b"


def test_the_named_set_follows_the_settings_named_now(tmp_path: Path) -> None:
    base = _tree(tmp_path, "a/b/c")
    settings = _settings(base, base / "a")
    assert repository_for(base / "a/b/c", settings).root == base / "a"
    fresh = _settings(base, base / "a/b")  # another run: another memo and other named folders
    assert repository_for(base / "a/b/c", fresh).root == base / "a/b"
    settings.named = (base / "a/b",)
    # Only the memo of named folders kept (the repositories found are forgotten, as in a new run):
    settings.memo = {key: value for key, value in settings.memo.items() if isinstance(key, tuple) and key[0] == "named-folders"}
    assert repository_for(base / "a/b/c", settings).root == base / "a/b"  # not the set made for ("a",)


def test_innermost_named_matches_a_scan_of_every_named_path(tmp_path: Path) -> None:
    """The ancestor walk gives what the scan it replaced gave (the longest named path
    the folder is relative to), over random trees and random named folders."""
    base = tmp_path.resolve()
    names = ["a", "b", "a b", "ab"]
    chooser = random.Random(21)
    for _ in range(200):
        folders = {base.joinpath(*chooser.choices(names, k=chooser.randint(1, 4))) for _ in range(6)}
        named = tuple(chooser.choice([*folders, *(f.parent for f in folders)]) for _ in range(chooser.randint(0, 5)))
        settings = ScriptSettings(cwd=base, named=named)
        for folder in sorted(folders):
            holding = [path for path in named if folder.is_relative_to(path)]
            expected = max(holding, key=lambda path: len(path.parts)) if holding else folder
            assert repository_for(folder, settings).root == expected, (folder, named)


def test_a_named_file_and_its_folder_make_the_file_folder_the_root(tmp_path: Path) -> None:
    """Naming ``outer`` and ``outer/inner/t.json``: the template's root is ``inner``
    (the innermost named folder), so ``../s.sh`` is outside it and never read."""
    (tmp_path / "outer" / "inner").mkdir(parents=True)
    (tmp_path / "outer" / "s.sh").write_text("#!/bin/sh\necho $1\n")
    (tmp_path / "outer" / "inner" / "t.json").write_text(shell("../s.sh"))

    def aib305(*paths: str) -> list[bool]:
        report = lint_paths(list(paths), cwd=tmp_path)
        return ["outside" in f.message for f in report.findings if f.rule == "AIB305"]

    assert aib305("outer/inner/t.json", "outer") == [True]
    assert aib305("outer", "outer/inner/t.json") == [True]
    assert aib305(str(tmp_path / "outer"), "outer/inner/t.json") == [True]
    assert aib305("outer") == []  # only the outer folder named: the script is inside the root
