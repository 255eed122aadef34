"""Check an image template against the schema of its api version (AIB100-AIB105).

Two passes over one template:

1. A walk of the positioned JSON tree, guided by the version's schema
   (:mod:`aiblint.schema_data`). It judges every property name (unknown,
   wrong case, only in a later version, read-only), picks the variant of each
   discriminated union from its ``type`` and builds the plain instance that
   jsonschema sees: names and discriminator values as the schema spells them,
   problems already reported left out, values aiblint cannot know replaced by
   a marker, and every instance path mapped back to where its value is written.
2. jsonschema over that instance, for required properties, types, enums,
   patterns and ranges; one finding per error, at the node, and none for a
   value aiblint cannot know. :mod:`aiblint.fastschema` finds the same errors
   first without importing jsonschema; jsonschema runs only when one of them
   would become a finding (most templates have none).

When the api version cannot be known, both passes run against each candidate
version and only problems found in all of them are reported; fastschema
decides that intersection, and jsonschema runs only when a value problem is
in it. The candidate versions' schemas are mostly alike, and so are their
walks: a value under a schema node that is equal in two versions, with all it
reaches (``schema_data.schema_key``), is walked once, and the other versions
reuse that walk (its instance, places and value flows) when it reported
nothing; fastschema likewise checks such a shared part once per definition
(``tests/test_schema_sharing.py``: sharing changes nothing). The versions
are walked oldest first, and no further once one of them has all the names
and types the template uses, nothing wrong, and every value walked (see
``_clean``): nothing can then be wrong in every version. A fragment
without apiVersion gets only the first pass, against the newest version, and
names that some version knows are left alone. The result is computed once
per template and shared by the six rules.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache, lru_cache
from typing import Any

from aiblint import fastschema, schema_data
from aiblint.arm.copyloop import copy_loop_names
from aiblint.document import Document
from aiblint.findings import Fix, Severity
from aiblint.jsontree import JsonArray, JsonNode, JsonObject, JsonString, member_key
from aiblint.lazyre import lazy
from aiblint.model import ImageTemplate
from aiblint.record import replace
from aiblint.rule import Problem
from aiblint.schema_data import PROPERTIES_STEPS, Shape, Step
from aiblint.values import UNKNOWN, Resolved

Path = tuple["str | int", ...]
Steps = tuple[Step, ...]

#: Keys of a resource in an ARM deployment template that ARM itself consumes;
#: they never reach the image template service.
ARM_TEMPLATE_KEYS = frozenset({"condition", "copy", "comments", "dependsOn", "metadata", "scope", "resources", "existing"})
_DEPLOYMENT_FORMS = frozenset({"deployment", "nested-deployment"})
#: Required by the ARM schema for a deployment template; in a REST body or an
#: `az resource create` file the client supplies them.
_ENVELOPE = ("name", "apiVersion", "type")
#: The rules of the problems pass 2 (:class:`_Errors`) reports.
_VALUE_RULES = frozenset({"AIB101", "AIB103", "AIB104"})
_VALUE_KEYWORDS = frozenset({"type", "enum", "const", "pattern", "minimum", "maximum", "minItems", "maxItems", "minLength", "maxLength"})
_TYPE_WORDS = {"integer": "an integer", "string": "a string", "array": "an array", "object": "an object",
               "boolean": "true or false", "number": "a number", "null": "null"}


#: The Python types of the values fastschema models as they are (see _Walk.odd)
_PLAIN = frozenset({str, int, float, bool, type(None)})


class _Unknowable:
    """Stands in the instance for a value aiblint cannot know; no JSON type
    accepts it, and every error about it is dropped."""

    def __repr__(self) -> str:
        return "<unknowable>"


_UNKNOWABLE = _Unknowable()
_ABSENT: Any = object()  # a name a shape's members lack


#: Where an instance value is written: (node, document, known: not the unknowable marker). A
#: plain tuple, not a record: a walk makes one per value (10,000 a corpus pass; a tuple is 5 times cheaper).
_Place = tuple[JsonNode, Document, bool]
#: An object the walk judged: (its shape, variant chosen; the schema steps to it). A tuple, as _Place.
_Object = tuple[Shape, Steps]


#: The attribute of a template (in its ``__dict__``) that keeps its schema problems and the value
#: flows computing them recorded. The answer depends on the template alone; kept on it, it goes with
#: it (a module-level WeakKeyDictionary freed it one garbage collection later than the template:
#: its trees, which the problems point into, survived one more collection).
_KEPT = "_schema_problems"
#: In this process: how many templates the schema pass checked, and how many of
#: them needed jsonschema (``benchmarks/run.py`` prints the share that did not).
TEMPLATES_CHECKED = [0, 0]
JSONSCHEMA_RUNS = [0]  # validations (one template and api version each) that ran jsonschema


def schema_problems(template: ImageTemplate) -> list[Problem]:
    """Every AIB100-AIB105 problem of ``template`` (each problem names its rule).

    Computed once; each later call restores the value flows recorded while
    computing (the engine clears them per rule, and reports a value found in a
    parameter default with the template field it flows into)."""
    kept = vars(template)
    found: tuple[list[Problem], dict[int, list[JsonNode]]] | None = kept.get(_KEPT)
    if found is None:
        runs = JSONSCHEMA_RUNS[0]
        problems = list(_check(template))
        TEMPLATES_CHECKED[0] += 1
        TEMPLATES_CHECKED[1] += JSONSCHEMA_RUNS[0] > runs
        kept[_KEPT] = (problems, dict(template.flows))
        return problems
    problems, flows = found
    template.flows.update(flows)
    return problems


def _check(template: ImageTemplate) -> Iterator[Problem]:
    version, problems, candidates = _api_version(template)
    yield from problems
    if version is None and candidates:
        yield from _in_every_version(template, candidates)
        return
    if version is None:  # a fragment without apiVersion: names known to some version, values not judged
        yield from _names_only(template)
        return
    yield from _in_version(template, version)[0]


def _names_only(template: ImageTemplate) -> list[Problem]:
    properties_only = template.form == "properties-only"
    walk = _Walk(template, schema_data.newest(), names_only=True, arm_root=not properties_only)
    start = _plan_of(schema_data.schema(walk.version).at(PROPERTIES_STEPS if properties_only else ()))
    walk.value(template.resource, template.document, start, (), PROPERTIES_STEPS if properties_only else ())
    return walk.problems


def _in_version(template: ImageTemplate, version: str, neutral: bool = False) -> tuple[list[Problem], int]:
    """Every problem of ``template`` under api ``version``, and how many
    property names and types the template uses that this version lacks and
    another has; ``neutral``: the wording of a check against several versions."""
    walk, instance, entry = walked(template, version, neutral)
    return walk.problems + _value_problems(walk, template, entry, instance), walk.misfit


def walked(template: ImageTemplate, version: str, neutral: bool = False,
           shared: _Shared | None = None) -> tuple[_Walk, Any, str]:
    """Pass 1 under api ``version``: the walk (its problems, its places), the
    instance it built for pass 2 and the schema definition that judges it;
    ``shared``: what the walks of ``template`` under other versions walked alike."""
    properties_only = template.form == "properties-only"
    walk = _Walk(template, version, names_only=False, arm_root=not properties_only, neutral=neutral, shared=shared)
    start = _plan_of(schema_data.schema(walk.version).at(PROPERTIES_STEPS if properties_only else ()))
    with template.recorded_flows() as walk.flows:  # a shared part's flows are a slice of them
        instance = walk.value(template.resource, template.document, start, (), PROPERTIES_STEPS if properties_only else ())
    template.replay(walk.flows)
    return walk, instance, "ImageTemplateProperties" if properties_only else schema_data.RESOURCE_DEF


def _value_problems(walk: _Walk, template: ImageTemplate, entry: str, instance: Any) -> list[Problem]:
    """Pass 2. :mod:`aiblint.fastschema` finds jsonschema's errors without
    importing it (48 ms); only when one of them would become a finding does
    jsonschema run, and its errors make the findings, so that what is
    reported (wording, paths, order) is always jsonschema's."""
    quick = fastschema.errors(walk.version, entry, instance, None, not walk.odd)
    if quick is not None and next(_Errors(walk, template).problems(iter(quick)), None) is None:
        return []
    JSONSCHEMA_RUNS[0] += 1
    return list(_Errors(walk, template).problems(_validator(walk.version, entry).iter_errors(instance)))


