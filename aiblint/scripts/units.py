"""Script units: every script a template runs, with a map back to where each
character is written.

A unit is the ``inline`` commands of one Shell or PowerShell customizer or
in-VM validator, or the file its ``scriptUri`` resolves to. Packer writes
each ``inline`` element as one line of one script file (aib-runtime.md §1-2),
so script line N is element N-1 and a script position maps to the exact
character of the JSON string, through its escapes. Packer puts its own
``#!/bin/sh -e`` (``inline_shebang``; the ``inline-shebang`` setting) above
them, so that, not a shebang among the commands, is the dialect of inline
Shell; a file runs under its own shebang (``sh`` without one). An element whose value is
not known (an ARM expression, a ``<placeholder>``) is masked: a placeholder
is replaced by as many ``_`` (the columns after it stay right), a wholly
unknown line by a no-op (``:`` in shell, an empty line in PowerShell), so
checkers never judge what aiblint cannot know.

Rules receive units through ``Rule.check_script(unit)`` (one unit) or
``Rule.check_scripts(units)`` (every unit of the run at once, for external
analyzers) and report with :meth:`ScriptUnit.problem`.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final, TypeVar, cast

from aiblint.document import Document, Position
from aiblint.findings import Severity
from aiblint.jsontree import JsonArray, JsonNode, JsonObject, JsonString
from aiblint.model import ImageTemplate
from aiblint.problem import Problem
from aiblint.record import Record
from aiblint.scripts.dialect import POWERSHELL, Dialect, directive_shell, from_shebang, shebang
from aiblint.scripts.resolve import UNKNOWN as UNKNOWN_STATUS
from aiblint.scripts.resolve import Resolution, read_script, resolve_uri
from aiblint.scripts.settings import current_settings
from aiblint.textmap import source_offset
from aiblint.values import (
    PLACEHOLDER,
    UNKNOWN,
    PartialString,
    Resolved,
    UnknownString,
    is_expression,
    literal_text,
    resolve_literal,
)

if TYPE_CHECKING:
    from aiblint.scripts.syntax import Script

_T = TypeVar("_T")

#: Customizer/validator ``type`` (case-folded) -> script language.
SCRIPT_TYPES = {"shell": "shell", "powershell": "powershell"}
#: What an unknown line becomes: a no-op that keeps ``then``/``do`` bodies valid.
_UNKNOWN_LINE = {"shell": ":", "powershell": ""}
_MASK = "_"
#: The URI field of a script in the 2018-02-01 and 2019-02-01 previews.
_OLD_URI_FIELD_VERSIONS = ("2018-02-01-preview", "2019-02-01-preview")


class _Segment(Record):
    """A stretch of script text written in one place: one ``inline`` element.

    ``kind``: ``exact`` (character i is decoded character ``shift + i`` of
    ``node``), ``coarse`` (a value computed from expressions: every character
    maps to the whole ``node``) or ``masked`` (not known at all).
    """

    __slots__ = ("start", "length", "document", "node", "kind", "shift", "masks")  # noqa: RUF023 - in field order
    start: Final[int]  # index in the unit text of the first character
    length: Final[int]
    document: Final[Document]
    node: Final[JsonNode | None]
    kind: Final[str]
    shift: Final[int]
    masks: Final[tuple[tuple[int, int], ...]]  # masked ranges, relative to ``start``

    def __init__(
        self,
        start: int,
        length: int,
        document: Document,
        node: JsonNode | None,
        kind: str = "exact",
        shift: int = 0,
        masks: tuple[tuple[int, int], ...] = (),
    ) -> None:
        self.start = start
        self.length = length
        self.document = document
        self.node = node
        self.kind = kind
        self.shift = shift
        self.masks = masks

    def offset(self, index: int) -> int | None:
        if self.kind == "masked" or self.node is None:
            return None
        if self.kind == "coarse" or not isinstance(self.node, JsonString):
            return self.node.start
        if any(begin <= index < end for begin, end in self.masks):
            return None
        return source_offset(self.document.text, self.node, self.shift + min(max(index, 0), self.length))


class ScriptUnit:
    """One script a customizer or validator runs, and where its text is written."""

    __slots__ = (  # noqa: RUF023 - in field order
        "template", "owner", "phase", "position", "language", "dialect", "origin", "text", "document",
        "interpreter", "resolution", "_segments", "_starts", "_segment_starts", "_syntax",
    )
    template: ImageTemplate
    owner: JsonObject  # the customizer or in-VM validator object
    phase: str  # "customize" | "validate"
    position: int  # order in the template: customizers in order, then validators
    language: str  # "shell" | "powershell"
    dialect: str  # ShellCheck dialect for shell ("sh", "bash", "dash", "ksh"); "powershell"
    origin: str  # "inline" | "file"
    text: str  # the script, lines joined with "\n"; unknown parts masked keeping columns
    document: Document  # where the script is written: the template (inline) or the script file
    interpreter: str  # what runs it: the shebang line without "#!" ("" = the login shell)
    resolution: Resolution | None  # file units: how the scriptUri was resolved
    _segments: tuple[_Segment, ...]
    _starts: list[int]
    _segment_starts: list[int]
    _syntax: Script | None

    def __init__(
        self,
        template: ImageTemplate,
        owner: JsonObject,
        phase: str,
        position: int,
        language: str,
        dialect: str,
        origin: str,
        text: str,
        document: Document,
        interpreter: str = "",
        resolution: Resolution | None = None,
        _segments: tuple[_Segment, ...] = (),
    ) -> None:
        self.template = template
        self.owner = owner
        self.phase = phase
        self.position = position
        self.language = language
        self.dialect = dialect
        self.origin = origin
        self.text = text
        self.document = document
        self.interpreter = interpreter
        self.resolution = resolution
        self._segments = _segments
        self._syntax = None
        starts = [0]
        index = text.find("\n")
        while index >= 0:
            starts.append(index + 1)
            index = text.find("\n", index + 1)
        self._starts = starts
        # Once per unit, not per finding: a 10,000-line script with a finding a line was quadratic.
        self._segment_starts = [segment.start for segment in _segments]

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in ScriptUnit.__slots__[:11])
        return f"ScriptUnit({shown})"

    def identity(self) -> tuple[object, ...]:
        """What makes two units the same script check: the same text, run the same
        way, written in the same places (a template read once per parameters file
        gives a unit per pass; one whose text it wrote itself is the same each time)."""
        places = tuple((segment.document.path, segment.node.start if segment.node is not None else -1, segment.length)
                       for segment in self._segments)
        return (self.document.path, self.phase, self.language, self.dialect, self.origin,
                self.interpreter, self.text, places)

    def syntax(self) -> Script:
        """The script's commands (:func:`aiblint.scripts.syntax.parse`), read once
        per unit: every script rule walks every unit of a file in turn, and a shared
        cache of recent scripts was too small for a template of thousands of steps."""
        if self._syntax is None:
            from aiblint.scripts.syntax import parse

            self._syntax = parse(self.language, self.text)
        return self._syntax

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    @property
    def has_unknown_lines(self) -> bool:
        """Some line is wholly unknown (masked): the script's structure may be incomplete."""
        return any(segment.kind == "masked" for segment in self._segments)

    def offset(self, line: int, column: int) -> int | None:
        """1-based script position -> offset in ``document.text`` (``None`` inside a masked part)."""
        segment, index = self._place(line, column)
        if segment is None:
            return self.document.offset(Position(*self._clamp(line, column)))
        return segment.offset(index)

    def problem(
        self,
        message: str,
        line: int,
        column: int,
        end_line: int | None = None,
        end_column: int | None = None,
        *,
        rule: str | None = None,
        severity: Severity | None = None,
    ) -> Problem:
        """A problem at a script position (end exclusive), placed where it is written."""
        if not self._segments:
            start = self.offset(line, column)
            end = self.offset(end_line, end_column) if end_line is not None and end_column is not None else start
            assert start is not None
            end = start if end is None else max(end, start)
            return Problem(message, start=start, end=end, rule=rule, severity=severity, document=self.document)
        segment, index = self._place(line, column)
        assert segment is not None
        start = segment.offset(index)
        node = segment.node
        if start is None or segment.kind == "coarse":
            # Unknown or computed text: point at the whole element it comes from.
            span = (node.start, node.end) if node is not None else (0, 0)
            return Problem(message, node=node, start=span[0], end=span[1], rule=rule, severity=severity, document=segment.document)
        end = start
        if end_line is not None and end_column is not None:
            end_segment, end_index = self._place(end_line, end_column)
            end_offset = end_segment.offset(end_index) if end_segment is segment else None
            # A span running past its element ends at the element's closing quote.
            end = end_offset if end_offset is not None else (node.end - 1 if node is not None else start)
        return Problem(message, node=node, start=start, end=max(end, start), rule=rule, severity=severity, document=segment.document)

    def _clamp(self, line: int, column: int) -> tuple[int, int]:
        starts = self._starts
        line = min(max(line, 1), len(starts))
        stop = starts[line] - 1 if line < len(starts) else len(self.text)
        return line, min(max(column, 1), stop - starts[line - 1] + 1)

    def _place(self, line: int, column: int) -> tuple[_Segment | None, int]:
        if not self._segments:
            return None, 0
        line, column = self._clamp(line, column)
        index = self._starts[line - 1] + column - 1
        position = bisect.bisect_right(self._segment_starts, index) - 1
        segment = self._segments[max(position, 0)]
        return segment, index - segment.start


