"""The hot records made plain ``__slots__`` classes (aiblint.record) keep a
frozen dataclass's value semantics: equality, hash, repr, pickling."""

from __future__ import annotations

import pickle
from dataclasses import dataclass

import pytest

from aiblint.arm.syntax import Call, StringLiteral, Token
from aiblint.document import Position, Span
from aiblint.record import Record


@dataclass(frozen=True)
class _AsDataclass:
    """What Position was."""

    line: int
    column: int


def test_equality_and_hash_are_by_value_within_one_class() -> None:
    assert Position(3, 4) == Position(3, 4)
    assert hash(Position(3, 4)) == hash(Position(3, 4))
    assert Position(3, 4) != Position(4, 3)
    assert Position(3, 4) != _AsDataclass(3, 4)  # another class: never equal, as dataclasses
    assert len({Span(Position(1, 1), Position(1, 2)), Span(Position(1, 1), Position(1, 2))}) == 1
    assert Token("name", "x", 0, 1) == Token(kind="name", text="x", start=0, end=1, value=None)


def test_repr_is_the_dataclass_repr() -> None:
    assert repr(Position(3, 4)) == repr(_AsDataclass(3, 4)).replace("_AsDataclass", "Position")
    assert repr(Call("concat", (StringLiteral("a", 8, 11),), 1, 12, 7)) == (
        "Call(name='concat', args=(StringLiteral(value='a', start=8, end=11),), start=1, end=12, name_end=7, namespace=None)"
    )


def test_records_pickle_as_workers_send_them() -> None:
    span = Span(Position(1, 2), Position(3, 4))
    assert pickle.loads(pickle.dumps(span)) == span


def test_a_record_has_no_dict() -> None:
    with pytest.raises(AttributeError):
        Position(1, 1).extra = 1  # type: ignore[attr-defined]
    assert isinstance(Position(1, 1), Record)
