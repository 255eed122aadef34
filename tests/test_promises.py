"""The promises a linter running on untrusted pull requests makes, each proven:
scripts are never executed, no network without --fetch, nothing outside the
repository is read, every subprocess has a timeout, secrets are never printed,
output is the same on every run and with any -j, and the error contract
(exit 2 only for usage and internal errors, one line naming the file, the other
files still linted)."""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import redirect_stderr
from pathlib import Path

import pytest

from aiblint.config import Config
from aiblint.findings import Report, Severity
from aiblint.registry import RuleSet
from aiblint.rule import Rule
from aiblint.run import lint_paths
from aiblint.selection import Selection
from tests.conftest import CORPUS, ROOT, main_in_process, need_shared
from tests.fake_tools import put_on_path

IMAGE = {"type": "PlatformImage", "publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"}
DISTRIBUTE = [{"type": "ManagedImage", "imageId": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/images/i",
               "location": "westus", "runOutputName": "i"}]


def template(customize: list[dict[str, object]], source: dict[str, object] | None = None) -> str:
    return json.dumps({
        "type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-02-14", "location": "westus",
        "properties": {"source": source or IMAGE, "customize": customize, "distribute": DISTRIBUTE},
    }, indent=2)


# -- scripts are never executed ----------------------------------------------------------------


def _executing_templates(root: Path, marker: Path) -> None:
    """Templates whose every script, if anything ran it, would create ``marker``."""
    touch = f"touch {marker}"
    (root / "scripts").mkdir(parents=True)
    for name, body in (("setup.sh", f"#!/bin/sh\n{touch}\n"), ("setup.ps1", f"New-Item -Path '{marker}'\n{touch}\n")):
        (root / "scripts" / name).write_text(body)
        (root / "scripts" / name).chmod(0o755)
    (root / "t.json").write_text(template([
        {"type": "Shell", "name": "inline", "inline": ["#!/bin/bash", touch, f"$( {touch} )", f"`{touch}`"]},
        {"type": "Shell", "name": "file", "scriptUri": "scripts/setup.sh"},
        {"type": "PowerShell", "name": "ps", "inline": [f"New-Item -Path '{marker}'", f"& {{ {touch} }}"]},
        {"type": "PowerShell", "name": "psfile", "scriptUri": "scripts/setup.ps1"},
        {"type": "File", "name": "copy", "sourceUri": "scripts/setup.sh", "destination": "/tmp/setup.sh"},
    ]))