# -- finding the units -------------------------------------------------------------------


class ScriptReference(Record):
    """A ``scriptUri`` of a Shell/PowerShell customizer or validator, and what it resolves to."""

    __slots__ = ("owner", "phase", "position", "language", "node", "resolution")  # noqa: RUF023 - in field order
    owner: Final[JsonObject]
    phase: Final[str]
    position: Final[int]
    language: Final[str]
    node: Final[JsonNode]  # the scriptUri value as written
    resolution: Final[Resolution]

    def __init__(self, owner: JsonObject, phase: str, position: int, language: str, node: JsonNode, resolution: Resolution) -> None:
        self.owner = owner
        self.phase = phase
        self.position = position
        self.language = language
        self.node = node
        self.resolution = resolution


def script_units(template: ImageTemplate) -> list[ScriptUnit]:
    """Every script the template runs: inline commands and resolved files (cached)."""
    return _kept(template, "_script_units", _build_units)


def script_references(template: ImageTemplate) -> list[ScriptReference]:
    """Every ``scriptUri`` of a Shell/PowerShell step, resolved (cached)."""
    return _kept(template, "_script_references", _build_references)


def _kept(template: ImageTemplate, name: str, build: Callable[[ImageTemplate], _T]) -> _T:
    """``build(template)``, computed once and kept on the template itself. (A
    module-level WeakKeyDictionary keyed by the template, whose values point
    back at it, kept every template and its document alive to the end of the
    run: memory grew with the number of files.)"""
    kept = vars(template)
    if name not in kept:
        kept[name] = build(template)
    return cast(_T, kept[name])


