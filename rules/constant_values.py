"""Whether a value is the same on every deployment: written as a literal, or
computed from literals and variables only (no parameter, nothing known only at
deployment time). Rules that must be certain a value cannot change read this."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from aiblint.jsontree import JsonArray, JsonNode, JsonObject, JsonString
from aiblint.model import ImageTemplate
from aiblint.values import is_expression

#: A reference to a parameter or a variable in an ARM expression.
_REFERENCE: Final = re.compile(r"\b(parameters|variables)\s*\(\s*'([^']*)'\s*\)", re.IGNORECASE)


def is_constant(template: ImageTemplate, node: JsonNode) -> bool:
    """``node``'s value is a literal, or made of literals and variables only.
    JSON: any ARM expression over variables; Bicep: a plain string literal, written
    in place or as a variable (not a parameter's default); other languages: never."""
    if template.document.language == "bicep":
        text = template.document.text
        written = text[node.start : node.end]
        return not line_of(text, node.start).startswith("param ") and written.startswith("'") and "${" not in written
    if template.document.language != "json":
        return False
    variables = template.arm_template.get("variables") if template.arm_template is not None else None
    seen: set[str] = set()
    pending = [node]
    while pending:
        for text in _strings(pending.pop()):
            if not is_expression(text):
                continue
            for kind, name in _REFERENCE.findall(text):
                found = variables.get_ci(name) if isinstance(variables, JsonObject) and kind.casefold() == "variables" else None
                if found is None:
                    return False  # a parameter, or a variable that is not there
                if name.casefold() not in seen:
                    seen.add(name.casefold())
                    pending.append(found[1])
    return True


def line_of(text: str, offset: int) -> str:
    """The line an offset is on, from its first non-blank character."""
    end = text.find("\n", offset)
    return text[text.rfind("\n", 0, offset) + 1 : end if end >= 0 else len(text)].lstrip()


def _strings(node: JsonNode) -> Iterator[str]:
    """Every string in a value (a variable may be an object or an array)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, JsonString):
            yield item.text
        elif isinstance(item, JsonArray):
            stack.extend(item.items)
        elif isinstance(item, JsonObject):
            stack.extend(value for _, value in item.items())
