"""Bicep text -> a tree-sitter tree, with character offsets and decoded strings.

tree-sitter counts bytes; the positioned tree counts characters (code points),
so every span goes through :meth:`Source.span`. Strings are decoded here with
a map from each decoded character to its offset in the text (through ``\\'``,
``\\\\``, ``\\n``, ``\\$``, ``\\u{...}`` and ``'''`` multi-line strings), so that a
finding inside an inline script lands on the character written.
"""

from __future__ import annotations

import bisect
from functools import cache
from typing import TYPE_CHECKING, Final, Union

from aiblint.record import MutableRecord, Record

if TYPE_CHECKING:
    from tree_sitter import Node, Parser

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", "'": "'", "$": "$"}
#: Syntax newer than the grammar knows; a file using it is read without that part.
_GAPS = (("...", "spread (`...`)"), ("?", "nullable types and safe access (`?`)"), ("!", "non-null assertions (`!`)"),
         ("<", "type arguments (`resourceInput<...>`)"), ("|", "union types (`|`)"), ("=>", "lambdas"))


@cache
def parser() -> Parser:
    import tree_sitter
    import tree_sitter_bicep

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_bicep.language()))


class Source:
    """One Bicep file: its text, bytes and parse tree."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.data = text.encode("utf-8", "surrogatepass")
        self.tree = parser().parse(self.data)
        self._ascii = len(self.data) == len(text)
        self._byte_starts: list[int] = []

    def offset(self, byte: int) -> int:
        """The character offset of a byte offset."""
        if self._ascii:
            return byte
        if not self._byte_starts:
            position = 0
            for char in self.text:
                self._byte_starts.append(position)
                position += len(char.encode("utf-8", "surrogatepass"))
        return bisect.bisect_right(self._byte_starts, byte) - 1 if byte < len(self.data) else len(self.text)

    def span(self, node: Node) -> tuple[int, int]:
        return self.offset(node.start_byte), self.offset(node.end_byte)

    def source(self, node: Node) -> str:
        start, end = self.span(node)
        return self.text[start:end]


def comments(source: Source) -> list[tuple[int, int]]:
    """(start, end) of every ``//`` and ``/* */`` comment, in text order."""
    found: list[tuple[int, int]] = []
    stack = [source.tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "comment":
            found.append(source.span(node))
            continue
        stack.extend(node.children)
    return sorted(found)


class SyntaxIssue(Record):
    """Where a Bicep file does not parse, and why."""

    __slots__ = ("start", "end", "message", "gap")  # noqa: RUF023 - in field order
    start: Final[int]
    end: Final[int]
    message: Final[str]
    gap: Final[bool]  # newer syntax the grammar does not know: the rest of the file is still read

    def __init__(self, start: int, end: int, message: str, gap: bool) -> None:
        self.start = start
        self.end = end
        self.message = message
        self.gap = gap


def issues(source: Source) -> list[SyntaxIssue]:
    """Every ERROR or MISSING node, outermost only, in text order."""
    found: list[SyntaxIssue] = []
    stack = [source.tree.root_node]
    while stack:
        node = stack.pop()
        if not node.has_error:
            continue
        if node.is_error or node.is_missing:
            found.append(_issue(source, node))
            continue
        stack.extend(reversed(node.children))
    return found


def _issue(source: Source, node: Node) -> SyntaxIssue:
    start, end = source.span(node)
    text = source.text[start:end]
    around = source.text[max(start - 3, 0) : end + 2]
    for token, what in _GAPS:
        if token in text or (token in "?!" and token in around):
            return SyntaxIssue(start, end, what, True)
    if _in_type_position(node):
        return SyntaxIssue(start, end, "a type expression this version does not read", True)
    if node.is_missing:
        return SyntaxIssue(start, max(end, start + 1), f"Bicep syntax error: expected {node.type!r} here", False)
    shown = text.strip().splitlines()[0][:40] if text.strip() else ""
    what = f"unexpected {shown!r}" if shown else "unexpected end of input"
    return SyntaxIssue(start, max(end, start + 1), f"Bicep syntax error: {what}", False)


def _in_type_position(node: Node) -> bool:
    """Inside a ``type`` declaration, a parameter's type or a decorator: only types, never values."""
    current: Node | None = node
    while current is not None:
        if current.type in ("type", "type_declaration", "decorator", "decorators"):
            return True
        current = current.parent
    parent = node.parent
    return bool(parent is not None and parent.type in ("parameter_declaration", "output_declaration"))


Piece = Union[str, "Node"]


class DecodedString(MutableRecord):
    """A string literal's pieces: literal text (with the source offset of each
    character) and interpolated expressions, in order."""

    __slots__ = ("pieces", "end")  # noqa: RUF023 - in field order
    pieces: list[tuple[Piece, list[int]]]  # (text, offsets) or (expression node, [offset of "${"])
    end: int  # offset just past the content (before the closing quote)

    def __init__(self, pieces: list[tuple[Piece, list[int]]], end: int) -> None:
        self.pieces = pieces
        self.end = end

    @property
    def literal(self) -> str | None:
        """The value when nothing is interpolated."""
        if all(isinstance(piece, str) for piece, _ in self.pieces):
            return "".join(piece for piece, _ in self.pieces if isinstance(piece, str))
        return None


def decode_string(source: Source, node: Node) -> DecodedString:
    """The pieces of a ``string`` node (single-quoted with escapes and ``${}``, or ``'''``)."""
    start, end = source.span(node)
    text = source.text
    if text.startswith("'''", start):
        begin = start + 3
        stop = end - 3 if end - start >= 6 and text.startswith("'''", end - 3) else end
        if text.startswith("\r\n", begin):  # the line break right after ''' is not part of the value
            begin += 2
        elif text.startswith("\n", begin):
            begin += 1
        return DecodedString([(text[begin:stop], list(range(begin, stop)))], stop)
    interpolations = {source.offset(child.start_byte): child for child in node.named_children if child.type == "interpolation"}
    stop = end - 1 if end - start >= 2 and text[end - 1] == "'" else end
    pieces: list[tuple[Piece, list[int]]] = []
    chars: list[str] = []
    offsets: list[int] = []
    index = start + 1
    while index < stop:
        char = text[index]
        if char == "$" and index in interpolations:
            if chars:
                pieces.append(("".join(chars), offsets))
                chars, offsets = [], []
            child = interpolations[index]
            inner = child.named_children[0] if child.named_children else None
            if inner is not None:
                pieces.append((inner, [index]))
            index = source.offset(child.end_byte)
            continue
        if char == "\\" and index + 1 < stop:
            following = text[index + 1]
            if following in _ESCAPES:
                chars.append(_ESCAPES[following])
                offsets.append(index)
                index += 2
                continue
            if following == "u" and text.startswith("{", index + 2):
                close = text.find("}", index + 3, stop)
                try:
                    chars.append(chr(int(text[index + 3 : close], 16)))
                except (ValueError, OverflowError):
                    chars.append("\ufffd")
                offsets.append(index)
                index = close + 1 if close > 0 else stop
                continue
        chars.append(char)
        offsets.append(index)
        index += 1
    if chars or not pieces:
        pieces.append(("".join(chars), offsets))
    return DecodedString(pieces, stop)
