"""The loader: exact positions, JSONC, duplicates, and a clear message for every bad input."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from aiblint import loader
from aiblint.jsontree import JsonArray, JsonObject, JsonString
from aiblint.loader import MAX_DEPTH, MAX_FILE_BYTES, load_bytes, load_text, read_file


def problem_at(data: bytes) -> tuple[int, int, str]:
    document = load_bytes(data, "x.json")
    problems = document.recovered + ([document.problem] if document.problem is not None else [])
    assert problems, "expected a problem"
    assert (document.root is None) == (document.problem is not None)  # read past: a tree all the same
    where = document.position(problems[0].offset)
    return where.line, where.column, problems[0].message


@pytest.mark.parametrize(
    ("data", "line", "column", "words"),
    [
        (b'{\n  "a": 1,\n}', 2, 9, "trailing comma before '}'"),
        (b'[1, 2,\n]', 1, 6, "trailing comma before ']'"),
        (b'{"location": <region>}', 1, 14, "unquoted placeholder <region>"),
        (b'{"a": 1 "b": 2}', 1, 9, "is a comma missing?"),
        (b'{"a": [1, 2}', 1, 12, "does not match the '['"),
        (b'{"a": {"b": 1}', 1, 15, "the object opened at line 1, column 1 is not closed"),
        (b"{'a': 1}", 1, 2, "single quotes"),
        (b'{"a": \'x\'}', 1, 7, "double quotes, not single quotes"),
        (b'{"a": NaN}', 1, 7, "NaN is not valid JSON"),
        (b'{"a": Infinity}', 1, 7, "Infinity is not valid JSON"),
        (b'{"a": -Infinity}', 1, 7, "-Infinity is not valid JSON"),
        (b'{"a": True}', 1, 7, "lower case"),
        (b'{"a": 01}', 1, 7, "invalid number '01'"),
        (b'{"a": "x\\q"}', 1, 9, "invalid escape '\\q'"),
        (b'{"a": "x\\u12"}', 1, 9, "\\u escape"),
        (b'{"a": "line\nbreak"}', 1, 12, "never closed on this line"),
        (b'{"a": "tab\there"}', 1, 11, "U+0009"),
        (b'{"a": "open', 1, 7, "never closed"),
        (b'{a: 1}', 1, 2, "property name 'a' must be in double quotes"),
        (b'{"a" 1}', 1, 6, "expected ':'"),
        (b'{"a": 1} {"b": 2}', 1, 10, "after the end of the JSON value"),
        (b'"type": "x"', 1, 7, "outside any object"),
        (b"", 1, 1, "file is empty"),
        (b"  \n\t ", 1, 1, "file is empty"),
        (b"// just a comment\n", 1, 1, "only comments"),
        (b'{"a": 1 /* open', 1, 9, "never closed with '*/'"),
        (b'{"a": ...}', 1, 7, "'...' is not JSON"),
        (b'\xef\xbb\xbf{"a":}', 1, 6, "expected a value"),
    ],
)
def test_syntax_problems_have_exact_positions(data: bytes, line: int, column: int, words: str) -> None:
    assert problem_at(data)[:2] == (line, column)
    assert words in problem_at(data)[2]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\xff\xfe{\x00}\x00", "UTF-16"),
        (b"{\x00\"\x00a\x00", "UTF-16"),
        (b'{"a": "caf\xe9"}', "not UTF-8: byte 0xe9"),
        (b'{"a": 1}\x00\x00', "binary"),
    ],
)
def test_encodings_and_binary(data: bytes, words: str) -> None:
    assert words in problem_at(data)[2]


def test_invalid_utf8_position_counts_characters_before_it() -> None:
    assert problem_at('{\n  "é": "\xff"}'.encode("utf-8", "surrogateescape").replace(b"\xc3\xbf", b"\xff"))[:2] == (2, 9)


def test_comments_and_bom_are_accepted_and_recorded() -> None:
    document = load_bytes(b'\xef\xbb\xbf// head\n{"a": /* inline */ 1, // tail\n "b": [true, null]}\n', "x.json")
    assert document.problem is None
    assert document.root is not None and document.root.value == {"a": 1, "b": [True, None]}
    assert [document.text[s:e] for s, e in document.comments] == ["// head", "/* inline */", "// tail"]


def test_duplicate_keys_are_kept_and_the_last_wins() -> None:
    document = load_text('{"a": 1,\n "a": 2}', "x.json")
    root = document.root
    assert isinstance(root, JsonObject)
    assert root.value == {"a": 2}
    assert len(root.members) == 2
    (first, again), = document.duplicates
    assert (document.position(first.start), document.position(again.start)) == (
        document.position(1),
        document.position(10),
    )
    assert document.position(again.start).line == 2


def test_node_spans_and_logical_paths() -> None:
    text = '{\n  "resources": [\n    {"properties": {"customize": [{"name": "x"}]}}\n  ]\n}'
    document = load_text(text, "x.json")
    root = document.root
    assert isinstance(root, JsonObject)
    resources = root.get("resources")
    assert isinstance(resources, JsonArray)
    name = resources.items[0].value["properties"]["customize"][0]["name"]  # type: ignore[index]
    assert name == "x"
    node = next(n for n in _all(root) if isinstance(n, JsonString) and n.text == "x")
    span = document.node_span(node)
    assert (span.start.line, span.start.column, span.end.line, span.end.column) == (3, 44, 3, 47)
    assert node.logical_path() == "resources[0].properties.customize[0].name"


def _all(root):  # type: ignore[no-untyped-def]
    from aiblint.jsontree import walk

    return list(walk(root))


def test_columns_count_characters_not_bytes() -> None:
    document = load_text('{"é€😀": "v", "b": 1 2}', "x.json")
    assert document.problem is not None
    assert document.position(document.problem.offset).column == 21


def test_deep_nesting_is_a_clear_problem_not_a_crash() -> None:
    line, column, message = problem_at(b"[" * 100_000 + b"]" * 100_000)
    assert (line, column) == (1, MAX_DEPTH + 1)
    assert "nesting" in message


def test_nesting_up_to_the_limit_is_fine() -> None:
    document = load_bytes(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH, "x.json")
    assert document.problem is None


def test_huge_numbers_do_not_crash() -> None:
    document = load_bytes(b'{"a": ' + b"9" * 10_000 + b', "b": -' + b"1" * 5000 + b"}", "x.json")
    assert document.problem is None
    assert document.root is not None and document.root.value == {"a": float("inf"), "b": float("-inf")}


def test_oversized_file_is_a_problem_of_its_own_kind() -> None:
    document = load_bytes(b" " * (MAX_FILE_BYTES + 1), "x.json")
    assert document.problem is not None and document.problem.kind == "too-large"


def test_lone_surrogate_escape_parses() -> None:
    document = load_text('{"a": "\\ud800"}', "x.json")
    assert document.problem is None



def _read(path: Path, monkeypatch: pytest.MonkeyPatch, told: int | None = None) -> bytes:
    """read_file(path), ``os.fstat`` telling it the size ``told`` (if given): a file that grows
    while it is read, or a size that is not the length (files under /proc say 0 or 4096)."""
    if told is None:
        return read_file(path)
    real = os.fstat
    with monkeypatch.context() as patch:
        patch.setattr(os, "fstat", lambda descriptor: type("S", (), {"st_size": told, "st_mode": real(descriptor).st_mode})())
        return read_file(path)


@pytest.mark.parametrize("length", [0, 1, 999, 1000, 1001, 70_000])
@pytest.mark.parametrize("told", [None, 0, 1, 10, 70_001, 10**9])
def test_read_file_reads_the_whole_file_whatever_its_size_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              length: int, told: int | None) -> None:
    data = bytes(range(256)) * (length // 256) + b"x" * (length % 256)
    (tmp_path / "t.json").write_bytes(data)
    assert _read(tmp_path / "t.json", monkeypatch, told) == data


@pytest.mark.parametrize("told", [None, 0, 5, 999, 1000, 1001])
def test_read_file_stops_one_byte_past_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, told: int | None) -> None:
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", 1000)
    for length, read in [(999, 999), (1000, 1000), (1001, 1001), (1002, 1001), (70_000, 1001)]:
        (tmp_path / "t.json").write_bytes(b"a" * length)
        assert _read(tmp_path / "t.json", monkeypatch, told) == b"a" * read, length


def test_read_file_keeps_bytes_as_written_and_fails_as_open_does(tmp_path: Path) -> None:
    """Read through os calls: CRLF and a BOM as written (no text mode anywhere), a folder and a
    missing file fail with the OSError (and strerror) that ``open`` gives, and no descriptor is
    left open either way."""
    data = b"\xef\xbb\xbf{\r\n  \"a\": \"b\\r\"\r\n}\r\n"
    (tmp_path / "crlf.json").write_bytes(data)
    folder = tmp_path / "folder.json"
    folder.mkdir()
    fds = Path("/proc/self/fd")
    before = len(list(fds.iterdir())) if fds.is_dir() else None
    for _ in range(50):
        assert read_file(tmp_path / "crlf.json") == data
        with pytest.raises(OSError) as expected:
            open(folder, "rb").close()  # what open says of a folder, here
        with pytest.raises(type(expected.value)) as error:
            read_file(folder)
        assert error.value.strerror == expected.value.strerror
        with pytest.raises(FileNotFoundError):
            read_file(tmp_path / "missing.json")
    if before is not None:
        assert len(list(fds.iterdir())) == before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_read_file_reads_a_pipe_to_its_end(tmp_path: Path) -> None:
    """A pipe has no size and a raw read returns what is there: read_file goes on to the end."""
    fifo = tmp_path / "p.json"
    os.mkfifo(fifo)
    pieces = [b'{"a": ', b"1", b"}" + b" " * 70_000]

    def write() -> None:
        with open(fifo, "wb", buffering=0) as stream:
            for piece in pieces:
                stream.write(piece)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert read_file(fifo) == b"".join(pieces)
    finally:
        writer.join(5)
