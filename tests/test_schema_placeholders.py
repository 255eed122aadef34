"""AIB230: values copied from the schema reference ("string", a checksum of zeros), once
per value, where they are written; zeros AIB212 can compare with a local file are AIB212's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiblint import lint_paths
from aiblint.config import Config

ZEROS = "0" * 64


def _lint(tmp_path: Path, text: str, *rules: str) -> list[tuple[str, int, int, str, str]]:
    (tmp_path / "t.json").write_text(text)
    report = lint_paths(["t.json"], cwd=tmp_path, config=Config(select=list(rules or ("AIB230",))))
    assert not report.errors, report.errors
    lines = text.splitlines()
    return [(f.rule, f.line, f.column, f.severity.label, lines[f.line - 1][f.column - 1 : f.end_column - 1]) for f in report.findings]


def _template(customize: list[dict[str, object]], validate: list[dict[str, object]] | None = None) -> str:
    properties: dict[str, object] = {"customize": customize}
    if validate is not None:
        properties["validate"] = {"inVMValidations": validate}
    return json.dumps({"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01",
                       "properties": properties}, indent=2)


def test_names_and_checksums_reported_once_each(tmp_path: Path) -> None:
    text = _template(
        [{"type": "Shell", "name": "string", "scriptUri": "https://example.org/a.sh", "sha256Checksum": "string"},
         {"type": "File", "name": "agent", "sourceUri": "https://example.org/agent.tar.gz", "destination": "/tmp/a.tar.gz",
          "sha256Checksum": ZEROS}],
        [{"type": "Shell", "name": "check", "scriptUri": "https://example.org/v.sh", "sha256Checksum": "string"}],
    )
    assert _lint(tmp_path, text) == [
        ("AIB230", 8, 17, "note", '"string"'),
        ("AIB230", 10, 27, "warning", '"string"'),
        ("AIB230", 17, 27, "warning", f'"{ZEROS}"'),
        ("AIB230", 26, 29, "warning", '"string"'),
    ]
    findings = lint_paths(["t.json"], cwd=tmp_path, config=Config(select=["AIB230"])).findings
    assert findings[0].message.startswith('step name "string" is the schema reference\'s type word')
    assert findings[2].message.startswith("sha256Checksum is zeros, a placeholder, not the file's checksum: the build fails")


@pytest.mark.parametrize(
    "step",
    [
        {"type": "Shell", "name": "String tools", "inline": ["echo string"]},
        {"type": "Shell", "name": "stringify", "scriptUri": "https://example.org/a.sh", "sha256Checksum": "0" * 8},
        {"type": "Shell", "name": "inline", "inline": ["echo hi"], "sha256Checksum": "string"},
        {"type": "Shell", "name": "[parameters('name')]", "scriptUri": "https://example.org/a.sh", "sha256Checksum": "[parameters('sum')]"},
        {"type": "Shell", "name": "real", "scriptUri": "https://example.org/a.sh",
         "sha256Checksum": "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"},
    ],
    ids=["words-around-string", "short-zeros-are-aib212s", "no-download", "expressions", "real-checksum"],
)
def test_not_reported(tmp_path: Path, step: dict[str, object]) -> None:
    assert _lint(tmp_path, _template([step])) == []


def test_a_parameter_default_reported_where_it_is_written(tmp_path: Path) -> None:
    text = json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"stepName": {"type": "string", "defaultValue": "string"}},
        "resources": [{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "name": "t",
                       "location": "westus2",
                       "properties": {"customize": [{"type": "Shell", "name": "[parameters('stepName')]", "inline": ["echo"]}]}}],
    }, indent=2)
    assert _lint(tmp_path, text) == [("AIB230", 7, 23, "note", '"string"')]


def test_zeros_one_finding_per_value(tmp_path: Path) -> None:
    """Zeros next to a file AIB212 can read are AIB212's (its message gives the right checksum);
    next to one it cannot, AIB230's; short zeros are AIB212's malformed checksum."""
    (tmp_path / "a.sh").write_text("echo hi\n")
    text = _template([{"type": "Shell", "name": "a", "scriptUri": "a.sh", "sha256Checksum": ZEROS},
                      {"type": "Shell", "name": "b", "scriptUri": "https://example.org/b.sh", "sha256Checksum": ZEROS},
                      {"type": "Shell", "name": "c", "scriptUri": "a.sh", "sha256Checksum": "0000000000"}])
    assert [(rule, line) for rule, line, *_ in _lint(tmp_path, text, "AIB230", "AIB212")] == [
        ("AIB212", 10), ("AIB230", 16), ("AIB212", 22),
    ]
