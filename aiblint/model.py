"""Find the image templates in a loaded document, in whatever wrapping they come.

Forms seen in the corpus and the official samples:

* ``bare``: the file is the resource object (``{"type": "Microsoft.VirtualMachineImages/imageTemplates", ...}``)
* ``deployment``: a resource in an ARM deployment template's ``resources``
  (an array, or an object of symbolic names in language version 2.0),
  including child resources and nested ``Microsoft.Resources/deployments``
  templates at any depth
* ``rest-example``: the ``x-ms-examples`` envelope of the REST specs; the
  request body is a member of ``parameters`` that has ``properties``
* ``properties-only``: the bare ``properties`` object of a template (a REST
  body fragment): ``source`` and ``distribute`` or ``customize`` at the top
* ``resource-body``: the resource without ``type`` (the body given to
  ``az resource create --is-full-object``): a ``properties`` object that holds
  ``source`` and ``distribute`` or ``customize``
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeGuard, TypeVar, cast

from aiblint.arm.copyloop import copy_loop, copy_loop_names
from aiblint.arm.scope import ArmContext, arm_resolved, deployment_of, literal  # here, not in methods: see _evaluate
from aiblint.arm.structure import is_computed, loop_items, whole_value, written_at
from aiblint.document import Document
from aiblint.jsontree import JsonArray, JsonNode, JsonObject, JsonScalar, JsonString
from aiblint.substitution import has_token, partial_without_tokens, without_tokens
from aiblint.values import UNKNOWN, PartialString, Resolved, is_expression, resolve_literal, written_in

__all__ = ["IMAGE_TEMPLATE_TYPE", "ImageTemplate", "copy_loop_names", "find_templates", "is_template_resource"]

IMAGE_TEMPLATE_TYPE = "Microsoft.VirtualMachineImages/imageTemplates"
#: Value flows in the order resolving recorded them: (id(origin node), template field).
Flows = tuple[tuple[int, JsonNode], ...]
_T = TypeVar("_T")
_TEMPLATE_TYPES = {IMAGE_TEMPLATE_TYPE.casefold(), "microsoft.virtualmachineimages"}
_DEPLOYMENT_TYPE = "microsoft.resources/deployments"
_BODY_KEYS = ("source", "customize", "distribute")
_UNSEEN: object = object()  # a memo's "not worked out yet", where None is an answer
#: What an ImageTemplate is made of (its constructor's arguments); the rest of its attributes are memos.
_FIELDS = frozenset(("document", "resource", "form", "arm_template", "api_version_override", "arm"))


class ImageTemplate:
    """One image template resource and the places its parts are written.

    Accessors return nodes (never plain values) so that rules can point at
    them. A part that is missing or of the wrong JSON type is ``None`` or an
    empty list here; the schema rules report the shape problems.
    """

    # No __slots__: aiblint.scripts.units keeps what it computes in the instance's __dict__.
    document: Document
    resource: JsonObject  # holds type/apiVersion/location/identity/properties
    form: str
    arm_template: JsonObject | None  # innermost enclosing deployment template
    api_version_override: JsonNode | None  # rest-example: parameters['api-version']
    arm: ArmContext | None  # expression scopes and bound parameters files (set by the engine)
    #: id(origin node) -> template fields whose value came from it unchanged, as
    #: resolved since the engine last cleared this (it does before each rule).
    flows: dict[int, list[JsonNode]]
    _folds_case: bool | None
    #: id(node written elsewhere) -> the template field whose whole value holds it (see follow)
    embeds: dict[int, JsonNode]
    _followed: dict[int, JsonNode | None]
    _loops: dict[int, list[JsonNode] | None]
    #: id(node) -> (node, its value, the flows resolving it records): see resolve
    _resolved: dict[int, tuple[JsonNode, Resolved, Flows]]
    #: (id(holder), name) -> (holder, the property read as the service reads it, followed): see member
    _members: dict[tuple[int, str], tuple[JsonNode | None, JsonObject | None, JsonNode | None, JsonNode | None]]
    #: (id(holder), name) -> (holder, the key token of that property): see member_key
    _member_keys: dict[tuple[int, str], tuple[JsonNode | None, JsonString | None]]
    #: (id(holder), name) -> (holder, the array's objects): see _items
    _arrays: dict[tuple[int, str], tuple[JsonObject, list[JsonObject]]]
    #: id(parent node) -> (that node, the root above it, the innermost deployment template at or above it): see _locate
    _placed: dict[int, tuple[JsonNode, JsonNode, JsonObject | None]]
    _properties: tuple[JsonObject | None] | None  # see properties
    _resolved_under: ArmContext | None  # the context _resolved holds values of
    _recording: list[tuple[int, JsonNode]] | None  # see recorded_flows
    #: name -> (the evaluation context, the answer, its value flows): see remembered
    _remembered: dict[str, tuple[ArmContext | None, object, Flows]]

    def __init__(
        self,
        document: Document,
        resource: JsonObject,
        form: str,
        arm_template: JsonObject | None = None,
        api_version_override: JsonNode | None = None,
        arm: ArmContext | None = None,
    ) -> None:
        self.document = document
        self.resource = resource
        self.form = form
        self.arm_template = arm_template
        self.api_version_override = api_version_override
        self.arm = arm
        self._start_memos()

    def _start_memos(self) -> None:
        self.flows = {}
        self._folds_case = None
        self.embeds = {}
        self._followed = {}
        self._loops = {}
        self._resolved = {}
        self._members = {}
        self._member_keys = {}
        self._arrays = {}
        self._placed = {}
        self._properties = None
        self._resolved_under = None
        self._recording = None
        self._remembered = {}

    def forget(self) -> None:
        """Drop what was worked out about this template (its values, members, value flows, and
        what other modules keep on it: script units, schema problems, locations...): its file's
        rules are done. A run keeps the template until the chunk's batch rules have run (its
        script units point at it; those rules read its document and path only), and what it
        worked out, tens of thousands of objects a chunk, then went only at a garbage collection
        (the units and the template point at each other), walked by each young collection in
        between. Each memo, asked again, is worked out again, the same: it depends on the
        template's fields and its :attr:`arm` context, which are kept."""
        kept = vars(self)
        for name in [name for name in kept if name not in _FIELDS]:
            del kept[name]
        self._start_memos()

    def __repr__(self) -> str:
        return (f"ImageTemplate(document={self.document!r}, resource={self.resource!r}, form={self.form!r}, "
                f"arm_template={self.arm_template!r}, api_version_override={self.api_version_override!r}, "
                f"arm={self.arm!r})")

    # -- values --------------------------------------------------------------------

    def resolve(self, node: JsonNode) -> Resolved:
        """The value of ``node`` as far as it can be known, and where it is
        written. Rules read values through this, never through ``node.value``,
        so that ARM expressions and placeholders are never judged.

        In a deployment template, expressions are evaluated over parameter
        defaults, bound parameters files, variables and pure functions. A value
        that comes unchanged from a parameter default, a parameters file or a
        variable is reported as written there (``Resolved.node``/``.document``),
        and the field it flows into is remembered for the finding.

        A value holding a pipeline's substitution token (``#{location}#``,
        ``${gallery_image_id}``: :mod:`aiblint.substitution`) is not known
        either, except in ``inline`` script lines, where ``${x}`` is shell.

        Computed once per node for this template (rules ask for the same
        fields again and again); a repeated call records the same value flows
        again, as the engine clears them for every rule."""
        known = self._resolved.get(id(node))
        if known is not None and self.arm is self._resolved_under:  # the common case first
            flows = known[2]
            if flows:
                self.replay(flows)
            return known[1]
        if self.arm is not self._resolved_under:  # parameters bound since: values may differ
            self._resolved.clear()
            self._resolved_under = self.arm
        if self.document.evaluator is None and _as_written(node):
            # What evaluating finds, without the work: the value as written, at the node, in the
            # document it is written in (this template's or a parameters file), no value flow.
            resolved = Resolved(node.value, node, self.document if self.arm_template is None else self.document_of(node))
            self._resolved[id(node)] = (node, resolved, ())  # the node kept: its id stays its own
            return resolved
        # recorded_flows, written out: this runs once per node of every template
        outer, self._recording = self._recording, []
        try:
            resolved = self._evaluate(node)
            resolved = resolved if _is_script_line(node) else _tokens_unknown(resolved)
            recorded = tuple(self._recording)
        finally:
            self._recording = outer
        self._resolved_under = self.arm  # evaluating may have made the context (see context)
        self._resolved[id(node)] = (node, resolved, recorded)  # the node kept: its id stays its own
        if recorded:
            self.replay(recorded)
        return resolved

    @contextmanager
    def recorded_flows(self) -> Iterator[list[tuple[int, JsonNode]]]:
        """Value flows resolved inside are recorded in the list it gives, in
        order, instead of in :attr:`flows`: work computed once and reused
        replays them (:meth:`replay`) each time it is used."""
        outer, self._recording = self._recording, []
        try:
            yield self._recording
        finally:
            self._recording = outer

    def remembered(self, name: str, compute: Callable[[], _T]) -> _T:
        """``compute()``, once per template and evaluation context (:attr:`arm`: a parameters
        file bound since makes it computed again); each call replays the value flows that
        computing it recorded, as computing it again would. For answers that depend on this
        template alone (and packaged data), which several rules ask for: ``name`` says which.
        The answer is shared: it must not be changed by a caller."""
        found = self._remembered.get(name)
        if found is None or found[0] is not self.arm:
            with self.recorded_flows() as flows:
                answer = compute()
            found = self._remembered[name] = (self.arm, answer, tuple(flows))
        self.replay(found[2])
        return cast(_T, found[1])

    def replay(self, flows: Flows | list[tuple[int, JsonNode]]) -> None:
        """Record ``flows`` (from :meth:`recorded_flows`) again: :meth:`_flow` for each, in order."""
        recording = self._recording
        if recording is not None:
            recording.extend(flows)
            return
        table = self.flows
        for origin, field_node in flows:
            table.setdefault(origin, []).append(field_node)

    def _flow(self, origin: int, node: JsonNode) -> None:
        if self._recording is not None:
            self._recording.append((origin, node))
        else:
            self.flows.setdefault(origin, []).append(node)

    def _evaluate(self, node: JsonNode) -> Resolved:
        evaluator = self.document.evaluator
        if evaluator is not None:  # a language that evaluates its own expressions (Bicep)
            resolved = evaluator.resolve(node)
            if resolved.node is not node:
                self._flow(id(resolved.node), node)
            return resolved
        if self.arm_template is None:
            return resolve_literal(node, written_in(node, self.document))
        # The arm modules are imported at the top, not here: an import statement costs a
        # microsecond or more each time it runs (a run imports them whenever it binds or reports).
        if is_computed(node):
            return self._computed(node)
        document, template = self._locate(node)
        try:
            if document is not self.document or template is None:  # a parameters file: read as written
                result = literal(node, document)
            else:
                result = self.context.scope_for(template).value_of(node)
        except RecursionError:  # pathological nesting: not knowable, never a crash
            return Resolved(UNKNOWN, node, self.document)
        found = arm_resolved(result, node, document)
        if found.node is not node:
            self._flow(id(found.node), node)
        return found

    # -- property names, read as the service reads them ------------------------------

    @property
    def names_fold_case(self) -> bool:
        """The service matches property names without regard to case for this
        template: under every api version before 2024-02-01, and under one
        aiblint cannot know (it may be one of those)."""
        if self._folds_case is None:
            from aiblint import schema_data

            node = self.api_version_node
            # Computed once: its value flow is recorded where it is computed, never
            # replayed with work that happened to compute it (recorded_flows).
            recording, self._recording = self._recording, None
            try:
                text = self.resolve(node).text() if node is not None else None
            finally:
                self._recording = recording
            version = schema_data.canonical_version(text) if text is not None else None
            self._folds_case = version is None or not schema_data.is_strict(version)
        return self._folds_case

    def member(self, holder: JsonNode | None, name: str) -> JsonNode | None:
        """``holder``'s property ``name`` as the service reads it: spelt exactly,
        or in another case where :attr:`names_fold_case`. Rules read template
        properties through this, so that none calls a property missing that
        the service reads (AIB103 reports the spelling). Both ``holder`` and
        the property are followed (:meth:`follow`): a whole value written
        elsewhere reads as if written in place.

        Worked out once per holder and name for this template (rules ask for the
        same properties again and again): the answer depends on the holder, the
        name, :attr:`names_fold_case` (worked out once) and what :meth:`follow`
        finds (:attr:`_followed`: once per node, kept for the template's life, as
        are the fold and the loops). It records no value flow, so a repeated
        call has nothing to replay."""
        key = (id(holder), name)
        known = self._members.get(key)
        if known is None:
            followed, node = self._member_node(holder, name)
            # follow(node), without the call when it has nothing to follow (not a string)
            whole = self.follow(node) if isinstance(node, JsonString) else node
            known = (holder, followed, node, whole)  # the holder kept: its id stays its own
            self._members[key] = known
        return known[3]

    def member_key(self, holder: JsonNode | None, name: str) -> JsonString | None:
        """The key token of :meth:`member` (to point at the property name), worked
        out once per holder and name, as :meth:`member` is."""
        key = (id(holder), name)
        found = self._member_keys.get(key)
        if found is None:
            known = self._members.get(key)
            followed, node = (known[1], known[2]) if known is not None else self._member_node(holder, name)
            written = None if followed is None or node is None else next(
                (each for each, value in followed.members if value is node), None)
            found = self._member_keys[key] = (holder, written)  # the holder kept: its id stays its own
        return found[1]

    def _member_node(self, holder: JsonNode | None, name: str) -> tuple[JsonObject | None, JsonNode | None]:
        """``holder`` followed, and its property ``name`` as the service reads it (not followed)."""
        followed = self.follow(holder) if isinstance(holder, JsonString) else holder  # only a string is followed
        if not isinstance(followed, JsonObject):
            return None, None
        node = followed.get(name)
        if node is None and self.names_fold_case:
            found = followed.get_ci(name)
            node = found[1] if found is not None else None
        return followed, node

    def _computed(self, node: JsonNode) -> Resolved:
        """A node an expression made (:mod:`aiblint.arm.structure`): its value,
        reported at the expression."""
        written = written_at(node)
        value: object
        if isinstance(node, JsonArray):
            items = [self._evaluate(item).value for item in node.items]
            value = UNKNOWN if any(item is UNKNOWN for item in items) else items
        elif isinstance(node, JsonObject):
            members = {name: self._evaluate(child).value for name, child in node.items()}
            value = UNKNOWN if any(item is UNKNOWN for item in members.values()) else members
        else:
            value = getattr(node, "computed", UNKNOWN)
        partial = value if isinstance(value, PartialString) else None
        return Resolved(UNKNOWN if partial is not None else value, written, self.document, partial)

    @property
    def context(self) -> ArmContext:
        if self.arm is None:
            self.arm = ArmContext(self.document)
        return self.arm

    def _locate(self, node: JsonNode) -> tuple[Document, JsonObject | None]:
        """The document ``node`` is written in, and (in this template's document)
        the innermost deployment template that holds it."""
        root, template = self._placement(node)
        if root is self.document.root:
            return self.document, template if template is not None else self.arm_template_root()
        return self.document_of_root(root), None

    def _placement(self, node: JsonNode) -> tuple[JsonNode, JsonObject | None]:
        """The root above ``node`` and the innermost deployment template at or above it.

        Worked out once per parent for this template (siblings share it): the answer
        depends on the tree above the node alone, which does not change once loaded."""
        parent = node.parent
        if parent is None:
            return node, None  # a root is never a nested template: that is a member named "template"
        known = self._placed.get(id(parent))
        if known is None:
            template: JsonObject | None = None
            current: JsonNode | None = parent
            root = parent
            while current is not None:
                if template is None and _is_nested_template(current):
                    template = current
                root = current
                current = current.parent
            known = self._placed[id(parent)] = (parent, root, template)  # the parent kept: its id stays its own
        if _is_nested_template(node):
            return known[1], node
        return known[1], known[2]

    def arm_template_root(self) -> JsonObject | None:
        root = self.document.root
        return root if isinstance(root, JsonObject) else None

    def document_of_root(self, root: JsonNode) -> Document:
        values = self.arm.parameter_values if self.arm is not None else None
        for document in values.documents if values is not None else []:
            if document.root is root:
                return document
        return self.document

    def document_of(self, node: JsonNode) -> Document:
        """The document ``node`` is written in: this template's or a bound parameters file."""
        root = self._placement(node)[0]
        return self.document if root is self.document.root else self.document_of_root(root)

    def follow(self, node: JsonNode | None) -> JsonNode | None:
        """The node that stands for the whole value of ``node``: ``node`` itself,
        or, for an expression whose value is an object or array known in full,
        that value (written in a variable, a parameter default or a parameters
        file, or combined by functions: :mod:`aiblint.arm.structure`). Rules
        read nested objects through the accessors here, which follow."""
        if self.arm_template is None or not isinstance(node, JsonString) or not is_expression(node.text):
            return node
        if is_computed(node):
            return node  # made by an expression already: its text is not one to evaluate
        key = id(node)
        found = self._followed.get(key, _UNSEEN)
        if found is _UNSEEN:
            found = self._followed[key] = self._whole(node)
        return found if found is not None else node  # type: ignore[return-value]

    def _whole(self, node: JsonString) -> JsonNode | None:
        document, template = self._locate(node)
        if document is not self.document or template is None:
            return None  # a parameters file holds no expressions
        try:
            shape = whole_value(self.context.scope_for(template), node)
        except RecursionError:
            return None
        if shape is None:
            return None
        for part in shape.embedded:
            self.embeds.setdefault(id(part), written_at(node))
        return shape.node

    # -- top level -----------------------------------------------------------------

    @property
    def properties(self) -> JsonObject | None:
        """Worked out once for this template (every rule asks): :meth:`member` is, and
        the form and the resource never change."""
        found = self._properties
        if found is None:
            node = self.resource if self.form == "properties-only" else self.member(self.resource, "properties")
            found = self._properties = (node if isinstance(node, JsonObject) else None,)
        return found[0]

    @property
    def type_node(self) -> JsonNode | None:
        return self.resource.get("type")

    @property
    def api_version_node(self) -> JsonNode | None:
        return self.api_version_override or self.resource.get("apiVersion")

    @property
    def api_version(self) -> str | None:
        node = self.api_version_node
        return node.text if isinstance(node, JsonString) else None

    @property
    def location(self) -> JsonNode | None:
        return self.member(self.resource, "location")

    @property
    def identity(self) -> JsonNode | None:
        return self.member(self.resource, "identity")

    # -- properties ----------------------------------------------------------------

    def prop(self, name: str) -> JsonNode | None:
        return self.member(self.properties, name)

    @property
    def source(self) -> JsonObject | None:
        node = self.prop("source")
        return node if isinstance(node, JsonObject) else None

    @property
    def customizers(self) -> list[JsonObject]:
        return self._items(self.properties, "customize")

    @property
    def distributors(self) -> list[JsonObject]:
        return self._items(self.properties, "distribute")

    @property
    def validators(self) -> list[JsonObject]:
        validate = self.prop("validate")
        if not isinstance(validate, JsonObject):
            return []
        return self._items(validate, "inVMValidations")

    def _items(self, holder: JsonObject | None, name: str) -> list[JsonObject]:
        """The objects of an array property, however a deployment template
        writes it: in place, as an expression whose whole value is known
        (:meth:`follow`; each item may be one too), or made by a property copy
        loop named ``name``: one item per index when its count is known, else
        its ``input`` stands for every item.

        Worked out once per holder and name for this template, from memos
        (:meth:`member`, :meth:`follow`, the loops) that record no value flow;
        each caller gets its own list."""
        if holder is None:
            return []
        key = (id(holder), name)
        known = self._arrays.get(key)
        if known is None:
            known = (holder, self._objects(holder, name))  # the holder kept: its id stays its own
            self._arrays[key] = known
        return list(known[1])

    def _objects(self, holder: JsonObject, name: str) -> list[JsonObject]:
        node = self.member(holder, name)
        if node is None and self.arm_template is not None:
            return self._loop(holder, name)
        if not isinstance(node, JsonArray):
            return []
        items = (self.follow(item) for item in node.items)
        return [item for item in items if isinstance(item, JsonObject)]

    def _loop(self, holder: JsonObject, name: str) -> list[JsonObject]:
        loop = copy_loop(holder, name)
        if loop is None:
            return []
        key = id(loop)
        if key not in self._loops:
            _, template = self._locate(loop)
            shape = loop_items(self.context.scope_for(template), loop) if template is not None else None
            self._loops[key] = shape.node.items if shape is not None and isinstance(shape.node, JsonArray) else None
            for part in shape.embedded if shape is not None else []:
                self.embeds.setdefault(id(part), loop)
        made = self._loops[key]
        if made is None:
            item = loop.get("input")
            return [item] if isinstance(item, JsonObject) else []
        return [item for item in made if isinstance(item, JsonObject)]


