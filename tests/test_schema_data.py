"""The generated schemas: up to date with the specs, valid, offline, and loaded lazily."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from aiblint import schema_data
from tests.conftest import SHARED, need_shared


def _generator() -> ModuleType:
    from scripts import generate_schemas  # a namespace package beside tests/

    return generate_schemas


def test_committed_schemas_are_what_the_generator_writes_now() -> None:
    need_shared()
    stale = list(_generator().stale(SHARED))
    assert stale == [], f"run: python scripts/generate_schemas.py (stale: {stale})"


def test_every_api_version_of_the_specs_has_a_schema() -> None:
    shared = need_shared()
    specs = sorted(path.name for path in (shared / "reference" / "arm-schemas").iterdir() if path.is_dir())
    assert sorted(schema_data.api_versions()) == specs
    assert len(specs) == 10 and schema_data.newest() == "2025-10-01"


@pytest.mark.parametrize("version", schema_data.api_versions())
def test_each_schema_is_a_valid_draft_2020_12_schema_without_remote_references(version: str) -> None:
    from jsonschema import Draft202012Validator

    document = schema_data.schema(version).document
    Draft202012Validator.check_schema(document)
    text = json.dumps(document)
    assert "schema.management.azure.com" not in text.replace(document["x-aiblint"]["sources"][0], "")
    refs = [part.split('"')[0] for part in text.split('"$ref": "')[1:]]
    assert refs and all(ref.startswith("#/$defs/") for ref in refs)


def test_the_generator_resolves_remote_references_offline_only() -> None:
    """A remote $ref that the registry does not hold fails; it is never fetched."""
    from referencing.exceptions import Unresolvable

    generator = _generator()
    arm: dict[str, Any] = {
        "id": "https://schema.management.azure.com/schemas/2099-01-01/Microsoft.VirtualMachineImages.json#",
        "resourceDefinitions": {"imageTemplates": {"properties": {
            "location": {"oneOf": [{"type": "string"}, {"$ref": generator.COMMON_URI + "#/definitions/expression"}]},
            "tags": {"$ref": "https://schema.management.azure.com/schemas/common/other.json#/definitions/tags"},
        }}},
        "definitions": {},
    }
    with pytest.raises(Unresolvable):
        generator.Compactor(arm, {}).run()
    del arm["resourceDefinitions"]["imageTemplates"]["properties"]["tags"]
    assert generator.Compactor(arm, {}).run() == {"imageTemplates": {"properties": {"location": {"type": "string"}}}}


def test_unions_become_if_then_branches_and_read_only_flags_come_from_bicep() -> None:
    defs = schema_data.schema("2024-02-01").document["$defs"]
    source = defs["ImageTemplateSource"]
    assert source["discriminator"] == {"propertyName": "type", "mapping": {
        "ManagedImage": "#/$defs/ImageTemplateManagedImageSource",
        "PlatformImage": "#/$defs/ImageTemplatePlatformImageSource",
        "SharedImageVersion": "#/$defs/ImageTemplateSharedImageVersionSource"}}
    assert source["allOf"][0] == {
        "if": {"type": "object", "properties": {"type": {"const": "ManagedImage"}}, "required": ["type"]},
        "then": {"$ref": "#/$defs/ImageTemplateManagedImageSource"}}
    assert "additionalProperties" not in source
    assert defs["ImageTemplatePlatformImageSource"]["properties"]["exactVersion"] == {"readOnly": True}
    assert defs["imageTemplates"]["properties"]["systemData"] == {"readOnly": True}
    assert "readOnly" not in defs["imageTemplates"]["properties"]["apiVersion"]  # authored in ARM templates
    assert "resources" not in defs["imageTemplates"]["properties"]


def test_api_version_facts() -> None:
    assert schema_data.strict_from() == "2024-02-01"
    assert [v for v in schema_data.api_versions() if schema_data.is_strict(v)] == ["2024-02-01", "2025-10-01"]
    assert schema_data.retired_because("2019-02-01-preview") is not None
    assert schema_data.retired_because("2019-05-01-preview") is None
    assert schema_data.deprecated_because("2019-05-01-preview") == "a preview api version, deprecated but still supported"
    assert schema_data.canonical_version("2019-05-01-PREVIEW") == "2019-05-01-preview"
    assert schema_data.canonical_version("2019-05-01") is None


def test_a_place_is_found_across_versions_by_its_steps() -> None:
    steps = (("p", "properties"), ("p", "distribute"), ("i", None), ("v", "SharedImage"))
    by_version = schema_data.properties_by_version(steps)
    having = [version for version, names in by_version.items() if "targetRegions" in names]
    assert having[0] == "2022-07-01"
    assert "2018-02-01-preview" not in by_version  # spelt sharedImage there
    identity = (("p", "identity"), ("p", "userAssignedIdentities"), ("m", None))
    read_only = [v for v, names in schema_data.properties_by_version(identity).items() if "principalId" in names]
    assert read_only[0] == "2019-05-01-preview"  # through a definition renamed in 2022-02-14


def _imported_after(code: str, cwd: Path) -> list[str]:
    probe = f"import sys\n{code}\nprint(sorted(m for m in sys.modules if m.split('.')[0] in ('jsonschema', 'referencing')))\n"
    result = subprocess.run([sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1].replace("'", '"'))  # type: ignore[no-any-return]


def test_jsonschema_is_imported_only_to_report_what_a_template_of_known_version_breaks(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "x"}', encoding="utf-8")
    template = {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2024-02-01", "location": "westus2",
                "properties": {"source": {"type": "PlatformImage"}, "distribute": []}}
    (tmp_path / "t.json").write_text(json.dumps(template), encoding="utf-8")
    template["properties"]["buildTimeoutInMinutes"] = 1000  # type: ignore[index]
    (tmp_path / "u.json").write_text(json.dumps(template), encoding="utf-8")
    lint = "from aiblint.run import lint_paths\nlint_paths([{!r}])"
    assert _imported_after(lint.format("package.json"), tmp_path) == []
    assert _imported_after(lint.format("t.json"), tmp_path) == []  # aiblint.fastschema found nothing to report
    assert "jsonschema" in _imported_after(lint.format("u.json"), tmp_path)


def test_a_union_s_properties_are_made_once_per_variant() -> None:
    union = schema_data.schema("2024-02-01").at((("p", "properties"), ("p", "customize"), ("i", None)))
    assert union is not None
    shell, powershell, every = union.choose("Shell"), union.choose("PowerShell"), union.choose(None)
    assert "runElevated" in powershell.properties() and "runElevated" not in shell.properties()
    assert "runElevated" in every.properties() and "inline" in every.properties()
    assert shell.properties() is shell.properties()  # kept; a caller must not change it
    assert schema_data.schema("2024-02-01").shape(union.schema) is schema_data.schema("2024-02-01").shape(union.schema)


def test_the_unions_of_the_other_versions_leave_out_the_one_asked_from() -> None:
    from aiblint.schema import _unions_elsewhere

    steps = (("p", "properties"), ("p", "source"))
    for version in ("2024-02-01", "2025-10-01"):
        others = [shape.version for shape in _unions_elsewhere(version, steps)]
        assert others == [other for other in reversed(schema_data.api_versions()) if other != version]


def test_writable_properties_are_kept_per_node_and_variant_without_the_read_only_ones() -> None:
    distributor = schema_data.schema("2024-02-01").definition("ImageTemplateDistributor")
    (vhd, vhd_listed), (gallery, _) = distributor.choose("VHD").writable(), distributor.choose("SharedImage").writable()
    assert "galleryImageId" in gallery and "galleryImageId" not in vhd  # the variant is part of the key
    assert vhd_listed == ", ".join(sorted(vhd)) and "runOutputName" in vhd
    assert distributor.choose("VHD").writable()[0] is vhd  # kept: a caller must not change it
    properties = schema_data.schema("2024-02-01").definition("ImageTemplateProperties")
    assert "provisioningState" in properties.properties() and "provisioningState" not in properties.writable()[0]
    older = schema_data.schema("2022-07-01").definition("ImageTemplateProperties")  # the node is part of the key
    assert "autoRun" in properties.writable()[0] and "autoRun" not in older.writable()[0]


def test_a_name_s_version_history_is_that_of_its_place() -> None:
    from aiblint.schema import _name_history

    properties = (("p", "properties"),)
    assert _name_history(properties, "errorHandling") == (("2023-07-01", "2024-02-01", "2025-10-01"), ())
    assert _name_history((), "errorHandling") == ((), ())  # the place is part of the key
    assert _name_history(properties, "errorhandling") == ((), ())  # and the name, as written
    having, read_only = _name_history(properties, "provisioningState")
    assert having == read_only == schema_data.api_versions()


def test_a_union_s_kind_and_the_strict_versions() -> None:
    versions = schema_data.api_versions()
    assert schema_data.schema("2024-02-01").definition("ImageTemplateDistributor").kind == "distributor"
    assert schema_data.schema("2024-02-01").definition("ImageTemplateSource").kind == "source"
    assert [schema_data.is_strict(version) for version in versions] == [
        schema_data.order(version) >= versions.index("2024-02-01") for version in versions]


# -- the definition digests shipped beside the schemas ----------------------------------------------


def test_the_shipped_definition_digests_are_those_of_the_shipped_schemas() -> None:
    shipped = json.loads((schema_data.SCHEMAS / "digests.json").read_text(encoding="utf-8"))["digests"]
    assert list(shipped) == list(schema_data.api_versions())
    for version in schema_data.api_versions():
        assert shipped[version] == schema_data.definition_digests(schema_data.schema(version).document), (
            f"run: python scripts/generate_schemas.py ({version})")


def test_two_definitions_share_a_digest_exactly_when_their_keys_worked_out_at_run_time_are_equal(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import copy

    shipped = {version: schema_data.schema(version) for version in schema_data.api_versions()}
    digests = {(version, name): schema_data.schema_key(version, owner.document["$defs"][name])
               for version, owner in shipped.items() for name in owner.document["$defs"]}
    assert all(isinstance(key, str) for key in digests.values())  # read from digests.json, none worked out
    # the same documents without digests: every key worked out from what the definitions say
    copies = {version: schema_data.VersionSchema(version, copy.deepcopy(owner.document)) for version, owner in shipped.items()}
    monkeypatch.setattr(schema_data, "schema", copies.__getitem__)
    worked = {(version, name): schema_data.definition_key(version, name) for version, name in digests}
    assert all(isinstance(key, int) for key in worked.values())
    pairs = list(digests)
    alike = {(one, two) for one in pairs for two in pairs if digests[one] == digests[two]}
    assert alike == {(one, two) for one in pairs for two in pairs if worked[one] == worked[two]}
    assert len(alike) > 2 * len(pairs)  # many definitions are alike in several versions


def test_a_definition_that_reaches_itself_has_no_digest() -> None:
    document = {"$defs": {"A": {"properties": {"b": {"$ref": "#/$defs/B"}}}, "B": {"items": {"$ref": "#/$defs/A"}},
                          "C": {"properties": {"a": {"$ref": "#/$defs/A"}}}, "D": {"type": "string"},
                          "E": {"items": {"$ref": "#/$defs/D"}}}}
    digests = schema_data.definition_digests(document)
    assert digests["A"] is None and digests["B"] is None and digests["C"] is None
    assert digests["D"] is not None and digests["E"] is not None and digests["D"] != digests["E"]
