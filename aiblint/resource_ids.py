"""Azure resource ids as image templates write them: parse, check the shape, explain.

The shapes (managed image, gallery image, gallery image version with a number
or ``latest``, user-assigned identity, subnet, resource group...) are data:
``aiblint/data/resource-id-shapes.json``. ARM compares the fixed words of an id
(``resourceGroups``, ``Microsoft.Compute``) without regard to case, and so does
this module.

A value that is only partly known keeps its shape checkable: the written
``/subscriptions/<subscriptionID>/resourceGroups/<rg>/providers/Microsoft.Compute/image/<name>``
is wrong whatever the placeholders become (``image`` must be ``images``), and
:func:`could_be` says so. An unknown part may stand for any text, slashes
included, so only a shape that no filling could produce is rejected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Final, Union

from aiblint.datafiles import load_json
from aiblint.record import Record
from aiblint.values import UNKNOWN, Unknown

Part = Union[str, Unknown]  # noqa: UP007 - a runtime alias must work on Python 3.10

#: A placeholder inside an id, however long its description
#: (``<subscriptionID>``, ``<resource ID>``, ``<replace with the id of the image>``).
_PLACEHOLDER: Final = re.compile(r"<[^<>]{1,200}>")
_VARIABLE: Final = re.compile(r"\{(\w+)(?::(\w+))?\}")
_VERSION: Final = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\Z")


class Segment(Record):
    """One ``/``-separated part of a shape: fixed text or a named value."""

    __slots__ = ("literal", "name", "version")
    literal: Final[str | None]
    name: Final[str | None]
    version: Final[bool]  # a gallery image version number Major.Minor.Patch

    def __init__(self, literal: str | None = None, name: str | None = None, version: bool = False) -> None:
        self.literal = literal
        self.name = name
        self.version = version

    def matches(self, text: str) -> bool:
        if self.literal is not None:
            return text.casefold() == self.literal.casefold()
        if self.version:
            return _VERSION.match(text) is not None
        return text != ""

    def show(self) -> str:
        return self.literal if self.literal is not None else f"<{self.name}>"


class Shape(Record):
    """One kind of Azure resource id and the segments it is made of."""

    __slots__ = ("kind", "what", "template", "segments")  # noqa: RUF023 - in field order
    kind: Final[str]  # "image", "gallery-image-version", ...
    what: Final[str]  # "managed image"
    template: Final[str]
    segments: Final[tuple[Segment, ...]]

    def __init__(self, kind: str, what: str, template: str, segments: tuple[Segment, ...]) -> None:
        self.kind = kind
        self.what = what
        self.template = template
        self.segments = segments

    def __hash__(self) -> int:
        # Equal shapes have equal kinds and templates: their hash, without hashing every
        # segment (a Record's hash is all of its fields', and ``_chain`` looks shapes up
        # by hash for every partly known id).
        return hash((self.kind, self.template))

    @property
    def example(self) -> str:
        return "/".join(segment.show() for segment in self.segments)


class ResourceId(Record):
    """A known id that has one of the shapes; ``parts`` by the shape's names
    (``subscription``, ``resourceGroup``, ``gallery``, ``image``, ``version``...)."""

    __slots__ = ("kind", "text", "parts")  # noqa: RUF023 - in field order
    kind: Final[str]
    text: Final[str]
    parts: Final[dict[str, str]]

    def __init__(self, kind: str, text: str, parts: dict[str, str]) -> None:
        self.kind = kind
        self.text = text
        self.parts = parts

    @property
    def subscription(self) -> str | None:
        return self.parts.get("subscription")

    @property
    def resource_group(self) -> str | None:
        return self.parts.get("resourceGroup")

    @property
    def name(self) -> str:
        """The last segment: the resource's own name (or version)."""
        return self.text.rsplit("/", 1)[-1]


def kinds() -> tuple[str, ...]:
    return tuple(load_json("resource-id-shapes.json")["shapes"])


@cache
def shapes(kind: str) -> tuple[Shape, ...]:
    entry = load_json("resource-id-shapes.json")["shapes"][kind]
    return tuple(Shape(kind, entry["what"], template, _segments(template)) for template in entry["templates"])


