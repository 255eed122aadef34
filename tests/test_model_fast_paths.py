"""Value resolution's fast paths (issue 21): a value written as it is resolves without
evaluating, the substring pre-tests of the placeholder and token patterns decide as
the patterns do, and the per-text placeholder memo gives each text its own answer."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiblint.arm.parameters import merge, read_parameter_file
from aiblint.arm.scope import ArmContext, string_value
from aiblint.jsontree import JsonNode, JsonScalar, JsonString, walk
from aiblint.loader import load_bytes
from aiblint.model import ImageTemplate, _as_written, _is_script_line, _tokens_unknown, find_templates
from aiblint.substitution import TOKEN, has_token, without_tokens
from aiblint.values import (
    PLACEHOLDER,
    UNKNOWN,
    Part,
    PartialString,
    Resolved,
    has_placeholder,
    is_expression,
    literal_text,
    placeholder_parts,
)
from tests.conftest import CORPUS, WILD, need_shared

#: Strings of every kind: as written, expressions, escapes, placeholders, tokens, and the
#: characters near them ('[' inside, a lone '_', '#', '%') that are still as written or not.
TEXTS = [
    "Standard_D2s_v3", "", "[parameters('size')]", "[[not an expression]", "a [b] c", "<region>", "x < y",
    "#{location}#", "${location}", "$(Build.BuildId)", "{{ region }}", "__region__", "a_b", "50%", "#tag",
    "[concat('/subscriptions/', '<subscriptionID>')]", "[variables('plain')]", "[parameters('fromFile')]",
]

DEPLOYMENT = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": {"fromFile": {"type": "string", "defaultValue": "westus"}, "count": {"type": "int", "defaultValue": 2}},
  "variables": {"plain": "from-a-variable"},
  "resources": [{
    "type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "name": "img",
    "location": "eastus", "tags": {"texts": TEXTS, "number": 3, "flag": true, "none": null, "count": "[parameters('count')]"},
    "properties": {"source": {"type": "PlatformImage", "offer": "o"},
                   "customize": [{"type": "Shell", "inline": ["echo ${HOME}", "echo __x__", "plain line"]}]}
  }]
}""".replace("TEXTS", json.dumps(TEXTS))

BARE = """{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01",
  "location": "eastus", "tags": {"texts": TEXTS, "number": 3.5, "flag": false},
  "properties": {"source": {"type": "PlatformImage"}, "customize": [{"type": "Shell", "inline": ["echo ${HOME}"]}]}}""".replace("TEXTS", json.dumps(TEXTS))

PARAMETERS = b"""{"parameters": {"fromFile": {"value": "centralus"}, "unused": {"value": "as written"},
  "odd": {"value": "<region>"}, "number": {"value": 7}}}"""


def _evaluated(template: ImageTemplate, node: JsonNode) -> tuple[Resolved, list[tuple[int, JsonNode]]]:
    """What resolve answered before its fast path: always evaluated."""
    with template.recorded_flows() as flows:
        resolved = template._evaluate(node)
    return (resolved if _is_script_line(node) else _tokens_unknown(resolved)), list(flows)


def _same(one: Resolved, other: Resolved) -> bool:
    return (one.value == other.value and type(one.value) is type(other.value) and one.node is other.node
            and one.document is other.document and one.partial == other.partial)


def _check_every_node(template: ImageTemplate, nodes: list[JsonNode]) -> int:
    fast = 0
    for node in nodes:
        fast += _as_written(node)
        expected, flows = _evaluated(template, node)
        template.flows.clear()
        resolved = template.resolve(node)
        assert _same(resolved, expected), (node.logical_path(), resolved, expected)
        recorded = [(origin, field) for origin, fields in template.flows.items() for field in fields]
        assert recorded == flows  # one node resolved: its flows, in order, none when written as it is
    return fast


@pytest.mark.parametrize("text", [DEPLOYMENT, BARE])
def test_a_value_written_as_it_is_resolves_as_evaluating_it_does(text: str) -> None:
    (template,) = find_templates(load_bytes(text.encode(), "t.json"))
    fast = _check_every_node(template, list(walk(template.resource)))
    assert fast >= 10  # the fast path was taken (and checked)


