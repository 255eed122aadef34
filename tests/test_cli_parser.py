"""The argument parsers build one help formatter to check every argument's metavar, not one per
argument (:class:`aiblint.cli.Parser`): what they print, and the exit codes, are argparse's own."""

from __future__ import annotations

import argparse
import io
import shutil
from collections.abc import Callable

import pytest

from aiblint import cli
from aiblint.server import daemon

COMMANDS: list[list[str]] = [
    ["--help"], ["rules", "--help"], ["rule", "--help"], ["config", "--help"], ["lsp", "--help"], ["--version"],
    ["--jobs", "x"], ["--jobs"], ["--fail-on", "eror"], ["--colr"], ["--color", "blue"], ["--format"],
    ["--baseline", "a", "--write-baseline", "b"], ["--no-cache", "--bogus=1", "t.json"], ["rules", "--bogus"],
    ["rule"], ["config", "--fail-on", "x"], ["lsp", "extra"],
]
SERVER: list[list[str]] = [["--help"], ["--status", "--stop"], ["--idle-timeout", "soon"], ["--bogus"]]


def _outcome(call: Callable[[], int], capsys: pytest.CaptureFixture[str]) -> tuple[object, str, str]:
    try:
        code: object = call()
    except SystemExit as stop:
        code = ("exit", stop.code)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _both(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], call: Callable[[], int]) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setattr(cli, "_parser", None)
    new = _outcome(call, capsys)
    with monkeypatch.context() as plain:  # argparse as it is: a formatter for each argument
        plain.setattr(cli.Parser, "add_argument", argparse.ArgumentParser.add_argument)
        plain.setattr(cli.Parser, "_get_formatter", argparse.ArgumentParser._get_formatter)
        plain.setattr(cli, "_parser", None)
        old = _outcome(call, capsys)
    assert new == old
    assert new[1] or new[2]  # something was printed: help, a version or an error


@pytest.mark.parametrize("arguments", COMMANDS, ids=" ".join)
def test_help_errors_and_exit_codes_are_argparse_s(
    arguments: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    _both(monkeypatch, capsys, lambda: cli.main(arguments, stdout=io.StringIO()))


@pytest.mark.parametrize("arguments", SERVER, ids=" ".join)
def test_the_server_command_s_help_and_errors_are_argparse_s(
    arguments: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    def call() -> int:
        try:
            return daemon._command(arguments)
        except cli.UsageError as error:
            print(error)
            return cli.EXIT_USAGE

    _both(monkeypatch, capsys, call)


def test_the_lint_parser_asks_the_terminal_size_once(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []
    size = shutil.get_terminal_size

    def counted(*args: object) -> object:
        asked.append(1)
        return size()

    monkeypatch.setattr(shutil, "get_terminal_size", counted)
    parser = cli.build_parser()
    assert len(asked) == 1
    assert "--no-cache" in parser.format_help()
    assert len(asked) == 2  # help gets a formatter of its own
