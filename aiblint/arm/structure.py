"""Whole values: the nodes an object or array expression stands for.

``"customize": "[concat(variables('base'), parameters('steps'))]"`` is an
array whose items are written in two places: a variable of the template and a
parameters file. :func:`whole_value` answers a node that rules can read as if
the value were written in place: a :class:`ComputedArray` whose items are the
real nodes, each where it is written, so a finding inside one points there.

Known parts combine through ``concat``, ``union``, ``createArray``,
``createObject``, ``if`` with a known condition, ``coalesce``, member access
and, for anything else that evaluates to a known container (``json('...')``,
``skip``...), a tree of computed nodes placed at the expression. A property
copy loop with a known count gives one item per index (:func:`loop_items`).
What cannot be known is ``None``: the caller keeps the expression, and rules
stay silent about it.

Computed nodes sit at the expression that makes them (``written``): their
span is its span, their parent its parent, so a finding about one points at
the expression and its logical path is the field's. Nothing here knows about
image templates; any caller with an :class:`~aiblint.arm.scope.Scope` can use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from aiblint.arm import builtins
from aiblint.arm.scope import Scope, Val, _child
from aiblint.arm.syntax import Call, Expression, ExpressionError, Index, Property, is_expression_text
from aiblint.jsontree import JsonArray, JsonNode, JsonObject, JsonScalar, JsonString
from aiblint.record import MutableRecord, Record
from aiblint.values import UNKNOWN, PartialString

#: A copy loop makes at most 800 items (ARM's limit); more than this many is
#: not worth expanding for a linter: its input then stands for every item.
MAX_LOOP_ITEMS: Final = 64
_ARRAY_FUNCTIONS: Final = frozenset({"concat", "union", "createarray", "createobject", "if", "coalesce"})


class ComputedString(JsonString):
    """A string made by an expression: ``text`` is its literal text (an
    expression-looking value is escaped with ``[``), ``computed`` its value
    (possibly unknown), ``written`` the expression it comes from."""

    __slots__ = ("computed", "written")

    def __init__(self, written: JsonNode, computed: object) -> None:
        if not isinstance(computed, (str, PartialString)):
            computed = UNKNOWN  # (a container where a string was expected: not judged)
        text = computed if isinstance(computed, str) else _opaque(written)
        if isinstance(computed, str) and text.startswith("["):
            text = "[" + text
        super().__init__(written.start, written.end, text)
        self.computed = computed
        self.written = written


class ComputedScalar(JsonScalar):
    """A number, boolean or null made by an expression."""

    __slots__ = ("computed", "written")

    def __init__(self, written: JsonNode, computed: object) -> None:
        super().__init__(written.start, written.end, computed)
        self.computed = computed
        self.written = written


class ComputedArray(JsonArray):
    __slots__ = ("written",)

    def __init__(self, written: JsonNode) -> None:
        super().__init__(written.start, written.end)
        self.written = written


class ComputedObject(JsonObject):
    __slots__ = ("written",)

    def __init__(self, written: JsonNode) -> None:
        super().__init__(written.start, written.end)
        self.written = written


Computed = (ComputedString, ComputedScalar, ComputedArray, ComputedObject)


def is_computed(node: JsonNode) -> bool:
    return isinstance(node, Computed)


def written_at(node: JsonNode) -> JsonNode:
    """The node a computed node comes from (itself for a node written in a file)."""
    written = getattr(node, "written", None) if is_computed(node) else None
    return written if isinstance(written, JsonNode) else node


def _opaque(written: JsonNode) -> str:
    """The text of an unknown computed string: an expression, so that code
    reading ``text`` directly treats it as not known."""
    return written.text if isinstance(written, JsonString) and is_expression_text(written.text) else "[unknown()]"


class Shape(MutableRecord):
    """A whole value: the node standing for it and the nodes written
    elsewhere that it holds unchanged (the findings inside them are reported
    where they are written; the field that used them explains why)."""

    __slots__ = ("node", "embedded")  # noqa: RUF023 - in field order
    node: JsonNode
    embedded: list[JsonNode]

    def __init__(self, node: JsonNode, embedded: list[JsonNode] | None = None) -> None:
        self.node = node
        self.embedded = [] if embedded is None else embedded


class _Placed(Record):
    """A node and how its expressions evaluate: ``scope`` None reads it
    literally (a parameters file)."""

    __slots__ = ("node", "scope")
    node: Final[JsonNode]
    scope: Final[Scope | None]

    def __init__(self, node: JsonNode, scope: Scope | None) -> None:
        self.node = node
        self.scope = scope


def whole_value(scope: Scope, node: JsonString) -> Shape | None:
    """The object or array that the expression ``node`` (written in ``scope``'s
    template) stands for, or ``None`` when it is not one or not known."""
    if not is_expression_text(node.text):
        return None
    shaper = _Shaper(node)
    placed = shaper.node(_Placed(node, scope))
    if placed is None or not isinstance(placed.node, (JsonArray, JsonObject)):
        return None
    if not is_computed(placed.node):
        shaper.embedded = [placed.node]
    return Shape(placed.node, shaper.embedded)


def loop_items(scope: Scope, loop: JsonObject) -> Shape | None:
    """The items of a property copy loop (``{"name", "count", "input"}``), one
    per index with ``copyIndex('name')`` known; ``None`` when the count is not
    known (or too large to be worth it). A member whose value comes unchanged
    from elsewhere (``parameters('names')[copyIndex('x')]``) is that node."""
    name, count, item = loop.get("name"), loop.get("count"), loop.get("input")
    if not isinstance(name, JsonString) or count is None or item is None:
        return None
    total = scope.value_of(count).value
    if isinstance(total, bool) or not isinstance(total, int) or not 0 <= total <= MAX_LOOP_ITEMS:
        return None
    # The items sit in the array the loop makes (``properties.distribute[1]``), written at its input.
    made = ComputedArray(item)
    holder = loop.parent.parent if loop.parent is not None else None
    made.parent, made.key = holder, name.text
    shape = Shape(made)
    for index in range(total):
        indexed = scope.indexed(name.text.casefold(), index)
        made.items.append(_indexed(indexed, item, made, index, shape.embedded))
    return shape


def _indexed(scope: Scope, node: JsonNode, holder: JsonNode, key: str | int, embedded: list[JsonNode]) -> JsonNode:
    """``node`` evaluated with a copy index: itself where it does not use one."""
    if not _uses_copy_index(node):
        return node
    if isinstance(node, JsonObject):
        made = ComputedObject(node)
        for name, child in node.items():
            key_node = node.key_node(name)
            assert key_node is not None
            _add(made, key_node, name, _indexed(scope, child, made, name, embedded))
    elif isinstance(node, JsonArray):
        made_array = ComputedArray(node)
        for position, child in enumerate(node.items):
            _append(made_array, _indexed(scope, child, made_array, position, embedded))
        made_array.parent, made_array.key = holder, key
        return made_array
    else:
        result = scope.value_of(node)
        if result.origin is not None and result.origin.node is not node:
            embedded.append(result.origin.node)  # written elsewhere (a parameter, a variable): found there
            return result.origin.node
        value = result.value
        made_scalar: JsonNode = (ComputedScalar(node, value) if isinstance(value, (bool, int, type(None)))
                                 else ComputedString(node, value))
        made_scalar.parent, made_scalar.key = holder, key
        return made_scalar
    made.parent, made.key = holder, key
    return made


def _uses_copy_index(node: JsonNode) -> bool:
    from aiblint.jsontree import walk

    return any(isinstance(item, JsonString) and "copyindex" in item.text.casefold() for item in walk(node))


class _Shaper:
    def __init__(self, written: JsonString) -> None:
        self.written = written
        self.embedded: list[JsonNode] = []

    # nodes ----------------------------------------------------------------------------

    def node(self, placed: _Placed) -> _Placed | None:
        """What a written node stands for: an expression string shaped, anything else itself."""
        node, scope = placed.node, placed.scope
        if scope is None or not isinstance(node, JsonString) or not is_expression_text(node.text):
            return placed
        parsed = scope.context.parse(node.text)
        if isinstance(parsed, ExpressionError):
            return None
        return self.expression(parsed, scope)

    def expression(self, expression: Expression, scope: Scope) -> _Placed | None:
        if isinstance(expression, Property):
            return self.member(self.expression(expression.target, scope), expression.name)
        if isinstance(expression, Index):
            key = scope.evaluate(expression.index).value
            return self.member(self.expression(expression.target, scope), key)
        if isinstance(expression, Call) and expression.namespace is None:
            name = expression.name.casefold()
            if name in ("parameters", "variables") and len(expression.args) == 1:
                return self.named(name, scope.evaluate(expression.args[0]).value, scope)
            if name in _ARRAY_FUNCTIONS:
                return self.combine(name, expression, scope)
        return self.computed(scope.evaluate(expression))

    def named(self, kind: str, name: object, scope: Scope) -> _Placed | None:
        if not isinstance(name, str):
            return None
        if kind == "variables":
            node = scope.variables.get(name.casefold())
            return self.node(_Placed(node, scope)) if node is not None else None
        declaration = scope.parameters.get(name.casefold())
        if declaration is None or scope.parameters_unknown:
            return None
        binding = scope.bindings.get(name.casefold())
        if binding is not None:
            if binding.node is None:
                return None
            return self.node(_Placed(binding.node, binding.scope))
        default = declaration.get("defaultValue")
        return self.node(_Placed(default, scope)) if default is not None else None

    def member(self, target: _Placed | None, key: object) -> _Placed | None:
        if target is None:
            return None
        child = _child(target.node, key)
        return self.node(_Placed(child, target.scope)) if child is not None else None

    # functions --------------------------------------------------------------------------

    def combine(self, name: str, call: Call, scope: Scope) -> _Placed | None:
        args = call.args
        if name == "if":
            if len(args) != 3:
                return None
            condition = scope.evaluate(args[0]).value
            return self.expression(args[1] if condition else args[2], scope) if isinstance(condition, bool) else None
        if name == "coalesce":
            for arg in args:
                value = scope.evaluate(arg).value
                if value is UNKNOWN or isinstance(value, PartialString):
                    return None
                if value is not None:
                    return self.expression(arg, scope)
            return None
        if name == "createarray":
            made = ComputedArray(self.written)
            for arg in args:
                _append(made, self.hold(self.part(arg, scope)))
            return self.place(made)
        if name == "createobject":
            return self.create_object(args, scope)
        parts = [self.expression(arg, scope) for arg in args]
        if not parts or any(part is None for part in parts):
            return None
        nodes = [part.node for part in parts if part is not None]
        arrays = [node for node in nodes if isinstance(node, JsonArray)]
        if len(arrays) == len(nodes) and name == "concat":
            made = ComputedArray(self.written)
            for array in arrays:
                for element in array.items:
                    _append(made, self.hold(element))
            return self.place(made)
        if all(isinstance(node, JsonObject) for node in nodes) and name == "union":
            return self.place(self.union([node for node in nodes if isinstance(node, JsonObject)]))
        return self.computed(scope.evaluate(call))

    def create_object(self, args: Sequence[Expression], scope: Scope) -> _Placed | None:
        if len(args) % 2:
            return None
        made = ComputedObject(self.written)
        for key_expression, value_expression in zip(args[::2], args[1::2], strict=True):
            key = scope.evaluate(key_expression).value
            if not isinstance(key, str):
                return None
            _add(made, ComputedString(self.written, key), key, self.hold(self.part(value_expression, scope)))
        return self.place(made)

    def union(self, objects: list[JsonObject]) -> ComputedObject:
        """ARM's ``union`` of objects: later members win, nested objects merge."""
        merged: dict[str, tuple[JsonString, JsonNode]] = {}
        for node in objects:
            for name, child in node.items():
                key_node = node.key_node(name)
                assert key_node is not None
                earlier = merged.get(name)
                if earlier is not None and isinstance(earlier[1], JsonObject) and isinstance(child, JsonObject):
                    child = self.union([earlier[1], child])
                merged[name] = (key_node, child)
        made = ComputedObject(self.written)
        for name, (key_node, child) in merged.items():
            _add(made, key_node, name, self.hold(child))
        return made

    def part(self, expression: Expression, scope: Scope) -> JsonNode:
        """An item of ``createArray``, a value of ``createObject``: whatever it is
        (an unknown one stays unknown)."""
        placed = self.expression(expression, scope)
        return placed.node if placed is not None else ComputedString(self.written, UNKNOWN)

    def computed(self, result: Val) -> _Placed | None:
        """A value without one place it is written: computed nodes at the expression."""
        if result.origin is not None:
            return _Placed(result.origin.node, result.origin.scope)
        value = result.value
        if not builtins.fits(value):
            return None
        return self.place(self.tree(value))

    def tree(self, value: object) -> JsonNode:
        if isinstance(value, dict):
            made = ComputedObject(self.written)
            for name, item in value.items():
                _add(made, ComputedString(self.written, name), name, self.tree(item))
            return made
        if isinstance(value, list):
            made_array = ComputedArray(self.written)
            for item in value:
                _append(made_array, self.tree(item))
            return made_array
        if isinstance(value, str) or value is UNKNOWN or isinstance(value, PartialString):
            return ComputedString(self.written, value)
        return ComputedScalar(self.written, value)

    # bookkeeping ---------------------------------------------------------------------------

    def hold(self, node: JsonNode) -> JsonNode:
        """``node`` as a part of a computed value: remembered if it is written somewhere."""
        if not is_computed(node):
            self.embedded.append(node)
        return node

    def place(self, node: JsonNode) -> _Placed:
        node.parent, node.key = self.written.parent, self.written.key
        return _Placed(node, None)


def _append(array: JsonArray, item: JsonNode) -> None:
    if is_computed(item):
        item.parent, item.key = array, len(array.items)
    array.items.append(item)


def _add(made: JsonObject, key_node: JsonString, name: str, value: JsonNode) -> None:
    if is_computed(value):
        value.parent, value.key = made, name
    if is_computed(key_node):
        key_node.parent, key_node.key = made, name
    made.add(key_node, value)

