"""A template whose api version is not known is walked and validated under
every candidate version; the walks share what they walk alike (a value under a
schema that is equal in two versions, with all it reaches: schema_data.schema_key)
and fastschema shares the errors of the parts they share. Sharing must change nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aiblint import fastschema, schema, schema_data
from aiblint.model import ImageTemplate
from tests.conftest import CORPUS, WILD, need_shared
from tests.test_fastschema import _templates, _texts

VERSIONS = schema_data.api_versions()


def _definition(version: str, name: str) -> dict[str, Any]:
    return schema_data.schema(version).document["$defs"][name]  # type: ignore[no-any-return]


# -- the key ------------------------------------------------------------------------------------


def test_a_definition_written_alike_is_keyed_apart_when_what_it_reaches_differs() -> None:
    # the distributor union reads the same in 2019-05-01-preview and 2020-02-14, but its SharedImage
    # variant gained excludeFromLatest and storageAccountType: a walk under one is no walk under the other
    old, new = "2019-05-01-preview", "2020-02-14"
    assert _definition(old, "ImageTemplateDistributor") == _definition(new, "ImageTemplateDistributor")
    assert _definition(old, "ImageTemplateSharedImageDistributor") != _definition(new, "ImageTemplateSharedImageDistributor")
    assert schema_data.definition_key(old, "ImageTemplateDistributor") != schema_data.definition_key(new, "ImageTemplateDistributor")
    # 2022-07-01 and 2023-07-01 have the same distributors, every variant alike
    assert schema_data.definition_key("2022-07-01", "ImageTemplateDistributor") == schema_data.definition_key(
        "2023-07-01", "ImageTemplateDistributor")
    # and the same customizers from 2020-02-14 on, but not in 2019-05-01-preview
    keys = {version: schema_data.definition_key(version, "ImageTemplateCustomizer") for version in VERSIONS[2:]}
    assert len({keys[version] for version in VERSIONS[3:]}) == 1
    assert keys["2019-05-01-preview"] != keys["2020-02-14"]


def test_a_node_inside_a_definition_is_keyed_by_what_it_says_and_reaches() -> None:
    def customize(version: str) -> dict[str, Any]:
        return _definition(version, "ImageTemplateProperties")["properties"]["customize"]  # type: ignore[no-any-return]

    # the properties differ in every version; their customize arrays are alike from 2020-02-14 on
    assert schema_data.schema_key("2023-07-01", customize("2023-07-01")) == schema_data.schema_key("2024-02-01", customize("2024-02-01"))
    assert customize("2019-05-01-preview") == customize("2020-02-14")  # the same words, other customizers
    assert schema_data.schema_key("2019-05-01-preview", customize("2019-05-01-preview")) != schema_data.schema_key(
        "2020-02-14", customize("2020-02-14"))


def test_a_definition_that_reaches_itself_is_its_version_s_own(monkeypatch: pytest.MonkeyPatch) -> None:
    document = {"$id": "urn:t", "$defs": {"A": {"properties": {"b": {"$ref": "#/$defs/B"}}},
                                          "B": {"items": {"$ref": "#/$defs/A"}}}}
    twin = json.loads(json.dumps(document))
    owners = {"x": schema_data.VersionSchema("x", document), "y": schema_data.VersionSchema("y", twin)}
    monkeypatch.setattr(schema_data, "schema", owners.__getitem__)
    assert schema_data.definition_key("x", "A") != schema_data.definition_key("y", "A")  # no endless recursion either
    assert schema_data.definition_key("x", "B") != schema_data.definition_key("y", "B")


def test_a_reference_is_keyed_by_its_target_whatever_its_name_and_a_string_that_looks_like_one_is_not(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # a name that JSON writes escaped (non-ASCII, a quote, a backslash); targets that differ in each version
    def document(target: str, said: str) -> dict[str, Any]:
        return {"$id": "urn:t", "$defs": {
            "A": {"properties": {"b": {"$ref": '#/$defs/B\u00e9"\\'}, "c": {"description": said}}},
            'B\u00e9"\\': {"type": target}}}

    owners = {name: schema_data.VersionSchema(name, document(target, said)) for name, target, said in [
        ("x", "string", '"$ref": "#/$defs/C"'), ("y", "integer", '"$ref": "#/$defs/C"'), ("z", "string", '"$ref": "#/$defs/C"'),
        ("w", "string", "other words")]}
    monkeypatch.setattr(schema_data, "schema", owners.__getitem__)
    keys = {name: schema_data.definition_key(name, "A") for name in owners}
    assert keys["x"] != keys["y"]  # what the reference reaches differs
    assert keys["x"] == keys["z"]  # the same words reaching the same
    assert keys["x"] != keys["w"]  # other words


# -- sharing changes nothing ----------------------------------------------------------------------


_TEXTS: dict[int, tuple[object, str]] = {}


def _text(node: dict[str, Any]) -> str:
    """A schema node's content (they live as long as the process: by id, once each)."""
    known = _TEXTS.get(id(node))
    if known is None or known[0] is not node:
        known = _TEXTS[id(node)] = (node, json.dumps(node, sort_keys=True))
    return known[1]


