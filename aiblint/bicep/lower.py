"""Evaluate a Bicep file as far as it is known and lower its image templates
into the positioned tree the model reads.

Each image template (a ``resource`` of type ``Microsoft.VirtualMachineImages/
imageTemplates``, or a call of the Azure Verified Module that creates one)
becomes an ARM-shaped resource object in ``root.resources``. Every node keeps a
span in the text where its value is written: a literal at the literal; a value
taken from a ``var`` or a ``param`` default at the ``var`` or default (Bicep
users read their values there); a value read from a ``.bicepparam`` or JSON
file (``loadJsonContent``, a parameters file) in that file. A value computed
from expressions (a function call, an interpolation) spans the expression.

What cannot be known (a ``param`` without a value, ``utcNow()``, a module's
outputs, a condition on an unknown value) is ``UNKNOWN``, never a guess. Its
node is a string whose text looks like an ARM expression, so that code reading
literals directly also sees it as unknown.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, TypeVar

from aiblint.arm import builtins
from aiblint.arm.functions import signature
from aiblint.bicep.syntax import DecodedString, Source, decode_string
from aiblint.document import Document, UnusableFile
from aiblint.jsontree import JsonArray, JsonNode, JsonObject, JsonScalar, JsonString, MappedString, walk
from aiblint.record import MutableRecord
from aiblint.values import UNKNOWN, PartialString, Resolved, resolve_literal

if TYPE_CHECKING:
    from tree_sitter import Node

#: Values nest (vars in vars in loops...) at most this deep before they are unknown.
_MAX_DEPTH = 40
#: Expressions nest at most this deep (as the JSON loader's cap): deeper is unknown, never a
#: recursion error (hostile files nest 100,000 deep).
_MAX_NESTING = 200
_MISSING = object()
_IMAGE_TEMPLATES = "microsoft.virtualmachineimages/imagetemplates"
_COMPARISONS: dict[str, Callable[[object, object], object]] = {
    "<": lambda a, b: a < b,  # type: ignore[operator]
    "<=": lambda a, b: a <= b,  # type: ignore[operator]
    ">": lambda a, b: a > b,  # type: ignore[operator]
    ">=": lambda a, b: a >= b,  # type: ignore[operator]
}
_ARITHMETIC = {"+": "add", "-": "sub", "*": "mul", "/": "div", "%": "mod"}

_N = TypeVar("_N", bound=JsonNode)
Loader = Callable[[str], "tuple[Path, Document, bytes] | str"]


class Declarations(MutableRecord):
    """The top-level names of one Bicep file."""

    __slots__ = ("params", "defaults", "variables", "resources", "modules")  # noqa: RUF023 - in field order
    params: dict[str, Node]  # name -> default expression (or the declaration)
    defaults: dict[str, Node | None]
    variables: dict[str, Node]
    resources: dict[str, Node]  # name -> resource_declaration
    modules: dict[str, Node]

    def __init__(
        self,
        params: dict[str, Node] | None = None,
        defaults: dict[str, Node | None] | None = None,
        variables: dict[str, Node] | None = None,
        resources: dict[str, Node] | None = None,
        modules: dict[str, Node] | None = None,
    ) -> None:
        self.params = {} if params is None else params
        self.defaults = {} if defaults is None else defaults
        self.variables = {} if variables is None else variables
        self.resources = {} if resources is None else resources
        self.modules = {} if modules is None else modules


def declarations(source: Source) -> Declarations:
    found = Declarations()
    for statement in source.tree.root_node.named_children:
        named = [child for child in statement.named_children if child.type != "decorators"]
        if not named or named[0].type != "identifier":
            continue
        name = source.source(named[0])
        if statement.type == "parameter_declaration":
            found.params[name] = statement
            value = named[-1] if len(named) >= 3 or (len(named) == 2 and named[1].type != "type") else None
            found.defaults[name] = value if value is not None and value.type != "type" else None
        elif statement.type == "variable_declaration" and len(named) >= 2:
            found.variables[name] = named[-1]
        elif statement.type == "resource_declaration":
            found.resources[name] = statement
        elif statement.type == "module_declaration":
            found.modules[name] = statement
    return found


class Shared(MutableRecord):
    """What every file lowered for one template shares: the value of each node
    made and the document each foreign subtree is written in. Every node made is
    kept alive, so that an ``id()`` is never reused while the tables hold it."""

    __slots__ = ("values", "owners", "keep", "files", "unusable")  # noqa: RUF023 - in field order
    values: dict[int, object]
    owners: dict[int, Document]
    keep: list[JsonNode]
    files: list[Path]  # files read on the way (for the result cache)
    unusable: list[UnusableFile]  # the paired parameters file's problems (AIB008)

    def __init__(
        self,
        values: dict[int, object] | None = None,
        owners: dict[int, Document] | None = None,
        keep: list[JsonNode] | None = None,
        files: list[Path] | None = None,
        unusable: list[UnusableFile] | None = None,
    ) -> None:
        self.values = {} if values is None else values
        self.owners = {} if owners is None else owners
        self.keep = [] if keep is None else keep
        self.files = [] if files is None else files
        self.unusable = [] if unusable is None else unusable


class BicepEvaluator:
    """:class:`aiblint.evaluation.Evaluator` over the values computed while lowering."""

    def __init__(self, document: Document, shared: Shared) -> None:
        self.document = document
        self.shared = shared

    def resolve(self, node: JsonNode) -> Resolved:
        document = self.owner(node) or self.document
        value = self.shared.values.get(id(node), _MISSING)
        if value is _MISSING:  # read from a JSON file: literal, as Bicep embeds it
            return resolve_literal(node, document) if not isinstance(node, MappedString) else Resolved(node.value, node, document)
        partial = value if isinstance(value, PartialString) else None
        if not builtins.is_known(value):
            value = UNKNOWN
        return Resolved(value, node, document, partial)

    def owner(self, node: JsonNode) -> Document | None:
        owners = self.shared.owners
        current: JsonNode | None = node
        while current is not None:
            found = owners.get(id(current))
            if found is not None:
                return found
            current = current.parent
        return None


class Binding:
    """A name bound by a ``for`` loop: a node, copied at each use."""

    def __init__(self, node: JsonNode) -> None:
        self.node = node


class Lowering:
    """Lowers expressions of one Bicep file (a template, or a ``.bicepparam``)."""

    def __init__(
        self,
        source: Source,
        document: Document,
        shared: Shared,
        load: Loader,
        given: dict[str, Callable[[], JsonNode]] | None = None,
    ) -> None:
        self.source = source
        self.document = document
        self.shared = shared
        self.load = load  # reads a file named relative to this one, inside the repository
        self.names = declarations(source)
        self.given = given or {}  # param values from a .bicepparam or parameters file
        self._active: list[str] = []
        self._nesting = 0

    # -- nodes -----------------------------------------------------------------------------

    def _made(self, node: _N, value: object) -> _N:
        self.shared.values[id(node)] = value
        self.shared.keep.append(node)
        return node

    def unknown(self, start: int, end: int, value: object = UNKNOWN) -> JsonNode:
        text = self.source.text[start:end].replace("\n", " ")
        return self._made(JsonString(start, end, f"[{text}]"), value)

    def materialize(self, value: object, start: int, end: int) -> JsonNode:
        """A computed value as nodes, all spanning the expression that computed it."""
        if isinstance(value, str):
            return self._made(MappedString(start, end, value, [start] * len(value) + [end]), value)
        if isinstance(value, list):
            array = JsonArray(start, end)
            for index, item in enumerate(value):
                _attach(array, index, self.materialize(item, start, end))
            return self._made(array, value)
        if isinstance(value, dict):
            obj = JsonObject(start, end)
            for name, item in value.items():
                _add(obj, self._made(JsonString(start, end, name), name), self.materialize(item, start, end))
            return self._made(obj, value)
        if value is None or isinstance(value, (bool, int, float)):
            return self._made(JsonScalar(start, end, value), value)
        return self.unknown(start, end, value)

    def copy(self, node: JsonNode) -> JsonNode:
        """A fresh copy of ``node`` (a node has one parent; a value used twice is two nodes)."""
        values, owners = self.shared.values, self.shared.owners
        made: JsonNode
        if isinstance(node, JsonObject):
            made = JsonObject(node.start, node.end)
            for key, child in node.members:
                _add(made, key, self.copy(child))
        elif isinstance(node, JsonArray):
            made = JsonArray(node.start, node.end)
            for index, child in enumerate(node.items):
                _attach(made, index, self.copy(child))
        elif isinstance(node, MappedString):
            made = MappedString(node.start, node.end, node.text, node.offsets)
        elif isinstance(node, JsonString):
            made = JsonString(node.start, node.end, node.value)
        else:
            made = JsonScalar(node.start, node.end, node.value)
        if id(node) in values:
            values[id(made)] = values[id(node)]
        owner = owners.get(id(node))
        if owner is not None:
            owners[id(made)] = owner
        self.shared.keep.append(made)
        return made

    def value(self, node: JsonNode) -> object:
        """The value of a node made here (or read from a JSON file)."""
        found = self.shared.values.get(id(node), _MISSING)
        if found is _MISSING:
            return resolve_literal(node, self.document).value if not isinstance(node, MappedString) else node.value
        return found

    # -- expressions -----------------------------------------------------------------------

    def lower(self, node: Node, env: dict[str, Binding] | None = None) -> JsonNode:
        env = env or {}
        handler = _HANDLERS.get(node.type)
        if handler is None or len(self._active) > _MAX_DEPTH or self._nesting > _MAX_NESTING:
            start, end = self.source.span(node)
            return self.unknown(start, end)
        self._nesting += 1
        try:
            return handler(self, node, env)
        finally:
            self._nesting -= 1

    def _string(self, node: Node, env: dict[str, Binding]) -> JsonNode:
        start, end = self.source.span(node)
        decoded = decode_string(self.source, node)
        literal = decoded.literal
        if literal is not None:
            offsets = [offset for _, piece_offsets in decoded.pieces for offset in piece_offsets] + [decoded.end]
            return self._made(MappedString(start, end, literal, offsets), literal)
        return self._interpolated(decoded, start, end, env)

    def _interpolated(self, decoded: DecodedString, start: int, end: int, env: dict[str, Binding]) -> JsonNode:
        parts: list[str | object] = []
        offsets: list[int] = []
        for piece, piece_offsets in decoded.pieces:
            if isinstance(piece, str):
                parts.append(piece)
                offsets += piece_offsets
                continue
            value = self.value(self.lower(piece, env))
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, int):
                value = str(value)
            elif value is not UNKNOWN and not isinstance(value, (str, PartialString)):
                value = builtins.call("string", [value])
            if isinstance(value, PartialString):
                parts.extend(value.parts)
            else:
                parts.append(value)
            if isinstance(value, str):
                offsets += piece_offsets * len(value)
        joined = PartialString.join(part if isinstance(part, str) else UNKNOWN for part in parts)
        if isinstance(joined, str):
            return self._made(MappedString(start, end, joined, [*offsets, decoded.end]), joined)
        return self.unknown(start, end, joined)

    def _number(self, node: Node, env: dict[str, Binding]) -> JsonNode:
        start, end = self.source.span(node)
        try:
            value: object = int(self.source.text[start:end])
        except ValueError:
            value = UNKNOWN
        return self._made(JsonScalar(start, end, value), value) if value is not UNKNOWN else self.unknown(start, end)

    def _boolean(self, node: Node, env: dict[str, Binding]) -> JsonNode:
        start, end = self.source.span(node)
        value = self.source.text[start:end] == "true"
        return self._made(JsonScalar(start, end, value), value)

    def _null(self, node: Node, env: dict[str, Binding]) -> JsonNode:
        start, end = self.source.span(node)
        return self._made(JsonScalar(start, end, None), None)

    def _object(self, node: Node, env: dict[str, Binding]) -> JsonNode:
        start, end = self.source.span(node)
        obj = JsonObject(start, end)
        known = True
        for child in node.named_children:
            if child.type != "object_property" or len(child.named_children) < 2:
                known = known and child.type in ("comment", "decorators")
                continue
            key_node, value_node = child.named_children[0], child.named_children[-1]
            key_start, key_end = self.source.span(key_node)
            key_value: object
            if key_node.type == "string":
                key_value = self.value(self._string(key_node, env))
                # '${identity.id}': {} -> a key ARM computes, written as the expression it is
                name = key_value if isinstance(key_value, str) else f"[{self.source.text[key_start:key_end]}]"
                known = known and isinstance(key_value, str)
            else:
                name = key_value = self.source.text[key_start:key_end]
            key = self._made(JsonString(key_start, key_end, name), key_value)
            _add(obj, key, self.lower(value_node, env))
        value: object = {name: self.value(item) for name, item in obj.items()} if known else UNKNOWN
        return self._made(obj, value if known and builtins.fits(value) else UNKNOWN)

    def _array(self, node: Node, env: dict[str, Binding]) -> JsonNode:
        start, end = self.source.span(node)
        array = JsonArray(start, end)
        known = True
        children = [child for child in node.named_children if child.type != "comment"]
        index = 0
        while index < len(children):
            child = children[index]
            index += 1
            if child.type == "ERROR":
                known = False
                continue
            following = children[index] if index < len(children) else None
            if (child.type == "identifier" and following is not None and following.type == "parenthesized_expression"
                    and following.start_byte == child.end_byte):
                # tree-sitter-bicep 1.1 reads a call that is an array's first item as a name
                # and a parenthesized expression: it is the call f(x) Bicep means.
                index += 1
                call_start, call_end = self.source.offset(child.start_byte), self.source.offset(following.end_byte)
                item = self.apply(self.source.source(child), following.named_children, call_start, call_end, env)
            else:
                item = self.lower(child, env)
            _attach(array, len(array.items), item)
        return self._made(array, [self.value(item) for item in array.items] if known else UNKNOWN)

    def _for(self, node: Node, env: dict[str, Binding]) -> JsonNode:
        """``[for x in xs: body]``: one item per element when ``xs`` is known; else
        one item standing for every element (its value unknown), as an ARM copy
        loop's ``input`` does."""
        start, end = self.source.span(node)
        named = node.named_children
        if len(named) < 3:
            return self.unknown(start, end)
        variables, iterable, body = named[0], named[1], named[-1]
        if variables.type == "for_loop_parameters":
            names = [self.source.source(child) for child in variables.named_children]
        else:
            names = [self.source.source(variables)]
        condition = None
        if body.type == "if_statement" and len(body.named_children) >= 2:
            condition, body = body.named_children[0], body.named_children[-1]
        collection = self.lower(iterable, env)
        items: list[JsonNode] | None = None
        if isinstance(collection, JsonArray) and isinstance(self.value(collection), list):
            items = list(collection.items)
        array = JsonArray(start, end)
        if items is None:
            inner = dict(env)
            inner.update({name: Binding(self.unknown(*self.source.span(iterable))) for name in names})
            _attach(array, 0, self.lower(body, inner))
            return self._made(array, UNKNOWN)
        values: list[object] = []
        for index, item in enumerate(items):
            inner = dict(env)
            inner[names[0]] = Binding(item)
            if len(names) > 1:
                inner[names[1]] = Binding(self.materialize(index, *self.source.span(variables)))
            if condition is not None:
                keep = self.value(self.lower(condition, inner))
                if not isinstance(keep, bool):
                    array = JsonArray(start, end)
                    _attach(array, 0, self.lower(body, inner))
                    return self._made(array, UNKNOWN)
                if not keep:
                    continue
            made = self.lower(body, inner)
            values.append(self.value(made))
            _attach(array, len(array.items), made)
        return self._made(array, values)

    def _identifier(self, node: Node, env: dict[str, Binding]) -> JsonNode:
        start, end = self.source.span(node)
        name = self.source.text[start:end]
        bound = env.get(name)
        if bound is not None:
            return self.copy(bound.node)
        if name in self._active:
            return self.unknown(start, end)  # a cycle: Bicep rejects it
        self._active.append(name)
        try:
            if name in self.names.variables:
                return self.lower(self.names.variables[name])
            if name in self.names.params:
                given = self.given.get(name)
                if given is not None:
                    return self.copy(given())
                default = self.names.defaults.get(name)
                return self.lower(default) if default is not None else self.unknown(start, end)
        finally:
            self._active.pop()
        return self.unknown(start, end)

    def _parenthesized(self, node: Node, env: dict[str, Binding]) -> JsonNode:
        inner = node.named_children
        if len(inner) == 1:
            return self.lower(inner[0], env)
        return self.unknown(*self.source.span(node))

    def _ternary(self, node: Node, env: dict[str, Binding]) -> JsonNode:
        start, end = self.source.span(node)
        named = node.named_children
        if len(named) != 3:
            return self.unknown(start, end)
        condition = self.value(self.lower(named[0], env))
        if isinstance(condition, bool):
            return self.lower(named[1] if condition else named[2], env)
        when_true, when_false = self.value(self.lower(named[1], env)), self.value(self.lower(named[2], env))
        if builtins.is_known(when_true) and builtins.is_known(when_false) and builtins.json_equal(when_true, when_false):
            return self.lower(named[1], env)
        return self.unknown(start, end)

    def _unary(self, node: Node, env: dict[str, Binding]) -> JsonNode:
        start, end = self.source.span(node)
        operator = node.children[0].type if node.children else ""
        named = node.named_children
        value = self.value(self.lower(named[0], env)) if named else UNKNOWN
        if operator == "!" and isinstance(value, bool):
            return self.materialize(not value, start, end)
        if operator == "-" and isinstance(value, int) and not isinstance(value, bool):
            return self.materialize(-value, start, end)
        return self.unknown(start, end)

    def _binary(self, node: Node, env: dict[str, Binding]) -> JsonNode:
        start, end = self.source.span(node)
        named = node.named_children
        if len(named) != 2 or len(node.children) < 3:
            return self.unknown(start, end)
        operator = node.children[1].type
        left_node = self.lower(named[0], env)
        left = self.value(left_node)
        if operator == "??":
            if left is None:
                return self.lower(named[1], env)
            return left_node if builtins.is_known(left) else self.unknown(start, end)
        if operator in ("&&", "||"):
            if isinstance(left, bool) and left == (operator == "||"):
                return self.materialize(left, start, end)
            right = self.value(self.lower(named[1], env))
            result = right if isinstance(left, bool) and isinstance(right, bool) else UNKNOWN
            return self.materialize(result, start, end)
        right = self.value(self.lower(named[1], env))
        if not (builtins.is_known(left) and builtins.is_known(right)):
            return self.unknown(start, end)
        outcome: object = UNKNOWN
        if operator in ("==", "!="):
            outcome = builtins.json_equal(left, right) == (operator == "==")
        elif operator in ("=~", "!~") and isinstance(left, str) and isinstance(right, str):
            outcome = (left.casefold() == right.casefold()) == (operator == "=~")
        elif operator in _COMPARISONS and type(left) is type(right) and isinstance(left, (int, str)):
            outcome = _COMPARISONS[operator](left, right)
        elif operator in _ARITHMETIC:
            outcome = builtins.call(_ARITHMETIC[operator], [left, right])
        return self.materialize(outcome, start, end)

    def _member(self, node: Node, env: dict[str, Binding]) -> JsonNode:
        start, end = self.source.span(node)
        named = node.named_children
        if len(named) != 2:
            return self.unknown(start, end)
        target, name = named[0], self.source.source(named[1])
        safe = any(child.type == ".?" for child in node.children)
        if target.type == "identifier":
            symbol = self.source.source(target)
            if symbol not in env and symbol in self.names.resources:
                return self._resource_member(self.names.resources[symbol], name, start, end)
            if symbol not in env and symbol in self.names.modules:
                return self.unknown(start, end)  # a module's outputs are known only after it is deployed
        container = self.lower(target, env)
        return self._child(container, name, start, end, safe)

    def _child(self, container: JsonNode, key: object, start: int, end: int, safe: bool = False) -> JsonNode:
        if isinstance(container, JsonObject) and isinstance(key, str):
            found = container.get(key)
            if found is None:
                match = container.get_ci(key)
                found = match[1] if match is not None else None
            if found is not None:
                return found
            if builtins.is_known(self.value(container)):
                return self.materialize(None, start, end) if safe else self.unknown(start, end)
        if isinstance(container, JsonArray) and isinstance(key, int) and not isinstance(key, bool) and 0 <= key < len(container.items):
            return container.items[key]
        value = self.value(container)
        if builtins.is_known(value):
            return self.materialize(builtins.lookup(value, key), start, end)
        return self.unknown(start, end)

    def _subscript(self, node: Node, env: dict[str, Binding]) -> JsonNode:
        start, end = self.source.span(node)
        named = node.named_children
        if len(named) != 2:
            return self.unknown(start, end)
        container = self.lower(named[0], env)
        key = self.value(self.lower(named[1], env))
        if not isinstance(key, (str, int)):
            return self.unknown(start, end)
        return self._child(container, key, start, end, any(child.type == "?" for child in node.children))

    def _resource_member(self, declaration: Node, name: str, start: int, end: int) -> JsonNode:
        """``r.id`` (a symbolic id with the known parts), ``r.name``, ``r.type``..."""
        lowered = self.resource_parts(declaration)
        if lowered is None:
            return self.unknown(start, end)
        kind, _version, body = lowered
        if name in ("name", "location", "tags", "kind", "sku"):
            member = body.get(name) if isinstance(body, JsonObject) else None
            return member if member is not None else self.unknown(start, end)
        if name == "type":
            return self.materialize(kind, start, end)
        if name == "id":
            return self.materialize(self.symbolic_id(declaration, kind, body), start, end)
        return self.unknown(start, end)  # properties: what the service returns, or what the template says (later)

    def symbolic_id(self, declaration: Node, kind: str, body: JsonNode) -> object:
        names: list[object] = []
        current: tuple[Node, JsonNode] | None = (declaration, body)
        depth = 0
        while current is not None and depth < 8:
            own = current[1].get("name") if isinstance(current[1], JsonObject) else None
            value = self.value(own) if own is not None else UNKNOWN
            names[:0] = value.split("/") if isinstance(value, str) else [UNKNOWN]
            parent = current[1].get("parent") if isinstance(current[1], JsonObject) else None
            current = None
            if isinstance(parent, JsonString) and parent.text.startswith("[") and parent.text[1:-1] in self.names.resources:
                parent_declaration = self.names.resources[parent.text[1:-1]]
                parts = self.resource_parts(parent_declaration)
                current = (parent_declaration, parts[2]) if parts is not None else None
            depth += 1
        segments = kind.split("/")
        pieces: list[object] = ["/subscriptions/", UNKNOWN, "/resourceGroups/", UNKNOWN, "/providers/", segments[0]]
        for index, segment in enumerate(segments[1:]):
            pieces += ["/", segment, "/", names[index] if index < len(names) else UNKNOWN]
        joined = PartialString.join(piece if isinstance(piece, str) else UNKNOWN for piece in pieces)
        return joined

    def resource_parts(self, declaration: Node) -> tuple[str, str, JsonNode] | None:
        """(type, api version, body) of a resource declaration."""
        named = declaration.named_children
        type_node = next((child for child in named if child.type == "string"), None)
        body = body_of(declaration)
        if type_node is None or body is None:
            return None
        literal = decode_string(self.source, type_node).literal or ""
        kind, _, version = literal.partition("@")
        key = f"resource:{self.source.source(named[0])}"
        if key in self._active:
            return None
        self._active.append(key)
        try:
            return kind, version, self.lower(body)
        finally:
            self._active.pop()

    # -- calls -------------------------------------------------------------------------------

    def _call(self, node: Node, env: dict[str, Binding]) -> JsonNode:
        start, end = self.source.span(node)
        named = node.named_children
        if len(named) != 2:
            return self.unknown(start, end)
        callee, arguments = named
        return self.apply(self.source.source(callee), arguments.named_children, start, end, env)

    def apply(self, name: str, arguments: list[Node], start: int, end: int, env: dict[str, Binding]) -> JsonNode:
        """A function call: Bicep's own (``load*Content``, ``concat``/``union`` of
        nodes) or one of the ARM functions the ARM evaluator computes."""
        if "." in name:
            namespace, _, name = name.rpartition(".")
            if namespace not in ("sys", "az"):
                return self.unknown(start, end)
        args = [child for child in arguments if child.type != "comment"]
        folded = name.casefold()
        special = _SPECIAL.get(folded)
        if special is not None:
            return special(self, args, start, end, env)
        known = signature(name)
        if known is None or not known.accepts(len(args)):
            return self.unknown(start, end)
        values = [self.value(self.lower(arg, env)) for arg in args]
        return self.materialize(builtins.call(folded, values), start, end)

    def _concat(self, args: list[Node], start: int, end: int, env: dict[str, Binding], union: bool = False) -> JsonNode:
        """``concat``/``union`` of arrays or objects: the nodes of each part kept where they are written."""
        lowered = [self.lower(arg, env) for arg in args]
        values = [self.value(item) for item in lowered]
        if lowered and all(isinstance(item, JsonArray) and isinstance(value, list) for item, value in zip(lowered, values, strict=False)):
            array = JsonArray(start, end)
            seen: list[object] = []
            for part in lowered:
                assert isinstance(part, JsonArray)
                for item in list(part.items):
                    value = self.value(item)
                    if union and any(builtins.json_equal(value, other) for other in seen):
                        continue
                    seen.append(value)
                    _attach(array, len(array.items), item)
            return self._made(array, seen)
        if union and lowered and all(isinstance(item, JsonObject) and isinstance(value, dict) for item, value in zip(lowered, values, strict=False)):
            obj = JsonObject(start, end)
            for part in lowered:
                assert isinstance(part, JsonObject)
                for key, child in list(part.members):
                    _add(obj, key, child)
            return self._made(obj, {name: self.value(child) for name, child in obj.items()})
        return self.materialize(builtins.call("union" if union else "concat", values), start, end)

    def _if(self, args: list[Node], start: int, end: int, env: dict[str, Binding]) -> JsonNode:
        if len(args) != 3:
            return self.unknown(start, end)
        condition = self.value(self.lower(args[0], env))
        if isinstance(condition, bool):
            return self.lower(args[1] if condition else args[2], env)
        return self.unknown(start, end)

    def _load_text(self, args: list[Node], start: int, end: int, env: dict[str, Binding]) -> JsonNode:
        loaded = self._loaded(args, start, end, env)
        if isinstance(loaded, JsonNode):
            return loaded
        _path, document, _data = loaded
        text = document.text
        node = self._made(MappedString(0, len(text), text, [*range(len(text)), len(text)]), text)
        self.shared.owners[id(node)] = document
        return node

    def _load_base64(self, args: list[Node], start: int, end: int, env: dict[str, Binding]) -> JsonNode:
        loaded = self._loaded(args, start, end, env)
        if isinstance(loaded, JsonNode):
            return loaded
        return self.materialize(base64.b64encode(loaded[2]).decode("ascii"), start, end)

    def _load_json(self, args: list[Node], start: int, end: int, env: dict[str, Binding]) -> JsonNode:
        loaded = self._loaded(args, start, end, env)
        if isinstance(loaded, JsonNode):
            return loaded
        from aiblint.loader import load_text

        _path, document, _data = loaded
        parsed = load_text(document.text, document.path)
        node: JsonNode | None = parsed.root
        if node is None:
            return self.unknown(start, end)
        if len(args) >= 2:
            selector = self.value(self.lower(args[1], env))
            node = _select(node, selector) if isinstance(selector, str) else None
            if node is None:
                return self.unknown(start, end)
        for item in walk(node):
            self.shared.keep.append(item)
        self.shared.owners[id(node)] = parsed
        return node

    def _loaded(self, args: list[Node], start: int, end: int, env: dict[str, Binding]) -> tuple[Path, Document, bytes] | JsonNode:
        if not args:
            return self.unknown(start, end)
        name = self.value(self.lower(args[0], env))
        if not isinstance(name, str):
            return self.unknown(start, end)
        found = self.load(name)
        if isinstance(found, str):
            return self.unknown(start, end)
        self.shared.files.append(found[0])
        return found

    def _any(self, args: list[Node], start: int, end: int, env: dict[str, Binding]) -> JsonNode:
        return self.lower(args[0], env) if len(args) == 1 else self.unknown(start, end)