def test_a_parameters_file_value_is_written_in_the_parameters_file() -> None:
    """The fast path answers with the document a node is written in: a bound
    parameters file's, never the template's."""
    (template,) = find_templates(load_bytes(DEPLOYMENT.encode(), "t.json"))
    bound = read_parameter_file(PARAMETERS, "t.parameters.json")
    template.arm = ArmContext(template.document, merge([bound]))
    root = bound.document.root
    assert root is not None
    nodes = list(walk(root))
    assert _check_every_node(template, nodes) >= 3
    plain = next(node for node in nodes if isinstance(node, JsonString) and node.text == "as written")
    resolved = template.resolve(plain)
    assert (resolved.value, resolved.document) == ("as written", bound.document)
    tags = template.resource.get("tags")
    assert tags is not None and template.resolve(tags).known is False  # an expression among the texts
    location = template.resource.get("location")
    assert location is not None and template.resolve(location).document is template.document


def test_values_made_by_front_ends_and_expressions_are_not_taken_as_written() -> None:
    assert _as_written(JsonString(0, 0, "eastus")) and _as_written(JsonScalar(0, 0, 3))
    assert not _as_written(JsonScalar(0, 0, "a string in a scalar"))  # not what the loader makes: evaluated

    class Made(JsonString):
        __slots__ = ()

    assert not _as_written(Made(0, 0, "eastus"))


def test_corpus_values_resolve_as_evaluating_them_does() -> None:
    need_shared()
    paths = sorted(CORPUS.rglob("*.json")) + sorted(WILD.rglob("*.json"))
    checked = 0
    for path in paths:
        for template in find_templates(load_bytes(path.read_bytes(), str(path))):
            checked += _check_every_node(template, list(walk(template.resource)))
            root = template.document.root
            for node in walk(root) if root is not None and template.arm_template is not None else []:
                assert template._locate(node) == _reference_locate(template, node)
    assert checked > 1000


_SPECIAL = st.text(alphabet="ab _-.[]<>${}()#%:/x1 ", max_size=30)


@given(_SPECIAL)
def test_the_substring_pre_tests_decide_as_the_patterns_do(text: str) -> None:
    assert has_placeholder(text) == (PLACEHOLDER.search(text) is not None)
    assert has_token(text) == (TOKEN.search(text) is not None)
    assert placeholder_parts(text) == _reference_placeholder_parts(text)
    assert without_tokens(text) == _reference_without_tokens(text)
    if _as_written(JsonString(0, 0, text)):  # a string taken as written holds nothing to evaluate
        assert not (is_expression(text) or has_placeholder(text) or has_token(text))
        assert literal_text(text) == text and string_value(text) == text


def _reference_placeholder_parts(text: str) -> PartialString | None:
    pieces: list[Part] = []
    position = 0
    for match in PLACEHOLDER.finditer(text):
        pieces += [text[position : match.start()], UNKNOWN]
        position = match.end()
    pieces.append(text[position:])
    value = _reference_join(pieces)
    return value if isinstance(value, PartialString) else None


def _reference_without_tokens(value: str) -> object:
    pieces: list[Part] = []
    position = 0
    for match in TOKEN.finditer(value):
        pieces += [value[position : match.start()], UNKNOWN]
        position = match.end()
    if not pieces:
        return value
    pieces.append(value[position:])
    return _reference_join(pieces)


def _reference_join(parts: list[Part]) -> object:
    partial = PartialString(parts)
    if all(isinstance(part, str) for part in partial.parts):
        return "".join(part for part in partial.parts if isinstance(part, str))
    if not any(isinstance(part, str) for part in partial.parts):
        return UNKNOWN
    return partial


@given(st.lists(st.one_of(st.sampled_from(["", "a", "/b/"]), st.just(UNKNOWN)), max_size=6))
def test_join_is_text_when_all_is_known_and_unknown_when_nothing_is(parts: list[Part]) -> None:
    assert PartialString.join(parts) == _reference_join(parts)


def test_placeholder_parts_is_memoized_per_text_and_bounded() -> None:
    first = placeholder_parts("/subscriptions/<subscriptionID>/resourceGroups/a")
    assert first is placeholder_parts("/subscriptions/<subscriptionID>/resourceGroups/a")  # shared: immutable
    other = placeholder_parts("/subscriptions/<subscriptionID>/resourceGroups/b")
    assert first is not None and other is not None
    assert first.parts == ("/subscriptions/", UNKNOWN, "/resourceGroups/a")
    assert other.parts == ("/subscriptions/", UNKNOWN, "/resourceGroups/b")  # keyed by the exact text
    assert placeholder_parts("no placeholder") is None and placeholder_parts("<only>") is None
    from aiblint.values import _placeholder_parts

    info = _placeholder_parts.cache_info()
    assert info.maxsize is not None and info.maxsize <= 4096  # a long-lived process does not grow


