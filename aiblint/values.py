"""Values as rules see them: known, or :data:`UNKNOWN`.

A string that is an ARM expression (``[parameters('x')]``) or holds a sed-style
placeholder (``<region>``) is not a value aiblint knows, and rules stay silent
about what they do not know. The expression layer refines this: it computes
what can be computed from the repository and keeps ``UNKNOWN`` for the rest.
"""

from __future__ import annotations

import re
from typing import Final

from aiblint.jsontree import JsonNode, JsonString

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