def _is_nested_template(node: JsonNode) -> TypeGuard[JsonObject]:
    return isinstance(node, JsonObject) and node.key == "template" and deployment_of(node) is not None


def _as_written(node: JsonNode) -> bool:
    """``node``'s value is what it says wherever it is: a loaded string that cannot be an ARM
    expression or ``[[`` escape (no '['), hold a placeholder (no '<') or a substitution token
    (no '$', '{' or "__"), or a loaded number, boolean or null. The exact types keep out
    the nodes front ends and expressions make (they say where they are written, or what
    is unknown of them). Substring tests: no regex machinery for most strings."""
    kind = type(node)
    if kind is JsonString:
        text: str = node.text  # type: ignore[attr-defined]
        return "[" not in text and "<" not in text and "$" not in text and "{" not in text and "__" not in text
    return kind is JsonScalar and not isinstance(node.value, str)


def _is_script_line(node: JsonNode) -> bool:
    """``node`` is an ``inline`` array of script lines, or one of its lines."""
    holder = node.parent if isinstance(node.parent, JsonArray) else node
    return holder.key == "inline"


def _tokens_unknown(resolved: Resolved) -> Resolved:
    """``resolved``, unknown (partly known) when its text holds substitution tokens."""
    if isinstance(resolved.value, str) and has_token(resolved.value):
        rest = without_tokens(resolved.value)
    elif resolved.partial is not None and any(isinstance(part, str) and has_token(part) for part in resolved.partial.parts):
        rest = partial_without_tokens(resolved.partial)
    else:
        return resolved
    return Resolved(UNKNOWN, resolved.node, resolved.document, rest if isinstance(rest, PartialString) else None)