def body_of(declaration: Node) -> Node | None:
    """The object of a resource or module declaration (through ``if`` and ``for``)."""
    body = declaration.named_children[-1] if declaration.named_children else None
    if body is not None and body.type == "for_statement":
        body = body.named_children[-1] if body.named_children else None
    if body is not None and body.type == "if_statement":
        body = body.named_children[-1] if body.named_children else None
    return body if body is not None and body.type == "object" else None


def _select(node: JsonNode, path: str) -> JsonNode | None:
    """A ``loadJsonContent`` path (``$.a.b``, ``a.b[0]``): simple member and index steps only."""
    text = path.strip()
    text = text[1:] if text.startswith("$") else text
    current: JsonNode | None = node
    for part in [piece for piece in text.replace("[", ".[").split(".") if piece]:
        if part.startswith("[") and part.endswith("]") and part[1:-1].isdigit():
            index = int(part[1:-1])
            current = current.items[index] if isinstance(current, JsonArray) and index < len(current.items) else None
        elif isinstance(current, JsonObject):
            current = current.get(part)
        else:
            current = None
        if current is None:
            return None
    return current


def _attach(array: JsonArray, index: int, node: JsonNode) -> None:
    node.parent = array
    node.key = index
    array.items.append(node)


def _add(obj: JsonObject, key: JsonString, node: JsonNode) -> None:
    node.parent = obj
    node.key = key.text
    obj.add(key, node)


