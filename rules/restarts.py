"""AIB244, AIB245: WindowsRestart customizers that wait too little, or check
nothing: a short ``restartTimeout`` after Windows Update or a language pack
install, and a ``restartCheckCommand`` that writes into a folder no earlier
step makes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from aiblint.findings import Severity
from aiblint.jsontree import JsonString
from aiblint.lazyre import lazy
from aiblint.model import ImageTemplate
from aiblint.rule import Example, Problem, Rule
from aiblint.textmap import source_offset

from .steps import Step, customizers

#: One term of a Go duration, as Packer's windows-restart provisioner parses ``restart_timeout``.
_TERM = lazy(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_SECONDS: Final = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
#: The WindowsRestart default (API spec: restartTimeout "[Default: '5m']").
_DEFAULT_SECONDS: Final = 300.0
#: Under this, a restart after updates or language packs is reported.
_MINIMUM_SECONDS: Final = 600.0
#: What installs a language pack: the cmdlets and tools, and the names scripts that do it go by.
_LANGUAGE_PACK: Final = re.compile(
    r"\bInstall-Language\b|\blpksetup\b|LanguageExperiencePack|language[-_ ]?packs?", re.IGNORECASE
)


def _examples_template(*steps: str) -> str:
    body = ",\n".join(f"      {step}" for step in steps)
    return f"""{{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {{
    "customize": [
{body}
    ]
  }}
}}
"""


def duration_seconds(text: str) -> float | None:
    """Seconds of a Go duration (``1h30m``); ``None`` if it is not one."""
    if not text or _TERM().sub("", text) != "":
        return None
    return sum(float(number) * _SECONDS[unit] for number, unit in _TERM().findall(text))


def _step_texts(template: ImageTemplate, step: Step, content: bool) -> list[str] | None:
    """What a PowerShell step runs, as text (inline commands, the scriptUri and the script
    it resolves to); ``None`` when part of it cannot be known (with ``content``: the
    script a scriptUri names, too)."""
    from aiblint.scripts.units import script_references, script_units

    units = [unit for unit in script_units(template) if unit.owner is step.item]
    texts = [unit.text for unit in units]
    if step.field("inline") is not None and not any(unit.origin == "inline" for unit in units):
        return None
    for reference in script_references(template):
        if reference.owner is step.item:
            uri = template.resolve(reference.node).text()
            if uri is None:
                return None
            texts.append(uri)
            if content and not any(unit.origin == "file" for unit in units):
                return None
    return texts


def _installs_language_pack(template: ImageTemplate, step: Step) -> bool:
    if step.kind != "powershell":
        return False
    texts = _step_texts(template, step, content=False)
    return texts is not None and any(_names_language_pack(text) for text in texts)


def _names_language_pack(text: str) -> bool:
    """:data:`_LANGUAGE_PACK` finds something in ``text``. Every match holds "lang" or
    "lpksetup" in some case, and every character the case-blind pattern takes for one of
    theirs folds to it (``casefold``: the Kelvin sign to "k", the long s to "s"): a text
    whose fold holds neither is not searched (the search without a literal prefix is the
    slow part, on whole scripts)."""
    folded = text.casefold()
    return ("lang" in folded or "lpksetup" in folded) and _LANGUAGE_PACK.search(text) is not None


class RestartTimeoutTooShort(Rule):
    id = "AIB244"
    name = "restart-timeout-too-short"
    severity = Severity.WARNING
    summary = "A WindowsRestart after Windows Update or a language pack install waits less than 10 minutes"
    description = """\
**What.** A `WindowsRestart` customizer whose `restartTimeout` is under 10 minutes (or not
set: the default is `5m`), when a `WindowsUpdate` customizer or a PowerShell step that
installs a language pack (`Install-Language`, `lpksetup`, a language experience pack, a script
named for language packs) runs since the previous restart.

**Why.** The restart customizer is Packer's `windows-restart` provisioner: it waits up to
`restartTimeout` for the VM to come back, and fails the build with "Timeout waiting for
machine to restart" when it does not. After updates or language packs Windows finishes
installing them while it restarts ("Working on updates"), which often takes longer than five
minutes; the troubleshooting guide's fix for this timeout after Windows Update is to raise
`restartTimeout` (from 15 to 30 minutes). A short timeout does not always fail, hence a
warning. A timeout aiblint cannot read is left alone.