def test_no_script_is_ever_run_by_the_library_or_the_cli(tmp_path: Path) -> None:
    marker = tmp_path / "MARKER"
    _executing_templates(tmp_path / "repo", marker)
    report = lint_paths(["repo"], cwd=tmp_path)
    assert report.errors == [] and report.files_checked == 1
    assert {f.path for f in report.findings} >= {"repo/t.json"}
    result = subprocess.run([sys.executable, "-m", "aiblint", "--no-cache", "repo"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    assert not marker.exists()


def test_analyzers_get_the_scripts_as_files_to_read_never_to_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand-in shellcheck and pwsh record how they are called: shellcheck reads
    files (no -x: it follows no 'source'), pwsh runs aiblint's own analyzer driver."""
    from aiblint.scripts import psscriptanalyzer

    marker = tmp_path / "MARKER"
    _executing_templates(tmp_path / "repo", marker)
    calls = tmp_path / "calls.jsonl"
    record = f"import json, sys\nopen({str(calls)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
    put_on_path(monkeypatch, tmp_path / "bin", "shellcheck", f"#!{sys.executable}\n{record}print('{{\"comments\": []}}')\n")
    put_on_path(monkeypatch, tmp_path / "bin", "pwsh", f"#!{sys.executable}\n{record}print('[]')\n")
    report = lint_paths(["repo"], cwd=tmp_path)
    assert report.errors == []
    argv = [json.loads(line) for line in calls.read_text().splitlines()]
    shellcheck = [call for call in argv if call and call[0].startswith("--format=json1")]
    pwsh = [call for call in argv if call and call[0] == "-NoLogo"]
    assert len(shellcheck) >= 1 and len(pwsh) == 1
    for call in shellcheck:
        files = call[call.index("--") + 1 :]
        assert files and all(name.endswith(".sh") and "/" not in name for name in files)
        assert not any(option in ("-x", "--external-sources") for option in call)
    driver = Path(pwsh[0][pwsh[0].index("-File") + 1])
    assert pwsh[0][:4] == ["-NoLogo", "-NoProfile", "-NonInteractive", "-File"] and driver.name == "aiblint-pssa.ps1"
    assert psscriptanalyzer.DRIVER.strip().startswith("param(")
    assert not marker.exists()


# -- no network without --fetch ---------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every attempt to connect or resolve a name is recorded and refused."""
    attempts: list[str] = []

    def refuse(what: str):  # type: ignore[no-untyped-def]
        def refused(*args, **kwargs):  # type: ignore[no-untyped-def]
            attempts.append(f"{what}{args[1:]!r}")
            raise OSError("network use during a test that forbids it")

        return refused

    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    yield attempts


URLS = [
    "https://raw.githubusercontent.com/contoso/images/main/setup.sh",
    "https://github.com/contoso/images/blob/main/setup.sh",
    "http://example.com/setup.sh",
    "https://contoso.blob.core.windows.net/scripts/setup.sh?sv=2022-11-02&sig=abc",
    "https://127.0.0.1:1/x.sh",
]


def _remote_templates(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    customize: list[dict[str, object]] = []
    for index, url in enumerate(URLS):
        customize.append({"type": "Shell", "name": f"s{index}", "scriptUri": url, "sha256Checksum": "0" * 64})
        customize.append({"type": "PowerShell", "name": f"p{index}", "scriptUri": url.replace(".sh", ".ps1")})
        customize.append({"type": "File", "name": f"f{index}", "sourceUri": url, "destination": "/tmp/x"})
    iso = {"type": "ISO", "sourceUri": URLS[3], "sha256Checksum": "0" * 64}
    (folder / "remote.json").write_text(template(customize))
    (folder / "iso.json").write_text(template(customize[:2], source=iso).replace("2022-02-14", "2019-05-01-preview"))


def test_no_network_without_fetch(tmp_path: Path, no_network: list[str]) -> None:
    _remote_templates(tmp_path / "repo")
    report = lint_paths(["repo"], cwd=tmp_path)
    assert report.errors == [] and report.files_checked == 2
    assert "AIB305" in {f.rule for f in report.findings}  # the URLs were seen, and not fetched
    code, _ = main_in_process("--format", "json", "--no-cache", "repo")
    assert code == 1
    assert no_network == []


def test_no_network_over_the_whole_corpus(tmp_path: Path, no_network: list[str]) -> None:
    need_shared()
    report = lint_paths([str(CORPUS)], cwd=tmp_path)
    assert report.errors == [] and report.files_checked > 50
    assert no_network == []


def test_the_network_guard_is_real_fetch_does_try(tmp_path: Path, no_network: list[str]) -> None:
    """The control: with fetch on, the same templates do try to connect (and the
    refusal becomes a note, not a crash), so the guard above can fail."""
    _remote_templates(tmp_path / "repo")
    config = Config()
    config.fetch = True
    report = lint_paths(["repo/remote.json"], cwd=tmp_path, config=config)
    assert report.errors == []
    assert no_network != []


# -- nothing outside the repository is read ------------------------------------------------------

_OPENED: list[str] = []
_AUDITING = threading.Event()


def _audit(event: str, args: tuple[object, ...]) -> None:
    if _AUDITING.is_set() and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        _OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)  # an audit hook cannot be removed: it records only while the event is set


def test_no_file_outside_the_repository_is_opened(tmp_path: Path) -> None:
    """Every way a template can name a file outside the repository, and every
    'open' Python does meanwhile (audit hook): none is outside."""
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = "TOP-SECRET-CONTENT-4711"
    (outside / "secret.sh").write_text(f"#!/bin/sh\necho {secret}\n")
    (outside / "params.json").write_text(json.dumps({"parameters": {"loc": {"value": secret}}}))
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".git" / "config").write_text('[remote "origin"]\n\turl = https://github.com/contoso/images.git\n')
    (repo / "scripts").mkdir()
    (repo / "scripts" / "link.sh").symlink_to(outside / "secret.sh")
    (repo / "linked").symlink_to(outside, target_is_directory=True)
    raw = "https://raw.githubusercontent.com/contoso/images/main"
    uris = ["../outside/secret.sh", "scripts/../../outside/secret.sh", "%2e%2e/outside/secret.sh", "scripts/%2e%2e/%2e%2e/outside/secret.sh",
            str(outside / "secret.sh"), (outside / "secret.sh").as_uri(), "file://localhost" + str(outside / "secret.sh"),
            "scripts/link.sh", "linked/secret.sh", f"{raw}/../outside/secret.sh", f"{raw}/%2e%2e/outside/secret.sh",
            f"{raw}/scripts/link.sh", f"{raw}/linked/secret.sh", "https://contoso.net/s/../../outside/secret.sh",
            "https://contoso.net/s/%2e%2e/%2e%2e/outside/secret.sh"]
    customize = [{"type": "Shell", "name": f"s{index}", "scriptUri": uri, "sha256Checksum": "0" * 64} for index, uri in enumerate(uris)]
    (repo / "t.json").write_text(template(customize))
    deployment = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                  "contentVersion": "1.0.0.0", "parameters": {"loc": {"type": "string", "defaultValue": "westus"}},
                  "resources": [{**json.loads(template(customize[:1])), "name": "i", "location": "[parameters('loc')]"}]}
    (repo / "d.json").write_text(json.dumps(deployment))
    (repo / "d.parameters.json").symlink_to(outside / "params.json")
    (repo / ".aiblint.toml").write_text('[script-roots]\n"https://contoso.net/s/" = "scripts"\n')
    _OPENED.clear()
    _AUDITING.set()
    try:
        report = lint_paths(["repo"], cwd=tmp_path)
        code, out = main_in_process("--format", "json", "--no-cache", "repo")
    finally:
        _AUDITING.clear()
    assert report.errors == [] and report.files_checked == 2
    assert code == 1 and secret not in out
    assert [path for path in _OPENED if Path(path).resolve().is_relative_to(outside.resolve())] == []
    assert any(Path(path).name == "t.json" for path in _OPENED)  # the hook did see the reads


