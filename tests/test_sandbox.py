"""An untrusted repository cannot reach outside itself (issue 20): the root
files are read in is the git top level or the folder the user named (never the
working directory or another ancestor), ``--root`` sets it, and the
repository's ``.aiblint.toml`` cannot widen it, turn on the network, or be
overridden by a file above the repository."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import threading
from contextlib import redirect_stderr
from pathlib import Path

import pytest

from aiblint.run import lint_paths
from tests.conftest import main_in_process
from tests.test_promises import template

KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ-PLANTED-KEY-4711\n-----END OPENSSH PRIVATE KEY-----\n"

_OPENED: list[str] = []
_AUDITING = threading.Event()


def _audit(event: str, args: tuple[object, ...]) -> None:
    if _AUDITING.is_set() and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        _OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)  # cannot be removed: it records only while the event is set


def run(*args: str) -> tuple[int, str, str, list[str]]:
    """The CLI in this process: exit code, stdout, stderr and every file opened."""
    stderr = io.StringIO()
    _OPENED.clear()
    _AUDITING.set()
    try:
        with redirect_stderr(stderr):
            code, out = main_in_process(*args)
    finally:
        _AUDITING.clear()
    return code, out, stderr.getvalue(), list(_OPENED)


def opened_under(opened: list[str], folder: Path) -> list[str]:
    return [path for path in opened if Path(path).resolve().is_relative_to(folder.resolve())]


def shell(uri: str) -> str:
    return template([{"type": "Shell", "name": "s", "scriptUri": uri, "sha256Checksum": "0" * 64}])


# -- the root ----------------------------------------------------------------------------------


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake $HOME (the working directory, no git) with a private key and a
    downloaded repository whose template runs ``../../.ssh/id_ed25519``."""
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_text(KEY)
    (home / ".bashrc").write_text("export TOKEN=PLANTED-BASHRC-4711\n")
    repo = home / "Downloads" / "repo"
    (repo / "scripts").mkdir(parents=True)
    (repo / "t.json").write_text(shell("../../.ssh/id_ed25519"))
    (repo / "scripts" / "setup.sh").write_text("#!/bin/sh\necho $1\n")
    (home / "evil.json").write_text(shell("Downloads/repo/scripts/setup.sh"))  # a template above the named folder
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(home)
    return home


@pytest.mark.parametrize("named", ["Downloads/repo", "Downloads/repo/t.json"])
def test_a_repository_without_git_is_the_named_folder_not_the_working_directory(home: Path, named: str) -> None:
    for extra in ([], ["--color", "always"], ["--format", "sarif"], ["--format", "json"]):
        code, out, err, opened = run("--no-cache", *extra, named)
        assert code in (0, 1), err
        assert opened_under(opened, home / ".ssh") == [], opened
        for leaked in ("PLANTED", "OPENSSH", hashlib.sha256(KEY.encode()).hexdigest()):  # its text, its checksum
            assert leaked not in out + err, (extra, leaked)
    findings = json.loads(run("--no-cache", "--format", "json", named)[1])["findings"]
    assert [(f["rule"], "outside" in f["message"]) for f in findings if f["rule"] == "AIB305"] == [("AIB305", True)]


def test_a_named_script_is_looked_for_only_under_the_named_folder(home: Path) -> None:
    code, _out, err, opened = run("--no-cache", "Downloads/repo/scripts/setup.sh")
    assert code == 0 and "run by no template" in err
    assert opened_under(opened, home / "evil.json") == [] and opened_under(opened, home / ".ssh") == []


def test_root_sets_the_repository_explicitly(home: Path) -> None:
    (home / "Downloads" / "repo" / "sub").mkdir()
    (home / "Downloads" / "repo" / "sub" / "t.json").write_text(shell("../scripts/setup.sh"))
    named = "Downloads/repo/sub/t.json"
    findings = json.loads(run("--no-cache", "--format", "json", named)[1])["findings"]
    assert "SC2086" not in {f["rule"] for f in findings}  # root: sub/, the script is outside it
    code, out, err, opened = run("--no-cache", "--format", "json", "--root", "Downloads/repo", named)
    assert [(f["rule"], f["path"]) for f in json.loads(out)["findings"] if f["rule"] == "SC2086"] == [
        ("SC2086", "Downloads/repo/scripts/setup.sh")
    ]
    assert opened_under(opened, home / ".ssh") == []
    code, out, err, opened = run("--root", "Downloads/none", named)
    assert code == 2 and err == "aiblint: error: --root Downloads/none: not a folder\n"


def test_a_git_repository_is_its_top_level(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "scripts").mkdir()
    (tmp_path / "repo" / "scripts" / "setup.sh").write_text("#!/bin/sh\necho $1\n")
    (tmp_path / "repo" / "sub").mkdir()
    (tmp_path / "repo" / "sub" / "t.json").write_text(shell("../scripts/setup.sh"))
    report = lint_paths(["repo/sub/t.json"], cwd=tmp_path)
    assert [(f.rule, f.path) for f in report.findings if f.rule == "SC2086"] == [("SC2086", "repo/scripts/setup.sh")]


