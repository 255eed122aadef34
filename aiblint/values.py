"""Values as rules see them: known, or :data:`UNKNOWN`.

A string that is an ARM expression (``[parameters('x')]``) or holds a sed-style
placeholder (``<region>``) is not a value aiblint knows, and rules stay silent
about what they do not know. The expression layer refines this: it computes
what can be computed from the repository and keeps ``UNKNOWN`` for the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from aiblint.jsontree import JsonNode, JsonString

if TYPE_CHECKING:
    from aiblint.document import Document

#: ``<region>``, ``<subscriptionID>``, ``<SIG name>``: a letter after '<' keeps
#: ``<<EOF``, ``2>&1`` and ``</h1>`` out.
PLACEHOLDER: Final = re.compile(r"<([A-Za-z][A-Za-z0-9 _.\-]{0,48})>")


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


def is_expression(text: str) -> bool:
    """ARM evaluates a string that starts with '[' and ends with ']' (``[[`` escapes)."""
    return text.startswith("[") and not text.startswith("[[") and text.rstrip().endswith("]")


def literal_text(text: str) -> str:
    """The literal a non-expression string stands for (``[[x]`` -> ``[x]``)."""
    return text[1:] if text.startswith("[[") else text


def has_placeholder(text: str) -> bool:
    return PLACEHOLDER.search(text) is not None


def known_string(node: JsonNode | None) -> str | Unknown | None:
    """The string value of ``node``: ``None`` if it is not a JSON string,
    :data:`UNKNOWN` for an expression or a placeholder."""
    if not isinstance(node, JsonString):
        return None
    text = node.text
    if is_expression(text) or has_placeholder(text):
        return UNKNOWN
    return literal_text(text)


@dataclass(frozen=True)
class Resolved:
    """A value and where it is written.

    ``node``/``document`` are the place a rule should point at when it rejects
    the value: the template field itself for a literal, or (once expressions
    are evaluated) the parameter default or parameters-file entry the value
    came from. ``value`` is a plain JSON value or :data:`UNKNOWN`.
    """

    value: object
    node: JsonNode
    document: Document

    @property
    def known(self) -> bool:
        return self.value is not UNKNOWN

    def text(self) -> str | None:
        """The value if it is a known string, else ``None``."""
        return self.value if isinstance(self.value, str) else None


def resolve_literal(node: JsonNode, document: Document) -> Resolved:
    """What a node says without evaluating expressions: strings as
    :func:`known_string`, other JSON values as they are written."""
    if isinstance(node, JsonString):
        value = known_string(node)
        return Resolved(value if value is not None else UNKNOWN, node, document)
    if _contains_expression(node):
        return Resolved(UNKNOWN, node, document)
    return Resolved(node.value, node, document)


def _contains_expression(node: JsonNode) -> bool:
    from aiblint.jsontree import walk

    return any(isinstance(item, JsonString) and (is_expression(item.text) or has_placeholder(item.text)) for item in walk(node))
