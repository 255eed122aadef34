"""PSScriptAnalyzer over every PowerShell unit of a run, in one ``pwsh`` process.

``pwsh`` takes seconds to start and to import the module, so it runs once per
run and only when there is PowerShell to check. The units are written to a
temporary folder (one sub-folder per ``PSScriptAnalyzerSettings.psd1`` that
applies, the nearest one walking up from the template or the script, inside the
repository), and a small driver script calls ``Invoke-ScriptAnalyzer`` on each folder and
prints the diagnostic records as JSON: ``RuleName``, ``Severity``, ``Line``,
``Column``, ``Extent`` (with ``EndLineNumber``/``EndColumnNumber``),
``Message``, ``ScriptPath``, the documented shape of a DiagnosticRecord.

The repository's settings file is never given to PSScriptAnalyzer: its
``CustomRulePath`` imports modules, which is running code from a pull request.
aiblint reads it as data (:mod:`aiblint.scripts.psd1`), keeps the keys that
choose and tune rules, and gives PSScriptAnalyzer a settings file of its own
holding only those.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Sequence
from pathlib import Path

from aiblint import tempfolders
from aiblint.discover import display_path
from aiblint.findings import Severity
from aiblint.scripts.analyzers import Outcome, ToolFinding, first_error_line, nearest, run_tool, same_script
from aiblint.scripts.psd1 import MAX_SETTINGS_BYTES, SettingsError, read_settings, to_psd1
from aiblint.scripts.settings import current_settings
from aiblint.scripts.tally import not_checked
from aiblint.scripts.units import ScriptUnit

TIMEOUT_SECONDS = 300.0
SETTINGS_NAME = "PSScriptAnalyzerSettings.psd1"
#: DiagnosticSeverity enum values, when ConvertTo-Json writes them as numbers.
_SEVERITY_NAMES = {0: "Information", 1: "Warning", 2: "Error", 3: "ParseError"}
_SEVERITIES = {"error": Severity.ERROR, "parseerror": Severity.ERROR, "warning": Severity.WARNING, "information": Severity.NOTE}
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


def rule_id(name: str) -> str:
    """``PS`` + the rule name; PSScriptAnalyzer's own names already start with it."""
    return name if name.upper().startswith("PS") else f"PS{name}"


def check(units: Sequence[ScriptUnit]) -> Outcome:
    powershell = [unit for unit in units if unit.language == "powershell"]
    outcome = Outcome()
    if not powershell:
        return outcome
    program = shutil.which("pwsh")
    if program is None:
        outcome.notes.append(
            f"PSScriptAnalyzer was not run: 'pwsh' (PowerShell 7) is not installed; "
            f"{not_checked(len(powershell), 'PowerShell', 'it')} (aiblint's own AIB5xx checks still ran)"
        )
        return outcome
    with tempfolders.folder("aiblint-pssa-") as folder:
        files, jobs = _write(Path(folder), powershell, outcome)
        _run(program, Path(folder), jobs, files, outcome)
    return outcome


def _write(folder: Path, units: list[ScriptUnit], outcome: Outcome) -> tuple[dict[Path, list[ScriptUnit]], Path]:
    """One sub-folder per settings file; units that are one script share one copy."""
    files: dict[Path, list[ScriptUnit]] = {}
    seen: dict[object, Path] = {}
    groups: dict[Path | None, Path] = {}
    cache: dict[tuple[Path, Path], Path | None] = {}
    for unit in units:
        same = same_script(unit)
        if same in seen:
            files[seen[same]].append(unit)
            continue
        group = groups.setdefault(nearest(unit, (SETTINGS_NAME,), cache), folder / f"group{len(groups)}")
        group.mkdir(exist_ok=True)
        path = group / f"{len(files):04d}.ps1"
        path.write_text(unit.text, encoding="utf-8-sig", errors="replace")  # Windows PowerShell needs the BOM
        files[path] = [unit]
        seen[same] = path
    jobs = [{"folder": str(group), "settings": _safe_settings(settings, group, outcome)} for settings, group in groups.items()]
    job_file = folder / "jobs.json"
    job_file.write_text(json.dumps(jobs), encoding="utf-8")
    return files, job_file