def script_steps(template: ImageTemplate) -> list[tuple[JsonObject, str, int, str]]:
    """(owner, phase, position, language) of every Shell/PowerShell customizer and validator.
    Read once per template and evaluation context (the references, the units and two rules
    ask; a bound parameters file may change a step's type): see ``ImageTemplate.remembered``."""
    return list(template.remembered("units.script_steps", lambda: tuple(_read_script_steps(template))))


def _read_script_steps(template: ImageTemplate) -> list[tuple[JsonObject, str, int, str]]:
    steps = []
    position = 0
    for phase, owners in (("customize", template.customizers), ("validate", template.validators)):
        for owner in owners:
            language = _language(template, owner)
            if language is not None:
                steps.append((owner, phase, position, language))
            position += 1
    return steps


def _language(template: ImageTemplate, owner: JsonObject) -> str | None:
    kind = template.member(owner, "type")
    value = template.resolve(kind).text() if kind is not None else None
    return SCRIPT_TYPES.get(value.casefold()) if value else None


def _build_units(template: ImageTemplate) -> list[ScriptUnit]:
    units: list[ScriptUnit] = []
    references = {id(reference.owner): reference for reference in script_references(template)}
    for owner, phase, position, language in script_steps(template):
        inline = template.member(owner, "inline")
        if inline is not None:
            unit = _inline_unit(template, owner, phase, position, language, inline)
            if unit is not None:
                units.append(unit)
        reference = references.get(id(owner))
        if reference is not None and reference.resolution.readable:
            unit = _file_unit(template, reference)
            if unit is not None:
                units.append(unit)
    return units


def _build_references(template: ImageTemplate) -> list[ScriptReference]:
    found = []
    for owner, phase, position, language in script_steps(template):
        node = uri_node(template, owner)
        if node is None:
            continue
        uri = template.resolve(node).text()
        resolution = resolve_uri(uri, template.document.path, script=True) if uri is not None else Resolution("", UNKNOWN_STATUS)
        found.append(ScriptReference(owner, phase, position, language, node, resolution))
    return found


def uri_node(template: ImageTemplate, owner: JsonObject) -> JsonNode | None:
    node = template.member(owner, "scriptUri")
    if node is None and (template.api_version or "") in _OLD_URI_FIELD_VERSIONS:
        node = owner.get("script")
    return node


# -- inline ------------------------------------------------------------------------------


def _inline_unit(
    template: ImageTemplate, owner: JsonObject, phase: str, position: int, language: str, inline: JsonNode
) -> ScriptUnit | None:
    if isinstance(inline, JsonArray):
        values = [(template.resolve(item), item) for item in inline.items]
    else:
        resolved = template.resolve(inline)
        if not (resolved.known and isinstance(resolved.node, JsonArray)):
            return None  # not a list (a schema error), or not known
        values = [(resolve_literal(item, resolved.document), item) for item in resolved.node.items]
    if not values:
        return None
    texts: list[str] = []
    segments: list[_Segment] = []
    start = 0
    for resolved, written in values:
        text, segment = _element(resolved, written, language, start)
        texts.append(text)
        segments.append(segment)
        start += len(text) + 1
    text = "\n".join(texts)
    dialect, interpreter = _inline_dialect(language)
    if dialect is None:
        return None
    return ScriptUnit(
        template, owner, phase, position, language, dialect.name, "inline", text, template.document,
        interpreter, None, tuple(segments),
    )