def _placed_problems(walk: _Walk, template: ImageTemplate, entry: str, instance: Any) -> list[Problem]:
    """Pass 2's problems where only their identities are read (a version whose
    problems are not reported, only looked for in it): fastschema's, which sit
    at jsonschema's identities (see :func:`_quick_runs`); jsonschema's when it cannot tell."""
    quick = fastschema.errors(walk.version, entry, instance, None, not walk.odd)
    if quick is None:
        return _value_problems(walk, template, entry, instance)
    return list(_Errors(walk, template).problems(iter(quick)))


def _in_every_version(template: ImageTemplate, candidates: tuple[str, ...]) -> Iterator[Problem]:
    """The problems ``template`` has in every candidate api version: what holds
    whatever the version turns out to be, each said so. Versions that lack a
    property name or type the template writes (and another version has) are
    left out when others have more of them: the template was written for
    those, and under the others that name is the problem. The oldest version's problem is
    kept, with its (most lenient) severity."""
    shared: _Shared = {}
    checked = fastschema.Shared()
    walks: dict[str, tuple[_Walk, Any, str]] = {}
    for version in candidates:
        walks[version] = walks_version = walked(template, version, neutral=True, shared=shared)
        if _clean(template, *walks_version, checked):
            return
    fewest = min(walk.misfit for walk, _, _ in walks.values())
    versions = [version for version in candidates if walks[version][0].misfit == fewest]
    span = _versions_text(versions, candidates, fewest)
    runs = _quick_runs(template, [walks[version] for version in versions], checked)
    if runs is None:  # a value problem is in every version: jsonschema writes the first version's, which are reported
        runs = [_keyed(walk.problems + (_value_problems if index == 0 else _placed_problems)(walk, template, entry, instance))
                for index, (walk, instance, entry) in enumerate(walks[version] for version in versions)]
    first, *rest = runs
    for key, problem in first.items():
        others = [run.get(key) for run in rest]
        if any(other is None for other in others):
            continue
        # no fix: which spelling is right is a claim about one version, and the version is not known
        yield replace(problem, message=f"{problem.message} ({span})", fix=None)


def _clean(template: ImageTemplate, walk: _Walk, instance: Any, entry: str, checked: fastschema.Shared) -> bool:
    """Nothing can be wrong in every candidate version, and the versions not
    walked yet need not be: ``walk``'s version has every name and type the
    template uses that any version has (no misfit: it is one of the versions
    checked), nothing is wrong in it (no problem of pass 1, none of pass 2 by
    fastschema, which finds jsonschema's errors), and it walked every value
    (no object or array left unwalked for want of a schema). The walks of the
    versions after it would walk no value it did not, so they would record no
    value flow and follow no value that it (or a version before it) did not,
    in the same order: what the engine reads of the walks is as if every
    version were walked (``tests/test_schema_sharing.py``)."""
    if walk.misfit or walk.problems or walk.stops:
        return False
    errors = fastschema.errors(walk.version, entry, instance, checked, not walk.odd)
    return errors is not None and next(_Errors(walk, template).problems(iter(errors)), None) is None


def _quick_runs(template: ImageTemplate, walks: list[tuple[_Walk, Any, str]],
                shared: fastschema.Shared) -> list[dict[tuple[object, ...], Problem]] | None:
    """Each version's problems by identity without jsonschema, when that gives
    what jsonschema would: fastschema finds jsonschema's errors (keyword, path,
    instance), so the value problems it yields sit at the same identities as
    jsonschema's; when none of them is in every version, only pass 1's
    problems are reported, and jsonschema's wording is never needed.
    ``None``: some version needs jsonschema (fastschema cannot tell, or a value
    problem is found in every version).

    Once no identity of a rule pass 2 reports (:data:`_VALUE_RULES`) is in
    every version checked so far, none can be in every version, and what the
    other versions' pass 2 finds (fastschema's or jsonschema's) cannot change
    what is reported: they are not validated (most templates stop after the first)."""
    quick: list[list[Problem]] = []
    common: set[tuple[object, ...]] = set()
    for index, (walk, instance, entry) in enumerate(walks):
        errors = fastschema.errors(walk.version, entry, instance, shared, not walk.odd)
        if errors is None:
            return None
        quick.append(list(_Errors(walk, template).problems(iter(errors))))
        identities = set(_keyed(walk.problems + quick[-1]))
        common = identities if index == 0 else common & identities
        if _settled(common):
            break
    if any(_identity(problem) in common for problems in quick for problem in problems):
        return None
    return [_keyed(walk.problems) for walk, _, _ in walks]


def _settled(common: set[tuple[object, ...]]) -> bool:
    """No identity of a rule pass 2 reports is in ``common`` (in every version checked so far)."""
    return not any(key[0] in _VALUE_RULES for key in common)


def _keyed(problems: list[Problem]) -> dict[tuple[object, ...], Problem]:
    """Problems by identity (a later one at the same identity wins, as in a report of one version)."""
    return {_identity(problem): problem for problem in problems}


