"""AIB508: PowerShell that does not stop on errors. AIB509: a script that
deletes or empties the deprovisioning script Image Builder runs last.

Both read scripts through :mod:`aiblint.scripts.syntax` (tree-sitter), inline
and referenced alike, so a comment or a string that mentions a command is
never taken for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from aiblint.findings import Severity
from aiblint.lazyre import lazy
from aiblint.model import ImageTemplate
from aiblint.rule import Example, Problem, Rule
from aiblint.scripts.offsets import problem_at
from aiblint.scripts.syntax import POWERSHELL, Command, parse, powershell_statements
from aiblint.scripts.units import ScriptUnit

from .deprovisioning_events import Event, deprovisioning_events, same_path
from .script_reading import PsCommand

_HEAD = '{\n  "type": "Microsoft.VirtualMachineImages/imageTemplates",\n  "properties": {\n    "customize": [\n'
_TAIL = "    ]\n  }\n}\n"


def _template(*customizers: str) -> str:
    return _HEAD + ",\n".join(f"      {customizer}" for customizer in customizers) + "\n" + _TAIL


# -- AIB508 ----------------------------------------------------------------------------------

#: Cmdlets (and aliases) that only write output, wait or reshape objects: their failing is
#: not what a build needs to stop for.
_HARMLESS: Final = frozenset({
    "write-host", "write-output", "write-verbose", "write-information", "write-warning", "write-debug",
    "write-progress", "echo", "write", "start-sleep", "sleep", "out-host", "out-null", "out-string", "out-default",
    "get-date", "set-strictmode", "set-executionpolicy", "new-object", "select-object", "where-object",
    "foreach-object", "sort-object", "measure-object", "group-object", "format-table", "format-list",
    "format-wide", "format-custom", "select", "where", "foreach", "sort", "measure", "group", "ft", "fl", "fw",
    "%", "?", "clear-host", "cls", "set-variable", "get-variable", "set", "get-host", "add-type", "exit",
})
#: Aliases and functions of Windows PowerShell that run cmdlets which can fail with a
#: non-terminating error (Microsoft's about_Aliases lists them).
_FAILING_ALIASES: Final = frozenset({
    "mkdir", "md", "rm", "del", "erase", "rd", "rmdir", "ri", "cp", "copy", "cpi", "mv", "move", "mi", "ni", "gi",
    "gci", "ls", "dir", "cat", "gc", "type", "sc", "ac", "cd", "chdir", "sl", "iwr", "irm", "curl", "wget", "start",
    "saps", "ren", "rni", "sp", "gp", "ipmo", "icm", "spsv", "sasv", "gsv", "kill", "spps", "expand-archive",
})
_CMDLET: Final = lazy(r"[a-z]+-[a-z0-9]+\Z")
_STOP_VALUE: Final = lazy(r"(?:\[(?:system\.management\.automation\.)?actionpreference\]::)?['\"]?stop['\"]?\Z", re.IGNORECASE)


def may_fail_silently(command: Command) -> bool:
    """A cmdlet (or alias) that reports failure with a non-terminating error and is
    not told what to do about it with ``-ErrorAction``."""
    if command.kind != "command" or command.words[0].value is None:
        return False
    name = command.name.casefold()
    if name in _HARMLESS or not (_CMDLET().match(name) or name in _FAILING_ALIASES):
        return False
    return not PsCommand(command, ("erroraction",)).has("erroraction") and not _has_ea(command)


def _has_ea(command: Command) -> bool:
    return any(word.option and (word.value or "").rstrip(":").casefold() == "-ea" for word in command.args)


def _stops_from(text: str) -> int | None:
    """Where the script makes errors terminating (``$ErrorActionPreference = 'Stop'``,
    ``$PSDefaultParameterValues['*:ErrorAction'] = 'Stop'``), if it does."""
    for assignment in powershell_statements(text).assignments:
        variable = assignment.variable.casefold()
        target = assignment.target.casefold()
        sets_preference = variable == "erroractionpreference" or (
            variable == "psdefaultparametervalues" and ":erroraction" in target
        )
        # A value that is not a literal (``$ErrorActionPreference = $mode``) is not known: assume it stops.
        unknown = assignment.value is None and "::" not in assignment.text
        if sets_preference and (unknown or _STOP_VALUE().match(assignment.value or assignment.text)):
            return assignment.start
    return None


def _exits_on_failure(text: str) -> bool:
    """The script reads ``$?`` or ``$LASTEXITCODE`` and can end with an error itself."""
    statements = powershell_statements(text)
    reads = any(name.casefold() in ("?", "lastexitcode") for name, _, _ in statements.variables)
    ends = any(item.keyword == "throw" or (item.keyword == "exit" and item.argument not in ("", "0")) for item in statements.flow)
    return reads and ends


class PowerShellErrorsIgnored(Rule):
    id = "AIB508"
    name = "powershell-errors-ignored"
    severity = Severity.NOTE
    summary = "PowerShell step that does not stop on errors: a failing cmdlet passes the build silently"
    description = """\
