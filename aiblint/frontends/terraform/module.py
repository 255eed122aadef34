"""The Terraform module a file belongs to: the ``.tf`` and ``.tfvars`` files of its folder.

Terraform reads every ``.tf`` file of a folder as one module, so a resource in
``main.tf`` may take its body from ``locals.tf`` and its inputs from
``variables.tf`` and ``terraform.tfvars``. Only this folder is read: a module
call's source, a remote state or a provider is not.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aiblint.document import Document
from aiblint.frontends.terraform.syntax import (
    HclFile,
    attribute_name,
    attribute_value,
    attributes,
    block_body,
    block_labels,
    block_type,
    body_items,
)
from aiblint.loader import MAX_FILE_BYTES
from aiblint.record import MutableRecord

if TYPE_CHECKING:
    from tree_sitter import Node

#: A folder with more files than this is not a module anyone writes by hand.
MAX_FILES = 200


class Declared(MutableRecord):
    """Where a name is declared: the node and the file it is in."""

    __slots__ = ("node", "file")  # noqa: RUF023 - in field order
    node: Node
    file: HclFile

    def __init__(self, node: Node, file: HclFile) -> None:
        self.node = node
        self.file = file


class Module(MutableRecord):
    """A Terraform module: its files, variables, values and locals."""

    __slots__ = (  # noqa: RUF023 - in field order
        "main", "folder", "files", "variables", "values", "locals", "resources", "read",
    )
    main: HclFile
    folder: Path | None  # None: standard input without a file name
    files: list[HclFile]
    variables: dict[str, Declared]  # variable blocks
    values: dict[str, list[Declared]]  # .tfvars assignments
    locals: dict[str, Declared]
    resources: dict[tuple[str, str], Declared]  # ("azapi_resource", "x"); data as "data.x"
    read: list[Path]  # what was read besides the main file (the cache checks it)

    def __init__(
        self,
        main: HclFile,
        folder: Path | None,
        files: list[HclFile] | None = None,
        variables: dict[str, Declared] | None = None,
        values: dict[str, list[Declared]] | None = None,
        locals: dict[str, Declared] | None = None,
        resources: dict[tuple[str, str], Declared] | None = None,
        read: list[Path] | None = None,
    ) -> None:
        self.main = main
        self.folder = folder
        self.files = [] if files is None else files
        self.variables = {} if variables is None else variables
        self.values = {} if values is None else values
        self.locals = {} if locals is None else locals
        self.resources = {} if resources is None else resources
        self.read = [] if read is None else read

    @classmethod
    def of(cls, main: HclFile, path: Path | None) -> Module:
        module = cls(main, path.parent if path is not None else None)
        module.files.append(main)
        if module.folder is not None:
            module._read_folder(path)
        for file in module.files:
            module._declare(file)
        return module

    @classmethod
    def called(cls, folder: Path, display: str) -> Module | None:
        """The module a ``module`` block's local ``source`` names (``display``: its
        folder as paths are shown); ``None`` when it holds no ``.tf`` file."""
        module = cls(HclFile.parse(Document(f"{display}/", "")), folder)
        module.files.clear()
        module._read_folder(None, display)
        if not module.files:
            return None
        module.main = module.files[0]
        module.values.clear()  # Terraform reads .tfvars files for the root module only
        for file in module.files:
            if not file.document.path.endswith(".tfvars"):
                module._declare(file)
        return module

    def _read_folder(self, main_path: Path | None, display: str | None = None) -> None:
        assert self.folder is not None
        try:
            names = sorted(entry.name for entry in self.folder.iterdir())
        except OSError:
            return
        for name in names[: MAX_FILES * 4]:
            path = self.folder / name
            if main_path is not None and name == main_path.name:
                continue
            if not name.endswith((".tf", ".tfvars")) or not path.is_file() or len(self.files) > MAX_FILES:
                continue
            if not path.resolve().is_relative_to(self.folder.resolve()):
                continue  # a link out of the folder (a credentials file) is not the module's to read
            shown = f"{display}/{name}" if display else _display_beside(self.main.document.path, name)
            document = _load(path, shown.removeprefix("./"))
            if document is not None:
                self.read.append(path)
                self.files.append(HclFile.parse(document))

    def _declare(self, file: HclFile) -> None:
        if file is not self.main and file.document.problem is not None:
            return  # not valid HCL: what it declares is not known (Terraform refuses the module)
        if file.document.path.endswith(".tfvars"):
            for item in body_items(file.root):
                if item.type == "attribute":
                    self.values.setdefault(attribute_name(item, file), []).append(Declared(attribute_value(item), file))
            return
        for item in body_items(file.root):
            if item.type != "block":
                continue
            kind, labels = block_type(item, file), block_labels(item, file)
            if kind == "variable" and labels:
                self.variables.setdefault(labels[0], Declared(item, file))
            elif kind == "locals":
                for name, attribute in attributes(block_body(item), file).items():
                    self.locals.setdefault(name, Declared(attribute_value(attribute), file))
            elif kind == "resource" and len(labels) >= 2:
                self.resources.setdefault((labels[0], labels[1]), Declared(item, file))
            elif kind == "data" and len(labels) >= 2:
                self.resources.setdefault(("data." + labels[0], labels[1]), Declared(item, file))


def _display_beside(display: str, name: str) -> str:
    head, slash, _ = display.rpartition("/")
    return f"{head}{slash}{name}" if slash else name


def _load(path: Path, display: str) -> Document | None:
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_FILE_BYTES:
        return None
    try:
        return Document(display, data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return None