def _versions_text(versions: list[str], candidates: tuple[str, ...], misfits: int) -> str:
    """``in every api version from A to B`` (and why only those)."""
    if len(versions) == 1:
        text = f"in api {versions[0]}"
    elif list(candidates[candidates.index(versions[0]):candidates.index(versions[-1]) + 1]) == versions:
        text = f"in every api version from {versions[0]} to {versions[-1]}"
    else:
        text = f"in api {', '.join(versions)}"
    if len(versions) == len(candidates):
        return text
    which = "the version that has" if len(versions) == 1 else "the versions that have"
    return f"{text}, {which} {'the most' if misfits else 'every one'} of the property names and types it uses"


def _identity(problem: Problem) -> tuple[object, ...]:
    """The same problem under two api versions: same rule, same place."""
    document = problem.document.path if problem.document is not None else None
    return problem.rule, id(problem.node), problem.start, problem.end, problem.at_key, document


@cache
def _unions_elsewhere(version: str, steps: Steps) -> tuple[Shape, ...]:
    """The union at ``steps`` in every api version but ``version``, newest first
    (steps name only what the schemas name: a place in them, so few)."""
    found = (schema_data.schema(other).at(steps) for other in reversed(schema_data.api_versions()) if other != version)
    return tuple(shape for shape in found if shape is not None and shape.discriminator is not None)


# -- AIB100 --------------------------------------------------------------------------


def _api_version(template: ImageTemplate) -> tuple[str | None, list[Problem], tuple[str, ...]]:
    """The api version to validate against (``None``: not known), AIB100's
    problems, and the versions to check against when it is not known."""
    every = supported_versions()
    checked = f"checked against every api version from {every[0]} to {every[-1]}; only what is wrong in all of them is reported"
    node = template.api_version_node
    if node is None:
        if template.form in _DEPLOYMENT_FORMS:
            newest = schema_data.newest()
            return None, [_problem("AIB100", Severity.ERROR, f"apiVersion is missing: an ARM deployment needs one "
                                   f'(the newest is "{newest}"); {checked}', template.resource, at_key=True)], every
        return None, [], ()  # a REST body or an `az resource create` file: the client names the version
    resolved = template.resolve(node)
    if not resolved.known:
        allowed, parameter = _allowed_versions(template, node)
        candidates = allowed or every
        what = (f"checked against api {', '.join(candidates)} (its allowedValues)" if allowed else
                f"checked against every api version from {candidates[0]} to {candidates[-1]}")
        how = (f"give parameter '{parameter}' a defaultValue, or pass its value with -p" if parameter else
               "write it as a literal, or as a parameter with a defaultValue or a value passed with -p")
        message = (f"apiVersion cannot be known statically: {what}, and only what is wrong in all of them is "
                   f"reported; for the full check, {how}")
        return None, [_problem("AIB100", Severity.NOTE, message, resolved.node, document=resolved.document)], candidates
    text = resolved.text()
    version = schema_data.canonical_version(text) if text is not None else None
    if version is None:
        shown = json.dumps(resolved.value)
        import difflib  # a suggestion only: not imported by a run that needs none
        close = difflib.get_close_matches(text or "", schema_data.api_versions(), n=1, cutoff=0.8)
        hint = f'did you mean "{close[0]}"? ' if close else ""
        message = (f"unknown apiVersion {shown}: {hint}Microsoft.VirtualMachineImages/imageTemplates has "
                   f"{', '.join(schema_data.api_versions())}; {checked}")
        return None, [_problem("AIB100", Severity.ERROR, message, resolved.node, document=resolved.document)], every
    return version, list(_lifecycle_problems(version, resolved.node, resolved.document)), ()


def candidate_versions(template: ImageTemplate) -> tuple[str, ...]:
    """The api versions ``template`` may be deployed with, oldest first: the
    declared one, or, when it cannot be known, those its parameter's
    ``allowedValues`` names, else every supported one. Version-dependent rules
    report what holds in all of them."""
    node = template.api_version_node
    resolved = template.resolve(node) if node is not None else None
    text = resolved.text() if resolved is not None else None
    version = schema_data.canonical_version(text) if text is not None else None
    if version is not None:
        return (version,)
    allowed = _allowed_versions(template, node)[0] if node is not None and resolved is not None and not resolved.known else ()
    return allowed or supported_versions()


def supported_versions() -> tuple[str, ...]:
    """The api versions a template can still be deployed with (oldest first):
    what an api version that cannot be known may be."""
    return tuple(version for version in schema_data.api_versions() if schema_data.retired_because(version) is None)


def _allowed_versions(template: ImageTemplate, node: JsonNode) -> tuple[tuple[str, ...], str | None]:
    """For ``"[parameters('x')]"``: the api versions x's ``allowedValues`` names
    (empty if it has none aiblint knows), and x."""
    from aiblint.arm.syntax import Call, ExpressionError, StringLiteral, parse

    if not isinstance(node, JsonString) or template.arm_template is None:
        return (), None
    try:
        expression = parse(node.text)
    except ExpressionError:
        return (), None
    if not (isinstance(expression, Call) and expression.name.casefold() == "parameters" and len(expression.args) == 1
            and isinstance(expression.args[0], StringLiteral)):
        return (), None
    name = expression.args[0].value
    declaration = template.context.scope_for(template.arm_template).parameters.get(name.casefold())
    allowed = declaration.get("allowedValues") if declaration is not None else None
    texts = [item.text for item in allowed.items if isinstance(item, JsonString)] if isinstance(allowed, JsonArray) else []
    versions = {version for version in (schema_data.canonical_version(text) for text in texts) if version is not None}
    return tuple(sorted(versions, key=schema_data.order)), name


def _lifecycle_problems(version: str, node: JsonNode, document: Document) -> Iterator[Problem]:
    newest = schema_data.newest()
    retired = schema_data.retired_because(version)
    if retired is not None:
        yield _problem("AIB100", Severity.WARNING, f"api {version} is retired: {retired}; move to {newest}", node,
                       document=document)
        return
    deprecated = schema_data.deprecated_because(version)
    if deprecated is not None:
        yield _problem("AIB100", Severity.WARNING, f"api {version} is {deprecated}; move to {newest}", node,
                       document=document)


# -- pass 1: names, unions, the instance -----------------------------------------------


class _Walked:
    """A value walked under one candidate version, for the others (see :meth:`_Walk._shared`)."""

    __slots__ = ("document", "excused", "flows", "instance", "node", "objected", "odd", "placed", "stops")

    def __init__(self, node: JsonNode, document: Document, instance: Any, placed: list[tuple[Path, _Place]],
                 objected: list[tuple[Path, _Object]], excused: list[tuple[Path, str]],
                 flows: tuple[tuple[int, JsonNode], ...], stops: int, odd: int) -> None:
        self.node = node  # kept: its id stays its own while the walks last
        self.document = document
        self.instance = instance
        self.placed = placed
        self.objected = objected
        self.excused = excused
        self.flows = flows
        self.stops = stops
        self.odd = odd