Image Builder fails a PowerShell customizer (or validator) only on its **exit code**: a
non-zero code that is not in `validExitCodes` (default `[0]`). Packer runs the script and then
`exit $LastExitCode`, and PowerShell's default `$ErrorActionPreference` is `Continue`. A cmdlet
that fails with a *non-terminating* error (`Copy-Item` of a missing file, `New-Item` in a
folder that does not exist, a download that returns 404) prints red text into the log and the
script goes on: the build succeeds and the image lacks what the step was for
(aib-runtime.md §2: the exit-code semantics are confidence **H**, from the docs and AIB logs;
the gap is **H** for `scriptUri` scripts and **M** for `inline` ones, since Packer 1.13 wraps
inline commands in `try`/`catch` but still leaves `$ErrorActionPreference` alone).

The rule reports the first cmdlet (or alias such as `mkdir`, `copy`, `iwr`) that can fail
this way, in inline commands and in referenced scripts, unless the script

- sets `$ErrorActionPreference = 'Stop'` (or `$PSDefaultParameterValues['*:ErrorAction'] =
  'Stop'`) before it, or
- gives that cmdlet `-ErrorAction` itself (`Stop`, or a deliberate `SilentlyContinue`), or
- reads `$?` or `$LASTEXITCODE` and ends with `exit <non-zero>` or `throw` somewhere.

Output-only cmdlets (`Write-Host`, `Start-Sleep`, ...) and native programs are not reported
(a native program's exit code is another matter: it only fails the build when it is the last
thing the script runs). A script with lines that are not known statically is not judged.
This is advice, hence a note.

Sources: the image template reference (`validExitCodes`); aib-runtime.md §2 (Packer's
PowerShell provisioner, AIB logs of its command line).

**Fix:** start the script with `$ErrorActionPreference = 'Stop'` (a terminating error ends
`powershell.exe` with exit code 1, which fails the build); for native programs also check
`$LASTEXITCODE` and `exit` with it.
"""
    examples = (
        Example(
            _template(
                '{"type": "PowerShell", "name": "app", "inline": ["New-Item -ItemType Directory C:\\\\app", '
                '"Copy-Item C:\\\\staging\\\\app.zip C:\\\\app"]}'
            ),
            ((5, 57),),
            "the first cmdlet that can fail silently",
        ),
        Example(
            _template(
                '{"type": "PowerShell", "name": "app", "inline": ["$ErrorActionPreference = \'Stop\'", '
                '"Copy-Item C:\\\\staging\\\\app.zip C:\\\\app"]}',
                '{"type": "PowerShell", "name": "tools", "inline": ["Write-Host \'Get-Item C:\\\\nope\'", '
                '"# Remove-Item C:\\\\temp", "choco install -y git"]}',
                '{"type": "PowerShell", "name": "checked", "inline": ["Copy-Item a.zip C:\\\\app -ErrorAction Stop", '
                '"Get-Item C:\\\\app\\\\a.zip -EA SilentlyContinue"]}',
                '{"type": "PowerShell", "name": "exit", "inline": ["Copy-Item a.zip C:\\\\app", '
                '"if (-not $?) { exit 1 }"]}',
            ),
            (),
            "stops on errors, output only, comments and strings, -ErrorAction, a $? check",
        ),
        Example(
            _template('{"type": "PowerShell", "name": "setup", "scriptUri": "scripts/setup.ps1"}'),
            ((1, 1),),
            "a referenced script (the finding is in scripts/setup.ps1)",
            files=(("scripts/setup.ps1", "Import-Module WebAdministration\nSet-ItemProperty IIS:\\AppPools\\x -Name y -Value z\n"),),
        ),
    )

    def check_script(self, unit: ScriptUnit) -> Iterator[Problem]:
        if unit.language != POWERSHELL or unit.has_unknown_lines:
            return
        text = unit.text
        if _exits_on_failure(text):
            return
        script = parse(POWERSHELL, text)
        stop = _stops_from(text)
        for command in sorted(script.commands, key=lambda item: item.start):
            if stop is not None and command.start >= stop:
                return
            if may_fail_silently(command):
                word = command.words[0]
                yield problem_at(
                    unit, word.start, word.end,
                    f"`{word.text}` can fail with a non-terminating error and the step still succeeds: only the exit "
                    "code fails a build, and nothing in this script stops on errors; start it with "
                    "`$ErrorActionPreference = 'Stop'` (or check `$?` and `exit 1`)",
                )
                return


# -- AIB509 ----------------------------------------------------------------------------------


class DeprovisioningScriptDeleted(Rule):
    id = "AIB509"
    name = "deprovisioning-script-deleted"
    severity = Severity.ERROR
    summary = "A script deletes or empties the deprovisioning script (/tmp/DeprovisioningScript.sh, c:\\DeprovisioningScript.ps1)"
    description = """\
