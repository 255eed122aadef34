"""How the model knows a value in a Terraform file's tree.

The tree holds values the front end computed already: a known string is what
Terraform sends (no ARM expression or ``[[`` escape applies: azapi sends the
body to the REST API as it is), an unknown value is a
:class:`~aiblint.values.UnknownString`. Nodes of an ARM template embedded in a
template deployment are ARM: their expressions are evaluated by the ARM
evaluator, with the deployment's ``parameters_content``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiblint.frontends.terraform.nodes import TfString
from aiblint.values import (
    UNKNOWN,
    Resolved,
    has_placeholder,
    placeholder_parts,
    resolve_literal,
    written_in,
)

if TYPE_CHECKING:
    from aiblint.arm.scope import ArmContext
    from aiblint.document import Document
    from aiblint.jsontree import JsonNode, JsonObject


class TerraformValues:
    def __init__(self, document: Document) -> None:
        self.document = document
        #: id(root of an embedded ARM template) -> its evaluation context, its document and the root
        self.arm: dict[int, tuple[ArmContext, Document, JsonObject]] = {}

    def resolve(self, node: JsonNode) -> Resolved:
        embedded = self._embedded(node)
        if embedded is not None:
            return _arm_value(node, *embedded)
        home = written_in(node, self.document)
        if isinstance(node, TfString):
            text = node.text
            if has_placeholder(text):
                return Resolved(UNKNOWN, node, home, placeholder_parts(text))
            return Resolved(text, node, home)
        return resolve_literal(node, home)

    def owner(self, node: JsonNode) -> Document | None:
        embedded = self._embedded(node)
        if embedded is not None:
            return embedded[1]
        written: Document | None = getattr(node, "document", None)
        return written

    def _embedded(self, node: JsonNode) -> tuple[ArmContext, Document, JsonObject] | None:
        if not self.arm:
            return None
        root = node
        while root.parent is not None:
            root = root.parent
        return self.arm.get(id(root))


def _arm_value(node: JsonNode, context: ArmContext, document: Document, root: JsonObject) -> Resolved:
    """As the model evaluates a deployment template's value (``ImageTemplate._evaluate``)."""
    from aiblint.arm.scope import arm_resolved, enclosing_template

    try:
        result = context.scope_for(enclosing_template(node, document)).value_of(node)
    except RecursionError:
        return Resolved(UNKNOWN, node, document)
    return arm_resolved(result, node, document)
