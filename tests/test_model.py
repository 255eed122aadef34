"""Template discovery in every wrapping seen in the corpus."""

from __future__ import annotations

import pytest

from aiblint.loader import load_text
from aiblint.model import find_templates

BARE = '{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "properties": {"customize": [{"type": "Shell"}]}}'
DEPLOYMENT = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [
    {"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "name": "id"},
    {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2020-02-14", "properties": {}}
  ]
}"""
NESTED = """{
  "resources": [{
    "type": "Microsoft.Resources/deployments",
    "properties": {"template": {"resources": [
      {"type": "microsoft.virtualmachineimages/imagetemplates", "apiVersion": "2024-02-01", "properties": {}}
    ]}}
  }]
}"""
SYMBOLIC = '{"languageVersion": "2.0", "resources": {"img": {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2023-07-01", "properties": {}}}}'
REST = '{"parameters": {"api-version": "2024-02-01", "imageTemplateName": "x", "parameters": {"location": "westus", "properties": {"source": {}, "distribute": []}}}}'
PROPERTIES_ONLY = '{"source": {"type": "PlatformImage"}, "distribute": [{"type": "VHD", "runOutputName": "v"}]}'
TRIGGER = '{"resources": [{"type": "Microsoft.VirtualMachineImages/imageTemplates/triggers", "apiVersion": "2022-07-01", "properties": {}}]}'
RESOURCE_BODY = '{"apiVersion": "2022-07-01", "location": "westus", "properties": {"source": {"type": "PlatformImage"}, "distribute": []}}'
PROVIDER_ONLY = '{"type": "Microsoft.VirtualMachineImages", "apiVersion": "2019-05-01-preview", "properties": {}}'


@pytest.mark.parametrize(
    ("text", "form", "api_version", "path"),
    [
        (BARE, "bare", "2022-07-01", ""),
        (DEPLOYMENT, "deployment", "2020-02-14", "resources[1]"),
        (NESTED, "nested-deployment", "2024-02-01", "resources[0].properties.template.resources[0]"),
        (SYMBOLIC, "deployment", "2023-07-01", "resources.img"),
        (REST, "rest-example", "2024-02-01", "parameters.parameters"),
        (PROPERTIES_ONLY, "properties-only", None, ""),
        (PROVIDER_ONLY, "bare", "2019-05-01-preview", ""),
        (RESOURCE_BODY, "resource-body", "2022-07-01", ""),
    ],
)
def test_forms(text: str, form: str, api_version: str | None, path: str) -> None:
    (template,) = find_templates(load_text(text, "t.json"))
    assert template.form == form
    assert template.api_version == api_version
    assert template.resource.logical_path() == path
    assert template.properties is not None


def test_trigger_child_is_not_a_template() -> None:
    assert find_templates(load_text(TRIGGER, "t.json")) == []


def test_parts_are_nodes_with_paths() -> None:
    (template,) = find_templates(load_text(BARE, "t.json"))
    (customizer,) = template.customizers
    assert customizer.logical_path() == "properties.customize[0]"
    assert template.distributors == [] and template.validators == []


@pytest.mark.parametrize("text", ['[]', '"x"', '{"properties": null}', '{"type": 5}', '{"resources": "x"}',
                                  '{"type": "Microsoft.VirtualMachineImages/imageTemplates", "properties": {"customize": {}}}'])
def test_odd_shapes_do_not_crash(text: str) -> None:
    for template in find_templates(load_text(text, "t.json")):
        assert template.customizers == []
