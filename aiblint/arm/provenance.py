"""Where a rejected value was written, and which template fields it flows into.

:meth:`aiblint.model.ImageTemplate.resolve` answers with the place a value is
written (a parameter default, a parameters-file entry, a variable) and records
the template field that asked. The engine uses these two functions to report a
finding in the right file and to name the field it concerns.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from aiblint.arm.pairing import paired_file
from aiblint.arm.parameters import ParameterFile, merge, read_parameter_file, unusable
from aiblint.arm.scope import ArmContext
from aiblint.config import Config
from aiblint.discover import display_path
from aiblint.document import Document
from aiblint.jsontree import JsonNode
from aiblint.loader import read_file
from aiblint.model import ImageTemplate


def owner_document(node: JsonNode, template: ImageTemplate) -> Document | None:
    """The document ``node`` belongs to: the template's own, a bound parameters
    file, the file a front end's node says it is written in, or a file the
    template's own evaluator read (a Bicep ``loadJsonContent``)."""
    written: Document | None = getattr(node, "document", None)
    if written is not None:
        return written
    evaluator = template.document.evaluator
    if evaluator is not None:
        return evaluator.owner(node) or template.document
    root = node
    while root.parent is not None:
        root = root.parent
    if template.document.root is root:
        return template.document
    values = template.arm.parameter_values if template.arm is not None else None
    for document in values.documents if values is not None else []:
        if document.root is root:
            return document
    return None


def flows_into(node: JsonNode, template: ImageTemplate) -> list[JsonNode]:
    """Template fields whose value came unchanged from ``node`` (first seen first,
    no repeats), or else whose whole value (an object or array) holds it: the
    nearest such place above ``node``."""
    if not template.flows and not template.embeds:
        return []  # no value came from elsewhere (asked for every finding)
    current: JsonNode | None = node
    while current is not None:
        fields: list[JsonNode] = []
        for field in template.flows.get(id(current), []):
            if field not in fields:
                fields.append(field)
        if fields:
            return fields
        used = template.embeds.get(id(current))
        if used is not None:
            return [used]
        current = current.parent
    return []


def describe_flow(fields: Sequence[JsonNode], template_document: Document, finding_document: Document) -> str:
    """``(value used by resources[0].location at line 12)``: what a finding at a
    parameter default or parameters-file entry is about."""
    places = []
    for field in fields[:3]:
        where = template_document.position(field.start)
        at = f"line {where.line}" if template_document is finding_document else f"{template_document.path}:{where.line}"
        places.append(f"{field.logical_path()} at {at}")
    more = f" and {len(fields) - 3} more" if len(fields) > 3 else ""
    return f" (value used by {'; '.join(places)}{more})"


def load_explicit(config: Config, cwd: Path) -> tuple[list[ParameterFile], list[tuple[str, str]]]:
    """The configured parameters files in order, and (path, reason) for each
    that cannot be read. Paths are relative to the working directory, or to
    the configuration file that names them."""
    base = cwd
    if config.source is not None and config.origins.get("parameters") == str(config.source):
        base = config.source.parent
    files: list[ParameterFile] = []
    errors: list[tuple[str, str]] = []
    for raw in config.parameters:
        path = base / raw
        display = display_path(path, cwd)
        try:
            data = read_file(path)
        except OSError as error:
            errors.append((display, f"cannot read parameters file: {error.strerror or error}"))
            files.append(ParameterFile(Document(display, ""), {}, "cannot be read"))
            continue
        file = read_parameter_file(data, display)
        if file.problem is not None:
            errors.append((display, f"parameters file is {file.problem}"))
        files.append(file)
    return files, errors


def bind(document: Document, templates: Sequence[ImageTemplate], explicit: Sequence[ParameterFile], source: Path | None, display: str) -> None:
    """Give each deployment-template image template its evaluation context:
    the ``--parameters`` files, or else the file paired with ``source``."""
    if not any(template.arm_template is not None for template in templates):
        return
    files = list(explicit)
    if not files and source is not None:
        paired = paired_file(source)
        if paired is not None:
            files = [_read_paired(paired, display)]
            document.unusable_parameters = unusable(files[0])
    context = ArmContext(document, merge(files))
    for template in templates:
        if template.arm_template is not None:
            template.arm = context


def _read_paired(path: Path, template_display: str) -> ParameterFile:
    """The paired file (its problem, if any, is reported by AIB008 in it)."""
    display = str(Path(template_display).with_name(path.name).as_posix())
    try:
        # Found by its name, not named by the user: a link out of the template's
        # folder (to a credentials file, a device) is not followed.
        if not path.resolve().is_relative_to(path.parent.resolve()):
            return ParameterFile(Document(display, ""), {}, "a link out of the template's folder, not followed",
                                 outside=True)
        return read_parameter_file(read_file(path), display)
    except (OSError, RuntimeError) as error:  # RuntimeError: a symbolic link loop
        reason = error.strerror if isinstance(error, OSError) and error.strerror else "cannot be read"
        return ParameterFile(Document(display, ""), {}, f"not readable: {reason}")
