"""Does a PowerShell script parse? Without ``pwsh``.

The grammar is ``tree-sitter-powershell``. It rejects some valid PowerShell
(seen here: ``choco install git --version=2.3.0``, ``$items.Where({...})``,
a ``switch`` with ``default`` or a ``function`` with ``param(...)`` written on
one line, ``break outer``), so its verdict alone would raise false alarms. A
script is reported only when the grammar fails *and* a scan of PowerShell's
lexical structure finds what cannot parse under any grammar: a string, here-
string, block comment or ``${...}`` that is never closed, or a ``(``/``{``
that is never closed or closed by the wrong bracket. The scan also gives the
exact place, which the grammar's error nodes (often a whole statement) do not.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Final

from aiblint import recache
from aiblint.record import Record

_DOUBLE = "\"\u201c\u201d\u201e"  # PowerShell also takes typographic quotes as quotes
_SINGLE = "'\u2018\u2019\u201a\u201b"
_COMMENT_BEFORE = " \t\r\n;|&(){}=,"
_CLOSERS = {")": "(", "}": "{"}
#: The characters a step does something at, outside and inside a "..." string: at any
#: other character :meth:`_Scanner._code_step` and :meth:`_Scanner._string_step` only
#: step to the next one (``index + 1``, nothing else changed; what comes before a
#: character is read from the text, not kept), so the scan jumps over them in one search.
_CODE_SPECIAL: Final = recache.compile("[`<#\\-@$(){}" + _DOUBLE + _SINGLE + "]")
_STRING_SPECIAL: Final = recache.compile("[`$" + _DOUBLE + "]")


class SyntaxProblem(Record):
    """Where a PowerShell script does not parse, and why."""

    __slots__ = ("offset", "length", "message")  # noqa: RUF023 - in field order
    offset: Final[int]  # index in the script text
    length: Final[int]
    message: Final[str]

    def __init__(self, offset: int, length: int, message: str) -> None:
        self.offset = offset
        self.length = length
        self.message = message


def syntax_problem(text: str) -> SyntaxProblem | None:
    """Why ``text`` does not parse as PowerShell, or ``None`` when it may."""
    problem = scan(text)
    if problem is None or not grammar_rejects(text):
        return None
    return problem


def grammar_rejects(text: str) -> bool:
    tree = _parser().parse(text.encode("utf-8", "surrogatepass"))
    return bool(tree.root_node.has_error)


@lru_cache(maxsize=1)
def _parser() -> Any:
    import tree_sitter
    import tree_sitter_powershell

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))


def scan(text: str) -> SyntaxProblem | None:
    """The first lexical structure error: an unclosed string, comment or bracket."""
    return _Scanner(text).run()


class _Scanner:
    code_special: re.Pattern[str] = _CODE_SPECIAL
    string_special: re.Pattern[str] = _STRING_SPECIAL

    def __init__(self, text: str) -> None:
        self.text = text
        self.stack: list[tuple[str, int]] = []  # "(", "{", "$(" (inside a string), '"'

    def run(self) -> SyntaxProblem | None:
        text = self.text
        stack = self.stack
        next_code, next_string = self.code_special.search, self.string_special.search
        index = 0
        end = len(text)
        while index < end:
            in_string = bool(stack) and stack[-1][0] == '"'
            found = next_string(text, index) if in_string else next_code(text, index)
            if found is None:
                break
            index = found.start()
            step = self._string_step(index) if in_string else self._code_step(index)
            if isinstance(step, SyntaxProblem):
                return step
            index = step
        if self.stack:
            kind, where = self.stack[-1]
            if kind == '"':
                return SyntaxProblem(where, 1, "the string that starts here is never closed")
            return SyntaxProblem(where, len(kind), f"'{kind[-1]}' is never closed")
        return None

    def _string_step(self, index: int) -> int | SyntaxProblem:
        text = self.text
        char = text[index]
        if char == "`":
            return index + 2
        if char in _DOUBLE:
            if index + 1 < len(text) and text[index + 1] in _DOUBLE:
                return index + 2  # "" is an escaped quote
            self.stack.pop()
            return index + 1
        if text.startswith("$(", index):
            self.stack.append(("$(", index))
            return index + 2
        return index + 1

    def _code_step(self, index: int) -> int | SyntaxProblem:
        text = self.text
        char = text[index]
        at_token_start = index == 0 or text[index - 1] in _COMMENT_BEFORE
        if char == "`":
            return index + 2
        if text.startswith("<#", index):
            close = text.find("#>", index + 2)
            return close + 2 if close >= 0 else SyntaxProblem(index, 2, "the block comment '<#' that starts here is never closed")
        if at_token_start and (char == "#" or text.startswith("--%", index)):
            newline = text.find("\n", index)
            return newline if newline >= 0 else len(text)
        if char == "@" and index + 1 < len(text) and text[index + 1] in _DOUBLE + _SINGLE and self._here_string_opens(index):
            return self._here_string(index)
        if char in _SINGLE:
            return self._single_quoted(index)
        if char in _DOUBLE:
            self.stack.append(('"', index))
            return index + 1
        if text.startswith("${", index):
            return self._braced_variable(index)
        if char in "({":
            self.stack.append((char, index))
        elif char in ")}":
            opener = self.stack[-1][0] if self.stack else None
            if opener is None or opener[-1] != _CLOSERS[char]:
                return SyntaxProblem(index, 1, f"'{char}' closes nothing" if opener is None else f"'{char}' where '{_expected(opener)}' was expected")
            self.stack.pop()
        return index + 1

    def _here_string_opens(self, index: int) -> bool:
        """``@"`` opens a here-string only when nothing but blanks follows on its line."""
        newline = self.text.find("\n", index + 2)
        rest = self.text[index + 2 : newline if newline >= 0 else len(self.text)]
        return newline >= 0 and not rest.strip()

    def _here_string(self, index: int) -> int | SyntaxProblem:
        quote = self.text[index + 1]
        closers = _DOUBLE if quote in _DOUBLE else _SINGLE
        position = self.text.find("\n", index) + 1
        while 0 < position <= len(self.text):
            if self.text[position : position + 1] in tuple(closers) and self.text.startswith("@", position + 1):
                return position + 2
            position = self.text.find("\n", position) + 1
        return SyntaxProblem(index, 2, f"the here-string '@{quote}' that starts here is never closed (its end is '{quote}@' at the start of a line)")

    def _single_quoted(self, index: int) -> int | SyntaxProblem:
        text = self.text
        position = index + 1
        while position < len(text):
            if text[position] in _SINGLE:
                if position + 1 < len(text) and text[position + 1] in _SINGLE:
                    position += 2  # '' is an escaped quote
                    continue
                return position + 1
            position += 1
        return SyntaxProblem(index, 1, "the string that starts here is never closed")

    def _braced_variable(self, index: int) -> int | SyntaxProblem:
        position = index + 2
        while position < len(self.text):
            if self.text[position] == "`":
                position += 2
                continue
            if self.text[position] == "}":
                return position + 1
            position += 1
        return SyntaxProblem(index, 2, "the variable name '${' that starts here is never closed")


def _expected(opener: str) -> str:
    return ")" if opener.endswith("(") else "}"
