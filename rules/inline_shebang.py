"""AIB511: a shebang among Shell inline commands, which Packer's own shebang overrides."""

from __future__ import annotations

from collections.abc import Iterator

from aiblint.findings import Severity
from aiblint.rule import Example, Problem, Rule
from aiblint.scripts.dialect import from_shebang, interpreter
from aiblint.scripts.units import ScriptUnit


class InlineShebangIgnored(Rule):
    id = "AIB511"
    name = "inline-shebang-ignored"
    severity = Severity.WARNING
    summary = "A shebang in Shell inline commands is only a comment: they run under /bin/sh -e"
    tags = ("shell",)
    description = """\
Image Builder runs a Shell customizer's `inline` commands the way Packer's shell
provisioner does: it writes them, one per line, into one file whose first line is its own
`#!/bin/sh -e` (the provisioner's `inline_shebang`), then runs that file (aib-runtime.md §1;
`hashicorp/packer` `provisioner/shell/provisioner.go`). A `#!/bin/bash` written as the
first inline command is therefore the second line of the file, a comment: the commands
still run under `/bin/sh` (dash on Ubuntu and Debian), and bash syntax (`[[ ]]`, arrays,
`source`, `set -o pipefail` on older dash) fails the build. ShellCheck checks such
commands as `sh` and reports the bashisms (SC3xxx).

Not reported when the shebang names the same shell as the one that runs the commands.
If Image Builder runs them under another shell for you, set `inline-shebang`.

**Fix:** write POSIX `sh`, or move the commands into a script file that starts with the
shebang and reference it with `scriptUri`, or run them with `bash -c '...'`.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "setup", "inline": ["#!/bin/bash", "set -o pipefail", "sudo apt-get update"]}
    ]
  }
}
""",
            ((5, 54),),
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "setup", "inline": ["#!/bin/sh", "sudo apt-get update"]}
    ]
  }
}
""",
            (),
            "the shell that runs the commands anyway",
        ),
    )

    def check_script(self, unit: ScriptUnit) -> Iterator[Problem]:
        if unit.origin != "inline" or unit.language != "shell" or not unit.lines[0].startswith("#!"):
            return
        first = unit.lines[0]
        written = first[2:].strip()
        if from_shebang(written) == from_shebang(unit.interpreter):
            return
        shell = (interpreter(written) or ["it"])[0]
        yield unit.problem(
            f"this shebang is only a comment: Image Builder writes #!{unit.interpreter} above inline commands, "
            f"so they run under {unit.interpreter}, not {shell}; put {shell} code in a scriptUri file that starts "
            f"with this shebang, or run it with {shell} -c",
            1, 1, 1, len(first) + 1,
        )
