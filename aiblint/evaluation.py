"""The one interface between the model and an expression evaluator.

The model (:mod:`aiblint.model`) asks an evaluator what a node of a template's
tree is worth and where that value is written; it never imports a language's
evaluator. ARM expressions in a JSON deployment template are evaluated by
:mod:`aiblint.arm`; a front end whose language has its own expressions (Bicep,
HCL) builds its tree with the values it could compute and hands the model an
:class:`Evaluator` through ``Document.evaluator``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from aiblint.document import Document
    from aiblint.jsontree import JsonNode
    from aiblint.values import Resolved


class Evaluator(Protocol):
    def resolve(self, node: JsonNode) -> Resolved:
        """``node``'s value as far as it is known (``UNKNOWN`` otherwise, never a
        guess) and the node and document where that value is written."""
        ...

    def owner(self, node: JsonNode) -> Document | None:
        """The document ``node`` is written in, when the tree holds nodes read
        from other files (a JSON file a Bicep template loads); ``None``: the
        template's own."""
        ...