def string_value(node: JsonNode | None) -> str | None:
    return node.text if isinstance(node, JsonString) else None


def is_template_resource(node: JsonObject) -> bool:
    kind = string_value(node.get("type"))
    return kind is not None and kind.casefold() in _TEMPLATE_TYPES


def find_templates(document: Document) -> list[ImageTemplate]:
    root = document.root
    if not isinstance(root, JsonObject):
        return []
    if document.language != "json":
        # Another front end lowers each resource its source declares into
        # ``resources`` (symbolic names), its values known through the document's evaluator.
        return [ImageTemplate(document, resource, document.language) for resource in _resources(root)
                if is_template_resource(resource) and not _is_existing(resource)]
    if is_template_resource(root):
        return [ImageTemplate(document, root, "bare")]
    found = list(_in_deployment(document, root, "deployment"))
    if found:
        return found
    example = _rest_example(document, root)
    if example is not None:
        return [example]
    if "source" in root and any(key in root for key in _BODY_KEYS[1:]):
        return [ImageTemplate(document, root, "properties-only")]
    if "type" not in root and _is_body(root.get("properties")):
        return [ImageTemplate(document, root, "resource-body")]
    return []


def _is_body(node: JsonNode | None) -> bool:
    return isinstance(node, JsonObject) and "source" in node and any(key in node for key in _BODY_KEYS[1:])