def test_the_pre_tests_see_every_token_style() -> None:
    for text in ("#{x}#", "${{ vars.X }}", "${x}", "$(Build.Id)", "{{ x }}", "a __x__ b"):
        assert has_token(text), text
    for text in ("a_b", "50%", "#x#", "$ 5", "{x}"):
        assert not has_token(text), text
    assert re.search("<", "<region>") and has_placeholder("<region>") and not has_placeholder("a < b")


# -- where a node is written: worked out once per parent -----------------------------------------

NESTED = b"""{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": {"size": {"type": "string", "defaultValue": "outer"}},
  "resources": [
    {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "name": "outer",
     "properties": {"vmProfile": {"vmSize": "[parameters('size')]"}, "source": {"type": "PlatformImage"}}},
    {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "inner",
     "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
       "parameters": {"size": {"value": "given"}},
       "template": {
         "parameters": {"size": {"type": "string", "defaultValue": "inner"}},
         "resources": [
           {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "name": "nested",
            "properties": {"vmProfile": {"vmSize": "[parameters('size')]"}, "source": {"type": "PlatformImage"}}},
           {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "deeper",
            "properties": {"mode": "Incremental", "template": {"resources": []}}}
         ]}}}
  ]
}"""


def _reference_locate(template: ImageTemplate, node: JsonNode) -> tuple[object, object]:
    """_locate as it was before its memo: a walk to the root from every node."""
    from aiblint.arm.scope import deployment_of
    from aiblint.jsontree import JsonObject

    found: JsonNode | None = None
    current: JsonNode | None = node
    root = node
    while current is not None:
        if found is None and isinstance(current, JsonObject) and current.key == "template" and deployment_of(current):
            found = current
        root = current
        current = current.parent
    if root is template.document.root:
        return template.document, found if found is not None else template.arm_template_root()
    return template.document_of_root(root), None


def test_every_node_is_placed_in_its_document_and_innermost_deployment_template() -> None:
    outer, nested = find_templates(load_bytes(NESTED, "t.json"))
    bound = read_parameter_file(PARAMETERS, "t.parameters.json")
    context = ArmContext(outer.document, merge([bound]))
    outer.arm = nested.arm = context
    assert outer.document.root is not None and bound.document.root is not None
    nodes = list(walk(outer.document.root)) + list(walk(bound.document.root))
    templates = set()
    for _ in range(2):  # worked out, then from the memo
        for template in (outer, nested):
            for node in nodes:
                document, found = template._locate(node)
                assert (document, found) == _reference_locate(template, node), node.logical_path()
                assert template.document_of(node) is document
                templates.add(id(found))
    assert len(templates) == 4  # the root, the inner and the deeper template, none (the parameters file)
    size = nested.member(nested.prop("vmProfile"), "vmSize")
    assert size is not None and nested.resolve(size).value == "given"  # evaluated in the inner scope
    size = outer.member(outer.prop("vmProfile"), "vmSize")
    assert size is not None and outer.resolve(size).value == "outer"


def test_properties_are_each_templates_own() -> None:
    outer, nested = find_templates(load_bytes(NESTED, "t.json"))
    for _ in range(2):
        assert outer.properties is outer.resource.get("properties")
        assert nested.properties is nested.resource.get("properties")
        assert outer.properties is not nested.properties
    (body,) = find_templates(load_bytes(b'{"source": {"type": "PlatformImage"}, "distribute": []}', "t.json"))
    assert body.form == "properties-only" and body.properties is body.resource
    (odd,) = find_templates(load_bytes(b'{"type": "Microsoft.VirtualMachineImages/imageTemplates", "properties": []}', "t.json"))
    assert odd.properties is None and odd.properties is None


def _reference_deployment_templates(root: JsonNode) -> list[JsonNode]:
    """diagnostics.deployment_templates as it was: a walk over every node."""
    from aiblint.arm.scope import deployment_of
    from aiblint.jsontree import JsonObject

    return [root] + [node for node in walk(root)
                     if isinstance(node, JsonObject) and node.key == "template" and deployment_of(node) is not None]


def test_deployment_templates_are_found_in_walk_order() -> None:
    from aiblint.arm.diagnostics import deployment_templates

    document = load_bytes(NESTED, "t.json")
    assert document.root is not None
    found = deployment_templates(document)
    assert found == _reference_deployment_templates(document.root) and len(found) == 3
    assert [node.logical_path() for node in found] == [
        "", "resources[1].properties.template", "resources[1].properties.template.resources[1].properties.template"]
    need_shared()
    for path in sorted(CORPUS.rglob("*.json")) + sorted(WILD.rglob("*.json")):
        document = load_bytes(path.read_bytes(), str(path))
        if document.root is not None and type(document.root).__name__ == "JsonObject":
            assert deployment_templates(document) == _reference_deployment_templates(document.root), path