class _Leaf:
    """A string walked under one candidate version, for the others: where it is
    written, its value and the value flows resolving it records."""

    __slots__ = ("flows", "node", "odd", "place", "value")

    def __init__(self, node: JsonNode, place: _Place, value: Any, flows: tuple[tuple[int, JsonNode], ...],
                 odd: bool) -> None:
        self.node = node  # kept: its id stays its own while the walks last
        self.place = place
        self.value = value
        self.flows = flows
        self.odd = odd


_MAP, _UNION, _RECORD, _OPAQUE = "map", "union", "record", "opaque"  # what a walk makes of an object's shape
_UNSET = object()  # a plan's part not looked up yet


class _Plan:
    """What a walk reads of a shape, read once per shape (a walk asks for each
    one again and again; shapes are made once each and never change: schema_data).
    A plan leads to the plans of its members, items and values, made on first
    use (a schema may reach itself): they depend on the shape alone, as it does."""

    __slots__ = ("_items", "_members", "_values", "_variants", "chosen", "discriminator", "form", "key", "mapping",
                 "shape")

    def __init__(self, shape: Shape) -> None:
        self.shape = shape  # kept: its id stays its own
        schema = shape.schema
        # in the order the walk tells them apart: a map, a union, an object with properties, none of them
        self.form = (_MAP if shape.is_map else _UNION if schema.get("discriminator") is not None
                     else _RECORD if "properties" in schema else _OPAQUE)
        self._members: dict[str, _Plan | None] | None = None  # on first use: most union shapes are only dispatched
        self._items: _Plan | object | None = _UNSET
        self._values: _Plan | object | None = _UNSET
        self.chosen = shape.chosen
        self.discriminator = shape.discriminator
        self.mapping = shape.variants  # a union's variants by discriminator value (the schema's own: not changed)
        self._variants: dict[str | None, _Plan] = {}  # variant -> the plan of the union with it chosen
        self.key: tuple[object, ...] | None = None

    def members(self) -> dict[str, _Plan | None]:
        """:meth:`Shape.members` (a union's or a record's), each member's shape as its plan."""
        members = self._members
        if members is None:
            members = self._members = {name: None if shape is None else _plan(shape)
                                       for name, shape in self.shape.members().items()}
        return members

    def variant(self, value: str | None) -> _Plan:
        """The plan of this union's shape with variant ``value`` chosen (``None``: any):
        ``Shape.choose`` depends on the shape and ``value`` alone, so it is kept per plan and value."""
        found = self._variants.get(value)
        if found is None:
            found = self._variants[value] = _plan(self.shape.choose(value))
        return found

    def items(self) -> _Plan | None:
        """The plan of an array's items (``None``: the schema says nothing of them)."""
        items = self._items
        if items is _UNSET:
            items = self._items = _plan_of(self.shape.child(("i", None)))
        return items  # type: ignore[return-value]  # _UNSET replaced above

    def values(self) -> _Plan | None:
        """The plan of a map's values (``None``: the schema says nothing of them)."""
        values = self._values
        if values is _UNSET:
            values = self._values = _plan_of(self.shape.child(("m", None)))
        return values  # type: ignore[return-value]  # _UNSET replaced above

    def identity(self) -> tuple[object, ...]:
        """The shape as walks under several versions share it: equal exactly when
        the schema node says the same (with all it reaches) and the variant is the same."""
        if self.key is None:
            shape = self.shape
            self.key = (schema_data.schema_key(shape.version, shape.schema), shape.name, shape.variant)
        return self.key


_PLANS: dict[int, _Plan] = {}  # id(shape) -> its plan (which keeps the shape: its id stays its own)


def _plan(shape: Shape) -> _Plan:
    plan = _PLANS.get(id(shape))
    if plan is None or plan.shape is not shape:
        plan = _PLANS[id(shape)] = _Plan(shape)
    return plan


def _plan_of(shape: Shape | None) -> _Plan | None:
    return None if shape is None else _plan(shape)


#: For one template's candidate versions: (node, document, definition, variant, path, steps) -> that
#: value walked; id(node) -> that string's value (an int key: never equal to a tuple)
_Shared = dict[object, "_Walked | _Leaf"]