def _in_deployment(document: Document, template: JsonObject, form: str) -> Iterator[ImageTemplate]:
    """Resources of a deployment template, their children and nested deployments.

    Uses an explicit stack rather than recursion; depth is bounded by the loader.
    """
    stack: list[tuple[JsonObject, JsonObject, str]] = [
        (resource, template, form) for resource in reversed(_resources(template))
    ]
    while stack:
        resource, owner, how = stack.pop()
        if is_template_resource(resource) and not _is_existing(resource):
            yield ImageTemplate(document, resource, how, arm_template=owner)
        children = [(child, owner, how) for child in _resources(resource)]
        kind = string_value(resource.get("type")) or ""
        if kind.casefold() == _DEPLOYMENT_TYPE:
            properties = resource.get("properties")
            nested = properties.get("template") if isinstance(properties, JsonObject) else None
            if isinstance(nested, JsonObject):
                children += [(child, nested, "nested-deployment") for child in _resources(nested)]
        stack.extend(reversed(children))


def _is_existing(resource: JsonObject) -> bool:
    """A reference to a resource deployed elsewhere (Bicep's ``existing``, language
    version 2.0): the deployment reads it and does not create or change it."""
    flag = resource.get("existing")
    return flag is not None and flag.value is True


def _resources(holder: JsonObject) -> list[JsonObject]:
    node = holder.get("resources")
    if isinstance(node, JsonArray):
        return [item for item in node.items if isinstance(item, JsonObject)]
    if isinstance(node, JsonObject):  # languageVersion 2.0: symbolic names
        return [value for _, value in node.items() if isinstance(value, JsonObject)]
    return []


def _rest_example(document: Document, root: JsonObject) -> ImageTemplate | None:
    parameters = root.get("parameters")
    if not isinstance(parameters, JsonObject):
        return None
    for _, candidate in parameters.items():
        if not isinstance(candidate, JsonObject):
            continue
        body = candidate.get("properties")
        if isinstance(body, JsonObject) and any(key in body for key in _BODY_KEYS):
            return ImageTemplate(
                document, candidate, "rest-example", api_version_override=parameters.get("api-version")
            )
    return None
