"""Write aiblint/data/schemas/ from the official specs in ../shared/reference.

    python scripts/generate_schemas.py [--shared PATH]

Inputs, per api version:

* ``arm-schemas/<ver>/Microsoft.VirtualMachineImages.json``: the ARM deployment
  schema (draft-04), the source of properties, required, types, enums,
  patterns and ranges;
* ``bicep-types/<ver>/types.json``: the swagger-derived type dump, the source
  of the read-only flags (property ``flags`` bit 2) that the ARM schemas omit.

Output: one compact draft 2020-12 schema per version (``<ver>.json``) and
``index.json``. The ARM schemas reference ARM's common definitions by remote
``$ref``; those are resolved offline through a ``referencing`` registry, never
over the network. The only one used, ``#/definitions/expression``, is not in
the reference data, so the registry holds a stand-in (see ``COMMON_STANDIN``)
and every ``oneOf [X, expression]`` is folded into ``X``: aiblint recognises
expressions itself and never judges their values.

Discriminated unions (source, customizer, distributor, validator, versioner)
are written as a base schema plus ``if``/``then`` branches keyed on the
discriminator's exact value, with a ``discriminator`` annotation naming the
variants, so that a validator reports the errors of the one variant the
object declares instead of one error per variant.

A test regenerates the output and fails when the committed files differ.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from aiblint.schema_data import definition_digests

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "aiblint" / "data" / "schemas"
DEFAULT_SHARED = ROOT.parent / "shared"
SCHEMA_FILE = "Microsoft.VirtualMachineImages.json"

COMMON_URI = "https://schema.management.azure.com/schemas/common/definitions.json"
#: Stand-in for ARM's common definitions, which are not in the reference data.
#: Only ``expression`` is referenced by the imageTemplates schemas; it matches
#: what aiblint.values.is_expression calls an expression.
COMMON_STANDIN: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "id": COMMON_URI + "#",
    "definitions": {
        "expression": {
            "description": "aiblint stand-in: an ARM template expression, a string in [] that does not start with [[",
            "type": "string",
            "pattern": r"^\[(?!\[)[\s\S]*\]\s*$",
        }
    },
}
EXPRESSION = COMMON_STANDIN["definitions"]["expression"]

RESOURCE = "imageTemplates"
BICEP_RESOURCE = "Microsoft.VirtualMachineImages/imageTemplates"
#: Resource-level properties of the ARM schema that are not part of an image
#: template: ARM child resources (triggers) are resources of their own.
DROPPED_RESOURCE_PROPERTIES = ("resources",)
#: Keywords copied as they are; anything else unexpected stops the generator.
PLAIN_KEYWORDS = ("type", "enum", "pattern", "minimum", "maximum", "required", "const")
IGNORED_KEYWORDS = ("description", "id", "title", "$schema")
READ_ONLY = 2  # bicep-types property flag


class SchemaShapeError(Exception):
    """The ARM schema has a shape this generator does not know."""


def versions(shared: Path) -> list[str]:
    folder = shared / "reference" / "arm-schemas"
    found = [path.parent.name for path in folder.glob(f"*/{SCHEMA_FILE}")]
    return sorted(found, key=lambda version: (version[:10], version))


def source_commit(shared: Path, name: str) -> str:
    text = (shared / "reference" / name / "SOURCE.txt").read_text(encoding="utf-8")
    words = text.split()
    return words[words.index("commit") + 1] if "commit" in words else "unknown"


class Compactor:
    """Turns one version's ARM schema into the compact form."""

    def __init__(self, arm: dict[str, Any], read_only: dict[str, dict[str, Any]]) -> None:
        self.arm = arm
        self.read_only = read_only
        base = str(arm["id"]).rstrip("#")
        registry: Registry[Any] = Registry().with_resources(
            [(base, DRAFT4.create_resource(arm)), (COMMON_URI, Resource.from_contents(COMMON_STANDIN, DRAFT4))]
        )
        self.resolver = registry.resolver(base_uri=base)
        self.pending: list[str] = []
        self.defs: dict[str, Any] = {}

    def run(self) -> dict[str, Any]:
        resource = dict(self.arm["resourceDefinitions"][RESOURCE])
        resource["properties"] = {
            name: value for name, value in resource["properties"].items() if name not in DROPPED_RESOURCE_PROPERTIES
        }
        self.defs[RESOURCE] = self.record(resource, RESOURCE)
        while self.pending:
            name = self.pending.pop()
            if name not in self.defs:
                self.defs[name] = {}  # placeholder against cycles
                self.defs[name] = self.definition(name)
        return self.defs

    def definition(self, name: str) -> Any:
        schema = self.arm["definitions"][name]
        if "allOf" in schema:
            return self.union(name, schema)
        return self.record(schema, name)

    def record(self, schema: dict[str, Any], name: str) -> Any:
        out = self.compact(schema)
        extra = self.read_only.get(name, {})
        if extra:
            properties = out.setdefault("properties", {})
            for prop in sorted(extra):
                if prop not in properties:
                    properties[prop] = {"readOnly": True}
        return out

    def ref(self, ref: str) -> Any:
        resolved = self.resolver.lookup(ref)
        if resolved.contents is EXPRESSION:
            return EXPRESSION
        if not ref.startswith("#/definitions/"):
            raise SchemaShapeError(f"unexpected remote $ref {ref}")
        name = ref.removeprefix("#/definitions/")
        self.pending.append(name)
        return {"$ref": f"#/$defs/{name}"}

    def compact(self, schema: dict[str, Any]) -> Any:
        if "$ref" in schema:
            return self.ref(schema["$ref"])
        out: dict[str, Any] = {}
        for key, value in schema.items():
            if key in IGNORED_KEYWORDS:
                continue
            if key in PLAIN_KEYWORDS:
                out[key] = value
            elif key == "oneOf":
                out.update(self.fold(value))
            elif key == "properties":
                out[key] = {name: self.compact(sub) for name, sub in value.items()}
            elif key in ("items", "additionalProperties") and isinstance(value, dict):
                out[key] = self.compact(value)
            else:
                raise SchemaShapeError(f"unexpected keyword {key!r} in {json.dumps(schema)[:200]}")
        return out

    def fold(self, alternatives: list[dict[str, Any]]) -> dict[str, Any]:
        """``oneOf [X, expression]`` -> ``X``."""
        kept = [alt for alt in (self.compact(alt) for alt in alternatives) if alt is not EXPRESSION]
        if len(kept) != 1:
            raise SchemaShapeError(f"oneOf with {len(kept)} alternatives besides an expression")
        return dict(kept[0])

    def union(self, name: str, schema: dict[str, Any]) -> dict[str, Any]:
        """ARM's ``allOf [base, oneOf [allOf [$ref variant, {const}]...]]``."""
        base, choice = schema["allOf"]
        discriminator = _discriminator(choice["oneOf"][0]["allOf"][1])
        out: dict[str, Any] = self.compact({key: value for key, value in base.items() if key != "additionalProperties"})
        mapping: dict[str, str] = {}
        branches = []
        for option in choice["oneOf"]:
            variant_ref, marker = option["allOf"]
            value = marker["properties"][discriminator]["const"]
            target = self.ref(variant_ref["$ref"])["$ref"]
            mapping[value] = target
            branches.append(
                {
                    "if": {"type": "object", "properties": {discriminator: {"const": value}}, "required": [discriminator]},
                    "then": {"$ref": target},
                }
            )
        out["discriminator"] = {"propertyName": discriminator, "mapping": mapping}
        out["allOf"] = branches
        return out


