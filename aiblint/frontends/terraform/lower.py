"""Terraform resources -> the image templates the model and every rule read.

* ``azapi_resource`` with ``type = "Microsoft.VirtualMachineImages/imageTemplates@<api>"``
  becomes an ARM-shaped resource: ``type`` and ``apiVersion`` from the type
  string (each at its own characters), ``name``, ``location``, ``tags``, the
  ``identity`` block as ``{"type", "userAssignedIdentities": {id: {}}}`` and
  the members of ``body`` (an HCL object, ``jsonencode({...})`` of one, or a
  JSON string), each node where it is written.
* ``azurerm_resource_group_template_deployment``: the ARM template in
  ``template_content`` (``jsonencode({...})``, a JSON heredoc, ``file()``), its
  ``parameters_content`` bound as the template's parameter values.

A resource with ``for_each`` or ``count`` over a known collection is one
template per instance (``each``/``count`` bound); over an unknown or empty
one (a module's default ``{}`` that its callers fill), a single template in
which they are unknown: the code is checked, no value is guessed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aiblint.frontends.terraform.evaluate import Env, Evaluator, _normal
from aiblint.frontends.terraform.module import MAX_FILES
from aiblint.frontends.terraform.nodes import TfObject, TfScalar, TfString, TfUnknown
from aiblint.frontends.terraform.syntax import (
    HclFile,
    attributes,
    block_body,
    block_labels,
    block_type,
    blocks,
    body_items,
    unwrap,
)
from aiblint.jsontree import JsonArray, JsonNode, JsonObject, JsonString
from aiblint.loader import MAX_FILE_BYTES
from aiblint.model import IMAGE_TEMPLATE_TYPE, ImageTemplate, find_templates
from aiblint.record import MutableRecord

if TYPE_CHECKING:
    from tree_sitter import Node

_AZAPI = "azapi_resource"
_DEPLOYMENT = "azurerm_resource_group_template_deployment"
_TYPE_PREFIX = IMAGE_TEMPLATE_TYPE.casefold() + "@"
#: Instances lowered per resource: a template is checked the same for each.
MAX_INSTANCES = 50
#: Module calls followed one inside the other.
MAX_MODULE_DEPTH = 3
_META_ARGUMENTS = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})


class Found(MutableRecord):
    """An image template found in a Terraform file."""

    __slots__ = ("template", "resource")  # noqa: RUF023 - in field order
    template: ImageTemplate
    resource: str  # "azapi_resource.linux", with the instance key when there is one

    def __init__(self, template: ImageTemplate, resource: str) -> None:
        self.template = template
        self.resource = resource


def lower(file: HclFile, evaluator: Evaluator, depth: int = 0) -> list[Found]:
    """The image templates ``file`` declares: its resources, and those of the
    local modules its ``module`` blocks call, with the call's arguments."""
    found: list[Found] = []
    for block in blocks(file.root, file):
        kind, labels = block_type(block, file), block_labels(block, file)
        if kind == "module" and labels and depth < MAX_MODULE_DEPTH:
            found += _module_call(block, labels[0], file, evaluator, depth)
        if kind != "resource" or len(labels) < 2 or labels[0] not in (_AZAPI, _DEPLOYMENT):
            continue
        for env, suffix in _instances(block, file, evaluator):
            address = f"{labels[0]}.{labels[1]}{suffix}"
            if labels[0] == _AZAPI:
                template = _azapi(block, file, evaluator, env)
                if template is not None:
                    found.append(Found(template, address))
            else:
                found += [Found(template, address) for template in _deployment(block, file, evaluator, env)]
    return found


# -- module calls --------------------------------------------------------------------------


