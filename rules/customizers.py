"""AIB205, AIB206, AIB210, AIB213, AIB215: how each customizer (and in-VM
validator) is written, one step at a time or in order."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from aiblint.findings import Severity
from aiblint.jsontree import JsonArray, JsonNode, JsonObject, member_key
from aiblint.lazyre import lazy
from aiblint.model import ImageTemplate
from aiblint.rule import Example, Problem, Rule

from .api_versions import describe_versions, is_before, known_api_version, possible_api_versions
from .steps import Step, all_steps, step_kind

_SCRIPTED = frozenset({"shell", "powershell"})
#: The first api version whose Shell/PowerShell field is ``scriptUri`` (before: ``script``).
_SCRIPT_URI_SINCE = "2019-05-01-preview"


def _key_text(node: JsonNode) -> str:
    key = member_key(node)
    return key.text if key is not None else "?"


class FileCustomizerTarget(Rule):
    id = "AIB205"
    name = "file-customizer-target"
    severity = Severity.ERROR
    summary = "File customizer: destination not an absolute path, outside /tmp on Linux, or a directory URL"
    description = """\
A `File` customizer (or `File` validator) downloads **one file** from `sourceUri` and
uploads it to `destination` on the build VM, as the unprivileged build user.

- **Any OS:** `destination` is "the absolute path to a file (with nested directory
  structures already created)" (the API spec, every version that has File). A relative
  path (`install.ps1`, `scripts/setup.sh`) is not one: write `C:\\BuildArtifacts\\install.ps1`
  on Windows, `/tmp/install.sh` on Linux. Reported whatever the OS; a value that starts
  with an environment variable (`%TEMP%`, `$env:TEMP`) is not judged.
- **Linux:** "the only path Image builder can write to is /tmp". The upload runs without
  `sudo`, so a destination such as `/etc/app.conf` or `/opt/app/bin` fails the build; a
  relative destination lands in the build user's home, which the final deprovisioning
  (`waagent -deprovision+user`) deletes. Windows has no such restriction. The rule only
  speaks when the OS is known (from the source image or the other customizers).
- **A directory URL** (ending in `/`, a GitHub `/tree/` page, an Azure Storage container
  without a blob name) is not a file: the customizer downloads single files only
  ("compress the files and use a Shell/PowerShell customizer to extract them").

Sources: the image template reference (`image-builder-json.md`, File customizer, current
and 2019-05-01-preview editions); aib-runtime.md §4.

