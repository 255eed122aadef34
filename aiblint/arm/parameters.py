"""Parameters files: the values a deployment gives a template's parameters.

Each file given on the command line is one deployment (``-p dev.json -p
prod.json``): the engine checks a template once per file, bound to that file
alone. Without them, ``x.json`` is paired with ``x.parameters.json`` beside it, or
else with ``azuredeploy.parameters.json`` when ``x.json`` is the only template
file in that folder. Only parameters
the template declares are ever looked up, so values meant for another
template do no harm.

A file is the deployment parameters document
(``{"$schema": ..., "parameters": {"name": {"value": ...}}}``) or just its
``parameters`` object, as the Azure CLI accepts. A Key Vault ``reference`` is
given but unknown. A file that cannot be read makes every parameter unknown:
what the deployment would get is then not known.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiblint.arm.scope import Binding
from aiblint.document import Document, UnusableFile
from aiblint.jsontree import JsonObject, JsonString
from aiblint.loader import load_bytes
from aiblint.record import MutableRecord


class ParameterFile(MutableRecord):
    """A parameters file and the values it gives."""

    __slots__ = ("document", "bindings", "problem", "problem_at", "outside")  # noqa: RUF023 - in field order
    document: Document
    bindings: dict[str, Binding]  # case-folded name -> value
    problem: str | None  # why it cannot be used (not JSON, not an object)
    problem_at: int  # where in ``document`` (an offset)
    outside: bool  # a link out of the template's folder (never read)

    def __init__(
        self,
        document: Document,
        bindings: dict[str, Binding],
        problem: str | None = None,
        problem_at: int = 0,
        outside: bool = False,
    ) -> None:
        self.document = document
        self.bindings = bindings
        self.problem = problem
        self.problem_at = problem_at
        self.outside = outside


class ParameterValues(MutableRecord):
    """The merged values of one or more parameters files."""

    __slots__ = ("files",)
    files: list[ParameterFile]

    def __init__(self, files: list[ParameterFile] | None = None) -> None:
        self.files = [] if files is None else files

    @property
    def bindings(self) -> dict[str, Binding]:
        merged: dict[str, Binding] = {}
        for file in self.files:
            merged.update(file.bindings)
        return merged

    @property
    def unusable(self) -> bool:
        return any(file.problem is not None for file in self.files)

    @property
    def documents(self) -> list[Document]:
        return [file.document for file in self.files]


def read_parameter_file(data: bytes, display: str) -> ParameterFile:
    document = load_bytes(data, display)
    root = document.root
    if root is None:
        at = document.problem.offset if document.problem is not None else 0
        problem = document.problem.message if document.problem is not None else "cannot be read"
        return ParameterFile(document, {}, f"not valid JSON: {problem} at {_where(document, at)}", at)
    if not isinstance(root, JsonObject):
        return ParameterFile(document, {}, "not a JSON object", root.start)
    if _is_template(root):
        return ParameterFile(document, {}, 'a deployment template (a parameters file gives each parameter {"value": '
                                           "...}): lint the template as a path, and pass its parameters file with -p",
                             root.start)
    section = root.get("parameters")
    if "parameters" in root and not isinstance(section, JsonObject):
        at = section.start if section is not None else root.start
        return ParameterFile(document, {}, f'not usable: "parameters" at {_where(document, at)} is not an object '
                                           'of {"name": {"value": ...}}', at)
    entries = section if isinstance(section, JsonObject) else root
    bindings: dict[str, Binding] = {}
    for name, entry in entries.items():
        if isinstance(entry, JsonObject) and "value" in entry:
            bindings[name.casefold()] = Binding(entry.get("value"), document)
        elif isinstance(entry, JsonObject) and "reference" in entry:
            bindings[name.casefold()] = Binding(None, document)
        elif entries is root and name in _DOCUMENT_KEYS:
            continue
        else:
            return ParameterFile(document, {}, f'not usable: parameter "{name}" at {_where(document, entry.start)} has no '
                                               '"value" (a parameters file gives each parameter {"value": ...})', entry.start)
    return ParameterFile(document, bindings)


#: Keys of a parameters document beside ``parameters``.
_DOCUMENT_KEYS = frozenset({"$schema", "contentVersion"})


def _is_template(root: JsonObject) -> bool:
    """A deployment template (it has resources, or its $schema says so), not a parameters file."""
    schema = root.get("$schema")
    named = isinstance(schema, JsonString) and "deploymenttemplate" in schema.text.casefold()
    return named or "resources" in root


def _where(document: Document, offset: int) -> str:
    position = document.position(offset)
    return f"line {position.line}, column {position.column}"


def unusable(file: ParameterFile) -> list[UnusableFile]:
    """Why a paired ``file`` cannot be used, or the syntax errors read past in it (AIB008)."""
    if file.problem is not None:
        return [UnusableFile(file.document, file.problem, file.problem_at, outside=file.outside)]
    return [UnusableFile(file.document, f"not valid JSON: {problem.message}", problem.offset, problem.end_offset, usable=True)
            for problem in file.document.recovered]


def merge(files: Sequence[ParameterFile]) -> ParameterValues | None:
    return ParameterValues(list(files)) if files else None
