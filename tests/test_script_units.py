"""Script units: which scripts a template runs, in which dialect, and the map from a
script line and column back to the character of the file where it is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiblint.loader import load_text
from aiblint.model import ImageTemplate, find_templates
from aiblint.scripts.settings import ScriptSettings, active
from aiblint.scripts.units import ScriptUnit, script_units


def _template(text: str) -> ImageTemplate:
    [template] = find_templates(load_text(text, "t.json"))
    return template


def _units(text: str) -> list[ScriptUnit]:
    return script_units(_template(text))


def _steps(*steps: dict[str, object], validators: tuple[dict[str, object], ...] = ()) -> str:
    properties: dict[str, object] = {"customize": list(steps)}
    if validators:
        properties["validate"] = {"inVMValidations": list(validators)}
    return json.dumps({"type": "Microsoft.VirtualMachineImages/imageTemplates", "properties": properties})


def _source(unit: ScriptUnit, line: int, column: int) -> str | None:
    """The file text from the mapped offset on (None inside a masked part)."""
    offset = unit.offset(line, column)
    return None if offset is None else unit.document.text[offset:]


def test_each_inline_element_is_one_line_and_escapes_map_exactly() -> None:
    text = r'{"type": "Microsoft.VirtualMachineImages/imageTemplates", "properties": {"customize": [{"type": "Shell", "inline": ["a\\b\tc", "\u00e9\"x\" \ud83d\ude00 y", "last"]}]}}'
    [unit] = _units(text)
    assert unit.text == 'a\\b\tc\né"x" \U0001f600 y\nlast'
    assert unit.lines == ["a\\b\tc", 'é"x" \U0001f600 y', "last"]
    assert _source(unit, 1, 2).startswith("\\\\b")  # the decoded backslash is written as \\
    assert _source(unit, 1, 4).startswith("\\tc")
    assert _source(unit, 2, 1).startswith("\\u00e9")
    assert _source(unit, 2, 2).startswith('\\"x')
    assert _source(unit, 2, 6).startswith("\\ud83d\\ude00 y")  # one character, two escapes
    assert _source(unit, 2, 7).startswith(" y")
    assert _source(unit, 2, 9).startswith('"')  # the end of the line is the closing quote
    assert _source(unit, 3, 1).startswith('last"')


def test_an_element_holding_a_line_break_is_two_lines() -> None:
    [unit] = _units(_steps({"type": "Shell", "inline": ["one\ntwo", "three"]}))
    assert unit.lines == ["one", "two", "three"]
    assert _source(unit, 2, 1).startswith('two", "three"')
    assert _source(unit, 3, 1).startswith('three"')


def test_an_escaped_bracket_is_mapped_past_the_escape() -> None:
    [unit] = _units(_steps({"type": "Shell", "inline": ["[[ -f /x ] && echo ok]", "[[ -f /y ]] && echo ok"]}))
    assert unit.lines == ["[ -f /x ] && echo ok]", "[[ -f /y ]] && echo ok"]  # ARM unescapes only [[...]
    assert _source(unit, 1, 1).startswith("[ -f /x")
    assert _source(unit, 2, 1).startswith("[[ -f /y")


def test_unknown_parts_are_masked_keeping_columns() -> None:
    [shell] = _units(_steps({"type": "Shell", "inline": ["cp <file> $1", "[parameters('x')]", "done"]}))
    assert shell.lines == ["cp ______ $1", ":", "done"]
    assert shell.has_unknown_lines
    assert _source(shell, 1, 4) is None
    assert _source(shell, 1, 11).startswith("$1")
    assert _source(shell, 2, 1) is None
    [powershell] = _units(_steps({"type": "PowerShell", "inline": ["[variables('x')]", "Write-Output <name>"]}))
    assert powershell.lines == ["", "Write-Output ______"]


def test_a_problem_in_unknown_text_points_at_the_whole_element() -> None:
    text = _steps({"type": "Shell", "inline": ["true", "[parameters('x')]"]})
    [unit] = _units(text)
    problem = unit.problem("m", 2, 1, 2, 2, rule="SC1000")
    assert (problem.start, problem.end) == (text.index('"[parameters'), text.index("]\"") + 2)
    assert problem.node is not None and problem.node.logical_path() == "properties.customize[0].inline[1]"


def test_a_span_past_its_element_ends_at_the_closing_quote() -> None:
    text = _steps({"type": "Shell", "inline": ["if true; then", "fi"]})
    [unit] = _units(text)
    problem = unit.problem("m", 1, 4, 2, 3)
    assert text[problem.start : problem.end] == "true; then"
    assert problem.document is unit.document


def test_a_problem_at_a_script_position_lands_on_its_characters() -> None:
    text = _steps({"type": "Shell", "inline": ["echo a", "sudo reboot"]})
    [unit] = _units(text)
    problem = unit.problem("m", 2, 6, 2, 12)
    assert text[problem.start : problem.end] == "reboot"


PARAMETERS = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": {
    "commands": {"type": "array", "defaultValue": ["echo one", "cp $1 /opt"]},
    "command": {"type": "string", "defaultValue": "cp $2 /opt"}
  },
  "resources": [{
    "type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-02-14", "name": "x", "location": "westus",
    "properties": {"customize": [
      {"type": "Shell", "name": "a", "inline": "[parameters('commands')]"},
      {"type": "Shell", "name": "b", "inline": ["[parameters('command')]", "[concat('cp ', '$3')]"]}
    ]}
  }]
}
"""