def _discriminator(marker: dict[str, Any]) -> str:
    """The one property a variant marker pins with ``const``."""
    (name,) = (str(name) for name, sub in marker["properties"].items() if "const" in sub)
    return name


def read_only_properties(types: list[dict[str, Any]], arm: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per ARM definition name, the properties bicep flags read-only that the
    ARM schema does not list as writable (``type``/``apiVersion`` are)."""
    found: dict[str, dict[str, Any]] = {}
    for entry in types:
        if entry.get("$type") == "ObjectType":
            properties = entry.get("properties", {})
        elif entry.get("$type") == "DiscriminatedObjectType":
            properties = entry.get("baseProperties", {})
        else:
            continue
        name = RESOURCE if entry["name"] == BICEP_RESOURCE else entry["name"]
        schema = arm["resourceDefinitions"][RESOURCE] if name == RESOURCE else arm["definitions"].get(name)
        if schema is None:
            continue
        writable = set(schema.get("properties", {}))
        for prop, spec in properties.items():
            if spec.get("flags", 0) & READ_ONLY and prop not in writable:
                found.setdefault(name, {})[prop] = True
    return found


def generate_version(shared: Path, version: str, commits: dict[str, str]) -> dict[str, Any]:
    reference = shared / "reference"
    arm = json.loads((reference / "arm-schemas" / version / SCHEMA_FILE).read_text(encoding="utf-8"))
    types = json.loads((reference / "bicep-types" / version / "types.json").read_text(encoding="utf-8"))
    defs = Compactor(arm, read_only_properties(types, arm)).run()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:aiblint:schemas:imageTemplates:{version}",
        "$comment": "Generated by scripts/generate_schemas.py; do not edit. Sources and notes: x-aiblint.",
        "x-aiblint": {
            "apiVersion": version,
            "sources": [
                f"Azure/azure-resource-manager-schemas @{commits['arm-schemas']}: schemas/{version}/{SCHEMA_FILE}",
                f"Azure/bicep-types-az @{commits['bicep-types']}: "
                f"generated/imagebuilder/microsoft.virtualmachineimages/{version}/types.json (readOnly flags)",
            ],
            "notes": [
                "ARM's common definitions (schemas/common/definitions.json) are not in the reference data: the only "
                "one used, #/definitions/expression, was resolved offline to an aiblint stand-in (a string in [] not "
                "starting with [[), and every oneOf [X, expression] was folded into X because aiblint recognises "
                "expressions itself and never judges their values.",
                "Read-only properties (bicep-types flag 2) are added as {readOnly: true}; the ARM schemas omit them.",
                "Discriminated unions: a base schema, a discriminator annotation and if/then branches on the exact "
                "discriminator value (the ARM schema's base additionalProperties: false is dropped: it would reject "
                "every variant's own properties).",
                "The resource's 'resources' (ARM child resources: triggers) is left out: those are resources of "
                "their own, not part of the image template.",
                "Descriptions are left out; see the sources.",
            ],
        },
        "$ref": f"#/$defs/{RESOURCE}",
        "$defs": dict(sorted(defs.items())),
    }


def generate(shared: Path) -> dict[str, str]:
    """Every output file's name and text."""
    commits = {name: source_commit(shared, name) for name in ("arm-schemas", "bicep-types")}
    found = versions(shared)
    documents = {version: generate_version(shared, version, commits) for version in found}
    files = {f"{version}.json": dump(document) for version, document in documents.items()}
    files["digests.json"] = dump({
        "$comment": "Generated by scripts/generate_schemas.py; do not edit. aiblint.schema_data.definition_digests "
                    "of each schema: the definitions alike in two api versions are told without reading them.",
        "digests": {version: definition_digests(document) for version, document in documents.items()},
    })
    index = {
        "$comment": "Generated by scripts/generate_schemas.py; do not edit.",
        "sources": {
            "arm-schemas": f"Azure/azure-resource-manager-schemas @{commits['arm-schemas']}",
            "bicep-types": f"Azure/bicep-types-az @{commits['bicep-types']}",
        },
        "versions": found,
    }
    files["index.json"] = dump(index)
    return files


def dump(data: object) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def stale(shared: Path, folder: Path = OUTPUT) -> Iterator[str]:
    """Names of output files that differ from what the generator writes now."""
    expected = generate(shared)
    for name, text in expected.items():
        path = folder / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            yield name
    for path in folder.glob("*.json"):
        if path.name not in expected:
            yield path.name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared/ folder (default: ../shared)")
    options = parser.parse_args(argv)
    files = generate(options.shared)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for path in OUTPUT.glob("*.json"):
        if path.name not in files:
            path.unlink()
    for name, text in files.items():
        (OUTPUT / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} files to {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
