"""The per-apiVersion schemas and the facts about api versions, as data.

``aiblint/data/schemas/`` is generated from the official specs by
``scripts/generate_schemas.py`` (one compact JSON Schema per api version);
``aiblint/data/api-versions.json`` is hand-written with its sources. Both are
read on first use. This module only reads and navigates the data: it never
imports jsonschema (:mod:`aiblint.schema` does, when it validates).

A place in a schema is named by *steps* from the image template resource:
``("p", name)`` a property, ``("i", None)`` an array item, ``("m", None)`` a
map value, ``("v", value)`` the variant of a discriminated union (``None``:
any variant). Steps are the same in every api version, so the same place can
be looked up across versions even where a definition was renamed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from aiblint.hashing import sha256_hex
from aiblint.lazyre import lazy
from aiblint.record import Record

DATA = Path(__file__).resolve().parent / "data"
SCHEMAS = DATA / "schemas"

Schema = dict[str, Any]
Step = tuple[str, "str | None"]

RESOURCE_DEF = "imageTemplates"
PROPERTIES_STEPS: tuple[Step, ...] = (("p", "properties"),)
_DEF_PREFIX = "#/$defs/"


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def api_versions() -> tuple[str, ...]:
    """Every api version with a schema, oldest first."""
    return tuple(_read(SCHEMAS / "index.json")["versions"])


def newest() -> str:
    return api_versions()[-1]


def canonical_version(text: str) -> str | None:
    """The api version ``text`` names (ARM compares api versions without case)."""
    folded = text.strip().casefold()
    return next((version for version in api_versions() if version.casefold() == folded), None)


def order(version: str) -> int:
    return api_versions().index(version)


@cache
def _lifecycle() -> dict[str, Any]:
    return _read(DATA / "api-versions.json")  # type: ignore[no-any-return]


@cache
def strict_from() -> str:
    """The first api version that rejects unknown fields and wrong case."""
    return str(_lifecycle()["strictFrom"]["version"])


@cache  # api versions only (any other text raises): bounded; asked for every name a walk judges
def is_strict(version: str) -> bool:
    return order(version) >= order(strict_from())


def retired_because(version: str) -> str | None:
    entry = _lifecycle()["retired"].get(version)
    return None if entry is None else str(entry["why"])


def honoured_before_schema(version: str, steps: tuple[Step, ...], name: str, value: str | None = None) -> bool:
    """The service applied property ``name`` (with discriminator ``value``) at
    ``steps`` under ``version`` though that version's schema lacks it: the
    version's official quickstarts use it (``osDiskSizeGB`` in 2019-05-01-preview)."""
    path = ".".join([*(str(step[1]) for step in steps if step[0] == "p"), name])
    entries = _lifecycle()["honouredBeforeSchema"].get(version, [])
    return any(entry["path"] == path and entry.get("value") == value for entry in entries)


def deprecated_because(version: str) -> str | None:
    entry = _lifecycle()["deprecated"].get(version)
    return None if entry is None else str(entry["why"])


@cache
def schema(version: str) -> VersionSchema:
    return VersionSchema(version, _read(SCHEMAS / f"{version}.json"), _shipped_digests().get(version))


@cache
def _shipped_digests() -> dict[str, dict[str, str | None]]:
    """:func:`definition_digests` of every shipped schema, worked out when they were generated."""
    return _read(SCHEMAS / "digests.json")["digests"]  # type: ignore[no-any-return]


