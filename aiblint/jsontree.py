"""The positioned JSON tree that the loader builds and every rule reads.

Nodes know their character offsets in the document text and their parent, so a
rule can hand back a node and the engine turns it into a file position and a
logical path. Nodes never hold line numbers: those are computed on demand by
:class:`aiblint.document.Document`, which keeps the line index.
"""

from __future__ import annotations

from collections.abc import Iterator
from operator import itemgetter
from typing import Union

from aiblint.lazyre import lazy

PathPart = Union[str, int]  # noqa: UP007 - a runtime alias must work on Python 3.10

_IDENTIFIER = lazy(r"[A-Za-z_$][A-Za-z0-9_$-]*\Z")


class JsonNode:
    """Base of every node: a span of the text and a place in the tree."""

    __slots__ = ("end", "key", "parent", "start")

    def __init__(self, start: int, end: int) -> None:
        self.start = start  # offset of the first character
        self.end = end  # offset just past the last character
        self.parent: JsonNode | None = None
        self.key: PathPart | None = None  # member name or array index in the parent

    @property
    def value(self) -> object:
        """The plain Python value (objects keep the last of duplicate keys)."""
        raise NotImplementedError

    def path(self) -> tuple[PathPart, ...]:
        parts: list[PathPart] = []
        node: JsonNode | None = self
        while node is not None and node.key is not None:
            parts.append(node.key)
            node = node.parent
        return tuple(reversed(parts))

    def logical_path(self) -> str:
        """``format_path(self.path())``, written from the node up in one loop, without the tuple
        (every finding's path: 3.9 -> 2.5 us for a path of six parts)."""
        segments = _SEGMENTS
        out: list[str] = []
        node: JsonNode | None = self
        while node is not None and (part := node.key) is not None:
            if isinstance(part, int):
                out.append(f"[{part}]")
            else:
                segment = segments.get(part)
                out.append(segment if segment is not None else _segment(part))
            node = node.parent
        out.reverse()
        text = "".join(out)
        return text[1:] if text.startswith(".") else text  # the first part: no dot before it


class JsonScalar(JsonNode):
    """A string, number, boolean or null."""

    __slots__ = ("_value",)

    def __init__(self, start: int, end: int, value: object) -> None:
        super().__init__(start, end)
        self._value = value

    @property
    def value(self) -> object:
        return self._value


class JsonString(JsonScalar):
    """A string token; ``start``/``end`` include the quotes."""

    __slots__ = ()

    @property
    def text(self) -> str:
        return self._value  # type: ignore[return-value]


#: ``value`` of a scalar and ``text`` of a string read the ``_value`` slot in C: the slot's own
#: descriptor under those names, instead of the properties above (which say what they give, for
#: readers and type checkers): a property is a Python call, about 95 ns against 16, and a
#: corpus pass reads ``text`` about 37,000 times and a scalar's ``value`` about 6,000. Unlike
#: the properties, they can be assigned (the ``_value`` they alias): typed code cannot, mypy
#: sees the read-only properties. ``tests/test_finding_costs.py`` checks every node class.
_VALUE_SLOT = JsonScalar.__dict__["_value"]
setattr(JsonScalar, "value", _VALUE_SLOT)  # noqa: B010 - the class attribute, for the interpreter only
setattr(JsonString, "text", _VALUE_SLOT)  # noqa: B010 - likewise


class MappedString(JsonString):
    """A string written in another language's syntax (a Bicep string, a loaded
    file's text): ``offsets[i]`` is the source offset of decoded character ``i``,
    plus one final entry just past the content (see :mod:`aiblint.textmap`)."""

    __slots__ = ("offsets",)

    def __init__(self, start: int, end: int, value: str, offsets: list[int]) -> None:
        super().__init__(start, end, value)
        self.offsets = offsets


