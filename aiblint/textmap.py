"""Map characters of a decoded JSON string back to offsets in the file text.

``"a\\"b"`` decodes to ``a"b``: the decoded ``b`` (index 2) is written at the
source offset of the quote plus 4. Rules and script units use this so that a
position inside a string value is exact, escapes included.
"""

from __future__ import annotations

from aiblint.jsontree import JsonString


def source_offsets(text: str, node: JsonString) -> list[int]:
    """Offsets in ``text`` of every decoded character of ``node``, plus one
    final entry for the closing quote (the offset just past the content).
    A front end's string that is not written as a JSON string (HCL, with its
    own escapes and heredocs) carries its map as ``offsets``."""
    mapped: list[int] | None = getattr(node, "offsets", None)
    if mapped is not None:
        return mapped
    offsets: list[int] = []
    index = node.start + 1
    stop = node.end - 1
    while index < stop:
        char = text[index]
        if char != "\\":
            offsets.append(index)
            index += 1
            continue
        if text[index + 1] != "u":
            offsets.append(index)
            index += 2
            continue
        code = int(text[index + 2 : index + 6], 16)
        offsets.append(index)
        index += 6
        # A surrogate pair written as two escapes decodes to one character.
        if 0xD800 <= code < 0xDC00 and text.startswith("\\u", index):
            low = int(text[index + 2 : index + 6], 16)
            if 0xDC00 <= low < 0xE000:
                index += 6
    offsets.append(stop)
    return offsets


def source_offset(text: str, node: JsonString, index: int) -> int:
    """Source offset of decoded character ``index`` (clamped to the string)."""
    mapped: list[int] | None = getattr(node, "offsets", None)
    if mapped is not None:
        return mapped[min(max(index, 0), len(mapped) - 1)]
    if "\\" not in text[node.start : node.end]:
        return min(node.start + 1 + max(index, 0), node.end - 1)
    offsets = source_offsets(text, node)
    return offsets[min(max(index, 0), len(offsets) - 1)]