Sources: the Image Builder troubleshooting guide (`image-builder-troubleshoot.md`, "Windows
restart continually fails with error code 1190"); the API spec (`restartTimeout`, default
`5m`); aib-runtime.md §3 (the windows-restart provisioner).

**Fix:** set `"restartTimeout": "30m"` on the restart that follows the updates or the
language pack install.
"""
    examples = (
        Example(
            _examples_template('{"type": "WindowsUpdate", "name": "updates"}',
                               '{"type": "WindowsRestart", "name": "restart", "restartTimeout": "5m"}'),
            ((6, 71),),
            "5 minutes after Windows Update",
        ),
        Example(
            _examples_template('{"type": "PowerShell", "name": "ja-JP", "runElevated": true, '
                               '"inline": ["Install-Language ja-JP -CopyToSettings"]}',
                               '{"type": "WindowsRestart", "name": "restart"}'),
            ((6, 16),),
            "the default (5 minutes) after a language pack install",
        ),
        Example(
            _examples_template('{"type": "WindowsUpdate", "name": "updates"}',
                               '{"type": "WindowsRestart", "name": "restart", "restartTimeout": "30m"}',
                               '{"type": "PowerShell", "name": "tools", "inline": ["choco install -y git"]}',
                               '{"type": "WindowsRestart", "name": "again", "restartTimeout": "5m"}'),
            (),
            "long enough after updates; a later restart after other work",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        cause: str | None = None
        for step in customizers(template):
            if step.kind == "windowsupdate":
                cause = "Windows Update"
            elif _installs_language_pack(template, step):
                cause = "a language pack install"
            elif step.kind == "windowsrestart":
                if cause is not None:
                    yield from self._short(template, step, cause)
                cause = None

    @staticmethod
    def _short(template: ImageTemplate, step: Step, cause: str) -> Iterator[Problem]:
        node = step.field("restartTimeout")
        resolved = template.resolve(node) if node is not None else None
        text = resolved.text() if resolved is not None else ""
        if text is None:
            return  # not known
        seconds = duration_seconds(text) if text else _DEFAULT_SECONDS
        if seconds is None or seconds >= _MINIMUM_SECONDS:
            return  # not a duration (AIB210), or long enough
        said = f'restartTimeout "{text}"' if text else "restartTimeout is not set (default 5m)"
        message = (f"{said} after {cause}: Windows finishes installing while it restarts, which can take longer, and the "
                   "build then fails with 'Timeout waiting for machine to restart'; set it to 30m")
        if resolved is not None and text:
            yield Problem(message, node=resolved.node, document=resolved.document)
        else:
            yield Problem(message, node=step.type_node)


#: A redirect or cmdlet writing to an absolute Windows path; the path is the ``path`` group.
_WRITES = lazy(
    r"(?:>>?|\b(?:Out-File|Set-Content|Add-Content)\b(?:\s+-(?:FilePath|Path|LiteralPath))?)\s*"
    r"[\"']?(?P<path>[A-Za-z]:[\\/][^\"'\s|;&<>]+)",
    re.IGNORECASE,
)
#: Folders every Azure Windows image has (or that aiblint cannot rule out), by their first name under the drive.
_EXISTING: Final = frozenset({"windows", "users", "programdata", "program files", "program files (x86)", "temp", "tmp",
                              "packages", "windowsazure", "azuredata", "$recycle.bin", "perflogs", "recovery"})


class RestartCheckFolderMissing(Rule):
    id = "AIB245"
    name = "restart-check-folder-missing"
    severity = Severity.NOTE
    summary = "A WindowsRestart restartCheckCommand writes into a folder that no earlier step creates"
    description = """\
**What.** A `WindowsRestart` whose `restartCheckCommand` writes a file (`echo ... > c:\\x\\f.txt`,
`Out-File`, `Set-Content`, `Add-Content`) into a folder that no earlier customizer mentions: no
step makes it, no File customizer copies into it. Folders every Windows image has
(`C:\\Windows`, `C:\\Users`, `C:\\ProgramData`, `C:\\Program Files`, `C:\\Temp`...) and drive
roots are left alone, as is any template where an earlier step's script cannot be read.