def _element(resolved: Resolved, written: JsonNode, language: str, start: int) -> tuple[str, _Segment]:
    text, segment = _element_text(resolved, written, language, start)
    if language == "shell" and "\r" in text:
        # A CR left inside a line is an ordinary character to the shell (`tr -d \r`, written in
        # JSON or HCL, passes one), but ShellCheck stops reading there (SC1017, SC1072): checkers
        # read a stand-in of the same width.
        text = text.replace("\r", _MASK)
    return text, segment


def _element_text(resolved: Resolved, written: JsonNode, language: str, start: int) -> tuple[str, _Segment]:
    value = resolved.value
    node = resolved.node
    if isinstance(value, str):
        exact = isinstance(node, JsonString) and (
            node.text == value if getattr(node, "verbatim", False) else not is_expression(node.text) and literal_text(node.text) == value
        )
        if language == "shell" and "\r" in value:
            # Packer's UnixReader turns CRLF into LF before the script runs (aib-runtime.md §1),
            # so a line read from a Windows file (Bicep's loadTextContent) keeps no stray CR.
            unix = value.replace("\r\n", "\n")
            unix = unix[:-1] if unix.endswith("\r") else unix
            exact = exact and "\r\n" not in value  # a dropped inner CR shifts what follows it
            value = unix
        if exact:
            assert isinstance(node, JsonString)
            shift = 0 if getattr(node, "verbatim", False) else len(node.text) - len(literal_text(node.text))  # 1 for a "[[" escape
            return value, _Segment(start, len(value), resolved.document, node, "exact", shift)
        return value, _Segment(start, len(value), resolved.document, node, "coarse")
    if isinstance(value, PartialString):  # computed, partly known: the unknown parts masked
        text = value.render(_MASK)
        return text, _Segment(start, len(text), resolved.document, node, "coarse")
    masked = getattr(written, "masked", None) if isinstance(written, UnknownString) else None
    if value is UNKNOWN and masked is not None:  # a front end's string template, its unknown pieces masked
        stand_in, masks = masked
        return stand_in.text, _Segment(start, len(stand_in.text), resolved.document, stand_in, "exact", 0, masks)
    if value is UNKNOWN and isinstance(written, UnknownString):
        text = _UNKNOWN_LINE[language]
        return text, _Segment(start, len(text), resolved.document, written, "masked")
    if value is UNKNOWN and isinstance(written, JsonString) and not is_expression(written.text):
        literal = literal_text(written.text)
        masks = tuple(match.span() for match in PLACEHOLDER.finditer(literal))
        masked = _masked(literal, masks)
        shift = len(written.text) - len(literal)
        return masked, _Segment(start, len(masked), resolved.document, written, "exact", shift, masks)
    text = _UNKNOWN_LINE[language]
    return text, _Segment(start, len(text), resolved.document, written, "masked")


def _masked(text: str, masks: Sequence[tuple[int, int]]) -> str:
    for begin, end in masks:
        text = text[:begin] + _MASK * (end - begin) + text[end:]
    return text


def _inline_dialect(language: str) -> tuple[Dialect | None, str]:
    """Packer writes ``#!<inline_shebang>`` above the inline commands whatever they
    hold, so a shebang among them is only a comment (AIB511 says so)."""
    if language == "powershell":
        return POWERSHELL, ""
    configured = current_settings().inline_shebang
    return from_shebang(configured), configured


# -- files -------------------------------------------------------------------------------


def _file_unit(template: ImageTemplate, reference: ScriptReference) -> ScriptUnit | None:
    resolution = reference.resolution
    assert resolution.path is not None
    script = read_script(resolution.path)
    if script.error:
        return None
    text = script.document.text.replace("\r\n", "\n")  # Packer uploads Shell scripts with LF endings
    line = shebang(text)
    if reference.language == "powershell":
        dialect: Dialect | None = POWERSHELL
    else:
        dialect = from_shebang(line if line is not None else directive_shell(text) or "sh")
    if dialect is None:
        return None  # run by an interpreter aiblint does not check (python, zsh, ...)
    return ScriptUnit(
        template, reference.owner, reference.phase, reference.position, dialect.language, dialect.name,
        "file", text, script.document, line or "", resolution,
    )
