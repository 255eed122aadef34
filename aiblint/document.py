"""A loaded file: its text, its positioned JSON tree and what went wrong reading it."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from aiblint.jsontree import JsonNode, JsonString
from aiblint.record import Record

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


@dataclass(frozen=True)
class ReadProblem:
    """Why a file could not be read (whole or in part). ``kind`` picks the rule:
    ``syntax`` (AIB001), ``too-large`` (AIB007) or ``skipped`` (an AIB001 note:
    syntax newer than a front end's grammar, skipped while the rest is read)."""

    kind: str
    message: str
    offset: int
    end_offset: int | None = None
    #: deleting ``offset:end_offset`` is the whole fix (a trailing comma): ``--fix`` may do it
    removable: bool = False


@dataclass(frozen=True)
class UnusableFile:
    """A parameters file paired with a template by its name that cannot be used:
    why (``problem``, a phrase after "is"), and where in its own ``document``."""

    document: Document
    problem: str
    offset: int = 0
    end_offset: int | None = None
    usable: bool = False  # read past the problem (a trailing comma): its values are used
    outside: bool = False  # a link out of the template's folder, never read


@dataclass
class Document:
    """Everything the loader learned about one file.

    ``root`` is ``None`` when the file could not be parsed; ``problem`` then
    says why and where. ``recovered`` holds the syntax errors the loader read
    past (a trailing comma, a missing comma between members): the tree is then
    what the text means without them, and the rest of the file is checked. ``duplicates`` pairs the first key token of a repeated
    member with each later one.
    """

    path: str
    text: str
    root: JsonNode | None = None
    problem: ReadProblem | None = None
    recovered: list[ReadProblem] = field(default_factory=list)
    duplicates: list[tuple[JsonString, JsonString]] = field(default_factory=list)
    comments: list[tuple[int, int]] = field(default_factory=list)
    #: the front end that read it (:mod:`aiblint.frontends`): "json", "bicep", ...
    language: str = "json"
    #: how values in ``root`` are known, for a language that evaluates its own
    #: expressions (``None``: JSON, whose ARM expressions the model evaluates)
    evaluator: Evaluator | None = field(default=None, repr=False)
    #: other files the front end read to build ``root`` (a Bicep template's
    #: ``loadTextContent`` files, its parameters file), for the result cache
    read_files: list[Path] = field(default_factory=list, repr=False)
    #: the parameters file paired with it by name, when it cannot be used (AIB008)
    unusable_parameters: list[UnusableFile] = field(default_factory=list, repr=False)
    _line_starts: list[int] | None = field(default=None, repr=False)

    @property
    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            starts = [0]
            find = self.text.find
            index = find("\n")
            while index >= 0:
                starts.append(index + 1)
                index = find("\n", index + 1)
            self._line_starts = starts
        return self._line_starts

    def position(self, offset: int) -> Position:
        offset = max(0, min(offset, len(self.text)))
        line_index = bisect.bisect_right(self.line_starts, offset) - 1
        return Position(line_index + 1, offset - self.line_starts[line_index] + 1)

    def offset(self, position: Position) -> int:
        """The text offset of a 1-based position (clamped to the text)."""
        starts = self.line_starts
        line_index = min(max(position.line - 1, 0), len(starts) - 1)
        return min(starts[line_index] + position.column - 1, len(self.text))

    def span(self, start: int, end: int) -> Span:
        return Span(self.position(start), self.position(max(start, end)))

    def node_span(self, node: JsonNode) -> Span:
        return self.span(node.start, node.end)

    def line_text(self, line: int) -> str:
        starts = self.line_starts
        if not 1 <= line <= len(starts):
            return ""
        begin = starts[line - 1]
        stop = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[begin:stop].rstrip("\r")
