"""Property-based fuzzing of the line maps: every character of a script unit and
of a decoded JSON string maps back to where it is written, through any escapes
(fuzz/targets.py: check_linemap)."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiblint.jsontree import JsonString
from aiblint.loader import load_text
from aiblint.textmap import source_offset
from fuzz.targets import check_linemap, decode_at, encode_string

SCRIPT_TEXT = st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from('<>[]"\\/\n\t\r$`\'é😀\u2028'), max_size=30)
ELEMENTS = st.lists(SCRIPT_TEXT | st.sampled_from(["#!/bin/bash", "[[x", "[concat('a')]", "<name> and <other>", ""]), min_size=1, max_size=5)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ELEMENTS, st.sampled_from(["Shell", "PowerShell"]), st.integers(min_value=0, max_value=2**32))
def test_inline_scripts_map_back_through_any_escapes(elements: list[str], language: str, seed: int) -> None:
    check_linemap(elements, language, seed)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), st.integers(min_value=0, max_value=2**32), st.integers(min_value=-5, max_value=50))
def test_source_offset_of_any_index(value: str, seed: int, index: int) -> None:
    written = encode_string(value, random.Random(seed))
    document = load_text('{"k": ' + written + "}", "f.json")
    assert document.root is not None
    node = document.root.get("k")  # type: ignore[attr-defined]
    assert isinstance(node, JsonString) and node.text == value
    offset = source_offset(document.text, node, index)
    assert node.start < offset <= node.end - 1
    if 0 <= index < len(value):
        assert decode_at(document.text, offset) == value[index]


@pytest.mark.parametrize(
    ("elements", "expected"),
    [
        (["echo caf\\u00e9 done"], "é"),  # written as an escape in JSON
        (["echo 😀 then ✓"], "✓"),  # a character outside the BMP before it
    ],
)
def test_a_character_after_an_escape_maps_exactly(elements: list[str], expected: str) -> None:
    """Examples of what the property covers, readable: the character's own place."""
    text = '{"inline": ["' + elements[0] + '"]}'
    document = load_text(text, "f.json")
    node = document.root.get("inline").items[0]  # type: ignore[union-attr]
    index = node.text.index(expected)
    assert decode_at(text, source_offset(text, node, index)) == expected


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=30), st.integers(min_value=0, max_value=2**32), st.integers(min_value=-3, max_value=40))
def test_source_offset_without_the_map_is_the_maps_answer(value: str, seed: int, index: int) -> None:
    # A string with no escape is answered without making its StringMap: the same offset.
    from aiblint.textmap import StringMap

    written = encode_string(value, random.Random(seed))
    document = load_text('{"k": ' + written + "}", "f.json")
    node = document.root.get("k")  # type: ignore[union-attr]
    assert isinstance(node, JsonString)
    assert source_offset(document.text, node, index) == StringMap(document.text, node).offset(index)
