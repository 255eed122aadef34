"""Evaluate what a deployment template's values are, as far as the repository tells.

A :class:`Scope` is one template's parameters, variables and user functions;
:class:`ArmContext` holds the scopes of one document (the root template and
nested ``Microsoft.Resources/deployments`` templates, inner or outer scoped)
and the parameters files bound to it.

Every value comes back as a :class:`Val`: the value (see
:mod:`aiblint.arm.builtins` for what values are) and, when the value is
exactly what one node says (a literal, a parameter default, a parameters-file
entry, a variable, or a member of one of these), that node: its origin. A
computed value has no origin; the caller then points at the expression.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Final

from aiblint.arm import builtins
from aiblint.arm.copyloop import copy_loop_names
from aiblint.arm.functions import signature
from aiblint.arm.syntax import (
    Call,
    Expression,
    ExpressionError,
    Index,
    IntegerLiteral,
    Property,
    StringLiteral,
    is_expression_text,
    parse,
)
from aiblint.jsontree import JsonArray, JsonNode, JsonObject, JsonString
from aiblint.record import Record
from aiblint.values import (
    UNKNOWN,
    PartialString,
    Resolved,
    UnknownString,
    has_placeholder,
    placeholder_parts,
    written_in,
)

if TYPE_CHECKING:
    from aiblint.arm.parameters import ParameterValues
    from aiblint.arm.secure import SecurePredicate, _Tracer
    from aiblint.document import Document

_DEPLOYMENTS = "microsoft.resources/deployments"
#: Values nest (objects in variables in parameter defaults...) at most this deep
#: before they are unknown: keeps evaluation far from Python's recursion limit.
_MAX_DEPTH = 48


class Origin(Record):
    """Where a value is written. ``scope`` evaluates the node's children;
    ``None`` reads them literally (a parameters file: ARM does not evaluate
    expressions there)."""

    __slots__ = ("node", "document", "scope")  # noqa: RUF023 - in field order
    node: Final[JsonNode]
    document: Final[Document]
    scope: Final[Scope | None]

    def __init__(self, node: JsonNode, document: Document, scope: Scope | None) -> None:
        self.node = node
        self.document = document
        self.scope = scope


class Val(Record):
    """A value and, when it is exactly what one node says, that node."""

    __slots__ = ("value", "origin")  # noqa: RUF023 - in field order
    value: Final[object]
    origin: Final[Origin | None]

    def __init__(self, value: object, origin: Origin | None = None) -> None:
        self.value = value
        self.origin = origin


class Binding(Record):
    """A value given for a parameter: a parameters-file entry (``scope`` None)
    or a nested deployment's ``parameters`` entry (evaluated in ``scope``).
    ``node`` None: given, but not knowable (a Key Vault reference)."""

    __slots__ = ("node", "document", "scope")  # noqa: RUF023 - in field order
    node: Final[JsonNode | None]
    document: Final[Document]
    scope: Final[Scope | None]

    def __init__(self, node: JsonNode | None, document: Document, scope: Scope | None = None) -> None:
        self.node = node
        self.document = document
        self.scope = scope


def string_value(text: str) -> object:
    """A literal string: itself, or unknown/partial when it holds a placeholder
    or looks like an expression ARM would not evaluate (trailing blanks)."""
    if text.startswith("[["):
        text = text[1:]
    elif text.startswith("[") and text.rstrip().endswith("]"):
        return UNKNOWN
    if has_placeholder(text):
        return placeholder_parts(text) or UNKNOWN
    return text


def arm_resolved(result: Val, node: JsonNode, document: Document) -> Resolved:
    """An evaluation ``result`` as rules read it: unknown unless fully known (a
    :class:`PartialString` kept as ``partial``), at its origin when it comes
    unchanged from elsewhere, else at ``node`` in ``document``."""
    value = result.value
    partial = value if isinstance(value, PartialString) else None
    if not builtins.is_known(value):
        value = UNKNOWN
    origin = result.origin
    if origin is None or origin.node is node:
        return Resolved(value, node, document, partial)
    return Resolved(value, origin.node, written_in(origin.node, origin.document), partial)


def literal(node: JsonNode, document: Document) -> Val:
    """A parameters-file value, read as written: strings that look like
    expressions or hold placeholders are unknown."""
    if isinstance(node, UnknownString):
        return Val(node.partial or UNKNOWN, Origin(node, document, None))
    if isinstance(node, JsonString):
        text = node.text
        value = UNKNOWN if text.startswith("[") else string_value(text)
        return Val(value, Origin(node, document, None))
    if isinstance(node, JsonObject):
        return Val({name: literal(child, document).value for name, child in node.items()}, Origin(node, document, None))
    if isinstance(node, JsonArray):
        return Val([literal(item, document).value for item in node.items], Origin(node, document, None))
    return Val(node.value, Origin(node, document, None))


class ArmContext:
    """The evaluation scopes of one document and the parameter values bound to it."""

    def __init__(self, document: Document, parameter_values: ParameterValues | None = None) -> None:
        self.document = document
        self.parameter_values = parameter_values
        self._scopes: dict[int, Scope] = {}

    def parse(self, text: str) -> Expression | ExpressionError:
        """The syntax tree of an expression string, or why it does not parse."""
        return parsed(text)

    def scope_for(self, template: JsonObject) -> Scope:
        """The scope that evaluates expressions written in ``template`` (a
        deployment template object: the root or a nested one)."""
        scope = self._scopes.get(id(template))
        if scope is None:
            scope = self._make_scope(template)
            self._scopes[id(template)] = scope
        return scope

    def _make_scope(self, template: JsonObject) -> Scope:
        deployment = deployment_of(template)
        if deployment is None:
            values = self.parameter_values
            from_files = dict(values.bindings) if values is not None else {}
            return Scope(self, template, from_files, values is not None and values.unusable)
        outer = self.scope_for(enclosing_template(deployment, self.document))
        properties = deployment.get("properties")
        assert isinstance(properties, JsonObject)
        if not _inner_scope(properties):
            return outer  # the default: a nested template sees the outer template's names
        bindings: dict[str, Binding] = {}
        given = properties.get("parameters")
        if isinstance(given, JsonObject):
            for name, entry in given.items():
                if isinstance(entry, JsonObject) and "value" in entry:
                    bindings[name.casefold()] = Binding(entry.get("value"), self.document, outer)
                elif isinstance(entry, JsonObject) and "reference" in entry:
                    bindings[name.casefold()] = Binding(None, self.document)
        linked = "parametersLink" in properties or (given is not None and not isinstance(given, JsonObject))
        return Scope(self, template, bindings, linked)


@lru_cache(maxsize=1024)
def parsed(text: str) -> Expression | ExpressionError:
    """:func:`~aiblint.arm.syntax.parse`, or the error it raises, once per distinct
    text in a process: templates repeat their expressions (``[parameters('location')]``),
    files copy each other's, and a parse depends on the text alone. The trees are
    immutable records and the errors are only read, so sharing them is safe; an
    entry is only ever handed to a caller that holds the same text, so what it
    quotes from the text reaches no other output. Bounded, so that a long-lived
    process (the language server, a resident server) does not grow, and errors
    keep no traceback (nor the parser's frames)."""
    try:
        return parse(text)
    except ExpressionError as error:
        error.__context__ = None
        return error.with_traceback(None)


def _inner_scope(properties: JsonObject) -> bool:
    options = properties.get_ci("expressionEvaluationOptions")
    scope = options[1].get_ci("scope") if options is not None and isinstance(options[1], JsonObject) else None
    return scope is not None and isinstance(scope[1], JsonString) and scope[1].text.casefold() == "inner"


def deployment_of(template: JsonObject) -> JsonObject | None:
    """The ``Microsoft.Resources/deployments`` resource whose inline template this is."""
    properties = template.parent
    if template.key != "template" or not isinstance(properties, JsonObject) or properties.key != "properties":
        return None
    resource = properties.parent
    if not isinstance(resource, JsonObject):
        return None
    kind = resource.get("type")
    return resource if isinstance(kind, JsonString) and kind.text.casefold() == _DEPLOYMENTS else None


def enclosing_template(node: JsonNode, document: Document) -> JsonObject:
    """The innermost deployment template object that holds ``node``."""
    current = node.parent
    while current is not None:
        if isinstance(current, JsonObject) and (current is document.root or deployment_of(current) is not None):
            return current
        current = current.parent
    assert isinstance(document.root, JsonObject)
    return document.root


class Scope:
    """The names one template's expressions see."""

    __slots__ = (  # noqa: RUF023 - in field order
        "context", "template", "bindings", "parameters_unknown", "copy_indexes", "_cache", "_active", "_parameters",
        "_variables", "_functions", "tracers",
    )
    context: ArmContext
    template: JsonObject
    bindings: dict[str, Binding]
    parameters_unknown: bool  # a parameters file could not be read
    #: case-folded property copy loop name -> the index being evaluated (see aiblint.arm.structure.loop_items)
    copy_indexes: dict[str, int]
    _cache: dict[int, Val]
    _active: set[int]
    _parameters: dict[str, JsonObject] | None
    _variables: dict[str, JsonNode | None] | None
    _functions: dict[tuple[str, str], int] | None
    #: aiblint.arm.secure's tracers of this scope, by predicate: kept on the scope (not in a module-level
    #: table keyed by it, whose values point back at it), so they go with the scope and its template.
    tracers: dict[SecurePredicate, _Tracer] | None

    def __init__(
        self,
        context: ArmContext,
        template: JsonObject,
        bindings: dict[str, Binding],
        parameters_unknown: bool = False,
        copy_indexes: dict[str, int] | None = None,
    ) -> None:
        self.context = context
        self.template = template
        self.bindings = bindings
        self.parameters_unknown = parameters_unknown
        self.copy_indexes = {} if copy_indexes is None else copy_indexes
        self._cache = {}
        self._active = set()
        self._parameters = None
        self._variables = None
        self._functions = None
        self.tracers = None

    def indexed(self, loop: str, index: int) -> Scope:
        """This scope evaluating property copy loop ``loop`` (case-folded) at ``index``: its own values, the same declarations."""
        scope = Scope(self.context, self.template, self.bindings, self.parameters_unknown,
                      {**self.copy_indexes, loop: index})
        scope._parameters, scope._variables, scope._functions = self._parameters, self._variables, self._functions
        return scope

    # -- declarations ----------------------------------------------------------------

    @property
    def parameters(self) -> dict[str, JsonObject]:
        """Declared parameters by case-folded name."""
        if self._parameters is None:
            section = self.template.get("parameters")
            self._parameters = {
                name.casefold(): decl for name, decl in (section.items() if isinstance(section, JsonObject) else [])
                if isinstance(decl, JsonObject)
            }
        return self._parameters

    @property
    def variables(self) -> dict[str, JsonNode | None]:
        """Declared variables by case-folded name (``None``: made by a copy loop)."""
        if self._variables is None:
            found: dict[str, JsonNode | None] = {}
            section = self.template.get("variables")
            if isinstance(section, JsonObject):
                loops = copy_loop_names(section)
                found = {name.casefold(): node for name, node in section.items() if not (loops and name == "copy")}
                found.update({loop.casefold(): None for loop in loops})
            self._variables = found
        return self._variables

    @property
    def functions(self) -> dict[tuple[str, str], int]:
        """User-defined functions: (namespace, member), case-folded -> parameter count."""
        if self._functions is None:
            self._functions = declared_functions(self.template)
        return self._functions

    def declared_names(self, kind: str) -> list[str]:
        """Parameter or variable names as written (``kind``: "parameters" or "variables")."""
        section = self.template.get(kind)
        if not isinstance(section, JsonObject):
            return []
        loops = copy_loop_names(section) if kind == "variables" else []
        return [name for name, _ in section.items() if not (loops and name == "copy")] + loops

    # -- values --------------------------------------------------------------------------

    def value_of(self, node: JsonNode) -> Val:
        """The value of a node written in this scope's template."""
        key = id(node)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if key in self._active or len(self._active) > _MAX_DEPTH:
            return Val(UNKNOWN)  # a cycle (ARM rejects it), or nesting no template needs
        self._active.add(key)
        try:
            result = self._compute(node)
        finally:
            self._active.discard(key)
        self._cache[key] = result
        return result

    def _compute(self, node: JsonNode) -> Val:
        origin = Origin(node, self.context.document, self)
        if isinstance(node, UnknownString):  # a front end could not know it (Terraform in an embedded template)
            return Val(node.partial or UNKNOWN)
        if isinstance(node, JsonString):
            text = node.text
            if not is_expression_text(text):
                return Val(string_value(text), origin)
            parsed = self.context.parse(text)
            if isinstance(parsed, ExpressionError):
                return Val(UNKNOWN)
            return self.evaluate(parsed)
        if isinstance(node, JsonObject):
            generated = copy_loop_names(node)
            value: dict[str, object] = {
                name: self.value_of(child).value for name, child in node.items() if not (generated and name == "copy")
            }
            value.update({name: UNKNOWN for name in generated})
            return Val(value, origin) if builtins.fits(value) else Val(UNKNOWN)
        if isinstance(node, JsonArray):
            items = [self.value_of(item).value for item in node.items]
            return Val(items, origin) if builtins.fits(items) else Val(UNKNOWN)
        return Val(node.value, origin)

    def parameter(self, name: str) -> Val:
        declaration = self.parameters.get(name.casefold())
        if declaration is None or self.parameters_unknown:
            return Val(UNKNOWN)
        binding = self.bindings.get(name.casefold())
        if binding is not None:
            if binding.node is None:
                return Val(UNKNOWN)
            if binding.scope is None:
                return literal(binding.node, binding.document)
            return binding.scope.value_of(binding.node)
        default = declaration.get("defaultValue")
        return self.value_of(default) if default is not None else Val(UNKNOWN)

    def variable(self, name: str) -> Val:
        node = self.variables.get(name.casefold())
        return self.value_of(node) if node is not None else Val(UNKNOWN)

    # -- expressions -----------------------------------------------------------------------

    def evaluate(self, expression: Expression) -> Val:
        if isinstance(expression, StringLiteral):
            text = expression.value
            return Val((placeholder_parts(text) or UNKNOWN) if has_placeholder(text) else text)
        if isinstance(expression, IntegerLiteral):
            return Val(expression.value)
        if isinstance(expression, Property):
            return self.member(self.evaluate(expression.target), expression.name)
        if isinstance(expression, Index):
            return self.member(self.evaluate(expression.target), self.evaluate(expression.index).value)
        return self._call(expression)

    def member(self, container: Val, key: object) -> Val:
        """``container.key`` / ``container[key]``, keeping track of where the member is written."""
        origin = container.origin
        if origin is not None:
            child = _child(origin.node, key)
            if child is not None:
                if origin.scope is None:
                    return literal(child, origin.document)
                return origin.scope.value_of(child)
        return Val(builtins.lookup(container.value, key))

    def _call(self, call: Call) -> Val:
        if call.namespace is not None:
            return Val(UNKNOWN)  # user-defined functions are not evaluated
        name = call.name.casefold()
        known = signature(call.name)
        if known is None or not known.accepts(len(call.args)):
            return Val(UNKNOWN)
        if name in ("parameters", "variables"):
            argument = self.evaluate(call.args[0]).value
            if not isinstance(argument, str):
                return Val(UNKNOWN)
            return self.parameter(argument) if name == "parameters" else self.variable(argument)
        if name == "if":
            return self._if(call)
        if name == "coalesce":
            return self._coalesce(call)
        if name == "copyindex":
            return Val(self._copy_index([self.evaluate(arg).value for arg in call.args]))
        return Val(builtins.call(name, [self.evaluate(arg).value for arg in call.args]))

    def _if(self, call: Call) -> Val:
        condition = self.evaluate(call.args[0]).value
        if isinstance(condition, bool):
            return self.evaluate(call.args[1] if condition else call.args[2])
        when_true, when_false = self.evaluate(call.args[1]).value, self.evaluate(call.args[2]).value
        if builtins.is_known(when_true) and builtins.is_known(when_false) and builtins.json_equal(when_true, when_false):
            return Val(when_true)
        return Val(UNKNOWN)

    def _copy_index(self, args: list[object]) -> object:
        """``copyIndex('loop', offset)`` inside a property copy loop being expanded;
        a resource loop's index (no name) is not known."""
        if not args or not isinstance(args[0], str) or args[0].casefold() not in self.copy_indexes:
            return UNKNOWN
        offset = args[1] if len(args) > 1 else 0
        if isinstance(offset, bool) or not isinstance(offset, int):
            return UNKNOWN
        return self.copy_indexes[args[0].casefold()] + offset

    def _coalesce(self, call: Call) -> Val:
        for arg in call.args:
            result = self.evaluate(arg)
            if result.value is UNKNOWN or isinstance(result.value, PartialString):
                return Val(UNKNOWN)
            if result.value is not None:
                return result
        return Val(None)


def declared_functions(template: JsonObject) -> dict[tuple[str, str], int]:
    """A template's user-defined functions: (namespace, member), case-folded -> parameter count."""
    found: dict[tuple[str, str], int] = {}
    section = template.get("functions")
    for entry in section.items if isinstance(section, JsonArray) else []:
        namespace = entry.get("namespace") if isinstance(entry, JsonObject) else None
        members = entry.get("members") if isinstance(entry, JsonObject) else None
        if not isinstance(namespace, JsonString) or not isinstance(members, JsonObject):
            continue
        for member, definition in members.items():
            params = definition.get("parameters") if isinstance(definition, JsonObject) else None
            found[(namespace.text.casefold(), member.casefold())] = len(params.items) if isinstance(params, JsonArray) else 0
    return found


def _child(node: JsonNode, key: object) -> JsonNode | None:
    if isinstance(node, JsonObject) and isinstance(key, str):
        if key.casefold() == "copy":
            return None
        found = node.get(key) if key in node else node.get_ci(key)
        return found[1] if isinstance(found, tuple) else found
    if isinstance(node, JsonArray) and isinstance(key, int) and not isinstance(key, bool):
        return node.items[key] if 0 <= key < len(node.items) else None
    return None