def _said(template: ImageTemplate, walk: schema._Walk, instance: Any, entry: str,
          errors: list[fastschema.Error] | None) -> tuple[object, ...]:
    """Everything of a walk and its validation that a report can depend on."""
    assert errors is not None
    problems = walk.problems + list(schema._Errors(walk, template).problems(iter(errors)))
    return (
        [(p.rule, p.message, id(p.node), p.start, p.end, p.at_key, p.severity, p.document, p.fix) for p in problems],
        walk.misfit,
        {path: (id(node), id(document), known) for path, (node, document, known) in walk.places.items()},
        {path: (shape.name, shape.variant, _text(shape.schema), steps) for path, (shape, steps) in walk.objects.items()},
        sorted(walk.excused, key=repr), sorted(walk.judged, key=repr),
        json.dumps(instance, default=repr), entry, [(origin, id(node)) for origin, node in walk.flows],
        [(error.validator, error.absolute_path, error.message, _text(error.schema)) for error in errors],
    )


def _alike(template: ImageTemplate, versions: tuple[str, ...], alone: dict[str, tuple[object, ...]] | None = None) -> None:
    """Walking and validating ``template`` under ``versions`` in turn, sharing, gives what each alone gives."""
    if alone is None:
        alone = {}
    shared: schema._Shared = {}
    checked = fastschema.Shared()
    for version in versions:
        if version not in alone:
            walk, plain, entry = schema.walked(template, version, neutral=True)
            alone[version] = _said(template, walk, plain, entry, fastschema.errors(version, entry, plain))
        walk, instance, entry = schema.walked(template, version, neutral=True, shared=shared)
        assert _said(template, walk, instance, entry, fastschema.errors(version, entry, instance, checked)) == alone[version], (
            template.path, version)


def _check_all(texts: list[tuple[str, bytes]]) -> int:
    count = 0
    for name, data in dict((data, name) for name, data in texts).items():  # copies once (the corpus has many)
        for template in _templates(data, name):
            alone: dict[str, tuple[object, ...]] = {}
            _alike(template, VERSIONS, alone)
            _alike(template, tuple(reversed(VERSIONS)), alone)  # a newer version's walk reused by an older one
            count += 1
    return count


def test_sharing_changes_no_walk_and_no_error_of_the_seeded_templates_and_rule_examples() -> None:
    assert _check_all(list(_texts())) > 100


def test_sharing_changes_no_walk_and_no_error_of_the_corpus() -> None:
    need_shared()
    files = sorted(path for folder in (CORPUS, WILD) for path in folder.rglob("*.json"))
    assert _check_all([(str(path), path.read_bytes()) for path in files]) >= 70


