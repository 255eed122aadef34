"""AIB231: a SharedImage galleryImageId that names one exact version, reported at the
version number where it is written as a constant; never when a parameter gives it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiblint import lint_paths
from aiblint.config import Config

DEFINITION = "/subscriptions/s/resourceGroups/images/providers/Microsoft.Compute/galleries/gal/images/web"


def _lint(tmp_path: Path, name: str, text: str) -> list[tuple[str, int, int, str]]:
    (tmp_path / name).write_text(text)
    report = lint_paths([name], cwd=tmp_path, config=Config(select=["AIB231"]))
    assert not report.errors, report.errors
    return [(f.rule, f.line, f.column, text.splitlines()[f.line - 1][f.column - 1 : f.end_column - 1]) for f in report.findings]


def _arm(*gallery_ids: str, api: str = "2022-07-01", parameters: dict[str, object] | None = None) -> str:
    distribute = [{"type": "SharedImage", "runOutputName": f"r{index}", "galleryImageId": value} for index, value in enumerate(gallery_ids)]
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": parameters or {},
        "variables": {"definition": DEFINITION, "pinned": DEFINITION + "/versions/1.0.3"},
        "resources": [{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": api, "name": "web",
                       "location": "westus2", "properties": {"distribute": distribute}}],
    }
    return json.dumps(template, indent=2)


def test_constant_versions_reported_at_the_number(tmp_path: Path) -> None:
    text = _arm(DEFINITION + "/versions/1.0.0", "[concat(variables('definition'), '/versions/1.0.1')]",
                "[concat(resourceId('Microsoft.Compute/galleries/images', 'gal', 'web'), '/versions/1.0.2')]",
                "[variables('pinned')]", "[concat(variables('definition'), '/versions/', '1.0.4')]")
    found = _lint(tmp_path, "t.json", text)
    assert [(rule, column_text) for rule, _, _, column_text in found] == [
        ("AIB231", "1.0.3"), ("AIB231", "1.0.0"), ("AIB231", "1.0.1"), ("AIB231", "1.0.2"), ("AIB231", "1.0.4"),
    ]
    lines = text.splitlines()
    assert found[0][1] == next(index for index, line in enumerate(lines, 1) if '"pinned"' in line)  # the variable, where it is written
    message = lint_paths(["t.json"], cwd=tmp_path, config=Config(select=["AIB231"])).findings[1].message
    assert message.startswith("galleryImageId names the exact image version 1.0.0: the first build creates it, and every "
                              "later build of this template fails because the version exists")


@pytest.mark.parametrize(
    ("gallery_id", "api"),
    [
        (DEFINITION, "2022-07-01"),
        ("[variables('definition')]", "2022-07-01"),
        ("[parameters('galleryImageId')]", "2022-07-01"),
        ("[concat(variables('definition'), '/versions/', parameters('version'))]", "2022-07-01"),
        (DEFINITION + "/versions/latest", "2022-07-01"),
        (DEFINITION + "/versions/1.0.0", "2019-05-01-preview"),
    ],
    ids=["definition", "definition-variable", "parameter", "version-parameter", "not-a-number", "api-without-versions"],
)
def test_not_reported(tmp_path: Path, gallery_id: str, api: str) -> None:
    parameters = {"galleryImageId": {"type": "string", "defaultValue": DEFINITION + "/versions/1.0.0"},
                  "version": {"type": "string", "defaultValue": "1.0.0"}}
    assert _lint(tmp_path, "t.json", _arm(gallery_id, api=api, parameters=parameters)) == []


def test_other_distributors_not_read(tmp_path: Path) -> None:
    text = json.dumps({"type": "Microsoft.VirtualMachineImages/imageTemplates", "properties": {"distribute": [
        {"type": "ManagedImage", "runOutputName": "m", "imageId": "x", "galleryImageId": DEFINITION + "/versions/1.0.0"}]}})
    assert _lint(tmp_path, "t.json", text) == []


def test_bicep_constant_and_parameter(tmp_path: Path) -> None:
    text = f"""param version string = '2.0.2'
param pinned string = '{DEFINITION}/versions/2.0.1'
var definition = '{DEFINITION}'
resource gallery 'Microsoft.Compute/galleries/images@2022-03-03' existing = {{
  name: 'gal/web'
}}
resource it 'Microsoft.VirtualMachineImages/imageTemplates@2022-07-01' = {{
  name: 'web'
  location: 'westus2'
  properties: {{
    distribute: [
      {{ type: 'SharedImage', runOutputName: 'a', galleryImageId: '${{definition}}/versions/2.0.0' }}
      {{ type: 'SharedImage', runOutputName: 'b', galleryImageId: pinned }}
      {{ type: 'SharedImage', runOutputName: 'c', galleryImageId: '${{definition}}/versions/${{version}}' }}
      {{ type: 'SharedImage', runOutputName: 'd', galleryImageId: '${{gallery.id}}/versions/2.0.3' }}
    ]
  }}
}}
"""
    assert _lint(tmp_path, "t.bicep", text) == [("AIB231", 12, 90, "2.0.0"), ("AIB231", 15, 90, "2.0.3")]
