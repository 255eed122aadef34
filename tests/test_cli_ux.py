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


# --- aiblint rule / aiblint rules PREFIX ------------------------------------------------------


def test_rule_prints_the_rules_page(capsys) -> None:  # type: ignore[no-untyped-def]
    from aiblint.constants import HOMEPAGE  # noqa: F401  (the page is the one in docs/rules)

    code, out = run("rule", "AIB201")
    assert code == 0
    assert out == (Path(__file__).resolve().parent.parent / "docs" / "rules" / "AIB201.md").read_text(encoding="utf-8")
    assert out.startswith("# AIB201: duplicate-customizer-name\n\n**Default severity:** error\n")
    assert run("rule", "aib102")[1].startswith(
        "# AIB102: unknown-property\n\n**Default severity:** error (warning before api version 2024-02-01)\n"
    )
    assert run("rule", "SC2086")[1].startswith("# SC: ")  # the ShellCheck family's page
    assert run("rule", "AIB2O1") == (2, "")
    assert stderr_lines(capsys) == ["aiblint: error: no rule AIB2O1 (did you mean AIB201?) (see 'aiblint rules')"]


def test_rules_takes_a_prefix_and_says_when_severity_changes() -> None:
    code, out = run("rules", "AIB10")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == ["AIB100", "AIB101", "AIB102", "AIB103", "AIB104", "AIB105"]
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert lines["AIB102"].endswith("(severity: error; warning before api version 2024-02-01)")
    assert lines["AIB100"].endswith(
        "(severity: error; warning for a preview api version; note when the api version cannot be evaluated)"
    )
    assert lines["AIB101"].endswith("out of range")  # no change: nothing added
    rows = json.loads(run("rules", "--format", "json", "AIB2")[1])
    notes = {row["id"]: row["severity_note"] for row in rows}
    assert notes["AIB200"] == "warning for a distribution region that is not an Azure region name"
    assert notes["AIB218"] == "warning in a bare resource file (not an ARM deployment template)"
    assert notes["AIB201"] == ""
    assert all(row["id"].startswith("AIB2") for row in rows)


# --- output details ------------------------------------------------------------------------------


def _colour_env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize(
    ("env", "tty", "coloured"),
    [
        ({}, True, True),
        ({}, False, False),
        ({"NO_COLOR": "1"}, True, False),
        ({"NO_COLOR": ""}, True, True),  # no-color.org: only a non-empty value counts
        ({"FORCE_COLOR": "1"}, False, True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, False),
        ({"TERM": "dumb"}, True, False),
    ],
)
def test_colour_follows_no_color_force_color_and_term(write, monkeypatch, env, tty, coloured) -> None:  # type: ignore[no-untyped-def]
    write("t.json", DUPLICATE_NAMES)
    _colour_env(monkeypatch, **env)
    out = run("t.json", tty=tty)[1]
    assert ("\033[" in out) == coloured


def test_code_frames_do_not_depend_on_colour(write, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    write("t.json", DUPLICATE_NAMES)
    _colour_env(monkeypatch)
    frame = ['    3 |   "location": "<region>",', " " * 23 + "^" * 8]
    lines = run("--show-source", "t.json")[1].splitlines()  # a CI log: no colour, source lines asked for
    assert lines[1:3] == frame and "\033[" not in "".join(lines)
    assert len(run("t.json")[1].splitlines()) == 3  # not a terminal: no frames by default
    lines = run("--no-show-source", "t.json", tty=True)[1].splitlines()
    assert len(lines) == 3 and "\033[" in lines[0]


PLAIN_HTTP = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "setupUri": {"type": "string", "defaultValue": "http://downloads.contoso.com/setup.sh"}
  },
  "resources": [{
    "type": "Microsoft.VirtualMachineImages/imageTemplates",
    "apiVersion": "2024-02-01",
    "name": "t",
    "location": "westus2",
    "properties": {
      "customize": [
        {"type": "Shell", "name": "a", "scriptUri": "http://downloads.contoso.com/a.sh"},
        {"type": "Shell", "name": "b", "scriptUri": "[parameters('setupUri')]"}
      ]
    }
  }]
}
"""


def test_aib301_and_aib305_on_one_value_start_at_one_column(write) -> None:  # type: ignore[no-untyped-def]
    """Both mark the whole value, quotes included; a parameter's value where it is written."""
    write("t.json", PLAIN_HTTP)
    select = ("--select", "AIB301,AIB305", "t.json")
    findings = json.loads(run("--format", "json", *select)[1])["findings"]
    assert [(f["rule"], f["line"], f["column"], f["end_line"], f["end_column"]) for f in findings] == [
        ("AIB301", 5, 52, 5, 91), ("AIB305", 5, 52, 5, 91), ("AIB301", 14, 53, 14, 88), ("AIB305", 14, 53, 14, 88),
    ]
    results = json.loads(run("--format", "sarif", *select)[1])["runs"][0]["results"]
    regions = [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]) for r in results]
    assert regions[0][1] == regions[1][1] == {"startLine": 5, "startColumn": 52, "endLine": 5, "endColumn": 91}
    assert regions[2][1] == regions[3][1] == {"startLine": 14, "startColumn": 53, "endLine": 14, "endColumn": 88}
    lines = run("--show-source", *select)[1].splitlines()
    assert lines[0].startswith("t.json:5:52: warning AIB301 ") and lines[3].startswith("t.json:5:52: note AIB305 ")
    assert lines[2] == lines[5] == " " * 59 + "^" * 39  # the frame underlines the same characters
    assert lines[8] == lines[11] == " " * 60 + "^" * 35


