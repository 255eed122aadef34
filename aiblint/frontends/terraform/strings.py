"""HCL string templates: their text, and where each character of it is written.

A quoted string decodes ``\\n``, ``\\"``, ``\\uXXXX`` and friends; a heredoc
takes its lines as written, and ``<<-`` removes the indentation its least
indented line has; both turn ``$${`` into ``${`` and ``%%{`` into ``%{``.
Literal text is read from the source between interpolations (the parser
skips blanks before its literal tokens, so those tokens are not the text).
An interpolation's text belongs, every character, to the interpolation.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from aiblint.frontends.terraform.syntax import HclFile, named
from aiblint.record import Record

if TYPE_CHECKING:
    from tree_sitter import Node

    from aiblint.frontends.terraform.evaluate import Env, Evaluator



class Hole(Record):
    """Text not known statically, written at ``start:end``."""

    __slots__ = ("start", "end")  # noqa: RUF023 - in field order
    start: Final[int]
    end: Final[int]

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end


Piece = tuple[str, list[int]] | Hole
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_PARTS = ("template_interpolation", "template_directive")


def template_pieces(evaluator: Evaluator, node: Node, file: HclFile, env: Env) -> list[Piece]:
    """Known text (with offsets) and UNKNOWN pieces, in order."""
    text = file.document.text
    if node.type == "heredoc_template":
        region, skip, quoted = _heredoc_region(node, file), _indent_skips(node, file), False
    else:
        first, last = node.children[0], node.children[-1]
        region = (file.end(first), file.start(last) if last.type == "quoted_template_end" else file.end(node))
        skip, quoted = [], True
    parts = [child for child in node.children if child.type in _PARTS]
    return _sequence(evaluator, parts, region, text, skip, quoted, file, env)


def _sequence(
    evaluator: Evaluator, parts: list[Node], region: tuple[int, int], text: str, skip: list[tuple[int, int]],
    quoted: bool, file: HclFile, env: Env,
) -> list[Piece]:
    pieces: list[Piece] = []
    position = region[0]
    strip_next = False
    for part in parts:
        start = file.start(part)
        literal = _literal(text, max(position, region[0]), min(start, region[1]), skip, quoted)
        if strip_next:
            literal = _lstrip(literal)
        if _strips(part, before=True):
            literal = _rstrip(literal)
        pieces.append(literal)
        pieces += _part(evaluator, part, text, skip, quoted, file, env)
        strip_next = _strips(part, before=False)
        position = file.end(part)
    literal = _literal(text, position, region[1], skip, quoted)
    pieces.append(_lstrip(literal) if strip_next else literal)
    return [piece for piece in pieces if isinstance(piece, Hole) or piece[0]]


def _part(
    evaluator: Evaluator, part: Node, text: str, skip: list[tuple[int, int]], quoted: bool, file: HclFile, env: Env
) -> list[Piece]:
    if part.type == "template_interpolation":
        inner = next((child for child in part.children if child.type == "expression"), None)
        value = evaluator.value(inner, file, env) if inner is not None else None
        shown = evaluator.interpolated(value) if value is not None else None
        if shown is None:
            return [Hole(file.start(part), file.end(part))]
        return [(shown, [file.start(part)] * len(shown))]
    directive = named(part)[0] if named(part) else None
    if directive is not None and directive.type == "template_if":
        return _if(evaluator, directive, text, skip, quoted, file, env)
    return [Hole(file.start(part), file.end(part))]  # %{ for }: not evaluated


def _if(
    evaluator: Evaluator, node: Node, text: str, skip: list[tuple[int, int]], quoted: bool, file: HclFile, env: Env
) -> list[Piece]:
    from aiblint.frontends.terraform.evaluate import plain

    intro = next((child for child in node.children if child.type == "template_if_intro"), None)
    otherwise = next((child for child in node.children if child.type == "template_else_intro"), None)
    end = next((child for child in node.children if child.type == "template_if_end"), None)
    condition = next((child for child in intro.children if child.type == "expression"), None) if intro else None
    if intro is None or end is None or condition is None:
        return [Hole(file.start(node), file.end(node))]
    test = plain(evaluator.value(condition, file, env))
    if not isinstance(test, bool):
        return [Hole(file.start(node), file.end(node))]
    if test:
        region = (file.end(intro), file.start(otherwise if otherwise is not None else end))
    elif otherwise is not None:
        region = (file.end(otherwise), file.start(end))
    else:
        return []
    parts = [child for child in node.children if child.type in _PARTS and region[0] <= file.start(child) < region[1]]
    return _sequence(evaluator, parts, region, text, skip, quoted, file, env)


def _strips(part: Node, before: bool) -> bool:
    """``${~ x}`` strips the blanks before it; ``${x ~}`` those after it."""
    marks = [child for child in _markers(part)]
    if not marks:
        return False
    opener = part.children[0] if part.type == "template_interpolation" else None
    if before:
        return any(mark.start_byte <= (opener.end_byte if opener is not None else part.start_byte + 2) for mark in marks)
    return any(mark.end_byte >= part.end_byte - 1 for mark in marks)


def _markers(part: Node) -> list[Node]:
    if part.type == "template_interpolation":
        return [child for child in part.children if child.type == "strip_marker"]
    found: list[Node] = []
    for directive in named(part):
        for piece in directive.children:
            found += [child for child in piece.children if child.type == "strip_marker"]
    return found


def _lstrip(piece: Piece) -> Piece:
    if isinstance(piece, Hole):
        return piece
    kept = len(piece[0]) - len(piece[0].lstrip())
    return piece[0][kept:], piece[1][kept:]


def _rstrip(piece: Piece) -> Piece:
    if isinstance(piece, Hole):
        return piece
    kept = len(piece[0].rstrip())
    return piece[0][:kept], piece[1][:kept]


def _literal(text: str, start: int, end: int, skip: list[tuple[int, int]], quoted: bool) -> Piece:
    chars: list[str] = []
    offsets: list[int] = []
    index = start
    skips = [span for span in skip if span[1] > start and span[0] < end]
    while index < end:
        hole = next((span for span in skips if span[0] <= index < span[1]), None)
        if hole is not None:
            index = hole[1]
            continue
        char = text[index]
        if quoted and char == "\\" and index + 1 < end:
            decoded, width = _escape(text, index, end)
            chars.append(decoded)
            offsets.append(index)
            index += width
            continue
        if char in "$%" and text.startswith(char * 2 + "{", index):
            chars.append(char)
            offsets.append(index)
            index += 2  # "$${" is a literal "${": the second "$" goes
            continue
        chars.append(char)
        offsets.append(index)
        index += 1
    return "".join(chars), offsets


def _escape(text: str, index: int, end: int) -> tuple[str, int]:
    letter = text[index + 1]
    if letter in _ESCAPES:
        return _ESCAPES[letter], 2
    size = 4 if letter == "u" else 8 if letter == "U" else 0
    digits = text[index + 2 : index + 2 + size]
    if size and len(digits) == size and re.fullmatch(r"[0-9A-Fa-f]+", digits) and index + 2 + size <= end:
        try:
            return chr(int(digits, 16)), 2 + size
        except ValueError:
            pass
    return "\\", 1


def _heredoc_region(node: Node, file: HclFile) -> tuple[int, int]:
    """From the line after ``<<EOT`` to the start of the closing ``EOT`` line."""
    text = file.document.text
    markers = [child for child in node.children if child.type == "heredoc_identifier"]
    opening = file.end(markers[0]) if markers else file.start(node)
    newline = text.find("\n", opening)
    start = newline + 1 if newline >= 0 else opening
    if len(markers) < 2:
        return start, file.end(node)
    closing = file.start(markers[-1])
    line_start = text.rfind("\n", 0, closing) + 1
    return start, max(start, line_start)


def _indent_skips(node: Node, file: HclFile) -> list[tuple[int, int]]:
    """``<<-``: the indentation every line loses (that of the least indented line)."""
    opener = node.children[0] if node.children else None
    if opener is None or "-" not in file.text(opener):
        return []
    text = file.document.text
    start, end = _heredoc_region(node, file)
    lines: list[tuple[int, int]] = []  # (line start, indentation width)
    position = start
    while position < end:
        stop = text.find("\n", position, end)
        stop = end if stop < 0 else stop
        line = text[position:stop]
        if line.strip():
            lines.append((position, len(line) - len(line.lstrip(" \t"))))
        else:
            lines.append((position, -1))
        position = stop + 1
    widths = [width for _, width in lines if width >= 0]
    if not widths:
        return []
    indent = min(widths)
    return [(begin, begin + min(indent, _blank_prefix(text, begin, end))) for begin, _ in lines if indent]


def _blank_prefix(text: str, begin: int, end: int) -> int:
    count = 0
    while begin + count < end and text[begin + count] in " \t":
        count += 1
    return count
