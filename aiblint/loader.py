"""Bytes -> :class:`~aiblint.document.Document`: a positioned JSON tree.

Reads what Azure Resource Manager reads: JSON with ``//`` and ``/* */``
comments and an optional UTF-8 byte order mark. Everything else (trailing
commas, unquoted words, single quotes, NaN, truncated files, other encodings)
becomes a :class:`~aiblint.document.ReadProblem` with the exact offset and a
sentence a person can act on. Two mistakes leave no doubt about what the text
means, so the loader reads past them (``Document.recovered``) and the rest of
the file is still checked: a trailing comma, and a missing comma between two
members or elements. Anything else ends the parse.

Why a hand-written parser: we need character spans for every node, duplicate
keys kept rather than dropped, comments, errors phrased for people, and no
recursion (hostile files nest 100,000 deep). The stdlib ``json`` module gives
none of the first four; string bodies still go through its C ``scanstring``.
"""

from __future__ import annotations

import json.decoder
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiblint import recache
from aiblint.document import Document, ReadProblem
from aiblint.jsontree import JsonArray, JsonNode, JsonObject, JsonScalar, JsonString
from aiblint.lazyre import lazy

#: ARM rejects templates over 4 MB; beyond this we do not try (AIB007).
MAX_FILE_BYTES = 8 * 1024 * 1024
#: Deeper nesting than any template needs; keeps every later tree walk safe.
MAX_DEPTH = 256
#: Syntax errors read past in one file; one more ends the parse (a file of them is not JSON).
MAX_RECOVERED = 20

