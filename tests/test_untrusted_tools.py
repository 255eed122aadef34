"""The external analyzers on an untrusted repository (issue 20): ShellCheck gets
its rc file explicitly (the repository's, without ``external-sources``, or
``--norc``), runs in a private folder under a memory cap; the rc files of the
user's home, of ``$TMPDIR``'s parents or above the repository are never read."""

from __future__ import annotations

import http.server
import json
import os
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiblint.run import lint_paths
from aiblint.scripts import shellcheck
from tests.conftest import main_in_process
from tests.fake_tools import put_on_path
from tests.test_promises import template
from tests.test_sandbox import opened_under, run

INLINE = template([{"type": "Shell", "name": "s", "inline": ["cp $1 /opt"]}])


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with one template, under a home, a temporary folder and a
    parent folder that each hold a ``.shellcheckrc`` turning SC2086 off."""
    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True)
    for rc in (home / ".shellcheckrc", home / ".config" / "shellcheckrc", tmp_path / ".shellcheckrc", tmp_path / "tmp" / ".shellcheckrc"):
        rc.parent.mkdir(parents=True, exist_ok=True)
        rc.write_text("disable=SC2086\n")
    (tmp_path / "tmp" / "deep").mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp" / "deep"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp" / "deep"))
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "t.json").write_text(INLINE)
    monkeypatch.chdir(repo)
    return repo


def sc_rules(report: object) -> list[str]:
    return [f.rule for f in getattr(report, "findings", []) if f.rule.startswith("SC")]


def test_rc_files_outside_the_repository_are_never_used(repo: Path) -> None:
    assert sc_rules(lint_paths(["t.json"], cwd=repo)) == ["SC2086"]
    _code, out, _err, opened = run("--format", "json", "t.json")  # with the result cache, which hashes rc files
    assert [f["rule"] for f in json.loads(out)["findings"] if f["rule"].startswith("SC")] == ["SC2086"]
    assert opened_under(opened, repo.parent / "home") == [] and str(repo.parent / ".shellcheckrc") not in opened
    (repo / ".shellcheckrc").write_text("disable=SC2086\n")  # the repository's own is used, and the cache knows it
    _code, out, _err, opened = run("--format", "json", "t.json")
    assert [f["rule"] for f in json.loads(out)["findings"] if f["rule"].startswith("SC")] == []


def test_the_repositorys_rc_cannot_turn_on_external_sources(repo: Path) -> None:
    outside = repo.parent / "outside.sh"
    outside.write_text("if then\n")  # a parse error ShellCheck reports only if it reads the file
    (repo / ".shellcheckrc").write_text("external-sources=true\nsource-path=/\ndisable=SC2148 EXTERNAL-SOURCES = true\nenable=all\n")
    (repo / "t.json").write_text(template([{"type": "Shell", "name": "s", "inline": [f". {outside}", 'cp "$1" /opt']}]))
    report = lint_paths(["t.json"], cwd=repo)
    assert sc_rules(report) == ["SC1091"]  # "Not following: ... was not specified as input": not read


def test_safe_rc_drops_every_directive_that_reads_files() -> None:
    text = "# team settings\ndisable=SC2086\nexternal-sources=true\n  Source-Path = /etc\nsource=/dev/zero\nenable=all\n"
    assert shellcheck.safe_rc(text) == "# team settings\ndisable=SC2086\nenable=all\n"


def test_shellcheck_gets_its_rc_explicitly_a_private_folder_and_a_memory_cap(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = repo.parent / "calls.log"
    put_on_path(monkeypatch, repo.parent / "bin", "shellcheck", (
        "#!/bin/sh\n"
        f'{{ echo "ARGS $*"; echo "PWD $(pwd)"; echo "ULIMIT $(ulimit -v)"\n'
        '  for a in "$@"; do case "$a" in --rcfile=*) echo "RC $(cat "${a#--rcfile=}" | tr "\\n" " ")";; esac; done\n'
        f"}} >> {log}\n"
        "echo '{\"comments\": []}'\n"
    ))
    lint_paths(["t.json"], cwd=repo)
    first = log.read_text().splitlines()
    assert "--norc" in first[0].split() and not any(line.startswith("RC") for line in first)
    folder = Path(first[1].removeprefix("PWD "))
    assert folder.name.startswith("aiblint-sc-") and not folder.exists()  # private, and removed afterwards
    assert first[2] == f"ULIMIT {shellcheck.MEMORY_LIMIT_BYTES // 1024}"
    log.unlink()
    (repo / ".shellcheckrc").write_text("external-sources=true\ndisable=SC2086\n")
    lint_paths(["t.json"], cwd=repo)
    calls = log.read_text().splitlines()
    assert "--norc" not in calls[0] and "-x" not in calls[0].split() and "--external-sources" not in calls[0]
    assert calls[3] == "RC disable=SC2086 "


def test_shellcheck_runs_in_a_folder_only_the_user_can_open(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    modes: list[int] = []
    real = tempfile.TemporaryDirectory

    def recording(*args: str, **kwargs: str) -> tempfile.TemporaryDirectory[str]:
        made = real(*args, **kwargs)
        modes.append(stat.S_IMODE(os.stat(made.name).st_mode))
        return made

    monkeypatch.setattr(tempfile, "TemporaryDirectory", recording)
    assert sc_rules(lint_paths(["t.json"], cwd=repo)) == ["SC2086"]
    assert modes and set(modes) == {0o700}


# -- PSScriptAnalyzer settings are read as data ------------------------------------------------------

PS_INLINE = template([{"type": "PowerShell", "name": "p", "inline": ["Write-Host 'hi'"]}])
EVIL_SETTINGS = """# the repository's settings
@{
    Severity = @('Error', 'Warning')
    IncludeRules = 'PSAvoidUsingWriteHost', 'PSUseApprovedVerbs'
    ExcludeRules = @(
        'PSAvoidGlobalVars'   # not for us
    )
    CustomRulePath = @('./evil/EvilRules.psm1')
    RecurseCustomRulePath = $true
    Rules = @{ PSUseCompatibleSyntax = @{ Enable = $true; TargetVersions = @('7.0', "5.1") }; 'It''s ‘‘odd’’' = @{ N = 3 } }
}
"""


@pytest.fixture
def pwsh_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from tests.test_psscriptanalyzer import STAND_IN, _install

    log = tmp_path / "pwsh.log"
    _install(monkeypatch, tmp_path / "bin", STAND_IN)
    monkeypatch.setenv("PWSH_LOG", str(log))
    return log


def test_the_custom_rule_path_never_reaches_pwsh(repo: Path, pwsh_log: Path) -> None:
    (repo / "PSScriptAnalyzerSettings.psd1").write_text(EVIL_SETTINGS)
    (repo / "t.json").write_text(PS_INLINE)
    report = lint_paths(["t.json"], cwd=repo)
    [call] = [json.loads(line) for line in pwsh_log.read_text().splitlines()]
    [job] = call["jobs"]
    assert not Path(job["settings"]).resolve().is_relative_to(repo.resolve())  # aiblint's own file, never the repository's
    assert call["settings_text"] == [
        "@{'Severity' = @('Error', 'Warning'); 'IncludeRules' = @('PSAvoidUsingWriteHost', 'PSUseApprovedVerbs'); "
        "'ExcludeRules' = @('PSAvoidGlobalVars'); 'Rules' = @{'PSUseCompatibleSyntax' = @{'Enable' = $true; "
        "'TargetVersions' = @('7.0', '5.1')}; 'It''s ‘‘odd’’' = @{'N' = 3}}}\n"
    ]
    assert "evil" not in pwsh_log.read_text().casefold() and "CustomRulePath" not in pwsh_log.read_text()
    assert [f.rule for f in report.findings if f.rule.startswith("PS")] == ["PSAvoidUsingWriteHost"]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("@{ IncludeRules = @(Get-ChildItem ./evil) }", "line 1: not plain data"),
        ('@{ IncludeRules = "$(Invoke-Evil)" }', "line 1: a double-quoted string with '$' or '`' is not plain data"),
        ("@{\n  Rules = @{}\n} ; Remove-Item -Recurse /", "line 3: more after the settings hashtable"),
    ],
)
def test_settings_that_are_not_data_are_not_used(repo: Path, pwsh_log: Path, text: str, why: str) -> None:
    (repo / "PSScriptAnalyzerSettings.psd1").write_text(text)
    (repo / "t.json").write_text(PS_INLINE)
    report = lint_paths(["t.json"], cwd=repo)
    [call] = [json.loads(line) for line in pwsh_log.read_text().splitlines()]
    assert [job["settings"] for job in call["jobs"]] == [None]
    [note] = [note for note in report.notes if "PSScriptAnalyzerSettings.psd1" in note]
    assert note.startswith(f"PSScriptAnalyzer settings PSScriptAnalyzerSettings.psd1 were not used ({why}")
    assert note.endswith("PowerShell scripts there were checked with the default rules")


def test_settings_above_the_repository_are_not_read(repo: Path, pwsh_log: Path) -> None:
    (repo.parent / "PSScriptAnalyzerSettings.psd1").write_text(EVIL_SETTINGS)
    (repo / "t.json").write_text(PS_INLINE)
    lint_paths(["t.json"], cwd=repo)
    [call] = [json.loads(line) for line in pwsh_log.read_text().splitlines()]
    assert [job["settings"] for job in call["jobs"]] == [None]


def test_psd1_strings_are_escaped_for_powershell() -> None:
    from aiblint.scripts.psd1 import read_settings, to_psd1

    tricky = "a'b\u2019c\u2018d\u201ae\u201bf\"$(x)`n"
    literal = to_psd1({"Rules": {tricky: [tricky, 1, 2.5, True, None]}})
    assert literal == (
        "@{'Rules' = @{'a''b\u2019\u2019c\u2018\u2018d\u201a\u201ae\u201b\u201bf\"$(x)`n' = "
        "@('a''b\u2019\u2019c\u2018\u2018d\u201a\u201ae\u201b\u201bf\"$(x)`n', 1, 2.5, $true, $null)}}"
    )
    assert read_settings(literal) == {"Rules": {tricky: [tricky, 1, 2.5, True, None]}}  # it reads back the same


# -- --fetch has deadlines ---------------------------------------------------------------------------


class _Trickle(http.server.BaseHTTPRequestHandler):
    """Sends a 100-byte body one byte at a time, every 0.2 s (20 s in all)."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "100")
        self.end_headers()
        try:
            for _ in range(100):
                self.wfile.write(b"#")
                self.wfile.flush()
                time.sleep(0.2)  # the server's pace, not the test's
        except OSError:
            pass  # the client gave up: what the test wants

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def trickle() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def test_a_trickling_server_cannot_stall_a_download(tmp_path: Path, trickle: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from aiblint.scripts import fetch

    monkeypatch.setattr(fetch, "TIMEOUT_SECONDS", 1.0)
    started = time.monotonic()
    result = fetch.fetch(f"{trickle}/slow.sh", tmp_path / "fetch")
    assert (result.path, result.error) == (None, "download did not finish within 1 s")
    assert time.monotonic() - started < 3  # one deadline, not one per byte (20 s)


def test_the_run_has_one_deadline_for_all_downloads(tmp_path: Path, trickle: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from aiblint.scripts import fetch

    monkeypatch.setattr(fetch, "TIMEOUT_SECONDS", 5.0)
    monkeypatch.setattr(fetch, "RUN_SECONDS", 1.0)  # read by aiblint.scripts.resolve when it fetches
    monkeypatch.setenv("AIBLINT_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "t.json").write_text(template([
        {"type": "Shell", "name": f"s{index}", "scriptUri": f"{trickle}/s{index}.sh"} for index in range(3)
    ]))
    started = time.monotonic()
    _code, out = main_in_process("--fetch", "--format", "json", "--select", "AIB305", "t.json")
    assert time.monotonic() - started < 4
    reasons = [f["message"].split(" was not checked: ")[1] for f in json.loads(out)["findings"]]
    assert reasons[0] == "--fetch could not get it: download did not finish within 1 s"  # the run's time, not 5 s
    assert reasons[1:] == ["--fetch could not get it: not downloaded: the time this run may spend downloading is used up"] * 2