def parse_resource_id(text: str, accepted: Iterable[str] | None = None) -> ResourceId | None:
    """The id if ``text`` has one of the ``accepted`` shapes (default: any)."""
    pieces = text.split("/")
    for kind in accepted if accepted is not None else kinds():
        for shape in shapes(kind):
            if len(pieces) == len(shape.segments) == _common_prefix(shape.segments, pieces):
                named = zip(shape.segments, pieces, strict=True)
                return ResourceId(kind, text, {segment.name: piece for segment, piece in named if segment.name})
    return None


def id_parts(text: str) -> list[Part]:
    """A written id with each ``<placeholder>`` replaced by :data:`UNKNOWN`."""
    parts: list[Part] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        if match.start() > position:
            parts.append(text[position : match.start()])
        parts.append(UNKNOWN)
        position = match.end()
    if position < len(text):
        parts.append(text[position:])
    return parts


def could_be(value: str | Sequence[Part], accepted: Iterable[str]) -> bool:
    """Whether some filling of the unknown parts gives one of the ``accepted`` shapes."""
    parts: Sequence[Part] = [value] if isinstance(value, str) else value
    return any(_accepts(shape, parts) for kind in accepted for shape in shapes(kind))


def _accepts(shape: Shape, parts: Sequence[Part]) -> bool:
    """Whether some filling of the unknown parts has ``shape``. A value known in full
    is compared segment by segment, without building the shape's automaton (most
    ids are known; ``tests/test_resource_ids_regex.py`` holds both to the same answers)."""
    if any(isinstance(part, Unknown) for part in parts):
        return _chain(shape).accepts(parts)
    pieces = "".join(part for part in parts if isinstance(part, str)).split("/")
    return len(pieces) == len(shape.segments) and all(map(_reads, shape.segments, pieces))


def _reads(segment: Segment, piece: str) -> bool:
    """Whether ``piece`` (no ``/`` in it) is what ``segment`` reads, character by
    character as the automaton reads it: fixed text by each character's casefold
    (so ``ß`` is not ``ss``), a version's three numbers, a name's one or more characters."""
    if segment.literal is not None:
        return len(piece) == len(segment.literal) and all(
            mine.casefold() == theirs.casefold() for mine, theirs in zip(piece, segment.literal, strict=True)
        )
    if segment.version:
        return _VERSION.match(piece) is not None
    return piece != ""


def explain(text: str, accepted: Iterable[str]) -> tuple[Shape, str]:
    """For a known ``text`` that has none of the shapes: the closest shape and
    what is wrong with ``text`` compared with it."""
    pieces = text.split("/")
    best: tuple[int, Shape] | None = None
    for kind in accepted:
        for shape in shapes(kind):
            agree = _common_prefix(shape.segments, pieces)
            if best is None or agree > best[0]:
                best = (agree, shape)
    assert best is not None, "explain() needs at least one accepted kind"
    agree, shape = best
    return shape, _difference(shape, pieces, agree)


def _common_prefix(segments: Sequence[Segment], pieces: Sequence[str]) -> int:
    count = 0
    for segment, piece in zip(segments, pieces, strict=False):
        if not segment.matches(piece):
            break
        count += 1
    return count


def _difference(shape: Shape, pieces: list[str], agree: int) -> str:
    segments = shape.segments
    if pieces == [""]:
        return "it is empty"
    if agree == 0:
        return 'an id starts with "/"'
    if agree == len(segments):
        return f'"/{"/".join(pieces[agree:])}" follows the {shape.what} name'
    if agree == len(pieces):
        rest = "/".join(segment.show() for segment in segments[agree:])
        return f'it ends after "{pieces[-1]}", where "/{rest}" belongs'
    expected, found = segments[agree], pieces[agree]
    if found == "":
        return f'an empty segment where {expected.show()} belongs'
    if expected.version:
        return f'"{found}" where a version number Major.Minor.Patch belongs'
    return f'"{found}" where "{expected.show()}" belongs'


