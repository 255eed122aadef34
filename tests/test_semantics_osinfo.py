"""OS inference (aiblint.osinfo): from the source, then the customizers, never from unknowns."""

from __future__ import annotations

import json

import pytest

from aiblint.loader import load_text
from aiblint.model import ImageTemplate, find_templates
from aiblint.osinfo import infer_os, os_evidence


def _template(source: object = None, customize: list[object] | None = None) -> ImageTemplate:
    properties: dict[str, object] = {}
    if source is not None:
        properties["source"] = source
    if customize is not None:
        properties["customize"] = customize
    text = json.dumps({"type": "Microsoft.VirtualMachineImages/imageTemplates", "properties": properties}, indent=2)
    [template] = find_templates(load_text(text, "t.json"))
    return template


def _platform(publisher: str, offer: str, sku: str) -> dict[str, str]:
    return {"type": "PlatformImage", "publisher": publisher, "offer": offer, "sku": sku, "version": "latest"}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (_platform("Canonical", "UbuntuServer", "18.04-LTS"), "linux"),
        (_platform("canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2"), "linux"),
        (_platform("MicrosoftWindowsServer", "WindowsServer", "2019-Datacenter"), "windows"),
        (_platform("microsoftwindowsdesktop", "office-365", "20h2-evd-o365pp"), "windows"),
        (_platform("MicrosoftSQLServer", "sql2019-ws2019", "enterprise"), "windows"),
        (_platform("MicrosoftSQLServer", "sql2019-ubuntu2004", "enterprise"), "linux"),
        (_platform("[parameters('publisher')]", "WindowsServer", "2019-Datacenter"), "windows"),
        (_platform("[parameters('publisher')]", "[parameters('offer')]", "[parameters('sku')]"), None),
        (_platform("SomeVendor", "appliance", "v1"), None),
        ({"type": "ISO", "sourceUri": "https://example.com/rhel.iso", "sha256Checksum": "0" * 64}, "linux"),
        ({"type": "ManagedImage", "imageId": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/images/i"}, None),
        ({"type": "SharedImageVersion", "imageVersionId": "[parameters('id')]"}, None),
        ({"type": "[parameters('kind')]"}, None),
    ],
)
def test_os_from_the_source(source: object, expected: str | None) -> None:
    assert infer_os(_template(source)) == expected


def test_source_wins_over_customizers() -> None:
    template = _template(_platform("Canonical", "UbuntuServer", "18.04-LTS"), [{"type": "PowerShell", "inline": ["x"]}])
    evidence = os_evidence(template)
    assert evidence is not None
    assert (evidence.os, evidence.from_source, evidence.reason) == (
        "linux", True, "the source image Canonical:UbuntuServer:18.04-LTS",
    )


@pytest.mark.parametrize(
    ("customize", "expected"),
    [
        ([{"type": "WindowsRestart"}, {"type": "PowerShell", "inline": ["x"]}], "windows"),
        ([{"type": "Shell", "inline": ["x"]}], "linux"),
        ([{"type": "shell", "script": "x"}], "linux"),  # 2018-02-01-preview spelling
        ([{"type": "Shell", "inline": ["x"]}, {"type": "WindowsUpdate"}, {"type": "WindowsRestart"}], "windows"),
        ([{"type": "Shell", "inline": ["x"]}, {"type": "PowerShell", "inline": ["x"]}], None),  # a tie decides nothing
        ([{"type": "File", "sourceUri": "https://x/y", "destination": "C:\\buildArtifacts\\x"}], "windows"),
        ([{"type": "File", "sourceUri": "https://x/y", "destination": "/tmp/x"}], "linux"),
        ([{"type": "File", "sourceUri": "https://x/y", "destination": "[parameters('d')]"}], None),
        ([{"type": "[parameters('kind')]"}], None),
        ([], None),
    ],
)
def test_os_from_the_customizers(customize: list[object], expected: str | None) -> None:
    source = {"type": "SharedImageVersion", "imageVersionId": "[parameters('id')]"}
    assert infer_os(_template(source, customize)) == expected


def test_customizer_evidence_names_the_customizer() -> None:
    evidence = os_evidence(_template(None, [{"type": "WindowsRestart"}]))
    assert evidence is not None
    assert (evidence.os, evidence.from_source, evidence.reason) == ("windows", False, "the WindowsRestart customizer")
