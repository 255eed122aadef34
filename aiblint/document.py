"""A loaded file: its text, its positioned JSON tree and what went wrong reading it."""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate
from typing import TYPE_CHECKING, Final

from aiblint.jsontree import JsonNode, JsonString
from aiblint.record import MutableRecord, Record

if TYPE_CHECKING:
    from pathlib import Path

    from aiblint.evaluation import Evaluator


class Position(Record):
    """1-based line and column; columns count Unicode code points."""

    __slots__ = ("line", "column")  # noqa: RUF023 - in field order
    line: Final[int]
    column: Final[int]

    def __init__(self, line: int, column: int) -> None:
        self.line = line
        self.column = column


class Span(Record):
    """A range of positions in a document."""

    __slots__ = ("start", "end")  # noqa: RUF023 - in field order
    start: Final[Position]
    end: Final[Position]  # exclusive: the position just after the last character

    def __init__(self, start: Position, end: Position) -> None:
        self.start = start
        self.end = end


class ReadProblem(Record):
    """Why a file could not be read (whole or in part). ``kind`` picks the rule:
    ``syntax`` (AIB001), ``too-large`` (AIB007) or ``skipped`` (an AIB001 note:
    syntax newer than a front end's grammar, skipped while the rest is read)."""

    __slots__ = ("kind", "message", "offset", "end_offset", "removable")  # noqa: RUF023 - in field order
    kind: Final[str]
    message: Final[str]
    offset: Final[int]
    end_offset: Final[int | None]
    #: deleting ``offset:end_offset`` is the whole fix (a trailing comma): ``--fix`` may do it
    removable: Final[bool]

    def __init__(self, kind: str, message: str, offset: int, end_offset: int | None = None, removable: bool = False) -> None:
        self.kind = kind
        self.message = message
        self.offset = offset
        self.end_offset = end_offset
        self.removable = removable


class UnusableFile(Record):
    """A parameters file paired with a template by its name that cannot be used:
    why (``problem``, a phrase after "is"), and where in its own ``document``."""

    __slots__ = ("document", "problem", "offset", "end_offset", "usable", "outside")  # noqa: RUF023 - in field order
    document: Final[Document]
    problem: Final[str]
    offset: Final[int]
    end_offset: Final[int | None]
    usable: Final[bool]  # read past the problem (a trailing comma): its values are used
    outside: Final[bool]  # a link out of the template's folder, never read

    def __init__(
        self,
        document: Document,
        problem: str,
        offset: int = 0,
        end_offset: int | None = None,
        usable: bool = False,
        outside: bool = False,
    ) -> None:
        self.document = document
        self.problem = problem
        self.offset = offset
        self.end_offset = end_offset
        self.usable = usable
        self.outside = outside


class Document(MutableRecord):
    """Everything the loader learned about one file.

    ``root`` is ``None`` when the file could not be parsed; ``problem`` then
    says why and where. ``recovered`` holds the syntax errors the loader read
    past (a trailing comma, a missing comma between members): the tree is then
    what the text means without them, and the rest of the file is checked. ``duplicates`` pairs the first key token of a repeated
    member with each later one.
    """

    __slots__ = (  # noqa: RUF023 - in field order
        "path", "text", "root", "problem", "recovered", "duplicates", "comments", "language", "evaluator", "read_files",
        "unusable_parameters", "_line_starts",
    )
    _hidden = ("evaluator", "read_files", "unusable_parameters", "_line_starts")  # not in repr
    path: str
    text: str
    root: JsonNode | None
    problem: ReadProblem | None
    recovered: list[ReadProblem]
    duplicates: list[tuple[JsonString, JsonString]]
    comments: list[tuple[int, int]]
    #: the front end that read it (:mod:`aiblint.frontends`): "json", "bicep", ...
    language: str
    #: how values in ``root`` are known, for a language that evaluates its own
    #: expressions (``None``: JSON, whose ARM expressions the model evaluates)
    evaluator: Evaluator | None
    #: other files the front end read to build ``root`` (a Bicep template's
    #: ``loadTextContent`` files, its parameters file), for the result cache
    read_files: list[Path]
    #: the parameters file paired with it by name, when it cannot be used (AIB008)
    unusable_parameters: list[UnusableFile]
    _line_starts: list[int] | None

    def __init__(
        self,
        path: str,
        text: str,
        root: JsonNode | None = None,
        problem: ReadProblem | None = None,
        recovered: list[ReadProblem] | None = None,
        duplicates: list[tuple[JsonString, JsonString]] | None = None,
        comments: list[tuple[int, int]] | None = None,
        language: str = "json",
        evaluator: Evaluator | None = None,
        read_files: list[Path] | None = None,
        unusable_parameters: list[UnusableFile] | None = None,
        _line_starts: list[int] | None = None,
    ) -> None:
        self.path = path
        self.text = text
        self.root = root
        self.problem = problem
        self.recovered = [] if recovered is None else recovered
        self.duplicates = [] if duplicates is None else duplicates
        self.comments = [] if comments is None else comments
        self.language = language
        self.evaluator = evaluator
        self.read_files = [] if read_files is None else read_files
        self.unusable_parameters = [] if unusable_parameters is None else unusable_parameters
        self._line_starts = _line_starts

    @property
    def line_starts(self) -> list[int]:
        """The offset of every line's first character, worked out once."""
        starts = self._line_starts
        if starts is None:
            starts = self._line_starts = _starts_of(self.text)
        return starts

    def position(self, offset: int) -> Position:
        return Position(*self._place(offset))

    def _place(self, offset: int) -> tuple[int, int]:
        """The 1-based line and column of ``offset`` (clamped to the text)."""
        if offset < 0:
            offset = 0
        elif offset > len(self.text):
            offset = len(self.text)
        starts = self._line_starts
        if starts is None:
            starts = self.line_starts
        line_index = bisect_right(starts, offset) - 1
        return line_index + 1, offset - starts[line_index] + 1

    def coordinates(self, start: int, end: int) -> tuple[int, int, int, int]:
        """:meth:`span` as its four numbers (line, column, end line, end column),
        for the engine, which makes one finding from them: no record made for it."""
        return (*self._place(start), *self._place(end if end > start else start))

    def offset(self, position: Position) -> int:
        """The text offset of a 1-based position (clamped to the text)."""
        starts = self.line_starts
        line_index = min(max(position.line - 1, 0), len(starts) - 1)
        return min(starts[line_index] + position.column - 1, len(self.text))

    def span(self, start: int, end: int) -> Span:
        return Span(Position(*self._place(start)), Position(*self._place(end if end > start else start)))

    def node_span(self, node: JsonNode) -> Span:
        return self.span(node.start, node.end)

    def line_text(self, line: int) -> str:
        starts = self.line_starts
        if not 1 <= line <= len(starts):
            return ""
        begin = starts[line - 1]
        stop = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[begin:stop].rstrip("\r")


#: Up to this length, a text's line starts are summed from its lines' lengths, in C; a
#: longer one is searched newline by newline (its lines would be a copy of it: a peak).
_SPLIT_LENGTH: Final = 1 << 18


def _starts_of(text: str) -> list[int]:
    if len(text) <= _SPLIT_LENGTH:
        lines = text.split("\n")
        lines.pop()  # the last line ends the text: no line starts after it
        return [0, *accumulate([len(line) + 1 for line in lines])]
    starts = [0]
    find = text.find
    index = find("\n")
    while index >= 0:
        starts.append(index + 1)
        index = find("\n", index + 1)
    return starts