class _Walk:
    def __init__(self, template: ImageTemplate, version: str, names_only: bool, arm_root: bool,
                 neutral: bool = False, shared: _Shared | None = None) -> None:
        self.template = template
        self.neutral = neutral  # one of several candidate versions: messages name none of them as declared
        self.misfit = 0  # names and types the template uses that this version lacks and another has
        self.version = version
        self.names_only = names_only
        self.arm_root = arm_root
        self.problems: list[Problem] = []
        self.places: dict[Path, _Place] = {}
        self.objects: dict[Path, _Object] = {}
        self.excused: set[tuple[Path, str]] = set()  # required names a misspelt sibling stands for
        self.judged: set[Path] = set()  # values this pass reported; jsonschema's errors on them are dropped
        # the walks of one template under several versions share what they walk alike (see _shared)
        self.shared = shared
        self.versioned = 0  # how often this walk did what depends on its version (a problem, a misfit)
        self.stops = 0  # objects and arrays whose members or items it did not walk (no schema for them)
        # values put in the instance that fastschema does not model (none: it need not look at them again)
        self.odd = 0
        self.placed: list[tuple[Path, _Place]] = []
        self.objected: list[tuple[Path, _Object]] = []
        self.excusing: list[tuple[Path, str]] = []
        self.flows: list[tuple[int, JsonNode]] = []  # the value flows the walk records (see walked)

    # severities and wording ------------------------------------------------------

    @property
    def lenient_severity(self) -> Severity:
        """AIB102-AIB104: an error where the service rejects it, else a warning
        (older api versions accept unknown fields and the wrong case)."""
        return Severity.ERROR if not self.names_only and schema_data.is_strict(self.version) else Severity.WARNING

    def case_message(self, what: str, written: str, right: str, spelt_by: str, older: list[str]) -> str:
        """``what "written" should be "right": why``; ``older``: versions that spelt it ``written``."""
        strict = schema_data.strict_from()
        head = f'{what}"{written}" should be "{right}"'
        if not self.names_only and not self.neutral:
            if schema_data.is_strict(self.version):
                return f"{head}: api {self.version} rejects the wrong case"
            return f"{head}: api {self.version} still accepts the wrong case, {strict} and later reject it"
        earlier = f' (only api {", ".join(older)} spelt it "{written}")' if older else ""
        return f"{head} as api {spelt_by} spells it{earlier}; {strict} and later reject the wrong case"

    def report(self, rule: str, severity: Severity, message: str, node: JsonNode, *, at_key: bool = False,
               document: Document | None = None, fix: Fix | None = None) -> None:
        self.versioned += 1
        self.problems.append(_problem(rule, severity, message, node, at_key=at_key, document=document,
                                      home=self.template.document, fix=fix))

    # values ---------------------------------------------------------------------------

    def value(self, node: JsonNode, document: Document, plan: _Plan | None, path: Path, steps: Steps) -> Any:
        """``node``'s value in the instance, walked under ``plan`` (``None``: no schema for it)."""
        if isinstance(node, JsonString):
            return self._string(node, document, plan, path, steps)
        if isinstance(node, (JsonObject, JsonArray)):
            if plan is not None and self.shared is not None:
                return self._shared(node, document, plan, path, steps)
            return self._container(node, document, plan, path, steps)
        place = (node, document, True)  # a number, true, false or null
        self.places[path] = place
        if self.shared is not None:
            self.placed.append((path, place))
        value = node.value
        if type(value) not in _PLAIN:
            self.odd += not fastschema.modelled(value)
        return value

    def _container(self, node: JsonObject | JsonArray, document: Document, plan: _Plan | None, path: Path,
                   steps: Steps) -> Any:
        """An object's or array's value. Where each member or item is written: in
        ``document`` (``node``'s), unless ``node`` is a value an expression made of
        parts written in several places (the child's parent is not ``node``)."""
        place = (node, document, True)
        self.places[path] = place
        if self.shared is not None:
            self.placed.append((path, place))
        if isinstance(node, JsonObject):
            return self._object(node, document, plan, path, steps)
        item = plan.items() if plan is not None else None
        if item is None:
            self.stops += bool(node.items)
            return []  # no schema for its items (a type error, if any, is about the array itself)
        inner = (*steps, ("i", None))  # every item's steps
        template = self.template
        return [self.value(child, document if child.parent is node else template.document_of(child), item, (*path, index),
                           inner) for index, child in enumerate(node.items)]  # where written: see _container

    def _excuse(self, names: list[tuple[Path, str]]) -> None:
        self.excused.update(names)
        if self.shared is not None:
            self.excusing += names

    def _shared(self, node: JsonObject | JsonArray, document: Document, plan: _Plan, path: Path, steps: Steps) -> Any:
        """:meth:`_container`, or what it gave under another candidate version
        whose schema is the same at this place (a definition equal to this
        one with all it reaches): the same instance (never changed once
        made), places, objects, excused names and value flows, when walking
        it did nothing that depends on the version (no problem, no misfit)."""
        assert self.shared is not None
        key = (id(node), id(document), plan.key if plan.key is not None else plan.identity(), path, steps)
        found = self.shared.get(key)
        if isinstance(found, _Walked) and found.node is node and found.document is document:
            self.places.update(found.placed)
            self.objects.update(found.objected)
            self.excused.update(found.excused)
            self.placed += found.placed
            self.objected += found.objected
            self.excusing += found.excused
            self.template.replay(found.flows)
            self.stops += found.stops
            self.odd += found.odd
            return found.instance
        versioned, stops, odd = self.versioned, self.stops, self.odd
        marks = len(self.placed), len(self.objected), len(self.excusing), len(self.flows)
        instance = self._container(node, document, plan, path, steps)
        if self.versioned == versioned:
            self.shared[key] = _Walked(node, document, instance, self.placed[marks[0]:], self.objected[marks[1]:],
                                       self.excusing[marks[2]:], tuple(self.flows[marks[3]:]), self.stops - stops,
                                       self.odd - odd)
        return instance

    def _string(self, node: JsonString, document: Document, plan: _Plan | None, path: Path, steps: Steps) -> Any:
        shared = self.shared
        if shared is not None:  # a string's value is the same under every version: resolved once
            leaf = shared.get(id(node))  # a string's key is its id alone (an int: no container's key)
            if isinstance(leaf, _Leaf) and leaf.node is node:
                self.places[path] = leaf.place
                self.placed.append((path, leaf.place))
                if leaf.flows:
                    self.template.replay(leaf.flows)  # as resolve replays them
                if leaf.odd:
                    self.odd += 1
                return leaf.value
        whole = self.template.follow(node)  # an object or array known in full, wherever it is written
        if whole is not node and whole is not None:
            return self.value(whole, self.template.document_of(whole), plan, path, steps)
        mark = len(self.flows)
        resolved = self.template.resolve(node)
        known = resolved.value is not UNKNOWN  # resolved.known, without a call
        if known and resolved.node is not node and isinstance(resolved.node, (JsonObject, JsonArray)):
            return self.value(resolved.node, resolved.document, plan, path, steps)
        place = (resolved.node, resolved.document, known)
        value = resolved.value if known else _UNKNOWABLE
        odd = type(value) not in _PLAIN and value is not _UNKNOWABLE and not fastschema.modelled(value)  # a value computed
        self.odd += odd
        self.places[path] = place
        if shared is not None:
            shared[id(node)] = _Leaf(node, place, value, tuple(self.flows[mark:]), odd)
            self.placed.append((path, place))
        return value

    def _object(self, node: JsonObject, document: Document, plan: _Plan | None, path: Path, steps: Steps) -> Any:
        if plan is None or plan.form is _OPAQUE:  # no schema for its members (a type error, if any, is about the object)
            self.stops += bool(node.members)
            return {}
        if plan.form is _MAP:
            values = plan.values()
            inner = (*steps, ("m", None))  # every value's steps
            template = self.template
            return {name: self.value(child, document if child.parent is node else template.document_of(child), values,
                                     (*path, name), inner) for name, child in node.items()}  # where written: see _container
        if plan.form is _UNION:
            plan = self._dispatch(node, plan, path, steps)
            steps = (*steps, ("v", plan.chosen))
        shape = plan.shape
        found = (shape, steps)
        self.objects[path] = found
        if self.shared is not None:
            self.objected.append((path, found))
        known = plan.members()
        at_root = self.arm_root and not path
        out: dict[str, Any] = {}
        target: str | None
        sub: _Plan | None
        for name, child in node.items():
            sub = known.get(name, _ABSENT)
            if sub is None:
                self._read_only(name, child, [shape.version])
                continue
            if sub is not _ABSENT:
                target = name
            elif at_root and name in ARM_TEMPLATE_KEYS:
                continue
            elif name == "copy" and self.template.arm_template is not None:
                self._excuse([(path, made) for made in copy_loop_names(node)])  # ARM makes them
                continue
            else:
                target, elsewhere = self._unknown(name, child, shape, set(node.keys()), path, steps)
                if target is None:
                    continue
                sub = None if elsewhere is None else _plan(elsewhere)
            written = document if child.parent is node else self.template.document_of(child)  # see _container
            value = self.value(child, written, sub, (*path, target), (*steps, ("p", target)))
            if value is not None:  # null (often `if(..., null(), ...)`) is how ARM and Bicep leave a property out
                out[target] = value
        if plan.chosen is not None and plan.discriminator in out:
            out[plan.discriminator] = plan.chosen  # spelt as the schema spells it (any case problem is reported)
        return out

    # discriminated unions -------------------------------------------------------------

    def _dispatch(self, node: JsonObject, plan: _Plan, path: Path, steps: Steps) -> _Plan:
        """The plan of the union ``plan`` with the variant that ``node``'s discriminator names."""
        name = plan.discriminator
        assert name is not None
        member = (name, node.get(name)) if name in node else node.get_ci(name)
        value_node = member[1] if member is not None else None
        resolved = self.template.resolve(value_node) if isinstance(value_node, JsonString) else None
        value = resolved.text() if resolved is not None else None
        if value is None or resolved is None:
            return plan.variant(None)  # missing, or not known: names are checked against every variant
        if value in plan.mapping:
            return plan.variant(value)
        return _plan(self._odd_variant(plan.shape, name, value, resolved, path, steps))

    def _odd_variant(self, shape: Shape, name: str, value: str, resolved: Resolved, path: Path, steps: Steps) -> Shape:
        """The union ``shape`` with the variant meant by ``value``, which names none of its variants (reported)."""
        self.versioned += 1
        others = self._other_versions(steps)
        match = _casefold_match(value, shape.variants)
        if match is not None:
            spelt = [other.version for other in others if value in other.variants]
            self._judged_value(path, name, "AIB103", self.case_message(
                f"{shape.kind} {name} ", value, match, shape.version, sorted(spelt, key=schema_data.order)), resolved,
                None if self.names_only else case_fix(self.template, resolved.node, match))
            return shape.choose(match)
        later = [other for other in others if value in other.variants]
        self.misfit += bool(later)  # a type another version has
        if self.names_only:
            for other in [*later, *others]:  # newest first: a variant only older versions have (ISO)
                match = value if value in other.variants else _casefold_match(value, other.variants)
                if match is not None:
                    return other.choose(match)
        elif later and schema_data.order(later[-1].version) > schema_data.order(self.version):
            if schema_data.honoured_before_schema(self.version, steps, name, value):
                self.judged.add((*path, name))  # the version's quickstarts use it and the service applied it
                return later[-1].choose(value)
            self._too_new_value(path, name, f"{shape.kind} {name} ", value, later[-1].version, resolved)
        return shape.choose(None)  # not a valid type: the enum error says so

    def _other_versions(self, steps: Steps) -> tuple[Shape, ...]:
        return _unions_elsewhere(self.version, steps)

    def _judged_value(self, path: Path, name: str, rule: str, message: str, resolved: Resolved,
                      fix: Fix | None = None) -> None:
        self.judged.add((*path, name))
        self.report(rule, self.lenient_severity, message, resolved.node, document=resolved.document, fix=fix)

    def _too_new_value(self, path: Path, name: str, what: str, value: str, since: str, resolved: Resolved) -> None:
        self._judged_value(path, name, "AIB104", f'{what}"{value}" exists only from api {since} on; this template '
                           f"declares api {self.version}: raise apiVersion or use another value", resolved)

    # names ----------------------------------------------------------------------------

    def _read_only(self, name: str, child: JsonNode, versions: list[str]) -> None:
        since = versions[0] if len(versions) == 1 else f"{versions[0]} and later"
        self.report("AIB105", Severity.WARNING,
                    f'"{name}" is read-only (api {since}): the service sets it and a request must not; remove it',
                    child, at_key=True)

    def _unknown(self, name: str, child: JsonNode, shape: Shape, present: set[str], path: Path,
                 steps: Steps) -> tuple[str | None, Shape | None]:
        """Report a name ``shape`` does not know; return the name to validate
        its value under (``None``: leave it out) and that value's schema."""
        self.versioned += 1
        writable, allowed = shape.writable()
        match = _casefold_match(name, writable)
        having, read_only = _name_history(steps, name)
        if match is not None:
            spelt = list(having)
            fix = None if self.names_only or _spelt_twice(child, match) else case_fix(self.template, member_key(child), match)
            self.report("AIB103", self.lenient_severity,
                        self.case_message("", name, match, shape.version, spelt), child, at_key=True, fix=fix)
            return (None, None) if match in present else (match, shape.owner.shape(writable[match]))
        if read_only:
            self._read_only(name, child, list(read_only))
            return None, None
        if having and (self.names_only or (shape.discriminator is not None and shape.chosen is None)):
            # the version or the variant is not known, and some version knows this name
            elsewhere = schema_data.schema(having[-1]).at((*steps, ("p", name)))
            return (name, elsewhere) if self.names_only else (None, None)
        if having and schema_data.order(having[0]) > schema_data.order(self.version):
            if schema_data.honoured_before_schema(self.version, steps, name):
                return None, None  # the version's quickstarts use it and the service applied it
            self.misfit += 1
            self.report("AIB104", self.lenient_severity,
                        f'"{name}" exists only from api {having[0]} on; this template declares api {self.version}: '
                        f"raise apiVersion or remove it", child, at_key=True)
            return None, None
        self.misfit += bool(having)  # a name another version has (removed in this one)
        self._unknown_name(name, child, shape, writable, allowed, present, path, having)
        return None, None

    def _unknown_name(self, name: str, child: JsonNode, shape: Shape, writable: dict[str, Any], allowed: str,
                      present: set[str], path: Path, having: tuple[str, ...]) -> None:
        suggestion = _did_you_mean(name, tuple(key for key in writable if key not in present))
        if suggestion is not None and suggestion in shape.required():
            self.excused.add((path, suggestion))
        removed = f" (api {having[-1]} was the last to have it)" if having else ""
        hint = f': did you mean "{suggestion}"?' if suggestion else ""
        self.report("AIB102", self.lenient_severity,
                    f'unknown property "{name}" in {self.where(shape, path)}{removed}{hint} '
                    f"(api {shape.version} allows {allowed or 'no properties'})", child, at_key=True)

    def where(self, shape: Shape, path: Path) -> str:
        if shape.discriminator is not None:
            return f"a {shape.chosen} {shape.kind}" if shape.chosen else f"a {shape.kind}"
        if not path:
            return "the image template" if self.arm_root else "properties"
        return _relative(path, self.arm_root)


