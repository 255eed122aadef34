"""Terraform's built-in functions, those whose result a template's values need.

Each takes the evaluated arguments (positioned values) and returns a
positioned value: a member or element that comes through unchanged keeps its
place (``merge`` keeps every member where it is written), a computed value
is placed at the call. An unknown argument makes an unknown result, except
where the function keeps what is known (``merge`` of an unknown map is
unknown, ``concat`` of an unknown list too: their members cannot be listed).
Functions not here are unknown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from aiblint.document import Document
from aiblint.frontends.terraform.evaluate import Evaluator, _detach, _hcl_text, plain
from aiblint.frontends.terraform.nodes import TfArray, TfObject, TfScalar, TfString, TfUnknown
from aiblint.jsontree import JsonArray, JsonNode, JsonObject
from aiblint.values import Unknown

if TYPE_CHECKING:
    from tree_sitter import Node

    from aiblint.frontends.terraform.syntax import HclFile

Function = Callable[[Evaluator, "Node", "HclFile", list[JsonNode]], JsonNode]
_FORMAT = re.compile(r"%(?:%|[-+ #0]*\d*(?:\.\d+)?([sdfqvt]))")


def _merge(evaluator: Evaluator, node: Node, file: HclFile, arguments: list[JsonNode]) -> JsonNode:
    result = TfObject(file.start(node), file.end(node), file.document)
    for argument in arguments:
        if isinstance(argument, TfScalar) and argument.value is None:
            continue
        if not isinstance(argument, JsonObject):
            return evaluator.unknown(node, file)
        for key, value in list(argument.members):
            if key.text in result:  # a later map wins, as Terraform merges
                result.members = [(k, v) for k, v in result.members if k.text != key.text]
                result._index = {k.text: index for index, (k, _) in enumerate(result.members)}
            result.put(key, value)
    return result


def _concat(evaluator: Evaluator, node: Node, file: HclFile, arguments: list[JsonNode]) -> JsonNode:
    result = TfArray(file.start(node), file.end(node), file.document)
    for argument in arguments:
        if not isinstance(argument, JsonArray):
            return evaluator.unknown(node, file)
        for item in list(argument.items):
            result.append(item)
    return result


def _string_function(action: Callable[..., object]) -> Function:
    """A function of plain values that makes a string (or a plain value)."""

    def call(evaluator: Evaluator, node: Node, file: HclFile, arguments: list[JsonNode]) -> JsonNode:
        values = [plain(argument) for argument in arguments]
        if any(isinstance(value, Unknown) for value in values):
            return evaluator.unknown(node, file)
        try:
            result = action(*values)
        except (TypeError, ValueError, IndexError, KeyError, OverflowError):
            return evaluator.unknown(node, file)
        return _placed(evaluator, node, file, result)

    return call


def _placed(evaluator: Evaluator, node: Node, file: HclFile, result: object) -> JsonNode:
    start, end = file.start(node), file.end(node)
    if isinstance(result, str):
        return TfString(start, end, result, file.document)
    if result is None or isinstance(result, (bool, int, float)):
        return TfScalar(start, end, result, file.document)
    if isinstance(result, list):
        array = TfArray(start, end, file.document)
        for item in result:
            array.append(_placed(evaluator, node, file, item))
        return array
    if isinstance(result, dict):
        obj = TfObject(start, end, file.document)
        for name, item in result.items():
            obj.put(TfString(start, end, str(name), file.document), _placed(evaluator, node, file, item))
        return obj
    return evaluator.unknown(node, file)


def _format(pattern: object, *values: object) -> str:
    if not isinstance(pattern, str):
        raise TypeError(pattern)
    queue = list(values)

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "%%":
            return "%"
        if not queue:
            raise ValueError("too few arguments")
        value = queue.pop(0)
        if match.group(1) == "d" and not isinstance(value, (int, float)):
            raise TypeError(value)
        if match.group(1) == "q":
            return json.dumps(value)
        if match.group(1) in ("s", "v") and not isinstance(value, (str, int, float, bool)):
            raise TypeError(value)
        return _hcl_text(int(value) if match.group(1) == "d" and isinstance(value, float) else value)

    return _FORMAT.sub(one, pattern)


def _jsonencode(evaluator: Evaluator, node: Node, file: HclFile, arguments: list[JsonNode]) -> JsonNode:
    if len(arguments) != 1:
        return evaluator.unknown(node, file)
    value = plain(arguments[0])
    if isinstance(value, Unknown):
        return evaluator.unknown(node, file)
    return TfString(file.start(node), file.end(node), json.dumps(value, separators=(",", ":")), file.document)


def _file(evaluator: Evaluator, node: Node, file: HclFile, arguments: list[JsonNode]) -> JsonNode:
    """``file("x.sh")``: the file's text, each character where it is written in that file."""
    name = plain(arguments[0]) if arguments else None
    document = evaluator.read_file(name, file) if isinstance(name, str) else None
    if document is None:
        return evaluator.unknown(node, file)
    return TfString(0, len(document.text), document.text, document, list(range(len(document.text) + 1)))