**Fix:** on Linux upload to `/tmp/...` and move the file into place with a `Shell`
customizer using `sudo`; for many files upload one archive and unpack it in a script.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts", "version": "latest"},
    "customize": [
      {"type": "File", "name": "conf", "sourceUri": "https://example.com/app.conf", "destination": "/etc/app.conf"}
    ]
  }
}
""",
            ((6, 100),),
            "Linux destination outside /tmp",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "File", "name": "site", "sourceUri": "https://github.com/contoso/web/tree/main/site", "destination": "c:\\\\site\\\\index.html"},
      {"type": "File", "name": "blobs", "sourceUri": "https://contoso.blob.core.windows.net/files/", "destination": "c:\\\\files\\\\a.zip"}
    ]
  }
}
""",
            ((5, 53), (6, 54)),
            "directory URLs",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "File", "name": "setup", "sourceUri": "https://contoso.blob.core.windows.net/setup.exe", "destination": "c:\\\\install\\\\setup.exe"}
    ]
  }
}
""",
            (),
            "a blob in the root container (a container name has no dot)",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts", "version": "latest"},
    "customize": [
      {"type": "File", "sourceUri": "https://example.com/index.html", "destination": "/tmp/index.html"},
      {"type": "File", "sourceUri": "https://example.com/app.conf", "destination": "[parameters('target')]"},
      {"type": "File", "sourceUri": "https://example.com/app.conf", "destination": "<destination>"}
    ]
  }
}
""",
            (),
            "under /tmp, an expression, a placeholder",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "source": {"type": "PlatformImage", "publisher": "MicrosoftWindowsServer", "offer": "WindowsServer", "sku": "2022-datacenter", "version": "latest"},
    "customize": [
      {"type": "File", "sourceUri": "https://example.com/app.conf", "destination": "c:\\\\buildArtifacts\\\\app.conf"}
    ]
  }
}
""",
            (),
            "Windows has no /tmp restriction",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "File", "name": "installer", "sourceUri": "https://example.com/install.ps1", "destination": "install.ps1"}
    ]
  }
}
""",
            ((5, 108),),
            "a relative destination (any OS)",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        files = [step for step in all_steps(template) if step.kind == "file"]
        if not files:
            return
        from aiblint.osinfo import infer_os  # OS inference is only needed here

        linux = infer_os(template) == "linux"
        for step in files:
            yield from self._source(template, step)
            yield from self._destination(template, step, linux)

    def _source(self, template: ImageTemplate, step: Step) -> Iterator[Problem]:
        node = step.field("sourceUri")
        resolved = template.resolve(node) if node is not None else None
        url = resolved.text() if resolved is not None else None
        if resolved is None or url is None:
            return
        why = _directory_url(url)
        if why:
            yield Problem(
                f"{step.label(template)} sourceUri {why}: a File customizer downloads a single file, not a "
                "folder; upload an archive and unpack it in a Shell or PowerShell step",
                node=resolved.node,
                document=resolved.document,
            )

    def _destination(self, template: ImageTemplate, step: Step, linux: bool) -> Iterator[Problem]:
        node = step.field("destination")
        resolved = template.resolve(node) if node is not None else None
        path = resolved.text() if resolved is not None else None
        if resolved is None or not path or path.startswith(("%", "$")):
            return
        if not _ABSOLUTE().match(path):
            where = "/tmp/" if linux else "C:\\BuildArtifacts\\ on Windows, /tmp/ on Linux"
            yield Problem(
                f'{step.label(template)} destination "{path}" is not an absolute path, and the service needs one: '
                f"write the full path of the file on the build VM ({where}, in a folder that exists)",
                node=resolved.node,
                document=resolved.document,
            )
            return
        if not linux or _under_tmp(path):
            return
        yield Problem(
            f'{step.label(template)} uploads to "{path}": on Linux the build user can only write under '
            "/tmp; upload to /tmp and move the file with a Shell step that uses sudo",
            node=resolved.node,
            document=resolved.document,
        )


#: ``/tmp/x``, ``C:\\x``, ``c:/x``, ``\\\\server\\share\\x``
_ABSOLUTE = lazy(r"/|[A-Za-z]:[\\/]|\\\\")


def _under_tmp(path: str) -> bool:
    return path.startswith("/") and (posixpath.normpath(path) + "/").startswith("/tmp/")


_AZURE_BLOB_HOST = lazy(r"[a-z0-9]+\.blob\.core\.(?:windows\.net|chinacloudapi\.cn|usgovcloudapi\.net)\Z")
#: A container name (3-63 lower-case letters, digits and single hyphens, or ``$root``).
#: One path segment that cannot be one (``setup.exe``) is a blob in the root container.
_CONTAINER = lazy(r"(?:[a-z0-9](?:-?[a-z0-9]){2,62}|\$root)\Z")


def _directory_url(url: str) -> str | None:
    """Why ``url`` names a folder rather than a file, or ``None``."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").casefold()
    if parts.scheme.casefold() not in ("http", "https") or not host:
        return None  # local paths and other schemes are AIB302's business
    segments = [segment for segment in parts.path.split("/") if segment]
    if host == "github.com" and len(segments) >= 3 and segments[2] == "tree":
        return "is a GitHub folder page (/tree/)"
    if _AZURE_BLOB_HOST().match(host) and (not segments or (len(segments) == 1 and _CONTAINER().match(segments[0]))):
        return "is an Azure Storage container, not a blob in it"
    if not segments or parts.path.endswith("/"):
        return "ends in '/' (a folder)"
    return None


class ScriptUriXorInline(Rule):
    id = "AIB206"
    name = "script-uri-xor-inline"
    severity = Severity.ERROR
    summary = "Shell or PowerShell step has both scriptUri and inline, or neither"
    description = """\
