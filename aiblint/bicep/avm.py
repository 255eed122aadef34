"""The Azure Verified Module ``avm/res/virtual-machine-images/image-template``:
a module call linted as the image template it creates.

``module it 'br/public:avm/res/virtual-machine-images/image-template:0.6.0' = {
params: {...} }`` (or a local path to a copy of the module) becomes the
resource the module's ``main.bicep`` writes, with every value node where the
caller wrote it in ``params``: findings land in the call. How parameters map
onto the resource is data (``aiblint/data/avm-image-template.json``), one
mapping per module version it was read from, so a new version is a data change.
A field the module always sets itself (a computed ``runOutputName``, a default
``vmSize``) and the caller did not give is present but unknown: never reported
missing, never judged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiblint.arm.builtins import is_known
from aiblint.bicep.lower import body_of
from aiblint.bicep.syntax import decode_string
from aiblint.datafiles import load_json
from aiblint.jsontree import JsonArray, JsonNode, JsonObject, JsonString, MappedString
from aiblint.values import UNKNOWN

if TYPE_CHECKING:
    from tree_sitter import Node

    from aiblint.bicep.lower import Lowering

_DATA = "avm-image-template.json"


def module_template(lowering: Lowering, declaration: Node) -> JsonObject | None:
    """The image template a module call creates, or ``None`` (another module, an unknown version)."""
    path_node = next((child for child in declaration.named_children if child.type == "string"), None)
    body_node = body_of(declaration)
    if path_node is None or body_node is None:
        return None
    target = decode_string(lowering.source, path_node).literal
    mapping = _mapping(lowering, target) if target else None
    if mapping is None:
        return None
    body = lowering.lower(body_node)
    params = body.get("params") if isinstance(body, JsonObject) else None
    if not isinstance(params, JsonObject) or not isinstance(body, JsonObject):
        return None
    return _Builder(lowering, mapping, body, params, path_node).build()


def _mapping(lowering: Lowering, target: str) -> dict[str, Any] | None:
    data = load_json(_DATA)
    for registry in data["registries"]:
        if target.startswith(registry + ":"):
            version = target[len(registry) + 1 :]
            for mapping in data["mappings"]:
                if any(version == known or version.startswith(known + ".") for known in mapping["versions"]):
                    return dict(mapping)
            return None
    if target.startswith(("br:", "br/", "ts:", "ts/")) or not target.lower().endswith(".bicep"):
        return None
    loaded = lowering.load(target)  # a local copy: known by the parameters it declares
    if isinstance(loaded, str):
        return None
    text = loaded[1].text
    if "'Microsoft.VirtualMachineImages/imageTemplates@" not in text or "param customizationSteps" not in text:
        return None
    lowering.shared.files.append(loaded[0])
    for mapping in data["mappings"]:
        if f"param {mapping['declares']} " in text:
            return dict(mapping)
    return None


class _Builder:
    def __init__(self, lowering: Lowering, mapping: dict[str, Any], body: JsonObject, params: JsonObject, path_node: Node) -> None:
        self.lowering = lowering
        self.mapping = mapping
        self.params = params
        self.body = body
        self.resource = JsonObject(params.start, params.end)
        self.path_span = lowering.source.span(path_node)
        lowering.shared.keep.append(self.resource)
        self.made: set[int] = {id(self.resource)}  # containers made here (their values computed at the end)

    def build(self) -> JsonObject:
        data = load_json(_DATA)
        start, end = self.path_span
        # what the module call is about is said at its ``params``: a missing identity is reported there
        where = self.body.key_node("params")
        self._set("type", self._string(data["type"], start, end), where)
        self._set("apiVersion", self._string(self.mapping["apiVersion"], start, end), where)
        for name, where in self.mapping["params"].items():
            node = self.params.get(name)
            if node is not None:
                self._set(where, node)
        for name, spec in self.mapping["objects"].items():
            node = self.params.get(name)
            if node is not None:
                self._set(spec["to"], self._renamed(node, spec["members"]))
        self._identity()
        self._distributions()
        for where in self.mapping["module_sets"]:
            if self._get(where) is None:
                self._set(where, self.lowering.unknown(self.params.start, self.params.end))
        self._values(self.resource)
        return self.resource

    def _values(self, node: JsonNode) -> object:
        """Values of the containers made here, from their members' (post-order)."""
        values = self.lowering.shared.values
        if id(node) not in self.made:
            return self.lowering.value(node)
        value: object
        if isinstance(node, JsonObject):
            value = {name: self._values(child) for name, child in node.items()}
            if any(not isinstance(self.lowering.value(key), str) for key, _ in node.members):
                value = UNKNOWN  # a key computed from what is not known
        elif isinstance(node, JsonArray):
            value = [self._values(child) for child in node.items]
        else:
            value = self.lowering.value(node)
        values[id(node)] = value if is_known(value) else UNKNOWN
        return values[id(node)]

    # -- parts -----------------------------------------------------------------------------

    def _identity(self) -> None:
        spec = self.mapping["identity"]
        given = self.params.get(spec["param"])
        if given is None:
            return  # the module then deploys a template without an identity
        identity = self._object(given)
        self._member(identity, "type", self._string("UserAssigned", given.start, given.end))
        ids = given.get(spec["member"]) if isinstance(given, JsonObject) else None
        if isinstance(ids, JsonArray):
            assigned = self._object(ids)
            for item in list(ids.items):
                value = self.lowering.value(item)
                text = value if isinstance(value, str) else f"[{self.lowering.source.text[item.start:item.end]}]"
                key = self.lowering._made(JsonString(item.start, item.end, text), value)
                empty = self.lowering.materialize({}, item.start, item.end)
                empty.parent, empty.key = assigned, text
                assigned.add(key, empty)
            self._member(identity, "userAssignedIdentities", assigned)
        elif ids is not None:
            self._member(identity, "userAssignedIdentities", self.lowering.unknown(ids.start, ids.end))
        else:
            self._member(identity, "userAssignedIdentities", self.lowering.materialize({}, given.start, given.end))
        self._set("identity", identity)

    def _distributions(self) -> None:
        spec = self.mapping["distributions"]
        given = self.params.get(spec["param"])
        if given is None:
            return
        if not isinstance(given, JsonArray):
            self._set(spec["to"], self.lowering.unknown(given.start, given.end))
            return
        out = JsonArray(given.start, given.end)
        self.lowering.shared.keep.append(out)
        self.made.add(id(out))
        for index, item in enumerate(list(given.items)):
            made = self._distributor(item, spec)
            made.parent, made.key = out, index
            out.items.append(made)
        self._set(spec["to"], out)

    def _distributor(self, item: JsonNode, spec: dict[str, Any]) -> JsonNode:
        if not isinstance(item, JsonObject):
            return item
        kind_node = item.get("type")
        kind = self.lowering.value(kind_node) if kind_node is not None else None
        if not isinstance(kind, str) or kind not in spec["members"]:
            return self.lowering.unknown(item.start, item.end)
        members = {**spec["members"]["*"], **spec["members"][kind]}
        made = self._renamed(item, members)
        assert isinstance(made, JsonObject)
        for name in [*spec["module_sets"]["*"], *spec["module_sets"][kind]]:
            if made.get(name) is None:
                self._member(made, name, self.lowering.unknown(item.start, item.end))
        return made

    def _renamed(self, node: JsonNode, members: dict[str, str]) -> JsonNode:
        """An object with the module's member names turned into the resource's."""
        if not isinstance(node, JsonObject):
            return node
        made = self._object(node)
        for key, child in list(node.members):
            target = members.get(key.text)
            if target is not None:
                renamed = self.lowering._made(JsonString(key.start, key.end, target), target)
                child.parent, child.key = made, target
                made.add(renamed, child)
        return made

    # -- tree building -----------------------------------------------------------------------

    def _string(self, value: str, start: int, end: int) -> JsonNode:
        return self.lowering._made(MappedString(start, end, value, [start] * len(value) + [end]), value)

    def _object(self, near: JsonNode) -> JsonObject:
        made = JsonObject(near.start, near.end)
        self.lowering.shared.keep.append(made)
        self.made.add(id(made))
        return made

    def _member(self, holder: JsonObject, name: str, node: JsonNode, where: JsonNode | None = None) -> None:
        near = where if where is not None else node
        key = self.lowering._made(JsonString(near.start, near.end, name), name)
        if isinstance(holder.get(name), JsonNode):
            return
        node.parent, node.key = holder, name
        holder.add(key, node)

    def _get(self, where: str) -> JsonNode | None:
        node: JsonNode | None = self.resource
        for part in where.split("."):
            node = node.get(part) if isinstance(node, JsonObject) else None
        return node

    def _set(self, where: str, node: JsonNode, key_at: JsonNode | None = None) -> None:
        """Put ``node`` at a dotted path, making the objects on the way (spanning ``params``)."""
        holder = self.resource
        parts = where.split(".")
        for part in parts[:-1]:
            found = holder.get(part)
            if not isinstance(found, JsonObject):
                found = self._object(self.params)
                self._member(holder, part, found)
            holder = found
        self._member(holder, parts[-1], node, key_at)
