"""Front ends: one loader per source language, each building the same positioned tree.

A front end turns a file's bytes into a :class:`~aiblint.document.Document`
whose ``root`` is the positioned JSON-shaped tree (:mod:`aiblint.jsontree`) that
the model and every rule read, with spans in the file's own text. The model
never knows which language a tree came from, except through
``Document.language`` (how it finds the templates) and ``Document.evaluator``
(how a value is known: :mod:`aiblint.evaluation`).

Each front end is chosen by file suffix and is imported only when a file in its
language is read. ``sniff`` is a cheap look at the bytes for a folder walk: a
file that cannot hold an image template is not parsed.

Adding a language (HCL, for instance) is one :class:`FrontEnd` entry here and
one module with ``load_bytes(data, path) -> Document`` and
``looks_like_template(data) -> bool`` (see :mod:`aiblint.frontends.json`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Final, Protocol, cast

from aiblint.record import Record

if TYPE_CHECKING:
    from aiblint.document import Document


class _Module(Protocol):
    def load_bytes(self, data: bytes, path: str) -> Document: ...

    def looks_like_template(self, data: bytes) -> bool: ...


class FrontEnd(Record):
    """A language's front end: its suffixes and the module that loads it."""

    __slots__ = ("language", "suffixes", "module")  # noqa: RUF023 - in field order
    language: Final[str]  # Document.language of what it loads
    suffixes: Final[tuple[str, ...]]  # lower case, with the dot; a folder walk reads these
    module: Final[str]  # imported on first use

    def __init__(self, language: str, suffixes: tuple[str, ...], module: str) -> None:
        self.language = language
        self.suffixes = suffixes
        self.module = module

    def _module(self) -> _Module:
        return cast(_Module, importlib.import_module(self.module))

    def load_bytes(self, data: bytes, path: str) -> Document:
        """Decode and parse one file. Never raises for bad input."""
        return self._module().load_bytes(data, path)

    def looks_like_template(self, data: bytes) -> bool:
        """The bytes may hold an image template (a folder walk parses only these)."""
        return self._module().looks_like_template(data)


JSON = FrontEnd("json", (".json", ".jsonc"), "aiblint.frontends.json")
BICEP = FrontEnd("bicep", (".bicep", ".bicepparam"), "aiblint.frontends.bicep")
#: Languages other than JSON, by suffix.
_OTHERS: tuple[FrontEnd, ...] = (BICEP,)
FRONT_ENDS: tuple[FrontEnd, ...] = (JSON, *_OTHERS)
#: Terraform (``aiblint.frontends.terraform``) is read by the engine through its own
#: ``load_terraform`` (it returns the templates and the files it read) and sniffed with
#: JSON's look; its suffix is walked too.
TERRAFORM_SUFFIXES = (".tf",)
#: Every suffix a folder walk considers.
SUFFIXES: tuple[str, ...] = (*JSON.suffixes, *TERRAFORM_SUFFIXES, *(s for f in _OTHERS for s in f.suffixes))


def for_path(path: str) -> FrontEnd:
    """The front end for a file name: by suffix, JSON for anything else (a named
    file, standard input without ``--stdin-filename``)."""
    name = path.lower()
    for front_end in _OTHERS:
        if name.endswith(front_end.suffixes):
            return front_end
    return JSON


def load_bytes(data: bytes, path: str) -> Document:
    """``data`` read by the front end of ``path``'s language."""
    return for_path(path).load_bytes(data, path)


def looks_like_template(data: bytes, path: str) -> bool:
    """The cheap sniff of ``path``'s language."""
    return for_path(path).looks_like_template(data)
