"""AIB204: every customizer and validator must run on the OS the template builds."""

from __future__ import annotations

from collections.abc import Iterator

from aiblint.findings import Severity
from aiblint.jsontree import JsonObject
from aiblint.model import ImageTemplate
from aiblint.osinfo import OsFamily, customizer_os, source_os
from aiblint.rule import Example, Problem, Rule

_OS_NAME = {"linux": "Linux", "windows": "Windows"}


class CustomizerOsMismatch(Rule):
    id = "AIB204"
    name = "customizer-os-mismatch"
    severity = Severity.ERROR
    summary = "Customizer or validator does not run on the OS of the source image"
    description = """\
**What.** A `Shell` customizer (or in-VM validator) in a Windows template, or a
`PowerShell`, `WindowsRestart` or `WindowsUpdate` one in a Linux template.

**Why.** Image Builder runs `Shell` steps over SSH on Linux and the others over WinRM on
Windows; the template reference lists `Shell` as Linux-only and `PowerShell`,
`WindowsRestart` and `WindowsUpdate` as Windows-only (`image-builder-json.md`,
MicrosoftDocs/azure-compute-docs @1a043fb3, Properties: customize; an early preview page
said PowerShell ran on both, which the current reference no longer says). A step for the
other OS fails the build when it is reached, after the VM has been created and the
earlier steps have run.

**How aiblint knows the OS.** From the source first: a PlatformImage's publisher, offer or
sku (`MicrosoftWindowsServer`, `Canonical`, `sql2019-ws2019`...; the table is
`aiblint/data/os-images.json`), or an ISO source, which is always RHEL. A ManagedImage or
gallery source does not say, and neither does a publisher written as an expression; then
the other steps decide: when more of them need one OS, the steps that need the other are
reported; when as many need each, the steps that disagree with the first one are. When
nothing known decides, nothing is reported. `File` steps run on both.

**Fix.** Use the step for the template's OS (`Shell` on Linux; `PowerShell`,
`WindowsRestart`, `WindowsUpdate` on Windows), or the source image you meant.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "source": {"type": "PlatformImage", "publisher": "MicrosoftWindowsServer", "offer": "WindowsServer",
               "sku": "2022-datacenter-azure-edition", "version": "latest"},
    "customize": [
      {"type": "Shell", "name": "setup", "inline": ["mkdir -p /opt/app"]},
      {"type": "WindowsRestart"}
    ]
  }
}
""",
            ((7, 16),),
            "Shell on a Windows source",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy",
               "sku": "22_04-lts-gen2", "version": "latest"},
    "customize": [{"type": "Shell", "inline": ["sudo apt-get update"]}],
    "validate": {"inVMValidations": [{"type": "PowerShell", "inline": ["Test-Path C:\\\\app"]}]}
  }
}
""",
            ((7, 47),),
            "a PowerShell validator on a Linux source",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "source": {"type": "SharedImageVersion", "imageVersionId": "[parameters('baseImage')]"},
    "customize": [
      {"type": "PowerShell", "inline": ["Install-WindowsFeature Web-Server"]},
      {"type": "WindowsUpdate"},
      {"type": "Shell", "inline": ["echo done"]}
    ]
  }
}
""",
            ((8, 16),),
            "the source does not say; the other customizers are Windows-only",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "source": {"type": "PlatformImage", "publisher": "[parameters('publisher')]", "offer": "[parameters('offer')]",
               "sku": "[parameters('sku')]", "version": "latest"},
    "customize": [{"type": "PowerShell", "inline": ["Write-Output hi"]}]
  }
}
""",
            (),
            "source written as expressions: the OS is unknown",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "source": {"type": "PlatformImage", "publisher": "MicrosoftWindowsDesktop", "offer": "windows-11",
               "sku": "win11-24h2-avd", "version": "latest"},
    "customize": [
      {"type": "PowerShell", "inline": ["Write-Output hi"]},
      {"type": "File", "sourceUri": "https://example.com/app.zip", "destination": "C:\\\\temp\\\\app.zip"},
      {"type": "WindowsRestart"}
    ]
  }
}
""",
            (),
            "Windows steps on a Windows source; File runs anywhere",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        steps = [(step, family) for step in _steps(template) if (family := customizer_os(template, step))]
        evidence = source_os(template)
        if evidence is not None:
            for step, family in steps:
                if family != evidence.os:
                    yield self._problem(template, step, family, f"{evidence.reason} is {_OS_NAME[evidence.os]}")
            return
        yield from self._against_other_steps(template, steps)

    def _against_other_steps(
        self, template: ImageTemplate, steps: list[tuple[JsonObject, OsFamily]]
    ) -> Iterator[Problem]:
        needs: dict[OsFamily, list[JsonObject]] = {"linux": [], "windows": []}
        for step, family in steps:
            needs[family].append(step)
        if not needs["linux"] or not needs["windows"]:
            return
        if len(needs["linux"]) != len(needs["windows"]):
            majority: OsFamily = "linux" if len(needs["linux"]) > len(needs["windows"]) else "windows"
        else:
            majority = steps[0][1]
        first, count = needs[majority][0], len(needs[majority])
        line = template.document.position(first.start).line
        more = f" and {count - 1} more" if count > 1 else ""
        why = f"the {_label(template, first)} at line {line}{more} run{'s' if count == 1 else ''} only on {_OS_NAME[majority]}"
        for step, family in steps:
            if family != majority:
                yield self._problem(template, step, family, why)

    def _problem(self, template: ImageTemplate, step: JsonObject, family: OsFamily, why: str) -> Problem:
        node = template.member(step, "type") or step
        return Problem(f"{_label(template, step)} runs only on {_OS_NAME[family]}, but {why}", node=node)


def _steps(template: ImageTemplate) -> list[JsonObject]:
    return template.customizers + template.validators


def _kind(template: ImageTemplate, step: JsonObject) -> str:
    node = template.member(step, "type")
    return (template.resolve(node).text() if node is not None else None) or "?"


def _label(template: ImageTemplate, step: JsonObject) -> str:
    role = "validator" if step.parent is not None and step.parent.key == "inVMValidations" else "customizer"
    name_node = template.member(step, "name")
    name = template.resolve(name_node).text() if name_node is not None else None
    return f'{_kind(template, step)} {role}' + (f' "{name}"' if name else "")
