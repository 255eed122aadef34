"""PSScriptAnalyzer settings read as data, never run: a repository's
``PSScriptAnalyzerSettings.psd1`` is untrusted (its ``CustomRulePath`` makes
PSScriptAnalyzer import modules: code from a pull request).

:func:`read_settings` parses the file with a small reader of PowerShell data
(hashtables ``@{}``, arrays ``@()`` and comma lists, strings, numbers,
``$true``/``$false``/``$null``, comments) and keeps only the keys that
choose and tune rules (``IncludeRules``, ``ExcludeRules``, ``Severity``,
``Rules``); :func:`to_psd1` writes that back as a hashtable literal, every
string escaped, for PSScriptAnalyzer to read instead of the repository's file.
Anything else (an expression, a variable, a sub-expression) is an error: the
file is not plain data.
"""

from __future__ import annotations

from aiblint.lazyre import lazy
from aiblint.record import MutableRecord

#: The keys kept, in PSScriptAnalyzer's spelling; the rest (CustomRulePath,
#: RecurseCustomRulePath, IncludeDefaultRules...) are dropped.
KEPT_KEYS = ("IncludeRules", "ExcludeRules", "Severity", "Rules")
#: A settings file is small; a larger one is not read.
MAX_SETTINGS_BYTES = 256 * 1024
MAX_DEPTH = 32

Value = str | int | float | bool | None | list["Value"] | dict[str, "Value"]

#: PowerShell treats these as single quotes too (and doubles any of them to escape it).
_SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
_DOUBLE_QUOTES = '"\u201c\u201d\u201e'
_NUMBER = lazy(r"[+-]?(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(?![\w.])")
_BARE = lazy(r"[A-Za-z_][\w-]*")
_CONSTANTS = {"$true": True, "$false": False, "$null": None}


class SettingsError(ValueError):
    """The file is not plain data; ``line`` says where."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


def read_settings(text: str) -> dict[str, Value]:
    """The kept keys of a settings file's hashtable; raises :class:`SettingsError`."""
    parser = _Parser(text)
    parser.skip()
    value = parser.value(0)
    parser.skip()
    if parser.at < len(text):
        raise parser.error("more after the settings hashtable")
    if not isinstance(value, dict):
        raise parser.error("a settings file is one hashtable @{ ... }")
    kept: dict[str, Value] = {}
    for key, item in value.items():
        for name in KEPT_KEYS:
            if key.casefold() == name.casefold():
                kept[name] = item
    return kept


def to_psd1(value: Value) -> str:
    """``value`` as a PowerShell data literal (strings single-quoted, every quote doubled)."""
    if value is None:
        return "$null"
    if isinstance(value, bool):
        return "$true" if value else "$false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return "'" + "".join(c * 2 if c in _SINGLE_QUOTES else c for c in value) + "'"
    if isinstance(value, list):
        return "@(" + ", ".join(to_psd1(item) for item in value) + ")"
    return "@{" + "; ".join(f"{to_psd1(key)} = {to_psd1(item)}" for key, item in value.items()) + "}"


