"""The Bicep front end: ``.bicep`` (and ``.bicepparam``) -> the positioned tree.

Parsing is tree-sitter-bicep (:mod:`aiblint.bicep.syntax`); evaluation and
lowering are :mod:`aiblint.bicep.lower`. A syntax error is one AIB001 problem
at its place and nothing else is read (what follows it could be misread);
syntax newer than the grammar (spread ``...``, nullable types ``?``) is
skipped, said once (an AIB001 note), and the rest of the file is linted.

Parameter values come from a ``.bicepparam`` beside the template whose
``using`` names it, else from the JSON parameters file paired by name
(``x.parameters.json``); files are read only inside the repository (as a
``scriptUri`` is resolved).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from aiblint.bicep.lower import BicepEvaluator, Loader, Lowering, Shared, body_of, is_image_template
from aiblint.bicep.syntax import Source, comments, decode_string, issues
from aiblint.document import Document, ReadProblem, UnusableFile
from aiblint.jsontree import JsonNode, JsonObject, JsonScalar, JsonString, MappedString, walk
from aiblint.loader import MAX_FILE_BYTES

if TYPE_CHECKING:
    from tree_sitter import Node

PARAMS_SUFFIX = ".bicepparam"


def looks_like_template(data: bytes) -> bool:
    """An image template resource, or a call of the module that creates one."""
    lower = data.lower()
    return b"microsoft.virtualmachineimages/imagetemplates" in lower or b"image-template" in lower


def load_bytes(data: bytes, path: str) -> Document:
    """Decode, parse and lower one Bicep file. Never raises for bad input."""
    if len(data) > MAX_FILE_BYTES:
        message = f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: aiblint does not read it"
        return Document(path, "", problem=ReadProblem("too-large", message, 0), language="bicep")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        text = data.decode("utf-8-sig", errors="replace")
        message = f"file is not UTF-8: byte 0x{data[error.start]:02x} cannot start or continue a UTF-8 character (Bicep files are UTF-8)"
        return Document(path, text, problem=ReadProblem("syntax", message, len(data[: error.start].decode("utf-8", "replace"))), language="bicep")
    return load_text(text, path)


def load_text(text: str, path: str) -> Document:
    document = Document(path, text, language="bicep")
    if "\x00" in text:
        document.problem = ReadProblem("syntax", "file is binary (it contains a NUL byte), not Bicep", text.find("\x00"))
        return document
    source = Source(_as_template(text) if path.lower().endswith(PARAMS_SUFFIX) else text)
    found = issues(source)
    errors = [issue for issue in found if not issue.gap]
    if errors:
        first = errors[0]
        document.problem = ReadProblem("syntax", first.message, first.start, first.end)
        return document
    if found:
        first = found[0]
        more = f" (and {len(found) - 1} more place{'s' if len(found) > 2 else ''})" if len(found) > 1 else ""
        message = (f"Bicep syntax this version of aiblint does not read: {first.message}; "
                   f"skipped here{more}, the rest of the file is linted")
        document.problem = ReadProblem("skipped", message, first.start, first.end)
    if "aiblint" in text:  # suppression comments (// aiblint: ignore[...]); none without the word
        document.comments = comments(source)
    document.root = JsonObject(0, len(text))
    if not path.lower().endswith(PARAMS_SUFFIX):
        _lower_templates(source, document)
    return document


def _as_template(text: str) -> str:
    """A ``.bicepparam`` read with the template grammar: ``param x = v`` is written
    ``var   x = v`` (same length, so every offset stays), ``using`` is kept."""
    lines = text.split("\n")
    out = []
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith("param ") or stripped.startswith("param\t"):
            indent = len(line) - len(stripped)
            line = line[:indent] + "var  " + stripped[5:]
        out.append(line)
    return "\n".join(out)


def _lower_templates(source: Source, document: Document) -> None:
    from aiblint.bicep.avm import module_template

    assert document.root is not None
    shared = Shared()
    loader = _file_loader(document.path)
    lowering = Lowering(source, document, shared, loader, _parameters(document.path, shared, loader))
    resources = JsonObject(0, len(source.text))
    for name, declaration in lowering.names.resources.items():
        type_node = next((child for child in declaration.named_children if child.type == "string"), None)
        literal = decode_string(source, type_node).literal if type_node is not None else None
        if type_node is None or literal is None or not is_image_template(literal.partition("@")[0]):
            continue
        resource = _resource(lowering, declaration, type_node, literal)
        if resource is not None:
            _member(resources, lowering, declaration.named_children[0], name, resource)
    for name, declaration in lowering.names.modules.items():
        resource = module_template(lowering, declaration)
        if resource is not None:
            _member(resources, lowering, declaration.named_children[0], name, resource)
    assert isinstance(document.root, JsonObject)
    _member(document.root, None, None, "resources", resources)
    document.evaluator = BicepEvaluator(document, shared)
    document.read_files = list(shared.files)
    document.unusable_parameters = list(shared.unusable)


def _member(holder: JsonObject, lowering: Lowering | None, key_node: Node | None, name: str, value: JsonNode) -> None:
    start = end = 0
    if lowering is not None and key_node is not None:
        start, end = lowering.source.span(key_node)
    key = JsonString(start, end, name)
    value.parent = holder
    value.key = name
    holder.add(key, value)


def _resource(lowering: Lowering, declaration: Node, type_node: Node, literal: str) -> JsonObject | None:
    """The resource object: ``type`` and ``apiVersion`` from the type string, then the body's members."""
    body_node = body_of(declaration)
    if body_node is None:
        return None
    start, end = lowering.source.span(declaration)
    type_start, type_end = lowering.source.span(type_node)
    kind, _, version = literal.partition("@")
    resource = JsonObject(start, end)
    first = type_start + 1
    split = first + len(kind)
    _add_string(lowering, resource, "type", kind, first, split, type_start, type_end)
    if version:
        _add_string(lowering, resource, "apiVersion", version, split + 1, split + 1 + len(version), type_start, type_end)
    if any(child.type == "existing" for child in declaration.children):
        flag = lowering._made(JsonScalar(start, end, True), True)
        key = lowering._made(JsonString(start, end, "existing"), "existing")
        assert isinstance(key, JsonString)
        flag.parent, flag.key = resource, "existing"
        resource.add(key, flag)
    body = lowering.lower(body_node)
    if isinstance(body, JsonObject):
        for key, child in list(body.members):
            if key.text == "parent":
                continue  # Bicep's own: the parent resource, not part of the body ARM receives
            child.parent = resource
            resource.add(key, child)
    lowering.shared.keep.append(resource)
    lowering.shared.values[id(resource)] = lowering.value(body) if isinstance(body, JsonObject) else None
    return resource


