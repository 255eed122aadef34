"""The "ignore here, with a reason" code action: where a suppression goes, as
text inserted at an offset, in the syntax docs/suppressions.md describes.

* A shell or PowerShell script: ``# aiblint: ignore[RULE] `` on a line of its
  own above the finding (it applies to the next line of code).
* A JSONC file: ``// aiblint: ignore[RULE] `` the same way.
* A strict JSON file has no comments: an entry in the template resource's
  ``metadata.aiblint.ignore``, with the finding's ``path`` inside the resource.

The reason is left empty for the user to write: until they do, AIB006 reports
the suppression as having none. Offsets are in aiblint's text of the document
(after a byte order mark); nothing here imports pygls.
"""

from __future__ import annotations

import json
from typing import Final

from aiblint.jsontree import JsonArray, JsonNode, JsonObject
from aiblint.record import Record


class Insert(Record):
    """Text to insert at an offset."""

    __slots__ = ("offset", "text")
    offset: Final[int]
    text: Final[str]

    def __init__(self, offset: int, text: str) -> None:
        self.offset = offset
        self.text = text


def comment_above(text: str, line_start: int, rule: str, marker: str) -> Insert:
    """A directive comment (``#`` or ``//``) on its own line above the line starting at ``line_start``."""
    line_end = text.find("\n", line_start)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    newline = "\r\n" if line.endswith("\r") else "\n"
    return Insert(line_start, f"{indent}{marker} aiblint: ignore[{rule}] {newline}")


def metadata_entry(text: str, resource: JsonObject, rule: str, logical_path: str) -> Insert | None:
    """An entry in ``resource``'s ``metadata.aiblint.ignore`` for a finding at
    ``logical_path``; None when the finding is outside the resource or its
    metadata has a shape this does not edit."""
    prefix = resource.logical_path()
    if prefix and logical_path != prefix and not logical_path.startswith((prefix + ".", prefix + "[")):
        return None
    inner = logical_path[len(prefix) :].lstrip(".")
    entry = {"rule": rule, "reason": ""} | ({"path": inner} if inner else {})
    written = json.dumps(entry, ensure_ascii=False)
    metadata = resource.get("metadata")
    if metadata is None:
        return _first_member(text, resource, f'"metadata": {{"aiblint": {{"ignore": [{written}]}}}}')
    if not isinstance(metadata, JsonObject):
        return None
    aiblint = metadata.get("aiblint")
    if aiblint is None:
        return _first_member(text, metadata, f'"aiblint": {{"ignore": [{written}]}}')
    ignore = aiblint.get("ignore") if isinstance(aiblint, JsonObject) else None
    if not isinstance(ignore, JsonArray):
        return None
    if not ignore.items:
        return Insert(ignore.start + 1, written)
    return Insert(ignore.items[-1].end, f", {written}")


def _first_member(text: str, obj: JsonObject, member: str) -> Insert:
    """``member`` as the first member of ``obj``, laid out like the member it goes before."""
    if not obj.members:
        return Insert(obj.start + 1, member)
    first: JsonNode = obj.members[0][0]
    line_start = text.rfind("\n", 0, first.start) + 1
    before = text[line_start : first.start]
    if before.strip(" \t"):  # not first on its line (a one-line object): no new line
        return Insert(first.start, f"{member}, ")
    newline = "\r\n" if text[max(0, line_start - 2) : line_start] == "\r\n" else "\n"
    return Insert(first.start, f"{member},{newline}{before}")
