"""Pointing at part of a string value rather than the whole of it."""

from __future__ import annotations

from aiblint.jsontree import JsonString
from aiblint.textmap import source_offset
from aiblint.values import Resolved


def span_in(resolved: Resolved, start: int, end: int) -> tuple[int, int] | None:
    """Text offsets of ``value[start:end]`` in the string token that holds the
    resolved value, or ``None`` when the value is not written as one string."""
    node = resolved.node
    value = resolved.value
    if not isinstance(node, JsonString) or not isinstance(value, str) or not node.text.endswith(value):
        return None
    shift = len(node.text) - len(value)  # a '[[' escape drops a character
    text = resolved.document.text
    return source_offset(text, node, start + shift), source_offset(text, node, end + shift)
