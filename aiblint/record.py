"""Small immutable records: plain classes with ``__slots__``.

Making a dataclass costs 0.3-0.7 ms at import (its methods are generated
source compiled with ``exec``), and a frozen one's ``__init__`` sets every
field through ``object.__setattr__``. The hottest records (``Resolved``,
``Token``, ``Position``...: tens of thousands per corpus run) are plain
classes instead. Their fields are declared ``Final`` (mypy rejects assigning
one outside ``__init__``), and this base gives them a frozen dataclass's value
semantics: equality and hash over the fields in ``__slots__`` order (written
in field order, hence its ``noqa: RUF023``), between
instances of exactly the same class, and the same ``repr``.
"""

from __future__ import annotations


class Record:
    """Value semantics over ``__slots__`` (the fields, in order)."""

    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple[object, ...]:
        return tuple([getattr(self, name) for name in type(self).__slots__])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in type(self).__slots__)
        return f"{type(self).__qualname__}({fields})"