# -- pass 2: jsonschema errors -> findings ----------------------------------------------


@cache
def _validator(version: str, entry: str) -> Any:
    """One validator per api version (and entry point), built once per process."""
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    data = schema_data.schema(version)
    registry: Registry[Any] = Registry().with_resource(data.uri, DRAFT202012.create_resource(data.document))
    return Draft202012Validator({"$ref": f"{data.uri}#/$defs/{entry}"}, registry=registry)


class _Errors:
    """Turns jsonschema errors over the walk's instance into AIB101/AIB103 problems."""

    def __init__(self, walk: _Walk, template: ImageTemplate) -> None:
        self.walk = walk
        self.template = template
        self.version = walk.version
        self.typed: set[Path] = set()

    def problems(self, errors: Iterator[Any]) -> Iterator[Problem]:
        # an error about a value aiblint cannot know makes no problem and changes nothing (see value): left
        # out before sorting (most of fastschema's errors on the corpus: 1,270 of 1,440 a pass)
        kept = [error for error in errors if error.instance is not _UNKNOWABLE or error.validator not in _VALUE_KEYWORDS]
        ordered = sorted(kept, key=lambda error: error.validator != "type")  # type errors first
        missing: dict[Path, list[str]] = {}
        for error in ordered:
            path: Path = tuple(error.absolute_path)
            if error.validator == "required":
                if isinstance(error.instance, dict):
                    names = missing.setdefault(path, [])
                    names += [name for name in error.validator_value if name not in error.instance and name not in names]
            elif error.validator in _VALUE_KEYWORDS:
                problem = self.value(error, path)
                if problem is not None:
                    yield problem
            else:  # the generated schemas use no other keyword; say what jsonschema says
                place = self.place(path)
                if place is not None and place[2]:
                    yield self.problem("AIB101", Severity.ERROR, f"{error.message} (api {self.version})", place)
        for path, names in missing.items():
            problem = self.missing(path, names)
            if problem is not None:
                yield problem

    def place(self, path: Path) -> _Place | None:
        for cut in range(len(path), -1, -1):
            place = self.walk.places.get(path[:cut])
            if place is not None:
                return place
        return None

    def problem(self, rule: str, severity: Severity, message: str, place: _Place, at_key: bool = False,
                fix: Fix | None = None) -> Problem:
        return _problem(rule, severity, message, place[0], at_key=at_key, document=place[1],
                        home=self.template.document, fix=fix)

    def missing(self, path: Path, names: list[str]) -> Problem | None:
        """One problem for every required property ``path``'s object lacks."""
        found = self.walk.objects.get(path)
        place = self.place(path)
        if found is None or place is None:
            return None
        names = [name for name in names if (path, name) not in self.walk.excused
                 and not _missing_reported_elsewhere(self.template, found, path, name)]
        if not names:
            return None
        quoted = [f'"{name}"' for name in names]
        listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"
        verb, pronoun = ("is", "it") if len(names) == 1 else ("are", "them")
        where = self.walk.where(found[0], path)
        return self.problem("AIB101", Severity.ERROR,
                            f"{listed} {verb} missing: api {self.version} requires {pronoun} in {where}", place, at_key=True)

    def value(self, error: Any, path: Path) -> Problem | None:
        if error.instance is _UNKNOWABLE:
            return None
        place = self.place(path)
        if place is None or not place[2] or path in self.typed:
            return None
        if path in self.walk.judged:
            return None
        if path[:1] == ("apiVersion",) or (path[:1] == ("type",) and self.walk.arm_root):
            return None  # AIB100 and AIB218 judge these
        what = self.what(path)
        keyword = error.validator
        if keyword == "type":
            self.typed.add(path)
            expected = error.validator_value
            names = [str(item) for item in (expected if isinstance(expected, list) else [expected])]
            wanted = " or ".join(_TYPE_WORDS.get(name, name) for name in names)
            return self.problem("AIB101", Severity.ERROR,
                                f"{what} is {_describe(error.instance)}; api {self.version} expects {wanted}", place)
        if keyword == "enum":
            return self.enum(error, path, what, place)
        if keyword == "pattern":
            return self.problem("AIB101", Severity.ERROR,
                                f"{what} {json.dumps(error.instance)} {_pattern_words(error.validator_value, error.instance)} "
                                f"(api {self.version})", place)
        if keyword in ("minimum", "maximum"):
            return self.problem("AIB101", Severity.ERROR,
                                f"{what} is {json.dumps(error.instance)}; api {self.version} allows {_range(error.schema)}",
                                place)
        return self.problem("AIB101", Severity.ERROR, f"{what}: {error.message} (api {self.version})", place)

    def enum(self, error: Any, path: Path, what: str, place: _Place) -> Problem | None:
        value = error.instance
        allowed = [str(item) for item in error.validator_value]
        match = _casefold_match(value, allowed) if isinstance(value, str) else None
        if match is not None:
            return self.problem("AIB103", self.walk.lenient_severity,
                                self.walk.case_message(f"{what} ", value, match, self.version, []), place,
                                fix=case_fix(self.template, place[0], match))
        if _identity_type(path, self.walk.arm_root):
            return None  # AIB203 reports an identity that is not UserAssigned
        later = self.introduced(path, value)
        if later is not None:
            return self.problem("AIB104", self.walk.lenient_severity,
                                f"{what} {json.dumps(value)} exists only from api {later} on; this template declares "
                                f"api {self.version}: raise apiVersion or use one of {', '.join(allowed)}", place)
        message = f"{what} {json.dumps(value)} is not allowed in api {self.version}: use one of {', '.join(allowed)}"
        import difflib  # a suggestion only: not imported by a run that needs none
        close = difflib.get_close_matches(str(value), allowed, n=1, cutoff=0.6)
        if close:
            message += f'; did you mean "{close[0]}"?'
        return self.problem("AIB101", Severity.ERROR, message, place)

    def introduced(self, path: Path, value: Any) -> str | None:
        steps = self.steps(path)
        if steps is None:
            return None
        history = schema_data.enum_by_version(steps)
        later = [version for version, values in history.items()
                 if value in values and schema_data.order(version) > schema_data.order(self.version)]
        return later[0] if later else None

    def steps(self, path: Path) -> Steps | None:
        """Schema steps of an instance path under a recorded object."""
        for cut in range(len(path) - 1, -1, -1):
            found = self.walk.objects.get(path[:cut])
            if found is not None:
                rest = path[cut:]
                if all(isinstance(part, str) for part in rest):
                    return (*found[1], *(("p", str(part)) for part in rest))
                return None
        return None

    def what(self, path: Path) -> str:
        parent = self.walk.objects.get(path[:-1])
        last = path[-1] if path else ""
        if parent is not None and last == parent[0].discriminator:
            return f"{parent[0].kind} {last}"
        if isinstance(last, int):
            names = [part for part in path if isinstance(part, str)]
            return f"{names[-1] if names else ''}[{last}]"
        return str(last)