**Why.** The check command cannot write its file, so it fails on every restart. The
template reference's own sample writes to `c:\\buildArtifacts`, which its first step creates;
copies that drop that step keep the check. Packer's `windows-restart` provisioner does not
read the check command's exit status (it only waits until the command can be started), so
the build goes on, but the check proves nothing and the log shows "The system cannot find
the path specified". This is advice, hence a note.

Sources: the template reference (`image-builder-json.md`, Windows restart customizer and its
sample); `hashicorp/packer` `provisioner/windows-restart/provisioner.go` (`waitForCommunicator`
runs the check with `RunWithUi`, which returns no error for a non-zero exit).

**Fix:** create the folder in an earlier step (`New-Item -ItemType Directory -Force
c:\\buildArtifacts`), write somewhere that exists, or use a check that writes nothing
(`powershell -command "Write-Host restarted"`).
"""
    examples = (
        Example(
            _examples_template('{"type": "PowerShell", "name": "tools", "inline": ["choco install -y git"]}',
                               '{"type": "WindowsRestart", "restartCheckCommand": '
                               '"echo restarted > c:\\\\buildArtifacts\\\\restart.txt", "restartTimeout": "10m"}'),
            ((6, 75),),
            "no step creates c:\\buildArtifacts",
        ),
        Example(
            _examples_template('{"type": "PowerShell", "name": "folder", "inline": ["mkdir c:\\\\buildArtifacts"]}',
                               '{"type": "WindowsRestart", "restartCheckCommand": '
                               '"echo restarted > c:\\\\buildArtifacts\\\\restart.txt", "restartTimeout": "10m"}',
                               '{"type": "WindowsRestart", "restartCheckCommand": "echo x > c:\\\\Windows\\\\Temp\\\\r.txt"}'),
            (),
            "an earlier step creates the folder; a folder every image has",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        earlier: list[str] = []
        known = True  # every earlier step's text is known
        for step in customizers(template):
            if step.kind == "windowsrestart" and known:
                yield from self._check(template, step, earlier)
            texts = self._texts(template, step)
            if texts is None:
                known = False
            else:
                earlier += texts

    @staticmethod
    def _texts(template: ImageTemplate, step: Step) -> list[str] | None:
        """The text of a step that could name or create a folder; ``None`` if not known."""
        if step.kind == "powershell":
            return _step_texts(template, step, content=True)
        if step.kind in ("windowsupdate", "shell"):
            return []
        if step.kind not in ("file", "windowsrestart"):
            return None  # not known what it is
        texts = []
        for field in ("destination", "restartCommand", "restartCheckCommand"):
            node = step.field(field)
            if node is not None:
                text = template.resolve(node).text()
                if text is None:
                    return None
                texts.append(text)
        return texts

    @staticmethod
    def _check(template: ImageTemplate, step: Step, earlier: list[str]) -> Iterator[Problem]:
        node = step.field("restartCheckCommand")
        if node is None:
            return
        resolved = template.resolve(node)
        command = resolved.text()
        if not command:
            return
        for match in _WRITES().finditer(command):
            parts = re.split(r"[\\/]+", match["path"])
            folder = parts[1:-1]
            if not folder or folder[0].casefold() in _EXISTING or "$" in match["path"] or "%" in match["path"]:
                continue
            # Any earlier mention of the folder's own name may create it (mkdir, New-Item -Name, a File copy).
            if any(folder[-1].casefold() in text.casefold() for text in earlier):
                continue
            where = "\\".join(parts[:-1])
            message = (f"the restart check writes into {where}, which no earlier step creates: the check fails on "
                       "every restart and proves nothing (Packer does not read its exit status); create the folder "
                       "in an earlier step or write somewhere that exists")
            target = resolved.node
            if isinstance(target, JsonString) and target.text == command:
                text = resolved.document.text
                yield Problem(message, node=target, document=resolved.document,
                              start=source_offset(text, target, match.start("path")),
                              end=source_offset(text, target, match.end("path")))
            else:
                yield Problem(message, node=target, document=resolved.document)
            return