# one object (a variable) walked at two places, with an error in it: each place keeps its own walk
_TWICE: dict[str, Any] = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {"apiVersion": {"type": "string"}},
    "variables": {"step": {"type": "PowerShell", "name": "s", "inline": ["Write-Host hi"], "runElevated": "yes"}},
    "resources": [{
        "type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "[parameters('apiVersion')]",
        "name": "img", "location": "westus2",
        "properties": {
            "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server",
                       "version": "latest"},
            "customize": ["[variables('step')]", "[variables('step')]"],
            "distribute": [{"type": "VHD", "runOutputName": "vhd"}],
        },
    }],
}


def _template(text: dict[str, Any], name: str = "t.json") -> ImageTemplate:
    templates = _templates(name, json.dumps(text, indent=2).encode())
    assert len(templates) == 1
    return templates[0]


def test_one_object_walked_at_two_places_keeps_a_walk_for_each() -> None:
    template = _template(_TWICE)
    _alike(template, VERSIONS)
    shared: schema._Shared = {}
    checked = fastschema.Shared()
    found = []
    for version in ("2023-07-01", "2024-02-01"):  # alike at the customizers
        _, instance, entry = schema.walked(template, version, neutral=True, shared=shared)
        errors = fastschema.errors(version, entry, instance, checked)
        assert errors is not None
        found.append((instance["properties"]["customize"], [error for error in errors if error.absolute_path[:1] == ("properties",)]))
    (first, first_errors), (second, second_errors) = found
    assert second is first  # the second version took the first's walk of the customizers...
    assert first[0] is not first[1]  # ...one walk per place
    assert [error.absolute_path for error in first_errors] == [
        ("properties", "customize", 0, "runElevated"), ("properties", "customize", 1, "runElevated")]
    assert [id(error) for error in second_errors] == [id(error) for error in first_errors]  # and its errors


def test_the_findings_of_an_unknown_api_version_are_those_without_sharing(monkeypatch: pytest.MonkeyPatch) -> None:
    from aiblint.config import Config
    from aiblint.engine import Linter
    from aiblint.registry import RuleSet
    from aiblint.selection import Selection

    linter = Linter(RuleSet.load(Selection.of(["AIB1"], None)), Config())
    text = json.dumps(_TWICE, indent=2).encode()
    shared, _ = linter.lint_bytes(text, "t.json")
    walked = schema.walked
    monkeypatch.setattr(schema, "walked", lambda template, version, neutral=False, shared=None: walked(template, version, neutral))
    monkeypatch.setattr(fastschema, "_SHARED", [None])
    errors = fastschema.errors
    monkeypatch.setattr(fastschema, "errors", lambda version, entry, instance, shared=None, modelled=False: errors(
        version, entry, instance))
    alone, _ = linter.lint_bytes(text, "t.json")
    said = [(f.rule, f.line, f.column, f.message) for f in shared]
    assert said == [(f.rule, f.line, f.column, f.message) for f in alone]
    assert [(rule, line) for rule, line, _, _ in said if rule == "AIB101"] == [("AIB101", 16)]  # at the variable, once


def test_the_storage_type_a_later_version_added_is_no_error_in_every_version(tmp_path: Path) -> None:
    """storageAccountType "Premium_LRS": not allowed in 2022-02-14, allowed from 2022-07-01 on, in a
    distributor whose definition reads the same in both versions (its SharedImage variant differs)."""
    from tests.conftest import main_in_process

    def deployment(storage: str) -> dict[str, Any]:
        return {
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0",
            "parameters": {"apiVersion": {"type": "string", "allowedValues": ["2022-02-14", "2022-07-01"]}},
            "resources": [{
                "type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "[parameters('apiVersion')]",
                "name": "img", "location": "westus2",
                "properties": {
                    "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "ubuntu-24_04-lts",
                               "sku": "server", "version": "latest"},
                    "distribute": [{"type": "SharedImage", "runOutputName": "sig", "replicationRegions": ["westus2"],
                                    "galleryImageId": "[resourceId('Microsoft.Compute/galleries/images', 'g', 'i')]",
                                    "storageAccountType": storage}],
                },
            }],
        }

    for storage in ("Premium_LRS", "Premium_XRS"):
        _alike(_template(deployment(storage)), ("2022-02-14", "2022-07-01"))
        _alike(_template(deployment(storage)), ("2022-07-01", "2022-02-14"))  # a walk of the newer one first
        (tmp_path / f"{storage}.json").write_text(json.dumps(deployment(storage), indent=2), encoding="utf-8")
    code, out = main_in_process("--no-cache", "--select", "AIB101", "--format", "json",
                                str(tmp_path / "Premium_LRS.json"), str(tmp_path / "Premium_XRS.json"))
    findings = json.loads(out)["findings"]
    assert [(Path(f["path"]).name, f["rule"], f["line"]) for f in findings] == [("Premium_XRS.json", "AIB101", 35)]
    assert findings[0]["message"].endswith("(in every api version from 2022-02-14 to 2022-07-01)")
    assert code == 1