def _segments(template: str) -> tuple[Segment, ...]:
    segments: list[Segment] = []
    for piece in template.split("/"):
        variable = _VARIABLE.fullmatch(piece)
        if variable is None:
            segments.append(Segment(literal=piece))
        else:
            segments.append(Segment(name=variable.group(1), version=variable.group(2) == "version"))
    return tuple(segments)


# -- partial values: a bit-parallel automaton per shape -------------------------------------
#
# A shape is a chain of tokens: one character of its fixed text, compared as ARM
# compares it (``char.casefold()``), or a run of a named value (not ``/``) or of
# a version's digits. State ``i`` is "token ``i`` read the last character" (0:
# nothing read yet); a run's token may read again. The states a value can be in
# are the bits of one integer, so a character moves every state at once (the
# shift-and algorithm): ``states = ((states << 1) | (states & runs)) & reads[char]``.
# An unknown part stands for any text, so after it the value may be in any state
# from the earliest one it was in onwards. (It replaced a regular expression per
# shape, whose compiling cost 2-5 ms per shape on the first partly known id of a run;
# building this costs a few hundred characters' worth of dictionary writes.)

#: The characters outside ASCII whose casefold is one ASCII character
#: (``tests/test_resource_ids_regex.py`` checks every code point).
_FOLDS_TO_ASCII: Final = "\u017f\u212a"
_DIGITS: Final = "0123456789"


class _Chain(Record):
    """A shape's tokens as bit masks: which tokens each character may be read by."""

    __slots__ = ("reads", "names", "runs", "final")  # noqa: RUF023 - in field order
    reads: Final[dict[str, int]]  # a character -> the tokens that read it (others: ``names``)
    names: Final[int]  # the tokens of named values: they read every character but ``/``
    runs: Final[int]  # the tokens that may read more than one character
    final: Final[int]  # the state after the last token

    def __init__(self, reads: dict[str, int], names: int, runs: int, final: int) -> None:
        self.reads = reads
        self.names = names
        self.runs = runs
        self.final = final

    def accepts(self, parts: Sequence[Part]) -> bool:
        states = 1  # nothing read yet
        reads, names, runs = self.reads, self.names, self.runs
        for part in parts:
            if isinstance(part, Unknown):
                earliest = states & -states
                states = ~(earliest - 1) & ((self.final << 1) - 1)  # every state from the earliest on
                continue
            for char in part:
                states = ((states << 1) | (states & runs)) & reads.get(char, names)
                if not states:
                    return False
        return bool(states & self.final)


@cache
def _chain(shape: Shape) -> _Chain:
    reads: dict[str, int] = {}
    names = runs = 0
    bit = 1  # the token being laid out: state 0 is the start

    def read(chars: str) -> None:
        for char in chars:
            reads[char] = reads.get(char, 0) | bit

    for index, segment in enumerate(shape.segments):
        if index:
            bit <<= 1
            read(_folds("/"))
        if segment.literal is not None:
            for char in segment.literal:
                bit <<= 1
                read(_folds(char))
        elif segment.version:
            for number in range(3):
                if number:
                    bit <<= 1
                    read(_folds("."))
                bit <<= 1
                read(_DIGITS)
                runs |= bit
        else:
            bit <<= 1
            names |= bit
            runs |= bit
    # a named value reads every character but "/", those a fixed token reads too
    reads = {char: mask | (names if char != "/" else 0) for char, mask in reads.items()}
    reads.setdefault("/", 0)
    return _Chain(reads, names, runs, bit)


def _folds(char: str) -> str:
    """Every character whose casefold is ``char``'s."""
    if not char.isascii():
        raise ValueError(f"resource id shapes are written in ASCII, not {char!r}")
    return _fold_classes()[char.casefold()]


@cache
def _fold_classes() -> dict[str, str]:
    """Each ASCII character's casefold -> every character that has it."""
    classes: dict[str, str] = {}
    for char in (*map(chr, range(128)), *_FOLDS_TO_ASCII):
        folded = char.casefold()
        classes[folded] = classes.get(folded, "") + char
    return classes
