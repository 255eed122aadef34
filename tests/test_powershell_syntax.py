"""AIB507: PowerShell that does not parse, found without pwsh, and no false alarm on valid
PowerShell that the tree-sitter grammar alone rejects."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiblint.run import lint_paths
from aiblint.scripts.powershell import _Scanner, grammar_rejects, scan, syntax_problem

#: Valid PowerShell that tree-sitter-powershell rejects (checked by hand against the
#: PowerShell language specification); AIB507 must stay silent on all of it.
GRAMMAR_REJECTS_VALID = [
    "choco install -y git --version=2.3.0",
    "$items.Where({ $_ -gt 1 }).ForEach({ $_ })",
    "switch ($s) { 'a' { 1 } default { 2 } }",
    "function F { [CmdletBinding()] param([string]$a) $a }",
    ":outer foreach ($i in 1..3) { break outer }",
]

VALID = [
    *GRAMMAR_REJECTS_VALID,
    "Write-Host \"a`\"b\" 'it''s' \"say \"\"hi\"\"\"",
    "$here = @\"\nHello $name (\n\"@\n$lit = @'\nno ' quote problem {\n'@",
    "<# a comment with ' and ( #>\nWrite-Output 1 # and ' here",
    "$x = \"sub $(Get-Item \"C:\\x\" | Select-Object -First 1) end\"",
    "${env:ProgramFiles(x86)}",
    "icacls.exe --% C:\\x /grant \"Users\":F '",
    "Write-Host \u201csmart quotes\u201d and \u2018single\u2019",
    "Get-ChildItem C:\\ `\n  -Recurse",
    "if ($a) {\n  'b'\n} elseif ($c) { 'd' } else { 'e' }",
]


@pytest.mark.parametrize("script", VALID)
def test_valid_powershell_is_not_reported(script: str) -> None:
    assert scan(script) is None
    assert syntax_problem(script) is None


@pytest.mark.parametrize("script", GRAMMAR_REJECTS_VALID)
def test_the_grammar_alone_would_have_reported_these(script: str) -> None:
    assert grammar_rejects(script)


@pytest.mark.parametrize(
    ("script", "offset", "message"),
    [
        ("if ($x) { Write-Host 'a'", 8, "'{' is never closed"),
        ("Write-Host \"unterminated", 11, "the string that starts here is never closed"),
        ("Write-Host 'it's'", 16, "the string that starts here is never closed"),
        ("Write-Host 'a' }", 15, "'}' closes nothing"),
        ("$a = (1 + 2", 5, "'(' is never closed"),
        ("function F {\n  param($a\n}", 24, "'}' where ')' was expected"),
        ("$a = @\"\nnever closed\n \"@", 5, "the here-string '@\"' that starts here is never closed (its end is '\"@' at the start of a line)"),
        ("<# never closed", 0, "the block comment '<#' that starts here is never closed"),
        ("Write-Host \"$(Get-Date\"", 22, "the string that starts here is never closed"),
        ("${never", 0, "the variable name '${' that starts here is never closed"),
    ],
)
def test_parse_errors_are_found_at_their_place(script: str, offset: int, message: str) -> None:
    problem = syntax_problem(script)
    assert problem is not None
    assert (problem.offset, problem.message) == (offset, message)


def _template(inline: list[str]) -> str:
    step = {"type": "PowerShell", "name": "a", "inline": inline}
    return json.dumps({"type": "Microsoft.VirtualMachineImages/imageTemplates", "properties": {"customize": [step]}}, indent=2)


def test_reported_at_the_json_position_of_the_broken_element(write) -> None:  # type: ignore[no-untyped-def]
    template = _template(["$ErrorActionPreference = 'Stop'", "if (Test-Path C:\\tools) {", "  Write-Host \"tools\"", "choco install -y git"])
    write("t.json", template)
    report = lint_paths(["t.json"])
    line = template.splitlines()[9]
    assert [(f.rule, f.line, f.column, f.end_column, f.message) for f in report.findings if f.rule == "AIB507"] == [
        ("AIB507", 10, line.index("{") + 1, line.index("{") + 2, "PowerShell cannot parse this script: '{' is never closed")
    ]


def test_a_script_file_is_reported_in_the_file(write) -> None:  # type: ignore[no-untyped-def]
    write("setup.ps1", "\ufeff$x = 1\r\nWrite-Host 'café\r\n")
    step = {"type": "PowerShell", "name": "a", "scriptUri": "setup.ps1"}
    write("t.json", json.dumps({"type": "Microsoft.VirtualMachineImages/imageTemplates", "properties": {"customize": [step]}}))
    report = lint_paths(["t.json"])
    assert [(f.path, f.line, f.column) for f in report.findings if f.rule == "AIB507"] == [("setup.ps1", 2, 12)]


def test_a_script_with_an_unknown_line_is_not_judged(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", _template(["if ($true) {", "[parameters('body')]"]))
    assert [f for f in lint_paths(["t.json"]).findings if f.rule == "AIB507"] == []


def test_shell_scripts_are_not_parsed_as_powershell(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", _template(["echo 'unterminated"]).replace('"PowerShell"', '"Shell"'))
    assert [f for f in lint_paths(["t.json"]).findings if f.rule == "AIB507"] == []


class _EveryCharacter(_Scanner):
    """The scan stepping through every character: what the scan did before it jumped
    over the characters where a step does nothing."""

    code_special = re.compile(r"[\s\S]")
    string_special = re.compile(r"[\s\S]")


_PS_PIECES = [*"`<#->@$(){}\"'\u201c\u201d\u201e\u2018\u2019\u201a\u201b%\n \t;|&=,ab",
              "--%", "<#", "#>", "@\"\n", "\n\"@", "@'\n", "\n'@", "${", "$(", "''", '""', " # ", "`\""]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PS_PIECES), max_size=24).map("".join))
def test_the_scan_jumping_over_plain_characters_finds_what_stepping_finds(text: str) -> None:
    # Fails if a character a step acts on were missing from the jump patterns.
    assert scan(text) == _EveryCharacter(text).run()


@pytest.mark.parametrize(
    "script", [*VALID, "a -- b --% ' c", "x#y 'z", "a@\"b", "a --%\n(", "q `( p", '"a $(")" b', '"`" (', "<# x #> (", "${a} {"]
)
def test_the_scan_matches_stepping_on_the_examples(script: str) -> None:
    for text in (script, script + "(", "\"" + script, "'" + script):
        assert scan(text) == _EveryCharacter(text).run()
