"""ARM property copy loops: ``"copy": [{"name": "distribute", "count": 2, "input": {...}}]``.

Shared by the model (which customizers a loop makes) and the evaluator (which
names a loop declares) without either importing the other.
"""

from __future__ import annotations

from aiblint.jsontree import JsonArray, JsonNode, JsonObject, JsonString


def copy_loop_names(holder: JsonObject) -> list[str]:
    """Properties of ``holder`` that an ARM property copy loop creates
    (``"copy": [{"name": "distribute", "count": 2, "input": {...}}]``): present
    at deployment though not written as members, while ``copy`` itself is not."""
    loops = holder.get("copy")
    if not isinstance(loops, JsonArray):
        return []
    return [name for name in (_loop_name(loop) for loop in loops.items) if name is not None]


def _loop_name(loop: JsonNode) -> str | None:
    name = loop.get("name") if isinstance(loop, JsonObject) and "input" in loop else None
    return name.text if isinstance(name, JsonString) else None


def copy_loop(holder: JsonObject, name: str) -> JsonObject | None:
    """The loop (``{"name", "count", "input"}``) that makes ``holder[name]``."""
    loops = holder.get("copy")
    for loop in loops.items if isinstance(loops, JsonArray) else []:
        if _loop_name(loop) == name and isinstance(loop, JsonObject):
            return loop
    return None