def test_downloads_go_to_the_fetch_folder_never_as_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aiblint.scripts import fetch

    monkeypatch.setenv("AIBLINT_CACHE_DIR", str(tmp_path / "cache"))
    assert fetch.cache_folder() == tmp_path / "cache" / "fetch"
    assert fetch._cache_name("https://x.contoso.com/t.json").isalnum()
    assert fetch._cache_name("https://x.contoso.com/t.JSONC?sig=1").isalnum()
    assert fetch._cache_name("https://x.contoso.com/setup.sh").endswith(".sh")


def test_only_scripts_are_downloaded_unless_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_script_resolve import _Handler, _Server

    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.files, httpd.hits = {"/a.sh": b"true\n", "/b.tar": b"data"}, []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("AIBLINT_CACHE_DIR", str(tmp_path / "cache"))
        base = f"http://127.0.0.1:{httpd.server_port}"
        (tmp_path / "t.json").write_text(template([
            {"type": "Shell", "name": "s", "scriptUri": f"{base}/a.sh", "sha256Checksum": "0" * 64},
            {"type": "File", "name": "f", "sourceUri": f"{base}/b.tar", "destination": "/tmp/b.tar", "sha256Checksum": "0" * 64},
        ]))
        main_in_process("--fetch", "t.json")
        assert httpd.hits == ["/a.sh"]
        main_in_process("--fetch-files", "--no-cache", "t.json")
        assert sorted(httpd.hits) == ["/a.sh", "/b.tar"]
    finally:
        httpd.shutdown()
        httpd.server_close()
