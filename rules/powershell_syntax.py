"""AIB507: a PowerShell script that does not parse."""

from __future__ import annotations

from collections.abc import Iterator

from aiblint.findings import Severity
from aiblint.rule import Example, Problem, Rule
from aiblint.scripts.units import ScriptUnit


class PowerShellDoesNotParse(Rule):
    id = "AIB507"
    name = "powershell-does-not-parse"
    severity = Severity.ERROR
    summary = "A PowerShell script does not parse"
    tags = ("powershell",)
    description = """\
A PowerShell customizer or validator whose script does not parse fails the build as soon
as the step starts: PowerShell reads the whole script before it runs any of it. The usual
causes in a template are quoting mistakes in `inline` commands (a `\\"` that ends up
closing a string early, an apostrophe in a word) and a brace or parenthesis lost across
elements; each element of `inline` is one line of the script (aib-runtime.md §2).

aiblint parses PowerShell without `pwsh`, with the tree-sitter PowerShell grammar. That
grammar rejects some valid PowerShell, so a script is reported only when a scan of
PowerShell's lexical rules confirms it: a string, here-string, block comment or `${...}`
that is never closed, or a `(`/`{` that is never closed or is closed by the wrong bracket.
The finding points at that place. Shell scripts get ShellCheck's parse errors (SC1xxx)
instead. A script with a line aiblint cannot know (an ARM expression) is not judged.

**Fix:** close the string or bracket. In JSON, `\\"` is a double quote inside the
PowerShell line; to put a literal double quote inside a PowerShell double-quoted string,
write it twice (`\\"\\"`) or use single quotes.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "PowerShell", "name": "tools", "inline": ["$ErrorActionPreference = 'Stop'", "Write-Host \\"Installing café tools", "choco install -y git"]}
    ]
  }
}
""",
            ((5, 105),),
            "a string that is never closed",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "PowerShell", "name": "tools", "inline": ["if (Test-Path C:\\\\tools) {", "  Write-Host 'tools exist'", "}", "choco install -y git --version=2.43.0"]}
    ]
  }
}
""",
            (),
            "valid PowerShell, including lines the grammar alone would reject",
        ),
    )

    def check_script(self, unit: ScriptUnit) -> Iterator[Problem]:
        if unit.language != "powershell" or unit.has_unknown_lines:
            return
        from aiblint.scripts.offsets import problem_at
        from aiblint.scripts.powershell import syntax_problem

        problem = syntax_problem(unit.text)
        if problem is not None:
            message = f"PowerShell cannot parse this script: {problem.message}"
            yield problem_at(unit, problem.offset, problem.offset + problem.length, message)
