"""Reading customizers and in-VM validators ("steps") the way the service does.

Image Builder api versions before 2024-02-01 match field names without regard
to case (aib-facts.md §9), so the rules here look fields up case-insensitively
and leave the spelling to the case rules (AIB103).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from aiblint.jsontree import JsonNode, JsonObject, JsonScalar
from aiblint.model import ImageTemplate
from aiblint.record import Record


class Step(Record):
    """A customizer or validator, with its type folded to lower case
    (``None`` when the type is missing or not known statically)."""

    __slots__ = ("item", "kind", "role", "fold_case")  # noqa: RUF023 - in field order
    item: Final[JsonObject]
    kind: Final[str | None]
    role: Final[str]  # "customizer" or "validator"
    fold_case: Final[bool]  # the service matches names in any case (before 2024-02-01)

    def __init__(self, item: JsonObject, kind: str | None, role: str, fold_case: bool = True) -> None:
        self.item = item
        self.kind = kind
        self.role = role
        self.fold_case = fold_case

    def field(self, name: str) -> JsonNode | None:
        """The value of a field as the service reads it (in any case where
        ``fold_case``); ``None`` when it is missing or JSON ``null`` (ARM drops
        null properties)."""
        node = self.item.get(name)
        if node is None and self.fold_case:
            found = self.item.get_ci(name)
            node = found[1] if found is not None else None
        if node is None:
            return None
        if isinstance(node, JsonScalar) and node.value is None:
            return None
        return node

    @property
    def type_node(self) -> JsonNode:
        node = self.field("type")
        return node if node is not None else self.item

    def label(self, template: ImageTemplate) -> str:
        """``Shell customizer "setup"`` for messages."""
        kind = template.resolve(self.type_node).text() if self.kind else None
        name_node = self.field("name")
        name = template.resolve(name_node).text() if name_node is not None else None
        text = f"{kind} {self.role}" if kind else self.role
        return f'{text} "{name}"' if name else text


def step_kind(template: ImageTemplate, item: JsonObject) -> str | None:
    found = template.member(item, "type")
    if found is None:
        return None
    value = template.resolve(found).text()
    return value.casefold() if value else None


def customizers(template: ImageTemplate) -> list[Step]:
    return _steps(template, "customizer")


def validators(template: ImageTemplate) -> list[Step]:
    return _steps(template, "validator")


def _steps(template: ImageTemplate, role: str) -> list[Step]:
    """The customizers or validators, read once per template and evaluation context
    (about ten rules ask; a bound parameters file may change a step's type): see
    ``ImageTemplate.remembered``."""
    return list(template.remembered(f"steps.{role}", lambda: _read_steps(template, role)))


def _read_steps(template: ImageTemplate, role: str) -> tuple[Step, ...]:
    items = template.customizers if role == "customizer" else template.validators
    return tuple(Step(item, step_kind(template, item), role, template.names_fold_case) for item in items)


def all_steps(template: ImageTemplate) -> Iterator[Step]:
    yield from customizers(template)
    yield from validators(template)
