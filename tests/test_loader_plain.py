"""The loader's plain-JSON pass (``aiblint.loader._plain``) builds exactly the
tree the full parser builds, or declines and leaves the file to it: spans,
keys, values, parents, duplicates, comments and problems are the same either way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aiblint.document import Document
from aiblint.jsontree import JsonArray, JsonNode, JsonObject, JsonScalar, JsonString
from aiblint.loader import MAX_DEPTH, _new_container, _new_scalar, _new_string, _Parser, _plain, _Stop, load_text
from tests.conftest import CORPUS, ROOT, WILD

FAST = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PIECES = ['{', '}', '[', ']', ',', ':', ' ', '\n', '\t', '"a"', '"A"', '"é"', '"a\\"b"', '"\\u00e9"', '"\x01"', '"', '0', '-1', '1.5', '1e3',
          '01', '1.', '-', '1a', 'true', 'false', 'null', 'truex', 'nul', 'True', '//c\n', '/*c*/', '/', '<p>', "'a'", '\\', '"a":1',
          '"a": "b",', '"a":{', '"a": [', '"\\n": 2,', '\r\n', '{}', '[]', ', ', 'true_', 'null\u0660', '2.5e-3', '"a" :true']
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["a", "A", "b", "é", 'q"', "\\"]) | st.text(max_size=6), children, max_size=4),
    max_leaves=25,
)


def _full(text: str) -> Document:
    """The document as the full parser alone reads it."""
    document = Document("f.json", text)
    try:
        document.root = _Parser(text, document).parse()
    except _Stop as stop:
        document.problem, document.root = stop.problem, None
    return document


def _shape(node: JsonNode | None, ids: dict[int, int]) -> object:
    """Everything about a tree, parents as the walk's numbering of nodes."""
    if node is None:
        return None
    ids.setdefault(id(node), len(ids))
    parent = ids.get(id(node.parent)) if node.parent is not None else None
    common = (type(node).__name__, node.start, node.end, node.key, parent, _other_slots(node))
    if isinstance(node, JsonObject):
        members = [(_shape(key, ids), _shape(value, ids)) for key, value in node.members]
        return (*common, members, node.keys())
    if isinstance(node, JsonArray):
        return (*common, [_shape(item, ids) for item in node.items])
    assert isinstance(node, JsonScalar)
    value = node.value
    return (*common, type(value).__name__, repr(value))


def _other_slots(node: JsonNode) -> dict[str, object]:
    """The slots that _shape does not look at (every one must be set: a missing one raises here)."""
    return {name: value for name, value in _slots(node).items() if name not in ("parent", "members", "items", "_value")}


def _described(document: Document) -> object:
    ids: dict[int, int] = {}
    root = _shape(document.root, ids)
    duplicates = [(first.start, first.end, first.text, later.start, later.end, ids.get(id(later))) for first, later in document.duplicates]
    return root, duplicates, document.comments, document.recovered, document.problem


def assert_same(text: str) -> None:
    assert _described(load_text(text, "f.json")) == _described(_full(text))


def _plain_root(text: str) -> JsonNode | None:
    return _plain(text, Document("f.json", text))


def test_templates_are_read_by_the_plain_pass() -> None:
    text = json.dumps({"type": "Microsoft.VirtualMachineImages/imageTemplates", "properties": {"a": [1, 2.5, True, None, "x\\y"]}}, indent=2)
    assert _plain_root(text) is not None
    assert_same(text)


@pytest.mark.parametrize("text", [
    '{"a": 1,}', '{"a": 1 "b": 2}', "// c\n{}", '{"a": /* c */ 1}', "{} x", '{"a": 01}', "[1a]", "[truex]", "", "  ",
    '{"a" 1}', '{"a":}', "[1,]", '{"a": [1}', "{'a': 1}", '"\\x"', "[" * 300 + "]" * 300, '{"a": 1}//',
])
def test_what_is_not_plain_json_is_left_to_the_full_parser(text: str) -> None:
    assert _plain_root(text) is None
    assert_same(text)


@pytest.mark.parametrize("text", [
    "{}", "[]", "{ }", "[\r\n]", "[[]]", '{"a":{}}', '{"a": []}', "[{},[],{ },[ ]]", '{"a": {}, "b": [], "c": {"d": []}}',
    '{"\\u0061": {"b": 1}, "\\n": [1, "x"], "c\\"": "d\\"", "e": "\\t"}', '["a\\\\", "b", {"c": "\\/"}, "d"]',
    '{"a": 1, "b": 2.5, "c": -0, "d": 1E+2, "e": true, "f": false, "g": null, "h": "i"}', "[1, 2.5, -0, 1E+2, true, false, null]",
    '{"a": "b" , "c" : "d"\n,\t"e":"f"}', '"\\u00e9"', "1", "-1.5e3", "null", "true ", '  "a"  ', '{"a": "b"}  \n',
    "[" * MAX_DEPTH + "]" * MAX_DEPTH, "[" * (MAX_DEPTH - 1) + "{}" + "]" * (MAX_DEPTH - 1),
    # each thing one match reads (its lastindex): a string, a number, a literal, then ',' or the closer; an opener
    '{"a": "s"}', '{"a": 12}', '{"a": null }', '{"a": "s" ,"b": -0.5E-7,"c": false\n}', '{"a": {"b": "c"}, "d": ["e"]}',
    '["s"]', "[12]", "[true ]", '["s" ,-0.5E-7,null\n]', '[{"b": 1}, ["e", 2], 3]', '{"a": [[["x"]]], "b": {"c": {"d": 0}}}',
])
def test_plain_json_of_every_shape_is_read_by_the_plain_pass(text: str) -> None:
    assert _plain_root(text) is not None
    assert_same(text)


