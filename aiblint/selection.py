"""Which rule ids are on: ``select`` and ``ignore`` prefixes, most specific wins.

``select = ["AIB"]``, ``ignore = ["AIB2"]`` turns off AIB2xx; adding
``select = ["AIB201"]`` turns AIB201 back on, because the longer prefix decides.
On a tie, ``ignore`` wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from aiblint.record import Record


def normalise(codes: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({code.strip().upper() for code in codes if code.strip()}))


class Selection(Record):
    """Which rule ids are enabled: ``select`` and ``ignore`` id prefixes."""

    __slots__ = ("select", "ignore")  # noqa: RUF023 - in field order
    select: Final[tuple[str, ...]]  # the empty prefix matches every id
    ignore: Final[tuple[str, ...]]

    def __init__(self, select: tuple[str, ...] = ("",), ignore: tuple[str, ...] = ()) -> None:
        self.select = select
        self.ignore = ignore

    @classmethod
    def of(cls, select: Iterable[str] | None, ignore: Iterable[str] | None) -> Selection:
        chosen = normalise(select) if select is not None else ("",)
        return cls(chosen or ("",), normalise(ignore or ()))

    def enabled(self, rule_id: str) -> bool:
        rule_id = rule_id.upper()
        selected = max((len(p) for p in self.select if rule_id.startswith(p)), default=-1)
        ignored = max((len(p) for p in self.ignore if rule_id.startswith(p)), default=-1)
        return selected > ignored

    def plugin_enabled(self, plugin_id: str) -> bool:
        """A plugin that reports a family of ids (``SC`` for ``SC2086``) is
        needed if its own id or any more specific selected id is on."""
        plugin_id = plugin_id.upper()
        if self.enabled(plugin_id):
            return True
        return any(code.startswith(plugin_id) and self.enabled(code) for code in self.select)


def unknown_codes(codes: Iterable[str], rule_ids: Iterable[str]) -> list[str]:
    """The codes that can match no rule: not a prefix of any id (``AIB2``,
    ``AIB201``), nor a member of a family plugin (``SC2086`` under ``SC``)."""
    ids = [rule_id.upper() for rule_id in rule_ids]
    families = [rule_id for rule_id in ids if not any(char.isdigit() for char in rule_id)]
    return [
        code for code in normalise(codes)
        if not any(rule_id.startswith(code) for rule_id in ids)
        and not any(code.startswith(family) for family in families)
    ]
