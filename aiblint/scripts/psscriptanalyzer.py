"""PSScriptAnalyzer over every PowerShell unit of a run, in one ``pwsh`` process.

``pwsh`` takes seconds to start and to import the module, so it runs once per
run and only when there is PowerShell to check. The units are written to a
temporary folder (one sub-folder per ``PSScriptAnalyzerSettings.psd1`` that
applies, the nearest one walking up from the template or the script), and a
small driver script calls ``Invoke-ScriptAnalyzer`` on each folder and
prints the diagnostic records as JSON: ``RuleName``, ``Severity``, ``Line``,
``Column``, ``Extent`` (with ``EndLineNumber``/``EndColumnNumber``),
``Message``, ``ScriptPath``, the documented shape of a DiagnosticRecord.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aiblint.scripts.settings import current_settings
from aiblint.scripts.tally import not_checked
from aiblint.scripts.units import ScriptUnit

TIMEOUT_SECONDS = 300.0
SETTINGS_NAME = "PSScriptAnalyzerSettings.psd1"
#: DiagnosticSeverity enum values, when ConvertTo-Json writes them as numbers.
_SEVERITY_NAMES = {0: "Information", 1: "Warning", 2: "Error", 3: "ParseError"}
#: Exit code of the driver when the PSScriptAnalyzer module cannot be imported.
_NO_MODULE = 3

# Reads the job file (a JSON list of {folder, settings}), analyzes each folder
# and prints every record, flattened to the fields aiblint reads.
DRIVER = r"""
param([Parameter(Mandatory)][string]$Jobs)
$ErrorActionPreference = 'Stop'
try { Import-Module PSScriptAnalyzer } catch { [Console]::Error.WriteLine("PSScriptAnalyzer module not found: $_"); exit 3 }
$records = foreach ($job in (Get-Content -Raw -LiteralPath $Jobs | ConvertFrom-Json)) {
    $arguments = @{ Path = $job.folder }
    if ($job.settings) { $arguments.Settings = $job.settings }
    Invoke-ScriptAnalyzer @arguments | ForEach-Object {
        [pscustomobject]@{
            RuleName = $_.RuleName; Severity = "$($_.Severity)"; Line = $_.Line; Column = $_.Column
            EndLine = $_.Extent.EndLineNumber; EndColumn = $_.Extent.EndColumnNumber
            Message = $_.Message; ScriptPath = $_.ScriptPath
        }
    }
}
ConvertTo-Json -InputObject @($records) -Depth 3 -Compress
"""


@dataclass(frozen=True)
class Diagnostic:
    unit: ScriptUnit
    rule: str  # PSScriptAnalyzer's RuleName (PSAvoidUsingWriteHost)
    severity: str  # Information | Warning | Error | ParseError
    message: str
    line: int
    column: int
    end_line: int | None
    end_column: int | None


@dataclass
class Outcome:
    diagnostics: list[Diagnostic]
    notes: list[str]
    checked: int = 0


def check(units: Sequence[ScriptUnit]) -> Outcome:
    powershell = [unit for unit in units if unit.language == "powershell"]
    outcome = Outcome([], [])
    if not powershell:
        return outcome
    program = shutil.which("pwsh")
    if program is None:
        outcome.notes.append(
            f"PSScriptAnalyzer was not run: 'pwsh' (PowerShell 7) is not installed; "
            f"{not_checked(len(powershell), 'PowerShell', 'it')} (aiblint's own AIB5xx checks still ran)"
        )
        return outcome
    with tempfile.TemporaryDirectory(prefix="aiblint-pssa-") as folder:
        files, jobs = _write(Path(folder), powershell)
        _run(program, Path(folder), jobs, files, outcome)
    return outcome


def _write(folder: Path, units: list[ScriptUnit]) -> tuple[dict[Path, list[ScriptUnit]], Path]:
    """One sub-folder per settings file; units with the same file and text share one copy."""
    files: dict[Path, list[ScriptUnit]] = {}
    seen: dict[object, Path] = {}
    groups: dict[Path | None, Path] = {}
    for unit in units:
        same = (unit.document.path, unit.text) if unit.origin == "file" else id(unit)
        if same in seen:
            files[seen[same]].append(unit)
            continue
        settings = _settings_file(unit)
        group = groups.setdefault(settings, folder / f"group{len(groups)}")
        group.mkdir(exist_ok=True)
        path = group / f"{len(files):04d}.ps1"
        path.write_text(unit.text, encoding="utf-8-sig", errors="replace")  # Windows PowerShell needs the BOM
        files[path] = [unit]
        seen[same] = path
    jobs = [{"folder": str(group), "settings": str(settings) if settings else None} for settings, group in groups.items()]
    job_file = folder / "jobs.json"
    job_file.write_text(json.dumps(jobs), encoding="utf-8")
    return files, job_file


def _settings_file(unit: ScriptUnit) -> Path | None:
    if unit.resolution is not None and unit.resolution.path is not None:
        start = unit.resolution.path.parent
    elif unit.template.document.path.startswith("<"):
        return None
    else:
        start = (current_settings().cwd / unit.template.document.path).parent
    try:
        start = start.resolve()
    except OSError:
        return None
    return next((folder / SETTINGS_NAME for folder in (start, *start.parents) if (folder / SETTINGS_NAME).is_file()), None)


def _run(program: str, folder: Path, jobs: Path, files: dict[Path, list[ScriptUnit]], outcome: Outcome) -> None:
    driver = folder / "aiblint-pssa.ps1"
    driver.write_text(DRIVER, encoding="utf-8-sig")
    command = [program, "-NoLogo", "-NoProfile", "-NonInteractive", "-File", str(driver), "-Jobs", str(jobs)]
    count = len(files)
    try:
        result = subprocess.run(command, cwd=folder, capture_output=True, timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        outcome.notes.append(f"PSScriptAnalyzer did not finish within {TIMEOUT_SECONDS:.0f} s; {not_checked(count, 'PowerShell', 'it')}")
        return
    except OSError as error:
        outcome.notes.append(f"PSScriptAnalyzer could not be started ({program}: {error.strerror or error}); {not_checked(count, 'PowerShell', 'it')}")
        return
    records = _parse(result.stdout)
    if result.returncode != 0 or records is None:
        detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = detail[0] if detail else f"exit code {result.returncode}"
        if result.returncode == _NO_MODULE:
            reason = "the PSScriptAnalyzer module is not installed (Install-Module PSScriptAnalyzer)"
        outcome.notes.append(f"PSScriptAnalyzer was not run: {reason}; {not_checked(count, 'PowerShell', 'it')}")
        return
    outcome.checked += sum(len(units) for units in files.values())
    by_path = {_key(path): units for path, units in files.items()}
    for record in records:
        for unit in by_path.get(_key(Path(str(record.get("ScriptPath", "")))), []):
            diagnostic = _diagnostic(unit, record)
            if diagnostic is not None:
                outcome.diagnostics.append(diagnostic)


def _key(path: Path) -> str:
    """Paths as PowerShell prints them may differ in case (Windows) or links (macOS /private/tmp)."""
    with contextlib.suppress(OSError):
        path = path.resolve()
    return str(path).casefold()


def _parse(stdout: bytes) -> list[dict[str, object]] | None:
    text = stdout.decode("utf-8-sig", "replace").strip()
    if not text:
        return []  # ConvertTo-Json of an empty array prints nothing in older PowerShell
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if isinstance(data, dict):
        data = [data]  # one record is not wrapped in an array by older PowerShell
    return [record for record in data if isinstance(record, dict)] if isinstance(data, list) else None


def _diagnostic(unit: ScriptUnit, record: dict[str, object]) -> Diagnostic | None:
    """One record, in the flattened shape the driver prints or a raw DiagnosticRecord."""
    extent = record.get("Extent") if isinstance(record.get("Extent"), dict) else {}
    assert isinstance(extent, dict)
    line = _int(record.get("Line"), extent.get("StartLineNumber"))
    column = _int(record.get("Column"), extent.get("StartColumnNumber"))
    name = record.get("RuleName")
    if line is None or column is None or not isinstance(name, str) or not name:
        return None
    severity = record.get("Severity")
    severity_name = _SEVERITY_NAMES.get(severity, "Warning") if isinstance(severity, int) else str(severity or "Warning")
    return Diagnostic(
        unit, name, severity_name, str(record.get("Message", "")), line, column,
        _int(record.get("EndLine"), extent.get("EndLineNumber")),
        _int(record.get("EndColumn"), extent.get("EndColumnNumber")),
    )


def _int(*candidates: object) -> int | None:
    for candidate in candidates:
        if isinstance(candidate, int) and not isinstance(candidate, bool):
            return candidate
    return None