def _templatefile(evaluator: Evaluator, node: Node, file: HclFile, arguments: list[JsonNode]) -> JsonNode:
    """``templatefile("x.tpl", {...})``: the file when it has no template
    sequences, else the file with each simple ``${name}`` filled from the
    known variables (the rest unknown)."""
    name = plain(arguments[0]) if arguments else None
    document = evaluator.read_file(name, file) if isinstance(name, str) else None
    if document is None:
        return evaluator.unknown(node, file)
    text = document.text
    if "${" not in text and "%{" not in text:
        return TfString(0, len(text), text, document, list(range(len(text) + 1)))
    variables = arguments[1] if len(arguments) > 1 else None
    if not isinstance(variables, JsonObject) or _MARKER in text:
        return evaluator.unknown(node, file)
    made = _template_file(evaluator, document, dict(variables.items()))
    return made if made is not None else evaluator.unknown(node, file)


_MARKER = "AIBLINT_TEMPLATE_END"


def _template_file(evaluator: Evaluator, document: Document, variables: dict[str, JsonNode]) -> JsonNode | None:
    """A template file read as Terraform reads it: parsed as the text of a heredoc
    (tree-sitter reads no bare template), its characters placed in the file."""
    from aiblint.frontends.terraform.syntax import HclFile

    head = f"x = <<{_MARKER}\n"
    wrapped = head + document.text + ("" if document.text.endswith("\n") else "\n") + _MARKER + "\n"
    parsed = HclFile.parse(Document(document.path, wrapped))
    if parsed.document.problem is not None or parsed.root is None or not parsed.root.children:
        return None
    attribute = parsed.root.children[0].children[0] if parsed.root.children[0].children else None
    if attribute is None or attribute.type != "attribute":
        return None
    value = evaluator.value(attribute.children[-1], parsed, variables)
    return _moved(value, len(head), document, len(document.text))


def _moved(value: JsonNode, shift: int, document: Document, size: int) -> JsonNode | None:
    """A template's value, placed in the template file rather than in its wrapper
    (without the line end the wrapper added after a last line that had none)."""
    added = not document.text.endswith("\n")

    def placed(text: str, offsets: list[int]) -> TfString:
        moved = [min(max(offset - shift, 0), size) for offset in offsets]
        if added and text.endswith("\n"):
            text, moved = text[:-1], moved[:-2] + moved[-1:]
        return TfString(0, size, text, document, moved)

    if isinstance(value, TfString):
        return placed(value.text, value.offsets)
    if isinstance(value, TfUnknown):
        unknown = TfUnknown(0, size, value.text, document, value.partial)
        if value.masked is not None:
            stand_in, masks = value.masked
            unknown.masked = (placed(stand_in.text, stand_in.offsets), masks)
        return unknown
    return None


def _split(evaluator: Evaluator, node: Node, file: HclFile, arguments: list[JsonNode]) -> JsonNode:
    """``split(sep, text)``: each piece keeps where its characters are written."""
    if len(arguments) != 2 or not isinstance(arguments[0], TfString) or not isinstance(arguments[1], TfString):
        return evaluator.unknown(node, file)
    separator, whole = arguments[0].text, arguments[1]
    if not separator:
        return evaluator.unknown(node, file)
    result = TfArray(file.start(node), file.end(node), file.document)
    position = 0
    for piece in whole.text.split(separator):
        offsets = whole.offsets[position : position + len(piece) + 1]
        start = offsets[0] if offsets else whole.start
        result.append(TfString(start, offsets[-1] if offsets else start, piece, whole.document, offsets))
        position += len(piece) + len(separator)
    return result


def _coalesce(evaluator: Evaluator, node: Node, file: HclFile, arguments: list[JsonNode]) -> JsonNode:
    for argument in arguments:
        if isinstance(argument, TfUnknown):
            return evaluator.unknown(node, file)
        if isinstance(argument, TfScalar) and argument.value is None:
            continue
        if isinstance(argument, TfString) and argument.text == "":
            continue
        return _detach(argument)
    return evaluator.unknown(node, file)


def _try(evaluator: Evaluator, node: Node, file: HclFile, arguments: list[JsonNode]) -> JsonNode:
    """``try(a, b)``: ``a`` when it is known (it did not fail), else not known."""
    if arguments and not isinstance(arguments[0], TfUnknown):
        return _detach(arguments[0])
    return evaluator.unknown(node, file)


