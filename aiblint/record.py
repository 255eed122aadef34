"""Small records: plain classes with ``__slots__``.

Making a dataclass costs 0.3-0.7 ms at import (its methods are generated
source compiled with ``exec``, and the ``dataclasses`` module imports
``inspect``), and a frozen one's ``__init__`` sets every field through
``object.__setattr__``. aiblint's records are plain classes instead. Their
fields are declared in ``__slots__`` in field order (hence its ``noqa:
RUF023``), and this base gives them a dataclass's value semantics: equality
over those fields between instances of exactly the same class, and the same
``repr``. An immutable one (``Record``: a frozen dataclass) declares its fields
``Final`` (mypy rejects assigning one outside ``__init__``) and is hashable; a
mutable one (``MutableRecord``: a dataclass without ``frozen``) is not;
``OrderedRecord`` orders like ``order=True``. A record that compares fewer
fields than it has (``field(compare=False)``) overrides ``_values``.
``tests/test_records.py`` checks that a lint run makes no dataclass.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar, cast

_R = TypeVar("_R", bound="Record")


class Record:
    """Value semantics over ``__slots__`` (the fields, in order)."""

    __slots__: tuple[str, ...] = ()
    #: fields left out of ``repr`` (a dataclass's ``field(repr=False)``)
    _hidden: ClassVar[tuple[str, ...]] = ()

    def _values(self) -> tuple[object, ...]:
        return tuple([getattr(self, name) for name in type(self).__slots__])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        hidden = type(self)._hidden
        fields = ", ".join(
            f"{name}={getattr(self, name)!r}" for name in type(self).__slots__ if name not in hidden
        )
        return f"{type(self).__qualname__}({fields})"


class MutableRecord(Record):
    """A record whose fields may be set again: equal by value, not hashable."""

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]


class OrderedRecord(Record):
    """An immutable record ordered by the fields it compares (``order=True``)."""

    __slots__ = ()

    def __lt__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() < other._values()

    def __le__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() <= other._values()

    def __gt__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() > other._values()

    def __ge__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() >= other._values()


def replace(record: _R, /, **changes: object) -> _R:
    """A copy of ``record`` with ``changes`` (``dataclasses.replace``): made
    through its ``__init__``, whose parameters are its fields."""
    cls = type(record)
    for name in cls.__slots__:
        if name not in changes:
            changes[name] = getattr(record, name)
    return cast(_R, cast(Any, cls)(**changes))
