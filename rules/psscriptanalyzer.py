"""PS + rule name: PSScriptAnalyzer on every PowerShell customizer and validator."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from aiblint.findings import Severity
from aiblint.rule import Example, Problem, Rule, RunNote
from aiblint.scripts.units import ScriptUnit


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
        if not any(unit.language == "powershell" for unit in units):
            return  # as check() would say: nothing, and its modules stay unimported
        from aiblint.scripts import psscriptanalyzer
        from aiblint.scripts.analyzers import problems

        yield from problems(psscriptanalyzer.check(units))