class _Parser(MutableRecord):
    """A cursor over a settings file's text."""

    __slots__ = ("text", "at")  # noqa: RUF023 - in field order
    text: str
    at: int

    def __init__(self, text: str, at: int = 0) -> None:
        self.text = text
        self.at = at

    def error(self, message: str) -> SettingsError:
        return SettingsError(message, self.text.count("\n", 0, self.at) + 1)

    def skip(self, newlines: bool = True) -> None:
        """Spaces, comments (``#`` to the end of the line, ``<# ... #>``) and, if asked, newlines."""
        while self.at < len(self.text):
            char = self.text[self.at]
            if char == "\n" and not newlines:
                return
            if char.isspace() or (char == "`" and self.text.startswith("`\n", self.at)):
                self.at += 1 if char != "`" else 2
            elif self.text.startswith("<#", self.at):
                end = self.text.find("#>", self.at + 2)
                if end < 0:
                    raise self.error("a <# comment #> is not closed")
                self.at = end + 2
            elif char == "#":
                end = self.text.find("\n", self.at)
                self.at = len(self.text) if end < 0 else end
            else:
                return

    def value(self, depth: int) -> Value:
        """One value; a comma list becomes an array, as in PowerShell."""
        first = self.single(depth)
        self.skip(newlines=False)
        if not self.text.startswith(",", self.at):
            return first
        items = [first]
        while self.text.startswith(",", self.at):
            self.at += 1
            self.skip()
            items.append(self.single(depth))
            self.skip(newlines=False)
        return items

    def single(self, depth: int) -> Value:
        if depth > MAX_DEPTH:
            raise self.error(f"nested more than {MAX_DEPTH} levels")
        text, at = self.text, self.at
        if text.startswith("@{", at):
            return self.hashtable(depth + 1)
        if text.startswith("@(", at):
            return self.array(depth + 1)
        if at < len(text) and text[at] in _SINGLE_QUOTES:
            return self.single_quoted()
        if at < len(text) and text[at] in _DOUBLE_QUOTES:
            return self.double_quoted()
        for name, constant in _CONSTANTS.items():
            if text[at : at + len(name)].casefold() == name and not text[at + len(name) : at + len(name) + 1].isalnum():
                self.at += len(name)
                return constant
        number = _NUMBER().match(text, at)
        if number:
            self.at = number.end()
            literal = number.group()
            return int(literal, 16) if "x" in literal.lower() else float(literal) if any(c in literal for c in ".eE") else int(literal)
        raise self.error("not plain data (only hashtables, arrays, strings, numbers, $true, $false and $null are read)")

    def hashtable(self, depth: int) -> dict[str, Value]:
        self.at += 2
        table: dict[str, Value] = {}
        while True:
            self.skip()
            if self.text.startswith("}", self.at):
                self.at += 1
                return table
            key = self.key()
            self.skip(newlines=False)
            if not self.text.startswith("=", self.at):
                raise self.error(f"'=' expected after the key {key!r}")
            self.at += 1
            self.skip()
            table[key] = self.value(depth)
            self.skip(newlines=False)
            if self.text.startswith(";", self.at) or self.text.startswith("\n", self.at):
                self.at += 1
            elif not self.text.startswith("}", self.at):
                raise self.error("';', a new line or '}' expected")

    def key(self) -> str:
        at = self.at
        if at < len(self.text) and self.text[at] in _SINGLE_QUOTES:
            return self.single_quoted()
        if at < len(self.text) and self.text[at] in _DOUBLE_QUOTES:
            return self.double_quoted()
        bare = _BARE().match(self.text, at)
        if bare is None:
            raise self.error("a key (a name or a quoted string) expected")
        self.at = bare.end()
        return bare.group()

    def array(self, depth: int) -> list[Value]:
        self.at += 2
        items: list[Value] = []
        while True:
            self.skip()
            if self.text.startswith(")", self.at):
                self.at += 1
                return items
            item = self.value(depth)
            items.extend(item if isinstance(item, list) else [item])
            self.skip(newlines=False)
            if self.text.startswith(";", self.at) or self.text.startswith("\n", self.at):
                self.at += 1
            elif not self.text.startswith(")", self.at):
                raise self.error("',', a new line or ')' expected")

    def single_quoted(self) -> str:
        """``'it''s'``: no escapes but a doubled quote (any of the four single quotes)."""
        out: list[str] = []
        at = self.at + 1
        while at < len(self.text):
            char = self.text[at]
            if char in _SINGLE_QUOTES:
                if at + 1 < len(self.text) and self.text[at + 1] in _SINGLE_QUOTES:
                    out.append(char)
                    at += 2
                    continue
                self.at = at + 1
                return "".join(out)
            out.append(char)
            at += 1
        raise self.error("a string is not closed")

    def double_quoted(self) -> str:
        """``"text"`` without expansion: a ``$`` or a backtick escape would be
        code or guesswork, so it is not plain data."""
        out: list[str] = []
        at = self.at + 1
        while at < len(self.text):
            char = self.text[at]
            if char in _DOUBLE_QUOTES:
                if at + 1 < len(self.text) and self.text[at + 1] in _DOUBLE_QUOTES:
                    out.append(char)
                    at += 2
                    continue
                self.at = at + 1
                return "".join(out)
            if char in "$`":
                self.at = at
                raise self.error("a double-quoted string with '$' or '`' is not plain data; use single quotes")
            out.append(char)
            at += 1
        raise self.error("a string is not closed")
