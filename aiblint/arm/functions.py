"""The ARM built-in function table: which names exist, how many arguments each takes.

Data, not code: ``aiblint/data/arm-functions.tsv`` (with its source), read on
first use.
"""

from __future__ import annotations

from functools import cache
from typing import Final

from aiblint.datafiles import read_text
from aiblint.record import Record

_LIST_PREFIX = "list"


class Signature(Record):
    """A template function's name and how many arguments it takes."""

    __slots__ = ("name", "least", "most")  # noqa: RUF023 - in field order
    name: Final[str]  # as documented (camelCase)
    least: Final[int]
    most: Final[int | None]  # None: no limit

    def __init__(self, name: str, least: int, most: int | None) -> None:
        self.name = name
        self.least = least
        self.most = most

    def accepts(self, count: int) -> bool:
        return count >= self.least and (self.most is None or count <= self.most)

    def describe(self) -> str:
        if self.most == self.least:
            return f"exactly {_arguments(self.least)}"
        if self.most is None:
            return f"at least {_arguments(self.least)}"
        return f"{self.least} to {self.most} arguments"


def _arguments(count: int) -> str:
    return f"{count} argument" if count == 1 else f"{count} arguments"


@cache
def _table() -> dict[str, Signature]:
    text = read_text("arm-functions.tsv")
    table: dict[str, Signature] = {}
    for line in text.splitlines():
        if not line or line.startswith("#") or line.startswith("name\t"):
            continue
        name, least, most = line.split("\t")
        table[name.casefold()] = Signature(name, int(least), None if most == "*" else int(most))
    return table


def signature(name: str) -> Signature | None:
    """The built-in function ``name`` (case-insensitive), or ``None``."""
    table = _table()
    found = table.get(name.casefold())
    if found is None and name.casefold().startswith(_LIST_PREFIX):
        generic = table[_LIST_PREFIX + "*"]
        return Signature(name, generic.least, generic.most)
    return found


def suggestion(name: str) -> str | None:
    """The documented name closest to a misspelt one."""
    names = {sig.name.casefold(): sig.name for key, sig in _table().items() if not key.endswith("*")}
    import difflib  # a suggestion only: not imported by a run that needs none
    close = difflib.get_close_matches(name.casefold(), list(names), n=1, cutoff=0.75)
    return names[close[0]] if close else None
