"""AIB221: a build VM too small for a Windows build or for Windows Update.

Sizes come from ``aiblint/data/vm-sizes.json`` (Microsoft's size pages, dated);
a size that is not in the table is not judged.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Final

from aiblint.datafiles import load_json
from aiblint.findings import Severity
from aiblint.model import ImageTemplate
from aiblint.osinfo import infer_os
from aiblint.record import Record
from aiblint.rule import Example, Problem, Rule

from .steps import customizers

#: Below these a Windows build runs short of resources (the troubleshooting guide's D1_v2 case).
MIN_VCPUS: Final = 2
MIN_MEMORY_GIB: Final = 4.0
_SUGGESTION: Final = "Standard_D2s_v3 (2 vCPUs, 8 GiB) or larger"


class VmSize(Record):
    """A VM size and its processors and memory."""

    __slots__ = ("name", "vcpus", "memory_gib")  # noqa: RUF023 - in field order
    name: Final[str]  # as the table spells it
    vcpus: Final[int]
    memory_gib: Final[float]

    def __init__(self, name: str, vcpus: int, memory_gib: float) -> None:
        self.name = name
        self.vcpus = vcpus
        self.memory_gib = memory_gib

    @property
    def too_small(self) -> bool:
        return self.vcpus < MIN_VCPUS or self.memory_gib < MIN_MEMORY_GIB

    def describe(self) -> str:
        cpus = "1 vCPU" if self.vcpus == 1 else f"{self.vcpus} vCPUs"
        return f"{cpus} and {self.memory_gib:g} GiB of memory"


@cache
def _sizes() -> dict[str, VmSize]:
    table: dict[str, VmSize] = {}
    for series in load_json("vm-sizes.json")["series"]:
        for name, (vcpus, memory) in series["sizes"].items():
            table[name.casefold()] = VmSize(name, int(vcpus), float(memory))
    return table


def vm_size(name: str) -> VmSize | None:
    """The vCPUs and memory of a size (matched without case), ``None`` when unknown."""
    return _sizes().get(name.strip().casefold())


def _template(vm_size: str, *customize: str, source: str = "") -> str:
    source_line = f'    "source": {source},\n' if source else ""
    return (
        '{\n  "type": "Microsoft.VirtualMachineImages/imageTemplates",\n  "properties": {\n'
        f"{source_line}"
        f'    "vmProfile": {{"vmSize": "{vm_size}"}},\n'
        f'    "customize": [{", ".join(customize)}]\n'
        "  }\n}\n"
    )


_WINDOWS_SOURCE = '{"type": "PlatformImage", "publisher": "MicrosoftWindowsServer", "offer": "WindowsServer", "sku": "2022-datacenter-azure-edition", "version": "latest"}'
_UBUNTU_SOURCE = '{"type": "PlatformImage", "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest"}'


class BuildVmTooSmall(Rule):
    id = "AIB221"
    name = "build-vm-too-small"
    severity = Severity.WARNING
    summary = "Build VM size too small for a Windows build or for WindowsUpdate (1 vCPU or under 4 GiB)"
    description = f"""\
Image Builder builds on a VM of `properties.vmProfile.vmSize`. The troubleshooting guide
reports that on `Standard_D1_v2` (1 vCPU, 3.5 GiB) Windows Update "exhausts" the VM's resources
and advises a larger size; it also names a too-small VM as a cause of the Sysprep timing
problem that leaves the image undeployable (aib-runtime.md §3 and §7, both stated by
Microsoft's troubleshooting guide: confidence **H**). The rule reports a size with **1 vCPU or
less than 4 GiB** of memory (`Standard_D1_v2`, `Standard_DS1_v2`, `Standard_B1s`,
`Standard_B1ms`, `Standard_A1_v2`, `Standard_F1`, `Standard_A2`, `Standard_B2ts_v2`...) when
the template builds Windows (from the source image or the customizers, see `aiblint/osinfo.py`)
or has a `WindowsUpdate` customizer.

Sizes come from a dated table of Microsoft's size pages (`aiblint/data/vm-sizes.json`); a
size not in it, or not known statically, is not judged. Linux builds are not reported: the
guide's reports are about Windows.

**When `vmSize` is omitted** the service picks a default that the API describes as
`Standard_D1_v2` for Gen1 source images and `Standard_D2ds_v4` for Gen2 ones (aib-facts.md
§3; the 2021-10-01 text names only `Standard_D2ds_v4`). The rule does **not** report an
omitted size: which default applies depends on the source image's generation, which the
template does not say for gallery and managed images and which aiblint does not know for most
marketplace SKUs, and the API texts disagree. If you build Windows, set `vmSize` yourself.

**Fix:** use at least 2 vCPUs and 4 GiB, e.g. `{_SUGGESTION}`.
"""
    examples = (
        Example(
            _template("Standard_D1_v2", '{"type": "PowerShell", "inline": ["Install-WindowsFeature Web-Server"]}', source=_WINDOWS_SOURCE),
            ((5, 29),),
            "a Windows build on 1 vCPU",
        ),
        Example(_template("standard_b2ts_v2", '{"type": "WindowsUpdate"}'), ((4, 29),), "WindowsUpdate with 1 GiB of memory"),
        Example(
            _template("Standard_D2s_v3", '{"type": "WindowsUpdate"}', source=_WINDOWS_SOURCE),
            (),
            "2 vCPUs and 8 GiB",
        ),
        Example(
            _template("Standard_D1_v2", '{"type": "Shell", "inline": ["sudo apt-get update"]}', source=_UBUNTU_SOURCE),
            (),
            "a Linux build",
        ),
        Example(_template("Standard_Q9_v9", '{"type": "WindowsUpdate"}'), (), "a size aiblint does not know"),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        profile = template.prop("vmProfile")
        node = template.member(profile, "vmSize")
        if node is None:
            return
        resolved = template.resolve(node)
        name = resolved.text()
        size = vm_size(name) if name else None
        if size is None or not size.too_small:
            return
        work = _windows_work(template)
        if work is None:
            return
        yield Problem(
            f"build VM {size.name} has {size.describe()}: too small for {work} (the troubleshooting guide reports "
            f"Windows Update exhausting such a VM and Sysprep timing out on it); use {_SUGGESTION}",
            node=resolved.node,
            document=resolved.document,
        )


def _windows_work(template: ImageTemplate) -> str | None:
    if any(step.kind == "windowsupdate" for step in customizers(template)):
        return "Windows Update"
    if infer_os(template) == "windows":
        return "a Windows build"
    return None