# -- the repository's configuration --------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository (the working directory) beside a folder with a secret."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / ".env").write_text('{"parameters": {"x": {"value": "PLANTED-ENV-4711"}}}')
    (tmp_path / "outside" / "setup.sh").write_text("echo PLANTED-SCRIPT-4711 $1\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "t.json").write_text(shell("https://contoso.net/s/setup.sh"))
    monkeypatch.chdir(repo)
    return repo


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[script-roots]\n"https://contoso.net/s/" = "/"\n', "'script-roots.\"https://contoso.net/s/\"' = \"/\""),
        ('[script-roots]\n"https://contoso.net/s/" = "~"\n', "'script-roots.\"https://contoso.net/s/\"' = \"~\""),
        ('[script-roots]\n"https://contoso.net/s/" = {path = "../outside", partial = true}\n',
         "'script-roots.\"https://contoso.net/s/\"' = \"../outside\""),
        ('[script-roots]\n"https://contoso.net/s/" = "link"\n', "'script-roots.\"https://contoso.net/s/\"' = \"link\""),
        ('parameters = ["../outside/.env"]\n', "'parameters' = \"../outside/.env\""),
        ('baseline = "../outside/.env"\n', "'baseline' = \"../outside/.env\""),
    ],
    ids=["slash", "home", "partial-parent", "symlink", "parameters", "baseline"],
)
def test_paths_in_the_configuration_stay_in_the_repository(repo: Path, toml: str, key: str) -> None:
    (repo / "link").symlink_to(repo.parent / "outside", target_is_directory=True)
    (repo / ".aiblint.toml").write_text(toml)
    code, out, err, opened = run("--no-cache", "--format", "sarif", "t.json")
    config = repo / ".aiblint.toml"
    assert code == 2 and out == ""
    assert err == (
        f"aiblint: error: {config}: {key} is outside the repository root {repo}: a configuration file may only "
        "name paths inside the repository (pass other files on the command line)\n"
    )
    assert opened_under(opened, repo.parent / "outside") == []


def test_paths_inside_the_repository_are_accepted(repo: Path) -> None:
    (repo / "scripts").mkdir()
    (repo / "scripts" / "setup.sh").write_text("echo $1\n")
    (repo / ".aiblint.toml").write_text('[script-roots]\n"https://contoso.net/s/" = "scripts"\n')
    _code, out, _err, _ = run("--no-cache", "--format", "json", "t.json")
    assert [f["rule"] for f in json.loads(out)["findings"] if f["rule"].startswith("SC")] == ["SC2086"]


def test_the_command_line_may_name_files_outside(repo: Path) -> None:
    code, _out, err, _ = run("--no-cache", "--format", "json", "-p", "../outside/.env", "t.json")
    assert code in (0, 1) and "outside the repository" not in err


def test_a_repository_cannot_turn_on_the_network(repo: Path) -> None:
    (repo / ".aiblint.toml").write_text("fetch = true\n")
    code, out, err, _ = run("--no-cache", "t.json")
    assert (code, out) == (2, "")
    assert err == (
        f"aiblint: error: {repo / '.aiblint.toml'}: 'fetch' can only be set on the command line (--fetch): "
        "a repository's configuration may not turn on the network\n"
    )
    (repo / ".aiblint.toml").write_text('[tool.aiblint]\nfetch = false\n')
    assert run("--no-cache", "t.json")[0] == 2


def test_configuration_above_the_repository_is_not_read(repo: Path) -> None:
    (repo.parent / ".aiblint.toml").write_text('ignore = ["AIB", "SC", "PS"]\n')
    (repo / "t.json").write_text(shell("http://contoso.net/s/setup.sh"))
    code, out, _err, opened = run("--no-cache", "--format", "json", "t.json")
    assert code == 1 and {"AIB305", "AIB505"} & {f["rule"] for f in json.loads(out)["findings"]}
    assert str(repo.parent / ".aiblint.toml") not in opened
    code, out = main_in_process("config")
    assert "# configuration file: none found (defaults)" in out


def test_configuration_is_not_looked_for_above_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".aiblint.toml").write_text('ignore = ["AIB"]\n')
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "t.json").write_text(shell("http://contoso.net/s/setup.sh"))
    monkeypatch.chdir(tmp_path / "repo")
    assert run("--no-cache", "t.json")[0] == 0  # no git, no --root: the user's own folders are searched
    assert run("--no-cache", "--root", ".", "t.json")[0] == 1


# -- naming a script reads templates as a folder walk does -----------------------------------------


def test_naming_a_script_reads_json_files_with_the_size_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aiblint import loader

    (tmp_path / ".git").mkdir()
    (tmp_path / "setup.sh").write_text("#!/bin/sh\necho $1\n")
    (tmp_path / "t.json").write_text(shell("setup.sh"))
    # The template's sha256Checksum ("0" * 64) does not match the named script: AIB212 is kept too.
    assert [f.rule for f in lint_paths(["setup.sh"], cwd=tmp_path).findings] == ["SC2086", "AIB212"]
    (tmp_path / "t.json").write_text(shell("setup.sh") + " " * 4000)
    reads: list[int] = []
    real = loader.read_file
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", 4000)
    monkeypatch.setattr(loader, "read_file", lambda path: reads.append(len(data := real(path))) or data)
    report = lint_paths(["setup.sh"], cwd=tmp_path)
    # the oversized template is not read, so the script is checked on its own (and still has SC2086)
    assert [f.rule for f in report.findings] == ["SC2086"] and any("run by no template" in note for note in report.notes)
    assert reads == [4001]  # at most one byte over the cap


def test_the_result_cache_does_not_read_a_paired_parameters_file_linked_out(repo: Path) -> None:
    """Found by the hostile repository fuzz target: the cache hashed the linked file."""
    deployment = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                  "contentVersion": "1.0.0.0", "parameters": {"x": {"type": "string", "defaultValue": "westus"}},
                  "resources": [{**json.loads(shell("setup.sh")), "name": "i", "location": "[parameters('x')]"}]}
    (repo / "t.json").write_text(json.dumps(deployment))
    (repo / "t.parameters.json").symlink_to(repo.parent / "outside" / ".env")
    for _ in range(2):  # a cold run stores the entry, a warm one checks it
        code, out, err, opened = run("--format", "json", "t.json")
        assert code in (0, 1), err
        assert opened_under(opened, repo.parent / "outside") == [] and "PLANTED" not in out + err