# -- every subprocess has a timeout -----------------------------------------------------------------

_SPAWNERS = {("subprocess", "run"), ("subprocess", "call"), ("subprocess", "check_call"), ("subprocess", "check_output"),
             ("subprocess", "Popen"), ("os", "system"), ("os", "popen"), ("os", "spawnv"), ("os", "execv"),
             ("asyncio", "create_subprocess_exec"), ("asyncio", "create_subprocess_shell")}


def _calls(path: Path) -> Iterator[tuple[str, ast.Call]]:
    """Calls of ``module.function`` (the last two names of a dotted call)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            owner_name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
            yield f"{owner_name}.{node.func.attr}", node


def _long_lived(path: Path, name: str, keywords: set[str | None]) -> bool:
    """The resident server on Windows starts processes that outlive the call (itself, detached;
    its spare workers, ended at its exit with a timeout, then killed): Windows-only calls."""
    return path == ROOT / "aiblint" / "server" / "winserver.py" and name == "subprocess.Popen" and "creationflags" in keywords


def _started_ahead(path: Path, name: str) -> bool:
    """ShellCheck started before a lone file's rules run: waited for with the timeout
    (finish_tool), or ended (end_tool) when it is not used."""
    return path == ROOT / "aiblint" / "scripts" / "analyzers.py" and name == "subprocess.Popen"


def test_every_subprocess_and_download_has_a_timeout() -> None:
    """Statically, over aiblint and the rule pack: programs are started only by
    subprocess.run with a timeout, URLs opened only with a timeout."""
    seen = []
    for folder in ("aiblint", "rules"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for name, call in _calls(path):
                where = f"{path.relative_to(ROOT)}:{call.lineno} {name}"
                module, _, function = name.partition(".")
                keywords = {keyword.arg for keyword in call.keywords}
                if (module, function) in _SPAWNERS and not (_long_lived(path, name, keywords) or _started_ahead(path, name)):
                    assert name == "subprocess.run", f"{where}: start programs with subprocess.run and a timeout"
                    assert "timeout" in keywords, f"{where}: no timeout"
                    seen.append(where)
                if function == "urlopen":
                    assert "timeout" in keywords, f"{where}: no timeout"
                    seen.append(where)
    assert len(seen) >= 2, seen  # the analyzers' runner and --fetch: the scan does find them


#: A stand-in that hangs, its child holding the output pipe open. aiblint ends the stand-in
#: (the process it started) at the timeout; the child's pid goes to ``<stand-in>.pids`` so
#: that the test ends it too (it would otherwise sleep on for 10 minutes after the suite).
_HANGS = '#!/bin/sh\nsleep 600 &\necho $! >> "$0.pids"\nexec sleep 600\n'


SHELL_TEMPLATE = template([{"type": "Shell", "name": "s", "inline": ["echo $1"]},
                           {"type": "PowerShell", "name": "p", "inline": ["Write-Output $x"]}])


@pytest.mark.parametrize(
    ("program", "body"),
    [
        ("shellcheck", _HANGS),  # a child keeps the output pipe open
        ("pwsh", _HANGS),
        ("shellcheck", "#!/bin/sh\nkill -STOP $$\n"),  # stopped, never exits
        ("shellcheck", "#!/bin/sh\nhead -c 300000 /dev/urandom\n"),  # garbage
        ("pwsh", "#!/bin/sh\nhead -c 300000 /dev/urandom; exit 1\n"),
        ("shellcheck", "#!/bin/sh\nkill -KILL $$\n"),  # killed
        ("pwsh", "#!/bin/sh\nkill -SEGV $$\n"),  # crashed
    ],
    ids=["shellcheck-hangs", "pwsh-hangs", "shellcheck-stopped", "shellcheck-garbage", "pwsh-garbage", "shellcheck-killed", "pwsh-crashes"],
)
def test_a_hanging_or_broken_analyzer_becomes_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, program: str, body: str) -> None:
    from aiblint.scripts import psscriptanalyzer, shellcheck

    put_on_path(monkeypatch, tmp_path / "bin", program, body)
    monkeypatch.setattr(shellcheck, "TIMEOUT_SECONDS", 2.0)
    monkeypatch.setattr(psscriptanalyzer, "TIMEOUT_SECONDS", 2.0)
    (tmp_path / "t.json").write_text(SHELL_TEMPLATE)
    done: list[Report] = []
    worker = threading.Thread(target=lambda: done.append(lint_paths(["t.json"], cwd=tmp_path)), daemon=True)
    worker.start()
    try:
        worker.join(300)  # a liveness bound, far above the 2 s timeout: only a hang reaches it
    finally:
        _end_children(tmp_path / "bin")
    assert done, f"the lint did not return: a hanging {program} hangs aiblint"
    report = done[0]
    assert report.errors == []
    name = {"shellcheck": "ShellCheck", "pwsh": "PSScriptAnalyzer"}[program]
    assert any(note.startswith(name) and "not checked by it" in note for note in report.notes)


def _end_children(folder: Path) -> None:
    """End the children a stand-in left (see :data:`_HANGS`)."""
    for listing in folder.glob("*.pids"):
        for pid in listing.read_text().split():
            with contextlib.suppress(OSError):
                os.kill(int(pid), signal.SIGKILL)


# -- secrets are never printed in full ----------------------------------------------------------------


def test_no_secret_in_any_output_or_stream_even_suppressed_or_unparsable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Beyond tests/test_secrets_rules.py: every registered format with colour and
    code frames, suppressed findings shown, the standard error stream, the
    result cache on disk."""
    from tests.test_secrets_rules import POWERSHELL, SCRIPT, SECRETS, TEMPLATE

    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.json").write_text(TEMPLATE)
    (tmp_path / "setup.sh").write_text(SCRIPT)
    (tmp_path / "ps.json").write_text(POWERSHELL)
    suppressed = json.loads(TEMPLATE)
    suppressed["metadata"] = {"aiblint": {"ignore": {"AIB400": "test", "AIB402": "test"}}}
    (tmp_path / "s.json").write_text(json.dumps(suppressed, indent=2))
    monkeypatch.setenv("AIBLINT_CACHE_DIR", str(tmp_path / "cache"))
    from importlib.metadata import entry_points

    for fmt in sorted({entry.name for entry in entry_points(group="aiblint.formatters")}):
        for extra in ([], ["--color", "always", "--show-suppressed"], ["-j", "2"]):
            stderr = io.StringIO()
            with redirect_stderr(stderr):
                code, out = main_in_process("--format", fmt, *extra, "t.json", "ps.json", "s.json")
            assert code == 1, (fmt, extra)
            for secret in SECRETS:
                assert secret not in out and secret not in stderr.getvalue(), (fmt, extra)
    cached = b"".join(path.read_bytes() for path in (tmp_path / "cache").rglob("*") if path.is_file())
    assert cached, "the cache was used"
    for secret in SECRETS:
        assert secret.encode() not in cached