def _lookup(evaluator: Evaluator, node: Node, file: HclFile, arguments: list[JsonNode]) -> JsonNode:
    if len(arguments) in (2, 3) and isinstance(arguments[0], JsonObject) and isinstance(arguments[1], TfString):
        found = arguments[0].get(arguments[1].text)
        if found is not None:
            return _detach(found)
        if len(arguments) == 3:
            return _detach(arguments[2])
    return evaluator.unknown(node, file)


def _identity(evaluator: Evaluator, node: Node, file: HclFile, arguments: list[JsonNode]) -> JsonNode:
    """tolist, toset, tomap, tostring...: the value itself (as far as a template cares)."""
    return _detach(arguments[0]) if len(arguments) == 1 else evaluator.unknown(node, file)


def _flatten(evaluator: Evaluator, node: Node, file: HclFile, arguments: list[JsonNode]) -> JsonNode:
    if len(arguments) != 1 or not isinstance(arguments[0], JsonArray):
        return evaluator.unknown(node, file)
    result = TfArray(file.start(node), file.end(node), file.document)
    stack = list(reversed(arguments[0].items))
    while stack:
        item = stack.pop()
        if isinstance(item, TfUnknown):
            return evaluator.unknown(node, file)
        if isinstance(item, JsonArray):
            stack.extend(reversed(item.items))
        else:
            result.append(_detach(item))
    return result


def _compact(evaluator: Evaluator, node: Node, file: HclFile, arguments: list[JsonNode]) -> JsonNode:
    if len(arguments) != 1 or not isinstance(arguments[0], JsonArray):
        return evaluator.unknown(node, file)
    result = TfArray(file.start(node), file.end(node), file.document)
    for item in list(arguments[0].items):
        if isinstance(item, TfUnknown):
            return evaluator.unknown(node, file)
        if not (isinstance(item, TfString) and item.text == "") and not (isinstance(item, TfScalar) and item.value is None):
            result.append(_detach(item))
    return result


def _length(value: object) -> int:
    if isinstance(value, (str, list, dict)):
        return len(value)
    raise TypeError(value)


def _join(separator: object, *lists: object) -> str:
    items = [item for values in lists if isinstance(values, list) for item in values]
    if not isinstance(separator, str) or any(not isinstance(item, (str, int, float)) for item in items):
        raise TypeError(separator)
    return separator.join(_hcl_text(item) for item in items)


def _replace(text: object, old: object, new: object) -> str:
    if not all(isinstance(value, str) for value in (text, old, new)):
        raise TypeError(text)
    assert isinstance(text, str) and isinstance(old, str) and isinstance(new, str)
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        return re.sub(old[1:-1], new.replace("$", "\\"), text)
    return text.replace(old, new)


def _text(action: Callable[[str], object]) -> Callable[[object], object]:
    def call(value: object) -> object:
        if not isinstance(value, str):
            raise TypeError(value)
        return action(value)

    return call


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(value)  # Terraform rejects it: not known what it means
    return value


def _list(value: object) -> list[object]:
    if not isinstance(value, list):
        raise TypeError(value)
    return value


def _dict(value: object) -> dict[str, object]:
    if not isinstance(value, dict):
        raise TypeError(value)
    return value


FUNCTIONS: dict[str, Function] = {
    "merge": _merge,
    "concat": _concat,
    "jsonencode": _jsonencode,
    "file": _file,
    "templatefile": _templatefile,
    "split": _split,
    "coalesce": _coalesce,
    "try": _try,
    "lookup": _lookup,
    "tolist": _identity,
    "toset": _identity,
    "tomap": _identity,
    "flatten": _flatten,
    "compact": _compact,
    "lower": _string_function(_text(str.lower)),
    "upper": _string_function(_text(str.upper)),
    "trimspace": _string_function(_text(str.strip)),
    "chomp": _string_function(_text(lambda text: text.rstrip("\r\n"))),
    "tostring": _string_function(lambda value: value if isinstance(value, str) else _hcl_text(value)),
    "format": _string_function(_format),
    "join": _string_function(_join),
    "replace": _string_function(_replace),
    "length": _string_function(_length),
    "startswith": _string_function(lambda text, prefix: _str(text).startswith(_str(prefix))),
    "endswith": _string_function(lambda text, suffix: _str(text).endswith(_str(suffix))),
    "strcontains": _string_function(lambda text, part: _str(part) in _str(text)),
    "contains": _string_function(lambda values, value: value in _list(values)),
    "keys": _string_function(lambda value: sorted(_dict(value))),
}