A `Shell` or `PowerShell` customizer or validator runs either the script at `scriptUri`
or the commands in `inline`: the API says "exactly one of 'scriptUri' or 'inline' can be
specified". With both, the template is rejected; with neither there is nothing to run
(the service's error code for that is `NoCustomizerScript`).

Api versions before 2019-05-01-preview called the field `script` (Shell in
2018-02-01-preview and 2019-02-01-preview, PowerShell in 2019-02-01-preview). From
2019-05-01-preview on, `script` is not a field, so a step that still uses it has no script
at all. With an apiVersion aiblint cannot read, `script` is counted as the script only when
one of the versions it may be (the parameter's `allowedValues`, else every supported version,
none of which reads `script`) reads it.

Field names are matched without case (api versions before 2024-02-01 ignore case; AIB103
reports the spelling). A value written as an expression counts as present.

Sources: API spec descriptions of `ImageTemplateShellCustomizer`,
`ImageTemplatePowerShellCustomizer` and the validators (api 2025-10-01, aib-runtime.md §1);
the ARM schemas of every api version (`script` until 2019-02-01-preview, `scriptUri`
from 2019-05-01-preview, aib-schema-matrix.txt).

**Fix:** keep exactly one of `scriptUri` and `inline`; rename `script` to `scriptUri`.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2022-07-01",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "both", "scriptUri": "https://example.com/a.sh", "inline": ["echo hi"]},
      {"type": "PowerShell", "name": "neither", "runElevated": true}
    ],
    "validate": {"inVMValidations": [{"type": "Shell", "name": "check"}]}
  }
}
""",
            ((6, 82), (7, 16), (9, 47)),
            "both, neither, and a validator with neither",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2019-05-01-preview",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "setup", "script": "https://example.com/setup.sh"}
    ]
  }
}
""",
            ((6, 42),),
            "`script` after it was renamed",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2018-02-01-preview",
  "properties": {
    "customize": [
      {"type": "shell", "name": "setup", "script": "https://example.com/setup.sh"}
    ]
  }
}
""",
            (),
            "`script` is right for the early previews",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "[parameters('apiVersion')]",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "setup", "script": "https://example.com/setup.sh"},
      {"type": "Shell", "name": "steps", "inline": "[variables('commands')]"},
      {"type": "File", "name": "copy", "sourceUri": "https://example.com/a", "destination": "/tmp/a"},
      {"type": "WindowsRestart"}
    ]
  }
}
""",
            ((6, 42),),
            "unknown apiVersion: `script` is a field in no supported version; inline from an expression, steps without scripts",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        version = known_api_version(template)
        possible = (version,) if version is not None else possible_api_versions(template)
        # "script" is read where some version the template may use reads it
        legacy_counts = any(is_before(each, _SCRIPT_URI_SINCE) for each in possible)
        for step in all_steps(template):
            if step.kind in _SCRIPTED:
                yield from self._check(template, step, possible, legacy_counts)

    def _check(self, template: ImageTemplate, step: Step, possible: tuple[str, ...], legacy_counts: bool) -> Iterator[Problem]:
        inline = step.field("inline")
        legacy = step.field("script")
        reference = step.field("scriptUri")
        if reference is None and legacy_counts:
            reference = legacy
        label = step.label(template)
        if reference is not None and inline is not None:
            later = max(reference, inline, key=lambda node: node.start)
            yield Problem(
                f"{label} sets both {_key_text(reference)} and inline; exactly one of them may be set",
                node=later,
                at_key=True,
            )
        elif reference is None and inline is None:
            if legacy is not None:
                yield Problem(
                    f'{label} uses "{_key_text(legacy)}", the field of api versions before {_SCRIPT_URI_SINCE}; '
                    f'{_under(possible)} it is not a field, so the step has no script: rename it to "scriptUri"',
                    node=legacy,
                    at_key=True,
                )
            else:
                yield Problem(f"{label} has neither scriptUri nor inline: give it one of them", node=step.type_node)


