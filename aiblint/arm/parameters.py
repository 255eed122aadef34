"""Parameters files: the values a deployment gives a template's parameters.

Like ``az deployment group create --parameters a.json --parameters b.json``:
files given on the command line apply in order, a later file's value winning.
Without them, ``x.json`` is paired with ``x.parameters.json`` beside it, or
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
from dataclasses import dataclass, field

from aiblint.arm.scope import Binding
from aiblint.document import Document
from aiblint.jsontree import JsonObject
from aiblint.loader import load_bytes


@dataclass
class ParameterFile:
    document: Document
    bindings: dict[str, Binding]  # case-folded name -> value
    problem: str | None = None  # why it cannot be used (not JSON, not an object)


@dataclass
class ParameterValues:
    """The merged values of one or more parameters files."""

    files: list[ParameterFile] = field(default_factory=list)

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
        problem = document.problem.message if document.problem is not None else "cannot be read"
        return ParameterFile(document, {}, f"not valid JSON: {problem}")
    if not isinstance(root, JsonObject):
        return ParameterFile(document, {}, "not a JSON object")
    section = root.get("parameters")
    entries = section if isinstance(section, JsonObject) else root
    bindings: dict[str, Binding] = {}
    for name, entry in entries.items():
        if not isinstance(entry, JsonObject):
            continue
        if "value" in entry:
            bindings[name.casefold()] = Binding(entry.get("value"), document)
        elif "reference" in entry:
            bindings[name.casefold()] = Binding(None, document)
    return ParameterFile(document, bindings)

def merge(files: Sequence[ParameterFile]) -> ParameterValues | None:
    return ParameterValues(list(files)) if files else None
