"""HCL text -> a tree-sitter syntax tree, with character offsets and exact errors.

tree-sitter counts bytes; documents count characters. :class:`HclFile` keeps
both and converts, and turns the parser's error nodes into one read problem
(AIB001) at the first place the text stops being HCL.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from aiblint.document import Document, ReadProblem
from aiblint.record import MutableRecord

if TYPE_CHECKING:
    from tree_sitter import Node, Parser


@cache
def _parser() -> Parser:
    import tree_sitter_hcl
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_hcl.language()))


class HclFile(MutableRecord):
    """One parsed ``.tf``/``.tfvars`` file (or a file read by ``file()``)."""

    __slots__ = ("document", "data", "root", "_multibyte", "_extra")  # noqa: RUF023 - in field order
    _hidden = ("_multibyte", "_extra")  # not in repr
    document: Document
    data: bytes
    root: Node | None
    _multibyte: list[int]  # byte offsets of non-ASCII lead bytes
    _extra: list[int]  # extra bytes up to and including each lead

    def __init__(
        self,
        document: Document,
        data: bytes,
        root: Node | None = None,
        _multibyte: list[int] | None = None,
        _extra: list[int] | None = None,
    ) -> None:
        self.document = document
        self.data = data
        self.root = root
        self._multibyte = [] if _multibyte is None else _multibyte
        self._extra = [] if _extra is None else _extra

    @classmethod
    def parse(cls, document: Document) -> HclFile:
        data = document.text.encode("utf-8", "surrogatepass")
        parsed = cls(document, data)
        if len(data) != len(document.text):
            parsed._multibyte = [index for index, byte in enumerate(data) if byte >= 0xC0]
            total = 0
            for lead in parsed._multibyte:
                total += _width(data[lead]) - 1
                parsed._extra.append(total)
        tree = _parser().parse(data)
        parsed.root = tree.root_node
        if document.problem is None and tree.root_node.has_error:
            document.problem = parsed._syntax_problem(tree.root_node)
        document.comments = [(parsed.char(node.start_byte), parsed.char(node.end_byte)) for node in parsed.comments()]
        return parsed

    def char(self, byte: int) -> int:
        """The character offset of a byte offset."""
        if not self._multibyte:
            return byte
        # Each multi-byte character before ``byte`` takes its extra bytes off.
        before = bisect.bisect_left(self._multibyte, byte)
        return byte - (self._extra[before - 1] if before else 0)

    def start(self, node: Node) -> int:
        return self.char(node.start_byte)

    def end(self, node: Node) -> int:
        return self.char(node.end_byte)

    def text(self, node: Node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "surrogatepass")

    def comments(self) -> Iterator[Node]:
        stack = [self.root] if self.root is not None else []
        while stack:
            node = stack.pop()
            if node.type == "comment":
                yield node
            elif node.child_count:
                stack.extend(reversed(node.children))

    def _syntax_problem(self, root: Node) -> ReadProblem:
        error = _first_error(root)
        if error is None:  # has_error without an error node: report the file start
            return ReadProblem("syntax", "file is not valid HCL", 0)
        start = self.start(error)
        if error.is_missing:
            message = f"{_MISSING.get(error.type, repr(error.type))} is missing here: the HCL is not complete"
        else:
            shown = self.text(error).split("\n", 1)[0][:40]
            message = f"unexpected {shown!r}: this is not valid HCL here" if shown.strip() else "not valid HCL here"
            if error.start_byte >= len(self.data):
                message = "unexpected end of file: a block, string or bracket is not closed"
        return ReadProblem("syntax", message, start, max(start + 1, self.end(error)) if not error.is_missing else start)


_MISSING = {
    "quoted_template_end": 'the closing \'"\' of a string',
    "heredoc_identifier": "the heredoc's closing marker",
    "block_end": "'}'",
    "object_end": "'}'",
    "tuple_end": "']'",
    "template_interpolation_end": "the '}' of an interpolation",
}


def _width(lead: int) -> int:
    return 4 if lead >= 0xF0 else 3 if lead >= 0xE0 else 2


#: Tokens that open a structure: inside an error they are where the reading went on, not what stopped it.
_OPENERS = frozenset({"{", "(", "[", "=", ":", "${", "%{"})


def _first_error(root: Node) -> Node | None:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            return _culprit(node)
        if node.has_error:
            stack.extend(reversed(node.children))
    return None


def _culprit(error: Node) -> Node:
    """The token an error node is about. tree-sitter wraps the text it could not
    fit, often with the good text before it: the first token that fits nowhere
    (a stray ``,``), a nested error, or, when the error holds only whole
    expressions, what follows it on the same line (``name = "a" "b"``)."""
    for child in error.children:
        if child.type == "ERROR" or child.is_missing:
            return _culprit(child)
        if (not child.is_named and child.type not in _OPENERS) or child.type == "heredoc_identifier":
            return child
    following = error.next_sibling
    if error.type == "ERROR" and following is not None and following.start_point[0] == error.end_point[0]:
        return following
    return error


# -- reading the tree --------------------------------------------------------------------


def named(node: Node) -> list[Node]:
    return [child for child in node.children if child.is_named and child.type != "comment"]


def body_items(body: Node | None) -> Iterator[Node]:
    """Blocks and attributes of a body (or of a config file)."""
    if body is None:
        return
    if body.type == "config_file":
        inner = next((child for child in body.children if child.type == "body"), None)
        if inner is None:
            return
        body = inner
    for child in body.children:
        if child.type in ("block", "attribute"):
            yield child


def block_body(block: Node) -> Node | None:
    return next((child for child in block.children if child.type == "body"), None)


def block_type(block: Node, file: HclFile) -> str:
    return file.text(block.children[0])


def block_labels(block: Node, file: HclFile) -> list[str]:
    """Labels as written, quotes dropped: ``resource "azapi_resource" "x"`` or ``resource azapi_resource x``."""
    labels = []
    for child in block.children[1:]:
        if child.type == "block_start":
            break
        if child.type == "string_lit":
            labels.append("".join(file.text(part) for part in child.children if part.type == "template_literal"))
        elif child.type == "identifier":
            labels.append(file.text(child))
    return labels


def attribute_name(attribute: Node, file: HclFile) -> str:
    return file.text(attribute.children[0])


def attribute_value(attribute: Node) -> Node:
    return attribute.children[-1]


def attributes(body: Node | None, file: HclFile) -> dict[str, Node]:
    return {attribute_name(item, file): item for item in body_items(body) if item.type == "attribute"}


def blocks(body: Node | None, file: HclFile, kind: str | None = None) -> list[Node]:
    return [item for item in body_items(body) if item.type == "block" and (kind is None or block_type(item, file) == kind)]


def unwrap(node: Any) -> Any:
    """An ``expression`` that only wraps one expression (no postfix, no parentheses)."""
    while node.type == "expression" and node.named_child_count == 1 and node.child_count == 1:
        node = node.children[0]
    return node
