"""aiblint.fastschema against jsonschema: the same errors, so the same verdict, for
every template we have under every api version, and for generated instances."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from aiblint import fastschema, schema, schema_data
from aiblint.config import Config
from aiblint.engine import Linter
from aiblint.frontends import load_bytes
from aiblint.model import ImageTemplate, find_templates
from aiblint.registry import RuleSet
from aiblint.selection import Selection
from tests.conftest import CORPUS, ROOT, WILD, need_shared
from tests.test_contradictions import SEEDED

VERSIONS = schema_data.api_versions()
ENTRIES = (schema_data.RESOURCE_DEF, "ImageTemplateProperties")
RULES = RuleSet.load_all().rules


@cache
def _jsonschema(version: str, entry: str) -> Draft202012Validator:
    data = schema_data.schema(version)
    registry: Registry[Any] = Registry().with_resource(data.uri, DRAFT202012.create_resource(data.document))
    return Draft202012Validator({"$ref": f"{data.uri}#/$defs/{entry}"}, registry=registry)


def _said(error: Any) -> tuple[str, str, str]:
    return error.validator, json.dumps(list(error.absolute_path)), error.message


_SLOW: dict[tuple[str, str, str], list[Any]] = {}  # many templates are copies of others: jsonschema once each


def assert_same_errors(version: str, entry: str, instance: Any) -> tuple[list[fastschema.Error], list[Any]]:
    """fastschema finds exactly jsonschema's errors: keyword, path and message
    (a map's values come in another order: jsonschema walks a set)."""
    quick = fastschema.errors(version, entry, instance)
    assert quick is not None, "the generated schemas use only what fastschema models"
    key = (version, entry, repr(instance))
    slow = _SLOW.get(key)
    if slow is None:
        slow = _SLOW[key] = list(_jsonschema(version, entry).iter_errors(instance))
    assert sorted(map(_said, quick)) == sorted(map(_said, slow)), instance
    return quick, slow


# -- every template we have, under every api version --------------------------------------


def _texts() -> Iterator[tuple[str, bytes]]:
    for path in sorted((ROOT / "tests" / "data" / "realistic").glob("*.json")):
        yield path.name, path.read_bytes()
    for index, text in enumerate(SEEDED):
        yield f"seeded-{index}.json", text.encode()
    for rule in RULES:
        for index, example in enumerate(rule.examples):
            if not example.filename.endswith(".tf"):  # Terraform reads a whole module: the corpus tests cover it
                yield f"{rule.id}-{index}-{example.filename}", example.text.encode()


def _templates(name: str, data: bytes) -> list[ImageTemplate]:
    document = load_bytes(data, name)
    return find_templates(document) if document.root is not None else []


def _every_version(templates: list[ImageTemplate]) -> int:
    """Checks every template under every api version; how many validations differed in verdict (none may)."""
    count = 0
    for template in templates:
        for version in VERSIONS:
            walk, instance, entry = schema.walked(template, version)
            quick, slow = assert_same_errors(version, entry, instance)
            fast_verdict = next(schema._Errors(walk, template).problems(iter(quick)), None) is None
            slow_verdict = next(schema._Errors(walk, template).problems(iter(slow)), None) is None
            assert fast_verdict == slow_verdict
            count += 1
    return count


def test_the_seeded_templates_and_every_rule_example() -> None:
    count = sum(_every_version(_templates(name, data)) for name, data in _texts())
    assert count > 1000  # ~120 templates x 10 api versions


def test_the_corpus_and_the_wild_examples() -> None:
    need_shared()
    files = sorted(path for folder in (CORPUS, WILD) for path in folder.rglob("*.json"))
    count = sum(_every_version(_templates(str(path), path.read_bytes())) for path in files)
    assert count >= 1290  # 129 templates x 10 api versions


# -- the same findings, end to end ----------------------------------------------------------


def _findings(linter: Linter, name: str, data: bytes) -> list[tuple[object, ...]]:
    findings, _ = linter.lint_bytes(data, name)
    return [(f.rule, f.line, f.column, f.severity.label, f.message) for f in findings]


def test_findings_are_those_jsonschema_alone_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    linter = Linter(RuleSet.load(Selection.of(["AIB1"], None)), Config())
    texts = list(_texts())
    fast = [_findings(linter, name, data) for name, data in texts]
    monkeypatch.setattr(fastschema, "errors", lambda *_: None)  # as before fastschema: jsonschema every time
    assert [_findings(linter, name, data) for name, data in texts] == fast
    assert sum(map(len, fast)) > 50


# -- generated instances ----------------------------------------------------------------------

_JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([1.0, 0.5, -1.5, 1e300]),
    st.text(max_size=4), st.just([]), st.just({}), st.just(["x"]), st.just({"a": 1}),
    st.just(schema._UNKNOWABLE),  # a value aiblint cannot know
)
_STRINGS = st.sampled_from(["x", "", "img", "a" * 64, "a" * 65, "bad name", "ok.name-1_2", "[parameters('p')]"])