class VersionSchema:
    """One api version's generated schema document."""

    def __init__(self, version: str, document: Schema, digests: dict[str, str | None] | None = None) -> None:
        self.version = version
        self.document = document
        self.uri: str = document["$id"]
        # id(definition) -> its digest (definition_digests: those of this very document, or none)
        definitions = document.get("$defs", {})
        self.digests: dict[int, str] = {id(definitions[name]): digest for name, digest in (digests or {}).items()
                                        if digest is not None and name in definitions}
        # made once each (a walk asks for the same ones again and again), the node kept: its id stays its own
        self._shapes: dict[int, tuple[Schema, Shape]] = {}
        self._definitions: dict[str, Shape] = {}
        self._properties: dict[tuple[int, str], tuple[Schema, dict[str, Schema]]] = {}
        self._members: dict[tuple[int, str], tuple[Schema, dict[str, Shape | None]]] = {}
        self._writable: dict[tuple[int, str], tuple[Schema, dict[str, Schema], str]] = {}
        self._chosen: dict[tuple[int, str | None, str], Shape] = {}

    def shape(self, node: Schema) -> Shape:
        """The schema ``node`` (one of this document's) after following its ``$ref`` chain."""
        known = self._shapes.get(id(node))
        if known is not None and known[0] is node:
            return known[1]
        shape = self._follow(node)
        self._shapes[id(node)] = (node, shape)
        return shape

    def definition(self, name: str) -> Shape:
        """The shape of definition ``name``."""
        shape = self._definitions.get(name)
        if shape is None:
            shape = self._definitions[name] = self._follow({"$ref": _DEF_PREFIX + name})
        return shape

    def _follow(self, node: Schema) -> Shape:
        name = None
        while "$ref" in node:
            name = str(node["$ref"]).removeprefix(_DEF_PREFIX)
            node = self.document["$defs"][name]
        return Shape(self, node, name)

    def resource(self) -> Shape:
        return self.definition(RESOURCE_DEF)

    def at(self, steps: tuple[Step, ...]) -> Shape | None:
        """The shape at ``steps`` from the resource, or ``None`` if this version has no such place."""
        shape: Shape | None = self.resource()
        for step in steps:
            if shape is None:
                return None
            shape = shape.child(step)
        return shape


_ANY = "\0any"  # Shape.variant when a union's variant is not chosen
_NO_VARIANTS: Mapping[str, str] = MappingProxyType({})


