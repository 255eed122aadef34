"""What a rule found (:class:`Problem`) and the other places it refers to
(:class:`Related`): plain records, below both the rule contract
(:mod:`aiblint.rule`, which re-exports them) and the script units that make
them (:mod:`aiblint.scripts.units`), so neither imports the other's module
in a loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from aiblint.findings import Fix, Severity
from aiblint.record import Record

if TYPE_CHECKING:
    from aiblint.document import Document
    from aiblint.jsontree import JsonNode


class Problem(Record):
    """What a rule found. Give a ``node`` (the engine finds its span and
    logical path) or explicit text offsets ``start``/``end``.

    ``at_key`` points at the member name that introduces ``node`` (for
    "this property should not be here"). ``rule`` and ``severity`` let one
    plugin report several ids (ShellCheck's ``SC2086``...).
    """

    __slots__ = (  # noqa: RUF023 - in field order
        "message", "node", "start", "end", "at_key", "rule", "severity", "document", "related", "fix",
    )
    message: Final[str]
    node: Final[JsonNode | None]
    start: Final[int | None]
    end: Final[int | None]
    at_key: Final[bool]
    rule: Final[str | None]
    severity: Final[Severity | None]
    document: Final[Document | None]  # another file than the template's (a script)
    related: Final[tuple[Related, ...]]  # other places that explain this one (SARIF relatedLocations)
    fix: Final[Fix | None]  # edits in the problem's own document (``aiblint --fix``): only when certain

    def __init__(
        self,
        message: str,
        node: JsonNode | None = None,
        start: int | None = None,
        end: int | None = None,
        at_key: bool = False,
        rule: str | None = None,
        severity: Severity | None = None,
        document: Document | None = None,
        related: tuple[Related, ...] = (),
        fix: Fix | None = None,
    ) -> None:
        self.message = message
        self.node = node
        self.start = start
        self.end = end
        self.at_key = at_key
        self.rule = rule
        self.severity = severity
        self.document = document
        self.related = related
        self.fix = fix


class Related(Record):
    """Another place a finding refers to: the template field a parameter's
    value flows into, the first of two duplicates... ``document`` defaults to
    the finding's own file."""

    __slots__ = ("node", "message", "document")  # noqa: RUF023 - in field order
    node: Final[JsonNode]
    message: Final[str]
    document: Final[Document | None]

    def __init__(self, node: JsonNode, message: str, document: Document | None = None) -> None:
        self.node = node
        self.message = message
        self.document = document
