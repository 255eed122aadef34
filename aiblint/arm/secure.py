"""Which secure parameters a value is made from: the taint half of the evaluator.

ARM keeps a ``securestring``/``secureObject`` parameter out of deployment logs
and outputs, but a resource stores the properties it is given: an expression
that puts a secure parameter into one of them undoes the protection. This
module answers, for one node written in a deployment template, which secure
parameters its value is made from and through which variables, following
``parameters()``, ``variables()``, member access and every function that
passes its arguments' content on.

What counts as secure is a predicate over a parameter declaration
(:func:`declared_secure` reads the ARM ``type``), so another front end (a Bicep
reader, where ``@secure()`` marks a parameter) can hand its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from aiblint.arm.scope import Scope
from aiblint.arm.syntax import Call, Expression, ExpressionError, Index, Property, StringLiteral, is_expression_text
from aiblint.jsontree import JsonArray, JsonNode, JsonObject, JsonString, walk

SecurePredicate = Callable[[JsonObject], bool]

_SECURE_TYPES = frozenset({"securestring", "secureobject"})
#: Functions whose result says nothing of their arguments' content (a length, a
#: comparison, a one-way hash): a secure value that goes in does not come out.
_OPAQUE = frozenset({
    "length", "empty", "equals", "less", "lessorequals", "greater", "greaterorequals", "contains",
    "uniquestring", "guid", "not", "and", "or", "bool",
})
_MAX_DEPTH = 32


def declared_secure(declaration: JsonObject) -> bool:
    """An ARM parameter declared ``securestring`` or ``secureObject``."""
    kind = declaration.get("type")
    return isinstance(kind, JsonString) and kind.text.casefold() in _SECURE_TYPES


@dataclass(frozen=True)
class SecureFlow:
    """A secure parameter (as declared) whose value reaches a node, and the
    variables it went through on the way (outermost first)."""

    parameter: str
    through: tuple[str, ...] = ()


def secure_flows(scope: Scope, node: JsonNode, secure: SecurePredicate = declared_secure) -> list[SecureFlow]:
    """The secure parameters whose value flows into ``node``'s value, each once."""
    found = _Tracer(scope, secure).node(node, (), 0)
    return list(dict.fromkeys(found))


@dataclass
class _Tracer:
    scope: Scope
    secure: SecurePredicate

    def node(self, node: JsonNode, through: tuple[str, ...], depth: int) -> Iterator[SecureFlow]:
        if depth > _MAX_DEPTH:
            return
        for item in walk(node):
            if isinstance(item, JsonString) and is_expression_text(item.text):
                parsed = self.scope.context.parse(item.text)
                if not isinstance(parsed, ExpressionError):
                    yield from self.expression(parsed, through, depth)

    def expression(self, expression: Expression, through: tuple[str, ...], depth: int) -> Iterator[SecureFlow]:
        if isinstance(expression, (Property, Index)):
            target = self._written(expression)
            if target is not None:
                yield from self.node(target[0], (*through, *target[1]), depth + 1)
                return
            yield from self.expression(expression.target, through, depth)
            return
        if not isinstance(expression, Call):
            return
        name = expression.name.casefold()
        if expression.namespace is None and name == "parameters":
            yield from self._parameter(expression, through, depth)
        elif expression.namespace is None and name == "variables":
            variable = self._variable(expression)
            if variable is not None:
                yield from self.node(variable[1], (*through, variable[0]), depth + 1)
        elif expression.namespace is None and name == "if" and len(expression.args) == 3:
            for arg in expression.args[1:]:  # the condition only chooses
                yield from self.expression(arg, through, depth)
        elif name not in _OPAQUE or expression.namespace is not None:
            for arg in expression.args:
                yield from self.expression(arg, through, depth)

    def _parameter(self, call: Call, through: tuple[str, ...], depth: int) -> Iterator[SecureFlow]:
        name = _literal_argument(call)
        declaration = self.scope.parameters.get(name.casefold()) if name is not None else None
        if name is None or declaration is None:
            return
        if self.secure(declaration):
            yield SecureFlow(_declared_name(self.scope, name), through)

    def _variable(self, call: Call) -> tuple[str, JsonNode] | None:
        name = _literal_argument(call)
        node = self.scope.variables.get(name.casefold()) if name is not None else None
        return (name, node) if name is not None and node is not None else None

    def _written(self, expression: Property | Index) -> tuple[JsonNode, tuple[str, ...]] | None:
        """The node a member access of a variable reads (``variables('cfg').name``),
        so that only that member's flows count; ``None`` when not known."""
        keys: list[object] = []
        current: Expression = expression
        while isinstance(current, (Property, Index)):
            if isinstance(current, Property):
                keys.append(current.name)
            elif isinstance(current.index, StringLiteral):
                keys.append(current.index.value)
            else:
                return None
            current = current.target
        if not isinstance(current, Call) or current.namespace is not None or current.name.casefold() != "variables":
            return None
        variable = self._variable(current)
        if variable is None:
            return None
        node: JsonNode | None = variable[1]
        for key in reversed(keys):
            node = _member(node, key)
        return (node, (variable[0],)) if node is not None else None


def _member(node: JsonNode | None, key: object) -> JsonNode | None:
    if isinstance(node, JsonObject) and isinstance(key, str):
        found = node.get_ci(key)
        return found[1] if found is not None else None
    if isinstance(node, JsonArray) and isinstance(key, int):
        return node.items[key] if 0 <= key < len(node.items) else None
    return None


def _literal_argument(call: Call) -> str | None:
    first = call.args[0] if call.args else None
    return first.value if isinstance(first, StringLiteral) else None


def _declared_name(scope: Scope, name: str) -> str:
    section = scope.template.get("parameters")
    if isinstance(section, JsonObject):
        found = section.get_ci(name)
        if found is not None:
            return found[0]
    return name