class Shape(Record):
    """A schema node at a place, with the union variant chosen there (if any)."""

    __slots__ = ("owner", "schema", "name", "variant")  # noqa: RUF023 - in field order
    owner: Final[VersionSchema]
    schema: Final[Schema]
    name: Final[str | None]  # definition name when reached through $ref
    variant: Final[str]

    def __init__(self, owner: VersionSchema, schema: Schema, name: str | None, variant: str = _ANY) -> None:
        self.owner = owner
        self.schema = schema
        self.name = name
        self.variant = variant

    @property
    def version(self) -> str:
        return self.owner.version

    @property
    def discriminator(self) -> str | None:
        spec = self.schema.get("discriminator")
        return None if spec is None else str(spec["propertyName"])

    @property
    def variants(self) -> Mapping[str, str]:
        """Discriminator value -> variant definition reference (the schema's own: not to be changed)."""
        spec = self.schema.get("discriminator")
        return _NO_VARIANTS if spec is None else spec["mapping"]

    @property
    def is_map(self) -> bool:
        return isinstance(self.schema.get("additionalProperties"), dict) and not self.schema.get("properties")

    @property
    def is_record(self) -> bool:
        return not self.is_map and ("properties" in self.schema or self.discriminator is not None)

    @property
    def enum(self) -> list[Any] | None:
        return self.schema.get("enum")

    def choose(self, variant: str | None) -> Shape:
        chosen = _ANY if variant is None else variant
        key = (id(self.schema), self.name, chosen)
        known = self.owner._chosen.get(key)
        if known is None or known.schema is not self.schema:  # made once each (a shape is immutable)
            known = self.owner._chosen[key] = Shape(self.owner, self.schema, self.name, chosen)
        return known

    @property
    def chosen(self) -> str | None:
        return None if self.variant == _ANY else self.variant

    def _variant_shapes(self) -> list[Shape]:
        mapping = self.variants
        refs = [mapping[self.variant]] if self.variant in mapping else list(mapping.values())
        return [self.owner.definition(str(ref).removeprefix(_DEF_PREFIX)) for ref in refs]

    def properties(self) -> dict[str, Schema]:
        """Property name -> schema; for a union the base's and the chosen
        variant's (every variant's when none is chosen). Made once per node
        and variant: the caller must not change it."""
        cached = self.owner._properties.get((id(self.schema), self.variant))
        if cached is not None and cached[0] is self.schema:
            return cached[1]
        merged: dict[str, Schema] = {}
        if self.discriminator is not None:
            for shape in self._variant_shapes():
                merged.update(shape.schema.get("properties", {}))
        merged.update(self.schema.get("properties", {}))
        self.owner._properties[id(self.schema), self.variant] = (self.schema, merged)
        return merged

    def members(self) -> dict[str, Shape | None]:
        """:meth:`properties` as a walk reads them: name -> the shape of its
        value, ``None`` for a read-only one. Made once per node and variant:
        the caller must not change it."""
        cached = self.owner._members.get((id(self.schema), self.variant))
        if cached is not None and cached[0] is self.schema:
            return cached[1]
        shape = self.owner.shape
        members = {name: None if spec.get("readOnly") else shape(spec) for name, spec in self.properties().items()}
        self.owner._members[id(self.schema), self.variant] = (self.schema, members)
        return members

    def writable(self) -> tuple[dict[str, Schema], str]:
        """:meth:`properties` without the read-only ones, and their names
        sorted and joined with ", " (what a message lists). Made once per node
        and variant, as :meth:`properties` (on which alone it depends): the
        caller must not change it."""
        cached = self.owner._writable.get((id(self.schema), self.variant))
        if cached is not None and cached[0] is self.schema:
            return cached[1], cached[2]
        writable = {key: spec for key, spec in self.properties().items() if not spec.get("readOnly")}
        listed = ", ".join(sorted(writable))
        self.owner._writable[id(self.schema), self.variant] = (self.schema, writable, listed)
        return writable, listed

    def required(self) -> list[str]:
        names = list(self.schema.get("required", []))
        if self.discriminator is not None and self.variant in self.variants:
            names += [name for shape in self._variant_shapes() for name in shape.schema.get("required", [])]
        return names

    def child(self, step: Step) -> Shape | None:
        kind, value = step
        if kind == "v":
            if self.discriminator is None or (value is not None and value not in self.variants):
                return None  # not a union, or this version has no such variant
            return self.choose(value)
        if kind == "p" and value is not None:
            sub = self.properties().get(value)
        elif kind == "i":
            sub = self.schema.get("items")
        elif kind == "m":
            extra = self.schema.get("additionalProperties")
            sub = extra if isinstance(extra, dict) else None
        else:
            sub = None
        return None if sub is None else self.owner.shape(sub)

    @property
    def kind(self) -> str:
        """What a union's objects are called: ``ImageTemplateDistributor`` -> ``distributor``."""
        return _kind(self.name or "")


@cache  # definition names of the shipped schemas: bounded
def _kind(name: str) -> str:
    index = max((i for i, char in enumerate(name) if char.isupper()), default=0)
    return name[index:].lower() or "object"


@cache
def properties_by_version(steps: tuple[Step, ...]) -> dict[str, dict[str, Schema]]:
    """Per api version that has the place ``steps``, its properties there."""
    found: dict[str, dict[str, Schema]] = {}
    for version in api_versions():
        shape = schema(version).at(steps)
        if shape is not None and shape.is_record:
            found[version] = shape.properties()
    return found


@cache
def enum_by_version(steps: tuple[Step, ...]) -> dict[str, tuple[Any, ...]]:
    """Per api version that has the place ``steps``, the values its enum allows there."""
    found: dict[str, tuple[Any, ...]] = {}
    for version in api_versions():
        shape = schema(version).at(steps)
        if shape is not None and shape.enum is not None:
            found[version] = tuple(shape.enum)
    return found



class _Cycle(Exception):
    """A definition that reaches itself through ``$ref``."""