def test_fastschema_shares_errors_only_under_the_same_definition_and_path() -> None:
    step = {"type": "PowerShell", "name": "s", "inline": ["Write-Host hi"], "runElevated": "yes"}
    distributor = {"type": "SharedImage", "runOutputName": "sig", "galleryImageId": "g", "replicationRegions": ["westus2"],
                   "storageAccountType": "Premium_LRS"}  # allowed from 2022-07-01 on
    instance = {"source": {"type": "PlatformImage"}, "customize": [step, step], "distribute": [distributor]}
    checked = fastschema.Shared()
    for version in ("2022-02-14", "2022-07-01", "2022-02-14"):
        found = fastschema.errors(version, "ImageTemplateProperties", instance, checked)
        assert found is not None
        alone = fastschema.errors(version, "ImageTemplateProperties", instance)
        assert alone is not None
        assert [(error.validator, error.absolute_path) for error in found] == [
            (error.validator, error.absolute_path) for error in alone]
        paths = [error.absolute_path for error in found]
        assert ("customize", 0, "runElevated") in paths and ("customize", 1, "runElevated") in paths
        assert (("distribute", 0, "storageAccountType") in paths) == (version == "2022-02-14")
    assert checked.errors and checked.modelled  # it did share
    assert fastschema._SHARED == [None]  # and shares nothing once done


# -- versions left unvalidated once nothing pass 2 reports can be in every version --------------------


def _corpus_findings(texts: list[tuple[str, bytes]]) -> list[list[tuple[object, ...]]]:
    from aiblint.config import Config
    from aiblint.engine import Linter
    from aiblint.registry import RuleSet
    from aiblint.selection import Selection

    linter = Linter(RuleSet.load(Selection.of(["AIB1"], None)), Config())
    return [[(f.rule, f.line, f.column, f.end_line, f.end_column, f.severity, f.message)
             for f in linter.lint_bytes(data, name)[0]] for name, data in texts]


def test_validating_fewer_versions_changes_no_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    need_shared()
    texts = [(str(path), path.read_bytes()) for folder in (CORPUS, WILD) for path in sorted(folder.rglob("*.json"))]
    texts += list(_texts())
    fewer = _corpus_findings(texts)
    monkeypatch.setattr(schema, "_settled", lambda common: False)  # every version validated, as before
    assert _corpus_findings(texts) == fewer
    assert sum(map(len, fewer)) > 100


def test_pass_2_reports_only_the_value_rules() -> None:
    rules: set[str] = set()
    storage = json.loads(json.dumps(_TWICE))  # Premium_LRS: from 2022-07-01 on; standard_lrs: the wrong case
    storage["resources"][0]["properties"]["distribute"] = [
        {"type": "SharedImage", "runOutputName": "a", "galleryImageId": "g", "replicationRegions": ["westus2"],
         "storageAccountType": "Premium_LRS"},
        {"type": "SharedImage", "runOutputName": "b", "galleryImageId": "g", "replicationRegions": ["westus2"],
         "storageAccountType": "standard_lrs"}]
    for name, data in [*_texts(), ("storage.json", json.dumps(storage).encode())]:
        for template in _templates(name, data):
            for version in VERSIONS:
                walk, instance, entry = schema.walked(template, version, neutral=True)
                errors = fastschema.errors(version, entry, instance)
                assert errors is not None
                rules.update(problem.rule for problem in schema._Errors(walk, template).problems(iter(errors)))
    assert rules == schema._VALUE_RULES