# -- the same output on every run and with any -j ---------------------------------------------------


def _outputs(*args: str) -> dict[str, str]:
    from importlib.metadata import entry_points

    outputs = {}
    for fmt in sorted({entry.name for entry in entry_points(group="aiblint.formatters")}):
        code, out = main_in_process("--format", fmt, "--no-cache", *args)
        assert code in (0, 1), out
        outputs[fmt] = out
    return outputs


def test_output_is_identical_across_runs_and_job_counts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    need_shared()
    from aiblint.cli import build_parser

    if not any("--jobs" in action.option_strings for action in build_parser()._actions):
        pytest.skip("-j/--jobs does not exist yet")
    monkeypatch.chdir(CORPUS.parent)
    first = _outputs("corpus")
    assert first["json"].count('"rule"') > 100
    assert _outputs("corpus") == first
    assert _outputs("-j", "2", "corpus") == first
    assert _outputs("-j", "3", "corpus") == first


# -- the error contract ---------------------------------------------------------------------------


class CrashingRule(Rule):
    """A plugin with a bug: it raises on the file named bad.json."""

    id = "ZZZ900"
    name = "crashes-on-bad"
    severity = Severity.WARNING
    summary = "A test rule that raises on one file"
    description = "Raises on bad.json."

    def check_template(self, template):  # type: ignore[no-untyped-def, override]
        if template.document.path.endswith("bad.json"):
            raise RuntimeError("plugin bug\nwith a second line")
        return iter(())


