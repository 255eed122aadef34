"""From our positions to the editor's.

aiblint counts 1-based lines split at ``\\n`` and columns in Unicode code points,
in the text after a UTF-8 byte order mark. The Language Server Protocol counts
0-based lines split at ``\\r\\n``, ``\\r`` or ``\\n`` and characters in the
encoding agreed at ``initialize``: UTF-16 code units unless the client offers
another (an astral character such as an emoji is one code point but two UTF-16
units). This module goes through text offsets so every difference is handled in
one place; it imports nothing from pygls.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"
BOM = "\ufeff"
_LSP_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _utf16_units(text: str) -> int:
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _utf8_units(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


_UNITS: dict[str, Callable[[str], int]] = {UTF8: _utf8_units, UTF16: _utf16_units, UTF32: len}


class PositionMap:
    """Maps aiblint (line, column) pairs in one text to LSP (line, character)."""

    def __init__(self, text: str, encoding: str = UTF16) -> None:
        self.text = text
        self.units = _UNITS.get(encoding, _utf16_units)
        self.bom = 1 if text.startswith(BOM) else 0
        body = text[self.bom :]
        self.our_starts = [0] + [match.end() for match in re.finditer("\n", body)]
        self.lsp_starts = [0] + [match.end() for match in _LSP_LINE_BREAK.finditer(text)]

    def offset(self, line: int, column: int) -> int:
        """The offset in the text of an aiblint position (clamped to the text)."""
        line_index = min(max(line - 1, 0), len(self.our_starts) - 1)
        return min(self.bom + self.our_starts[line_index] + max(column - 1, 0), len(self.text))

    def position(self, line: int, column: int) -> tuple[int, int]:
        """The LSP (line, character) of an aiblint position."""
        return self._at(self.offset(line, column))

    def position_of_offset(self, offset: int) -> tuple[int, int]:
        """The LSP (line, character) of an offset in aiblint's text of the
        document (the text after a byte order mark), as a fix's edits give."""
        return self._at(min(self.bom + max(offset, 0), len(self.text)))

    def _at(self, offset: int) -> tuple[int, int]:
        lsp_line = bisect.bisect_right(self.lsp_starts, offset) - 1
        start = self.lsp_starts[lsp_line]
        before = self.text[start:offset]
        if before.endswith("\r") and self.text[offset : offset + 1] == "\n":
            before = before[:-1]  # between the two characters of one line break
        return lsp_line, self.units(before)
