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