def test_versions_after_the_first_are_not_validated_when_it_has_no_value_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    # vmProfile.osDiskSizeGB -1: below the minimum of every candidate version but 2019-05-01-preview, the first
    text = json.loads(json.dumps(_TWICE))
    text["variables"]["step"]["runElevated"] = True
    text["resources"][0]["properties"]["vmProfile"] = {"osDiskSizeGB": -1}
    template = _template(text)
    asked: list[str] = []
    errors = fastschema.errors

    def counted(version: str, entry: str, instance: Any, shared: fastschema.Shared | None = None,
                modelled: bool = False) -> Any:
        asked.append(version)
        return errors(version, entry, instance, shared, modelled)

    monkeypatch.setattr(fastschema, "errors", counted)
    found = [(problem.rule, problem.message) for problem in schema._check(template)]
    assert asked == ["2019-05-01-preview"]
    assert [rule for rule, _ in found] == ["AIB100"]
    asked.clear()
    monkeypatch.setattr(schema, "_settled", lambda common: False)  # every version validated, as before
    monkeypatch.setattr(schema, "_clean", lambda *_: False)  # and walked
    assert [(problem.rule, problem.message) for problem in schema._check(_template(text))] == found
    assert len(asked) == len(schema.supported_versions())


# -- jsonschema writes only the reported version's value problems ---------------------------------


def _every_version_said(templates: list[ImageTemplate]) -> list[list[tuple[object, ...]]]:
    return [[(p.rule, p.message, p.start, p.end, p.at_key, p.severity, p.document) for p in
             schema._in_every_version(template, schema.supported_versions())] for template in templates]


