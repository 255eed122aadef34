"""The resident mode's messages are JSON written and read without importing json
(aiblint.server.rendezvous.dumps / loads): the same text as json.dumps, the same values as json.loads."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiblint.server import rendezvous

TEXT = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF))  # lone surrogates too (surrogateescape)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


def same(left: object, right: object) -> bool:
    """Equal, NaN included (NaN != NaN)."""
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left):
        return math.isnan(right)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same(left[key], right[key]) for key in left)
    return type(left) is type(right) and left == right


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a shared machine
@given(VALUES)
def test_dumps_writes_what_json_writes_and_loads_reads_it_back(value: object) -> None:
    text = rendezvous.dumps(value)
    assert text == json.dumps(value, separators=(",", ":"))
    assert same(rendezvous.loads(text), json.loads(text))


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=' \t\n\r{}[]",:0123456789.eE+-truefalsnNIiy\\u'))
def test_loads_accepts_and_refuses_what_json_loads_does(text: str) -> None:
    try:
        expected: object = json.loads(text)
    except ValueError:
        with pytest.raises(ValueError):
            rendezvous.loads(text)
    except RecursionError:
        return
    else:
        assert same(rendezvous.loads(text), expected)


@pytest.mark.parametrize("text", ["", " ", "{} x", "{", "[1,]", "nan", '{"a":1}{}', "\x0c{}"])
def test_not_one_json_value_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        rendezvous.loads(text)


def test_an_object_json_cannot_write_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="set is not JSON serializable"):
        rendezvous.dumps({"a": {1, 2}})
