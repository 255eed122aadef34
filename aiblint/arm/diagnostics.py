"""Expressions ARM would reject before deploying anything (AIB005).

Every string ARM evaluates in a deployment template (parameter defaults,
variables, resources, outputs; nested inline templates in their own scope) is
parsed; a parse error, an unknown function, a wrong number of arguments, or a
``parameters('x')``/``variables('x')`` naming nothing declared is a problem at
the exact place inside the string. Names are compared without regard to case,
as ARM does. Only literal names are checked: ``parameters(variables('n'))`` is
not judged.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from typing import Final

from aiblint.arm.functions import signature, suggestion
from aiblint.arm.scope import ArmContext, Scope, declared_functions, deployment_of
from aiblint.arm.syntax import Call, Expression, ExpressionError, StringLiteral, is_expression_text, walk
from aiblint.document import Document
from aiblint.jsontree import JsonArray, JsonNode, JsonObject, JsonScalar, JsonString
from aiblint.lazyre import lazy
from aiblint.record import Record

#: What an expression meant as one starts with: a call or a quoted string.
_LOOKS_LIKE_EXPRESSION = lazy(r"\[\s*(?:[A-Za-z_$][\w$.]*\s*\(|')")
_LITERAL_HINT = "; if this text is meant literally (a shell test, a JSON array), start it with '[['"
#: Output members ARM evaluates (``metadata`` and ``type`` are not).
_OUTPUT_MEMBERS = ("value", "copy", "condition")


class ExpressionProblem(Record):
    """``start``/``end``: indexes into the decoded string (the ``[`` is 0)."""

    __slots__ = ("node", "message", "start", "end")  # noqa: RUF023 - in field order
    node: Final[JsonString]
    message: Final[str]
    start: Final[int]
    end: Final[int]

    def __init__(self, node: JsonString, message: str, start: int, end: int) -> None:
        self.node = node
        self.message = message
        self.start = start
        self.end = end


def deployment_templates(document: Document) -> list[JsonObject]:
    """The root deployment template and every inline nested template, in document order."""
    root = document.root
    if not isinstance(root, JsonObject):
        return []
    found = [root]
    stack: list[JsonNode] = [root]  # containers only, in the order jsontree.walk visits them
    while stack:
        node = stack.pop()
        if isinstance(node, JsonObject):
            if node.key == "template" and deployment_of(node) is not None:
                found.append(node)
            children = [value for _, value in node.members if not isinstance(value, JsonScalar)]
        elif isinstance(node, JsonArray):
            children = [item for item in node.items if not isinstance(item, JsonScalar)]
        else:
            continue
        children.reverse()
        stack += children
    return found


def expression_problems(context: ArmContext) -> Iterator[ExpressionProblem]:
    for template in deployment_templates(context.document):
        scope = context.scope_for(template)
        own = declared_functions(template)
        # What each distinct text's calls get wrong, within this template: the answer
        # depends on the text, the scope and ``own`` alone, the same for every string
        # of this template (templates repeat ``[parameters('location')]``).
        judged: dict[str, list[tuple[str, int, int]]] = {}
        for string in evaluated_strings(template):
            text = string.text
            if not is_expression_text(text) or text == "[]":
                continue
            problems = judged.get(text)
            if problems is None:
                problems = judged[text] = _problems(context, text, scope, own)
            for message, start, end in problems:
                yield ExpressionProblem(string, message, start, end)


def _problems(context: ArmContext, text: str, scope: Scope, own: dict[tuple[str, str], int]) -> list[tuple[str, int, int]]:
    """What is wrong with the expression ``text`` in ``scope``: ``(message, start, end)``."""
    parsed = context.parse(text)
    if isinstance(parsed, ExpressionError):
        message = parsed.message + ("" if _LOOKS_LIKE_EXPRESSION().match(text) else _LITERAL_HINT)
        return [(message, parsed.start, min(parsed.end, len(text)))]
    return [problem for call in _calls(text, parsed) for problem in _call_problems(call, scope, own)]


def _calls(text: str, parsed: Expression) -> tuple[Call, ...]:
    """The calls of the expression ``text`` parsed as ``parsed``, in the order its walk
    visits them: once per distinct text (files repeat their expressions, and copies of a
    file all of them). Kept by the text, with the very tree they were found in (a tree's
    hash would hash every node): any other tree is walked, never answered from here.
    Bounded: a long-lived process (the language server, the resident mode) does not grow."""
    found = _CALLS.get(text)
    if found is None or found[0] is not parsed:
        if len(_CALLS) >= _CALLS_KEPT:
            _CALLS.clear()
        found = _CALLS[text] = (parsed, tuple(node for node in walk(parsed) if isinstance(node, Call)))
    return found[1]


_CALLS: dict[str, tuple[Expression, tuple[Call, ...]]] = {}
_CALLS_KEPT: Final = 4096


def evaluated_strings(template: JsonObject) -> Iterator[JsonString]:
    """Strings of ``template`` that ARM evaluates, nested templates excluded."""
    roots: list[JsonNode] = []
    parameters = template.get("parameters")
    if isinstance(parameters, JsonObject):
        roots += [decl.get("defaultValue") for _, decl in parameters.items() if isinstance(decl, JsonObject) and "defaultValue" in decl]  # type: ignore[misc]
    for section in ("variables", "resources"):
        node = template.get(section)
        if node is not None:
            roots.append(node)
    outputs = template.get("outputs")
    if isinstance(outputs, JsonObject):
        for _, output in outputs.items():
            if isinstance(output, JsonObject):
                roots += [node for name, node in output.items() if name in _OUTPUT_MEMBERS]
    yield from _strings(roots)


def _strings(roots: Iterable[JsonNode]) -> list[JsonString]:
    found: list[JsonString] = []
    stack = list(reversed(list(roots)))
    while stack:
        node = stack.pop()
        if isinstance(node, JsonString):
            found.append(node)
        elif isinstance(node, JsonObject):
            if node.key == "template" and deployment_of(node) is not None:
                continue  # checked in its own scope
            children = [child for name, child in node.items() if name != "comments"]
            children.reverse()
            stack += children
        elif isinstance(node, JsonArray):
            stack.extend(reversed(node.items))
    return found


def _call_problems(call: Call, scope: Scope, own: dict[tuple[str, str], int]) -> Iterator[tuple[str, int, int]]:
    count = len(call.args)
    if call.namespace is not None:
        key = (call.namespace.casefold(), call.name.casefold())
        declared = own.get(key, scope.functions.get(key))
        full = f"{call.namespace}.{call.name}"
        if declared is None:
            yield f"unknown function {full}(): no user-defined function of that name in this template's 'functions'", call.start, call.name_end
        elif declared != count:
            yield f"{full}() takes {_count(declared)}, {count} given", call.start, call.name_end
        return
    found = signature(call.name)
    if found is None:
        close = suggestion(call.name)
        hint = f"; did you mean {close}()?" if close else ""
        yield f"unknown function {call.name}(){hint}", call.start, call.name_end
        return
    if not found.accepts(count):
        yield f"{found.name}() takes {found.describe()}, {count} given", call.start, call.name_end
        return
    kind = call.name.casefold()
    if kind in ("parameters", "variables") and isinstance(call.args[0], StringLiteral):
        argument = call.args[0]
        names: Collection[str] = scope.parameters if kind == "parameters" else scope.variables  # case-folded
        if argument.value.casefold() not in names:
            yield _undeclared(kind, argument.value, scope), argument.start, argument.end


def _count(number: int) -> str:
    return f"{number} argument" if number == 1 else f"{number} arguments"


def _undeclared(kind: str, name: str, scope: Scope) -> str:
    names = scope.declared_names(kind)
    what = "parameter" if kind == "parameters" else "variable"
    import difflib  # a suggestion only: not imported by a run that needs none
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"{what} '{name}' is not declared in this template's {kind}{hint}"
