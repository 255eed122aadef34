"""Copy loops and arrays written elsewhere do not break discovery."""

from __future__ import annotations

import json

from aiblint.loader import load_text
from aiblint.model import ImageTemplate, copy_loop_names, find_templates
from tests.conftest import json_findings

TEMPLATE = {
    "parameters": {"names": {"type": "array", "defaultValue": ["a", "b"]}},
    "variables": {
        "steps": [{"type": "Shell", "name": "one", "inline": ["echo 1"]}, {"type": "Shell", "name": "one", "inline": ["echo 2"]}],
        "copy": [{"name": "extra", "count": 2, "input": "[copyIndex('extra')]"}],
    },
    "resources": [{
        "type": "Microsoft.VirtualMachineImages/imageTemplates",
        "name": "[concat('img-', parameters('names')[copyIndex()])]",
        "copy": {"name": "templates", "count": "[length(parameters('names'))]"},
        "properties": {
            "customize": "[variables('steps')]",
            "copy": [{"name": "distribute", "count": 2, "input": {
                "type": "ManagedImage", "runOutputName": "[concat('out', copyIndex('distribute'))]", "location": "westus2",
                "imageId": "[resourceId('Microsoft.Compute/images', concat('i', copyIndex('distribute')))]",
            }}],
        },
    }],
}


def _template() -> ImageTemplate:
    [template] = find_templates(load_text(json.dumps(TEMPLATE, indent=2), "t.json"))
    return template


def test_a_resource_copy_loop_is_still_one_template() -> None:
    template = _template()
    name = template.resource.get("name")
    assert name is not None and template.resolve(name).value is not None and not template.resolve(name).known


def test_customizers_written_in_a_variable_are_found_there() -> None:
    template = _template()
    assert [step.logical_path() for step in template.customizers] == ["variables.steps[0]", "variables.steps[1]"]


def test_a_property_copy_loop_with_a_known_count_makes_each_item() -> None:
    template = _template()
    assert template.properties is not None and copy_loop_names(template.properties) == ["distribute"]
    paths = [item.logical_path() for item in template.distributors]
    assert paths == ["resources[0].properties.distribute[0]", "resources[0].properties.distribute[1]"]
    names = [item.get("runOutputName") for item in template.distributors]
    assert [template.resolve(node).value for node in names if node is not None] == ["out0", "out1"]
    location = template.distributors[1].get("location")  # no copyIndex: the node as written
    assert location is not None and location.logical_path() == "resources[0].properties.copy[0].input.location"


def test_a_property_copy_loop_with_an_unknown_count_has_its_input_stand_for_every_item() -> None:
    data = json.loads(json.dumps(TEMPLATE))
    data["resources"][0]["properties"]["copy"][0]["count"] = "[length(parameters('nothing'))]"
    [template] = find_templates(load_text(json.dumps(data, indent=2), "t.json"))
    assert [item.logical_path() for item in template.distributors] == ["resources[0].properties.copy[0].input"]
    run_output = template.distributors[0].get("runOutputName")
    assert run_output is not None and not template.resolve(run_output).known


def test_rules_report_into_the_variable(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", json.dumps(TEMPLATE, indent=2))
    findings = json_findings("--select", "AIB201,AIB005", "t.json")
    assert [(f["rule"], f["logical_path"]) for f in findings] == [("AIB201", "variables.steps[1].name")]
