"""The command line as ruff, flake8 and ShellCheck users expect it (issue 19):
usage errors in one line with a suggestion, never a silent pass, quiet and
summary modes, a rule explained."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from aiblint.cli import main
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