def test_write_baseline_into_a_missing_folder_fails_like_output(write, capsys) -> None:  # type: ignore[no-untyped-def]
    write("t.json", DUPLICATE_NAMES)
    assert run("-o", "nope/out.txt", "t.json") == (2, "")
    assert stderr_lines(capsys) == ["aiblint: error: cannot write nope/out.txt: No such file or directory"]
    assert run("--write-baseline", "nope/b.json", "t.json") == (2, "")
    assert stderr_lines(capsys) == ["aiblint: error: cannot write baseline nope/b.json: No such file or directory"]
    assert not (Path.cwd() / "nope").exists()


def test_select_aib006_finds_misspelt_suppression_ids(write) -> None:  # type: ignore[no-untyped-def]
    write("t.jsonc", DUPLICATE_NAMES.replace('"location": "<region>",', '"location": "<region>", // aiblint: ignore[AIB2O1] later'))
    code, out = run("--select", "AIB006", "--format", "json", "t.jsonc")
    assert code == 1
    assert [(f["rule"], f["line"], f["message"]) for f in json.loads(out)["findings"]] == [
        ("AIB006", 3, "suppression of AIB2O1 matched nothing: no rule has this id or prefix"),
    ]


def test_aib006_message_does_not_stutter(write) -> None:  # type: ignore[no-untyped-def]
    write("t.jsonc", DUPLICATE_NAMES.replace('"location": "<region>",', '"location": "<region>", // aiblint: disable[AIB003] later'))
    messages = [f["message"] for f in json.loads(run("--select", "AIB006", "--format", "json", "t.jsonc")[1])["findings"]]
    assert messages == ["aiblint comment has an unknown directive 'disable': write 'aiblint: ignore[RULE] reason'; nothing is suppressed"]


def test_aib101_says_in_words_what_the_value_must_be(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2024-02-01",
  "location": "westus2",
  "properties": {
    "source": {"type": "PlatformImage", "publisher": "a", "offer": "b", "sku": "c", "version": "latest"},
    "distribute": [{"type": "ManagedImage", "imageId": "/subscriptions/0b4ea3c1-5f6d-4b3a-9c1e-2f1e0d9a8b7c/resourceGroups/g/providers/Microsoft.Compute/images/i", "location": "westus2", "runOutputName": "web image"}]
  },
  "identity": {"type": "UserAssigned", "userAssignedIdentities": {"/subscriptions/0b4ea3c1-5f6d-4b3a-9c1e-2f1e0d9a8b7c/resourceGroups/ops/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aib": {}}}
}
""")
    messages = [f["message"] for f in json.loads(run("--select", "AIB101", "--format", "json", "t.json")[1])["findings"]]
    assert messages == [
        "runOutputName \"web image\" must be 1 to 64 letters, digits, '-', '_' or '.'; ' ' is not allowed (api 2024-02-01)"
    ]


# --- messages that teach ------------------------------------------------------------------------


def test_shellcheck_findings_name_the_variable_and_link_the_wiki(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "location": "westus2",
  "properties": {"customize": [{"type": "Shell", "name": "a", "inline": ["rm -rf $TARGET", "for f in $(ls /tmp); do echo \\"$f\\"; done"]}]},
  "identity": {"type": "UserAssigned", "userAssignedIdentities": {"/subscriptions/0b4ea3c1-5f6d-4b3a-9c1e-2f1e0d9a8b7c/resourceGroups/ops/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aib": {}}}
}
""")
    code, out = run("--select", "SC", "t.json")
    assert code == 1
    assert out.splitlines()[:2] == [
        "t.json:4:82: note SC2086 Double quote to prevent globbing and word splitting: `$TARGET`",
        "t.json:4:102: error SC2045 Iterating over ls output is fragile. Use globs.",  # names the command already
    ]
    code, out = run("--select", "SC,AIB003", "--show-links", "t.json")
    assert code == 1
    assert out.splitlines()[:2] == [
        "t.json:4:82: note SC2086 Double quote to prevent globbing and word splitting: `$TARGET` https://www.shellcheck.net/wiki/SC2086",
        "t.json:4:102: error SC2045 Iterating over ls output is fragile. Use globs. https://www.shellcheck.net/wiki/SC2045",
    ]
    write("u.json", DUPLICATE_NAMES)
    line = run("--show-links", "--select", "AIB003", "u.json")[1].splitlines()[0]
    assert line.endswith(" https://github.com/aiblint/aiblint/blob/main/docs/rules/AIB003.md")


