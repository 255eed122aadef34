"""AIB211: a build timeout too short for the work the template asks for."""

from __future__ import annotations

from collections.abc import Iterator

from aiblint.findings import Severity
from aiblint.model import ImageTemplate
from aiblint.rule import Example, Problem, Rule

from .steps import customizers

#: "the minimum supported value is 6 minutes. Using values 1 through 5 will fail" (image-builder-json.md).
_MINIMUM = 6
#: "For Windows, we don't recommend setting this below 60 minutes" (image-builder-json.md).
_WINDOWS_MINIMUM = 60


class BuildTimeoutTooShort(Rule):
    id = "AIB211"
    name = "build-timeout-too-short"
    severity = Severity.WARNING
    summary = "buildTimeoutInMinutes is too short for the build (under 6 minutes, or under 60 for Windows)"
    description = """\
`buildTimeoutInMinutes` bounds the whole build: creating the build VM, every customizer,
validation, and distribution. When it runs out the build is cancelled and its work is
lost. The template reference gives the numbers: 0 (or no value) means the default of 240
minutes; otherwise "the minimum supported value is 6 minutes. Using values 1 through 5 will
fail"; and "for Windows, we don't recommend setting this below 60 minutes". A
`WindowsUpdate` customizer is the slowest Windows step of all.

So the rule warns about 1 to 5 minutes always, and about anything under 60 minutes when the
source is Windows or a `WindowsUpdate` customizer runs. It says nothing about values it
cannot know (expressions, placeholders) or an OS it cannot infer; values outside 0..960
are schema errors (AIB101).

Source: the image template reference (`image-builder-json.md`, "Properties:
buildTimeoutInMinutes"); api descriptions ("Omit or specify 0 to use the default (4
hours)"); aib-facts.md §3.

**Fix:** omit the property (240 minutes) or give a value that covers the slowest build you
have seen, with a margin.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "buildTimeoutInMinutes": 5,
    "customize": [{"type": "Shell", "inline": ["echo hi"]}]
  }
}
""",
            ((4, 30),),
            "under the service's minimum",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "buildTimeoutInMinutes": 45,
    "source": {"type": "PlatformImage", "publisher": "MicrosoftWindowsServer", "offer": "WindowsServer", "sku": "2022-datacenter", "version": "latest"},
    "customize": [{"type": "PowerShell", "inline": ["Write-Host hi"]}]
  }
}
""",
            ((4, 30),),
            "Windows under an hour",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "buildTimeoutInMinutes": 30,
    "customize": [{"type": "WindowsUpdate"}]
  }
}
""",
            ((4, 30),),
            "Windows Update under an hour",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "buildTimeoutInMinutes": 30,
    "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts", "version": "latest"},
    "customize": [{"type": "Shell", "inline": ["sudo apt-get update"]}]
  }
}
""",
            (),
            "Linux, 30 minutes",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "buildTimeoutInMinutes": 0,
    "customize": [{"type": "WindowsUpdate"}]
  }
}
""",
            (),
            "0 means the default, 240 minutes",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "buildTimeoutInMinutes": "[parameters('timeout')]",
    "customize": [{"type": "WindowsUpdate"}]
  }
}
""",
            (),
            "not known statically",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        node = template.prop("buildTimeoutInMinutes")
        if node is None:
            return
        resolved = template.resolve(node)
        minutes = resolved.value
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0 or minutes >= _WINDOWS_MINIMUM:
            return
        if minutes < _MINIMUM:
            why = f"the service needs at least {_MINIMUM} minutes for any build"
        else:
            reason = self._windows_reason(template)
            if reason is None:
                return
            why = f"{reason}, and the template reference advises at least {_WINDOWS_MINIMUM} minutes for Windows"
        yield Problem(
            f"buildTimeoutInMinutes {minutes} is too short: {why}; the build is cancelled when it runs out "
            "(omit it or use 0 for the default, 240 minutes)",
            node=resolved.node,
            document=resolved.document,
        )

    @staticmethod
    def _windows_reason(template: ImageTemplate) -> str | None:
        if any(step.kind == "windowsupdate" for step in customizers(template)):
            return "a WindowsUpdate customizer runs"
        from aiblint.osinfo import infer_os  # OS inference is only needed here

        return "the source is Windows" if infer_os(template) == "windows" else None
