"""could_be()'s bit-parallel automata (which replaced a regular expression per
shape, which had replaced this), and its segment by segment comparison of values
known in full, accept the same values as the character automaton simulated by hand
(kept here as the reference), for every id the tests and rule examples write and
for generated ones."""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiblint.resource_ids import _FOLDS_TO_ASCII, Part, Shape, _accepts, _chain, could_be, id_parts, kinds, shapes
from aiblint.values import UNKNOWN, Unknown

ROOT = Path(__file__).resolve().parent.parent
SHAPES = [shape for kind in kinds() for shape in shapes(kind)]

# -- the reference: a nondeterministic automaton over characters, simulated by hand -------------

CharTest = Callable[[str], bool]


@dataclass(frozen=True)
class _Automaton:
    edges: tuple[tuple[tuple[CharTest, int], ...], ...]

    def accepts(self, parts: Sequence[Part]) -> bool:
        states = {0}
        for part in parts:
            if isinstance(part, Unknown):
                states = self._reachable(states)
                continue
            for char in part:
                states = {target for state in states for test, target in self.edges[state] if test(char)}
                if not states:
                    return False
        return len(self.edges) - 1 in states

    def _reachable(self, states: set[int]) -> set[int]:
        seen = set(states)
        stack = list(states)
        while stack:
            for _, target in self.edges[stack.pop()]:
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
        return seen


@cache
def _automaton(shape: Shape) -> _Automaton:
    edges: list[list[tuple[CharTest, int]]] = [[]]

    def step(test: CharTest, loop: bool = False) -> None:
        edges[-1].append((test, len(edges)))
        edges.append([(test, len(edges))] if loop else [])

    for index, segment in enumerate(shape.segments):
        if index:
            step(_equals("/"))
        if segment.literal is not None:
            for char in segment.literal:
                step(_equals(char))
        elif segment.version:
            for number in range(3):
                if number:
                    step(_equals("."))
                step(lambda char: char in "0123456789", loop=True)
        else:
            step(lambda char: char != "/", loop=True)
    return _Automaton(tuple(tuple(state) for state in edges))


def _equals(expected: str) -> CharTest:
    folded = expected.casefold()
    return lambda char: char.casefold() == folded


def _same(parts: Sequence[Part], among: Sequence[Shape] = SHAPES) -> None:
    for shape in among:
        expected = _automaton(shape).accepts(parts)
        assert _chain(shape).accepts(parts) == expected, (shape.template, parts)
        assert _accepts(shape, parts) == expected, (shape.template, parts)


# -- inputs --------------------------------------------------------------------------------------


def _written_ids() -> list[str]:
    """Every string literal of the resource id tests and rules (their examples)."""
    texts: set[str] = set()
    for path in (ROOT / "tests" / "test_semantics_resource_ids.py", ROOT / "rules" / "resource_ids.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                texts.add(node.value)
    texts.update(shape.example for shape in SHAPES)
    return sorted(texts)


WRITTEN = _written_ids()


def test_the_written_ids_get_the_same_verdict() -> None:
    assert len(WRITTEN) > 50
    accepted = 0
    for text in WRITTEN:
        for parts in ([text], id_parts(text), [UNKNOWN, text], [text, UNKNOWN], [UNKNOWN, text, UNKNOWN]):
            _same(parts)
        accepted += any(_chain(shape).accepts(id_parts(text)) for shape in SHAPES)
    assert accepted > 10


def test_ids_cut_by_unknown_parts_get_the_same_verdict() -> None:
    for shape in SHAPES:
        text = shape.example.replace("<", "").replace(">", "")
        for cut in range(len(text) + 1):
            for parts in (
                [text[:cut], UNKNOWN, text[cut:]], [text[:cut], UNKNOWN], [UNKNOWN, text[cut:]],
                [text[:cut], UNKNOWN, text[cut + 1 :]], [text[:cut], UNKNOWN, text[cut:].upper(), UNKNOWN],
            ):
                _same(parts, [shape])


def test_only_two_characters_outside_ascii_casefold_to_ascii() -> None:
    """The character classes of the fixed text rest on this (``İ`` folds to two characters)."""
    folding = [chr(code) for code in range(128, 0x110000) if len(chr(code).casefold()) == 1 and chr(code).casefold().isascii()]
    assert "".join(folding) == _FOLDS_TO_ASCII


def test_a_known_value_is_compared_character_by_character() -> None:
    """``ß`` folds to ``ss`` but is one character: ``userAßignedIdentities`` is no
    ``userAssignedIdentities``; ``ſ`` and the Kelvin sign fold to one letter each."""
    identity = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/{}/aib"
    for word in ("userAßignedIdentities", "u\u017ferAssignedIdentities", "userAssignedIdentities".upper(), "userAssignedIdentitie"):
        _same([identity.format(word)])
        _same([identity.format(word).replace("/s/", "/İ/")])
    _same(["/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i/versions/1.2.3\n"])


def test_a_known_value_builds_no_automaton() -> None:
    """A one-template run mostly checks known ids: they need no automaton."""
    _chain.cache_clear()
    identity = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aib"
    assert could_be(identity, ["user-assigned-identity"])
    assert not could_be(identity.replace("/aib", "/"), ["user-assigned-identity", "image"])
    assert _chain.cache_info().currsize == 0
    assert could_be([identity[:30], UNKNOWN, "/aib"], ["user-assigned-identity"])
    assert _chain.cache_info().currsize == 1


def test_a_nul_in_a_value_is_a_character_not_an_unknown_part() -> None:
    image = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/"
    _same([image + "a\x00b"])
    _same([image[:20] + "\x00", UNKNOWN, "images/x"])
    _same(["\x00"])


_FRAGMENTS = sorted(
    {piece for shape in SHAPES for piece in shape.template.split("/") if "{" not in piece}
    | {"/", "//", ".", "1.0.0", "latest", "x", "", "K", "\u212a", "\u017f", "İ", "ı", "ß", "\x00", "\x01", "0", "12"}
)
_PART = st.one_of(
    st.sampled_from(_FRAGMENTS),
    st.sampled_from(_FRAGMENTS).map(str.upper),
    st.text(alphabet="/.0123456789abcAB\x00", max_size=6),
    st.just(UNKNOWN),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PART, max_size=14))
def test_generated_values_get_the_same_verdict(parts: list[Part]) -> None:
    _same(parts)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SHAPES), st.data())
def test_generated_ids_of_a_shape_with_unknown_parts_get_the_same_verdict(shape: Shape, data: st.DataObject) -> None:
    text = "/".join(
        segment.literal if segment.literal is not None else ("1.2.3" if segment.version else data.draw(st.text(min_size=1, max_size=4)))
        for segment in shape.segments
    )
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=4)))
    parts: list[Part] = []
    last = 0
    for cut in cuts:
        parts += [text[last:cut], UNKNOWN]
        last = data.draw(st.integers(cut, min(len(text), cut + 3)))
    parts.append(text[last:])
    _same(parts)


@pytest.mark.parametrize("count", [40, 400])
def test_many_unknown_parts_stay_fast(count: int) -> None:
    """A hostile value: every state moves at once, no choice multiplies another's."""
    parts: list[Part] = []
    for _ in range(count):
        parts += [UNKNOWN, "s"]
    parts.append("/x/y")
    for shape in SHAPES:
        assert _chain(shape).accepts(parts) == _automaton(shape).accepts(parts)
