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
from pathlib import Path

from aiblint.arm.scope import Binding
from aiblint.document import Document
from aiblint.jsontree import JsonObject
from aiblint.loader import load_bytes

PAIRED_SUFFIX = ".parameters.json"
SHARED_NAME = "azuredeploy.parameters.json"


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


def paired_file(template: Path) -> Path | None:
    """``x.parameters.json`` beside ``x.json``, else the folder's ``azuredeploy.parameters.json``."""
    name = template.name.lower()
    if name.endswith(PAIRED_SUFFIX) or not name.endswith((".json", ".jsonc")):
        return None
    stem = template.name.rsplit(".", 1)[0]
    own = template.with_name(stem + PAIRED_SUFFIX)
    if own.is_file():
        return own
    shared = template.with_name(SHARED_NAME)
    if shared.is_file() and _only_template_in_folder(template):
        return shared
    return None


def _only_template_in_folder(template: Path) -> bool:
    """``azuredeploy.parameters.json`` belongs to the folder's one template; beside
    several, it is not known which it feeds, and a guess could raise false alarms."""
    try:
        others = [
            entry for entry in template.parent.iterdir()
            if entry.name.lower().endswith((".json", ".jsonc"))
            and not entry.name.lower().endswith(PAIRED_SUFFIX)
            and entry.name != template.name
        ]
    except OSError:
        return False
    return not others


def merge(files: Sequence[ParameterFile]) -> ParameterValues | None:
    return ParameterValues(list(files)) if files else None
