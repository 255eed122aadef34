"""The strings of a template, found in one pass that several rules share.

AIB003 (placeholders), AIB400 (secrets) and AIB403 (secure values) each looked at
every string of an image template, each walking the whole resource again: three
walks of every node for every template, where one list of its strings does.
"""

from __future__ import annotations

from typing import Final

from aiblint.jsontree import JsonNode, JsonObject, JsonString, walk
from aiblint.model import ImageTemplate
from aiblint.record import Record


class Strings(Record):
    """The strings under one node, in the order :func:`aiblint.jsontree.walk` visits
    them (document order), and the objects among the nodes (for their keys)."""

    __slots__ = ("values", "objects")  # noqa: RUF023 - in field order
    values: Final[tuple[JsonString, ...]]
    objects: Final[tuple[JsonObject, ...]]

    def __init__(self, values: tuple[JsonString, ...], objects: tuple[JsonObject, ...]) -> None:
        self.values = values
        self.objects = objects


#: The attribute of an ImageTemplate where its strings are kept (as script units are:
#: :func:`aiblint.scripts.units._kept`), so that they go with the template.
_KEPT: Final = "_strings_under"


def strings_under(template: ImageTemplate, root: JsonNode) -> Strings:
    """The strings under ``root`` (the template's resource, or a section of its
    deployment template), found once per template and root. Safe to keep: the
    answer depends on the parsed tree alone (no value is resolved, so no value
    flow is recorded), which never changes once loaded; kept per template and
    checked against the root itself (not an equal one), so another root, or
    another template's tree, is never answered from here."""
    kept: dict[int, tuple[JsonNode, Strings]] = vars(template).setdefault(_KEPT, {})
    found = kept.get(id(root))
    if found is None or found[0] is not root:
        found = kept[id(root)] = (root, _collect(root))
    return found[1]


def _collect(root: JsonNode) -> Strings:
    values: list[JsonString] = []
    objects: list[JsonObject] = []
    for node in walk(root):
        if isinstance(node, JsonString):
            values.append(node)
        elif isinstance(node, JsonObject):
            objects.append(node)
    return Strings(tuple(values), tuple(objects))
