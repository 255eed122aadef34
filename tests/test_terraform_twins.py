"""Terraform twins of JSON templates: the same findings at the same characters.

One image template's properties, written four ways: a bare JSON resource, an
``azapi_resource`` with an HCL-object body, the same with ``jsonencode({...})``,
and an ARM template in a JSON heredoc of ``azurerm_resource_group_template_deployment``.
Every finding of the JSON file (one or more per rule family: reading,
schema, semantics, sources, secrets, script behaviour, ShellCheck) must be
found in each Terraform file, at the characters that say the same thing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from aiblint.document import Document, Position
from tests.conftest import json_findings

PROPERTIES: dict[str, object] = {
    "stagingResourceGroupId": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/staging",  # AIB102
    "source": {
        "type": "PlatformImage",
        "publisher": "Canonical",
        "offer": "0001-com-ubuntu-server-jammy",
        "sku": "22_04-lts-gen2",
        "version": "latest",
    },
    "customize": [
        {
            "type": "Shell",
            "name": "install",
            "inline": [
                "for f in $(ls /etc/*.conf); do echo $f; done",  # SC2045, SC2086
                "curl -fsSL http://downloads.contoso.com/setup.sh -o /tmp/setup.sh",  # AIB505
                "az login --service-principal -u app -p Qm9vbXNoYWthbGFrYTE2Q2hhcnM --tenant t",  # AIB402
            ],
        },
        {"type": "Shell", "name": "install", "scriptUri": "https://example.blob.core.windows.net/s/a.sh"},  # AIB201, AIB304
    ],
    "distribute": [
        {
            "type": "ManagedImage",
            "imageId": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/images/img",
            "location": "<region>",  # AIB003
            "runOutputName": "out",
        }
    ],
}
IDENTITY = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aib"
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")


def bare_json() -> str:
    resource = {
        "type": "Microsoft.VirtualMachineImages/imageTemplates",
        "apiVersion": "2024-02-01",
        "name": "it",
        "location": "westus2",
        "identity": {"type": "UserAssigned", "userAssignedIdentities": {IDENTITY: {}}},
        "properties": PROPERTIES,
    }
    return json.dumps(resource, indent=2, ensure_ascii=False) + "\n"


def hcl(value: object, indent: int) -> str:
    """``value`` written as an HCL expression (objects and tuples over several lines)."""
    pad = " " * indent
    if isinstance(value, dict):
        lines = [f"{pad}  {key if _WORD.match(key) else json.dumps(key)} = {hcl(item, indent + 2)}" for key, item in value.items()]
        return "{\n" + "\n".join(lines) + f"\n{pad}}}"
    if isinstance(value, list):
        return "[\n" + ",\n".join(f"{pad}  {hcl(item, indent + 2)}" for item in value) + f"\n{pad}]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("${", "$${").replace("%{", "%%{")
    return json.dumps(value)


def azapi(encoded: bool) -> str:
    body = "{\n    properties = " + hcl(PROPERTIES, 4) + "\n  }"
    return (
        'resource "azapi_resource" "it" {\n'
        '  type      = "Microsoft.VirtualMachineImages/imageTemplates@2024-02-01"\n'
        '  name      = "it"\n'
        '  location  = "westus2"\n'
        "  parent_id = azurerm_resource_group.rg.id\n\n"
        "  identity {\n"
        '    type         = "UserAssigned"\n'
        "    identity_ids = [azurerm_user_assigned_identity.aib.id]\n"
        "  }\n\n"
        f"  body = {'jsonencode(' + body + ')' if encoded else body}\n"
        "}\n"
    )


def embedded_arm() -> str:
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [json.loads(bare_json())],
    }
    text = json.dumps(template, indent=2, ensure_ascii=False)
    return (
        'resource "azurerm_resource_group_template_deployment" "aib" {\n'
        '  name                = "aib"\n'
        "  resource_group_name = azurerm_resource_group.rg.name\n"
        '  deployment_mode     = "Incremental"\n'
        f"  template_content    = <<TEMPLATE\n{text}\nTEMPLATE\n"
        "}\n"
    )


def position(text: str, json_text: str, line: int, column: int) -> tuple[int, int]:
    """Where the characters a JSON finding points at are written in ``text``: the
    same occurrence of the same token (a JSON key is a bare word in HCL)."""
    source = Document("x", json_text)
    start = source.offset(Position(line, column))
    if json_text[start] == '"':
        token = json_text[start : json_text.index('"', start + 1) + 1]
    else:
        match = re.match(r'[^\s"]+', json_text[start:])
        assert match is not None
        token = match.group(0)
    for candidate, at in ((token, start), (token.strip('"'), start + 1)):
        if candidate and json_text.count(candidate) == text.count(candidate):
            occurrence = json_text[:at].count(candidate)
            index = -1
            for _ in range(occurrence + 1):
                index = text.index(candidate, index + 1)
            found = Document("y", text).position(index)
            return found.line, found.column
    raise AssertionError(f"{token!r} is not written as often in the Terraform text")


@pytest.fixture
def json_result(tmp_path: Path) -> tuple[str, list[tuple[str, int, int]]]:
    text = bare_json()
    (tmp_path / "it.json").write_text(text, encoding="utf-8")
    found = [(str(f["rule"]), int(str(f["line"])), int(str(f["column"]))) for f in json_findings("it.json")]
    return text, found


def _lint_tf(tmp_path: Path, text: str) -> list[tuple[str, int, int]]:
    folder = tmp_path / "tf"
    folder.mkdir()
    (folder / "main.tf").write_text(text, encoding="utf-8")
    return [(str(f["rule"]), int(str(f["line"])), int(str(f["column"]))) for f in json_findings("tf/main.tf")]


def test_the_json_template_has_a_finding_of_every_family(json_result: tuple[str, list[tuple[str, int, int]]]) -> None:
    rules = {rule for rule, _, _ in json_result[1]}
    assert {"AIB003", "AIB102", "AIB201", "AIB304", "AIB402", "AIB505", "SC2045", "SC2086"} <= rules


@pytest.mark.parametrize("form", ["hcl-object", "jsonencode", "embedded-arm"])
def test_terraform_twin_reports_the_same_findings_at_the_same_characters(
    form: str, tmp_path: Path, json_result: tuple[str, list[tuple[str, int, int]]]
) -> None:
    json_text, expected = json_result
    text = {"hcl-object": azapi(False), "jsonencode": azapi(True), "embedded-arm": embedded_arm()}[form]
    found = _lint_tf(tmp_path, text)
    twin = sorted((rule, *position(text, json_text, line, column)) for rule, line, column in expected)
    assert sorted(found) == twin


def test_an_hcl_string_with_escapes_maps_script_columns_exactly(tmp_path: Path) -> None:
    """``\\"`` is two characters in the .tf file and one in the script."""
    text = azapi(False).replace('"for f in $(ls /etc/*.conf); do echo $f; done"', '"echo \\"a\\" $(ls /etc/*.conf); for f in $(ls /etc/*.conf); do echo $f; done"')
    found = _lint_tf(tmp_path, text)
    document = Document("x", text)
    loop = document.position(text.index("$(ls /etc/*.conf); do"))
    assert ("SC2045", loop.line, loop.column) in found
