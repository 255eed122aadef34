"""What a detector found."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiblint.secrets.mask import mask


@dataclass(frozen=True)
class SecretMatch:
    """A secret at ``start``..``end`` of the scanned text.

    ``label`` is the harmless text that names it (``sig=``, ``AccountKey=``),
    shown before the masked value. ``value`` is excluded from ``repr`` so that
    a debug print or a traceback never shows it.
    """

    detector: str  # the detector id, e.g. "azure-sas-signature"
    kind: str  # what it is, for messages: "SAS token signature"
    start: int
    end: int
    value: str = field(repr=False)
    label: str = ""

    def masked(self) -> str:
        """``sig=Ab…(44 chars)``"""
        return f"{self.label}{mask(self.value)}"

    def describe(self) -> str:
        """``SAS token signature sig=Ab…(44 chars)``"""
        return f"{self.kind} {self.masked()}"