def relative_file(name: str) -> PurePosixPath | None:
    """A ``load*Content`` path: relative, forward slashes; ``None`` for an absolute one."""
    path = PurePosixPath(name.replace("\\", "/"))
    return None if path.is_absolute() or "\0" in name else path


_Handler = Callable[[Lowering, "Node", dict[str, Binding]], JsonNode]
_HANDLERS: dict[str, _Handler] = {
    "string": Lowering._string,
    "number": Lowering._number,
    "boolean": Lowering._boolean,
    "null": Lowering._null,
    "object": Lowering._object,
    "array": Lowering._array,
    "for_statement": Lowering._for,
    "identifier": Lowering._identifier,
    "parenthesized_expression": Lowering._parenthesized,
    "ternary_expression": Lowering._ternary,
    "unary_expression": Lowering._unary,
    "binary_expression": Lowering._binary,
    "member_expression": Lowering._member,
    "subscript_expression": Lowering._subscript,
    "call_expression": Lowering._call,
}
_Special = Callable[[Lowering, list["Node"], int, int, dict[str, Binding]], JsonNode]
_SPECIAL: dict[str, _Special] = {
    "concat": Lowering._concat,
    "union": lambda self, args, start, end, env: self._concat(args, start, end, env, union=True),
    "if": Lowering._if,
    "loadtextcontent": Lowering._load_text,
    "loadfileasbase64": Lowering._load_base64,
    "loadjsoncontent": Lowering._load_json,
    "loadyamlcontent": lambda self, args, start, end, env: self.unknown(start, end),
    "any": Lowering._any,
}


def is_image_template(kind: str) -> bool:
    return kind.casefold() == _IMAGE_TEMPLATES
