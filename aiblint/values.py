"""Values as rules see them: known, or :data:`UNKNOWN`.

A string that is an ARM expression (``[parameters('x')]``) or holds a sed-style
placeholder (``<region>``) is not a value aiblint knows, and rules stay silent
about what they do not know. The expression layer refines this: it computes
what can be computed from the repository and keeps ``UNKNOWN`` for the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Final, Union

from aiblint.jsontree import JsonNode, JsonString
from aiblint.record import Record

if TYPE_CHECKING:
    from aiblint.document import Document

#: ``<region>``, ``<subscriptionID>``, ``<SIG name>``: a letter after '<' keeps
#: ``<<EOF``, ``2>&1`` and ``</h1>`` out, and no '<' before it keeps the
#: ``<EOF >`` of ``cat <<EOF > file`` out.
PLACEHOLDER: Final = re.compile(r"(?<!<)<([A-Za-z][A-Za-z0-9 _.\-]{0,48})>")


class Unknown:
    """The single value standing for "cannot be known statically"."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False


UNKNOWN: Final = Unknown()

Part = Union[str, Unknown]  # noqa: UP007 - a runtime alias must work on Python 3.10


class PartialString:
    """A string only partly known: literal text and :data:`UNKNOWN` pieces in order.

    ``[concat('/subscriptions/', subscription().subscriptionId, '/resourceGroups/rg')]``
    is ``("/subscriptions/", UNKNOWN, "/resourceGroups/rg")``: a resource-id checker can
    still check its shape (``aiblint.resource_ids.could_be(partial.parts, ...)``). An
    unknown piece may stand for any text, slashes included.
    """

    __slots__ = ("parts",)

    def __init__(self, parts: Iterable[Part]) -> None:
        merged: list[Part] = []
        for part in parts:
            if isinstance(part, str):
                if not part:
                    continue
                if merged and isinstance(merged[-1], str):
                    merged[-1] += part
                    continue
            elif merged and merged[-1] is UNKNOWN:
                continue
            merged.append(part)
        self.parts: tuple[Part, ...] = tuple(merged)

    @staticmethod
    def join(parts: Iterable[Part]) -> str | PartialString | Unknown:
        """A plain string when every part is known, :data:`UNKNOWN` when nothing is."""
        partial = PartialString(parts)
        merged = partial.parts
        if len(merged) > 1:  # merged: known text and unknown pieces alternate, so both are there
            return partial
        if not merged:
            return ""
        return merged[0]

    @property
    def prefix(self) -> str:
        """The known text before the first unknown piece."""
        first = self.parts[0] if self.parts else ""
        return first if isinstance(first, str) else ""

    def render(self, unknown: str = "{?}") -> str:
        """The text with each unknown piece written as ``unknown`` (for messages)."""
        return "".join(part if isinstance(part, str) else unknown for part in self.parts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PartialString) and other.parts == self.parts

    def __hash__(self) -> int:
        return hash(self.parts)

    def __repr__(self) -> str:
        return f"PartialString({list(self.parts)!r})"


class UnknownString(JsonString):
    """A value a front end could not evaluate (a Terraform expression known only
    at plan time), standing in the tree where it is written. ``text`` is the
    expression as written; ``partial`` what is known of the string it makes."""

    __slots__ = ("partial",)

    def __init__(self, start: int, end: int, source: str, partial: PartialString | None = None) -> None:
        super().__init__(start, end, source)
        self.partial = partial


def written_in(node: JsonNode, default: Document) -> Document:
    """The document ``node`` is written in: a front end's node knows it (a value
    from another file of a Terraform module), a loaded JSON node is ``default``'s."""
    document: Document | None = getattr(node, "document", None)
    return document if document is not None else default


def is_expression(text: str) -> bool:
    """ARM evaluates a string that starts with '[' and ends with ']' (``[[`` escapes)."""
    return text.startswith("[") and not text.startswith("[[") and text.rstrip().endswith("]")


