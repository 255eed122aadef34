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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Final, Union

from aiblint.datafiles import load_json
from aiblint.values import UNKNOWN, Unknown

Part = Union[str, Unknown]  # noqa: UP007 - a runtime alias must work on Python 3.10

#: A placeholder inside an id, however long its description
#: (``<subscriptionID>``, ``<resource ID>``, ``<replace with the id of the image>``).
_PLACEHOLDER: Final = re.compile(r"<[^<>]{1,200}>")
_VARIABLE: Final = re.compile(r"\{(\w+)(?::(\w+))?\}")
_VERSION: Final = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\Z")


@dataclass(frozen=True)
class Segment:
    """One ``/``-separated part of a shape: fixed text or a named value."""

    literal: str | None = None
    name: str | None = None
    version: bool = False  # a gallery image version number Major.Minor.Patch

    def matches(self, text: str) -> bool:
        if self.literal is not None:
            return text.casefold() == self.literal.casefold()
        if self.version:
            return _VERSION.match(text) is not None
        return text != ""

    def show(self) -> str:
        return self.literal if self.literal is not None else f"<{self.name}>"


@dataclass(frozen=True)
class Shape:
    """One kind of Azure resource id and the segments it is made of."""

    kind: str  # "image", "gallery-image-version", ...
    what: str  # "managed image"
    template: str
    segments: tuple[Segment, ...]

    @property
    def example(self) -> str:
        return "/".join(segment.show() for segment in self.segments)


@dataclass(frozen=True)
class ResourceId:
    """A known id that has one of the shapes; ``parts`` by the shape's names
    (``subscription``, ``resourceGroup``, ``gallery``, ``image``, ``version``...)."""

    kind: str
    text: str
    parts: dict[str, str]

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
    return any(_automaton(shape).accepts(parts) for kind in accepted for shape in shapes(kind))


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


# -- partial values: a character automaton per shape ------------------------------------

CharTest = Callable[[str], bool]


def _not_slash(char: str) -> bool:
    return char != "/"


def _digit(char: str) -> bool:
    return char in "0123456789"


@dataclass(frozen=True)
class _Automaton:
    """A nondeterministic automaton over characters; the last state accepts.
    An unknown part moves to every state reachable by any text at all."""

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
                step(_digit, loop=True)
        else:
            step(_not_slash, loop=True)
    return _Automaton(tuple(tuple(state) for state in edges))


def _equals(expected: str) -> CharTest:
    folded = expected.casefold()
    return lambda char: char.casefold() == folded