def test_the_versions_not_reported_are_checked_by_fastschema_with_the_findings_jsonschema_gives(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # buildTimeoutInMinutes "sixty": a type error in every version; jsonschema writes the first version's only
    text = json.loads(json.dumps(_TWICE))
    text["resources"][0]["properties"]["buildTimeoutInMinutes"] = "sixty"
    runs = schema.JSONSCHEMA_RUNS[0]
    found = _every_version_said([_template(text)])
    assert schema.JSONSCHEMA_RUNS[0] == runs + 1
    assert sorted(message.split(";")[0] for rule, message, *_ in found[0] if rule == "AIB101") == [
        'buildTimeoutInMinutes is a string ("sixty")', 'runElevated is a string ("yes")']
    monkeypatch.setattr(schema, "_placed_problems", schema._value_problems)  # jsonschema for every version, as before
    assert _every_version_said([_template(text)]) == found
    assert schema.JSONSCHEMA_RUNS[0] == runs + 1 + len(schema.supported_versions())


def test_checking_the_versions_not_reported_with_fastschema_changes_no_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = list(_texts())
    if CORPUS.exists():
        texts += [(str(path), path.read_bytes()) for folder in (CORPUS, WILD) for path in sorted(folder.rglob("*.json"))]
    templates = [template for name, data in dict((data, name) for name, data in texts).items()
                 for template in _templates(data, name)]
    monkeypatch.setattr(schema, "_settled", lambda common: False)  # every version validated
    fast = _every_version_said(templates)
    monkeypatch.setattr(schema, "_placed_problems", schema._value_problems)
    assert _every_version_said(templates) == fast
    assert sum(1 for found in fast if any(rule == "AIB101" for rule, *_ in found)) > 10


# -- versions left unwalked once one of them is clean ---------------------------------------------


def _linted(texts: list[tuple[str, bytes]]) -> list[list[tuple[object, ...]]]:
    """Every AIB1 finding, with its provenance (the template fields a value flows into) and related places."""
    from aiblint.config import Config
    from aiblint.engine import Linter
    from aiblint.registry import RuleSet
    from aiblint.selection import Selection

    linter = Linter(RuleSet.load(Selection.of(["AIB1", "AIB2"], None)), Config())
    return [[(f.rule, f.line, f.column, f.end_line, f.end_column, f.severity, f.message, repr(f.related), repr(f.fix))
             for f in linter.lint_bytes(data, name)[0]] for name, data in texts]


def _counting_walks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The api versions ``schema.walked`` is called with from now on, in order."""
    walks: list[str] = []
    walked = schema.walked

    def counted(template: ImageTemplate, version: str, neutral: bool = False, shared: schema._Shared | None = None) -> Any:
        walks.append(version)
        return walked(template, version, neutral, shared)

    monkeypatch.setattr(schema, "walked", counted)
    return walks


def test_walking_fewer_versions_changes_no_finding_and_no_provenance(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = list(_texts())
    if CORPUS.exists():
        texts += [(str(path), path.read_bytes()) for folder in (CORPUS, WILD) for path in sorted(folder.rglob("*.json"))]
    walks = _counting_walks(monkeypatch)
    fewer = _linted(texts)
    walked_fewer = len(walks)
    walks.clear()
    monkeypatch.setattr(schema, "_clean", lambda *_: False)  # every version walked, as before
    assert _linted(texts) == fewer
    assert walked_fewer < len(walks)
    assert sum(map(len, fewer)) > 100


def test_a_template_clean_in_a_version_that_has_all_it_uses_is_walked_no_further(monkeypatch: pytest.MonkeyPatch) -> None:
    text = json.loads(json.dumps(_TWICE))
    text["variables"]["step"]["runElevated"] = True
    # WindowsUpdate: from 2020-02-14 on (2019-05-01-preview lacks it: a misfit); nothing is wrong from then on
    text["resources"][0]["properties"]["customize"].append({"type": "WindowsUpdate"})
    walks = _counting_walks(monkeypatch)
    found = [(problem.rule, problem.message) for problem in schema._check(_template(text))]
    assert [rule for rule, _ in found] == ["AIB100"]
    assert walks == ["2019-05-01-preview", "2020-02-14"]
    walks.clear()
    text["resources"][0]["properties"]["buildTimeoutInMinutes"] = "sixty"  # wrong in every version: each walked
    assert [problem.rule for problem in schema._check(_template(text))] == ["AIB100", "AIB101"]
    assert walks == list(schema.supported_versions())


def test_a_walk_that_leaves_a_value_unwalked_is_never_clean() -> None:
    # a member whose schema does not say what is in it: the walk stops there; another version may
    # walk it (and follow its values), so the versions after it must be walked too
    strings = {name: {"type": "string"} for name in ("type", "apiVersion", "name", "location")}
    document = {"$id": "urn:t", "$defs": {"imageTemplates": {"type": "object", "properties": {
        **strings, "properties": {"type": "object"}}}}}
    owner = schema_data.VersionSchema("x", document)
    template = _template(_TWICE)
    walk = schema._Walk(template, "2024-02-01", names_only=False, arm_root=True, neutral=True)
    with template.recorded_flows() as walk.flows:
        instance = walk.value(template.resource, template.document, schema._plan(owner.resource()), (), ())
    assert instance["properties"] == {} and instance["location"] == "westus2"
    assert walk.stops == 1 and not walk.problems and not walk.misfit
    assert not schema._clean(template, walk, instance, schema_data.RESOURCE_DEF, fastschema.Shared())
    walk.stops = 0  # what makes it unclean
    assert schema._clean(template, walk, instance, schema_data.RESOURCE_DEF, fastschema.Shared())


def test_every_version_skips_the_same_arm_keys() -> None:
    # a walk skips ARM's own keys at the root and copy loops in every version alike (so a clean
    # version walked every value the others would): no version's schema names them
    for version in VERSIONS:
        document = schema_data.schema(version).document
        assert not set(schema_data.schema(version).resource().properties()) & schema.ARM_TEMPLATE_KEYS, version
        assert not [name for name, definition in document["$defs"].items() if "copy" in definition.get("properties", {})]


def test_a_version_without_a_problem_but_lacking_what_the_template_uses_does_not_stop_the_walks(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # 2019-05-01-preview lacks the WindowsUpdate customizer and osDiskSizeGB, yet its service applied both
    # (honouredBeforeSchema): nothing is wrong there, but it lacks a type the template uses; every later
    # version has them all, and in each osDiskSizeGB -1 is below the minimum: that is reported
    text = json.loads(json.dumps(_TWICE))
    text["variables"]["step"]["runElevated"] = True
    properties = text["resources"][0]["properties"]
    properties["customize"].append({"type": "WindowsUpdate"})
    properties["vmProfile"] = {"osDiskSizeGB": -1}
    found = [(problem.rule, problem.message) for problem in schema._check(_template(text))]
    assert [rule for rule, _ in found] == ["AIB100", "AIB101"]
    assert found[1][1].startswith("osDiskSizeGB is -1") and "from 2020-02-14 to 2025-10-01" in found[1][1]
    monkeypatch.setattr(schema, "_clean", lambda *_: False)  # every version walked, as before
    assert [(problem.rule, problem.message) for problem in schema._check(_template(text))] == found


# -- the walk tells fastschema whether it models the instance --------------------------------------


def _odd_agrees(templates: list[ImageTemplate]) -> int:
    """Each walk counts the values it put in its instance that fastschema does
    not model (``odd``): none exactly when fastschema, looking at all of it, finds it modelled."""
    count = 0
    for template in templates:
        shared: schema._Shared = {}
        for version in VERSIONS:
            for walk, instance, _ in (schema.walked(template, version),
                                      schema.walked(template, version, neutral=True, shared=shared)):
                assert (walk.odd == 0) == fastschema._modelled(instance), (template.document.path, version)
                count += 1
    return count


def test_the_walk_knows_which_instances_fastschema_models() -> None:
    texts = dict((data, name) for name, data in _texts())  # copies once
    assert _odd_agrees([t for data, name in texts.items() for t in _templates(name, data)]) > 1000


def test_the_walk_knows_which_corpus_instances_fastschema_models() -> None:
    need_shared()
    files = {path.read_bytes(): str(path) for folder in (CORPUS, WILD) for path in sorted(folder.rglob("*.json"))}
    assert _odd_agrees([t for data, name in files.items() for t in _templates(name, data)]) > 1000


_BUILD_TIMEOUT: dict[str, Any] = {
    "type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2024-02-01", "name": "img",
    "location": "westus2",
    "properties": {
        "buildTimeoutInMinutes": 60, "vmProfile": {"vmSize": "Standard_D2s_v3"},
        "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server",
                   "version": "latest"},
        "distribute": [{"type": "VHD", "runOutputName": "vhd"}],
    },
}


@pytest.mark.parametrize("api", ["2024-02-01", "2099-01-01"])  # one version, and every version (walks shared)
@pytest.mark.parametrize("where", ["scalar", "string"])
def test_only_an_instance_of_plain_values_is_vouched_for(api: str, where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from decimal import Decimal

    from aiblint.jsontree import JsonObject
    from aiblint.values import Resolved

    vouched: list[bool] = []
    real_errors = fastschema.errors

    def recorded(version: str, entry: str, instance: Any, shared: fastschema.Shared | None = None,
                 modelled: bool = False) -> Any:
        vouched.append(modelled)
        return real_errors(version, entry, instance, shared, modelled)

    monkeypatch.setattr(fastschema, "errors", recorded)
    for odd in (False, True):
        template = _template({**_BUILD_TIMEOUT, "apiVersion": api})
        properties = template.resource.get("properties")
        assert isinstance(properties, JsonObject)
        if where == "scalar":  # a number the loader made of another kind
            properties.get("buildTimeoutInMinutes")._value = Decimal(60) if odd else 60  # type: ignore[union-attr]
        else:  # a value an expression computed: an object whose keys are no strings
            name, value = template.resource.get("name"), {1: "x"} if odd else "img"
            real, document = template.resolve, template.document
            monkeypatch.setattr(template, "resolve", lambda node, real=real, name=name, value=value, document=document: (
                Resolved(value, node, document) if node is name else real(node)))
        vouched.clear()
        schema.schema_problems(template)
        assert vouched and set(vouched) == {not odd}, (odd, vouched)


def test_a_walk_reads_each_shape_s_own_plan() -> None:
    """What a walk reads of a shape is kept per shape: a union's variants and
    the same definition in another version each have their own."""
    union = schema_data.schema("2024-02-01").definition("ImageTemplateCustomizer")
    every, shell = schema._plan(union.choose(None)), schema._plan(union.choose("Shell"))
    assert (every.form, every.chosen, shell.form, shell.chosen) == ("union", None, "union", "Shell")
    assert "inline" in shell.members() and "sourceUri" not in shell.members() and "sourceUri" in every.members()
    older = schema._plan(schema_data.schema("2019-05-01-preview").definition("ImageTemplateCustomizer").choose("Shell"))
    assert older is not shell and older.shape.version == "2019-05-01-preview"
    assert schema._plan(union.choose("Shell")) is shell
    resource = schema_data.schema("2024-02-01").resource()
    properties = schema._plan(resource).members()["properties"]
    assert properties is schema._plan(resource.child(("p", "properties"))) and properties.form == "record"


def test_a_plan_leads_to_the_plans_of_its_own_parts() -> None:
    """A plan's member, item and value plans are those of its own shape's
    children: not another variant's, and not another version's where the
    schemas differ (the same definition in two versions, a union's variants)."""
    for version in ("2019-05-01-preview", "2024-02-01"):
        resource = schema_data.schema(version).resource()
        properties = schema._plan(resource).members()["properties"]
        assert properties is not None and properties.shape is resource.child(("p", "properties"))
        customize = properties.members()["customize"]
        assert customize is not None and customize.shape is properties.shape.child(("p", "customize"))
        items = customize.items()
        assert items is not None and items.shape is customize.shape.child(("i", None)) and items.form == "union"
        assert customize.values() is None and items.items() is None
        distribute = properties.members()["distribute"]
        assert distribute is not None and distribute.items() is schema._plan_of(distribute.shape.child(("i", None)))
        tags = schema._plan(resource).members()["tags"]
        assert tags is not None and tags.form == "map" and tags.values() is not None
        assert tags.values() is schema._plan_of(tags.shape.child(("m", None)))
    union = schema_data.schema("2024-02-01").definition("ImageTemplateCustomizer")
    shell, file = schema._plan(union.choose("Shell")), schema._plan(union.choose("File"))
    assert "inline" in shell.members() and "inline" not in file.members() and "sourceUri" in file.members()
    old, new = (schema._plan(schema_data.schema(version).resource()).members()["properties"]
                for version in ("2019-05-01-preview", "2024-02-01"))
    assert old is not None and new is not None and old is not new
    assert "vmProfile" in old.members() and "stagingResourceGroup" in new.members()
    assert "stagingResourceGroup" not in old.members()
    # a union's plan with a variant chosen: per plan (version) and variant
    plan, every = schema._plan(union), schema._plan(union.choose(None))
    assert plan.variant("Shell") is shell and plan.variant("File") is file and plan.variant(None) is every
    assert plan.variant("File") is not shell and shell.variant("Shell") is shell
    older_definition = schema_data.schema("2019-05-01-preview").definition("ImageTemplateCustomizer")
    older_union, older = schema._plan(older_definition), schema._plan(older_definition.choose("Shell"))
    assert older_union.variant("Shell") is older and older_union.variant("Shell") is not shell
