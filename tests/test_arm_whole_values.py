"""Whole values: customizers, distributors, profiles written in a parameter,
a parameters file or a variable, or combined by functions, are checked as if
written in place and reported where they are written (issue 15)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from aiblint.loader import load_text
from aiblint.model import ImageTemplate, find_templates
from tests.conftest import json_findings, main_in_process

DATA = Path(__file__).resolve().parent / "data" / "whole-values"
USED_AT = "(value used by resources[0].properties.{field} at {where})"


@pytest.fixture
def fixtures(tmp_path: Path) -> Path:
    for path in DATA.iterdir():
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def _found(name: str) -> list[tuple[str, str, int, int, str]]:
    # (the fixtures name their templates by a literal: AIB241's note on redeploying is not what they test)
    return [(str(f["path"]), str(f["rule"]), int(f["line"]), int(f["column"]), str(f["message"]))  # type: ignore[call-overload]
            for f in json_findings("--no-cache", "--ignore", "AIB241", name)]


def test_customizers_from_the_paired_parameters_file_are_checked_there(fixtures: Path) -> None:
    found = _found("parameters-file.json")
    used = USED_AT.format(field="customize", where="parameters-file.json:16")
    assert [(path, rule, line, column) for path, rule, line, column, _ in found] == [
        ("parameters-file.parameters.json", "AIB506", 7, 56),
        ("parameters-file.parameters.json", "AIB201", 8, 35),
        ("parameters-file.parameters.json", "AIB304", 8, 57),
        ("parameters-file.parameters.json", "AIB305", 8, 57),
        ("parameters-file.parameters.json", "AIB306", 8, 91),
    ]
    assert all(message.endswith(used) for *_, message in found)
    assert 'already used by parameters.steps.value[0] (line 7)' in found[1][4]


def test_the_sarif_result_relates_the_field_the_value_is_used_by(fixtures: Path) -> None:
    code, out = main_in_process("--no-cache", "--format", "sarif", "--select", "AIB201", "parameters-file.json")
    assert code == 1
    [result] = json.loads(out)["runs"][0]["results"]
    place = result["locations"][0]["physicalLocation"]
    assert (place["artifactLocation"]["uri"], place["region"]["startLine"], place["region"]["startColumn"]) == (
        "parameters-file.parameters.json", 8, 35)
    [related] = result["relatedLocations"]
    where = related["physicalLocation"]
    assert (where["artifactLocation"]["uri"], where["region"]["startLine"], where["region"]["startColumn"]) == (
        "parameters-file.json", 16, 22)


def test_customizers_from_a_parameter_default_are_checked_there(fixtures: Path) -> None:
    found = _found("default-value.json")
    assert [(rule, line, column) for _, rule, line, column, _ in found] == [
        ("AIB201", 9, 35), ("AIB304", 9, 57), ("AIB305", 9, 57), ("AIB306", 9, 91)]
    assert all(message.endswith(USED_AT.format(field="customize", where="line 22")) for *_, message in found)


def test_a_concat_of_a_variable_and_a_parameter_is_one_list(fixtures: Path) -> None:
    [(path, rule, line, column, message)] = _found("concat.json")
    assert (path, rule, line, column) == ("concat.json", "AIB201", 7, 50)
    assert message == ('customizer name "base" is already used by variables.baseSteps[0] (line 11); each customizer '
                       "needs its own name " + USED_AT.format(field="customize", where="line 22"))


def test_a_union_of_objects_is_checked_member_by_member(fixtures: Path) -> None:
    [(path, rule, line, column, message)] = _found("union.json")
    assert (path, rule, line, column) == ("union.json", "AIB101", 7, 38)
    assert message.startswith("vnetConfig is a string") and message.endswith(
        USED_AT.format(field="vmProfile", where="line 22"))


def test_a_copy_loop_with_a_known_count_makes_each_item(fixtures: Path) -> None:
    [(path, rule, line, column, message)] = _found("copy-loop.json")
    assert (path, rule, line, column) == ("copy-loop.json", "AIB202", 7, 33)
    assert message.startswith('distributor runOutputName "vhd-a" is already used by resources[0].properties.distribute[0]')


# -- the model: what each function gives ------------------------------------------------


def _template(customize: str, variables: object = None, parameters: object = None) -> ImageTemplate:
    document = {
        "parameters": parameters or {},
        "variables": variables or {},
        "resources": [{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2024-02-01",
                       "properties": {"customize": customize}}],
    }
    [template] = find_templates(load_text(json.dumps(document, indent=1), "t.json"))
    return template


def _names(template: ImageTemplate) -> list[object]:
    return [template.resolve(node).value if (node := step.get("name")) is not None else None
            for step in template.customizers]


STEP = {"type": "Shell", "name": "a", "inline": ["true"]}


@pytest.mark.parametrize(("expression", "names"), [
    ("[createArray(variables('one'), createObject('type', 'Shell', 'name', 'b'))]", ["a", "b"]),
    ("[if(equals(1, 1), variables('two'), variables('one'))]", ["a", "c"]),
    ("[if(equals(parameters('unknown'), 1), variables('two'), variables('one'))]", []),
    ("[coalesce(null(), variables('two'))]", ["a", "c"]),
    ("[coalesce(parameters('unknown'), variables('two'))]", []),
    ("[json('[{\"type\": \"Shell\", \"name\": \"j\"}]')]", ["j"]),
    ("[concat(variables('two'), parameters('unknown'))]", []),
    ("[variables('holder').steps]", ["a", "c"]),
    ("[createArray(union(variables('one'), createObject('name', 'u')))]", ["u"]),
])
def test_known_parts_combine(expression: str, names: list[object]) -> None:
    variables = {"one": STEP, "two": [STEP, {**STEP, "name": "c"}], "holder": {"steps": "[variables('two')]"}}
    template = _template(expression, variables, {"unknown": {"type": "array"}})
    assert _names(template) == names


def test_one_customizer_may_come_from_a_variable() -> None:
    template = _template(["[variables('one')]", {**STEP, "name": "b"}], {"one": STEP})  # type: ignore[arg-type]
    assert [step.logical_path() for step in template.customizers] == ["variables.one", "resources[0].properties.customize[1]"]


def test_a_computed_value_is_placed_at_its_expression() -> None:
    template = _template("[createArray(createObject('type', 'Shell', 'name', 'x'))]")
    [step] = template.customizers
    name = step.get("name")
    assert name is not None and name.logical_path() == "resources[0].properties.customize[0].name"
    resolved = template.resolve(name)
    assert resolved.value == "x" and resolved.node.logical_path() == "resources[0].properties.customize"
