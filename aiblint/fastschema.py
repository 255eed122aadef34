"""A validator for the few JSON Schema keywords the generated schemas use.

jsonschema costs about 48 ms of imports (attrs, referencing, rpds) on a cold
run and most of the schema pass's time on a warm one, yet nearly every
template it sees is valid. :func:`errors` finds the same errors jsonschema's
``Draft202012Validator.iter_errors`` would, keyword for keyword and path for
path, so :mod:`aiblint.schema` imports and runs jsonschema only when one of
them would become a finding, and jsonschema writes that finding.

It knows exactly the keywords in :data:`CHECKED` (and ignores the annotations
in :data:`IGNORED`); a schema with any other keyword, or a value of a kind it
does not model (a keyword value that is not what the generated schemas write,
a number type that is not ``int``/``float``), makes it answer ``None``: "ask
jsonschema", never a wrong "valid". An instance value of no JSON type (the
marker :mod:`aiblint.schema` puts where a value cannot be known) is what
jsonschema makes of it: no type, ``enum`` or ``const`` accepts it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from numbers import Number
from typing import Any

from aiblint import schema_data

Path = tuple["str | int", ...]
Check = Callable[[Any, Path, list["Error"]], None]

#: The validation keywords this module implements, as jsonschema 4 does for draft 2020-12.
CHECKED = frozenset({"$ref", "additionalProperties", "allOf", "const", "enum", "if", "items", "maximum", "minimum",
                     "pattern", "properties", "required", "type"})
#: Keywords that never make an error (annotations; ``then`` is read by ``if``).
IGNORED = frozenset({"$comment", "$defs", "$id", "$schema", "discriminator", "readOnly", "then", "x-aiblint"})
_DEFS = "#/$defs/"
#: An object's properties are looked for in the schema's order when the schema has at most this
#: many: a loop over 30 names costs less than sorting the names written.
_FEW = 32
_JSON = frozenset({dict, list, str, int, float, bool, type(None)})
#: The Python types of each JSON type's values (as the loader makes them; a
#: whole float is an integer too, as jsonschema says). ``bool`` is no number:
#: types are compared exactly.
_TYPES: dict[str, frozenset[type]] = {
    "array": frozenset({list}),
    "boolean": frozenset({bool}),
    "integer": frozenset({int}),
    "null": frozenset({type(None)}),
    "number": frozenset({int, float}),
    "object": frozenset({dict}),
    "string": frozenset({str}),
}


class Unsupported(Exception):
    """A schema or an instance this module does not model: jsonschema must decide."""


class Error:
    """One error, with the attributes of jsonschema's ``ValidationError`` that aiblint reads."""

    __slots__ = ("absolute_path", "instance", "missing", "schema", "validator", "validator_value")

    def __init__(self, keyword: str, value: Any, instance: Any, schema: dict[str, Any], path: Path,
                 missing: str = "") -> None:
        self.validator = keyword
        self.validator_value = value
        self.instance = instance
        self.schema = schema
        self.absolute_path = path
        self.missing = missing  # the required property that is missing

    @property
    def message(self) -> str:
        """jsonschema's message for this error."""
        keyword, value, instance = self.validator, self.validator_value, self.instance
        if keyword == "type":
            return f"{instance!r} is not of type {', '.join(repr(name) for name in _listed(value))}"
        if keyword == "enum":
            return f"{instance!r} is not one of {value!r}"
        if keyword == "const":
            return f"{value!r} was expected"
        if keyword == "required":
            return f"{self.missing!r} is a required property"
        if keyword == "pattern":
            return f"{instance!r} does not match {value!r}"
        relation = "less than the minimum" if keyword == "minimum" else "greater than the maximum"
        return f"{instance!r} is {relation} of {value!r}"

    def __repr__(self) -> str:
        return f"Error({self.validator}, {list(self.absolute_path)}, {self.message})"


class Shared:
    """What :func:`errors` found in parts of instances that other instances share."""

    __slots__ = ("errors", "modelled")

    def __init__(self) -> None:
        #: (definition key, id(part), path) -> (the part, the errors its check found there)
        self.errors: dict[tuple[object, int, Path], tuple[Any, list[Error]]] = {}
        self.modelled: dict[int, Any] = {}  # id(part) -> a part found modelled (kept: its id stays its own)


_SHARED: list[Shared | None] = [None]  # what errors() is sharing now, if anything


