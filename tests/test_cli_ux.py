"""The command line as ruff, flake8 and ShellCheck users expect it (issue 19):
usage errors in one line with a suggestion, never a silent pass, quiet and
summary modes, a rule explained."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from aiblint.cli import main
from aiblint.constants import TEMPLATE_SUFFIXES
from tests.test_cli import CLEAN, DUPLICATE_NAMES


def run(*args: str, tty: bool = False) -> tuple[int, str]:
    """main() in this process; stdout captured (a terminal when ``tty``)."""

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return tty

    out = Terminal()
    code = main(list(args), stdout=out)
    return code, out.getvalue()


def stderr_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().err.splitlines()


# --- usage errors: one line, a suggestion, no usage block --------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--selct", "AIB2", "."], "aiblint: error: unknown option --selct (did you mean --select?)"),
        (["--selct=AIB2", "."], "aiblint: error: unknown option --selct (did you mean --select?)"),
        (["--zzzzzz", "."], "aiblint: error: unknown option --zzzzzz"),
        (["--format", "sarf", "."],
         "aiblint: error: --format: unknown format 'sarf' (did you mean sarif?); built in: text, json, sarif, github, azure-devops"),
        (["--fail-on", "eror", "."],
         "aiblint: error: --fail-on: unknown severity 'eror' (did you mean error?); use one of error, warning, note, none"),
        (["--select"], "aiblint: error: --select: expected one argument"),
        (["rules", "--fromat", "json"], "aiblint: error: unknown option --fromat (did you mean --format?)"),
        (["config", "--ignre", "AIB2"], "aiblint: error: unknown option --ignre (did you mean --ignore?)"),
    ],
)
def test_usage_errors_are_one_line_with_a_suggestion(capsys, args, message) -> None:  # type: ignore[no-untyped-def]
    assert run(*args) == (2, "")
    assert stderr_lines(capsys) == [message]


def test_config_format_and_script_roots_keys_suggest(write, capsys) -> None:  # type: ignore[no-untyped-def]
    config = write(".aiblint.toml", 'format = "jsn"\n')
    write("t.json", CLEAN)
    assert run("t.json") == (2, "")
    assert stderr_lines(capsys) == [
        f"aiblint: error: {config}: 'format': unknown format 'jsn' (did you mean json?); "
        "built in: text, json, sarif, github, azure-devops"
    ]
    write(".aiblint.toml", '[script-roots]\n"https://x.example/" = { pth = "scripts" }\n')
    assert run("t.json") == (2, "")
    assert stderr_lines(capsys) == [
        f"aiblint: error: {config}: 'script-roots.https://x.example/': unknown key 'pth' (did you mean path?); "
        "a folder table has 'path' and optional 'partial'"
    ]


def test_help_lists_every_built_in_format(capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as exit_:
        run("--help")
    assert exit_.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "output format: text, json, sarif, github, azure-devops, or a plugin's (default: text)" in text
    assert "--fail-on {error,warning,note,none}" in text and "--exit-zero" in text


# --- --fail-on none / --exit-zero -----------------------------------------------------------


@pytest.mark.parametrize("args", [["--fail-on", "none"], ["--exit-zero"]])
def test_exit_zero_reports_findings_and_passes(write, args) -> None:  # type: ignore[no-untyped-def]
    write("t.json", DUPLICATE_NAMES)
    code, out = run(*args, "--format", "json", "t.json")
    assert code == 0
    assert [finding["rule"] for finding in json.loads(out)["findings"]] == ["AIB003", "AIB201"]


def test_fail_on_none_in_the_config_file(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(".aiblint.toml", 'fail-on = "none"\n')
    write("t.json", DUPLICATE_NAMES)
    assert run("t.json")[0] == 0
    assert run("--fail-on", "error", "t.json")[0] == 1  # the command line wins
    assert 'fail-on = "none"  # ' + str(tmp_path / ".aiblint.toml") in run("config")[1]


def test_exit_zero_still_fails_on_a_file_that_cannot_be_read(write, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run("--exit-zero", "nope.json")[0] == 2
    assert stderr_lines(capsys) == ["aiblint: nope.json: cannot read: No such file or directory"]


# --- never a silent pass ------------------------------------------------------------------

def looked_at(count: int) -> str:
    return f"{count} {'/'.join(TEMPLATE_SUFFIXES)} file{'' if count == 1 else 's'} looked at"


def test_a_folder_without_templates_says_so(write, capsys) -> None:  # type: ignore[no-untyped-def]
    (Path.cwd() / "empty").mkdir()
    assert run("empty") == (0, "")
    assert stderr_lines(capsys) == [f"aiblint: warning: no image template found under empty ({looked_at(0)})"]
    write("other/package.json", '{"name": "x"}')
    assert run("other", "empty") == (0, "")
    assert stderr_lines(capsys) == [f"aiblint: warning: no image template found under other, empty ({looked_at(1)})"]


def test_a_folder_of_other_files_says_what_was_looked_at(write, capsys) -> None:  # type: ignore[no-untyped-def]
    names = ["infra/main.bicep", "infra/pipeline.yaml", "infra/notes.txt"]
    for name in names:
        write(name, "param location string\n")
    looked = sum(name.endswith(TEMPLATE_SUFFIXES) for name in names)  # whatever discovery reads
    assert run("infra")[0] == 0
    assert stderr_lines(capsys) == [f"aiblint: warning: no image template found under infra ({looked_at(looked)})"]


def test_every_file_excluded_says_so(write, capsys) -> None:  # type: ignore[no-untyped-def]
    write(".aiblint.toml", 'exclude = ["legacy/*"]\n')
    write("legacy/t.json", DUPLICATE_NAMES)
    assert run("legacy") == (0, "")
    assert stderr_lines(capsys) == [
        f"aiblint: warning: no image template found under legacy ({looked_at(0)}; 1 matched 'exclude')"
    ]


def test_infrastructure_dot_folders_are_walked_others_are_named(write, capsys) -> None:  # type: ignore[no-untyped-def]
    for folder in (".azure/images", ".github/aib", ".pipelines", ".azuredevops"):
        write(f"{folder}/t.json", DUPLICATE_NAMES)
    write(".vscode/t.json", DUPLICATE_NAMES)
    write(".terraform/t.json", DUPLICATE_NAMES)
    code, out = run("--format", "json", ".")
    assert code == 1
    assert sorted({finding["path"] for finding in json.loads(out)["findings"]}) == [
        ".azure/images/t.json", ".azuredevops/t.json", ".github/aib/t.json", ".pipelines/t.json",
    ]
    for name in (".azure", ".github", ".pipelines", ".azuredevops"):
        for path in (Path.cwd() / name).rglob("*.json"):
            path.unlink()
    capsys.readouterr()
    assert run(".") == (0, "")
    assert stderr_lines(capsys) == [
        f"aiblint: warning: no image template found under . ({looked_at(0)}; "
        "dot-folders skipped: .terraform, .vscode)"
    ]


def test_gitignore_is_respected_unless_asked(write, capsys) -> None:  # type: ignore[no-untyped-def]
    (Path.cwd() / ".git").mkdir()
    write(".gitignore", "generated/\n*.gen.json\n!keep.gen.json\n")
    write("infra/generated/t.json", DUPLICATE_NAMES)
    write("infra/a.gen.json", DUPLICATE_NAMES)
    write("infra/keep.gen.json", DUPLICATE_NAMES)
    write("infra/sub/.gitignore", "!a.gen.json\nlocal.json\n")
    write("infra/sub/a.gen.json", DUPLICATE_NAMES)
    write("infra/sub/local.json", DUPLICATE_NAMES)

    def paths(*args: str) -> list[str]:
        code, out = run("--format", "json", *args, "infra")
        assert code == 1
        return sorted({finding["path"] for finding in json.loads(out)["findings"]})

    assert paths() == ["infra/keep.gen.json", "infra/sub/a.gen.json"]  # the deeper file re-includes
    assert paths("--no-respect-gitignore") == [
        "infra/a.gen.json", "infra/generated/t.json", "infra/keep.gen.json", "infra/sub/a.gen.json", "infra/sub/local.json",
    ]
    write("infra/keep.gen.json", "{}").unlink()
    write("infra/sub/a.gen.json", "{}").unlink()
    capsys.readouterr()
    assert run("infra") == (0, "")
    assert stderr_lines(capsys) == [
        f"aiblint: warning: no image template found under infra ({looked_at(0)}; "
        "3 ignored by .gitignore (--no-respect-gitignore reads them))"
    ]


def test_an_absolute_path_is_printed_as_given(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write("sub/t.json", DUPLICATE_NAMES)
    (tmp_path / "elsewhere").mkdir()
    import os

    os.chdir(tmp_path / "elsewhere")
    code, out = run(str(tmp_path / "sub"))
    assert code == 1
    assert out.splitlines()[0].startswith(f"{tmp_path.as_posix()}/sub/t.json:3:16: warning AIB003 ")
    code, out = run(str(tmp_path / "sub" / "t.json"))
    assert out.splitlines()[0].startswith(f"{tmp_path.as_posix()}/sub/t.json:3:16: warning AIB003 ")
    os.chdir(tmp_path)  # inside the working folder: relative, as every other path
    code, out = run(str(tmp_path / "sub"))
    assert out.splitlines()[0].startswith("sub/t.json:3:16: warning AIB003 ")


# --- a clean run says so; --quiet; --statistics ---------------------------------------------


def test_a_clean_run_says_so_on_a_terminal_only(write) -> None:  # type: ignore[no-untyped-def]
    write("a.json", CLEAN)
    write("b.json", CLEAN)
    assert run("a.json", "b.json", tty=True) == (0, "0 problems in 2 files checked\n")
    assert run("a.json", "b.json") == (0, "")  # a pipe, an editor: nothing to read
    assert run("-q", "a.json", tty=True) == (0, "")


def test_quiet_prints_findings_only(write, capsys) -> None:  # type: ignore[no-untyped-def]
    write("t.json", SCRIPTED)
    code, out = run("t.json")
    assert code == 1 and out.endswith("in 1 file checked\n")
    assert [line.split(":")[1] for line in stderr_lines(capsys)] == [" note", " note"]  # pwsh, scripts
    code, out = run("--quiet", "t.json")
    assert code == 1
    assert [line.split(" ")[1:3] for line in out.splitlines()] == [["note", "AIB304"], ["note", "AIB305"], ["error", "AIB204"]]
    assert stderr_lines(capsys) == []


def test_statistics_counts_findings_per_rule(write, capsys) -> None:  # type: ignore[no-untyped-def]
    write("a.json", DUPLICATE_NAMES)
    write("b.json", DUPLICATE_NAMES.replace('"<region>"', '"westus2"'))
    code, out = run("--statistics", "a.json", "b.json")
    assert code == 1
    assert out == (
        "    2  AIB201   duplicate-customizer-name\n"
        "    1  AIB003   unreplaced-placeholder\n"
        "3 problems (2 errors, 1 warning) in 2 files checked\n"
    )
    assert run("--statistics", "--format", "json", "a.json") == (2, "")
    assert stderr_lines(capsys) == ["aiblint: error: --statistics prints a text table; it cannot be combined with --format json"]


# --- run notes: once, and only when they matter ------------------------------------------------

SCRIPTED = """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "location": "westus2",
  "properties": {"customize": [
    {"type": "Shell", "name": "a", "scriptUri": "https://storageacct.blob.core.windows.net/scripts/setup.sh"},
    {"type": "PowerShell", "name": "b", "inline": ["Write-Host hi"]}
  ]},
  "identity": {"type": "UserAssigned", "userAssignedIdentities": {"/subscriptions/0b4ea3c1-5f6d-4b3a-9c1e-2f1e0d9a8b7c/resourceGroups/ops/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aib": {}}}
}
"""
SCRIPTS_NOTE = (
    "aiblint: note: scripts: 1 inline script and 0 script files checked; of 1 referenced script, 0 resolved to a local file, "
    "1 not resolved (AIB305); map URLs to folders with script-roots, or use --fetch"
)
PWSH_NOTE = (
    "aiblint: note: PSScriptAnalyzer was not run: 'pwsh' (PowerShell 7) is not installed; 1 PowerShell script was not "
    "checked by it (aiblint's own AIB5xx checks still ran)"
)


@pytest.fixture
def no_pwsh(monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    real = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None if name == "pwsh" else real(name, *args, **kwargs))


def test_run_notes_once_and_only_when_they_matter(write, capsys, no_pwsh, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    write("t.json", SCRIPTED)
    write("u.json", SCRIPTED)
    run("--no-cache", "t.json", "u.json")
    assert stderr_lines(capsys) == [PWSH_NOTE.replace("1 PowerShell script was", "2 PowerShell scripts were"),
                                    SCRIPTS_NOTE.replace("1 inline script", "2 inline scripts").replace(
                                        "of 1 referenced script, 0 resolved to a local file, 1 not",
                                        "of 2 referenced scripts, 0 resolved to a local file, 2 not")]
    run("--ignore", "AIB305", "t.json")
    assert stderr_lines(capsys) == [PWSH_NOTE]  # what the scripts note is about is turned off
    import aiblint.scripts.fetch as fetch

    monkeypatch.setattr(fetch, "_download", lambda url: (_ for _ in ()).throw(fetch._Refused("download failed: offline")))
    run("--fetch", "t.json")
    assert SCRIPTS_NOTE not in stderr_lines(capsys)  # it would say "use --fetch"
    write("t.json", SCRIPTED.replace('"PowerShell", "name": "b", "inline": ["Write-Host hi"]', '"Shell", "name": "b", "inline": ["true"]'))
    run("t.json")
    assert stderr_lines(capsys) == [SCRIPTS_NOTE.replace("1 inline script", "1 inline script")]  # no PowerShell: no pwsh note


def test_the_summary_counts_the_files_findings_are_in_and_what_is_fixable(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2024-02-01",
  "location": "westus2",
  "properties": {"customize": [
    {"type": "Shell", "name": "a", "scriptUri": "setup.sh"},
    {"type": "shell", "name": "b", "inline": ["true"]}
  ]},
  "identity": {"type": "UserAssigned", "userAssignedIdentities": {"/subscriptions/0b4ea3c1-5f6d-4b3a-9c1e-2f1e0d9a8b7c/resourceGroups/ops/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aib": {}}}
}
""")
    write("setup.sh", "#!/bin/bash\nrm -rf $1\n")
    code, out = run("t.json")
    lines = out.splitlines()
    assert code == 1
    assert lines[0].startswith("setup.sh:2:8: note SC2086 ")
    assert lines[-1] == "5 problems (3 errors, 2 notes) in 2 files checked; 1 fixable with --fix"