def test_values_from_parameter_defaults_map_into_the_defaults() -> None:
    first, second = _units(PARAMETERS)
    assert first.lines == ["echo one", "cp $1 /opt"]
    assert _source(first, 2, 4).startswith('$1 /opt"]}')
    assert second.lines == ["cp $2 /opt", "cp $3"]
    assert _source(second, 1, 4).startswith('$2 /opt"}')
    # A computed value maps to the expression as a whole.
    problem = second.problem("m", 2, 4, 2, 6)
    assert PARAMETERS[problem.start : problem.end] == "\"[concat('cp ', '$3')]\""


def test_steps_in_order_with_phase_position_language_and_dialect() -> None:
    text = _steps(
        {"type": "shell", "inline": ["true"]},
        {"type": "WindowsRestart"},
        {"type": "PowerShell", "inline": ["Write-Output 1"]},
        {"type": "Shell", "inline": ["#!/usr/bin/env bash", "true"]},
        {"type": "Shell", "inline": ["#!/usr/bin/python3", "print(1)"]},
        {"type": "Shell", "inline": "true"},
        validators=({"type": "Shell", "inline": ["true"]},),
    )
    units = _units(text)
    assert [(u.phase, u.position, u.language, u.dialect, u.interpreter, u.origin) for u in units] == [
        ("customize", 0, "shell", "sh", "/bin/sh -e", "inline"),
        ("customize", 2, "powershell", "powershell", "", "inline"),
        ("customize", 3, "shell", "sh", "/bin/sh -e", "inline"),  # Packer's shebang, not theirs
        ("customize", 4, "shell", "sh", "/bin/sh -e", "inline"),
        ("validate", 6, "shell", "sh", "/bin/sh -e", "inline"),
    ]
    assert script_units(units[0].template) is script_units(units[0].template)


def test_the_inline_shebang_is_configurable(tmp_path: Path) -> None:
    template = _template(_steps({"type": "Shell", "inline": ["true"]}))
    with active(ScriptSettings(cwd=tmp_path, inline_shebang="/bin/bash -e")):
        [unit] = script_units(template)
    assert (unit.dialect, unit.interpreter) == ("bash", "/bin/bash -e")


@pytest.mark.parametrize(
    ("content", "kind", "dialect"),
    [
        (b"#!/bin/bash -e\necho\n", "Shell", "bash"),
        (b"echo no shebang\n", "Shell", "sh"),
        (b"# setup\n# shellcheck shell=bash\necho\n", "Shell", "bash"),
        (b"#!/usr/bin/env -S ksh -e\n", "Shell", "ksh"),
        (b"#!/usr/bin/pwsh\nWrite-Output 1\n", "Shell", "powershell"),
        (b"\xff\xfeW\x00r\x00", "PowerShell", "powershell"),
        (b"#!/usr/bin/python3\n", "Shell", None),
    ],
)
def test_a_referenced_file_by_its_shebang(tmp_path: Path, content: bytes, kind: str, dialect: str | None) -> None:
    (tmp_path / "s").write_bytes(content)
    (tmp_path / "t.json").write_text(_steps({"type": kind, "scriptUri": "s"}))
    template = find_templates(load_text((tmp_path / "t.json").read_text(), "t.json"))[0]
    with active(ScriptSettings(cwd=tmp_path)):
        units = script_units(template)
    assert [unit.dialect for unit in units] == ([dialect] if dialect else [])
    if units:
        assert units[0].origin == "file" and units[0].document.path == "s"
        assert units[0].resolution is not None and units[0].resolution.status == "local"


@given(
    st.lists(st.text(alphabet=st.sampled_from(list('ab $"\\\t\n[]<>é\U0001f600\ud800')), max_size=12), min_size=1, max_size=5),
    st.booleans(),
    st.integers(-2, 8),
    st.integers(-2, 20),
)
@settings(max_examples=150, deadline=None)
def test_any_inline_text_maps_inside_its_string(lines: list[str], ascii_only: bool, line: int, column: int) -> None:
    text = json.dumps({"type": "Microsoft.VirtualMachineImages/imageTemplates", "properties": {"customize": [{"type": "Shell", "inline": lines}]}}, ensure_ascii=ascii_only)
    units = _units(text)
    for unit in units:
        problem = unit.problem("m", line, column, line, column + 3)
        assert problem.start is not None and problem.end is not None
        array = text.index('"inline": [') + len('"inline": [')
        assert array <= problem.start <= problem.end <= text.rindex("]")


def test_inline_shell_lines_lose_a_windows_line_ending_like_packer_does(write) -> None:  # type: ignore[no-untyped-def]
    """Packer's UnixReader turns CRLF into LF (aib-runtime.md §1): no SC1017 for a trailing CR,
    and positions after it stay exact."""
    import json as _json

    from tests.conftest import main_in_process

    write("t.json", _json.dumps({
        "type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01",
        "properties": {"customize": [{"type": "Shell", "name": "c", "inline": ["set -e\r", "echo $1\r"]}]},
    }))
    _, out = main_in_process("--format", "json", "--select", "SC", "t.json")
    found = [(f["rule"], f["line"], f["column"]) for f in _json.loads(out)["findings"]]
    text = Path("t.json").read_text(encoding="utf-8")
    assert found == [("SC2086", 1, text.index("$1") + 1)]