def _add_string(lowering: Lowering, holder: JsonObject, name: str, value: str, start: int, end: int, key_start: int, key_end: int) -> None:
    node = lowering._made(MappedString(start - 1, end + 1, value, [*range(start, end), end]), value)
    key = lowering._made(JsonString(key_start, key_end, name), name)
    assert isinstance(key, JsonString)
    node.parent, node.key = holder, name
    holder.add(key, node)


# -- files ---------------------------------------------------------------------------------


def _file_loader(display: str) -> Loader:
    """Reads a file named relative to the template, inside its repository only (as a
    relative ``scriptUri`` is resolved); a string is why it was not read."""

    def load(name: str) -> tuple[Path, Document, bytes] | str:
        from aiblint.bicep.lower import relative_file
        from aiblint.scripts.resolve import read_script, resolve_uri

        if display.startswith("<"):
            return "read from standard input"
        relative = relative_file(name)
        if relative is None:
            return "an absolute path"
        resolution = resolve_uri(relative.as_posix(), display)
        if not resolution.readable or resolution.path is None or resolution.status != "local":
            return resolution.reason or "not found"
        script = read_script(resolution.path)
        if script.error:
            return script.error
        return resolution.path, script.document, script.data

    return load


def _parameters(display: str, shared: Shared, loader: Loader) -> dict[str, Callable[[], JsonNode]]:
    """Values for the template's params: its ``.bicepparam``, else its JSON parameters file."""
    from aiblint.bicep.pairing import PARAMS_SUFFIX as PAIRED_BICEPPARAM
    from aiblint.bicep.pairing import paired_parameters
    from aiblint.scripts.settings import current_settings

    if display.startswith("<"):
        return {}
    paired = paired_parameters(current_settings().cwd / display)
    if paired is None:
        return {}
    if paired.name.lower().endswith(PAIRED_BICEPPARAM):
        return _bicepparam_values(paired, shared, loader)
    return _json_values(paired, shared)


def _bicepparam_values(path: Path, shared: Shared, loader: Loader) -> dict[str, Callable[[], JsonNode]]:
    from aiblint.discover import display_path
    from aiblint.scripts.settings import current_settings

    text = path.read_bytes()[:MAX_FILE_BYTES].decode("utf-8-sig", "replace")
    document = Document(display_path(path, current_settings().cwd.resolve()), text, language="bicep")
    source = Source(_as_template(text))
    broken = next((issue for issue in issues(source) if not issue.gap), None)
    if broken is not None:
        shared.files.append(path)
        shared.unusable.append(UnusableFile(document, f"not valid Bicep: {broken.message.removeprefix('Bicep syntax error: ')}", broken.start, broken.end))
        return {}
    shared.files.append(path)
    lowering = Lowering(source, document, shared, loader)
    values: dict[str, Callable[[], JsonNode]] = {}
    for name in lowering.names.variables:
        values[name] = _given(lowering, name, document)
    return values


def _given(lowering: Lowering, name: str, document: Document) -> Callable[[], JsonNode]:
    def make() -> JsonNode:
        node = lowering.lower(lowering.names.variables[name])
        lowering.shared.owners.setdefault(id(node), document)
        return node

    return make


def _json_values(path: Path, shared: Shared) -> dict[str, Callable[[], JsonNode]]:
    from aiblint.arm.parameters import read_parameter_file, unusable
    from aiblint.discover import display_path
    from aiblint.loader import read_file
    from aiblint.scripts.settings import current_settings

    try:
        file = read_parameter_file(read_file(path), display_path(path, current_settings().cwd.resolve()))
    except OSError:
        return {}
    shared.files.append(path)
    shared.unusable += unusable(file)
    parsed = file.document
    section = parsed.root.get("parameters") if isinstance(parsed.root, JsonObject) and file.problem is None else None
    if not isinstance(section, JsonObject):
        return {}
    values: dict[str, Callable[[], JsonNode]] = {}
    for name, entry in section.items():
        value = entry.get("value") if isinstance(entry, JsonObject) else None
        if value is not None:
            values[name] = _json_given(value, parsed, shared)
    return values


def _json_given(node: JsonNode, document: Document, shared: Shared) -> Callable[[], JsonNode]:
    shared.keep.extend(walk(node))
    shared.owners[id(node)] = document
    return lambda: node  # the caller copies it (a value used twice is two nodes)