Image Builder ends every build with a hidden customizer that generalizes the VM: it runs
`/tmp/DeprovisioningScript.sh` (Linux, `waagent -deprovision+user`) or
`c:\\DeprovisioningScript.ps1` (Windows, Sysprep). The troubleshooting guide warns that a
customizer that deletes the file breaks the build or the image, and the service then logs
"Deprovisioning script ... could not be found ... Please make sure the deprovisioning script is
not accidentally deleted by a Customizer" (aib-runtime.md §6-7, stated by the troubleshooting
guide and the template reference: confidence **H**). The only documented way to change it is to
overwrite the file with your own commands.

The rule reports, in the `customize` steps' scripts (inline and referenced):

- deleting or moving the file: `rm`, `unlink`, `shred -u`, `mv`, `find ... -delete`,
  `Remove-Item`/`del`, `Move-Item`, `[IO.File]::Delete(...)`;
- emptying `/tmp` (or `C:\\`) wholesale in a way that takes the file with it: `rm -rf /tmp/*`,
  `rm -rf /tmp`, `find /tmp -mindepth 1 -delete`, `Remove-Item C:\\*.ps1`;
- emptying the file: `: > /tmp/DeprovisioningScript.sh`, `truncate -s 0`, `cp /dev/null`,
  `Clear-Content`, `New-Item -Force` without `-Value`, `Set-Content` with an empty value.

Writing the file afterwards (the documented override: a redirect, `tee`, `cp`, a download, a
`File` customizer with that destination, `Set-Content` with content) in the same or a later
step undoes the deletion, and nothing is reported. Neither is anything when a later step's
content is not known (a script that cannot be read, an expression): it might write the file.
Paths built from variables, relative paths, and commands inside strings (`bash -c "..."`) are
not judged. Validators are not checked (whether they run before the deprovisioning step is not
documented).

**Fix:** leave the file alone, or overwrite it with the commands you want run (for
`/tmp`, delete only your own files: `rm -rf /tmp/build`).
"""
    tags = ("correctness",)
    examples = (
        Example(
            _template(
                '{"type": "Shell", "name": "cleanup", "inline": ["sudo rm -rf /tmp/*", "sudo rm -f /var/log/*.log"]}',
                '{"type": "PowerShell", "name": "tidy", "inline": ["Remove-Item -Path C:\\\\DeprovisioningScript.ps1 -Force"]}',
            ),
            ((5, 68), (6, 76)),
            "emptying /tmp, deleting the Windows script",
        ),
        Example(
            _template('{"type": "Shell", "name": "reset", "inline": ["sudo truncate -s 0 /tmp/DeprovisioningScript.sh"]}'),
            ((5, 73),),
            "emptying the file",
        ),
        Example(
            _template(
                '{"type": "Shell", "name": "override", "inline": ['
                '"sudo rm -f /tmp/DeprovisioningScript.sh", '
                '"echo \'sudo waagent -force -deprovision+user && export HISTSIZE=0 && sync\' | sudo tee /tmp/DeprovisioningScript.sh"]}',
                '{"type": "Shell", "name": "tidy", "inline": ["# rm -rf /tmp/*", "echo \'rm -rf /tmp/*\'", "rm -rf /tmp/build /tmp/*.log"]}',
                '{"type": "PowerShell", "name": "sysprep", "inline": ["Remove-Item C:\\\\Windows\\\\Temp\\\\* -Recurse -Force", '
                '"Set-Content -Path C:\\\\DeprovisioningScript.ps1 -Value \'& $env:SystemRoot\\\\System32\\\\Sysprep\\\\Sysprep.exe /oobe /generalize /quiet /quit /mode:vm\'"]}',
            ),
            (),
            "the documented override, a comment, a string, other files",
        ),
        Example(
            _template(
                '{"type": "Shell", "name": "cleanup", "inline": ["sudo rm -rf /tmp/*"]}',
                '{"type": "File", "name": "override", "sourceUri": "https://example.com/deprovision.sh", "destination": "/tmp/DeprovisioningScript.sh"}',
            ),
            (),
            "a later File customizer writes the override",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        events = deprovisioning_events(template)
        for index, event in enumerate(events):
            if event.kind not in ("delete", "empty"):
                continue
            if any(other.kind in ("write", "unknown") for other in events[index + 1 :]):
                continue  # written again afterwards, or might be
            yield _event_problem(event)


def _event_problem(event: Event) -> Problem:
    unit = event.unit
    assert unit is not None
    path = event.path
    if event.kind == "empty":
        what = f"empties {path}"
    elif not same_path(event.pattern, path, windows=unit.language == "powershell"):
        what = f"deletes {event.pattern}, which takes {path} with it"
    else:
        what = f"deletes {path}"
    message = (
        f"this command {what}: Image Builder runs that file last to generalize the VM, and without it the build fails or "
        "the image is not generalized; leave it alone, or overwrite it with your own commands (the documented override)"
    )
    return problem_at(unit, event.start, event.end, message)