def _safe_settings(settings: Path | None, group: Path, outcome: Outcome) -> str | None:
    """A settings file of aiblint's own next to ``group`` with what ``settings``
    holds as data (the kept keys only), or ``None`` for the defaults."""
    if settings is None:
        return None
    shown = display_path(settings, current_settings().cwd.resolve())
    try:
        with open(settings, "rb") as stream:
            data = stream.read(MAX_SETTINGS_BYTES + 1)
        if len(data) > MAX_SETTINGS_BYTES:
            raise SettingsError(f"larger than {MAX_SETTINGS_BYTES // 1024} KB", 1)
        kept = read_settings(data.decode("utf-8-sig", "replace"))
    except (OSError, SettingsError) as error:
        note = f"PSScriptAnalyzer settings {shown} were not used ({error}); PowerShell scripts there were checked with the default rules"
        if note not in outcome.notes:
            outcome.notes.append(note)
        return None
    copy = group.with_name(f"{group.name}.psd1")
    copy.write_text(to_psd1(kept) + "\n", encoding="utf-8-sig")
    return str(copy)


def _run(program: str, folder: Path, jobs: Path, files: dict[Path, list[ScriptUnit]], outcome: Outcome) -> None:
    count = sum(len(units) for units in files.values())  # units, as every note counts them: a sum over chunks stays right
    driver = folder / "aiblint-pssa.ps1"
    driver.write_text(DRIVER, encoding="utf-8-sig")
    command = [program, "-NoLogo", "-NoProfile", "-NonInteractive", "-File", str(driver), "-Jobs", str(jobs)]
    result = run_tool(command, folder, TIMEOUT_SECONDS, "PSScriptAnalyzer", count, "PowerShell", outcome)
    if result is None:
        return
    records = _parse(result.stdout)
    if result.returncode != 0 or records is None:
        reason = first_error_line(result, f"exit code {result.returncode}")
        if result.returncode == _NO_MODULE:
            reason = "the PSScriptAnalyzer module is not installed (Install-Module PSScriptAnalyzer)"
        outcome.notes.append(f"PSScriptAnalyzer was not run: {reason}; {not_checked(count, 'PowerShell', 'it')}")
        return
    outcome.checked += count
    by_path = {_key(path): units for path, units in files.items()}
    for record in records:
        for unit in by_path.get(_key(Path(str(record.get("ScriptPath", "")))), []):
            finding = _finding(unit, record)
            if finding is not None:
                outcome.findings.append(finding)


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


def _finding(unit: ScriptUnit, record: dict[str, object]) -> ToolFinding | None:
    """One record, in the flattened shape the driver prints or a raw DiagnosticRecord."""
    extent = record.get("Extent")
    extent = extent if isinstance(extent, dict) else {}
    line = _int(record.get("Line"), extent.get("StartLineNumber"))
    column = _int(record.get("Column"), extent.get("StartColumnNumber"))
    name = record.get("RuleName")
    if line is None or column is None or not isinstance(name, str) or not name:
        return None
    severity = record.get("Severity")
    severity_name = _SEVERITY_NAMES.get(severity, "Warning") if isinstance(severity, int) else str(severity or "Warning")
    return ToolFinding(
        unit, rule_id(name), _SEVERITIES.get(severity_name.casefold(), Severity.WARNING), str(record.get("Message", "")),
        line, column,
        _int(record.get("EndLine"), extent.get("EndLineNumber")),
        _int(record.get("EndColumn"), extent.get("EndColumnNumber")),
        structural=severity_name.casefold() == "parseerror",
    )


def _int(*candidates: object) -> int | None:
    for candidate in candidates:
        if isinstance(candidate, int) and not isinstance(candidate, bool):
            return candidate
    return None