# --- configuration that cannot be wrong silently ---------------------------------------------


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('[severity]\nAIB2O1 = "warning"\n', "'severity' names no known rule: AIB2O1 (did you mean AIB201?) (see 'aiblint rules')"),
        ('[per-file-ignores]\n"*.json" = ["AIB003", "AIB2O1"]\n',
         "'per-file-ignores' names no known rule: AIB2O1 (did you mean AIB201?) (see 'aiblint rules')"),
        ('ignore = ["XYZ1", "XYZ2"]\n', "'ignore' names no known rule: XYZ1, XYZ2 (see 'aiblint rules')"),
    ],
)
def test_rule_ids_are_checked_wherever_the_configuration_names_them(write, capsys, config, message) -> None:  # type: ignore[no-untyped-def]
    path = write(".aiblint.toml", config)
    write("t.json", CLEAN)
    assert run("t.json") == (2, "")
    assert stderr_lines(capsys) == [f"aiblint: error: {path}: {message}"]


def test_a_script_roots_folder_that_does_not_exist_is_a_config_error(write, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write(".aiblint.toml", '[script-roots]\n"https://x.example/s/" = "scirpts"\n')
    write("t.json", CLEAN)
    assert run("t.json") == (2, "")
    assert stderr_lines(capsys) == [
        f"aiblint: error: {path}: 'script-roots.https://x.example/s/': folder scirpts does not exist ({tmp_path / 'scirpts'})"
    ]
    (tmp_path / "scirpts").mkdir()
    assert run("t.json") == (0, "")


def test_globs_are_relative_to_the_configuration_file(write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    write(".aiblint.toml", '[tool.aiblint]\nexclude = ["infra/legacy/*"]\n\n[tool.aiblint.per-file-ignores]\n"infra/samples/*" = ["AIB003"]\n')
    write("infra/legacy/t.json", DUPLICATE_NAMES)
    write("infra/samples/t.json", DUPLICATE_NAMES)

    def found() -> list[tuple[str, str]]:
        code, out = run("--format", "json", ".")
        assert code == 1
        return [(finding["path"], finding["rule"]) for finding in json.loads(out)["findings"]]

    assert found() == [("infra/samples/t.json", "AIB201")]
    monkeypatch.chdir(tmp_path / "infra")  # a run from a subfolder means the same
    assert found() == [("samples/t.json", "AIB201")]
    monkeypatch.chdir(tmp_path / "infra" / "samples")
    assert found() == [("t.json", "AIB201")]


def test_the_configuration_is_found_from_the_linted_paths(write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    write("repo/.aiblint.toml", 'ignore = ["AIB003"]\n')
    write("repo/images/t.json", DUPLICATE_NAMES)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    for target in ("../repo/images/t.json", "../repo", str(tmp_path / "repo" / "images")):
        code, out = run("--format", "json", target)
        assert [finding["rule"] for finding in json.loads(out)["findings"]] == ["AIB201"], target
    code, out = run("config", "../repo")
    assert code == 0
    assert f"# configuration file: {tmp_path / 'repo' / '.aiblint.toml'}" in out


# --- --stdin-filename ------------------------------------------------------------------------


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))


def test_stdin_filename_applies_exclude_and_skip_non_templates(write, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    write(".aiblint.toml", 'exclude = ["legacy/*"]\n')
    _stdin(monkeypatch, DUPLICATE_NAMES)
    assert run("--skip-non-templates", "--stdin-filename", "legacy/t.json", "-") == (0, "")  # as the file on disk
    _stdin(monkeypatch, DUPLICATE_NAMES)
    assert run("--stdin-filename", "legacy/t.json", "-")[0] == 1  # named without --skip-non-templates: linted
    _stdin(monkeypatch, '{"name": "x"}')
    assert run("--skip-non-templates", "--stdin-filename", "package.json", "-") == (0, "")  # no template: quietly skipped
    _stdin(monkeypatch, '{"name": "x"}')
    code, out = run("--stdin-filename", "package.json", "-")
    assert code == 0
    assert out.startswith("package.json:1:1: note AIB004 ")
    assert stderr_lines(capsys) == []


def test_stdin_filename_without_dash(write, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    write("other/t.json", DUPLICATE_NAMES)  # must not be walked
    _stdin(monkeypatch, CLEAN)
    code, out = run("--format", "json", "--stdin-filename", "x.json")
    assert (code, json.loads(out)["summary"]["files"], json.loads(out)["findings"]) == (0, 1, [])
    _stdin(monkeypatch, DUPLICATE_NAMES)
    code, out = run("--format", "json", "--stdin-filename", "templates/x.json")
    assert code == 1 and {finding["path"] for finding in json.loads(out)["findings"]} == {"templates/x.json"}
    assert run("--stdin-filename", "x.json", "other") == (2, "")
    assert stderr_lines(capsys) == [
        "aiblint: error: --stdin-filename names standard input, but '-' is not among the paths: add '-' to read it"
    ]


def test_diff_on_stdin_does_not_say_it_changes_files(capsys) -> None:  # type: ignore[no-untyped-def]
    assert run("--diff", "-") == (2, "")
    assert stderr_lines(capsys) == ["aiblint: error: --diff compares files on disk with their fixed text; it cannot read standard input"]
    assert run("--fix", "-") == (2, "")
    assert stderr_lines(capsys) == ["aiblint: error: --fix changes files in place; it cannot read standard input"]
