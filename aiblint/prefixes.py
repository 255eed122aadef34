"""Tables keyed by rule-id prefix (``SC`` for ``SC2086``): the longest prefix that a rule
id starts with decides (a rule's own id, being the longest, first)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Generic, TypeVar

_V = TypeVar("_V")


def by_longest_prefix(table: Mapping[str, _V], rule_id: str) -> _V | None:
    """``table``'s value for the longest key ``rule_id`` starts with (``None``: no key)."""
    matches = [prefix for prefix in table if rule_id.startswith(prefix)]
    return table[max(matches, key=len)] if matches else None


class PrefixTable(Generic[_V]):
    """:func:`by_longest_prefix` over one ``table``, remembered per rule id: asked for
    every finding, of few distinct ids. The table must not change while this is used
    (its owner makes a new one for a new table: see :attr:`table`)."""

    __slots__ = ("_found", "table")

    def __init__(self, table: Mapping[str, _V]) -> None:
        self.table = table
        self._found: dict[str, _V | None] = {}

    def get(self, rule_id: str) -> _V | None:
        found = self._found
        if rule_id not in found:
            found[rule_id] = by_longest_prefix(self.table, rule_id)
        return found[rule_id]