def _missing_reported_elsewhere(template: ImageTemplate, found: _Object, path: Path, name: str) -> bool:
    """Missing properties that a more specific rule reports: the envelope a
    client supplies outside a deployment template, AIB100's apiVersion,
    AIB203's identity, AIB214's replicationRegions, AIB207's ISO checksum."""
    shape = found[0]
    if not path and shape.name == schema_data.RESOURCE_DEF:
        if name == "identity" or name == "apiVersion":
            return True
        return name in _ENVELOPE and template.form not in _DEPLOYMENT_FORMS
    variant = (shape.chosen or "").casefold()
    return (variant, name) in {("sharedimage", "replicationRegions"), ("iso", "sha256Checksum")}


def _identity_type(path: Path, arm_root: bool) -> bool:
    return arm_root and path == ("identity", "type")


# -- helpers -----------------------------------------------------------------------------


def _problem(rule: str, severity: Severity, message: str, node: JsonNode, *, at_key: bool = False,
             document: Document | None = None, home: Document | None = None, fix: Fix | None = None) -> Problem:
    other = document if document is not None and document is not home else None
    return Problem(message, node=node, at_key=at_key, rule=rule, severity=severity, document=other, fix=fix)


def case_fix(template: ImageTemplate, token: JsonNode | None, right: str) -> Fix | None:
    """AIB103's fix: respell a name or value written in the template resource
    itself (not a parameter default that other places may use), only when the
    token holds the text plainly (no escapes) and differs from ``right`` in case only."""
    if not isinstance(token, JsonString) or token.text.casefold() != right.casefold() or not _inside(token, template.resource):
        return None
    from aiblint.fixes import replace_string  # a fix is built only for a finding

    return replace_string(template.document, token, right, f'write "{right}"')