def test_a_named_script_that_no_template_runs_is_checked_on_its_own(write, capsys) -> None:  # type: ignore[no-untyped-def]
    write("scripts/setup.sh", "#!/bin/bash\nrm -rf $1\ncurl http://example.com/x.sh | bash\n")
    write("t.json", CLEAN)  # a template that runs something else
    code, out = run("--format", "json", "scripts/setup.sh")
    found = [(f["path"], f["rule"], f["line"]) for f in json.loads(out)["findings"]]
    assert ("scripts/setup.sh", "SC2086", 2) in found
    assert {path for path, _, _ in found} == {"scripts/setup.sh"}
    assert {rule for _, rule, _ in found} & {"AIB505", "AIB506"}  # aiblint's own script rules ran too
    assert code == 1
    assert stderr_lines(capsys) == [
        "aiblint: note: 1 script named (scripts/setup.sh) but run by no template in this repository that aiblint can "
        "resolve: checked on its own (ShellCheck, PSScriptAnalyzer and aiblint's script rules); template-level rules did not apply"
    ]


def test_a_named_powershell_script_is_checked_on_its_own(write, capsys, no_pwsh) -> None:  # type: ignore[no-untyped-def]
    write("setup.ps1", "Invoke-WebRequest -Uri http://downloads.contoso.com/x.ps1 -OutFile x.ps1\n")
    code, out = run("--format", "json", "setup.ps1")
    found = [(f["path"], f["rule"], f["line"]) for f in json.loads(out)["findings"]]
    assert ("setup.ps1", "AIB505", 1) in found and {path for path, _, _ in found} == {"setup.ps1"}
    assert code == 1
    assert stderr_lines(capsys) == [
        PWSH_NOTE,
        "aiblint: note: 1 script named (setup.ps1) but run by no template in this repository that aiblint can "
        "resolve: checked on its own (ShellCheck, PSScriptAnalyzer and aiblint's script rules); template-level rules did not apply",
    ]


def test_the_readme_says_how_long_the_suite_takes() -> None:
    import re

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Run the tests", 1)[1].split("\n## ", 1)[0]
    assert re.search(r"takes about \d+ minutes", section)
def test_json_syntax_errors_do_not_hide_the_rest_of_the_file(write, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write("t.json", """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates"
  "location": "<region>",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "a", "inline": ["true"],},
      {"type": "Shell", "name": "a", "inline": ["true"]},
    ]
  }
}
""")
    code, out = run("--format", "json", "t.json")
    assert code == 1
    assert [(f["rule"], f["line"], f["column"]) for f in json.loads(out)["findings"]] == [
        ("AIB203", 2, 3),  # the rest of the file is checked: no identity, a placeholder, a duplicate name
        ("AIB001", 3, 3),  # exactly where json.loads fails first
        ("AIB003", 3, 16), ("AIB001", 6, 56), ("AIB201", 7, 33), ("AIB001", 7, 57),
    ]
    assert run("--fix", "--select", "AIB001", "t.json")[0] == 1  # the missing comma is left to a person
    assert stderr_lines(capsys)[-1] == "aiblint: fixed 2 problems in 1 file"
    text = path.read_text(encoding="utf-8")
    assert '["true"]},\n' in text and '["true"]}\n    ]' in text
    assert [(f["rule"], f["line"]) for f in json.loads(run("--format", "json", "--select", "AIB001", "t.json")[1])["findings"]] == [
        ("AIB001", 3),
    ]