def literal_text(text: str) -> str:
    """The literal a non-expression string stands for (``[[x]`` -> ``[x]``).

    ARM drops the escaping bracket only from a string that also ends with ``]``:
    ``[[ -f /etc/x ]] && echo yes`` (a shell test) stays as written.
    """
    return text[1:] if text.startswith("[[") and text.rstrip().endswith("]") else text


def has_placeholder(text: str) -> bool:
    # Every placeholder holds '<': a substring test (no regex machinery) settles most texts.
    return "<" in text and PLACEHOLDER.search(text) is not None


def known_string(node: JsonNode | None) -> str | Unknown | None:
    """The string value of ``node``: ``None`` if it is not a JSON string,
    :data:`UNKNOWN` for an expression or a placeholder."""
    if not isinstance(node, JsonString):
        return None
    if isinstance(node, UnknownString):
        return UNKNOWN
    text = node.text
    if getattr(node, "verbatim", False):  # a front end's literal: no ARM expression or [[ escape in it
        return UNKNOWN if has_placeholder(text) else text
    if is_expression(text) or has_placeholder(text):
        return UNKNOWN
    return literal_text(text)


class Resolved(Record):
    """A value and where it is written.

    ``node``/``document`` are the place a rule should point at when it rejects
    the value: the template field itself for a literal or a computed value, or
    the parameter default, parameters-file entry or variable the value came
    from unchanged (that node may be in another document: a parameters file).
    ``value`` is a plain JSON value (containers hold no unknown parts) or
    :data:`UNKNOWN`; ``partial`` is set when an unknown string is still partly
    known (see :class:`PartialString`).
    """

    __slots__ = ("value", "node", "document", "partial")  # noqa: RUF023 - in field order
    value: Final[object]
    node: Final[JsonNode]
    document: Final[Document]
    partial: Final[PartialString | None]

    def __init__(self, value: object, node: JsonNode, document: Document, partial: PartialString | None = None) -> None:
        self.value = value
        self.node = node
        self.document = document
        self.partial = partial

    @property
    def known(self) -> bool:
        return self.value is not UNKNOWN

    def text(self) -> str | None:
        """The value if it is a known string, else ``None``."""
        return self.value if isinstance(self.value, str) else None


def resolve_literal(node: JsonNode, document: Document) -> Resolved:
    """What a node says without evaluating expressions: strings as
    :func:`known_string`, other JSON values as they are written."""
    if isinstance(node, UnknownString):
        return Resolved(UNKNOWN, node, document, node.partial)
    if isinstance(node, JsonString):
        value = known_string(node)
        if value is UNKNOWN and not is_expression(node.text):
            return Resolved(UNKNOWN, node, document, placeholder_parts(node.text))
        return Resolved(value if value is not None else UNKNOWN, node, document)
    if _contains_expression(node):
        return Resolved(UNKNOWN, node, document)
    return Resolved(node.value, node, document)


def placeholder_parts(text: str) -> PartialString | None:
    """``/subscriptions/<subscriptionID>/x`` as a partial string (``None`` if nothing is known)."""
    return _placeholder_parts(text) if "<" in text else None  # every placeholder holds '<'


@lru_cache(maxsize=1024)
def _placeholder_parts(text: str) -> PartialString | None:
    """:func:`placeholder_parts`, once per distinct text in a process: the answer depends
    on the text alone, and a :class:`PartialString` is immutable, so callers may share
    it. Bounded, so that a long-lived process does not grow."""
    pieces: list[Part] = []
    position = 0
    for match in PLACEHOLDER.finditer(text):
        pieces += [text[position : match.start()], UNKNOWN]
        position = match.end()
    pieces.append(text[position:])
    value = PartialString.join(pieces)
    return value if isinstance(value, PartialString) else None


def _contains_expression(node: JsonNode) -> bool:
    from aiblint.jsontree import walk

    return any(isinstance(item, UnknownString) or (isinstance(item, JsonString) and (is_expression(item.text) or has_placeholder(item.text))) for item in walk(node))