@pytest.mark.parametrize("text", [
    "{},", "[1],", "1,", '"a",', '{"a": 1},', "[1] ,", '{"a": "b",}', '{"a": {},}', '{"a": [],}', "[1,]", '["a",]', "[{},]",
    '{"a": "b" "c": "d"}', '{"a": {} "b": 1}', "[1 2]", '["a" "b"]', "[{} {}]", '{"a": "b"]', '["a"}', '{"a": [}', "[{]}", '{"a": {]}',
    '{"a": "b", 1}', '{"a"}', '{"a" "b"}', '{"\\u0061" 1}', '{"\\u0061": }', '{"a": "b\\x"}', '["\\x"]', '{"a\\x": 1}',
    '{"a": "b\tc"}', '["b\nc"]', '{"a": 1.}', "[01]", "[-]", "[truex]", "[true_]", '{"a": nul}', "{,}", "[,]", '{"a": 1}}', "[1]]",
    '{"a": 1} /* c */', '{"a": // c\n 1}', "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
    "[" * MAX_DEPTH + "{}" + "]" * MAX_DEPTH, "[" * MAX_DEPTH + "1" + "]" * MAX_DEPTH + "]",
])
def test_what_the_patterns_decline_is_left_to_the_full_parser(text: str) -> None:
    assert _plain_root(text) is None
    assert_same(text)


def test_duplicate_keys_and_escapes() -> None:
    text = '{"a": 1, "b": {"c": "d\\u00e9"}, "a": [2], "\\u0061": 3, "B": "x\\"y"}'
    assert _plain_root(text) is not None
    document = load_text(text, "f.json")
    assert [(first.start, later.start) for first, later in document.duplicates] == [(1, 32), (32, 42)]  # each with the one before it
    assert_same(text)


def _files() -> list[Path]:
    folders = [ROOT / "tests" / "data", ROOT / "examples", CORPUS, WILD]
    return sorted(path for folder in folders if folder.is_dir() for path in folder.rglob("*.json*"))


def test_every_corpus_and_test_file_reads_the_same() -> None:
    files = _files()
    assert len(files) > 20
    plain = 0
    for path in files:
        text = path.read_bytes().decode("utf-8-sig", "replace")
        assert _described(load_text(text, "f.json")) == _described(_full(text)), path
        plain += _plain_root(text) is not None
    assert plain > len(files) // 2


@FAST
@given(VALUES, st.sampled_from([None, 0, 2, "\t"]), st.booleans(), st.sampled_from([(",", ":"), (", ", ": "), (" ,\r\n", " :\t")]))
@example({"a": [1, {"a": None}], "b": 1e100}, 2, False, (",", ":"))
def test_valid_json_reads_the_same(value: object, indent: object, ascii_only: bool, separators: tuple[str, str]) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only, separators=separators)  # type: ignore[arg-type]
    assert _plain_root(text) is not None
    assert_same(text)


@FAST
@given(st.lists(st.sampled_from(PIECES), max_size=30))
def test_json_like_text_reads_the_same(pieces: list[str]) -> None:
    assert_same("".join(pieces))


def _slots(node: JsonNode) -> dict[str, object]:
    names = [name for cls in type(node).__mro__ for name in getattr(cls, "__slots__", ())]
    return {name: getattr(node, name) for name in names}


def test_nodes_made_without_their_init_are_the_nodes_their_init_makes() -> None:
    """The plain pass makes strings and scalars without their chain of ``__init__`` calls: every
    slot must still be set as the constructor sets it (a slot added to a node class must be too)."""
    assert _slots(_new_string(3, 8, "abc")) == _slots(JsonString(3, 8, "abc"))
    assert type(_new_string(3, 8, "abc")) is JsonString
    assert _slots(_new_scalar(1, 2, 5)) == _slots(JsonScalar(1, 2, 5))
    assert type(_new_scalar(1, 2, 5)) is JsonScalar
    assert _slots(_new_container("{", 4)) == _slots(JsonObject(4))
    assert type(_new_container("{", 4)) is JsonObject
    assert _slots(_new_container("[", 4)) == _slots(JsonArray(4))
    assert type(_new_container("[", 4)) is JsonArray
