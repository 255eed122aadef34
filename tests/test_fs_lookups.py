"""File-system lookups made per template or script (issue 21): the repository a
folder belongs to, and the memos that spare repeated lookups. Each memo must
give the answer the lookup would give, for every run and folder it is asked
about."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from aiblint.config import Config
from aiblint.run import lint_paths
from aiblint.scripts.resolve import repository_for
from aiblint.scripts.settings import ScriptSettings
from tests.test_resident import aiblint, assert_same, runtime, serve
from tests.test_sandbox import shell

__all__ = ["runtime", "serve"]  # fixtures

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
    settings.memo = {key: value for key, value in settings.memo.items() if key == "named-folders"}
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


# -- the git top level walk, memoized per folder for the run ----------------------------------


def test_nested_repositories_in_one_run_in_either_order(tmp_path: Path) -> None:
    """The walk's memo holds, for each folder it passed, the first ``.git`` at or above
    it: a folder of the outer repository must not get the inner one, nor the reverse."""
    base = _tree(tmp_path, "outer/.git", "outer/inner/.git", "outer/inner/deep/er", "outer/side/deep")
    folders = [base / "outer/inner/deep/er", base / "outer/side/deep", base / "outer/inner", base / "outer"]
    expected = {folders[0]: base / "outer/inner", folders[1]: base / "outer", folders[2]: base / "outer/inner",
                folders[3]: base / "outer"}
    for order in (folders, folders[::-1], [folders[1], folders[0], folders[3], folders[2]]):
        settings = _settings(base, base)
        assert {folder: repository_for(folder, settings).root for folder in order} == expected


def test_named_folders_without_git_sharing_ancestors_keep_their_own_roots(tmp_path: Path) -> None:
    """No ``.git`` above: the memo says so for the shared ancestors, and each folder's
    root is still its own innermost named folder (the fallback is not memoized with them)."""
    base = _tree(tmp_path, "a/x/t", "a/y/t", "repo/.git", "repo/z")
    settings = _settings(base, base / "a/x", base / "a/y", base / "repo/z")
    assert repository_for(base / "a/x/t", settings).root == base / "a/x"
    assert repository_for(base / "a/y/t", settings).root == base / "a/y"
    assert repository_for(base / "repo/z", settings).root == base / "repo"
    assert repository_for(base / "a", settings).root == base / "a"  # named by no one: itself


def test_a_git_folder_made_between_runs_is_found_by_the_next_run(tmp_path: Path) -> None:
    base = _tree(tmp_path, "repo/images")
    first = _settings(base, base / "repo/images")
    assert repository_for(base / "repo/images", first).git_dir is None
    (base / "repo/.git").mkdir()
    second = _settings(base, base / "repo/images")  # a new run (a resident server's next request)
    assert repository_for(base / "repo/images", second).root == base / "repo"


# -- resolved folders, memoized per run ---------------------------------------------------------


def test_a_resolved_folder_is_memoized_per_run_and_working_directory(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    base = _tree(tmp_path, "one/images", "two/images", "target-a", "target-b")
    settings = _settings(base, base)
    monkeypatch.chdir(base / "one")
    assert settings.resolved(Path("images")) == base / "one/images"
    monkeypatch.chdir(base / "two")  # the same relative name elsewhere is another folder
    assert settings.resolved(Path("images")) == base / "two/images"
    (base / "link").symlink_to(base / "target-a")
    assert settings.resolved(base / "link") == base / "target-a"
    (base / "link").unlink()
    (base / "link").symlink_to(base / "target-b")
    assert _settings(base, base).resolved(base / "link") == base / "target-b"  # a new run sees the new link


def test_named_folders_are_resolved_once_and_shared_with_the_templates(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    base = _tree(tmp_path, "real/images")
    (base / "link").symlink_to(base / "real")
    named = base / "link/images"
    settings = _settings(base, named, named, base / "link/images")  # three files of one folder
    assert settings.named == (base / "real/images",)
    calls: list[Path] = []
    original = Path.resolve

    def counting(self: Path, strict: bool = False) -> Path:
        calls.append(self)
        return original(self, strict)

    monkeypatch.setattr(Path, "resolve", counting)
    assert repository_for(named, settings).root == base / "real/images"
    assert calls == []  # the run resolved the named folder already


# -- the nearest .shellcheckrc, per folder -------------------------------------------------------


INLINE_SC2086 = shell("x").replace('"scriptUri": "x"', '"inline": ["cp $1 /opt"]')


def test_each_template_folder_gets_its_own_nearest_shellcheckrc(tmp_path: Path) -> None:
    """One run, one ShellCheck batch, two folders: only one has a ``.shellcheckrc``
    turning SC2086 off, and its templates only are spared."""
    assert '"inline": ["cp $1 /opt"]' in INLINE_SC2086
    (tmp_path / ".git").mkdir()
    for folder in ("quiet", "quiet/deeper", "loud"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "t.json").write_text(INLINE_SC2086)
    (tmp_path / "quiet" / ".shellcheckrc").write_text("disable=SC2086\n")
    for order in (["quiet", "loud"], ["loud", "quiet/deeper/t.json", "quiet"]):
        report = lint_paths(order, cwd=tmp_path)
        assert sorted(f.path for f in report.findings if f.rule == "SC2086") == ["loud/t.json"], order


# -- a resident server's requests: no file-system memo outlives its request ------------------------


def test_a_resident_server_sees_files_made_between_requests(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Each request is a new run with its own memo: a script, then a ``.shellcheckrc``,
    made between requests are found by the next one, as a run without a server finds them."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.json").write_text(shell("../scripts/setup.sh"))
    server = serve(tmp_path)

    def rules() -> list[str]:
        through = aiblint("--server", "--no-cache", "--format", "json", "templates", cwd=tmp_path)
        assert_same(through, aiblint("--no-cache", "--format", "json", "templates", cwd=tmp_path))
        return sorted(f["rule"] for f in json.loads(through.stdout)["findings"] if f["rule"] in ("AIB307", "SC2086"))

    assert rules() == ["AIB307"]  # the script is missing from the repository
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "setup.sh").write_text("#!/bin/sh\ncp $1 /opt\n")
    assert rules() == ["SC2086"]
    (tmp_path / ".shellcheckrc").write_text("disable=SC2086\n")
    assert rules() == []
    assert server.served() == 3


# -- real paths from the real folder and one lstat (aiblint.realpaths) ------------------------------


def _linked_tree(base: Path) -> list[Path]:
    """Folders, files and links of every kind, and paths through them (with ``..``)."""
    for folder in ("a/b/c", "a/x", "d/e"):
        (base / folder).mkdir(parents=True, exist_ok=True)
    (base / "a/b/c/t.json").write_text("{}")
    (base / "a/up").symlink_to("..")  # a link up: "a/up/.." is not "a"
    (base / "a/b/to-d").symlink_to(base / "d")  # absolute, to a folder
    (base / "a/b/rel").symlink_to("../x")  # relative, to a folder
    (base / "a/b/c/file-link.json").symlink_to("t.json")
    (base / "a/dangling").symlink_to("nowhere/at/all")
    (base / "a/loop1").symlink_to("loop2")
    (base / "a/loop2").symlink_to("loop1")
    (base / "d/e/back").symlink_to("../../a/b")
    names = ["a", "b", "c", "x", "up", "to-d", "rel", "t.json", "file-link.json", "dangling", "loop1", "d", "e",
             "back", "..", "missing"]
    chooser = random.Random(7)
    return [base.joinpath(*chooser.choices(names, k=chooser.randint(0, 6))) for _ in range(400)]


def test_real_paths_are_what_realpath_says_whatever_the_order(tmp_path: Path) -> None:
    from aiblint.realpaths import real_path

    base = tmp_path.resolve()
    paths = _linked_tree(base)
    for seed in range(3):  # one memo per run, filled in a different order each time
        known: dict[str, Path] = {}
        random.Random(seed).shuffle(paths)
        for path in paths:
            assert real_path(path, known) == Path(os.path.realpath(path)), path
    relative = Path("a/up/../b")
    assert real_path(relative, {}) == Path(os.path.realpath(relative))


def test_a_link_changed_between_runs_is_followed_anew(tmp_path: Path) -> None:
    from aiblint.realpaths import real_path

    base = _tree(tmp_path, "one/sub", "two/sub")
    (base / "link").symlink_to(base / "one")
    known: dict[str, Path] = {}
    assert real_path(base / "link/sub", known) == base / "one/sub"
    (base / "link").unlink()
    (base / "link").symlink_to(base / "two")
    assert real_path(base / "link/sub", {}) == base / "two/sub"  # a new run, a new memo


def test_named_files_given_twice_through_a_link_are_linted_once(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "t.json").write_text(shell("x"))
    (tmp_path / "alias").symlink_to(tmp_path / "repo")
    report = lint_paths(["repo/t.json", "alias/t.json", "alias/../repo/t.json"], cwd=tmp_path)
    assert (report.files_checked, report.templates_checked) == (1, 1)
