"""The Terraform front end: image templates declared in ``.tf`` files.

:func:`load_terraform` reads one ``.tf`` file (with the other ``.tf`` and
``.tfvars`` files of its folder, the module it belongs to) and returns its
document and the image templates it declares, lowered into the positioned
tree the JSON loader builds (:mod:`.lower`), so that the model and every rule
run unchanged and report at the exact characters of the Terraform source.
``tree_sitter_hcl`` is imported only when a Terraform file is read.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aiblint.document import Document, ReadProblem
from aiblint.lazyre import lazy
from aiblint.loader import MAX_FILE_BYTES, _decode
from aiblint.model import ImageTemplate

if TYPE_CHECKING:
    from aiblint.frontends.terraform.lower import Found

SUFFIXES = (".tf", ".tfvars")


def is_terraform(display: str) -> bool:
    return display.lower().endswith(SUFFIXES)


#: ``source = "./x"`` or ``"../x"``: a module block that calls a local module (which may declare a template).
_LOCAL_MODULE = lazy(rb'\bsource\s*=\s*"\.\.?/')


def looks_like_template(data: bytes) -> bool:
    """A cheap look before parsing: an image template in a ``.tf`` file names its
    type, or the file calls a local module (which is read only if it names it)."""
    return b"icrosoft.virtualmachineimages" in data.lower() or _LOCAL_MODULE().search(data) is not None


def load_terraform(
    data: bytes, display: str, path: Path | None, repository: Path | None
) -> tuple[Document, list[ImageTemplate], list[Path]]:
    """The document of one Terraform file, its image templates and the other
    files read for them (the module's files, files read by ``file()``)."""
    document, found, read = read_terraform(data, display, path, repository)
    return document, [item.template for item in found], read


def read_terraform(
    data: bytes, display: str, path: Path | None, repository: Path | None
) -> tuple[Document, list[Found], list[Path]]:
    """:func:`load_terraform`, each template with the Terraform address that declares it.

    ``path``: where the file is (its folder is the module); ``None`` for text
    without a place. ``repository``: no file outside it is read."""
    if len(data) > MAX_FILE_BYTES:
        message = f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: aiblint does not read it"
        return Document(display, "", problem=ReadProblem("too-large", message, 0)), [], []
    text, problem = _decode(data)
    document = Document(display, text, problem=problem)
    if problem is not None:
        return document, [], []
    from aiblint.frontends.terraform.evaluate import Evaluator
    from aiblint.frontends.terraform.lower import lower, mentions_template
    from aiblint.frontends.terraform.module import Module
    from aiblint.frontends.terraform.nodes import TfObject
    from aiblint.frontends.terraform.syntax import HclFile

    main = HclFile.parse(document)
    if document.problem is not None or display.lower().endswith(".tfvars"):
        if document.problem is None:
            document.root = TfObject(0, len(text), document)
        return document, [], []
    document.root = TfObject(0, len(text), document)
    if not mentions_template(main):
        return document, [], []
    module = Module.of(main, path)
    evaluator = Evaluator(module, repository)
    return document, lower(main, evaluator), list(module.read)