def _module_call(block: Node, name: str, file: HclFile, evaluator: Evaluator, depth: int) -> list[Found]:
    """``module "x" { source = "../image-template" ... }``: the templates of that
    module (in the repository), its variables set by this call's arguments."""
    from aiblint.frontends.terraform.evaluate import Input
    from aiblint.frontends.terraform.module import Module

    arguments = attributes(block_body(block), file)
    source = evaluator.value(arguments["source"].children[-1], file) if "source" in arguments else None
    folder = evaluator.module.folder
    if not isinstance(source, TfString) or not source.text.startswith(("./", "../")) or folder is None:
        return []  # a registry or remote module: not read
    target = (folder / source.text).resolve()
    if evaluator.repository is None or not target.is_relative_to(evaluator.repository) or not target.is_dir():
        return []
    if not any(_mentions_template(path) for path in sorted(target.glob("*.tf"))[:MAX_FILES]):
        return []
    head, slash, _ = file.document.path.rpartition("/")
    called = Module.called(target, _normal(f"{head}{slash}{source.text}".rstrip("/")) or ".")
    if called is None:
        return []
    evaluator.module.read += [Path(path) for path in called.read]
    found: list[Found] = []
    for env, suffix in _instances(block, file, evaluator):
        inputs = {key: Input(value.children[-1], file, evaluator, env) for key, value in arguments.items()
                  if key not in _META_ARGUMENTS}
        inner = Evaluator(called, evaluator.repository, inputs)
        for child in called.files:
            for item in lower(child, inner, depth + 1):
                found.append(Found(item.template, f"module.{name}{suffix}.{item.resource}"))
    return found


def _mentions_template(path: Path) -> bool:
    try:
        with open(path, "rb") as stream:
            return b"icrosoft.virtualmachineimages" in stream.read(MAX_FILE_BYTES).lower()
    except OSError:
        return False


# -- instances ---------------------------------------------------------------------------


def _instances(block: Node, file: HclFile, evaluator: Evaluator) -> list[tuple[Env, str]]:
    arguments = attributes(block_body(block), file)
    if "for_each" in arguments:
        collection = evaluator.value(arguments["for_each"].children[-1], file)
        if isinstance(collection, JsonObject):
            pairs = [(key.text, key, value) for key, value in collection.members]
        elif isinstance(collection, JsonArray) and all(isinstance(item, TfString) for item in collection.items):
            pairs = [(item.text, item, item) for item in collection.items if isinstance(item, TfString)]
        else:
            return [({}, "")]
        return [({"each": _each(key, value, file)}, f'["{name}"]') for name, key, value in pairs[:MAX_INSTANCES]] or [({}, "")]
    if "count" in arguments:
        count = evaluator.value(arguments["count"].children[-1], file)
        if isinstance(count, TfScalar) and isinstance(count.value, int) and not isinstance(count.value, bool) and count.value > 0:
            return [({"count": _count(index, count, file)}, f"[{index}]") for index in range(min(count.value, MAX_INSTANCES))]
    return [({}, "")]


def _each(key: JsonNode, value: JsonNode, file: HclFile) -> TfObject:
    each = TfObject(key.start, key.end, file.document)
    name = key.text if isinstance(key, JsonString) else ""
    each.put(TfString(key.start, key.end, "key", file.document), TfString(key.start, key.end, name, file.document))
    each.put(TfString(key.start, key.end, "value", file.document), value)
    return each


def _count(index: int, where: JsonNode, file: HclFile) -> TfObject:
    count = TfObject(where.start, where.end, file.document)
    count.put(TfString(where.start, where.end, "index", file.document), TfScalar(where.start, where.end, index, file.document))
    return count


# -- azapi_resource ----------------------------------------------------------------------