def _spelt_twice(child: JsonNode, name: str) -> bool:
    """The object holding ``child`` writes ``name`` more than once, in any case
    (`VmSize` and `VMSIZE`, or `VmSize` twice): respelling one would write a key
    twice, or leave two spellings, and which value counts would depend on the parser."""
    parent = child.parent
    folded = name.casefold()
    return isinstance(parent, JsonObject) and sum(key.text.casefold() == folded for key, _ in parent.members) > 1


def _inside(node: JsonNode, root: JsonNode) -> bool:
    current: JsonNode | None = node
    while current is not None and current is not root:
        current = current.parent
    return current is root


def _casefold_match(name: str, known: Any) -> str | None:
    folded = name.casefold()
    return next((key for key in known if key.casefold() == folded and key != name), None)


@lru_cache(maxsize=1024)  # each candidate api version asks again; names are the user's: bounded
def _name_history(steps: Steps, name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The api versions whose schema has property ``name`` at ``steps``, and
    those where it is read-only, oldest first. It depends on nothing else (the
    shipped schemas): computed once per place and name, not once per version walked."""
    history = schema_data.properties_by_version(steps)
    having = tuple(version for version, names in history.items() if name in names)
    read_only = tuple(version for version, names in history.items() if names.get(name, {}).get("readOnly"))
    return having, read_only


@lru_cache(maxsize=1024)  # each candidate api version asks again; names are the user's: bounded
def _did_you_mean(name: str, candidates: tuple[str, ...]) -> str | None:
    """``valid_exit_codes`` -> ``validExitCodes``, ``scriptUrl`` -> ``scriptUri``, ``tags`` -> ``artifactTags``."""
    squashed = _squash(name)
    for candidate in candidates:
        if _squash(candidate) == squashed:
            return candidate
    folded = {candidate.casefold(): candidate for candidate in candidates}
    import difflib  # a suggestion only: not imported by a run that needs none
    close = difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=0.75)
    if close:
        return folded[close[0]]
    # the last word of the name meant: "tags" for artifactTags, "uri" for scriptUri
    endings = [candidate for candidate in candidates if len(squashed) >= 3 and _squash(candidate).endswith(squashed)]
    return endings[0] if len(endings) == 1 else None


def _squash(name: str) -> str:
    return "".join(char for char in name.casefold() if char.isalnum())


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"{json.dumps(value)} (a boolean)"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"a string ({json.dumps(shown)})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return "null" if value is None else repr(value)


def _range(schema: dict[str, Any]) -> str:
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        return f"{low} to {high}"
    return f"at least {low}" if low is not None else f"at most {high}"


def _relative(path: Path, arm_root: bool) -> str:
    from aiblint.jsontree import format_path

    parts = path if arm_root else ("properties", *path)
    return format_path(parts)


#: ``^[A-Za-z0-9-_.]{1,64}$``: a character class and a length, the only patterns the schemas use.
_CLASS_PATTERN = lazy(r"\^\[(?P<chars>[^\]]+)\]\{(?P<low>\d+),(?P<high>\d+)\}\$\Z")
_RANGES = {"A-Za-z": "letters", "a-zA-Z": "letters", "A-Z": "capital letters", "a-z": "small letters", "0-9": "digits"}


def _pattern_words(pattern: object, value: object) -> str:
    """What a value must be, in words (``must be 1 to 64 letters, digits, '-', '_' or '.'``),
    and why this one is not: users should not have to read a regular expression."""
    match = _CLASS_PATTERN().match(str(pattern))
    if match is None or not isinstance(value, str):
        return "is not in the form the schema requires"
    chars, low, high = match["chars"], int(match["low"]), int(match["high"])
    kinds: list[str] = []
    allowed = ""
    for span, word in _RANGES.items():
        if span in chars:
            chars = chars.replace(span, "")
            kinds.append(word)
            allowed += "".join(chr(code) for code in range(ord(span[0]), ord(span[2]) + 1))
            if len(span) == 6:  # two ranges: A-Za-z
                allowed += "".join(chr(code) for code in range(ord(span[3]), ord(span[5]) + 1))
    kinds += [f"'{char}'" for char in chars]
    allowed += chars
    listed = ", ".join(kinds[:-1]) + f" or {kinds[-1]}" if len(kinds) > 1 else kinds[0]
    rule = f"must be {low} to {high} {listed}"
    bad = sorted({char for char in value if char not in allowed})
    if bad:
        return f"{rule}; {', '.join(repr(char) for char in bad)} {'is' if len(bad) == 1 else 'are'} not allowed"
    if not low <= len(value) <= high:
        return f"{rule}; it has {len(value)}"
    return rule