_SPACES = re.compile(r"[ \t\r\n]*")
# The full parser's (files with comments or mistakes) and the plain pass's slow path's (a number
# as the root): compiled when first needed.
_NUMBER = lazy(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_WORD = lazy(r"[^\s,:\[\]{}\"]+")
_NUMBER_TAIL = lazy(r"[0-9A-Za-z_.+-]")
# The C string scanner: (text, index after the opening quote, strict) -> (value, end).
_scanstring: Callable[[str, int, bool], tuple[str, int]] = getattr(json.decoder, "scanstring")  # noqa: B009


class _Stop(Exception):
    """Raised inside the parser to end it with a problem."""

    def __init__(self, message: str, offset: int, end_offset: int | None = None) -> None:
        super().__init__(message)
        self.problem = ReadProblem("syntax", message, offset, end_offset)


def read_file(path: Path) -> bytes:
    """A file's bytes, but at most one more than :data:`MAX_FILE_BYTES`: a huge
    file, or a link to ``/dev/zero``, costs no more memory than that, and
    :func:`load_bytes` reports it as too large (AIB007).

    Unbuffered, in reads of the size the file says it has and one byte more (that
    byte, if it comes, says it grew: reading goes on): a buffered ``read(cap)``
    allocates the whole cap, 8 MB, for every file (178 files: 5.5 -> 1.7 ms of CPU).
    A pipe or a device (size 0) is read 64 KB at a time, up to the cap, as is what
    follows that first read. Through ``os`` calls on the descriptor, without a file
    object (``open``'s ``FileIO`` and its context: 178 files 1.8 -> 0.9 ms of CPU); a
    folder fails as it does with ``open`` (``IsADirectoryError``, at the first read)."""
    descriptor = os.open(path, _READ_FLAGS)
    try:
        size = os.fstat(descriptor).st_size
        remaining = MAX_FILE_BYTES + 1
        step = min(size + 1, remaining) if size > 0 else 1 << 16
        chunks: list[bytes] = []
        while remaining > 0:
            chunk = os.read(descriptor, min(step, remaining))
            if not chunk:  # the end (a read returns b"" only there)
                break
            chunks.append(chunk)
            remaining -= len(chunk)
            step = max(step, 1 << 16)  # it grew, or its size was not its length
        return b"".join(chunks)
    finally:
        os.close(descriptor)


#: Read only; bytes as they are on Windows too (no CRLF translation); not inherited by
#: child processes (``os.open`` makes descriptors non-inheritable anyway).
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def load_bytes(data: bytes, path: str) -> Document:
    """Decode and parse one file. Never raises for bad input."""
    if len(data) > MAX_FILE_BYTES:
        message = (
            f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: aiblint does not read it, "
            "and ARM rejects templates over 4 MB"
        )
        return Document(path, "", problem=ReadProblem("too-large", message, 0))
    text, problem = _decode(data)
    if problem is not None:
        return Document(path, text, problem=problem)
    return load_text(text, path)


def load_text(text: str, path: str) -> Document:
    document = Document(path, text)
    root = _plain(text, document)
    if root is not None:
        document.root = root
        return document
    parser = _Parser(text, document)
    try:
        document.root = parser.parse()
    except _Stop as stop:
        document.problem = stop.problem
        document.root = None
    return document


_COLON = re.compile(r"[ \t\r\n]*:")
_LITERALS = {"true": True, "false": False, "null": None}

def _value_pattern(closer: str) -> str:
    """A value of plain JSON (groups: a string without escapes or control characters, which is
    its own value, as ``scanstring`` reads it; a number or a literal; the lookaheads only spare a
    failed match later: any character that may not follow a value fails the next match anyway),
    then white space and a ',', or the closer of the container the value is the last of (a
    group) and the ',' after it if there is one; or (a group) an opener, whose ',' comes with its
    closer. The groups are ordered so that ``lastindex`` says what was read (see :data:`_MEMBER`)."""
    return (
        r'(?:(?:"([^"\\\x00-\x1f]*)"|(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?(?![0-9A-Za-z_.+-])'
        r"|(?:true|false|null)(?!\w)))[ \t\r\n]*(?:,|(" + closer + r")[ \t\r\n]*,?)?|([{\[]))"
    )


#: A whole member: ``"key": value,`` (groups: the key's text, then as :func:`_value_pattern`'s).
#: What a match of :data:`_MEMBER` read is its ``lastindex`` (the group that ended last): 2 a
#: string value, 3 a number or literal, then a ',' or nothing; 4 a value and the container's
#: closer; 5 an opener. An item's groups are a member's less the key's (one less). Reading that and
#: the spans needed costs less than ``regs``, eight pairs of numbers (a fifth of the pass).
_MEMBER = recache.compile(r'[ \t\r\n]*"([^"\\\x00-\x1f]*)"[ \t\r\n]*:[ \t\r\n]*' + _value_pattern(r"\}"))
#: An array's item (groups as :func:`_value_pattern`'s).
_ITEM = recache.compile(r"[ \t\r\n]*" + _value_pattern(r"\]"))
#: After a value: a ',', or a closer (group 1 '}', group 2 ']') and the ',' after it if there is one.
_AFTER_VALUE = re.compile(r"[ \t\r\n]*(?:,|(?:(\})|(\]))[ \t\r\n]*,?)")
#: What the plain parser expects next: an object's member, a ',' or a closer after a value, an
#: array's item, the value of a key read alone (by :func:`_plain_token`), the root.
_MEMBER_NEXT, _AFTER, _ITEM_NEXT, _KEY_VALUE, _ROOT = range(5)


def _plain(text: str, document: Document) -> JsonNode | None:
    """The tree of a file of plain JSON (no comment, no mistake), built as
    :class:`_Parser` builds it; ``None`` for anything else (a comment, an error
    of any kind, nesting too deep), which :class:`_Parser` then reads from the
    start. Most templates are plain JSON, and this reads them about twice as
    fast as :class:`_Parser` does. One match reads a whole member (``"key":
    "value",``), an array's item and its ',', the closer after a last member or
    item, or a closer after a closer (:data:`_MEMBER`, :data:`_ITEM`,
    :data:`_AFTER_VALUE`); the rest (strings with escapes, the root, an empty
    container) is read a token at a time by :func:`_plain_token`. The hot paths
    are written out in line, without helper calls: this loop runs once per member."""
    member, item, after = _MEMBER.match, _ITEM.match, _AFTER_VALUE.match
    make, string_type, object_type, array_type = _make, JsonString, JsonObject, JsonArray
    stack: list[JsonNode] = []
    duplicates: list[tuple[JsonString, JsonString]] = []
    container: Any = None  # stack[-1], a JsonObject or a JsonArray
    members: list[tuple[JsonString, JsonNode]] = []  # the container's, if it is an object
    index: dict[str, int] = {}  # likewise
    items: list[JsonNode] = []  # the container's, if it is an array
    pending: JsonString | None = None  # a key read alone, until its value comes
    root: JsonNode | None = None
    node: Any = None
    state, offset = _ROOT, 0
    while True:
        # Each branch reads on and continues, or leaves the container (`closed`: its end), or goes
        # into a container (`node`), or leaves the token to the slow path (`node` None).
        if state == _MEMBER_NEXT:
            found = member(text, offset)
            if found is None:
                node, closed = None, -1
            else:
                what: int = found.lastindex  # type: ignore[assignment]  # (a value group always matches)
                offset = found.end()
                start, end = found.span(1)
                name = text[start:end]
                key = make(string_type)
                key.start = start - 1
                key.end = end + 1
                key.parent = container
                key.key = name
                key._value = name
                if what == 5:  # an opener: the match ends with it; made as _new_container makes it, in line
                    if text[offset - 1] == "{":
                        node = make(object_type)
                        node.members, node._index, node._folded = [], {}, None
                    else:
                        node = make(array_type)
                        node.items = []
                    node.start = offset - 1
                    node.end = -1
                    closed = -1
                else:
                    closed = found.end(4) if what == 4 else -1
                    start, end = found.span(2)
                    if start >= 0:
                        node = make(string_type)
                        node.start = start - 1
                        node.end = end + 1
                        node._value = text[start:end]
                    else:
                        start, end = found.span(3)
                        node = _new_scalar(start, end, _scalar(text[start:end]))
                node.parent = container
                node.key = name
                if name in index:
                    duplicates.append((members[index[name]][0], key))
                index[name] = len(members)
                members.append((key, node))
                if what < 4:  # a value, and a ',' or nothing
                    if text[offset - 1] != ",":
                        state = _AFTER
                    continue
        elif state == _AFTER:
            found = after(text, offset)
            if found is None:
                return None
            offset = found.end()
            closer = found.lastindex  # None (a ','), 1 ('}') or 2 (']'): cheaper than regs, as above
            if closer is None:
                state = _MEMBER_NEXT if type(container) is object_type else _ITEM_NEXT
                continue
            if (closer == 1) != (type(container) is object_type):
                return None
            closed = found.end(closer)
        elif state == _ITEM_NEXT:
            found = item(text, offset)
            if found is None:
                node, closed = None, -1
            else:
                what = found.lastindex  # type: ignore[assignment]  # as a member's, one less (see _MEMBER)
                offset = found.end()
                if what == 4:  # an opener, as a member's
                    if text[offset - 1] == "{":
                        node = make(object_type)
                        node.members, node._index, node._folded = [], {}, None
                    else:
                        node = make(array_type)
                        node.items = []
                    node.start = offset - 1
                    node.end = -1
                    closed = -1
                else:
                    closed = found.end(3) if what == 3 else -1
                    start, end = found.span(1)
                    if start >= 0:
                        node = make(string_type)
                        node.start = start - 1
                        node.end = end + 1
                        node._value = text[start:end]
                    else:
                        start, end = found.span(2)
                        node = _new_scalar(start, end, _scalar(text[start:end]))
                node.parent = container
                node.key = len(items)
                items.append(node)
                if what < 3:  # a value, and a ',' or nothing
                    if text[offset - 1] != ",":
                        state = _AFTER
                    continue
        else:
            node, closed = None, -1
        if closed >= 0:  # out of the container
            container.end = closed
            stack.pop()
            if not stack:
                offset = closed  # a ',' after the root is for the check after the loop to see
                break
            container = stack[-1]
            if type(container) is object_type:
                members, index = container.members, container._index
                state = _MEMBER_NEXT if text[offset - 1] == "," else _AFTER
            else:
                items = container.items
                state = _ITEM_NEXT if text[offset - 1] == "," else _AFTER
            continue
        if node is None:  # what the patterns do not read, a token at a time
            if state != _KEY_VALUE and text[offset - 1 : offset] in ("{", "["):  # an empty container: _AFTER closes it
                found = after(text, offset)
                if found is not None and found.lastindex is not None:
                    state = _AFTER
                    continue
            read = _plain_token(text, offset, state == _MEMBER_NEXT)
            if read is None:
                return None
            node, offset = read
            if state == _MEMBER_NEXT:  # a key
                pending, state = node, _KEY_VALUE
                continue
            node.parent = container
            if state == _KEY_VALUE and pending is not None:  # attached as _Parser.attach does
                pending.parent = container
                pending.key = node.key = name = pending.text
                position = index.get(name)
                if position is not None:
                    duplicates.append((members[position][0], pending))
                index[name] = len(members)
                members.append((pending, node))
                pending = None
            elif state == _ITEM_NEXT:
                node.key = len(items)
                items.append(node)
            else:
                root = node
            if not isinstance(node, (JsonObject, JsonArray)):
                if container is None:
                    break
                state = _AFTER
                continue
        # node is a container, just attached: read into it
        if len(stack) >= MAX_DEPTH:
            return None
        stack.append(node)
        container = node
        offset = node.start + 1
        if type(node) is object_type:
            members, index = node.members, node._index
            state = _MEMBER_NEXT
        else:
            items = node.items
            state = _ITEM_NEXT
    if _SPACES.match(text, offset).end() != len(text):  # type: ignore[union-attr]
        return None  # a comment, or more after the value: _Parser says what
    document.duplicates.extend(duplicates)
    return root


def _plain_token(text: str, offset: int, want_key: bool) -> tuple[JsonNode, int] | None:
    """One token that :func:`_plain`'s patterns do not read: a string with escapes (a key, with
    its ':', or a value), or the root value. A key comes back with its text as its ``key`` (which
    :func:`_plain` sets anyway when it attaches it), any value with ``key`` ``None``; ``None`` for
    anything else. After a value the caller checks what follows (a ',' read here would be lost)."""
    offset = _SPACES.match(text, offset).end()  # type: ignore[union-attr]
    char = text[offset : offset + 1]
    if char == '"':
        try:
            value, end = _scanstring(text, offset + 1, True)
        except json.decoder.JSONDecodeError:
            return None
        node = _new_string(offset, end, value)
        if not want_key:
            return node, end
        colon = _COLON.match(text, end)
        if colon is None:
            return None
        node.key = value
        return node, colon.end()
    if want_key:
        return None
    if char == "{" or char == "[":
        return _new_container(char, offset), offset + 1
    if char == "-" or "0" <= char <= "9":  # as _Parser.number
        found = _NUMBER().match(text, offset)
        if found is None or _NUMBER_TAIL().match(text, found.end()):
            return None
        return _new_scalar(offset, found.end(), _number(found.group())), found.end()
    for word, literal in _LITERALS.items():  # as _Parser.word
        end = offset + len(word)
        if text.startswith(word, offset) and not (end < len(text) and (text[end].isalnum() or text[end] == "_")):
            return _new_scalar(offset, end, literal), end
    return None


def _scalar(token: str) -> object:
    """The value of a number or a literal that the plain patterns read."""
    return _LITERALS[token] if token[0] in "tfn" else _number(token)


def _number(token: str) -> object:
    """A number's value, as :meth:`_Parser.number` reads it."""
    if "." in token or "e" in token or "E" in token:
        return float(token)
    if len(token) > 4000:  # as _Parser.number
        return float("-inf") if token.startswith("-") else float("inf")
    return int(token)


def _new_container(opener: str, start: int) -> JsonObject | JsonArray:
    """``JsonObject(start)`` or ``JsonArray(start)`` without their ``__init__`` calls (see
    :func:`_new_string`)."""
    if opener == "{":
        node = _make(JsonObject)
        node.start, node.end, node.parent, node.key = start, -1, None, None
        node.members, node._index, node._folded = [], {}, None
        return node
    array = _make(JsonArray)
    array.start, array.end, array.parent, array.key = start, -1, None, None
    array.items = []
    return array


def _new_string(start: int, end: int, value: str) -> JsonString:
    """``JsonString(start, end, value)`` without its chain of ``__init__`` calls (two per node, a
    fifth of the pass: the corpus makes about 18,000 nodes; with the containers' members added in
    place, 51 -> 37 ms of CPU for its 178 files). ``tests/test_loader_plain.py`` checks that every
    slot is set as the constructor sets it."""
    node = _make(JsonString)
    node.start, node.end, node.parent, node.key, node._value = start, end, None, None, value
    return node


def _new_scalar(start: int, end: int, value: object) -> JsonScalar:
    node = _make(JsonScalar)
    node.start, node.end, node.parent, node.key, node._value = start, end, None, None, value
    return node


_make = object.__new__


def _decode(data: bytes) -> tuple[str, ReadProblem | None]:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "", _encoding_problem("UTF-16 (byte order mark found)")
    elif len(data) >= 4 and data[1:4:2] == b"\x00\x00" and data[0] and data[2]:
        return "", _encoding_problem("UTF-16 (every other byte is zero)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        text = data.decode("utf-8", errors="replace")
        offset = len(data[: error.start].decode("utf-8", errors="replace"))
        message = (
            f"file is not UTF-8: byte 0x{data[error.start]:02x} cannot start or "
            "continue a UTF-8 character (ARM templates must be UTF-8)"
        )
        return text, ReadProblem("syntax", message, offset)
    nul = text.find("\x00")
    if nul >= 0:
        return text, ReadProblem("syntax", "file is binary (it contains a NUL byte), not JSON", nul)
    return text, None


def _encoding_problem(what: str) -> ReadProblem:
    return ReadProblem("syntax", f"file is encoded as {what}; ARM templates must be UTF-8", 0)


def _quoted(token: str) -> str:
    """A word from the file, quoted for a message: at most 40 characters of it,
    a secret masked (an unquoted token is often one)."""
    from aiblint.redact import redact

    shown = redact(token[:1000])
    return repr(shown[:40]) + ("…" if len(shown) > 40 else "")


def _describe(text: str, offset: int) -> str:
    if offset >= len(text):
        return "end of file"
    char = text[offset]
    if char.isprintable() and not char.isspace():
        return f"'{char}'"
    return f"character U+{ord(char):04X}"


class _Parser:
    """An iterative JSON(C) parser building :mod:`aiblint.jsontree` nodes."""

    def __init__(self, text: str, document: Document) -> None:
        self.text = text
        self.length = len(text)
        self.document = document
        self.stack: list[JsonNode] = []
        self.pending_keys: list[JsonString] = []

    # -- scanning -----------------------------------------------------------------

    def skip(self, offset: int) -> int:
        """Skip white space and comments."""
        text = self.text
        while True:
            offset = _SPACES.match(text, offset).end()  # type: ignore[union-attr]
            if text.startswith("//", offset):
                stop = text.find("\n", offset)
                stop = self.length if stop < 0 else stop
                self.document.comments.append((offset, stop))
                offset = stop
            elif text.startswith("/*", offset):
                stop = text.find("*/", offset + 2)
                if stop < 0:
                    raise _Stop("comment opened with '/*' is never closed with '*/'", offset, offset + 2)
                self.document.comments.append((offset, stop + 2))
                offset = stop + 2
            else:
                return offset

    def fail_end(self, expected: str) -> _Stop:
        if self.stack:
            opener = self.stack[-1]
            where = self.document.position(opener.start)
            kind = "object" if isinstance(opener, JsonObject) else "array"
            message = (
                f"unexpected end of file: expected {expected}; the {kind} opened at "
                f"line {where.line}, column {where.column} is not closed"
            )
        else:
            message = f"unexpected end of file: expected {expected}"
        return _Stop(message, self.length)

    # -- values ---------------------------------------------------------------------

    def parse(self) -> JsonNode:
        offset = self.skip(0)
        if offset >= self.length:
            what = "empty" if not self.text.strip() else "only comments"
            raise _Stop(f"file is {what}: there is no JSON value", 0)
        root: JsonNode | None = None
        want_value = True
        while True:
            if want_value:
                node, offset, opened = self.value(offset)
                root = node if root is None else root
                if opened:
                    offset, want_value = self.open_container(node, offset)
                    continue
            offset = self.skip(offset)
            if not self.stack:
                if offset < self.length and self.text[offset] == ":" and isinstance(root, JsonString):
                    raise _Stop(
                        f"the file starts with a property ({root.text!r}: ...) outside any object; "
                        "a template is one JSON object: wrap it in { }",
                        offset,
                    )
                if offset < self.length:
                    raise _Stop(
                        f"unexpected {_describe(self.text, offset)} after the end of the JSON "
                        "value (a file holds exactly one value)",
                        offset,
                    )
                assert root is not None
                return root
            offset, want_value = self.after_value(offset)

    def open_container(self, node: JsonNode, offset: int) -> tuple[int, bool]:
        """Just after ``{`` or ``[``: an immediate close, or the first member."""
        offset = self.skip(offset)
        closer = "}" if isinstance(node, JsonObject) else "]"
        if offset < self.length and self.text[offset] == closer:
            self.close(offset)
            return offset + 1, False
        if isinstance(node, JsonObject):
            return self.member_key(offset), True
        return offset, True

    def after_value(self, offset: int) -> tuple[int, bool]:
        """After a value inside a container: ``,`` then the next value, or the closer."""
        container = self.stack[-1]
        is_object = isinstance(container, JsonObject)
        closer = "}" if is_object else "]"
        if offset >= self.length:
            raise self.fail_end(f"',' or '{closer}'")
        char = self.text[offset]
        if char == ",":
            following = self.skip(offset + 1)
            if following < self.length and self.text[following] in "}]":
                stop = _Stop(
                    f"trailing comma before '{self.text[following]}': JSON allows no comma "
                    "after the last " + ("member" if is_object else "element"),
                    offset,
                    offset + 1,
                )
                if self.text[following] != closer:
                    raise stop
                self.recover(stop, removable=True)  # what follows is the closer: the comma changes nothing
                return following, False
            return (self.member_key(following) if is_object else following), True
        if char == closer:
            self.close(offset)
            return offset + 1, False
        if char in "}]":
            where = self.document.position(container.start)
            opener = "{" if is_object else "["
            raise _Stop(
                f"'{char}' does not match the '{opener}' opened at line "
                f"{where.line}, column {where.column}",
                offset,
                offset + 1,
            )
        stop = _Stop(
            f"expected ',' or '{closer}' but found {_describe(self.text, offset)}: "
            "is a comma missing?",
            offset,
        )
        if not self.starts_next(offset, is_object):
            raise stop
        self.recover(stop)  # a line break between two members, the comma forgotten: read on
        return (self.member_key(offset) if is_object else offset), True

    def starts_next(self, offset: int, is_object: bool) -> bool:
        """What is at ``offset`` can only be the next member (a quoted name followed by ':')
        or, in an array, the next element: the missing comma is certain."""
        char = self.text[offset]
        if is_object:
            if char != '"':
                return False
            try:
                _, end = _scanstring(self.text, offset + 1, True)
            except json.decoder.JSONDecodeError:
                return False
            after = self.skip(end)
            return after < self.length and self.text[after] == ":"
        return char in '"{[-0123456789' or self.text.startswith(("true", "false", "null"), offset)

    def recover(self, stop: _Stop, removable: bool = False) -> None:
        if len(self.document.recovered) >= MAX_RECOVERED:
            raise stop
        problem = stop.problem
        if removable:
            problem = ReadProblem(problem.kind, problem.message, problem.offset, problem.end_offset, removable=True)
        self.document.recovered.append(problem)

    def member_key(self, offset: int) -> int:
        """Read ``"key" :`` and return the offset of the member's value."""
        text = self.text
        if offset >= self.length:
            raise self.fail_end("a property name in double quotes")
        if text[offset] != '"':
            word = _WORD().match(text, offset)
            if text[offset] == "'":
                message = "property names must be in double quotes, not single quotes"
            elif word:
                message = f"property name {_quoted(word.group())} must be in double quotes"
            else:
                message = f"expected a property name in double quotes but found {_describe(text, offset)}"
            raise _Stop(message, offset)
        key = self.string(offset)
        offset = self.skip(key.end)
        if offset >= self.length:
            raise self.fail_end(f"':' after the property name {key.text!r}")
        if text[offset] != ":":
            raise _Stop(
                f"expected ':' after the property name {key.text!r} but found "
                f"{_describe(text, offset)}",
                offset,
            )
        self.pending_keys.append(key)
        return self.skip(offset + 1)

    def value(self, offset: int) -> tuple[JsonNode, int, bool]:
        """Read one value; returns (node, offset after it, opened a container)."""
        text = self.text
        if offset >= self.length:
            raise self.fail_end("a value")
        char = text[offset]
        node: JsonNode
        if char == "{" or char == "[":
            if len(self.stack) >= MAX_DEPTH:
                raise _Stop(f"nesting is deeper than {MAX_DEPTH} levels", offset, offset + 1)
            node = JsonObject(offset) if char == "{" else JsonArray(offset)
            self.attach(node)
            self.stack.append(node)
            return node, offset + 1, True
        if char == '"':
            node = self.string(offset)
        elif char == "-" or "0" <= char <= "9":
            node = self.number(offset)
        else:
            node = self.word(offset)
        self.attach(node)
        return node, node.end, False

    def attach(self, node: JsonNode) -> None:
        if not self.stack:
            return
        container = self.stack[-1]
        node.parent = container
        if isinstance(container, JsonArray):
            node.key = len(container.items)
            container.items.append(node)
            return
        assert isinstance(container, JsonObject)
        key = self.pending_keys.pop()
        key.parent = container  # a key shares the logical path of its member
        key.key = node.key = key.text
        first = container.key_node(key.text)
        if first is not None:
            self.document.duplicates.append((first, key))
        container.add(key, node)

    def close(self, offset: int) -> None:
        node = self.stack.pop()
        node.end = offset + 1

    # -- scalars --------------------------------------------------------------------

    def string(self, offset: int) -> JsonString:
        try:
            value, end = _scanstring(self.text, offset + 1, True)
        except json.decoder.JSONDecodeError as error:
            position = error.pos
            if self.text.startswith("\\u", position - 1):
                position -= 1  # point at the backslash that starts the escape
            raise _Stop(self.string_problem(error, offset), position) from None
        return JsonString(offset, end, value)

    def string_problem(self, error: json.decoder.JSONDecodeError, offset: int) -> str:
        if error.msg.startswith("Unterminated"):
            return "string is never closed: a '\"' is missing"
        if error.msg.startswith("Invalid control"):
            char = self.text[error.pos]
            escape = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(char, f"\\u{ord(char):04x}")
            if char == "\n":
                return "string is never closed on this line: a '\"' is missing (or write a line break as \\n)"
            return f"raw control character U+{ord(char):04X} in a string; write it as {escape}"
        if "\\u" in error.msg or "uXXXX" in error.msg:
            return "invalid \\u escape: it needs exactly four hex digits"
        follower = self.text[error.pos + 1 : error.pos + 2]
        escaped = f"'\\{follower}'" if follower.isprintable() else f"'\\' before {_describe(self.text, error.pos + 1)}"
        return (
            f"invalid escape {escaped} in a string; a backslash must be doubled "
            "(\\\\) unless it starts \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX"
        )

    def number(self, offset: int) -> JsonScalar:
        match = _NUMBER().match(self.text, offset)
        end = match.end() if match else offset
        if not match or (end < self.length and _NUMBER_TAIL().match(self.text, end)):
            word = _WORD().match(self.text, offset)
            token = word.group() if word else self.text[offset]
            if token in ("-Infinity", "-NaN"):
                raise _Stop(f"{token} is not valid JSON", offset, offset + len(token))
            raise _Stop(f"invalid number {_quoted(token)}", offset, offset + len(token))
        token = match.group()
        value: object
        if "." in token or "e" in token or "E" in token:
            value = float(token)
        elif len(token) > 4000:  # int() refuses huge strings; the size is what matters
            value = float("-inf") if token.startswith("-") else float("inf")
        else:
            value = int(token)
        return JsonScalar(offset, end, value)

    def word(self, offset: int) -> JsonScalar:
        text = self.text
        for literal, value in (("true", True), ("false", False), ("null", None)):
            if text.startswith(literal, offset):
                end = offset + len(literal)
                if end >= self.length or not (text[end].isalnum() or text[end] == "_"):
                    return JsonScalar(offset, end, value)
        raise _Stop(self.word_problem(offset), offset)

    def word_problem(self, offset: int) -> str:
        text = self.text
        char = text[offset]
        if char == "'":
            return "strings must be in double quotes, not single quotes"
        match = _WORD().match(text, offset)
        if not match:
            return f"expected a value but found {_describe(text, offset)}"
        token = match.group()
        if token in ("NaN", "Infinity"):
            return f"{token} is not valid JSON; write a number or a string"
        if token.startswith("<"):
            end = text.find(">", offset)
            placeholder = text[offset : end + 1] if 0 < end - offset < 80 else token
            placeholder = placeholder if placeholder.isprintable() else token
            return f"unquoted placeholder {placeholder}: replace it, or quote it (\"{placeholder}\")"
        if token.startswith("..."):
            return "'...' is not JSON (an elided part of a documentation snippet?)"
        if token in ("True", "False", "None", "TRUE", "FALSE", "NULL", "Null"):
            return f"{token} is not valid JSON; JSON literals are lower case (true, false, null)"
        if not char.isprintable() or char.isspace():
            return f"unexpected {_describe(text, offset)} where a value should be"
        return f"unexpected {_quoted(token)}: a string value must be in double quotes"