class JsonArray(JsonNode):
    __slots__ = ("items",)

    def __init__(self, start: int, end: int = -1) -> None:
        super().__init__(start, end)
        self.items: list[JsonNode] = []

    @property
    def value(self) -> list[object]:
        return [item.value for item in self.items]

    def __iter__(self) -> Iterator[JsonNode]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


class JsonObject(JsonNode):
    """An object. ``members`` keeps every pair in order, duplicates included;
    lookups see the last pair of a duplicated key, as JSON parsers do."""

    __slots__ = ("_folded", "_index", "members")

    def __init__(self, start: int, end: int = -1) -> None:
        super().__init__(start, end)
        self.members: list[tuple[JsonString, JsonNode]] = []
        self._index: dict[str, int] = {}
        self._folded: dict[str, str] | None = None  # see get_ci

    def add(self, key: JsonString, value: JsonNode) -> None:
        self._index[key.text] = len(self.members)
        self.members.append((key, value))
        self._folded = None

    def get(self, name: str) -> JsonNode | None:
        position = self._index.get(name)
        return None if position is None else self.members[position][1]

    def key_node(self, name: str) -> JsonString | None:
        position = self._index.get(name)
        return None if position is None else self.members[position][0]

    def keys(self) -> list[str]:
        return list(self._index)

    def items(self) -> Iterator[tuple[str, JsonNode]]:
        """Effective members: one per distinct key, the last one written."""
        for name, position in self._index.items():
            yield name, self.members[position][1]

    def get_ci(self, name: str) -> tuple[str, JsonNode] | None:
        """Case-insensitive lookup, for the places where ARM ignores case: the
        first distinct key (in the order first written) that folds to ``name``'s fold."""
        folded = self._folded
        if folded is None:  # built on first use (rules look up many absent names), dropped by add
            folded = self._folded = {}
            for key in self._index:
                folded.setdefault(key.casefold(), key)
        found = folded.get(name.casefold())
        return None if found is None else (found, self.members[self._index[found]][1])

    def __contains__(self, name: object) -> bool:
        return name in self._index

    @property
    def value(self) -> dict[str, object]:
        return {name: node.value for name, node in self.items()}


def format_path(parts: tuple[PathPart, ...]) -> str:
    """``('resources', 0, 'properties', 'a b')`` -> ``resources[0].properties['a b']``."""
    segments = _SEGMENTS
    out: list[str] = []
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        else:
            segment = segments.get(part)
            out.append(segment if segment is not None else _segment(part))
    text = "".join(out)
    return text[1:] if text.startswith(".") else text  # the first part: no dot before it


#: member name -> how a path writes it after another part (``.name``, ``['a b']``): every
#: finding's path is formatted, from few distinct names. The answer depends on the name
#: alone; bounded, so that a long-lived process (the language server) does not grow.
_SEGMENTS: dict[str, str] = {}
_MAX_SEGMENTS = 4096


def _segment(name: str) -> str:
    if _IDENTIFIER().match(name):
        segment = f".{name}"
    else:
        escaped = name.replace("\\", "\\\\").replace("'", "\\'")
        segment = f"['{escaped}']"
    if len(_SEGMENTS) >= _MAX_SEGMENTS:
        _SEGMENTS.clear()
    _SEGMENTS[name] = segment
    return segment


def member_key(node: JsonNode) -> JsonString | None:
    """The key token that introduces ``node`` inside its parent object."""
    parent = node.parent
    if isinstance(parent, JsonObject):
        for key, value in parent.members:
            if value is node:
                return key
    return None


def walk(root: JsonNode) -> Iterator[JsonNode]:
    """Every node, depth first, without recursion (trees can be deep)."""
    stack: list[JsonNode] = [root]
    pop, extend = stack.pop, stack.extend
    while stack:
        node = pop()
        yield node
        if isinstance(node, JsonObject):
            extend(map(_VALUE, reversed(node.members)))  # (in C: rules walk every tree several times)
        elif isinstance(node, JsonArray):
            extend(reversed(node.items))


_VALUE = itemgetter(1)  # a member's value
