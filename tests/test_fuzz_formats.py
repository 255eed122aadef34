"""Every output format registered under ``aiblint.formatters`` with hostile
findings: messages and paths with line breaks, terminal escapes, lone
surrogates, annotation syntax. No crash, the machine-read formats give every
string back, SARIF stays schema-valid, no message leaves its own line
(fuzz/targets.py: check_formats)."""

from __future__ import annotations

import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiblint.findings import Finding, InternalError, RelatedLocation, Report, Severity, Suppression
from aiblint.formatters.text import TextFormatter, printable
from fuzz.targets import check_formats, formatter_classes
from tests.conftest import main_in_process

PIECES = ["\n", "\r", "\x1b", "\x07", "\x9b", "\u2028", "\ud800", "%", "%0A", "%AZP25", "::", ",", ":", ";", "]", "##vso[", "::error::", "\\"]
HOSTILE = st.lists(st.characters(codec="utf-8") | st.sampled_from(PIECES), max_size=20).map("".join)
POSITIONS = st.integers(min_value=0, max_value=4)


@st.composite
def findings(draw: st.DrawFn) -> Finding:
    line, column = draw(POSITIONS), draw(POSITIONS)
    return Finding(
        path=draw(HOSTILE), line=line, column=column, end_line=line + draw(st.integers(-1, 2)), end_column=draw(POSITIONS),
        rule=draw(st.sampled_from(["AIB001", "AIB400", "SC2086", "PSAvoidUsingWriteHost"])),
        severity=draw(st.sampled_from(list(Severity))), message=draw(HOSTILE), logical_path=draw(HOSTILE),
        related=tuple(RelatedLocation(draw(HOSTILE), 1, 1, 1, 2, draw(HOSTILE)) for _ in range(draw(st.integers(0, 2)))),
        suppressed=draw(st.none() | st.builds(Suppression, st.sampled_from(["inSource", "external"]), st.just("comment"), HOSTILE)),
    )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(findings(), max_size=5), st.lists(st.builds(InternalError, HOSTILE, HOSTILE), max_size=2), st.lists(HOSTILE, max_size=2))
def test_hostile_findings_in_every_format(found: list[Finding], errors: list[InternalError], notes: list[str]) -> None:
    check_formats(Report(findings=sorted(found), errors=errors, notes=notes, files_checked=1), validate_sarif=True)


def test_every_registered_format_is_checked() -> None:
    assert {"text", "json", "sarif", "github", "azure-devops"} <= set(formatter_classes())


INJECTION = 'a\nevil.json:1:1: error AIB999 fake \x1b]0;pwned\x07'


def _finding(message: str, path: str = "t.json") -> Finding:
    return Finding(path, 1, 1, 1, 2, "AIB201", Severity.ERROR, message)


def test_text_output_shows_control_characters_escaped() -> None:
    stream = io.StringIO()
    TextFormatter({}).write(Report(findings=[_finding(f'customizer name "{INJECTION}" is already used', "x\ny.json")], files_checked=1), stream)
    assert stream.getvalue().splitlines() == [
        'x\\ny.json:1:1: error AIB201 customizer name "a\\nevil.json:1:1: error AIB999 fake \\x1b]0;pwned\\x07" is already used',
        "1 problem (1 error) in 1 file checked",
    ]
    assert printable("tab\tstays, \u2028 and \x9b do not") == "tab\tstays, \\u2028 and \\x9b do not"


@given(st.text(alphabet=st.characters(max_codepoint=0x3000)))
def test_a_printable_text_is_written_as_it_is(text: str) -> None:
    """The shortcut for texts without a control character gives what the escaping pattern gives."""
    from aiblint.formatters.text import _CONTROL, _escape

    assert printable(text) == _CONTROL().sub(_escape, text)


def test_a_template_cannot_inject_lines_or_terminal_sequences(write) -> None:  # type: ignore[no-untyped-def]
    """End to end: a customizer name holding a line break and an escape sequence, twice (AIB201)."""
    step = {"type": "Shell", "name": INJECTION, "inline": ["true"]}
    template = {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-02-14", "location": "westus",
                "properties": {"source": {"type": "PlatformImage"}, "customize": [step, step], "distribute": []}}
    write("t.json", json.dumps(template, indent=2))
    write("raw.json", b'{"a": "x\x1b[31mRED\x1b[0m"}')
    for fmt in sorted(formatter_classes()):
        for color in ("never", "always"):
            code, out = main_in_process("--format", fmt, "--color", color, "--select", "AIB001,AIB201", "t.json", "raw.json")
            assert code == 1
            assert not any(line.startswith("evil.json") for line in out.splitlines()), (fmt, color)
            if fmt == "text":  # the format for terminals: no escape sequence from a file reaches one
                assert "\x07" not in out and "\x1b]" not in out and "\x1b[31mRED" not in out, color


def test_a_file_name_that_is_not_utf8_in_every_format(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Linux names are bytes: 'caf\\xe9.json' is read back as 'caf\\udce9.json'. SARIF
    percent-encodes the name's own bytes; no format fails on it."""
    import os

    name = os.fsdecode(b"caf\xe9.json")
    (tmp_path / name).write_text('{"properties": NaN}')
    for fmt in sorted(formatter_classes()):
        code, out = main_in_process("--format", fmt, "--no-cache", name)
        assert code == 1, fmt
        out.encode("utf-8")
        if fmt == "sarif":
            assert json.loads(out)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "caf%E9.json"
        if fmt == "text":
            assert out.startswith("caf\\udce9.json:1:16: error AIB001 NaN is not valid JSON")


def test_a_reader_that_stops_reading_gets_no_traceback(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    for index in range(200):
        (tmp_path / f"t{index}.json").write_text('{"properties": NaN}')
    command = f"{sys.executable} -m aiblint --no-cache t*.json | head -n 1"
    result = subprocess.run(["sh", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.stdout.count("\n") == 1
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr


def test_a_code_frame_shows_a_window_of_a_long_line() -> None:
    """A minified template is one line: each frame shows about 160 characters
    around the finding, the caret under it, not the whole line again."""
    line = '{"a": "' + "x" * 5000 + '", "location": "mars", "b": "' + "y" * 5000 + '"}'
    column = line.index('"mars"') + 1
    finding = Finding("t.json", 1, column, 1, column + 6, "AIB200", Severity.ERROR, "not a region")
    stream = io.StringIO()
    TextFormatter({}, sources={"t.json": line + "\n"}).write(Report(findings=[finding], files_checked=1), stream)
    _, source, caret, _ = stream.getvalue().split("\n", 3)
    assert len(source) < 180 and source.startswith("    1 | …xxx") and source.endswith("yyy…")
    assert source[caret.index("^") : caret.index("^") + 6] == '"mars"' and caret.strip() == "^" * 6