def _azapi(block: Node, file: HclFile, evaluator: Evaluator, env: Env) -> ImageTemplate | None:
    body = block_body(block)
    arguments = attributes(body, file)
    kind = arguments.get("type")
    if kind is None:
        return None
    type_value = evaluator.value(kind.children[-1], file, env)
    resource = TfObject(file.start(block), file.end(block), file.document)
    type_key = _key(kind, "type", file)
    if isinstance(type_value, TfString) and type_value.text.casefold().startswith(_TYPE_PREFIX):
        at = type_value.text.index("@")
        resource.put(type_key, _slice(type_value, 0, at))
        resource.put(_key(kind, "apiVersion", file), _slice(type_value, at + 1, len(type_value.text)))
    elif isinstance(type_value, TfUnknown) and type_value.partial is not None and \
            type_value.partial.prefix.casefold().startswith(_TYPE_PREFIX):  # "...imageTemplates@${var.api}"
        written = TfString(type_value.start, type_value.end, IMAGE_TEMPLATE_TYPE, file.document)
        resource.put(type_key, written)
        resource.put(_key(kind, "apiVersion", file), TfUnknown(type_value.start, type_value.end, type_value.text, file.document))
    else:
        return None
    for name in ("name", "location", "tags"):
        if name in arguments:
            resource.put(_key(arguments[name], name, file), evaluator.value(arguments[name].children[-1], file, env))
        elif name != "tags":  # azapi takes the parent's location, and always has a name
            resource.put(_key(kind, name, file), TfUnknown(type_key.start, type_key.end, "${" + name + "}", file.document))
    identity = _identity(body, file, evaluator, env)
    if identity is not None:
        resource.put(_key_at(identity, "identity", file), identity)
    if "body" in arguments:
        _body(resource, arguments["body"], file, evaluator, env)
    document = file.document
    return ImageTemplate(document, resource, "bare")


def _key(attribute: Node, name: str, file: HclFile) -> TfString:
    """The member name as ARM spells it, placed at the attribute's own name."""
    word = attribute.children[0]
    start, end = file.start(word), file.end(word)
    return TfString(start, end, name, file.document, [start] * len(name) + [end])


def _key_at(node: JsonNode, name: str, file: HclFile) -> TfString:
    return TfString(node.start, node.start, name, file.document, [node.start] * (len(name) + 1))


def _slice(value: TfString, begin: int, end: int) -> TfString:
    offsets = value.offsets[begin : end + 1]
    start = offsets[0] if offsets else value.start
    return TfString(start, offsets[-1] if offsets else start, value.text[begin:end], value.document, offsets)


def _body(resource: TfObject, attribute: Node, file: HclFile, evaluator: Evaluator, env: Env) -> None:
    from aiblint.frontends.terraform.embedded import json_template

    expression = attribute.children[-1]
    encoded = _jsonencode_argument(expression, file)
    template = unwrap(expression)
    if encoded is None and template.type == "template_expr":  # azapi v1: body = <<BODY {json} BODY
        parsed = json_template(template, file, evaluator, env)
        if parsed is not None and isinstance(parsed.root, JsonObject):
            for key, member in list(parsed.root.members):
                if key.text not in resource:
                    resource.put(key, member)
            return
    value = evaluator.value(encoded if encoded is not None else expression, file, env)
    if isinstance(value, TfString):
        read = _json_text(value, file)
        value = read if read is not None else TfUnknown(value.start, value.end, "${body}", value.document)
    if isinstance(value, JsonObject):
        for key, member in list(value.members):
            if key.text not in resource:
                resource.put(key, member)
        return
    resource.put(_key(attribute, "properties", file), value)  # not known: no opinion on the body


def _jsonencode_argument(expression: Node, file: HclFile) -> Node | None:
    """``jsonencode(x)`` -> ``x``: the tree of ``x`` keeps every position."""
    node = expression
    while node.type == "expression" and node.child_count == 1:
        node = node.children[0]
    if node.type != "function_call" or file.text(node.children[0]) != "jsonencode":
        return None
    arguments = next((child for child in node.children if child.type == "function_arguments"), None)
    values = [child for child in arguments.children if child.type == "expression"] if arguments is not None else []
    return values[0] if len(values) == 1 else None


