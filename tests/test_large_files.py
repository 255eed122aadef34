"""AIB232: a File customizer for a large file: measured when it resolves to a local file,
else judged by its name; reported at the sourceUri."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiblint import lint_paths
from aiblint.config import Config


def _lint(tmp_path: Path, *steps: dict[str, object], validate: bool = False) -> list[tuple[str, int, int, str, str]]:
    properties: dict[str, object] = {"validate": {"inVMValidations": list(steps)}} if validate else {"customize": list(steps)}
    text = json.dumps({"type": "Microsoft.VirtualMachineImages/imageTemplates", "properties": properties}, indent=2)
    (tmp_path / "t.json").write_text(text)
    report = lint_paths(["t.json"], cwd=tmp_path, config=Config(select=["AIB232"]))
    assert not report.errors, report.errors
    lines = text.splitlines()
    return [(f.rule, f.line, f.column, f.severity.label, lines[f.line - 1][f.column - 1 : f.end_column - 1]) for f in report.findings]


def _file(source: str, destination: str = "/tmp/x", name: str = "f") -> dict[str, object]:
    return {"type": "File", "name": name, "sourceUri": source, "destination": destination}


def test_local_file_over_20_mb_is_a_warning_with_its_size(tmp_path: Path) -> None:
    with open(tmp_path / "media.bin", "wb") as stream:  # sparse: no 21 MB written
        stream.truncate(21 * 1024 * 1024)
    (tmp_path / "small.zip").write_bytes(b"PK")
    found = _lint(tmp_path, _file("media.bin", name="media"), _file("small.zip"))
    assert found == [("AIB232", 8, 22, "warning", '"media.bin"')]
    message = lint_paths(["t.json"], cwd=tmp_path, config=Config(select=["AIB232"])).findings[0].message
    assert message.startswith('File customizer "media" downloads a file of 21.0 MB: the File customizer is suited only to '
                              "files under 20 MB")


def test_exactly_20_mb_is_not_reported(tmp_path: Path) -> None:
    with open(tmp_path / "media.iso", "wb") as stream:
        stream.truncate(20 * 1024 * 1024)
    assert _lint(tmp_path, _file("media.iso")) == []


@pytest.mark.parametrize(
    ("step", "kind"),
    [
        (_file("https://contoso.blob.core.windows.net/media/SQL.ISO?sv=2020&sig=x"), ".iso"),
        (_file("https://example.org/agent.tar.gz"), ".tar.gz"),
        (_file("https://example.org/Office.zip"), ".zip"),
        (_file("[parameters('installerUri')]", "C:\\BuildArtifacts\\agent.msi"), ".msi"),
    ],
    ids=["iso-with-sas", "tarball", "zip", "expression-destination"],
)
def test_names_of_large_kinds_are_notes(tmp_path: Path, step: dict[str, object], kind: str) -> None:
    found = _lint(tmp_path, step)
    assert [(rule, line, severity) for rule, line, _, severity, _ in found] == [("AIB232", 8, "note")]
    message = lint_paths(["t.json"], cwd=tmp_path, config=Config(select=["AIB232"])).findings[0].message
    assert f"downloads a `{kind}` file, and such files are seldom small" in message


def test_file_validators_too_and_small_kinds_not(tmp_path: Path) -> None:
    assert [line for _, line, *_ in _lint(tmp_path, _file("https://example.org/a.iso"), validate=True)] == [9]
    assert _lint(tmp_path, _file("https://example.org/app.conf"), _file("https://example.org/setup.ps1"),
                 {"type": "Shell", "name": "s", "scriptUri": "https://example.org/big.iso"}) == []


def test_the_known_tail_of_a_partly_known_uri_names_the_file(tmp_path: Path) -> None:
    text = json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"base": {"type": "string"}},
        "resources": [{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "name": "t",
                       "location": "westus2", "properties": {"customize": [
                           _file("[concat(parameters('base'), '/disk.vhdx')]", "[parameters('base')]")]}}],
    }, indent=2)
    (tmp_path / "t.json").write_text(text)
    findings = lint_paths(["t.json"], cwd=tmp_path, config=Config(select=["AIB232"])).findings
    assert [(f.rule, f.line, f.column) for f in findings] == [("AIB232", 20, 26)]
    assert "downloads a `.vhdx` file" in findings[0].message