def _under(possible: tuple[str, ...]) -> str:
    return f"with apiVersion {possible[0]}" if len(possible) == 1 else f"in {describe_versions(possible)}"


#: A Go duration, as Packer's windows-restart provisioner parses ``restart_timeout``.
_GO_DURATION = lazy(r"[-+]?(?:0|(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)\Z")
_SPELLED_OUT = lazy(r"\s*(\d+)\s*([a-z]*)\s*\Z", re.IGNORECASE)
_UNIT_LETTERS = {"s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s", "m": "m", "min": "m",
                 "mins": "m", "minute": "m", "minutes": "m", "h": "h", "hr": "h", "hrs": "h", "hour": "h",
                 "hours": "h"}


def _duration_hint(text: str) -> str:
    match = _SPELLED_OUT().match(text)
    if match:
        number, unit = match.groups()
        letter = _UNIT_LETTERS.get(unit.casefold()) if unit else None
        if letter:
            return f' (write "{number}{letter}")'
        if not unit:
            return f' (a bare number has no unit: write "{number}m" for {number} minutes)'
    return ""


class RestartTimeoutFormat(Rule):
    id = "AIB210"
    name = "restart-timeout-format"
    severity = Severity.ERROR
    summary = "WindowsRestart restartTimeout is not a magnitude and a unit such as 5m or 2h"
    description = """\
`restartTimeout` is "a string of magnitude and unit, e.g. '5m' (5 minutes) or '2h'
(2 hours)" (default `5m`). The WindowsRestart customizer is Packer's `windows-restart`
provisioner, which reads the value as a Go duration: a number followed by a unit `h`, `m`,
`s`, `ms`, `us` or `ns`, repeated (`1h30m`). `5`, `5 min`, `10 minutes` or `PT5M` do not
parse, and the build fails when the customizer starts, long after submission.

An empty string is left alone (the default applies); a non-string value is a schema error
(AIB101).

Sources: API spec description of `ImageTemplateRestartCustomizer.restartTimeout` (every
api version since 2019-02-01-preview); aib-runtime.md §3 (WindowsRestart is Packer's
windows-restart provisioner).

**Fix:** write the timeout as `<number><unit>`, for example `"30m"`.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "WindowsRestart", "restartTimeout": "10 minutes"},
      {"type": "WindowsRestart", "restartTimeout": "5"}
    ]
  }
}
""",
            ((5, 52), (6, 52)),
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "WindowsRestart", "restartTimeout": "5m"},
      {"type": "WindowsRestart", "restartTimeout": "1h30m"},
      {"type": "WindowsRestart", "restartTimeout": "[parameters('restartTimeout')]"},
      {"type": "WindowsRestart", "restartTimeout": ""}
    ]
  }
}
""",
            (),
            "durations, an expression, the default",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        for step in all_steps(template):
            node = step.field("restartTimeout") if step.kind == "windowsrestart" else None
            if node is None:
                continue
            resolved = template.resolve(node)
            text = resolved.text()
            if not text or _GO_DURATION().match(text):
                continue
            yield Problem(
                f'restartTimeout "{text}" is not a magnitude and a unit such as "5m" or "2h"{_duration_hint(text)}',
                node=resolved.node,
                document=resolved.document,
            )


class RunAsSystemWithoutElevation(Rule):
    id = "AIB213"
    name = "run-as-system-without-elevation"
    severity = Severity.ERROR
    summary = "PowerShell step sets runAsSystem without runElevated"
    description = """\
`runAsSystem` runs a PowerShell customizer or validator as the Local System user, through
the elevated runner. The API says it "can only be true when the runElevated field above is
set to true"; `runElevated` defaults to false.

Source: API spec description of `runAsSystem` on `ImageTemplatePowerShellCustomizer` and
`ImageTemplatePowerShellValidator` (api 2020-02-14 and later; aib-runtime.md §2).