def errors(version: str, entry: str, instance: Any, shared: Shared | None = None,
           modelled: bool = False) -> list[Error] | None:
    """The errors jsonschema finds in ``instance`` against definition ``entry``
    of api ``version``'s schema, in the order it finds them (except that the
    values of a map come in the instance's order, where jsonschema's is a
    set's); ``None``: this module cannot tell, ask jsonschema.

    ``shared``: the errors found in objects and arrays under earlier calls
    with the same ``shared``, by definition (:func:`schema_data.definition_key`:
    equal in two versions), object and path. For instances that share their
    parts and are never changed: the walks of one template under several api versions.
    ``modelled``: the caller made ``instance`` and knows that :func:`modelled` holds for each value in it."""
    check = _compiled(version, entry)
    if check is None or not (modelled or _modelled(instance, shared)):
        return None
    found: list[Error] = []
    _SHARED[0] = shared
    try:
        check(instance, (), found)
    finally:
        _SHARED[0] = None
    return found


@cache
def _compiled(version: str, entry: str) -> Check | None:
    return checker(schema_data.schema(version).document, entry, version)


#: :func:`schema_data.definition_key` -> the compiled check of every definition with that key (see
#: :meth:`_Compiler.ref`): the api versions' schemas have most definitions alike, compiled once
_COMPILED: dict[object, list[Check]] = {}


def checker(document: dict[str, Any], entry: str, version: str | None = None) -> Check | None:
    """The check of definition ``entry`` of schema ``document`` and of every
    definition it reaches; ``None`` if any of them uses what this module does not model.
    ``version``: the api version whose schema ``document`` is (its checks can share errors,
    and each definition equal to one another version's checker compiled is that one's check)."""
    compiler = _Compiler(document, version)
    try:
        check = compiler.ref(_DEFS + entry)
    except Unsupported:
        return None  # its checks, some not made, are dropped
    _COMPILED.update(compiler.compiled)  # all made: shared from now on
    return check


def modelled(value: Any) -> bool:
    """Every value in ``value`` is of a JSON type as the loader makes them, or of
    none at all: what :func:`errors` can judge (a caller that builds an instance
    can ask this of each value it puts in, instead of :func:`errors` looking at all of it)."""
    return _modelled(value)


def _modelled(instance: Any, shared: Shared | None = None) -> bool:
    """Every value is of a JSON type as the loader makes them, or of none at
    all (a marker); a ``Decimal``, a ``tuple`` or a ``dict`` subclass is not
    modelled. ``shared``: parts found modelled before are not looked at again."""
    known = shared.modelled if shared is not None else {}
    seen: list[Any] = []
    pending = [instance]
    while pending:
        value = pending.pop()
        kind = type(value)
        if kind is dict or kind is list:
            if known.get(id(value)) is value:
                continue
            seen.append(value)
            if kind is list:
                pending.extend(value)
                continue
            if not all(type(key) is str for key in value):
                return False
            pending.extend(value.values())
        elif kind not in _JSON and isinstance(value, (Number, str, bytes, Mapping, Sequence)):
            return False
    if shared is not None:  # all of it is: so is each part
        known.update((id(value), value) for value in seen)
    return True


def _discriminated(schema: Any) -> str | None:
    """The property ``schema`` requires to be a string constant, if it says
    exactly that (and that the instance is an object) and nothing else."""
    if not isinstance(schema, dict) or set(schema) != {"type", "required", "properties"} or schema["type"] != "object":
        return None
    required, properties = schema["required"], schema["properties"]
    if not (isinstance(required, list) and len(required) == 1 and isinstance(properties, dict) and len(properties) == 1):
        return None
    name = required[0]
    branch = properties.get(name) if isinstance(name, str) else None
    if not (isinstance(branch, dict) and set(branch) == {"const"} and type(branch["const"]) is str):
        return None
    return name  # type: ignore[no-any-return]


