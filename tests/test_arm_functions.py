"""The evaluator: every pure function, parameters, variables, and what stays unknown."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiblint.arm import builtins
from aiblint.jsontree import JsonString
from aiblint.loader import load_text
from aiblint.model import ImageTemplate, find_templates
from aiblint.values import UNKNOWN, PartialString, Resolved

PARAMETERS = {
    "name": {"type": "string", "defaultValue": "Web"},
    "count": {"type": "int", "defaultValue": 3},
    "flag": {"type": "bool", "defaultValue": True},
    "regions": {"type": "array", "defaultValue": ["westus2", "eastus"]},
    "settings": {"type": "object", "defaultValue": {"Size": "Standard_D2s_v3", "disk": {"gb": 64}}},
    "sub": {"type": "string"},
    "region": {"type": "string", "defaultValue": "<region>"},
}
VARIABLES = {
    "prefix": "[toLower(parameters('name'))]",
    "full": "[concat(variables('prefix'), '-img')]",
    "loop": "[variables('loop')]",
    "obj": {"location": "[parameters('regions')[1]]", "fixed": "westeurope"},
    "copy": [{"name": "disks", "count": 2, "input": "[copyIndex('disks')]"}],
}


def template_with(value: object, parameters: dict[str, object] | None = None) -> tuple[ImageTemplate, JsonString]:
    text = json.dumps({
        "parameters": PARAMETERS if parameters is None else parameters,
        "variables": VARIABLES,
        "resources": [{"type": "Microsoft.VirtualMachineImages/imageTemplates", "properties": {"x": value}}],
    }, indent=2)
    [template] = find_templates(load_text(text, "t.json"))
    node = template.prop("x")
    assert isinstance(node, JsonString) or value is not None
    return template, node  # type: ignore[return-value]


def resolve(expression: str) -> Resolved:
    template, node = template_with(expression)
    return template.resolve(node)


def value(expression: str) -> object:
    resolved = resolve(expression)
    return resolved.value if resolved.known else (resolved.partial or UNKNOWN)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # strings
        ("[concat('a', 'b', 1)]", "ab1"),
        ("[concat(createArray(1), createArray(2, 3))]", [1, 2, 3]),
        ("[format('{0}-{1}-{0}', 'a', 2)]", "a-2-a"),
        ("[format('{{0}} {0}', true())]", "{0} True"),
        ("[toLower('ABC')]", "abc"),
        ("[toUpper('abc')]", "ABC"),
        ("[replace('a-b-c', '-', '_')]", "a_b_c"),
        ("[substring('hello', 1, 3)]", "ell"),
        ("[substring('hello', 2)]", "llo"),
        ("[trim('  x  ')]", "x"),
        ("[split('a,b;c', createArray(',', ';'))]", ["a", "b", "c"]),
        ("[split('a/b', '/')]", ["a", "b"]),
        ("[join(createArray('a', 'b'), '/')]", "a/b"),
        ("[uri('https://example.com/a/b.sh', 'c.sh')]", "https://example.com/a/c.sh"),
        ("[uri('https://example.com/a/', 'c.sh')]", "https://example.com/a/c.sh"),
        ("[string(1)]", "1"),
        ("[string(true())]", "True"),
        ("[string(createObject('a', 1))]", '{"a":1}'),
        ("[base64('hi')]", "aGk="),
        ("[base64ToString('aGk=')]", "hi"),
        ("[uriComponent('a b/c')]", "a%20b%2Fc"),
        ("[padLeft('7', 3, '0')]", "007"),
        ("[startsWith('Hello', 'he')]", True),
        ("[endsWith('Hello', 'LO')]", True),
        ("[indexOf('abc', 'C')]", 2),
        ("[lastIndexOf('abcabc', 'b')]", 4),
        # logic
        ("[if(equals(1, 1), 'yes', 'no')]", "yes"),
        ("[if(false(), 'yes', 'no')]", "no"),
        ("[equals('a', 'A')]", False),
        ("[equals(1, true())]", False),
        ("[equals(createArray(1, 'a'), createArray(1, 'a'))]", True),
        ("[not(true())]", False),
        ("[and(true(), true(), false())]", False),
        ("[or(false(), true())]", True),
        ("[bool('True')]", True),
        ("[empty('')]", True),
        ("[empty(createArray())]", True),
        ("[empty(createObject())]", True),
        ("[empty(null())]", True),
        ("[empty('x')]", False),
        ("[contains('abc', 'b')]", True),
        ("[contains('abc', 'B')]", False),
        ("[contains(createArray('a', 'b'), 'b')]", True),
        ("[contains(createObject('Key', 1), 'key')]", True),
        ("[length('abc')]", 3),
        ("[length(createArray(1, 2))]", 2),
        ("[length(createObject('a', 1))]", 1),
        ("[less(1, 2)]", True),
        ("[greaterOrEquals('b', 'a')]", True),
        ("[coalesce(null(), 'x')]", "x"),
        # numbers
        ("[add(2, 3)]", 5),
        ("[sub(2, 3)]", -1),
        ("[mul(2, 3)]", 6),
        ("[div(-7, 2)]", -3),
        ("[mod(-7, 2)]", -1),
        ("[int('42')]", 42),
        ("[max(createArray(1, 5, 3))]", 5),
        ("[min(4, 2)]", 2),
        ("[range(1, 3)]", [1, 2, 3]),
        # arrays and objects
        ("[createArray('a', 1, true())]", ["a", 1, True]),
        ("[createObject('a', 1, 'b', createArray())]", {"a": 1, "b": []}),
        ("[union(createArray(1, 2), createArray(2, 3))]", [1, 2, 3]),
        ("[union(createObject('a', 1, 'n', createObject('x', 1)), createObject('b', 2, 'n', createObject('y', 2)))]",
         {"a": 1, "n": {"x": 1, "y": 2}, "b": 2}),
        ("[shallowMerge(createArray(createObject('a', 1), createObject('a', 2)))]", {"a": 2}),
        ("[first(createArray('x', 'y'))]", "x"),
        ("[last(createArray('x', 'y'))]", "y"),
        ("[first('abc')]", "a"),
        ("[last('abc')]", "c"),
        ("[skip(createArray(1, 2, 3), 1)]", [2, 3]),
        ("[take('abc', 2)]", "ab"),
        ("[array('x')]", ["x"]),
        ("[json('{\"a\": [1, null]}')]", {"a": [1, None]}),
        ("[json('null')]", None),
        ("[tryGet(createObject('a', 1), 'b')]", None),
        ("[tryGet(createObject('a', createObject('b', 2)), 'a', 'b')]", 2),
        # resource ids, built symbolically
        ("[resourceId('sub1', 'rg', 'Microsoft.Compute/galleries/images', 'g', 'i')]",
         "/subscriptions/sub1/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i"),
        ("[subscriptionResourceId('sub1', 'Microsoft.Resources/resourceGroups', 'rg')]",
         "/subscriptions/sub1/providers/Microsoft.Resources/resourceGroups/rg"),
        ("[tenantResourceId('Microsoft.Management/managementGroups', 'mg')]",
         "/providers/Microsoft.Management/managementGroups/mg"),
        ("[extensionResourceId('/subscriptions/s', 'Microsoft.Authorization/locks', 'l')]",
         "/subscriptions/s/providers/Microsoft.Authorization/locks/l"),
        # parameters and variables, property access and indexers
        ("[parameters('count')]", 3),
        ("[parameters('FLAG')]", True),
        ("[parameters('regions')[0]]", "westus2"),
        ("[parameters('settings').size]", "Standard_D2s_v3"),
        ("[parameters('settings')['disk'].gb]", 64),
        ("[variables('full')]", "web-img"),
        ("[variables('obj').location]", "eastus"),
        ("['it''s']", "it's"),
    ],
)
def test_known_values(expression: str, expected: object) -> None:
    assert value(expression) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "[resourceGroup().location]", "[deployment().name]", "[reference('x').outputs]", "[listKeys('x', '2020-01-01')]",
        "[newGuid()]", "[utcNow()]", "[uniqueString('a')]", "[guid('a')]", "[environment().name]", "[copyIndex()]",
        "[parameters('sub')]", "[parameters('region')]", "[variables('loop')]", "[variables('disks')]",
        "[parameters('undeclared')]", "[variables('undeclared')]", "[notAFunction('x')]", "[toLower('a', 'b')]",
        "[acme.fn('x')]", "[concat('a']", "[substring('abc', 2, 5)]", "[div(1, 0)]", "[json('{bad')]",
        "[first(createArray())]", "[if(parameters('sub'), 'a', 'b')]", "[equals(parameters('sub'), 'x')]",
        "[toLower(parameters('sub'))]", "[length(parameters('sub'))]", "[coalesce(parameters('sub'), 'x')]",
        "[format('{0,5}', 'x')]", "[parameters('settings').missing]", "[createObject('a')]",
        "[resourceId(parameters('sub'), 'x')]", "[concat(createArray(1), parameters('sub'))]",
    ],
)
def test_unknown_stays_unknown(expression: str) -> None:
    resolved = resolve(expression)
    assert resolved.value is UNKNOWN and not resolved.known and resolved.text() is None


@pytest.mark.parametrize(
    ("expression", "parts"),
    [
        ("[resourceGroup().id]", ["/subscriptions/", UNKNOWN, "/resourceGroups/", UNKNOWN]),
        ("[subscription().id]", ["/subscriptions/", UNKNOWN]),
        ("[resourceId('Microsoft.Compute/images', 'img')]",
         ["/subscriptions/", UNKNOWN, "/resourceGroups/", UNKNOWN, "/providers/Microsoft.Compute/images/img"]),
        ("[resourceId(parameters('sub'), 'Microsoft.Network/virtualNetworks/subnets', 'v', 's')]",
         ["/subscriptions/", UNKNOWN, "/resourceGroups/", UNKNOWN, "/providers/Microsoft.Network/virtualNetworks/v/subnets/s"]),
        ("[concat('/subscriptions/', subscription().subscriptionId, '/resourceGroups/', parameters('name'))]",
         ["/subscriptions/", UNKNOWN, "/resourceGroups/Web"]),
        ("[format('{0}/versions/{1}', parameters('sub'), '1.0.0')]", [UNKNOWN, "/versions/1.0.0"]),
        ("[toLower(concat('A', parameters('sub')))]", ["a", UNKNOWN]),
        ("[concat('/subscriptions/<subscriptionID>/x/', parameters('name'))]", ["/subscriptions/", UNKNOWN, "/x/Web"]),
    ],
)
def test_partly_known_strings_keep_their_shape(expression: str, parts: list[object]) -> None:
    resolved = resolve(expression)
    assert resolved.value is UNKNOWN
    assert resolved.partial == PartialString(parts)  # type: ignore[arg-type]


def test_a_value_from_a_default_points_at_the_default() -> None:
    template, node = template_with("[parameters('settings').size]")
    resolved = template.resolve(node)
    text = template.document.text
    assert resolved.value == "Standard_D2s_v3" and resolved.document is template.document
    assert text[resolved.node.start : resolved.node.end] == '"Standard_D2s_v3"'
    assert template.flows == {id(resolved.node): [node]}


def test_a_variable_value_points_at_the_variable_and_a_computed_one_at_the_field() -> None:
    template, node = template_with("[variables('obj').fixed]")
    resolved = template.resolve(node)
    assert template.document.text[resolved.node.start : resolved.node.end] == '"westeurope"'
    template, node = template_with("[concat(variables('obj').fixed, '')]")
    resolved = template.resolve(node)
    assert resolved.value == "westeurope" and resolved.node is node and template.flows == {}


def test_placeholders_and_literal_escapes() -> None:
    assert value("[[not an expression]") == "[not an expression]"
    template, node = template_with("<region>")
    assert template.resolve(node).value is UNKNOWN
    template, node = template_with("[parameters('region')]")
    assert template.resolve(node).value is UNKNOWN


def test_containers_with_unknown_parts_are_unknown_as_a_whole() -> None:
    template, _ = template_with({"a": "[parameters('name')]", "b": "[parameters('sub')]"})
    node = template.prop("x")
    assert node is not None and template.resolve(node).value is UNKNOWN
    template, _ = template_with({"a": "[parameters('name')]", "b": ["[parameters('count')]"]})
    node = template.prop("x")
    assert node is not None and template.resolve(node).value == {"a": "Web", "b": [3]}


def test_parameter_defaults_may_use_other_parameters_and_cycles_are_unknown() -> None:
    parameters = {
        "a": {"type": "string", "defaultValue": "[concat(parameters('b'), '!')]"},
        "b": {"type": "string", "defaultValue": "hi"},
        "c": {"type": "string", "defaultValue": "[parameters('c')]"},
    }
    template, node = template_with("[parameters('a')]", parameters)
    assert template.resolve(node).value == "hi!"
    template, node = template_with("[parameters('c')]", parameters)
    assert template.resolve(node).value is UNKNOWN


def test_bare_templates_are_not_evaluated() -> None:
    text = '{"type": "Microsoft.VirtualMachineImages/imageTemplates", "location": "[toLower(\'WESTUS\')]"}'
    [template] = find_templates(load_text(text, "t.json"))
    assert template.location is not None and template.resolve(template.location).value is UNKNOWN


_LEAVES = st.sampled_from([
    "'a'", "''", "1", "-2", "0", "parameters('name')", "parameters('sub')", "parameters('regions')",
    "parameters('settings')", "variables('obj')", "createArray()", "createObject()", "null()", "true()",
    "resourceGroup()", "subscription().id", "json('[1]')",
])
_NAMES = st.sampled_from([
    "concat", "format", "toLower", "replace", "substring", "split", "join", "uri", "string", "base64", "if",
    "equals", "not", "and", "or", "empty", "contains", "length", "createArray", "createObject", "union",
    "first", "last", "json", "resourceId", "subscriptionResourceId", "tenantResourceId", "coalesce", "tryGet",
    "div", "mod", "range", "skip", "take", "padLeft", "int", "bool", "min", "uniqueString",
])


def _calls(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    call = st.tuples(_NAMES, st.lists(children, max_size=4)).map(lambda c: f"{c[0]}({', '.join(c[1])})")
    access = st.tuples(children, st.sampled_from([".location", "[0]", "['id']", ".x"])).map("".join)
    return call | access


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.recursive(_LEAVES, _calls, max_leaves=12))
def test_evaluation_never_raises(expression: str) -> None:
    resolved = resolve(f"[{expression}]")
    assert resolved.value is UNKNOWN or builtins.is_known(resolved.value)
