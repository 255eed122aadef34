"""scriptUri -> a local file: relative paths, the repository's own GitHub URLs, script-roots,
--fetch; never outside the folder a URI maps into; AIB212, AIB305, AIB307 on the results."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiblint.run import lint_paths
from aiblint.scripts.resolve import FETCHED, LOCAL, MISSING, UNKNOWN, UNRESOLVED, resolve_uri
from aiblint.scripts.settings import ScriptRoot, ScriptSettings
from tests.conftest import main_in_process

REMOTE = '[core]\n\tbare = false\n[remote "origin"]\n\turl = {url}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n'


def _settings(cwd: Path, *roots: ScriptRoot, fetch: bool = False) -> ScriptSettings:
    return ScriptSettings(cwd=cwd, roots=roots, fetch=fetch, cache_dir=cwd / "cache")


def _repo(root: Path, url: str = "https://github.com/Contoso/Images.git") -> Path:
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "config").write_text(REMOTE.format(url=url))
    return root


def _status(uri: str, template: str, settings: ScriptSettings) -> tuple[str, str | None]:
    resolution = resolve_uri(uri, template, settings)
    path = resolution.path.relative_to(settings.cwd.resolve()).as_posix() if resolution.path and resolution.path.is_relative_to(settings.cwd.resolve()) else None
    return resolution.status, path


# -- relative paths, file: URLs, and what is never read ----------------------------------


def test_relative_and_file_uris_resolve_against_the_template(tmp_path: Path, write) -> None:  # type: ignore[no-untyped-def]
    write("images/scripts/a b.sh", "true\n")
    settings = _settings(tmp_path)
    assert _status("scripts/a b.sh", "images/t.json", settings) == (LOCAL, "images/scripts/a b.sh")
    assert _status("./scripts/../scripts/a b.sh", "images/t.json", settings) == (LOCAL, "images/scripts/a b.sh")
    assert _status("file:scripts/a%20b.sh", "images/t.json", settings) == (LOCAL, "images/scripts/a b.sh")
    assert _status("scripts/missing.sh", "images/t.json", settings) == (MISSING, "images/scripts/missing.sh")


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("../../outside.sh", "points outside"),
        ("scripts/../../../outside.sh", "points outside"),
        ("/etc/passwd", "an absolute path is never read"),
        ("file:///etc/passwd", "an absolute path is never read"),
        ("C:\\scripts\\x.ps1", "an absolute path is never read"),
        ("scripts/", "names no file"),
        ("scripts", "names a folder"),
    ],
)
def test_nothing_outside_the_repository_is_read(tmp_path: Path, write, uri: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    write("outside.sh", "true\n")
    write("repo/images/scripts/x.sh", "true\n")
    _repo(tmp_path / "repo")
    resolution = resolve_uri(uri, "repo/images/t.json", _settings(tmp_path))
    assert resolution.status == UNRESOLVED
    assert reason in resolution.reason


def test_a_symlink_pointing_out_of_the_repository_is_not_followed(tmp_path: Path, write) -> None:  # type: ignore[no-untyped-def]
    secret = write("home/secret.sh", "echo secret\n")
    _repo(tmp_path / "repo")
    write("repo/scripts/inside.sh", "true\n")
    (tmp_path / "repo" / "scripts" / "link.sh").symlink_to(secret)
    (tmp_path / "repo" / "scripts" / "ok.sh").symlink_to(tmp_path / "repo" / "scripts" / "inside.sh")
    (tmp_path / "repo" / "scripts" / "loop.sh").symlink_to(tmp_path / "repo" / "scripts" / "loop.sh")
    settings = _settings(tmp_path)
    link = resolve_uri("scripts/link.sh", "repo/t.json", settings)
    assert link.status == UNRESOLVED and "points outside" in link.reason
    assert _status("scripts/ok.sh", "repo/t.json", settings) == (LOCAL, "repo/scripts/inside.sh")
    assert resolve_uri("scripts/loop.sh", "repo/t.json", settings).status == UNRESOLVED


def test_a_symlinked_script_outside_is_never_checked(tmp_path: Path, write) -> None:  # type: ignore[no-untyped-def]
    secret = write("home/secret.sh", "cp $1 /opt\n")
    _repo(tmp_path / "repo")
    (tmp_path / "repo" / "link.sh").symlink_to(secret)
    write("repo/t.json", _template("link.sh"))
    report = lint_paths(["repo/t.json"])
    assert [f.rule for f in report.findings if f.rule.startswith("SC")] == []
    assert [f.rule for f in report.findings if f.rule == "AIB305"] == ["AIB305"]


def test_standard_input_has_no_folder_to_resolve_against(tmp_path: Path) -> None:
    resolution = resolve_uri("scripts/x.sh", "<stdin>", _settings(tmp_path))
    assert resolution.status == UNRESOLVED and "standard input" in resolution.reason


@pytest.mark.parametrize("uri", ["[parameters('scriptUri')]", "https://<storage>.blob.core.windows.net/s/x.sh", "https://example.com/x.sh", "<scriptUrl>", ""])
def test_unknown_uris_are_not_judged(tmp_path: Path, uri: str) -> None:
    assert resolve_uri(uri, "t.json", _settings(tmp_path)).status == UNKNOWN


# -- the repository's own GitHub URLs -------------------------------------------------------


@pytest.mark.parametrize(
    "remote",
    ["https://github.com/Contoso/Images.git", "git@github.com:contoso/images.git", "ssh://git@github.com/contoso/images", "https://github.com/contoso/images/"],
)
@pytest.mark.parametrize(
    "uri",
    [
        "https://raw.githubusercontent.com/contoso/images/main/scripts/setup.sh",
        "https://github.com/contoso/images/blob/main/scripts/setup.sh",
        "https://github.com/contoso/images/raw/main/scripts/setup.sh",
        "https://raw.githubusercontent.com/Contoso/Images/refs/heads/main/scripts/setup.sh",
    ],
)
def test_github_urls_of_this_repository_map_to_the_working_tree(tmp_path: Path, write, remote: str, uri: str) -> None:  # type: ignore[no-untyped-def]
    _repo(tmp_path / "repo", remote)
    write("repo/scripts/setup.sh", "true\n")
    settings = _settings(tmp_path)
    assert _status(uri, "repo/templates/t.json", settings) == (LOCAL, "repo/scripts/setup.sh")
    assert _status(uri.replace("setup.sh", "gone.sh"), "repo/templates/t.json", settings) == (MISSING, "repo/scripts/gone.sh")


def test_other_repositories_are_not_mapped_and_the_note_says_how(tmp_path: Path) -> None:
    _repo(tmp_path / "repo")
    resolution = resolve_uri("https://raw.githubusercontent.com/fabrikam/tools/v2/setup.sh", "repo/t.json", _settings(tmp_path))
    assert resolution.status == UNRESOLVED
    assert resolution.reason == (
        'map it to a local folder with script-roots ("https://raw.githubusercontent.com/fabrikam/tools/v2/" = '
        '"<a checkout of fabrikam/tools>") or download it with --fetch'
    )


def test_a_worktree_git_file_is_followed(tmp_path: Path, write) -> None:  # type: ignore[no-untyped-def]
    _repo(tmp_path / "main")
    (tmp_path / "main" / ".git" / "worktrees" / "wt").mkdir(parents=True)
    (tmp_path / "main" / ".git" / "worktrees" / "wt" / "commondir").write_text("../..\n")
    (tmp_path / "wt").mkdir()
    (tmp_path / "wt" / ".git").write_text(f"gitdir: {tmp_path / 'main' / '.git' / 'worktrees' / 'wt'}\n")
    write("wt/scripts/setup.sh", "true\n")
    uri = "https://raw.githubusercontent.com/contoso/images/main/scripts/setup.sh"
    assert _status(uri, "wt/t.json", _settings(tmp_path)) == (LOCAL, "wt/scripts/setup.sh")


def test_a_url_pinned_to_a_commit_or_tag_is_not_called_missing(tmp_path: Path) -> None:
    _repo(tmp_path / "repo")
    (tmp_path / "repo" / ".git" / "packed-refs").write_text("# pack-refs with: peeled\n1234567890123456789012345678901234567890 refs/tags/v1.0\n")
    settings = _settings(tmp_path)
    for ref in ("0123abc", "v1.0"):
        resolution = resolve_uri(f"https://raw.githubusercontent.com/contoso/images/{ref}/gone.sh", "repo/t.json", settings)
        assert resolution.status == UNRESOLVED
        assert resolution.reason == f"it is not in the working tree, and the URL is pinned to {ref}, where it may be"


# -- script-roots ---------------------------------------------------------------------------


def test_script_roots_map_url_prefixes_to_folders(tmp_path: Path, write) -> None:  # type: ignore[no-untyped-def]
    write("vendor/tools/linux/setup.sh", "true\n")
    root = ScriptRoot("https://raw.githubusercontent.com/fabrikam/tools/main/", tmp_path / "vendor" / "tools")
    storage = ScriptRoot("https://contoso.blob.core.windows.net/build/", tmp_path / "vendor" / "tools")
    settings = _settings(tmp_path, root, storage)
    assert _status("https://raw.githubusercontent.com/fabrikam/tools/main/linux/setup.sh", "t.json", settings) == (LOCAL, "vendor/tools/linux/setup.sh")
    assert _status("https://github.com/fabrikam/tools/blob/main/linux/setup.sh", "t.json", settings) == (LOCAL, "vendor/tools/linux/setup.sh")
    assert _status("https://contoso.blob.core.windows.net/build/linux/setup.sh?sv=2020", "t.json", settings) == (LOCAL, "vendor/tools/linux/setup.sh")
    assert _status("https://contoso.blob.core.windows.net/build/linux/gone.sh", "t.json", settings) == (MISSING, "vendor/tools/linux/gone.sh")
    outside = resolve_uri("https://contoso.blob.core.windows.net/build/../../../etc/passwd", "t.json", settings)
    assert outside.status == UNRESOLVED and "points outside" in outside.reason


def test_a_partial_root_never_says_missing(tmp_path: Path) -> None:
    (tmp_path / "copy").mkdir()
    settings = _settings(tmp_path, ScriptRoot("https://contoso.net/", tmp_path / "copy", partial=True))
    resolution = resolve_uri("https://contoso.net/x.sh", "t.json", settings)
    assert resolution.status == UNRESOLVED
    assert resolution.reason == f"through script-roots 'https://contoso.net/', it maps to {tmp_path / 'copy' / 'x.sh'}, which is not in that partial copy"


def test_script_roots_from_the_configuration_file_are_relative_to_it(tmp_path: Path, write) -> None:  # type: ignore[no-untyped-def]
    write(".git/config", "")  # the repository holds both folders
    write("project/.aiblint.toml", '[script-roots]\n"https://contoso.net/s/" = "../shared"\n"https://contoso.net/p/" = { path = "partial", partial = true }\n')
    write("shared/setup.sh", "cp $1 /opt\n")
    write("project/t.json", _template("https://contoso.net/s/setup.sh"))
    report = lint_paths(["t.json"], cwd=tmp_path / "project")
    assert [(f.path, f.rule) for f in report.findings if f.rule.startswith("SC")] == [("../shared/setup.sh", "SC2086")]


def test_bad_script_roots_configuration_is_a_usage_error(write) -> None:  # type: ignore[no-untyped-def]
    write(".aiblint.toml", '[script-roots]\n"https://contoso.net/" = 3\n')
    write("t.json", _template("x.sh"))
    code, _ = main_in_process("t.json")
    assert code == 2


# -- --fetch --------------------------------------------------------------------------------


class _Server(http.server.ThreadingHTTPServer):
    files: dict[str, bytes]
    hits: list[str]


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        server = self.server
        assert isinstance(server, _Server)
        server.hits.append(self.path)
        body = server.files.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.end_headers()
        self.wfile.write(body or b"not found")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[_Server]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.files, httpd.hits = {}, []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _template(uri: str, checksum: str | None = None) -> str:
    step: dict[str, object] = {"type": "Shell", "name": "a", "scriptUri": uri}
    if checksum is not None:
        step["sha256Checksum"] = checksum
    return json.dumps({"type": "Microsoft.VirtualMachineImages/imageTemplates", "properties": {"customize": [step]}}, indent=2)


def test_fetch_is_off_by_default_and_downloads_once_when_asked(tmp_path: Path, write, server: _Server, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AIBLINT_CACHE_DIR", str(tmp_path / "cache"))
    server.files["/s/setup.sh"] = b"#!/bin/bash\ncp $1 /opt\n"
    url = f"http://127.0.0.1:{server.server_port}/s/setup.sh"
    write("t.json", _template(url))
    report = lint_paths(["t.json"])
    assert server.hits == []
    assert [f.rule for f in report.findings if f.rule in ("AIB305", "SC2086")] == ["AIB305"]
    for _ in range(2):
        _code, out = main_in_process("--format", "json", "--fetch", "--select", "SC,AIB305", "t.json")
        findings = json.loads(out)["findings"]
        assert [(f["rule"], f["line"], f["column"]) for f in findings] == [("SC2086", 2, 4)]
        assert findings[0]["path"].endswith(".sh") and "cache" in findings[0]["path"]
    assert server.hits == ["/s/setup.sh"]  # the second run read the cache


@pytest.mark.parametrize(
    ("path", "body", "reason"),
    [
        ("/missing.sh", None, "--fetch could not get it: download failed: HTTP 404"),
        ("/big.sh", b"#" * (3 * 1024 * 1024), "--fetch could not get it: download is larger than 2 MB"),
    ],
)
def test_fetch_failures_are_notes(tmp_path: Path, write, server: _Server, monkeypatch: pytest.MonkeyPatch, path: str, body: bytes | None, reason: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AIBLINT_CACHE_DIR", str(tmp_path / "cache"))
    if body is not None:
        server.files[path] = body
    url = f"http://127.0.0.1:{server.server_port}{path}"
    resolution = resolve_uri(url, "t.json", _settings(tmp_path, fetch=True), script=True)
    assert (resolution.status, resolution.reason) == (UNRESOLVED, reason)


def test_fetch_of_an_unreachable_host_is_a_note(tmp_path: Path, server: _Server) -> None:
    port = server.server_port
    server.shutdown()
    server.server_close()
    resolution = resolve_uri(f"http://127.0.0.1:{port}/x.sh", "t.json", _settings(tmp_path, fetch=True), script=True)
    assert resolution.status == UNRESOLVED and resolution.reason.startswith("--fetch could not get it: download failed:")


def test_fetched_file_checksum_is_compared(tmp_path: Path, write, server: _Server, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AIBLINT_CACHE_DIR", str(tmp_path / "cache"))
    server.files["/x.sh"] = b"true\n"
    url = f"http://127.0.0.1:{server.server_port}/x.sh"
    write("t.json", _template(url, "0" * 64))
    _code, out = main_in_process("--format", "json", "--fetch", "--select", "AIB212", "t.json")
    expected = hashlib.sha256(b"true\n").hexdigest()
    assert [f["message"] for f in json.loads(out)["findings"]] == [
        f"sha256Checksum does not match the download of {url}, whose SHA-256 is {expected}: "
        "the build fails when the downloaded file differs; update the checksum"
    ]
    assert resolve_uri(url, "t.json", _settings(tmp_path, fetch=True), script=True).status == FETCHED


# -- AIB212, AIB305, AIB307 through the engine ------------------------------------------------


def _where(text: str, needle: str) -> list[tuple[tuple[int, int], str]]:
    """(line, column) of each line holding ``needle``, found by hand in the text."""
    return [((number, line.index(needle) + 1), line) for number, line in enumerate(text.splitlines(), 1) if needle in line]


def _findings(*args: str) -> list[tuple[str, int, int, str]]:
    _, out = main_in_process("--format", "json", *args)
    return [(f["rule"], f["line"], f["column"], f["message"]) for f in json.loads(out)["findings"]]


def test_aib307_for_this_repositorys_missing_file_and_aib305_for_others(write) -> None:  # type: ignore[no-untyped-def]
    _repo(Path.cwd())
    template = json.dumps({
        "type": "Microsoft.VirtualMachineImages/imageTemplates",
        "properties": {"customize": [
            {"type": "Shell", "name": "a", "scriptUri": "https://raw.githubusercontent.com/contoso/images/main/scripts/gone.sh"},
            {"type": "File", "name": "b", "sourceUri": "https://raw.githubusercontent.com/contoso/images/main/files/gone.txt", "destination": "/tmp/x"},
            {"type": "PowerShell", "name": "c", "scriptUri": "https://raw.githubusercontent.com/fabrikam/tools/main/x.ps1"},
        ]},
    }, indent=2)
    write("templates/t.json", template)
    (script, _), (source, _), (other, _) = _where(template, '"https')
    assert _findings("--select", "AIB305,AIB307", "templates/t.json") == [
        ("AIB307", *script, "scriptUri names scripts/gone.sh (through the git remote contoso/images), which does not exist: the build fails when it downloads this file"),
        ("AIB307", *source, "sourceUri names files/gone.txt (through the git remote contoso/images), which does not exist: the build fails when it downloads this file"),
        ("AIB305", *other, 'script https://raw.githubusercontent.com/fabrikam/tools/main/x.ps1 was not checked: map it to a local folder with script-roots ("https://raw.githubusercontent.com/fabrikam/tools/main/" = "<a checkout of fabrikam/tools>") or download it with --fetch'),
    ]


def test_aib212_compares_the_checksum_of_the_local_file(write) -> None:  # type: ignore[no-untyped-def]
    write("setup.sh", "echo hi\n")
    right = hashlib.sha256(b"echo hi\n").hexdigest()
    write("t.json", _template("setup.sh", right))
    assert _findings("--select", "AIB212", "t.json") == []
    write("setup.sh", "echo hi\r\n")  # a core.autocrlf checkout of the same file
    assert _findings("--select", "AIB212", "t.json") == []
    write("setup.sh", "echo changed\n")
    changed = hashlib.sha256(b"echo changed\n").hexdigest()
    [(where, _)] = _where(_template("setup.sh", right), f'"{right}"')
    assert _findings("--select", "AIB212", "t.json") == [
        ("AIB212", *where, f"sha256Checksum does not match setup.sh, whose SHA-256 is {changed}: the build fails when the downloaded file differs; update the checksum"),
    ]


def test_the_run_note_counts_scripts(write) -> None:  # type: ignore[no-untyped-def]
    write("ok.sh", "true\n")
    template = json.dumps({
        "type": "Microsoft.VirtualMachineImages/imageTemplates",
        "properties": {"customize": [
            {"type": "Shell", "name": "a", "scriptUri": "ok.sh"},
            {"type": "Shell", "name": "b", "scriptUri": "gone.sh"},
            {"type": "Shell", "name": "c", "scriptUri": "https://contoso.net/x.sh"},
            {"type": "Shell", "name": "d", "scriptUri": "[parameters('x')]"},
            {"type": "Shell", "name": "e", "inline": ["true"]},
        ]},
    })
    write("t.json", template)
    assert lint_paths(["t.json"]).notes == [
        "scripts: 1 inline script and 1 script file checked; of 4 referenced scripts, 1 resolved to a local file, "
        "1 not resolved (AIB305), 1 missing from the repository (AIB307), 1 given by an expression or placeholder; "
        "map URLs to folders with script-roots, or use --fetch"
    ]


@pytest.mark.parametrize("checksum", ["", "string", "<sha256 checksum>", "[parameters('sha')]"])
def test_aib212_does_not_judge_empty_schema_word_or_unknown_checksums(write, checksum: str) -> None:  # type: ignore[no-untyped-def]
    write("setup.sh", "echo hi\n")
    write("t.json", _template("setup.sh", checksum))
    assert _findings("--select", "AIB212", "t.json") == []
