"""What a detector found."""

from __future__ import annotations

from typing import Final

from aiblint.record import Record
from aiblint.secrets.mask import mask


class SecretMatch(Record):
    """A secret at ``start``..``end`` of the scanned text.

    ``label`` is the harmless text that names it (``sig=``, ``AccountKey=``),
    shown before the masked value. ``value`` is excluded from ``repr`` so that
    a debug print or a traceback never shows it.
    """

    __slots__ = ("detector", "kind", "start", "end", "value", "label")  # noqa: RUF023 - in field order
    _hidden = ("value",)  # not in repr
    detector: Final[str]  # the detector id, e.g. "azure-sas-signature"
    kind: Final[str]  # what it is, for messages: "SAS token signature"
    start: Final[int]
    end: Final[int]
    value: Final[str]
    label: Final[str]

    def __init__(self, detector: str, kind: str, start: int, end: int, value: str, label: str = "") -> None:
        self.detector = detector
        self.kind = kind
        self.start = start
        self.end = end
        self.value = value
        self.label = label

    def masked(self) -> str:
        """``sig=Ab…(44 chars)``"""
        return f"{self.label}{mask(self.value)}"

    def describe(self) -> str:
        """``SAS token signature sig=Ab…(44 chars)``"""
        return f"{self.kind} {self.masked()}"
