"""PS + rule name: PSScriptAnalyzer on every PowerShell customizer and validator."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from aiblint.findings import Severity
from aiblint.rule import Example, Problem, Rule, RunNote
from aiblint.scripts.units import ScriptUnit

_SEVERITIES = {"error": Severity.ERROR, "parseerror": Severity.ERROR, "warning": Severity.WARNING, "information": Severity.NOTE}


def rule_id(name: str) -> str:
    """``PS`` + the rule name; PSScriptAnalyzer's own names already start with it."""
    return name if name.upper().startswith("PS") else f"PS{name}"


class PSScriptAnalyzer(Rule):
    id = "PS"
    name = "psscriptanalyzer"
    severity = Severity.WARNING
    summary = "PSScriptAnalyzer finding in a PowerShell customizer or validator script"
    tags = ("powershell", "psscriptanalyzer")
    description = """\
When `pwsh` (PowerShell 7) with the PSScriptAnalyzer module is installed, every
PowerShell customizer and in-VM validator is analyzed with `Invoke-ScriptAnalyzer`, and
each finding is reported under its rule name (`PSAvoidUsingPlainTextForPassword`; a
custom rule without the `PS` prefix gets it) at the place where the code is written: the
exact line and column inside the `inline` JSON string, or in the file a `scriptUri`
resolves to.

Severities: Error and ParseError become errors, Warning stays a warning, Information
becomes a note. The nearest `PSScriptAnalyzerSettings.psd1` (walking up from the template,
or from the script file) is passed as `-Settings`; suppression attributes in the script
work as usual.

`pwsh` takes seconds to start, so it runs once per run, over every PowerShell script at
once, and only when there is PowerShell to check, with a five-minute limit. Without
`pwsh` (or without the module) the run prints one note and goes on: aiblint's own
PowerShell checks (AIB507 and the AIB4xx/AIB5xx rules) do not need it.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "PowerShell", "name": "folders", "inline": ["$ErrorActionPreference = 'Stop'", "New-Item -ItemType Directory -Path 'C:\\\\app' -Force | Out-Null"]}
    ]
  }
}
""",
            (),
            "a clean script",
        ),
    )

    def check_scripts(self, units: Sequence[ScriptUnit]) -> Iterator[Problem | RunNote]:
        from aiblint.scripts import psscriptanalyzer

        outcome = psscriptanalyzer.check(units)
        for note in outcome.notes:
            yield RunNote(note)
        for diagnostic in outcome.diagnostics:
            unit = diagnostic.unit
            if unit.offset(diagnostic.line, diagnostic.column) is None:
                continue  # inside masked text
            if unit.has_unknown_lines and diagnostic.severity.casefold() == "parseerror":
                continue  # an unknown line may have closed the block
            yield unit.problem(
                diagnostic.message, diagnostic.line, diagnostic.column, diagnostic.end_line, diagnostic.end_column,
                rule=rule_id(diagnostic.rule), severity=_SEVERITIES.get(diagnostic.severity.casefold(), Severity.WARNING),
            )
