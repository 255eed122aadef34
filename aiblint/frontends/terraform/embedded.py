"""ARM JSON written inside Terraform: ``template_content`` of a template deployment,
or an azapi ``body`` given as a JSON string.

A JSON heredoc is parsed in place: the JSON loader reads the heredoc's text
and every node is moved to where its characters are written in the ``.tf``
file. An interpolation Terraform fills in is taken as its known text when
there is one; otherwise it becomes a pipeline token (``${tf}``, unknown to
every rule) inside a JSON string, or the string ``"${tf}"`` where a value
stands, so the JSON around it still reads. ``file("x.json")`` and
``templatefile("x.json", ...)`` read that file (inside the repository only),
and its findings are reported in it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiblint.arm.parameters import ParameterFile, ParameterValues
from aiblint.arm.scope import Binding
from aiblint.document import Document
from aiblint.frontends.terraform.evaluate import Env, Evaluator
from aiblint.frontends.terraform.nodes import TfString
from aiblint.frontends.terraform.strings import Hole, Piece, template_pieces
from aiblint.frontends.terraform.syntax import HclFile, unwrap
from aiblint.jsontree import JsonObject, walk
from aiblint.loader import load_text

if TYPE_CHECKING:
    from tree_sitter import Node

_TOKEN = "${tf}"


def arm_template(expression: Node, file: HclFile, evaluator: Evaluator, env: Env) -> Document | None:
    """The deployment template ``template_content`` holds, as a document whose
    nodes are where the template is written."""
    from aiblint.frontends.terraform.lower import _jsonencode_argument

    encoded = _jsonencode_argument(expression, file)
    if encoded is not None:
        value = evaluator.value(encoded, file, env)
        if not isinstance(value, JsonObject):
            return None
        return Document(file.document.path, file.document.text, root=value)
    node = unwrap(expression)
    if node.type == "function_call" and file.text(node.children[0]) in ("file", "templatefile"):
        return _json_file(node, file, evaluator, env)
    if node.type == "template_expr":
        return json_template(node, file, evaluator, env)
    value = evaluator.value(expression, file, env)
    if isinstance(value, TfString):
        return parse_json(value.text, value.offsets, value.document)
    return None


def json_template(node: Node, file: HclFile, evaluator: Evaluator, env: Env) -> Document | None:
    """JSON written as a string template (a heredoc), parsed in place."""
    pieces = template_pieces(evaluator, node.children[0], file, env)
    text, offsets = _json_with_tokens(pieces)
    return parse_json(text, offsets, file.document)


def _json_file(call: Node, file: HclFile, evaluator: Evaluator, env: Env) -> Document | None:
    arguments = next((child for child in call.children if child.type == "function_arguments"), None)
    first = next((child for child in arguments.children if child.type == "expression"), None) if arguments else None
    name = evaluator.value(first, file, env) if first is not None else None
    document = evaluator.read_file(name.text, file) if isinstance(name, TfString) else None
    if document is None:
        return None
    # A templatefile's ${...} inside JSON strings are pipeline tokens to the model: unknown.
    loaded = load_text(document.text, document.path)
    return loaded if loaded.root is not None else None


def parse_json(text: str, offsets: list[int], home: Document) -> Document | None:
    """JSON text whose characters are written at ``offsets`` of ``home``: a
    document over ``home``'s text whose nodes are placed there."""
    loaded = load_text(text, home.path)
    if loaded.root is None:
        return None
    last = len(offsets) - 1
    moved: set[int] = set()
    for node in walk(loaded.root):
        keys = [key for key, _ in node.members] if isinstance(node, JsonObject) else []
        for item in (node, *keys):
            if id(item) in moved:
                continue
            moved.add(id(item))
            start = offsets[min(item.start, last)]
            end = offsets[min(max(item.end - 1, item.start), last)] + 1 if item.end > item.start else start
            item.start, item.end = start, max(start, end)
    return Document(home.path, home.text, root=loaded.root, duplicates=loaded.duplicates)


def _json_with_tokens(pieces: list[Piece]) -> tuple[str, list[int]]:
    """The heredoc's JSON, each unknown interpolation a token that keeps it JSON."""
    chars: list[str] = []
    offsets: list[int] = []
    in_string = False
    escaped = False
    after_hole = False
    for piece in pieces:
        if isinstance(piece, Hole):
            if in_string:
                chars.append(_TOKEN)
                offsets += [piece.start] * len(_TOKEN)
            elif not after_hole:
                chars.append(f'"{_TOKEN}"')
                offsets += [piece.start] * (len(_TOKEN) + 2)
            after_hole = not in_string
            continue
        text, places = piece
        if after_hole and not text.strip():
            offsets += places
            chars.append(text)
            continue
        after_hole = False
        for char in text:
            if escaped:
                escaped = False
            elif char == "\\" and in_string:
                escaped = True
            elif char == '"':
                in_string = not in_string
        chars.append(text)
        offsets += places
    text = "".join(chars)
    offsets.append(offsets[-1] + 1 if offsets else 0)
    return text, offsets


def parameter_values(attribute: Node | None, file: HclFile, evaluator: Evaluator, env: Env) -> ParameterValues | None:
    """``parameters_content = jsonencode({name = {value = ...}})`` as the
    deployment's parameter values; not known: every parameter unknown."""
    from aiblint.frontends.terraform.lower import _jsonencode_argument

    if attribute is None:
        return None
    encoded = _jsonencode_argument(attribute.children[-1], file)
    value = evaluator.value(encoded, file, env) if encoded is not None else None
    if not isinstance(value, JsonObject):
        return ParameterValues([ParameterFile(file.document, {}, "parameters_content is not known statically")])
    bindings: dict[str, Binding] = {}
    for name, entry in value.items():
        given = entry.get("value") if isinstance(entry, JsonObject) else None
        bindings[name.casefold()] = Binding(given, getattr(given, "document", file.document)) if given is not None \
            else Binding(None, file.document)
    return ParameterValues([ParameterFile(file.document, bindings)])
