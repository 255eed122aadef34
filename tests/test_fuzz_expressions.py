"""Property-based fuzzing of the ARM expression parser and evaluator, through
every rule (fuzz/targets.py), and of the value-size budget that keeps a value
doubled through variables from growing without bound."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiblint.arm.builtins import MAX_VALUE_SIZE, call, value_size
from aiblint.values import UNKNOWN
from fuzz.targets import check_expression

EXPRESSION_TEXT = "()[],.' abcx0-19_$\"\\<>{}\n" + "éñ😀\ud800"
NAMES = st.sampled_from(["concat", "variables", "parameters", "format", "padLeft", "replace", "json", "string", "if",
                         "createArray", "union", "range", "substring", "base64", "split", "join", "take", "skip", "resourceId"])
ARGUMENTS = st.recursive(
    st.sampled_from(["'x'", "''", "'{0}'", "'[x]'", "1", "-1", "99999999999", "'<p>'", "'x'", "variables('x')", "parameters('p')"]),
    lambda inner: st.builds(lambda name, args: f"{name}({', '.join(args)})", NAMES, st.lists(inner, max_size=3)),
    max_leaves=8,
)
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.text(alphabet=EXPRESSION_TEXT, max_size=60))
def test_any_text_as_an_expression_in_every_field(text: str) -> None:
    check_expression("[" + text + "]")


@SETTINGS
@given(ARGUMENTS, st.sampled_from(["", ".a", "[0]", "['k']", ".a.b[1]"]))
def test_well_formed_calls_in_every_field(expression: str, access: str) -> None:
    check_expression(f"[{expression}{access}]")


def _expanded(value: object) -> int:
    """The size value_size measures, written out naively."""
    if isinstance(value, dict):
        return 1 + sum(len(key) + _expanded(member) for key, member in value.items())
    if isinstance(value, list):
        return 1 + sum(_expanded(member) for member in value)
    return len(value) if isinstance(value, str) else 1


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(JSON_VALUES)
def test_value_size_is_the_written_out_size(value: object) -> None:
    assert value_size(value) == _expanded(value)
    assert value_size(value, limit=3) == min(_expanded(value), 4)


def test_value_size_walks_shared_parts_once() -> None:
    """2^200 written out, 200 containers stored: measured at once, reported past the limit."""
    value: object = ["ab"]
    for _ in range(200):
        value = [value, value]
    assert value_size(value) == MAX_VALUE_SIZE + 1
    cycle: list[object] = []
    cycle.append(cycle)
    assert value_size(cycle) == MAX_VALUE_SIZE + 1


def test_builtins_give_unknown_rather_than_a_value_over_the_budget() -> None:
    big = "a" * (MAX_VALUE_SIZE // 2 + 1)
    assert call("concat", [big, big]) is UNKNOWN
    assert call("concat", [big, "a"]) == big + "a"
    assert call("padleft", ["x", MAX_VALUE_SIZE + 1, "y"]) is UNKNOWN
    assert call("replace", ["ab" * 2000, "a", "a" * 1000]) is UNKNOWN
    assert call("join", [list(range(1000)), "," * 2000]) is UNKNOWN
    assert call("format", ["{0}" * 3, big]) is UNKNOWN
    assert call("string", [[big, big]]) is UNKNOWN
    assert json.loads(call("string", [[1, 2]])) == [1, 2]  # type: ignore[arg-type]
