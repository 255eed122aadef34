"""What a rule found (:class:`Problem`) and the other places it refers to
(:class:`Related`): plain records, below both the rule contract
(:mod:`aiblint.rule`, which re-exports them) and the script units that make
them (:mod:`aiblint.scripts.units`), so neither imports the other's module
in a loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiblint.findings import Fix, Severity

if TYPE_CHECKING:
    from aiblint.document import Document
    from aiblint.jsontree import JsonNode


@dataclass(frozen=True)
class Problem:
    """What a rule found. Give a ``node`` (the engine finds its span and
    logical path) or explicit text offsets ``start``/``end``.

    ``at_key`` points at the member name that introduces ``node`` (for
    "this property should not be here"). ``rule`` and ``severity`` let one
    plugin report several ids (ShellCheck's ``SC2086``...).
    """

    message: str
    node: JsonNode | None = None
    start: int | None = None
    end: int | None = None
    at_key: bool = False
    rule: str | None = None
    severity: Severity | None = None
    document: Document | None = None  # another file than the template's (a script)
    related: tuple[Related, ...] = ()  # other places that explain this one (SARIF relatedLocations)
    fix: Fix | None = None  # edits in the problem's own document (``aiblint --fix``): only when certain


@dataclass(frozen=True)
class Related:
    """Another place a finding refers to: the template field a parameter's
    value flows into, the first of two duplicates... ``document`` defaults to
    the finding's own file."""

    node: JsonNode
    message: str
    document: Document | None = None
