"""Map characters of a decoded string back to offsets in the file text.

``"a\\"b"`` decodes to ``a"b``: the decoded ``b`` (index 2) is written at the
source offset of the quote plus 4. Rules and script units use this so that a
position inside a string value is exact, escapes included.

A string is scanned once (:class:`StringMap`: where each escape is, the
characters between map one to one), then each position is a binary search:
a string with an escape and a finding every few characters was quadratic
when every lookup scanned the string again.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict

from aiblint.jsontree import JsonString

#: Maps of the strings looked at last (a rule reports many positions in one string, then moves on).
_RECENT = 16


class StringMap:
    """Where the decoded characters of one JSON string token are written."""

    __slots__ = ("_indexes", "_offsets", "length", "stop")

    def __init__(self, text: str, node: JsonString) -> None:
        # Runs of plain characters: decoded index -> source offset, one pair where each run or escape starts.
        indexes: list[int] = [0]
        offsets: list[int] = [node.start + 1]
        index, stop, decoded = node.start + 1, node.end - 1, 0
        while True:
            escape = text.find("\\", index, stop)
            if escape < 0:
                break
            decoded += escape - index
            indexes.append(decoded)
            offsets.append(escape)
            index = escape + _escape_length(text, escape)
            decoded += 1
            indexes.append(decoded)
            offsets.append(index)
        self._indexes, self._offsets = indexes, offsets
        self.length = decoded + stop - index  # decoded characters
        self.stop = stop  # the closing quote

    def offset(self, index: int) -> int:
        """Source offset of decoded character ``index``, clamped to the string
        (``length``: the closing quote)."""
        index = min(max(index, 0), self.length)
        if index == self.length:
            return self.stop
        run = bisect.bisect_right(self._indexes, index) - 1
        return self._offsets[run] + index - self._indexes[run]


def _escape_length(text: str, index: int) -> int:
    """Characters of the escape at ``index`` (a surrogate pair written as two escapes is one character)."""
    if text[index + 1] != "u":
        return 2
    code = int(text[index + 2 : index + 6], 16)
    if 0xD800 <= code < 0xDC00 and text.startswith("\\u", index + 6):
        low = int(text[index + 8 : index + 12], 16)
        if 0xDC00 <= low < 0xE000:
            return 12
    return 6


_maps: OrderedDict[int, tuple[str, JsonString, StringMap]] = OrderedDict()


def string_map(text: str, node: JsonString) -> StringMap:
    """The map of ``node`` in ``text``, kept for the strings looked at last."""
    key = id(node)
    entry = _maps.get(key)
    if entry is not None and entry[0] is text and entry[1] is node:
        _maps.move_to_end(key)
        return entry[2]
    found = StringMap(text, node)
    _maps[key] = (text, node, found)  # the node is kept with its id, so the id cannot be reused meanwhile
    if len(_maps) > _RECENT:
        _maps.popitem(last=False)
    return found


def source_offsets(text: str, node: JsonString) -> list[int]:
    """Offsets in ``text`` of every decoded character of ``node``, plus one
    final entry for the closing quote (the offset just past the content).
    A front end's string that is not written as a JSON string (HCL, with its
    own escapes and heredocs) carries its map as ``offsets``."""
    mapped: list[int] | None = getattr(node, "offsets", None)
    if mapped is not None:
        return mapped
    found = string_map(text, node)
    return [found.offset(index) for index in range(found.length + 1)]


def source_offset(text: str, node: JsonString, index: int) -> int:
    """Source offset of decoded character ``index`` (clamped to the string)."""
    mapped: list[int] | None = getattr(node, "offsets", None)
    if mapped is not None:
        return mapped[min(max(index, 0), len(mapped) - 1)]
    start, stop = node.start + 1, node.end - 1
    if text.find("\\", start, stop) < 0:
        # No escape: each decoded character is written as itself, so the offset is what
        # the map (one run, from the opening quote to the closing one) would give, without
        # making it (most strings, most positions reported).
        return start + min(max(index, 0), stop - start)
    return string_map(text, node).offset(index)