def _three_files(folder: Path) -> None:
    duplicate = template([{"type": "Shell", "name": "x", "inline": ["true"]}, {"type": "Shell", "name": "x", "inline": ["true"]}])
    for name in ("a.json", "bad.json", "c.json"):
        (folder / name).write_text(duplicate)


def test_an_internal_error_names_the_file_and_the_others_are_still_linted(tmp_path: Path) -> None:
    _three_files(tmp_path)
    rules = RuleSet.load(Selection.of(["AIB201"], []))
    rules.rules.append(CrashingRule({}))
    report = lint_paths(["a.json", "bad.json", "c.json"], cwd=tmp_path, rules=rules)
    assert [(error.path, error.message) for error in report.errors] == [("bad.json", "internal error: RuntimeError: plugin bug\nwith a second line")]
    assert sorted({(f.path, f.rule) for f in report.findings}) == [("a.json", "AIB201"), ("c.json", "AIB201")]
    assert report.exit_code(Severity.NOTE) == 2


def test_the_cli_prints_one_line_for_an_internal_error_and_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _three_files(tmp_path)
    real_load = RuleSet.load

    def load_with_a_crashing_plugin(selection, *args, **kwargs):  # type: ignore[no-untyped-def]
        rules = real_load(selection, *args, **kwargs)
        rules.rules.append(CrashingRule({}))
        return rules

    monkeypatch.setattr(RuleSet, "load", staticmethod(load_with_a_crashing_plugin))
    stderr = io.StringIO()
    with redirect_stderr(stderr):
        code, out = main_in_process("--select", "AIB201", "--no-cache", "a.json", "bad.json", "c.json")
    assert code == 2
    assert [line.split(":")[0] for line in out.splitlines()[:-1]] == ["a.json", "c.json"]
    assert stderr.getvalue() == "aiblint: bad.json: internal error: RuntimeError: plugin bug\\nwith a second line\n"


@pytest.mark.parametrize(
    ("args", "files", "code"),
    [
        (["--select", "AIB201", "clean.json"], {"clean.json": template([])}, 0),
        (["broken.json"], {"broken.json": "{"}, 1),  # a file that is not JSON is a finding (AIB001), not an error
        (["empty.json"], {"empty.json": ""}, 1),
        (["--select", "AIB003", "--fail-on", "error", "warn.json"], {"warn.json": template([]).replace("westus", "<region>")}, 0),
        (["--format", "nope", "clean.json"], {"clean.json": template([])}, 2),  # usage errors
        (["--select", "AIB9999999", "clean.json"], {"clean.json": template([])}, 2),
        (["--no-such-flag"], {}, 2),
        (["missing.json"], {}, 2),
        (["clean.json"], {"clean.json": template([]), ".aiblint.toml": "unknown-key = 1\n"}, 2),
    ],
)
def test_exit_codes(tmp_path: Path, args: list[str], files: dict[str, str], code: int) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    stderr = io.StringIO()
    with redirect_stderr(stderr):
        got, _ = main_in_process(*args)
    assert got == code
    lines = stderr.getvalue().splitlines()
    if code == 2:  # one line: no usage block
        assert len(lines) == 1 and lines[0].startswith("aiblint: "), lines
        assert "Traceback" not in stderr.getvalue()


