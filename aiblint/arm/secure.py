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

from collections.abc import Callable
from typing import Final

from aiblint.arm.scope import Scope
from aiblint.arm.syntax import Call, Expression, ExpressionError, Index, Property, StringLiteral, is_expression_text
from aiblint.jsontree import JsonArray, JsonNode, JsonObject, JsonString, walk
from aiblint.record import Record

SecurePredicate = Callable[[JsonObject], bool]

_SECURE_TYPES = frozenset({"securestring", "secureobject"})
#: Functions whose result says nothing of their arguments' content (a length, a
#: comparison, a one-way hash): a secure value that goes in does not come out.
_OPAQUE = frozenset({
    "length", "empty", "equals", "less", "lessorequals", "greater", "greaterorequals", "contains",
    "uniquestring", "guid", "not", "and", "or", "bool",
})
_MAX_DEPTH = 64


def declared_secure(declaration: JsonObject) -> bool:
    """An ARM parameter declared ``securestring`` or ``secureObject``."""
    kind = declaration.get("type")
    return isinstance(kind, JsonString) and kind.text.casefold() in _SECURE_TYPES


class SecureFlow(Record):
    """A secure parameter (as declared) whose value reaches a node, and the
    variables it went through on the way (outermost first)."""

    __slots__ = ("parameter", "through", "passed_as")  # noqa: RUF023 - in field order
    parameter: Final[str]
    through: Final[tuple[str, ...]]
    #: the names it was given as parameters of nested deployments (outermost first)
    passed_as: Final[tuple[str, ...]]

    def __init__(self, parameter: str, through: tuple[str, ...] = (), passed_as: tuple[str, ...] = ()) -> None:
        self.parameter = parameter
        self.through = through
        self.passed_as = passed_as


def secure_flows(scope: Scope, node: JsonNode, secure: SecurePredicate = declared_secure) -> list[SecureFlow]:
    """The secure parameters whose value flows into ``node``'s value, each once."""
    return _tracer(scope, secure).node(node)


def _tracer(scope: Scope, secure: SecurePredicate) -> _Tracer:
    """One tracer per scope and predicate, so that what a variable carries is worked out once
    per template (a value doubled through 64 variables is 64 steps, not 2**64). Kept on the
    scope: a module-level WeakKeyDictionary keyed by the scope, whose tracers point back at
    it, kept every scope, its template's tree and document alive to the end of the run."""
    by_predicate = scope.tracers
    if by_predicate is None:
        by_predicate = scope.tracers = {}
    found = by_predicate.get(secure)
    if found is None:
        found = by_predicate[secure] = _Tracer(scope, secure)
    return found


class _Tracer:
    def __init__(self, scope: Scope, secure: SecurePredicate) -> None:
        self.scope = scope
        self.secure = secure
        # (a nested deployment's parameter may be handed a secure value without being declared secure)
        self.any_secure = any(secure(declaration) for declaration in scope.parameters.values()) or any(
            binding.scope is not None for binding in scope.bindings.values())
        self._flows: dict[int, list[SecureFlow]] = {}  # id(node) -> what its value carries
        self._active: set[int] = set()

    def node(self, node: JsonNode) -> list[SecureFlow]:
        """What ``node``'s value carries (every string in it), worked out once per node."""
        if not self.any_secure:
            return []
        key = id(node)
        known = self._flows.get(key)
        if known is not None:
            return known
        if key in self._active or len(self._active) > _MAX_DEPTH:
            return []  # a cycle (ARM rejects it), or nesting no template needs
        self._active.add(key)
        try:
            found: list[SecureFlow] = []
            for item in walk(node):
                if isinstance(item, JsonString) and is_expression_text(item.text):
                    parsed = self.scope.context.parse(item.text)
                    if not isinstance(parsed, ExpressionError):
                        found += self.expression(parsed)
        finally:
            self._active.discard(key)
        result = list(dict.fromkeys(found))
        self._flows[key] = result
        return result

    def _through(self, name: str, node: JsonNode) -> list[SecureFlow]:
        return [SecureFlow(flow.parameter, (name, *flow.through), flow.passed_as) for flow in self.node(node)]

    def expression(self, expression: Expression) -> list[SecureFlow]:
        if isinstance(expression, (Property, Index)):
            target = self._written(expression)
            if target is not None:
                return self._through(*target)
            return self.expression(expression.target)
        if not isinstance(expression, Call):
            return []
        name = expression.name.casefold()
        if expression.namespace is None and name == "parameters":
            return self._parameter(expression)
        if expression.namespace is None and name == "variables":
            variable = self._variable(expression)
            return self._through(*variable) if variable is not None else []
        if expression.namespace is None and name == "if" and len(expression.args) == 3:
            args: tuple[Expression, ...] = expression.args[1:]  # the condition only chooses
        elif name in _OPAQUE and expression.namespace is None:
            return []
        else:
            args = expression.args
        return [flow for arg in args for flow in self.expression(arg)]

    def _parameter(self, call: Call) -> list[SecureFlow]:
        name = _literal_argument(call)
        declaration = self.scope.parameters.get(name.casefold()) if name is not None else None
        if name is None or declaration is None:
            return []
        if self.secure(declaration):
            return [SecureFlow(_declared_name(self.scope, name))]
        return self._passed(name)

    def _passed(self, name: str) -> list[SecureFlow]:
        """A parameter of a nested deployment (inner scope) that is not declared
        secure, given a value by the template that deploys it: what that value
        carries (ARM hands it on as a plain value)."""
        binding = self.scope.bindings.get(name.casefold())
        if binding is None or binding.node is None or binding.scope is None:
            return []  # not a nested deployment's parameter (a parameters file, a default: not secure)
        declared = _declared_name(self.scope, name)
        return [SecureFlow(flow.parameter, flow.through, (*flow.passed_as, declared))
                for flow in _tracer(binding.scope, self.secure).node(binding.node)]

    def _variable(self, call: Call) -> tuple[str, JsonNode] | None:
        name = _literal_argument(call)
        node = self.scope.variables.get(name.casefold()) if name is not None else None
        return (name, node) if name is not None and node is not None else None

    def _written(self, expression: Property | Index) -> tuple[str, JsonNode] | None:
        """The variable and the node a member access of it reads
        (``variables('cfg').name``), so that only that member's flows count;
        ``None`` when not known."""
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
        return (variable[0], node) if node is not None else None


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
