"""Evaluate HCL expressions to positioned values, as far as the module tells.

Every result is a fresh value tree (:mod:`aiblint.frontends.terraform.nodes`)
whose nodes point where the value is written: a literal at itself, a value
taken unchanged from a variable's default, a ``.tfvars`` file or a local at
that place, a computed value at the expression. What Terraform knows only at
plan or apply time (a resource's ``id``, ``each.value`` over an unknown
collection, a data source) is :class:`TfUnknown`, with the known text of a
string kept, and the shape of a resource id kept where the resource type
tells it (``azurerm_user_assigned_identity.x.id`` is an identity id).

Inputs: ``var.x`` is the value a ``.tfvars`` file of the folder assigns (two
files that disagree: unknown), else the variable's default; a ``null``
default means "not given" and is unknown, since a module's callers set it.
A conditional or a ``for`` filter whose condition is unknown keeps the
optional part (``cond ? {} : { x = 1 }`` is ``{ x = 1 }``): it is what the
module deploys whenever that part is used, and nothing else is guessed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from aiblint.document import Document
from aiblint.frontends.terraform.module import Module
from aiblint.frontends.terraform.nodes import TfArray, TfObject, TfScalar, TfString, TfUnknown, clone
from aiblint.frontends.terraform.syntax import HclFile, attributes, block_body, named
from aiblint.jsontree import JsonArray, JsonNode, JsonObject, JsonString
from aiblint.loader import MAX_FILE_BYTES
from aiblint.record import Record
from aiblint.values import UNKNOWN, Part, PartialString, Unknown

if TYPE_CHECKING:
    from aiblint.frontends.terraform.strings import Piece

if TYPE_CHECKING:
    from tree_sitter import Node

Env = dict[str, JsonNode]
#: Evaluation steps per file: generous for real modules, a stop for hostile ones.
BUDGET = 200_000
_MAX_DEPTH = 64
#: Nesting of expressions evaluated (the JSON loader's cap): deeper is unknown, and every
#: later walk of the value (recursive here) stays far from Python's recursion limit.
MAX_NESTING = 256
_SUB = "/subscriptions/"
#: The id shape of resources a template refers to, by Terraform resource type.
_ID_SHAPES: dict[str, Sequence[Part]] = {
    "azurerm_user_assigned_identity": (_SUB, UNKNOWN, "/resourceGroups/", UNKNOWN,
                                       "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/", UNKNOWN),
    "azurerm_resource_group": (_SUB, UNKNOWN, "/resourceGroups/", UNKNOWN),
    "azurerm_subnet": (_SUB, UNKNOWN, "/resourceGroups/", UNKNOWN, "/providers/Microsoft.Network/virtualNetworks/",
                       UNKNOWN, "/subnets/", UNKNOWN),
    "azurerm_shared_image": (_SUB, UNKNOWN, "/resourceGroups/", UNKNOWN, "/providers/Microsoft.Compute/galleries/",
                             UNKNOWN, "/images/", UNKNOWN),
    "azurerm_shared_image_gallery": (_SUB, UNKNOWN, "/resourceGroups/", UNKNOWN,
                                     "/providers/Microsoft.Compute/galleries/", UNKNOWN),
    "azurerm_image": (_SUB, UNKNOWN, "/resourceGroups/", UNKNOWN, "/providers/Microsoft.Compute/images/", UNKNOWN),
}
#: azapi resource types (case-folded, no api version) whose ``id`` has a known shape.
_AZAPI_SHAPES = {
    "microsoft.managedidentity/userassignedidentities": "azurerm_user_assigned_identity",
    "microsoft.resources/resourcegroups": "azurerm_resource_group",
    "microsoft.compute/galleries": "azurerm_shared_image_gallery",
    "microsoft.compute/galleries/images": "azurerm_shared_image",
}


class Input(Record):
    """A value a ``module`` block gives its module: evaluated where it is written."""

    __slots__ = ("node", "file", "evaluator", "env")  # noqa: RUF023 - in field order
    node: Final[Node]
    file: Final[HclFile]
    evaluator: Final[Evaluator]
    env: Final[Env]

    def __init__(self, node: Node, file: HclFile, evaluator: Evaluator, env: Env) -> None:
        self.node = node
        self.file = file
        self.evaluator = evaluator
        self.env = env


class Evaluator:
    def __init__(self, module: Module, repository: Path | None, inputs: dict[str, Input] | None = None) -> None:
        """``inputs``: the module is called by a ``module`` block with these
        arguments; its variables are those (else their defaults, ``null`` included)."""
        self.module = module
        self.repository = repository.resolve() if repository is not None else None  # files are compared resolved
        self.inputs = inputs
        self.steps = 0
        self.depth = 0  # expressions being evaluated, one inside the other
        self._active: set[tuple[str, ...]] = set()
        self._done: dict[tuple[str, ...], JsonNode] = {}
        self.documents: dict[Path, Document] = {}  # files read by file(): kept, so one file is one document

    # -- entry ------------------------------------------------------------------------

    def value(self, node: Node, file: HclFile, env: Env | None = None) -> JsonNode:
        """The value of an expression node written in ``file``."""
        self.steps += 1
        if self.steps > BUDGET or len(self._active) > _MAX_DEPTH or self.depth > MAX_NESTING:
            return self.unknown(node, file)
        self.depth += 1
        try:
            return self._value(node, file, env or {})
        finally:
            self.depth -= 1

    def unknown(self, node: Node, file: HclFile, partial: PartialString | None = None) -> TfUnknown:
        return TfUnknown(file.start(node), file.end(node), "${" + file.text(node)[:200] + "}", file.document, partial)

    def _value(self, node: Node, file: HclFile, env: Env) -> JsonNode:
        kind = node.type
        if kind == "expression":
            return self._expression(node, file, env)
        handler = _HANDLERS.get(kind)
        return handler(self, node, file, env) if handler is not None else self.unknown(node, file)

    # -- expressions --------------------------------------------------------------------

    def _expression(self, node: Node, file: HclFile, env: Env) -> JsonNode:
        children = [child for child in node.children if child.type != "comment"]
        if children and children[0].type == "(":
            inner = next((child for child in children if child.type == "expression"), None)
            return self.value(inner, file, env) if inner is not None else self.unknown(node, file)
        return self._term(children, node, file, env)

    def _term(self, children: list[Node], node: Node, file: HclFile, env: Env) -> JsonNode:
        """A primary expression and its attribute, index and splat steps (written
        as siblings: in an operation they are not wrapped in an ``expression``)."""
        if not children:
            return self.unknown(node, file)
        if children[0].type == "(":  # ( expression ) written as siblings in an operation
            close = next((index for index, child in enumerate(children) if child.type == ")"), len(children))
            inner = next((child for child in children[:close] if child.type == "expression"), None)
            if inner is None or close + 1 < len(children):
                return self.unknown(node, file)
            return self.value(inner, file, env)
        primary, postfix = children[0], children[1:]
        if primary.type == "variable_expr":
            found, used = self._reference(node, primary, postfix, file, env)
            postfix = postfix[used:]
        else:
            found = self.value(primary, file, env)
        for index, step in enumerate(postfix):
            if isinstance(found, TfUnknown):
                return self.unknown(node, file) if index or postfix else found
            found = self._postfix(found, step, node, file, env)
        return found

    def _postfix(self, value: JsonNode, step: Node, whole: Node, file: HclFile, env: Env) -> JsonNode:
        if step.type == "get_attr":
            name = file.text(named(step)[0])
            member = value.get(name) if isinstance(value, JsonObject) else None
            return _detach(member) if member is not None else self.unknown(whole, file)
        if step.type == "index":
            inner = named(named(step)[0]) if named(step) else []
            if named(step) and named(step)[0].type == "legacy_index":
                digits = file.text(named(step)[0]).lstrip(".")
                key: object = int(digits) if digits.isdigit() else None
            else:
                key = _plain(self.value(inner[0], file, env)) if inner else None
            if isinstance(value, JsonArray) and isinstance(key, int) and not isinstance(key, bool) and 0 <= key < len(value.items):
                return _detach(value.items[key])
            if isinstance(value, JsonObject) and isinstance(key, str) and key in value:
                found = value.get(key)
                assert found is not None
                return _detach(found)
            return self.unknown(whole, file)
        if step.type == "splat" and isinstance(value, JsonArray) and named(step):
            return self._splat(value, named(named(step)[0]), whole, file)
        return self.unknown(whole, file)

    def _splat(self, values: JsonArray, steps: list[Node], whole: Node, file: HclFile) -> JsonNode:
        """``list[*].a.b``: each element's ``a.b`` (attribute steps only)."""
        result = TfArray(file.start(whole), file.end(whole), file.document)
        for item in list(values.items):
            found: JsonNode = item
            for step in steps:
                member = found.get(file.text(named(step)[0])) if step.type == "get_attr" and isinstance(found, JsonObject) else None
                if member is None:
                    return self.unknown(whole, file)
                found = member
            result.append(_detach(found))
        return result

    def _reference(self, whole: Node, primary: Node, postfix: list[Node], file: HclFile, env: Env) -> tuple[JsonNode, int]:
        """A name and the attribute steps it needs: ``var.x``, ``local.x``, a
        ``for`` variable, ``resource_type.name``. Returns the value and how many
        postfix steps it took."""
        name = file.text(primary)
        if name in env:
            return self._navigate(env[name], postfix, 0, file)
        attribute = file.text(named(postfix[0])[0]) if postfix and postfix[0].type == "get_attr" else None
        if name == "var" and attribute is not None:
            return self._navigate(self.variable(attribute, whole, file, copy=False), postfix, 1, file)
        if name == "path" and attribute == "module":  # file() names are read relative to the module folder
            step = postfix[0]
            return TfString(file.start(whole), file.end(step), ".", file.document), 1
        if name == "local" and attribute is not None:
            return self._navigate(self.local(attribute, whole, file, copy=False), postfix, 1, file)
        if name == "data" and attribute is not None and len(postfix) >= 2 and postfix[1].type == "get_attr":
            return self._resource("data." + attribute, file.text(named(postfix[1])[0]), postfix[2:], whole, file), len(postfix)
        if attribute is not None and name not in ("each", "count", "self", "path", "terraform", "module"):
            return self._resource(name, attribute, postfix[1:], whole, file), len(postfix)
        return self.unknown(whole, file), len(postfix)

    def _navigate(self, value: JsonNode, postfix: list[Node], used: int, file: HclFile) -> tuple[JsonNode, int]:
        """The member that attribute steps name, copied (not the whole value): a
        known value is shared by every reference to it."""
        for step in postfix[used:]:
            if step.type != "get_attr" or not isinstance(value, JsonObject):
                break
            member = value.get(file.text(named(step)[0]))
            if member is None:
                break
            value, used = member, used + 1
        return self.copy(value), used

    def variable(self, name: str, whole: Node, file: HclFile, copy: bool = True) -> JsonNode:
        if self.inputs is not None:
            return self._input(name, whole, file, copy)
        assigned = self.module.values.get(name, [])
        if assigned:
            values = [self._guarded(("tfvars", name, str(index)), item.node, item.file) for index, item in enumerate(assigned)]
            plain = {json.dumps(_plain(value), sort_keys=True, default=str) for value in values}
            if len(plain) == 1 and not any(isinstance(value, TfUnknown) for value in values):
                return self.copy(values[-1]) if copy else values[-1]
            return self.unknown(whole, file)
        declared = self.module.variables.get(name)
        default = attributes(block_body(declared.node), declared.file).get("default") if declared is not None else None
        if declared is None or default is None:
            return self.unknown(whole, file)
        value = self._guarded(("var", name), default.children[-1], declared.file)
        if isinstance(value, TfScalar) and value.value is None:
            return self.unknown(whole, file)  # null: "not given"; the module's callers may set it
        return self.copy(value) if copy else value

    def _input(self, name: str, whole: Node, file: HclFile, copy: bool) -> JsonNode:
        """A called module's variable: the caller's argument, else the default
        (a ``null`` default is ``null``: the call is all there is)."""
        assert self.inputs is not None
        given = self.inputs.get(name)
        key = ("input", name)
        value = self._done.get(key)
        if value is None and given is not None:
            value = given.evaluator.value(given.node, given.file, given.env)
            self._done[key] = value
        if value is None:
            declared = self.module.variables.get(name)
            default = attributes(block_body(declared.node), declared.file).get("default") if declared is not None else None
            if declared is None or default is None:
                return self.unknown(whole, file)
            value = self._guarded(("var", name), default.children[-1], declared.file)
        return self.copy(value) if copy else value

    def local(self, name: str, whole: Node, file: HclFile, copy: bool = True) -> JsonNode:
        declared = self.module.locals.get(name)
        if declared is None:
            return self.unknown(whole, file)
        value = self._guarded(("local", name), declared.node, declared.file)
        return self.copy(value) if copy else value

    def _guarded(self, key: tuple[str, ...], node: Node, file: HclFile) -> JsonNode:
        """A declaration's value (a variable, a local, a resource argument),
        computed once. It is shared: whoever places it in a tree copies it."""
        done = self._done.get(key)
        if done is not None:
            return done
        if key in self._active:
            return self.unknown(node, file)  # a cycle: Terraform rejects it
        self._active.add(key)
        try:
            value = self.value(node, file)
        finally:
            self._active.discard(key)
        self._done[key] = value
        return value

    def copy(self, value: JsonNode) -> JsonNode:
        """A copy of a value, counted against the budget (values can grow exponentially)."""
        self.steps += _size(value)
        if self.steps > BUDGET:
            return TfUnknown(value.start, value.end, "${...}", getattr(value, "document", self.module.main.document))
        return clone(value)

    def _resource(self, kind: str, name: str, rest: list[Node], whole: Node, file: HclFile) -> JsonNode:
        """``kind.name[...].attr``: an argument written in the block is its value
        (``azurerm_resource_group.x.location``); ``id`` is unknown with the shape
        the resource type gives; anything else is unknown."""
        steps = [step for step in rest if step.type != "index"]
        attribute = file.text(named(steps[0])[0]) if steps and steps[0].type == "get_attr" else None
        declared = self.module.resources.get((kind, name))
        if attribute == "id" and len(steps) == 1:
            shape = _ID_SHAPES.get(kind) or _ID_SHAPES.get(_AZAPI_SHAPES.get(self._azapi_type(declared), ""))
            return self.unknown(whole, file, PartialString(shape) if shape else None)
        if declared is not None and attribute in ("name", "location") and len(steps) == 1 and not kind.startswith("data."):
            argument = attributes(block_body(declared.node), declared.file).get(attribute)
            if argument is not None:
                value = self._guarded((kind + "." + name, attribute), argument.children[-1], declared.file)
                if not isinstance(value, TfUnknown):
                    return self.copy(value)
        return self.unknown(whole, file)

    def _azapi_type(self, declared: object) -> str:
        from aiblint.frontends.terraform.module import Declared

        if not isinstance(declared, Declared):
            return ""
        kind = attributes(block_body(declared.node), declared.file).get("type")
        value = self._guarded(("type", str(id(declared.node))), kind.children[-1], declared.file) if kind is not None else None
        text = value.text if isinstance(value, TfString) else ""
        return text.partition("@")[0].casefold()

    # -- literals and collections -------------------------------------------------------

    def _literal(self, node: Node, file: HclFile, env: Env) -> JsonNode:
        inner = named(node)[0] if named(node) else node
        start, end = file.start(node), file.end(node)
        text = file.text(inner)
        if inner.type == "numeric_lit":
            number: object = float(text) if any(mark in text for mark in ".eE") else int(text)
            return TfScalar(start, end, number, file.document)
        if inner.type == "bool_lit":
            return TfScalar(start, end, text == "true", file.document)
        if inner.type == "null_lit":
            return TfScalar(start, end, None, file.document)
        if inner.type == "string_lit":
            return self._template(inner, file, env)
        return self.unknown(node, file)

    def _collection(self, node: Node, file: HclFile, env: Env) -> JsonNode:
        inner = named(node)[0]
        if inner.type == "tuple":
            array = TfArray(file.start(inner), file.end(inner), file.document)
            for item in named(inner):
                if item.type == "expression":
                    array.append(self.value(item, file, env))
            return array
        return self._object(inner, file, env)

    def _object(self, node: Node, file: HclFile, env: Env) -> JsonNode:
        result = TfObject(file.start(node), file.end(node), file.document)
        for element in named(node):
            if element.type != "object_elem":
                continue
            key_node = element.child_by_field_name("key")
            value_node = element.child_by_field_name("val")
            if key_node is None or value_node is None:
                continue
            key = self._key(key_node, file, env)
            if key is None:
                return self.unknown(node, file)  # a computed key: the members are not known
            result.put(key, self.value(value_node, file, env))
        return result

    def _key(self, node: Node, file: HclFile, env: Env) -> JsonString | None:
        bare = node
        while bare.type == "expression" and bare.child_count == 1:
            bare = bare.children[0]
        if bare.type == "variable_expr":  # a bare word is the name itself
            return TfString(file.start(bare), file.end(bare), file.text(bare), file.document,
                            list(range(file.start(bare), file.end(bare) + 1)))
        return self._computed_key(node, file, env)

    def _computed_key(self, node: Node, file: HclFile, env: Env) -> JsonString | None:
        key = self.value(node, file, env)
        if isinstance(key, TfString):
            return key
        if isinstance(key, TfScalar) and key.value is not None and not isinstance(key.value, bool):
            return TfString(key.start, key.end, str(key.value), file.document)
        return None

    # -- strings ------------------------------------------------------------------------

    def _template_expr(self, node: Node, file: HclFile, env: Env) -> JsonNode:
        return self._template(named(node)[0], file, env)

    def _template(self, node: Node, file: HclFile, env: Env) -> JsonNode:
        """A quoted string or heredoc: known text with where each character is
        written, or unknown with the known text around the unknown pieces."""
        from aiblint.frontends.terraform.strings import Hole, template_pieces

        pieces = template_pieces(self, node, file, env)
        start, end = file.start(node), file.end(node)
        if all(not isinstance(piece, Hole) for piece in pieces):
            text = "".join(piece[0] for piece in pieces if not isinstance(piece, Hole))
            offsets = [offset for piece in pieces if not isinstance(piece, Hole) for offset in piece[1]]
            offsets.append(_closing(node, file, offsets))
            return TfString(start, end, text, file.document, offsets)
        joined = PartialString.join([UNKNOWN if isinstance(piece, Hole) else piece[0] for piece in pieces])
        unknown = self.unknown(node, file, joined if isinstance(joined, PartialString) else None)
        unknown.masked = _masked(pieces, file, node)
        return unknown

    def interpolated(self, value: JsonNode) -> str | None:
        """The text a value makes inside a template (``None``: not known)."""
        if isinstance(value, TfUnknown):
            return None
        if isinstance(value, TfString):
            return value.text
        if isinstance(value, TfScalar) and value.value is not None:
            return _hcl_text(value.value)
        return None

    # -- operators ------------------------------------------------------------------------

    def _conditional(self, node: Node, file: HclFile, env: Env) -> JsonNode:
        parts = [child for child in node.children if child.type == "expression"]
        if len(parts) != 3:
            return self.unknown(node, file)
        condition = _plain(self.value(parts[0], file, env))
        if condition is True:
            return self.value(parts[1], file, env)
        if condition is False:
            return self.value(parts[2], file, env)
        if isinstance(condition, Unknown):
            chosen = _optional(parts[1], parts[2], file)
            if chosen is not None:
                return self.value(chosen, file, env)
        return self.unknown(node, file)

    def _operation(self, node: Node, file: HclFile, env: Env) -> JsonNode:
        inner = named(node)[0]
        children = [child for child in inner.children if child.type != "comment"]
        split = next((index for index, child in enumerate(children) if not child.is_named and child.type not in "()"), None)
        if split is None:
            return self.unknown(node, file)
        operator = children[split].type
        sides = [children[split + 1 :]] if split == 0 else [children[:split], children[split + 1 :]]
        values = [_plain(self._term(side, node, file, env)) for side in sides]
        result = _operate(operator, values)
        if isinstance(result, Unknown):
            return self.unknown(node, file)
        start, end = file.start(node), file.end(node)
        return TfScalar(start, end, result, file.document)

    # -- for expressions ---------------------------------------------------------------------

    def _for(self, node: Node, file: HclFile, env: Env) -> JsonNode:
        inner = named(node)[0]
        intro = next((child for child in inner.children if child.type == "for_intro"), None)
        if intro is None:
            return self.unknown(node, file)
        names = [file.text(child) for child in intro.children if child.type == "identifier"]
        source_node = next((child for child in intro.children if child.type == "expression"), None)
        if source_node is None or not names or any(child.type == "ellipsis" for child in inner.children):
            return self.unknown(node, file)
        collection = self.value(source_node, file, env)
        if isinstance(collection, JsonObject):
            pairs: list[tuple[JsonNode, JsonNode]] = [(key, value) for key, value in collection.members]
        elif isinstance(collection, JsonArray):
            pairs = [(TfScalar(item.start, item.end, index, file.document), item) for index, item in enumerate(collection.items)]
        else:
            return self.unknown(node, file)
        body = [child for child in inner.children if child.type == "expression"]
        condition = next((child for child in inner.children if child.type == "for_cond"), None)
        objects = inner.type == "for_object_expr"
        result: JsonNode = TfObject(file.start(node), file.end(node), file.document) if objects else \
            TfArray(file.start(node), file.end(node), file.document)
        for key, value in pairs:
            scope = dict(env)
            if len(names) == 2:
                scope[names[0]], scope[names[1]] = key, value
            else:
                scope[names[0]] = value
            if condition is not None:
                test = _plain(self.value(named(condition)[-1], file, scope))
                if test is False:
                    continue
                if not isinstance(test, (bool, Unknown)):
                    return self.unknown(node, file)
            if objects and isinstance(result, TfObject) and len(body) == 2:
                made = self._computed_key(body[0], file, scope)
                if made is None:
                    return self.unknown(node, file)
                result.put(made, self.value(body[1], file, scope))
            elif isinstance(result, TfArray) and body:
                result.append(self.value(body[0], file, scope))
        return result

    # -- functions ---------------------------------------------------------------------------

    def _call(self, node: Node, file: HclFile, env: Env) -> JsonNode:
        from aiblint.frontends.terraform.functions import FUNCTIONS

        name = file.text(node.children[0])
        arguments_node = next((child for child in node.children if child.type == "function_arguments"), None)
        argument_nodes = [child for child in arguments_node.children if child.type == "expression"] if arguments_node else []
        if arguments_node is not None and any(child.type == "ellipsis" for child in arguments_node.children):
            return self.unknown(node, file)
        function = FUNCTIONS.get(name)
        if function is None:
            return self.unknown(node, file)
        return function(self, node, file, [self.value(argument, file, env) for argument in argument_nodes])

    # -- files ---------------------------------------------------------------------------------

    def read_file(self, relative: str, file: HclFile) -> Document | None:
        """A file ``file()`` names, relative to the module folder, inside the repository only."""
        folder = self.module.folder
        if folder is None or self.repository is None or "\0" in relative:
            return None
        path = (folder / relative).resolve()
        if not path.is_relative_to(self.repository) or not path.is_file():
            return None
        if path in self.documents:
            return self.documents[path]
        try:
            data = path.read_bytes()[: MAX_FILE_BYTES + 1]
            text = data.decode("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return None
        if len(data) > MAX_FILE_BYTES:
            return None
        head, slash, _ = file.document.path.rpartition("/")
        display = f"{head}{slash}{relative}" if not relative.startswith("/") else str(path)
        document = Document(_normal(display), text)
        self.documents[path] = document
        self.module.read.append(path)
        return document


def _normal(display: str) -> str:
    parts: list[str] = []
    for part in display.split("/"):
        if part == "." or (part == "" and parts):
            continue
        if part == ".." and parts and parts[-1] != "..":
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


def _masked(pieces: list[Piece], file: HclFile, node: Node) -> tuple[TfString, tuple[tuple[int, int], ...]]:
    """The text with each unknown piece as ``_`` for every character its source
    has (lines kept): script checkers read it with every known column in place."""
    from aiblint.frontends.terraform.strings import Hole

    chars: list[str] = []
    offsets: list[int] = []
    masks: list[tuple[int, int]] = []
    source = file.document.text
    for piece in pieces:
        if isinstance(piece, Hole):
            written = source[piece.start : piece.end]
            masks.append((len(chars), len(chars) + len(written)))
            chars += ["\n" if char == "\n" else "_" for char in written]
            offsets += range(piece.start, piece.end)
        else:
            chars += piece[0]
            offsets += piece[1]
    offsets.append(_closing(node, file, offsets))
    stand_in = TfString(file.start(node), file.end(node), "".join(chars), file.document, offsets)
    return stand_in, tuple(masks)


def _closing(node: Node, file: HclFile, offsets: list[int]) -> int:
    """Where the text ends: its closing quote or heredoc marker."""
    last = node.children[-1] if node.children else node
    return file.start(last) if last.type in ("quoted_template_end", "heredoc_identifier") else (offsets[-1] + 1 if offsets else file.end(node))


def _size(node: JsonNode) -> int:
    count = 0
    stack = [node]
    while stack:
        item = stack.pop()
        count += 1
        if isinstance(item, JsonObject):
            stack.extend(value for _, value in item.members)
        elif isinstance(item, JsonArray):
            stack.extend(item.items)
    return count


def _detach(node: JsonNode) -> JsonNode:
    """A member of a fresh value, taken out to stand on its own."""
    node.parent = None
    node.key = None
    return node


def _plain(node: JsonNode) -> object:
    """The plain value of a tree, or UNKNOWN when any part of it is unknown."""
    if isinstance(node, TfUnknown):
        return UNKNOWN
    if isinstance(node, JsonObject):
        values = {name: _plain(child) for name, child in node.items()}
        return UNKNOWN if any(isinstance(value, Unknown) for value in values.values()) else values
    if isinstance(node, JsonArray):
        items = [_plain(item) for item in node.items]
        return UNKNOWN if any(isinstance(item, Unknown) for item in items) else items
    return node.value


plain = _plain


def _hcl_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _optional(when_true: Node, when_false: Node, file: HclFile) -> Node | None:
    """Of ``cond ? a : b``, the side that is not empty (``null``, ``{}``, ``[]``, ``""``)."""
    empty = [_is_empty(when_true, file), _is_empty(when_false, file)]
    if empty == [True, False]:
        return when_false
    if empty == [False, True]:
        return when_true
    return None


def _is_empty(node: Node, file: HclFile) -> bool:
    return "".join(file.text(node).split()) in ("null", "{}", "[]", '""', "tolist([])", "tomap({})")


def _operate(operator: str, values: list[object]) -> object:
    if operator in ("&&", "||") and len(values) == 2:
        left, right = values
        if operator == "&&" and (left is False or right is False):
            return False
        if operator == "||" and (left is True or right is True):
            return True
    if any(isinstance(value, Unknown) for value in values):
        return UNKNOWN
    try:
        return _apply(operator, values)
    except (TypeError, ZeroDivisionError, ValueError):
        return UNKNOWN


def _apply(operator: str, values: list[object]) -> object:
    if len(values) == 1:
        (value,) = values
        if operator == "!" and isinstance(value, bool):
            return not value
        if operator == "-" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value
        return UNKNOWN
    left, right = values
    if operator == "==":
        return (left == right and type(left) is type(right)) or (_numbers(left, right) and left == right)
    if operator == "!=":
        return not ((left == right and type(left) is type(right)) or (_numbers(left, right) and left == right))
    if operator in ("&&", "||"):
        if isinstance(left, bool) and isinstance(right, bool):
            return left and right if operator == "&&" else left or right
        return UNKNOWN
    if not _numbers(left, right):
        return UNKNOWN
    assert isinstance(left, (int, float)) and isinstance(right, (int, float))
    table: dict[str, Callable[[float, float], object]] = {
        "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b,
        "%": lambda a, b: a % b, "<": lambda a, b: a < b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b,
        ">=": lambda a, b: a >= b,
    }
    action = table.get(operator)
    return action(left, right) if action is not None else UNKNOWN


def _numbers(*values: object) -> bool:
    return all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in values)


_HANDLERS: dict[str, Callable[[Evaluator, Node, HclFile, Env], JsonNode]] = {
    "literal_value": Evaluator._literal,
    "collection_value": Evaluator._collection,
    "template_expr": Evaluator._template_expr,
    "string_lit": Evaluator._template,
    "conditional": Evaluator._conditional,
    "operation": Evaluator._operation,
    "for_expr": Evaluator._for,
    "function_call": Evaluator._call,
    "object": Evaluator._object,
}