@st.composite
def _instance(draw: st.DrawFn, owner: schema_data.VersionSchema, node: dict[str, Any], mutate: bool,
              depth: int = 0) -> Any:
    """An instance of ``node``, as the schema wants it; with ``mutate``, some
    values are wrong (a wrong type, an enum miss, out of range, not known) and
    some objects lack required properties. Either way extra properties come."""
    while "$ref" in node:
        node = owner.document["$defs"][node["$ref"].removeprefix("#/$defs/")]
    if mutate and depth > 0 and draw(st.integers(0, 7)) == 0:
        return draw(_JUNK)
    if "enum" in node:
        values = list(node["enum"])
        return draw(st.sampled_from([*values, *(value.lower() for value in values), "Other"] if mutate else values))
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        return draw(_object(owner, node, mutate, depth))
    if kind == "array":
        return [draw(_instance(owner, node.get("items", {}), mutate, depth + 1)) for _ in range(draw(st.integers(0, 2)))]
    if kind == "integer":
        low = node.get("minimum", -5)
        high = node.get("maximum", low + 10)
        if not mutate:
            return draw(st.integers(low, high))
        return draw(st.sampled_from([low - 1, high + 1, low, float(low), (low + high) // 2]))
    if kind == "boolean":
        return draw(st.booleans())
    return draw(_STRINGS if mutate or "pattern" not in node else st.sampled_from(["img", "ok.name-1_2"]))


@st.composite
def _object(draw: st.DrawFn, owner: schema_data.VersionSchema, node: dict[str, Any], mutate: bool,
            depth: int) -> dict[str, Any]:
    properties = dict(node.get("properties", {}))
    discriminator = node.get("discriminator")
    name_of_type = discriminator["propertyName"] if discriminator is not None else None
    chosen: Any = None
    if discriminator is not None:  # a value that names a variant (or not), and that variant's properties
        chosen = draw(st.sampled_from([*discriminator["mapping"], *(["other", schema._UNKNOWABLE] if mutate else [])]))
        ref = discriminator["mapping"].get(chosen) if isinstance(chosen, str) else None
        if ref is not None:
            properties.update(owner.document["$defs"][ref.removeprefix("#/$defs/")].get("properties", {}))
    drop_required = mutate and draw(st.integers(0, 5)) == 0
    out: dict[str, Any] = {}
    for name, spec in properties.items():
        if spec.get("readOnly") or name == name_of_type:
            continue
        if (name in node.get("required", []) and not drop_required) or (depth < 4 and draw(st.booleans())):
            out[name] = draw(_instance(owner, spec, mutate, depth + 1))
    if name_of_type is not None and (not drop_required or draw(st.booleans())):
        out[name_of_type] = chosen
    extra = node.get("additionalProperties")
    for name in draw(st.lists(st.sampled_from(["extra", "x-y", "Tags"]), max_size=2, unique=True)):
        out[name] = draw(_instance(owner, extra, mutate, depth + 1)) if extra else draw(_JUNK)
    return out


def _generated(data: st.DataObject, version: str, entry: str) -> Any:
    mutate = data.draw(st.booleans())
    return data.draw(_instance(schema_data.schema(version), {"$ref": f"#/$defs/{entry}"}, mutate))


_SETTINGS = settings(max_examples=250, deadline=None, database=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@_SETTINGS
@given(st.data())
def test_generated_instances(data: st.DataObject) -> None:
    version = data.draw(st.sampled_from(VERSIONS))
    entry = data.draw(st.sampled_from(ENTRIES))
    assert_same_errors(version, entry, _generated(data, version, entry))


def test_generated_instances_reach_both_verdicts_and_every_kind_of_error() -> None:
    kinds: set[str] = set()
    verdicts: set[bool] = set()

    @settings(_SETTINGS, max_examples=150, derandomize=True)  # the same instances every run: no flaky coverage
    @given(st.data())
    def collect(data: st.DataObject) -> None:
        version = data.draw(st.sampled_from(VERSIONS))
        found, _ = assert_same_errors(version, "ImageTemplateProperties", _generated(data, version, "ImageTemplateProperties"))
        kinds.update(error.validator for error in found)
        verdicts.add(not found)

    collect()
    assert verdicts == {True, False}
    assert {"type", "enum", "required", "minimum", "maximum", "pattern"} <= kinds


# -- what fastschema does not model goes to jsonschema -------------------------------------------


def _document(definition: dict[str, Any]) -> dict[str, Any]:
    return {"$id": "urn:test", "$defs": {"T": definition, "S": {"type": "string"}}}


@pytest.mark.parametrize("definition", [
    {"type": "string", "minLength": 3},  # a keyword it does not know
    {"if": {"type": "string"}, "then": {"type": "string"}, "else": {"type": "integer"}},
    {"properties": {"a": True}},  # a boolean schema
    {"additionalProperties": False},
    {"$ref": "other.json#/$defs/S"},
    {"$ref": "#/$defs/Missing"},
    {"enum": ["a", 1]},  # jsonschema's equality tells 1 from True
    {"type": "decimal"},
    {"items": {"$ref": "#/$defs/S"}, "prefixItems": [{"type": "string"}]},
])
def test_what_it_does_not_model_is_left_to_jsonschema(definition: dict[str, Any]) -> None:
    assert fastschema.checker(_document(definition), "T") is None
    assert fastschema.checker(_document({"properties": {"a": {"$ref": "#/$defs/S"}}}), "T") is not None


@pytest.mark.parametrize("value", [Decimal(1), (1, 2), {1: "a"}, b"x"])
def test_an_instance_it_does_not_model_is_left_to_jsonschema(value: Any) -> None:
    instance = {"properties": {"buildTimeoutInMinutes": value}}
    assert fastschema.errors("2024-02-01", schema_data.RESOURCE_DEF, instance) is None


def test_a_schema_keyword_it_does_not_know_makes_jsonschema_judge(monkeypatch: pytest.MonkeyPatch) -> None:
    """A schema regenerated with a new keyword never gets a wrong "valid": the
    template is judged by jsonschema, whose error becomes the finding."""
    real = schema_data.schema("2024-02-01")
    document = copy.deepcopy(real.document)
    document["$defs"]["imageTemplates"]["properties"]["location"]["maxLength"] = 3
    changed = schema_data.VersionSchema("2024-02-01", document)
    monkeypatch.setattr(schema_data, "schema", lambda version: changed if version == "2024-02-01" else real)
    for cached in (fastschema._compiled, schema._validator):
        cached.cache_clear()
    try:
        text = (ROOT / "tests" / "data" / "realistic" / "arm-composed-steps-2024-02-01.json").read_bytes()
        linter = Linter(RuleSet.load(Selection.of(["AIB101"], None)), Config())
        assert fastschema.errors("2024-02-01", schema_data.RESOURCE_DEF, {}) is None
        findings = [f for f in _findings(linter, "t.json", text) if "is too long" in str(f[4])]
        assert [f[0] for f in findings] == ["AIB101"]
    finally:
        for cached in (fastschema._compiled, schema._validator):
            cached.cache_clear()


# -- jsonschema is not imported for a valid template ----------------------------------------------

_PROBE = (
    "import sys\n"
    "if sys.argv[1] == 'jsonschema-only':\n"
    "    import aiblint.fastschema\n"
    "    aiblint.fastschema.errors = lambda *_: None\n"
    "from aiblint.cli import main\n"
    "code = main(['--no-cache', '--format', 'json', 't.json'])\n"
    "print('jsonschema' in sys.modules, code)\n"
)
_VALID = {
    "type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2024-02-01", "name": "img",
    "location": "westus2",
    "identity": {"type": "UserAssigned", "userAssignedIdentities": {
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/"
        "Microsoft.ManagedIdentity/userAssignedIdentities/aib": {}}},
    "properties": {
        "buildTimeoutInMinutes": 60,
        "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server",
                   "version": "latest"},
        "distribute": [{"type": "VHD", "runOutputName": "vhd"}],
    },
}


def _probe(tmp_path: Path, template: dict[str, Any], mode: str = "fast") -> tuple[str, str]:
    (tmp_path / "t.json").write_text(json.dumps(template, indent=2), encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", _PROBE, mode], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    *report, last = result.stdout.splitlines()
    return "\n".join(report), last


def test_a_valid_template_is_linted_without_importing_jsonschema(tmp_path: Path) -> None:
    report, last = _probe(tmp_path, _VALID)
    assert last == "False 0", report
    assert json.loads(report)["findings"] == []


def test_an_invalid_template_reports_what_jsonschema_alone_reported(tmp_path: Path) -> None:
    invalid = copy.deepcopy(_VALID)
    invalid["properties"]["buildTimeoutInMinutes"] = 1000
    invalid["properties"]["distribute"][0]["runOutputName"] = "bad name"
    report, last = _probe(tmp_path, invalid)
    before, before_last = _probe(tmp_path, invalid, "jsonschema-only")
    assert (last, before_last) == ("True 1", "True 1")
    assert report == before  # byte for byte
    assert [(f["rule"], f["line"], f["column"]) for f in json.loads(report)["findings"]] == [
        ("AIB101", 13, 30), ("AIB101", 24, 26)]


# an apiVersion that cannot be known: an osDiskSizeGB of -1 is below the minimum of every candidate
# version but 2019-05-01-preview (which has none), so it is not reported
_UNKNOWN_VERSION = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {"apiVersion": {"type": "string"}},
    "resources": [{
        "type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "[parameters('apiVersion')]",
        "name": "img", "location": "westus2",
        "identity": _VALID["identity"],
        "properties": {
            "source": _VALID["properties"]["source"],
            "vmProfile": {"osDiskSizeGB": -1},
            "distribute": [{"type": "VHD", "runOutputName": "vhd"}],
        },
    }],
}


def test_an_unknown_api_version_with_errors_in_some_versions_only_does_not_import_jsonschema(tmp_path: Path) -> None:
    report, last = _probe(tmp_path, _UNKNOWN_VERSION)
    before, before_last = _probe(tmp_path, _UNKNOWN_VERSION, "jsonschema-only")
    assert (last, before_last) == ("False 0", "True 0")
    assert report == before  # byte for byte
    assert [(f["rule"], f["line"], f["column"], f["severity"]) for f in json.loads(report)["findings"]
            if f["rule"].startswith("AIB1")] == [("AIB100", 12, 21, "note")]


def test_an_unknown_api_version_with_an_error_in_every_version_reports_jsonschema_s_words(tmp_path: Path) -> None:
    invalid = copy.deepcopy(_UNKNOWN_VERSION)
    invalid["resources"][0]["properties"]["distribute"][0]["runOutputName"] = "bad name"
    report, last = _probe(tmp_path, invalid)
    before, before_last = _probe(tmp_path, invalid, "jsonschema-only")
    assert (last, before_last) == ("True 1", "True 1")
    assert report == before  # byte for byte
    assert [(f["rule"], f["line"], f["column"]) for f in json.loads(report)["findings"] if f["rule"].startswith("AIB1")] == [
        ("AIB100", 12, 21), ("AIB101", 35, 30)]  # runOutputName "bad name"


# -- the conditions of the unions' branches ---------------------------------------------------------

_BRANCHES = {"$id": "urn:test", "$defs": {"T": {"allOf": [
    {"if": {"type": "object", "required": ["type"], "properties": {"type": {"const": "Shell"}}},
     "then": {"properties": {"inline": {"type": "array"}}, "required": ["inline"]}},
    {"if": {"required": ["type"], "properties": {"type": {"enum": ["File"]}}},  # not the union's form: the general way
     "then": {"required": ["sourceUri"]}},
]}}}


@pytest.mark.parametrize("instance", [
    None, "Shell", ["Shell"], {}, {"type": 1}, {"type": None}, {"type": "shell"}, {"type": "Shell"},
    {"type": "Shell", "inline": "x"}, {"type": "Shell", "inline": []}, {"type": "File"}, {"type": "File", "sourceUri": "u"},
    {"type": schema._UNKNOWABLE}, {"kind": "Shell"},
])
def test_a_branch_is_taken_as_jsonschema_takes_it(instance: Any) -> None:
    check = fastschema.checker(_BRANCHES, "T")
    assert check is not None
    found: list[fastschema.Error] = []
    check(instance, (), found)
    registry: Registry[Any] = Registry().with_resource("urn:test", DRAFT202012.create_resource(_BRANCHES))
    slow = list(Draft202012Validator({"$ref": "urn:test#/$defs/T"}, registry=registry).iter_errors(instance))
    assert sorted(map(_said, found)) == sorted(map(_said, slow))
    assert bool(found) == (instance in ({"type": "Shell"}, {"type": "Shell", "inline": "x"}, {"type": "File"}))


def test_the_union_form_of_a_condition_is_told_from_others() -> None:
    union = {"type": "object", "required": ["type"], "properties": {"type": {"const": "Shell"}}}
    assert fastschema._discriminated(union) == "type"
    for other in ({**union, "type": "array"}, {**union, "required": ["type", "name"]}, {**union, "required": ["name"]},
                  {**union, "properties": {"type": {"const": "Shell", "type": "string"}}},
                  {**union, "properties": {"type": {"const": 1}}}, {**union, "x-note": 1},
                  {key: value for key, value in union.items() if key != "type"}):
        assert fastschema._discriminated(other) is None, other


# -- a definition alike in two api versions is compiled once --------------------------------------


def _checked(version: str, instance: Any) -> list[str]:
    check = fastschema.checker(schema_data.schema(version).document, "A", version)
    assert check is not None
    found: list[fastschema.Error] = []
    check(instance, (), found)
    return [f"{error.validator} {list(error.absolute_path)}" for error in found]


def test_a_definition_is_compiled_once_for_the_versions_it_is_alike_in_and_never_for_others(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A reads the same in x, y and z; what its B says differs in y; w's A refers to another definition
    def document(target: str, ref: str = "B") -> dict[str, Any]:
        return {"$id": "urn:t", "$defs": {"A": {"properties": {"b": {"$ref": f"#/$defs/{ref}"}}},
                                          "B": {"type": target}, "C": {"type": "string"}}}

    owners = {name: schema_data.VersionSchema(name, document(*spec)) for name, spec in
              [("x", ("string",)), ("y", ("integer",)), ("z", ("string",)), ("w", ("integer", "C"))]}
    monkeypatch.setattr(schema_data, "schema", owners.__getitem__)
    monkeypatch.setattr(fastschema, "_COMPILED", {})
    compiled: list[Any] = []
    real = fastschema._Compiler.compile

    def counted(self: fastschema._Compiler, node: Any) -> fastschema.Check:
        compiled.append(node)
        return real(self, node)

    monkeypatch.setattr(fastschema._Compiler, "compile", counted)
    assert _checked("x", {"b": 1}) == ["type ['b']"]
    assert _checked("y", {"b": 1}) == [] and _checked("y", {"b": "s"}) == ["type ['b']"]
    made = len(compiled)
    assert _checked("z", {"b": 1}) == ["type ['b']"]  # x's checks
    assert len(compiled) == made
    assert _checked("w", {"b": 1}) == ["type ['b']"] and _checked("w", {"b": "s"}) == []
    assert len(compiled) > made


def test_a_checker_that_cannot_be_made_shares_none_of_its_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    # B compiles, then A's unknown keyword fails the whole checker: B's check is not kept half made
    document = {"$id": "urn:t", "$defs": {"A": {"properties": {"b": {"$ref": "#/$defs/B"}}, "format": "uri"},
                                          "B": {"type": "string"}}}
    monkeypatch.setattr(schema_data, "schema", {"x": schema_data.VersionSchema("x", document)}.__getitem__)
    monkeypatch.setattr(fastschema, "_COMPILED", {})
    assert fastschema.checker(document, "A", "x") is None
    assert fastschema._COMPILED == {}
    assert fastschema.checker(document, "B", "x") is not None
    assert list(fastschema._COMPILED) == [schema_data.definition_key("x", "B")]


@pytest.mark.parametrize("kind", [*sorted(fastschema._TYPES), ["integer", "string"], ["number", "null"], ["boolean"]])
def test_a_type_is_checked_as_jsonschema_checks_it(kind: Any) -> None:
    """One type name (checked by comparing one Python type) or a list of
    them: the same errors as jsonschema's for every kind of value (``True`` is
    no integer, ``1.0`` is one, the marker of an unknowable value is of no type)."""
    document = {"$id": "urn:test", "$defs": {"T": {"type": kind}}}
    check = fastschema.checker(document, "T")
    assert check is not None
    registry: Registry[Any] = Registry().with_resource("urn:test", DRAFT202012.create_resource(document))
    validator = Draft202012Validator({"$ref": "urn:test#/$defs/T"}, registry=registry)
    for instance in (None, True, False, 0, 1, 1.0, 0.5, "", "1", [], [1], {}, {"a": 1}, schema._UNKNOWABLE):
        found: list[fastschema.Error] = []
        check(instance, (), found)
        assert sorted(map(_said, found)) == sorted(map(_said, validator.iter_errors(instance))), (kind, instance)


def _union(*branches: tuple[str, str]) -> dict[str, Any]:
    """A union as the generated schemas write it: ``allOf`` of ``if`` <name is this string> ``then`` <a schema>."""
    return {"allOf": [{"if": {"type": "object", "properties": {name: {"const": value}}, "required": [name]},
                       "then": {"$ref": f"#/$defs/{value}"}} for name, value in branches]}


_VARIANTS: dict[str, Any] = {
    "Shell": {"required": ["inline"], "properties": {"inline": {"type": "array"}}},
    "File": {"required": ["sourceUri"], "properties": {"sourceUri": {"type": "string"}}},
    "Other": {"properties": {"inline": {"type": "string"}}},
}


@pytest.mark.parametrize("union", [
    _union(("type", "Shell"), ("type", "File"), ("type", "Other")),  # looked up by the discriminator's value
    _union(("type", "Shell"), ("type", "Shell"), ("type", "File")),  # a value twice: each part tried in turn
    _union(("type", "Shell"), ("kind", "File"), ("type", "Other")),  # two properties: each part tried in turn
])
@pytest.mark.parametrize("instance", [
    None, [], "Shell", {}, {"type": None}, {"type": 1}, {"type": "shell"}, {"type": "Shell"}, {"type": "Shell", "inline": "x"},
    {"type": "Shell", "inline": []}, {"type": "File"}, {"type": "File", "kind": "File", "sourceUri": 1},
    {"kind": "File"}, {"type": "Other", "inline": 1}, {"type": schema._UNKNOWABLE, "inline": 1}, {"type": "Missing"},
])
def test_a_union_s_branch_is_the_one_jsonschema_takes(union: dict[str, Any], instance: Any) -> None:
    document = {"$id": "urn:test", "$defs": {"T": union, **_VARIANTS}}
    check = fastschema.checker(document, "T")
    assert check is not None
    found: list[fastschema.Error] = []
    check(instance, ("at",), found)
    registry: Registry[Any] = Registry().with_resource("urn:test", DRAFT202012.create_resource(document))
    slow = list(Draft202012Validator({"$ref": "urn:test#/$defs/T"}, registry=registry).iter_errors(instance))
    assert [(e.validator, e.absolute_path[1:], e.message) for e in found] == [
        (e.validator, tuple(e.absolute_path), e.message) for e in slow]


def test_only_a_union_of_distinct_string_values_on_one_property_is_looked_up() -> None:
    assert fastschema._variants(_union(("type", "Shell"), ("type", "File"))["allOf"]) == ("type", ["Shell", "File"])
    for parts in (_union(("type", "Shell"), ("type", "Shell"))["allOf"], _union(("type", "Shell"), ("kind", "File"))["allOf"],
                  [], [{"if": {"type": "string"}, "then": {"type": "string"}}],
                  [{**_union(("type", "Shell"))["allOf"][0], "else": {"type": "string"}}]):
        assert fastschema._variants(parts) is None


@pytest.mark.parametrize("count", [3, fastschema._FEW, fastschema._FEW + 1, 3 * fastschema._FEW])
def test_properties_are_checked_in_the_schema_s_order_however_many_it_has(count: int) -> None:
    """Looked for in the schema's order (few properties) or the names written
    sorted into it (many): the errors come as jsonschema's do."""
    names = [f"p{index:03}" for index in range(count)]
    document = {"$id": "urn:test", "$defs": {"T": {"properties": {name: {"type": "integer"} for name in reversed(names)}}}}
    check = fastschema.checker(document, "T")
    assert check is not None
    registry: Registry[Any] = Registry().with_resource("urn:test", DRAFT202012.create_resource(document))
    validator = Draft202012Validator({"$ref": "urn:test#/$defs/T"}, registry=registry)
    for written in (names[:2], names[-3:], names[::2], names):
        instance = {"other": "x", **{name: name for name in written}}
        found: list[fastschema.Error] = []
        check(instance, (), found)
        assert [e.absolute_path for e in found] == [tuple(e.absolute_path) for e in validator.iter_errors(instance)]
        assert [e.absolute_path for e in found] == [(name,) for name in reversed(names) if name in written]