def _variants(parts: list[Any]) -> tuple[str, list[str]] | None:
    """The property and the values, one per part, if every part of an ``allOf``
    is ``{"if": <that property is this string>, "then": ...}`` (see
    :func:`_discriminated`) on the same property, each value a different
    string: the form of the generated schemas' unions. Then the parts whose
    condition holds are the one part whose value the instance's property is,
    if any; a ``then`` is applied only there, as it would be trying each in turn."""
    names = [_discriminated(part["if"]) if isinstance(part, dict) and set(part) == {"if", "then"} else None
             for part in parts]
    if not parts or names[0] is None or any(name != names[0] for name in names):
        return None
    values = [part["if"]["properties"][names[0]]["const"] for part in parts]
    return (names[0], values) if len(set(values)) == len(values) else None


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class _Compiler:
    """Turns a schema into one function per schema object; ``$ref`` targets once each."""

    def __init__(self, document: dict[str, Any], version: str | None = None) -> None:
        self.version = version
        self.definitions: dict[str, Any] = document.get("$defs", {})
        self.targets: dict[str, list[Check]] = {}
        self.compiled: dict[object, list[Check]] = {}  # the definitions it compiled, by key

    def compile(self, schema: Any) -> Check:
        if not isinstance(schema, dict):
            raise Unsupported(f"schema {schema!r}")  # booleans: the generated schemas write none
        checks: list[Check] = []
        for keyword, value in schema.items():
            if keyword in IGNORED:
                continue
            method = _METHODS.get(keyword)
            if method is None:
                raise Unsupported(keyword)
            checks.append(method(self, value, schema))
        if len(checks) == 1:
            return checks[0]
        every = tuple(checks)

        def check_all(instance: Any, path: Path, found: list[Error]) -> None:
            for check in every:
                check(instance, path, found)

        return check_all

    def ref(self, target: Any, schema: dict[str, Any] | None = None) -> Check:
        if not isinstance(target, str) or not target.startswith(_DEFS) or target[len(_DEFS):] not in self.definitions:
            raise Unsupported(f"$ref {target!r}")
        name = target[len(_DEFS):]
        version = self.version
        # the definition's key: equal in two versions' schemas exactly when the definition is and all it reaches
        definition = None if version is None else schema_data.definition_key(version, name)
        cell = self.targets.get(target)
        if cell is None:  # compiled once; the cell lets a definition refer to itself
            cell = _COMPILED.get(definition) if definition is not None else None
            if cell is not None:
                self.targets[target] = cell  # another version's checker compiled it (a whole one: see checker)
            else:
                cell = self.targets[target] = []
                if definition is not None:
                    self.compiled[definition] = cell
                cell.append(self.compile(self.definitions[name]))

        if definition is None:
            def check_ref(instance: Any, path: Path, found: list[Error]) -> None:
                cell[0](instance, path, found)

            return check_ref

        def check_shared_ref(instance: Any, path: Path, found: list[Error]) -> None:
            shared = _SHARED[0]
            if shared is None or (type(instance) is not dict and type(instance) is not list):
                cell[0](instance, path, found)
                return
            key = (definition, id(instance), path)
            known = shared.errors.get(key)
            if known is not None and known[0] is instance:
                found += known[1]
                return
            start = len(found)
            cell[0](instance, path, found)
            shared.errors[key] = (instance, found[start:])  # the instance kept: its id stays its own

        return check_shared_ref

    k_ref = ref

    def k_type(self, value: Any, schema: dict[str, Any]) -> Check:
        if type(value) is str and value in _TYPES:  # one type (most of them): what the general case gives it
            kinds, whole = _TYPES[value], value == "integer"
        else:
            names = _listed(value)
            if not names or any(name not in _TYPES for name in names):
                raise Unsupported(f"type {value!r}")
            kinds = frozenset().union(*(_TYPES[name] for name in names))
            whole = "integer" in names and float not in kinds  # 1.0 is an integer
        if len(kinds) == 1 and not whole:  # one Python type: compared at once
            (only,) = kinds

            def check_one_type(instance: Any, path: Path, found: list[Error]) -> None:
                if type(instance) is not only:
                    found.append(Error("type", value, instance, schema, path))

            return check_one_type

        def check_type(instance: Any, path: Path, found: list[Error]) -> None:
            kind = type(instance)
            if kind not in kinds and not (whole and kind is float and instance.is_integer()):
                found.append(Error("type", value, instance, schema, path))

        return check_type

    def k_enum(self, value: Any, schema: dict[str, Any]) -> Check:
        if not isinstance(value, list) or not all(type(item) is str for item in value):
            raise Unsupported(f"enum {value!r}")  # jsonschema's equality only matters for other kinds
        allowed = frozenset(value)

        def check_enum(instance: Any, path: Path, found: list[Error]) -> None:
            if type(instance) is not str or instance not in allowed:
                found.append(Error("enum", value, instance, schema, path))

        return check_enum

    def k_const(self, value: Any, schema: dict[str, Any]) -> Check:
        if type(value) is not str:
            raise Unsupported(f"const {value!r}")

        def check_const(instance: Any, path: Path, found: list[Error]) -> None:
            if type(instance) is not str or instance != value:
                found.append(Error("const", value, instance, schema, path))

        return check_const

    def k_required(self, value: Any, schema: dict[str, Any]) -> Check:
        if not isinstance(value, list) or not all(type(item) is str for item in value):
            raise Unsupported(f"required {value!r}")
        names = tuple(value)

        def check_required(instance: Any, path: Path, found: list[Error]) -> None:
            if type(instance) is dict:
                for name in names:
                    if name not in instance:
                        found.append(Error("required", value, instance, schema, path, name))

        return check_required

    def k_pattern(self, value: Any, schema: dict[str, Any]) -> Check:
        if not isinstance(value, str):
            raise Unsupported(f"pattern {value!r}")
        search = re.compile(value).search  # jsonschema calls re.search: the same engine

        def check_pattern(instance: Any, path: Path, found: list[Error]) -> None:
            if type(instance) is str and search(instance) is None:
                found.append(Error("pattern", value, instance, schema, path))

        return check_pattern

    def k_minimum(self, value: Any, schema: dict[str, Any]) -> Check:
        return self._bound("minimum", value, schema, lambda instance: instance < value)

    def k_maximum(self, value: Any, schema: dict[str, Any]) -> Check:
        return self._bound("maximum", value, schema, lambda instance: instance > value)

    def _bound(self, keyword: str, value: Any, schema: dict[str, Any], beyond: Callable[[Any], bool]) -> Check:
        if type(value) not in (int, float):
            raise Unsupported(f"{keyword} {value!r}")

        def check_bound(instance: Any, path: Path, found: list[Error]) -> None:
            if (type(instance) is int or type(instance) is float) and beyond(instance):
                found.append(Error(keyword, value, instance, schema, path))

        return check_bound

    def k_properties(self, value: Any, schema: dict[str, Any]) -> Check:
        if not isinstance(value, dict):
            raise Unsupported(f"properties {value!r}")
        members = tuple((name, self.compile(sub)) for name, sub in value.items())
        places = {name: (place, name, check) for place, (name, check) in enumerate(members)}

        def check_properties(instance: Any, path: Path, found: list[Error]) -> None:
            if type(instance) is not dict:
                return
            if len(members) <= _FEW or len(instance) >= len(members):
                for name, check in members:  # in the schema's order, as jsonschema
                    if name in instance:
                        check(instance[name], (*path, name), found)
                return
            # many more names in the schema than written: those written, in the schema's order
            written = sorted(places[name] for name in instance if name in places)
            for _, name, check in written:
                check(instance[name], (*path, name), found)

        return check_properties

    def k_additionalProperties(self, value: Any, schema: dict[str, Any]) -> Check:
        if not isinstance(value, dict):
            raise Unsupported("additionalProperties that is not a schema")  # false: the generated schemas write none
        known = schema.get("properties", {})
        check = self.compile(value)

        def check_additional(instance: Any, path: Path, found: list[Error]) -> None:
            if type(instance) is dict:
                for name, member in instance.items():
                    if name not in known:
                        check(member, (*path, name), found)

        return check_additional

    def k_items(self, value: Any, schema: dict[str, Any]) -> Check:
        check = self.compile(value)  # a boolean (or prefixItems beside it) is Unsupported

        def check_items(instance: Any, path: Path, found: list[Error]) -> None:
            if type(instance) is list:
                for index, item in enumerate(instance):
                    check(item, (*path, index), found)

        return check_items

    def k_allOf(self, value: Any, schema: dict[str, Any]) -> Check:
        if not isinstance(value, list):
            raise Unsupported(f"allOf {value!r}")
        variants = _variants(value)
        if variants is not None:  # a union's branches: the one its discriminator names, looked up
            name, values = variants
            branches = {wanted: self.compile(part["then"]) for wanted, part in zip(values, value, strict=True)}

            def check_variant(instance: Any, path: Path, found: list[Error]) -> None:
                if type(instance) is dict and name in instance:
                    chosen = instance[name]
                    check = branches.get(chosen) if type(chosen) is str else None
                    if check is not None:
                        check(instance, path, found)

            return check_variant

        parts = tuple(self.compile(sub) for sub in value)

        def check_all_of(instance: Any, path: Path, found: list[Error]) -> None:
            for check in parts:
                check(instance, path, found)

        return check_all_of

    def k_if(self, value: Any, schema: dict[str, Any]) -> Check:
        holds = self.condition(value)
        then = self.compile(schema["then"]) if "then" in schema else None

        def check_if(instance: Any, path: Path, found: list[Error]) -> None:
            if then is not None and holds(instance, path):
                then(instance, path, found)

        return check_if

    def condition(self, schema: Any) -> Callable[[Any, Path], bool]:
        """Whether an instance is valid against ``schema`` (an ``if``). The
        generated schemas' unions write each branch's condition as
        ``{"type": "object", "required": [name], "properties": {name: {"const": value}}}``:
        that one is tested without making the errors nobody reads."""
        name = _discriminated(schema)
        if name is not None:
            wanted = schema["properties"][name]["const"]

            def names_the_variant(instance: Any, path: Path) -> bool:
                if type(instance) is not dict or name not in instance:
                    return False
                value = instance[name]
                return type(value) is str and value == wanted

            return names_the_variant
        check = self.compile(schema)

        def holds(instance: Any, path: Path) -> bool:
            failed: list[Error] = []
            check(instance, path, failed)
            return not failed

        return holds


#: keyword -> the method of :class:`_Compiler` that compiles it (looked up once, not per schema object)
_METHODS: dict[str, Callable[[_Compiler, Any, dict[str, Any]], Check]] = {
    keyword: getattr(_Compiler, "k_" + keyword.lstrip("$")) for keyword in CHECKED}
