"""Tokenizer and parser for ARM template language expressions.

An expression is a JSON string that starts with ``[`` and ends with ``]``
(``[[`` makes a literal string). Inside: function calls (``concat(...)``,
user functions ``ns.fn(...)``), string literals in single quotes (``''`` is
a quote), integers, property access (``.location``) and indexers (``[0]``,
``['key']``). There are no operators.

Positions are indexes into the decoded string value, the opening ``[``
included, so a caller maps them to file offsets with
:func:`aiblint.textmap.source_offset`.
"""

from __future__ import annotations

import re
from typing import Final, Union

from aiblint.record import Record

_SPACE: Final = " \t\r\n"
_IDENTIFIER: Final = re.compile(r"[A-Za-z_$][A-Za-z0-9_$\-]*")
_INTEGER: Final = re.compile(r"-?[0-9]+")
_PUNCTUATION: Final = "()[],."
#: Names people write without the parentheses ARM needs.
_CONSTANTS: Final = ("true", "false", "null")


class ExpressionError(Exception):
    """The expression does not parse; ``start``/``end`` are string indexes."""

    def __init__(self, message: str, start: int, end: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end if end is not None else start + 1


# -- syntax tree -----------------------------------------------------------------------


class StringLiteral(Record):
    """``'text'``, ``''`` a quote."""

    __slots__ = ("value", "start", "end")  # noqa: RUF023 - in field order
    value: Final[str]
    start: Final[int]
    end: Final[int]

    def __init__(self, value: str, start: int, end: int) -> None:
        self.value = value
        self.start = start
        self.end = end


class IntegerLiteral(Record):
    """``42``, ``-1``."""

    __slots__ = ("value", "start", "end")  # noqa: RUF023 - in field order
    value: Final[int]
    start: Final[int]
    end: Final[int]

    def __init__(self, value: int, start: int, end: int) -> None:
        self.value = value
        self.start = start
        self.end = end


class Call(Record):
    """``name(args)``; ``namespace`` is set for user-defined ``ns.name(args)``."""

    __slots__ = ("name", "args", "start", "end", "name_end", "namespace")  # noqa: RUF023 - in field order
    name: Final[str]
    args: Final[tuple[Expression, ...]]
    start: Final[int]  # the name
    end: Final[int]  # just past ')'
    name_end: Final[int]
    namespace: Final[str | None]

    def __init__(self, name: str, args: tuple[Expression, ...], start: int, end: int, name_end: int, namespace: str | None = None) -> None:
        self.name = name
        self.args = args
        self.start = start
        self.end = end
        self.name_end = name_end
        self.namespace = namespace


class Property(Record):
    """``target.name``"""

    __slots__ = ("target", "name", "start", "end")  # noqa: RUF023 - in field order
    target: Final[Expression]
    name: Final[str]
    start: Final[int]
    end: Final[int]

    def __init__(self, target: Expression, name: str, start: int, end: int) -> None:
        self.target = target
        self.name = name
        self.start = start
        self.end = end


class Index(Record):
    """``target[index]``"""

    __slots__ = ("target", "index", "start", "end")  # noqa: RUF023 - in field order
    target: Final[Expression]
    index: Final[Expression]
    start: Final[int]
    end: Final[int]

    def __init__(self, target: Expression, index: Expression, start: int, end: int) -> None:
        self.target = target
        self.index = index
        self.start = start
        self.end = end


Expression = Union[StringLiteral, IntegerLiteral, Call, Property, Index]  # noqa: UP007 - runtime alias on 3.10


# -- tokens ----------------------------------------------------------------------------


class Token(Record):
    """One token of an expression."""

    __slots__ = ("kind", "text", "start", "end", "value")  # noqa: RUF023 - in field order
    kind: Final[str]  # "(", ")", "[", "]", ",", ".", "string", "integer", "name", "end"
    text: Final[str]
    start: Final[int]
    end: Final[int]
    value: Final[str | int | None]

    def __init__(self, kind: str, text: str, start: int, end: int, value: str | int | None = None) -> None:
        self.kind = kind
        self.text = text
        self.start = start
        self.end = end
        self.value = value


def tokenize(text: str, start: int, stop: int) -> list[Token]:
    """Tokens of ``text[start:stop]`` (the inside of the outer brackets)."""
    tokens: list[Token] = []
    index = start
    while index < stop:
        char = text[index]
        if char in _SPACE:
            index += 1
        elif char in _PUNCTUATION:
            tokens.append(Token(char, char, index, index + 1))
            index += 1
        elif char == "'":
            index = _string_token(text, index, stop, tokens)
        elif (match := _IDENTIFIER.match(text, index, stop)) is not None:  # names first: the most
            found = match.group()  # common; no integer starts like a name, so the order is free
            tokens.append(Token("name", found, index, match.end(), found))
            index = match.end()
        elif (match := _INTEGER.match(text, index, stop)) is not None:
            tokens.append(Token("integer", match.group(), index, match.end(), int(match.group())))
            index = match.end()
        else:
            what = f"'{char}'" if char.isprintable() else f"character U+{ord(char):04X}"
            hint = " (ARM expressions have no operators: use functions such as equals() or add())" if char in "+*/=<>!&|" else ""
            hint = ' (strings in expressions use single quotes)' if char == '"' else hint
            raise ExpressionError(f"unexpected {what} in expression{hint}", index)
    tokens.append(Token("end", "]", stop, stop + 1))  # the closing bracket
    return tokens


def _string_token(text: str, index: int, stop: int, tokens: list[Token]) -> int:
    """Scan a quoted string from ``index`` (the quote); ``''`` is one quote."""
    parts: list[str] = []
    position = index + 1
    while True:
        quote = text.find("'", position, stop)
        if quote < 0:
            raise ExpressionError(
                "string opened here is never closed (write a quote inside a string as '')", index, stop
            )
        parts.append(text[position:quote])
        if quote + 1 < stop and text[quote + 1] == "'":
            parts.append("'")
            position = quote + 2
            continue
        tokens.append(Token("string", text[index : quote + 1], index, quote + 1, "".join(parts)))
        return quote + 1


# -- parser ----------------------------------------------------------------------------


def is_expression_text(text: str) -> bool:
    """What ARM evaluates: ``[`` first, ``]`` last, not ``[[``."""
    return len(text) >= 2 and text[0] == "[" and text[-1] == "]" and text[1] != "["


def parse(text: str) -> Expression:
    """Parse a whole expression string (``"[...]"``); raises :class:`ExpressionError`."""
    if not is_expression_text(text):
        raise ValueError("not an expression")
    stop = len(text) - 1
    simple = _one_string_call(text, stop)
    if simple is not None:
        return simple
    return _tokens_parsed(text, stop)


def _tokens_parsed(text: str, stop: int) -> Expression:
    """:func:`parse`'s general way, the tokenizer and the parser (what :func:`_one_string_call`'s
    answers are tested against)."""
    tokens = tokenize(text, 1, stop)
    if tokens[0].kind == "end":
        raise ExpressionError("empty expression '[]'", 0, len(text))
    parser = _Parser(tokens)
    expression = parser.expression()
    token = parser.peek()
    if token.kind != "end":
        raise ExpressionError(_unexpected_after_end(token), token.start, token.end)
    return expression


def _one_string_call(text: str, stop: int) -> Call | None:
    """The most common expression, ``[parameters('name')]`` (78 of the corpus's 187):
    a name, then ``('``, text without a quote, and ``')]``. Its tree, built without
    tokens, is the one the tokenizer and the parser build (tests/test_arm_syntax.py
    compares them); string tests and the tokenizer's compiled name pattern, so a run
    compiles no other pattern for it."""
    name = _IDENTIFIER.match(text, 1, stop)
    if name is None:
        return None
    name_end = name.end()
    if not text.startswith("('", name_end) or text.find("'", name_end + 2) != stop - 2 or not text.endswith("')]"):
        return None
    value = text[name_end + 2 : stop - 2]
    return Call(name.group(), (StringLiteral(value, name_end + 1, stop - 1),), 1, stop, name_end)


def _unexpected_after_end(token: Token) -> str:
    if token.kind in ")]":
        return f"unexpected '{token.text}': there is no open '{'(' if token.kind == ')' else '['}' to close"
    return f"unexpected {_describe(token)} after the end of the expression (a missing ',' or '('?)"


def _describe(token: Token) -> str:
    if token.kind == "end":
        return "end of expression"
    if token.kind == "string":
        return f"string {token.text}"
    if token.kind in ("name", "integer"):
        return f"'{token.text}'"
    return f"'{token.kind}'"


class _Parser:
    """Recursive descent over the token list, nesting at most 64 levels (real
    templates use a dozen) so that parsing and evaluating stay far from
    Python's recursion limit."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.position = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.position]

    def take(self) -> Token:
        token = self.tokens[self.position]
        if token.kind != "end":
            self.position += 1
        return token

    def expression(self) -> Expression:
        self.depth += 1
        if self.depth > 64:
            token = self.peek()
            raise ExpressionError("expression nests too deeply (over 64 levels)", token.start, token.end)
        node = self.primary()
        while True:
            token = self.peek()
            if token.kind == ".":
                self.take()
                name = self.take()
                if name.kind != "name":
                    raise ExpressionError(f"expected a property name after '.', found {_describe(name)}", name.start, name.end)
                node = Property(node, name.text, node_start(node), name.end)
            elif token.kind == "[":
                self.take()
                if self.peek().kind == "]":
                    closing = self.peek()
                    raise ExpressionError("empty indexer '[]': write an index or a property name", token.start, closing.end)
                index = self.expression()
                closing = self.take()
                if closing.kind == "end":
                    raise ExpressionError("missing ']' to close the indexer '['", closing.start, closing.end)
                if closing.kind != "]":
                    raise ExpressionError(f"expected ']' to close the indexer, found {_describe(closing)}", closing.start, closing.end)
                node = Index(node, index, node_start(node), closing.end)
            else:
                self.depth -= 1
                return node

    def primary(self) -> Expression:
        token = self.take()
        if token.kind == "string":
            assert isinstance(token.value, str)
            return StringLiteral(token.value, token.start, token.end)
        if token.kind == "integer":
            assert isinstance(token.value, int)
            return IntegerLiteral(token.value, token.start, token.end)
        if token.kind == "name":
            return self.call(token)
        if token.kind == "end":
            raise ExpressionError("expression ends where a value was expected", token.start, token.end)
        raise ExpressionError(f"expected a function call, a string or a number, found {_describe(token)}", token.start, token.end)

    def call(self, name: Token) -> Call:
        namespace: str | None = None
        start = name.start
        if self.peek().kind == "." and self.tokens[self.position + 1].kind == "name":
            # ns.fn(...) is a user-defined function; anything else is an error below
            member = self.tokens[self.position + 1]
            if self.tokens[self.position + 2].kind == "(":
                self.position += 2
                namespace, name = name.text, member
        opening = self.take()
        if opening.kind != "(":
            hint = f": write {name.text}()" if name.text.lower() in _CONSTANTS else " (a function name needs its argument list)"
            raise ExpressionError(f"expected '(' after '{name.text}'{hint}", name.start, name.end)
        args: list[Expression] = []
        if self.peek().kind == ")":
            closing = self.take()
            return Call(name.text, (), start, closing.end, name.end, namespace)
        while True:
            args.append(self.expression())
            separator = self.take()
            if separator.kind == ")":
                return Call(name.text, tuple(args), start, separator.end, name.end, namespace)
            if separator.kind == "end":
                raise ExpressionError(f"missing ')' to close {name.text}(", separator.start, separator.end)
            if separator.kind != ",":
                raise ExpressionError(
                    f"expected ',' or ')' in the arguments of {name.text}(, found {_describe(separator)}",
                    separator.start, separator.end,
                )


def node_start(node: Expression) -> int:
    return node.start


def walk(node: Expression) -> list[Expression]:
    """Every node of the tree, parents before children (iterative)."""
    out: list[Expression] = []
    stack: list[Expression] = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        if isinstance(current, Call):
            stack.extend(reversed(current.args))
        elif isinstance(current, Property):
            stack.append(current.target)
        elif isinstance(current, Index):
            stack.extend((current.index, current.target))
    return out
