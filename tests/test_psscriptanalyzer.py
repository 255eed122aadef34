"""PSScriptAnalyzer through pwsh: a stand-in pwsh on PATH replays the documented
DiagnosticRecord shape; the real one runs when it is installed."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from aiblint.run import lint_paths
from aiblint.scripts import psscriptanalyzer
from tests.conftest import main_in_process
from tests.fake_tools import put_on_path

# The third inline element holds a \" escape and a non-ASCII letter before Write-Host.
INLINE = r"""{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {
        "type": "PowerShell",
        "name": "setup",
        "inline": [
          "$ErrorActionPreference = 'Stop'",
          "New-Item -ItemType Directory -Path 'C:\\app' -Force | Out-Null",
          "$name = \"Café\"; Write-Host $name"
        ]
      }
    ]
  }
}
"""

# A stand-in for `pwsh -File <driver> -Jobs <jobs.json>`: for every .ps1 of every job
# folder, one PSAvoidUsingWriteHost record per Write-Host, printed as ConvertTo-Json
# prints Invoke-ScriptAnalyzer's DiagnosticRecord objects ("raw": Severity as the enum
# number, positions in Extent) or as aiblint's driver flattens them ("flat").
STAND_IN = r'''
import json, os, pathlib, sys
jobs = json.loads(pathlib.Path(sys.argv[sys.argv.index("-Jobs") + 1]).read_text())
log = os.environ.get("PWSH_LOG")
if log:
    with open(log, "a") as handle:
        settings = [pathlib.Path(job["settings"]).read_text(encoding="utf-8-sig") if job["settings"] else None for job in jobs]
        handle.write(json.dumps({"argv": sys.argv[1:], "jobs": jobs, "settings_text": settings}) + "\n")
mode = os.environ.get("PWSH_MODE", "flat")
records = []
for job in jobs:
    for script in sorted(pathlib.Path(job["folder"]).glob("*.ps1")):
        for number, line in enumerate(script.read_text(encoding="utf-8-sig").split("\n"), 1):
            column = line.find("Write-Host")
            if column < 0:
                continue
            common = {"RuleName": "PSAvoidUsingWriteHost", "Message": "File uses Write-Host.", "ScriptPath": str(script), "Line": number, "Column": column + 1}
            if mode == "raw":
                extent = {"StartLineNumber": number, "StartColumnNumber": column + 1, "EndLineNumber": number, "EndColumnNumber": column + 11, "Text": "Write-Host", "File": str(script)}
                records.append({**common, "Severity": 1, "Extent": extent, "ScriptName": script.name, "RuleSuppressionID": None, "SuggestedCorrections": None})
            else:
                records.append({**common, "Severity": "Warning", "EndLine": number, "EndColumn": column + 11})
print(json.dumps(records))
'''


def _install(monkeypatch: pytest.MonkeyPatch, folder: Path, body: str) -> None:
    """A Python ``pwsh`` first on PATH."""
    put_on_path(monkeypatch, folder, "pwsh", f"#!{sys.executable}\n{body}")


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    log = tmp_path / "pwsh.log"
    _install(monkeypatch, tmp_path / "bin", STAND_IN)
    monkeypatch.setenv("PWSH_LOG", str(log))
    return log


@pytest.mark.parametrize("mode", ["flat", "raw"])
def test_inline_finding_at_the_exact_column_in_every_format(write, stand_in: Path, monkeypatch: pytest.MonkeyPatch, mode: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PWSH_MODE", mode)
    write("t.json", INLINE)
    # Line 11: the quote at column 11; "$name = " 12-19, \" 20-21, Café 22-25, \" 26-27,
    # "; " 28-29: Write-Host is columns 30-39.
    expected = ("t.json", 11, 30, 11, 40, "PSAvoidUsingWriteHost")
    _, as_json = main_in_process("--format", "json", "--select", "PS", "t.json")
    assert [(f["path"], f["line"], f["column"], f["end_line"], f["end_column"], f["rule"], f["severity"], f["message"]) for f in json.loads(as_json)["findings"]] == [
        (*expected, "warning", "File uses Write-Host.")
    ]
    _, sarif = main_in_process("--format", "sarif", "--select", "PS", "t.json")
    result = json.loads(sarif)["runs"][0]["results"][0]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"], region["endLine"], region["endColumn"], result["ruleId"]) == expected[1:]
    _, text = main_in_process("--select", "PS", "t.json")
    assert text.splitlines()[0] == "t.json:11:30: warning PSAvoidUsingWriteHost File uses Write-Host."


def test_referenced_file_finding_in_its_own_file(write, stand_in: Path) -> None:  # type: ignore[no-untyped-def]
    write("scripts/setup.ps1", "\ufeffParam()\r\n$x = 'é'\r\n  Write-Host $x\r\n")
    write("t.json", INLINE.replace('"inline": [', '"scriptUri": "scripts/setup.ps1", "_inline": ['))
    report = lint_paths(["t.json"])
    assert [(f.path, f.line, f.column, f.end_column, f.rule) for f in report.findings if f.rule.startswith("PS")] == [
        ("scripts/setup.ps1", 3, 3, 13, "PSAvoidUsingWriteHost")
    ]


def test_one_pwsh_for_the_whole_run(write, stand_in: Path) -> None:  # type: ignore[no-untyped-def]
    for index in range(5):
        write(f"t{index}.json", INLINE)
    write(".shellcheckrc", "")  # unrelated settings change nothing
    report = lint_paths(["."])
    assert len(stand_in.read_text().splitlines()) == 1
    assert len([f for f in report.findings if f.rule == "PSAvoidUsingWriteHost"]) == 5


def test_pwsh_is_not_started_without_powershell(write, stand_in: Path) -> None:  # type: ignore[no-untyped-def]
    write("t.json", INLINE.replace('"PowerShell"', '"Shell"').replace("$name = \\\"Café\\\"; Write-Host $name", "true"))
    lint_paths(["t.json"])
    assert not stand_in.exists()


def test_the_nearest_settings_file_is_passed(write, stand_in: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = write("images/PSScriptAnalyzerSettings.psd1", "@{ ExcludeRules = @('PSAvoidUsingWriteHost') }\n")
    write("images/t.json", INLINE)
    write("other/t.json", INLINE)
    lint_paths(["images/t.json", "other/t.json"])
    [call] = [json.loads(line) for line in stand_in.read_text().splitlines()]
    assert call["argv"][:4] == ["-NoLogo", "-NoProfile", "-NonInteractive", "-File"]
    # aiblint's own copy of the settings (read as data), never the repository's file
    assert sorted(text or "" for text in call["settings_text"]) == ["", "@{'ExcludeRules' = @('PSAvoidUsingWriteHost')}\n"]
    assert str(settings.resolve()) not in json.dumps(call["jobs"])


def test_missing_pwsh_is_one_note(write, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(psscriptanalyzer.shutil, "which", lambda name: None)
    write("a.json", INLINE)
    write("b.json", INLINE)
    report = lint_paths(["."])
    assert report.errors == []
    assert report.notes == [
        "PSScriptAnalyzer was not run: 'pwsh' (PowerShell 7) is not installed; 2 PowerShell scripts were not checked by it "
        "(aiblint's own AIB5xx checks still ran)"
    ]
    code, _ = main_in_process("--select", "PS", "a.json")
    assert code == 0


@pytest.mark.parametrize(
    ("body", "note"),
    [
        ("import sys; sys.stderr.write('PSScriptAnalyzer module not found\\n'); sys.exit(3)",
         "PSScriptAnalyzer was not run: the PSScriptAnalyzer module is not installed (Install-Module PSScriptAnalyzer); 1 PowerShell script was not checked by it"),
        ("print('garbage')", "PSScriptAnalyzer was not run: exit code 0; 1 PowerShell script was not checked by it"),
        ("import os; os.kill(os.getpid(), 9)", "PSScriptAnalyzer was not run: exit code -9; 1 PowerShell script was not checked by it"),
        ("import time; time.sleep(30)", "PSScriptAnalyzer did not finish within 1 s; 1 PowerShell script was not checked by it"),
    ],
)
def test_a_failing_pwsh_is_a_note(write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, note: str) -> None:  # type: ignore[no-untyped-def]
    _install(monkeypatch, tmp_path / "bin", body)
    monkeypatch.setattr(psscriptanalyzer, "TIMEOUT_SECONDS", 1.0)
    write("t.json", INLINE)
    report = lint_paths(["t.json"])
    assert report.errors == []
    assert report.notes == [note]


def test_empty_output_means_no_findings(write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    _install(monkeypatch, tmp_path / "bin", "pass")
    write("t.json", INLINE)
    report = lint_paths(["t.json"])
    assert (report.notes, [f for f in report.findings if f.rule.startswith("PS")]) == ([], [])


@pytest.mark.skipif(shutil.which("pwsh") is None, reason="pwsh is not installed here")
def test_real_psscriptanalyzer(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", INLINE)
    report = lint_paths(["t.json"])
    if any("module is not installed" in note for note in report.notes):
        pytest.skip("pwsh is installed, the PSScriptAnalyzer module is not")
    assert report.notes == []
    found = [(f.line, f.column, f.rule) for f in report.findings if f.rule.startswith("PS")]
    assert (11, 30, "PSAvoidUsingWriteHost") in found