def _identity(body: Node | None, file: HclFile, evaluator: Evaluator, env: Env) -> JsonNode | None:
    for block in blocks(body, file):
        kind, labels = block_type(block, file), block_labels(block, file)
        if kind == "identity":
            return _identity_object(block, file, evaluator, env)
        if kind == "dynamic" and labels == ["identity"]:
            return _dynamic_identity(block, file, evaluator, env)
    return None


def _identity_object(block: Node, file: HclFile, evaluator: Evaluator, env: Env) -> JsonNode:
    arguments = attributes(block_body(block), file)
    identity = TfObject(file.start(block), file.end(block), file.document)
    if "type" in arguments:
        identity.put(_key(arguments["type"], "type", file), evaluator.value(arguments["type"].children[-1], file, env))
    if "identity_ids" in arguments:
        ids = evaluator.value(arguments["identity_ids"].children[-1], file, env)
        key = _key(arguments["identity_ids"], "userAssignedIdentities", file)
        if isinstance(ids, JsonArray):
            named_ids = TfObject(ids.start, ids.end, file.document)
            for item in list(ids.items):
                if isinstance(item, JsonString):
                    named_ids.put(item, TfObject(item.start, item.end, file.document))
                else:
                    return TfUnknown(identity.start, identity.end, "${identity}", file.document)
            identity.put(key, named_ids)
        else:
            identity.put(key, TfUnknown(ids.start, ids.end, "${identity_ids}", file.document))
    return identity


def _dynamic_identity(block: Node, file: HclFile, evaluator: Evaluator, env: Env) -> JsonNode | None:
    arguments = attributes(block_body(block), file)
    unknown = TfUnknown(file.start(block), file.end(block), "${identity}", file.document)
    content = next(iter(blocks(block_body(block), file, "content")), None)
    if "for_each" not in arguments or content is None:
        return unknown
    collection = evaluator.value(arguments["for_each"].children[-1], file, env)
    items = collection.items if isinstance(collection, JsonArray) else None
    if items is None or len(items) > 1:
        return unknown
    if not items:
        return None
    iterator = "identity"
    if "iterator" in arguments:
        iterator = file.text(arguments["iterator"].children[-1]).strip()
    bound = TfObject(items[0].start, items[0].end, file.document)
    bound.put(TfString(items[0].start, items[0].end, "key", file.document), TfScalar(items[0].start, items[0].end, 0, file.document))
    bound.put(TfString(items[0].start, items[0].end, "value", file.document), items[0])
    return _identity_object(content, file, evaluator, {**env, iterator: bound})


# -- ARM templates in Terraform ----------------------------------------------------------


def _deployment(block: Node, file: HclFile, evaluator: Evaluator, env: Env) -> list[ImageTemplate]:
    from aiblint.frontends.terraform.embedded import arm_template, parameter_values

    arguments = attributes(block_body(block), file)
    content = arguments.get("template_content")
    if content is None:
        return []
    document = arm_template(content.children[-1], file, evaluator, env)
    if document is None:
        return []
    templates = find_templates(document)
    if not any(template.arm_template is not None for template in templates):
        return templates
    from aiblint.arm.scope import ArmContext

    values = parameter_values(arguments.get("parameters_content"), file, evaluator, env)
    context = ArmContext(document, values)
    for template in templates:
        if template.arm_template is not None:
            template.arm = context
    return templates


def mentions_template(file: HclFile) -> bool:
    """Some resource block of the file could hold an image template."""
    return any(
        block_type(item, file) == "module"
        or (block_type(item, file) == "resource" and block_labels(item, file)[:1] in ([_AZAPI], [_DEPLOYMENT]))
        for item in body_items(file.root) if item.type == "block"
    )


def _json_text(value: TfString, file: HclFile) -> JsonObject | None:
    from aiblint.frontends.terraform.embedded import parse_json

    document = parse_json(value.text, value.offsets, value.document)
    root = document.root if document is not None else None
    return root if isinstance(root, JsonObject) else None