#: (canonical text of a schema node, the keys of the definitions it names) -> its number
_NUMBERS: dict[tuple[str, tuple[tuple[str, object], ...]], int] = {}
_REF = lazy(r'"\$ref": "#/\$defs/((?:[^"\\]|\\.)*)"')
_KEYS: dict[tuple[str, int], tuple[Schema, object]] = {}  # (version, id(node)) -> (node, its key)


def schema_key(version: str, node: Schema) -> object:
    """A key of the schema ``node`` (a definition, or any object in one) of api
    ``version``'s schema that a node of another version's schema has too
    exactly when the two are equal and so is every definition they reach
    through ``$ref``: a value walked or validated under one is walked or
    validated the same under the other (:mod:`aiblint.schema` shares that work
    among the candidate versions of a template). A node that reaches itself is
    its version's own."""
    known = _KEYS.get((version, id(node)))
    if known is not None and known[0] is node:
        return known[1]
    try:
        return _key(version, node, ())
    except _Cycle:
        _KEYS[version, id(node)] = (node, (version, id(node)))
        return (version, id(node))


def definition_key(version: str, name: str) -> object:
    """:func:`schema_key` of definition ``name``."""
    return schema_key(version, schema(version).document["$defs"][name])


def _key(version: str, node: Schema, within: tuple[int, ...]) -> object:
    """The number of ``node``'s canonical text and of the definitions its
    ``$ref``s name, in the order the text names them (a definition's text says
    its name, not what it says: that is its key). Two nodes get the same number
    exactly when they say the same and every definition they reach does too."""
    known = _KEYS.get((version, id(node)))
    if known is not None and known[0] is node:
        return known[1]
    if id(node) in within:
        raise _Cycle
    owner = schema(version)
    digest = owner.digests.get(id(node))
    if digest is not None:  # a definition of a shipped schema: its key was worked out when it was generated
        _KEYS[version, id(node)] = (node, digest)
        return digest
    definitions = owner.document["$defs"]
    inside = (*within, id(node))
    text = json.dumps(node, sort_keys=True)
    # a "$ref" member as json.dumps writes it: a quote inside a string is written \", so no string holds this
    names = [json.loads(f'"{name}"') if "\\" in name else name for name in _REF().findall(text)]  # as written: escaped
    reached = tuple((name, _key(version, definitions[name], inside)) for name in names if name in definitions)
    key = _NUMBERS.setdefault((text, reached), len(_NUMBERS))
    _KEYS[version, id(node)] = (node, key)
    return key


def definition_digests(document: Schema) -> dict[str, str | None]:
    """Per definition of schema ``document``, a digest of what it says and of
    the digests of the definitions it names (sha-256): two definitions have the
    same digest exactly when they say the same and so does every definition
    they reach, the key :func:`schema_key` gives them (a string, where a node it
    works out at run time gets a number). ``None`` for one that reaches a
    definition that reaches itself (its key is its version's own). Worked out
    by ``scripts/generate_schemas.py`` for the shipped schemas (``digests.json``)."""
    definitions: dict[str, Schema] = document["$defs"]
    digests: dict[str, str | None] = {}

    def digest(name: str, within: frozenset[str]) -> str | None:
        if name in digests:
            return digests[name]
        if name in within:
            return None  # a cycle (not kept: only the definitions on it, worked out below, are so)
        text = json.dumps(definitions[name], sort_keys=True)
        names = [json.loads(f'"{ref}"') if "\\" in ref else ref for ref in _REF().findall(text)]  # as _key reads them
        reached = [(ref, digest(ref, within | {name})) for ref in names if ref in definitions]
        found = None if any(sub is None for _, sub in reached) else sha256_hex(
            "\n".join([text, *(f"{ref}\t{sub}" for ref, sub in reached)]).encode())
        digests[name] = found
        return found

    for name in definitions:
        digest(name, frozenset())
    return dict(sorted(digests.items()))
