"""Positioned values that the Terraform front end builds.

They are the JSON tree's own node classes (rules read them unchanged), and
each also knows the file it is written in: a value may come from a sibling
``locals.tf``, a ``.tfvars`` file or a script read by ``file()``.
``offsets`` maps each character of a string to where it is written (HCL
escapes, heredoc indentation and interpolation make that differ from the
JSON rule of one source character per character).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiblint.jsontree import JsonArray, JsonNode, JsonObject, JsonScalar, JsonString
from aiblint.values import UnknownString

if TYPE_CHECKING:
    from aiblint.document import Document
    from aiblint.values import PartialString


class TfScalar(JsonScalar):
    __slots__ = ("document",)

    def __init__(self, start: int, end: int, value: object, document: Document) -> None:
        super().__init__(start, end, value)
        self.document = document


class TfString(JsonString):
    """A known string. ``offsets[i]`` is where character ``i`` is written,
    plus one entry for the end; ``None`` when the text is computed (every
    character then belongs to the whole expression)."""

    __slots__ = ("document", "offsets")
    #: Terraform sends it as written: ``[x]`` is not an ARM expression there, ``[[`` no escape
    #: (a string of an embedded ARM template is evaluated by the ARM evaluator, which ignores this)
    verbatim = True

    def __init__(self, start: int, end: int, value: str, document: Document, offsets: list[int] | None = None) -> None:
        if offsets is None:  # computed text: every character belongs to the whole expression
            offsets = [start] * (len(value) + 1)
        super().__init__(start, end, value)
        self.document = document
        self.offsets = offsets


class TfUnknown(UnknownString):
    """A value Terraform knows only at plan or apply time: written at this
    expression, with ``partial`` the text known around unknown pieces."""

    __slots__ = ("document", "masked")

    def __init__(self, start: int, end: int, source: str, document: Document, partial: PartialString | None = None) -> None:
        super().__init__(start, end, source, partial)
        self.document = document
        #: a string template's text with its unknown pieces masked, and the masked ranges
        self.masked: tuple[TfString, tuple[tuple[int, int], ...]] | None = None


class TfObject(JsonObject):
    __slots__ = ("document",)

    def __init__(self, start: int, end: int, document: Document) -> None:
        super().__init__(start, end)
        self.document = document

    def put(self, key: JsonString, value: JsonNode) -> None:
        key.parent = self
        value.parent = self
        value.key = key.text
        self.add(key, value)


class TfArray(JsonArray):
    __slots__ = ("document",)

    def __init__(self, start: int, end: int, document: Document) -> None:
        super().__init__(start, end)
        self.document = document

    def append(self, value: JsonNode) -> None:
        value.parent = self
        value.key = len(self.items)
        self.items.append(value)


TfNode = TfScalar | TfString | TfUnknown | TfObject | TfArray


def clone(node: JsonNode) -> JsonNode:
    """A copy of a value tree to place somewhere else (a node has one parent)."""
    if isinstance(node, TfObject):
        copy = TfObject(node.start, node.end, node.document)
        for key, value in node.members:
            copy.put(_clone_key(key), clone(value))
        return copy
    if isinstance(node, TfArray):
        array = TfArray(node.start, node.end, node.document)
        for item in node.items:
            array.append(clone(item))
        return array
    if isinstance(node, TfUnknown):
        return TfUnknown(node.start, node.end, node.text, node.document, node.partial)
    if isinstance(node, TfString):
        return TfString(node.start, node.end, node.text, node.document, node.offsets)
    if isinstance(node, TfScalar):
        return TfScalar(node.start, node.end, node.value, node.document)
    return node


def _clone_key(key: JsonString) -> JsonString:
    copy = clone(key)
    assert isinstance(copy, JsonString)
    return copy


def document_of(node: JsonNode) -> Document | None:
    return getattr(node, "document", None)