**Fix:** add `"runElevated": true` next to `"runAsSystem": true`.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "PowerShell", "name": "install", "runAsSystem": true, "inline": ["choco install git -y"]},
      {"type": "PowerShell", "name": "config", "runElevated": false, "runAsSystem": true, "inline": ["Set-Config"]}
    ]
  }
}
""",
            ((5, 64), (6, 85)),
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "PowerShell", "runElevated": true, "runAsSystem": true, "inline": ["choco install git -y"]},
      {"type": "PowerShell", "runElevated": "[parameters('elevate')]", "runAsSystem": true, "inline": ["x"]},
      {"type": "PowerShell", "runAsSystem": false, "inline": ["x"]}
    ]
  }
}
""",
            (),
            "elevated, not known, not System",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        for step in all_steps(template):
            system = step.field("runAsSystem") if step.kind == "powershell" else None
            if system is None:
                continue
            resolved = template.resolve(system)
            if resolved.value is not True or not self._not_elevated(template, step):
                continue
            yield Problem(
                f"{step.label(template)} sets runAsSystem but not runElevated: runAsSystem can only be true "
                'when runElevated is true; add "runElevated": true',
                node=resolved.node,
                document=resolved.document,
            )

    @staticmethod
    def _not_elevated(template: ImageTemplate, step: Step) -> bool:
        node = step.field("runElevated")
        return node is None or template.resolve(node).value is False


class WindowsUpdateWithoutRestart(Rule):
    id = "AIB215"
    name = "windows-update-without-restart"
    severity = Severity.NOTE
    summary = "No WindowsRestart after the last WindowsUpdate customizer"
    description = """\
The `WindowsUpdate` customizer (the community `packer-plugin-windows-update`) restarts the
VM itself when Windows Update says an installed update needs it, and loops until nothing is
left. What it does not settle is work that other installers (or updates that do not set the
flag) leave for the next boot: the steps that follow, and the hidden last step that runs
Sysprep, then start on a VM with a restart outstanding. The template reference warns that
Windows Update itself "can fail if there are any outstanding Windows restarts, or application
installations still running" (error `0x80240016`) and advises adding a Windows Restart. A
`WindowsRestart` after the last `WindowsUpdate` is the cheap way to start every later step
from a settled VM. This is advice, hence a note.

The rule looks at the last `WindowsUpdate` in `customize`; it says nothing when a later
customizer's type is not known statically.

Sources: the image template reference (`image-builder-json.md`, Windows update customizer);
aib-runtime.md §3 and §6.

**Fix:** add `{"type": "WindowsRestart", "restartTimeout": "10m"}` after the last
`WindowsUpdate`.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "WindowsRestart"},
      {"type": "WindowsUpdate", "searchCriteria": "IsInstalled=0"},
      {"type": "PowerShell", "inline": ["Write-Host done"]}
    ]
  }
}
""",
            ((6, 16),),
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "WindowsUpdate", "searchCriteria": "IsInstalled=0"},
      {"type": "WindowsRestart", "restartTimeout": "10m"}
    ]
  }
}
""",
            (),
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "WindowsUpdate"},
      "[variables('finalSteps')]"
    ]
  }
}
""",
            (),
            "what follows is not known",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        customize = template.prop("customize")
        if not isinstance(customize, JsonArray):
            return
        kinds = [step_kind(template, item) if isinstance(item, JsonObject) else None for item in customize.items]
        if "windowsupdate" not in kinds:
            return
        last = len(kinds) - 1 - kinds[::-1].index("windowsupdate")
        after = kinds[last + 1 :]
        if "windowsrestart" in after or None in after:
            return
        update = customize.items[last]
        assert isinstance(update, JsonObject)
        yield Problem(
            "no WindowsRestart after the last WindowsUpdate: updates can leave a restart pending for the "
            "steps that follow and for the final Sysprep; add a WindowsRestart customizer after it",
            node=Step(update, "windowsupdate", "customizer").type_node,
        )
