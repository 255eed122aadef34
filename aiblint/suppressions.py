"""In-file suppressions: where a finding is accepted on purpose, and why.

Three forms say the same thing ("this rule, here, for this reason, until then"):

* template metadata: ``"metadata": {"aiblint": {"ignore": [{"rule": "AIB304",
  "reason": "...", "expires": "2027-01-01", "path": "properties.customize[2]"}]}}``
  on an image template resource (the whole resource, or the ``path`` inside it)
  or at the top of a deployment template (the whole file, or the ``path``);
* a JSONC comment ``// aiblint: ignore[AIB304] reason`` (or ``/* ... */``);
* a script comment ``# aiblint: ignore[SC2086] reason`` in Shell and PowerShell,
  in an ``inline`` element or in a referenced script file.

A comment after code applies to its own line; a comment on a line of its own
applies to the next line that holds code (so several comments can stack above
one line). Comments may carry ``expires=YYYY-MM-DD`` before the reason.

This module only reads directives and places them; :mod:`aiblint.filtering`
matches them against findings and reports the useless ones (AIB006).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from aiblint.document import Document, Position
from aiblint.jsontree import JsonArray, JsonNode, JsonObject, JsonString, member_key
from aiblint.lazyre import lazy
from aiblint.model import ImageTemplate
from aiblint.record import MutableRecord
from aiblint.redact import redact
from aiblint.rule import Problem

if TYPE_CHECKING:
    import datetime

    from aiblint.scripts.units import ScriptUnit

    Today = Callable[[], datetime.date]

#: The keys an ignore entry in template metadata may have.
ENTRY_KEYS = ("rule", "reason", "expires", "path")
#: A rule id or prefix: ``AIB304``, ``AIB3``, ``SC2086``, ``PSAvoidUsingWriteHost``.
_CODE = lazy(r"[A-Za-z][A-Za-z0-9_-]*\Z")
#: ``aiblint: verb[codes] rest`` at the start of a comment's text.
_DIRECTIVE = lazy(r"aiblint\s*:\s*(?P<verb>[A-Za-z-]*)", re.IGNORECASE)
_CODES = lazy(r"\s*\[(?P<codes>[^\]\n]*)\]")
_EXPIRES = lazy(r"\s*expires\s*=\s*(?P<date>\S*)", re.IGNORECASE)
#: A script comment: '#' at the start of a line or after white space.
_SCRIPT_COMMENT = re.compile(r"(?:^|(?<=\s))#\s*(?=aiblint\s*:)", re.IGNORECASE)
_PATH_PART = lazy(r"\.?(?P<name>[A-Za-z_$][A-Za-z0-9_$-]*)|\[(?P<index>[0-9]+)\]|\['(?P<quoted>(?:[^'\\]|\\.)*)'\]")

Place = tuple[int, int]  # (line, column), 1-based, comparable
#: Places a stretch of a comment's body (offsets relative to it) in its document.
Locate = Callable[[int, int], Problem]


class Selector(MutableRecord):
    """One rule id or prefix of a directive, with where it is written
    (where "matched nothing" is reported)."""

    __slots__ = ("code", "problem", "document", "used")  # noqa: RUF023 - in field order
    code: str  # upper case
    problem: Problem
    document: Document
    used: bool

    def __init__(self, code: str, problem: Problem, document: Document, used: bool = False) -> None:
        self.code = code
        self.problem = problem
        self.document = document
        self.used = used

    def matches(self, rule_id: str) -> bool:
        return rule_id.upper().startswith(self.code)


class Directive(MutableRecord):
    """One suppression, placed: which findings it covers and what is wrong with it."""

    __slots__ = (  # noqa: RUF023 - in field order
        "source", "path", "where", "key", "selectors", "reason", "expires", "spans", "logical_path", "scope",
        "complaints", "expired",
    )
    source: str  # "metadata" | "comment" | "script"
    path: str  # the document whose findings it covers
    where: str  # "path:line" of the directive itself
    key: tuple[str, int]  # (document path, offset) of the directive: one directive read twice is one
    selectors: list[Selector]
    reason: str
    expires: datetime.date | None
    spans: list[tuple[Place, Place]]  # half-open (line, column) ranges
    logical_path: str | None  # metadata: findings under this logical path are covered too
    scope: str  # words for messages: "in this resource", "on line 12"
    #: (message, problem, document) known when reading: no reason, a malformed entry, expired
    complaints: list[tuple[str, Problem, Document]]
    expired: bool

    def __init__(
        self,
        source: str,
        path: str,
        where: str,
        key: tuple[str, int],
        selectors: list[Selector],
        reason: str,
        expires: datetime.date | None = None,
        spans: list[tuple[Place, Place]] | None = None,
        logical_path: str | None = None,
        scope: str = "",
        complaints: list[tuple[str, Problem, Document]] | None = None,
        expired: bool = False,
    ) -> None:
        self.source = source
        self.path = path
        self.where = where
        self.key = key
        self.selectors = selectors
        self.reason = reason
        self.expires = expires
        self.spans = [] if spans is None else spans
        self.logical_path = logical_path
        self.scope = scope
        self.complaints = [] if complaints is None else complaints
        self.expired = expired

    def covers(self, path: str, line: int, column: int, logical_path: str) -> bool:
        if path != self.path:
            return False
        if any(start <= (line, column) < end for start, end in self.spans):
            return True
        prefix = self.logical_path
        if not prefix:
            return False
        return logical_path == prefix or logical_path.startswith((prefix + ".", prefix + "["))


# -- reading a document ---------------------------------------------------------------


def read_directives(
    document: Document, templates: list[ImageTemplate], today: Today, scripts: bool
) -> Iterator[Directive]:
    """Every suppression written in ``document``: metadata, comments, and (when
    ``scripts``) comments in the scripts its templates run."""
    yield from _metadata_directives(document, templates, today)
    yield from _comment_directives(document, today)
    if scripts:
        yield from _script_directives(templates, today)


# -- template metadata ----------------------------------------------------------------


def _metadata_directives(document: Document, templates: list[ImageTemplate], today: Today) -> Iterator[Directive]:
    owners: list[JsonObject] = []
    if isinstance(document.root, JsonObject):
        owners.append(document.root)
    owners += [template.resource for template in templates if template.form != "properties-only"]
    seen: set[int] = set()
    for owner in owners:
        if id(owner) in seen:
            continue
        seen.add(id(owner))
        metadata = owner.get("metadata")
        settings = metadata.get("aiblint") if isinstance(metadata, JsonObject) else None
        if settings is not None:
            yield from _settings(document, owner, settings, today)


def _settings(document: Document, owner: JsonObject, settings: JsonNode, today: Today) -> Iterator[Directive]:
    entries = settings.get("ignore") if isinstance(settings, JsonObject) else None
    unknown = [key for key, _ in settings.members if key.text != "ignore"] if isinstance(settings, JsonObject) else []
    if not isinstance(entries, JsonArray) or unknown:
        where = unknown[0] if unknown else settings
        message = 'metadata.aiblint must be {"ignore": [{"rule": ..., "reason": ...}, ...]}; nothing here is suppressed'
        yield _broken(document, where, message)
        return
    for entry in entries.items:
        yield _entry(document, owner, entry, today)


def _broken(document: Document, node: JsonNode, message: str) -> Directive:
    """A directive that suppresses nothing and only complains."""
    where = f"{document.path}:{document.position(node.start).line}"
    directive = Directive("metadata", document.path, where, (document.path, node.start), [], "")
    directive.complaints.append((message, Problem(message, node=node), document))
    return directive


def _entry(document: Document, owner: JsonObject, entry: JsonNode, today: Today) -> Directive:
    if not isinstance(entry, JsonObject):
        return _broken(document, entry, 'an aiblint ignore entry must be an object: {"rule": "AIB304", "reason": "..."}')
    for key, _ in entry.members:
        if key.text not in ENTRY_KEYS:
            return _broken(document, key, f"unknown key '{key.text}' in an aiblint ignore entry (known: {', '.join(ENTRY_KEYS)})")
    rule = entry.get("rule")
    codes = _entry_codes(rule)
    if rule is None or codes is None:
        node = rule if rule is not None else entry
        return _broken(document, node, 'an aiblint ignore entry needs "rule": a rule id or prefix, or a list of them')
    target, scope = _entry_target(owner, entry.get("path"))
    if target is None:
        return _broken(document, entry.get("path") or entry, scope)
    where = f"{document.path}:{document.position(entry.start).line}"
    selectors = [Selector(code.text.upper(), Problem("", node=code), document) for code in codes]
    reason = _string(entry.get("reason"))
    directive = Directive("metadata", document.path, where, (document.path, entry.start), selectors, redact(reason or ""))
    introducing = member_key(target)
    start = introducing.start if introducing is not None else target.start
    directive.spans.append((_place(document, start), _place(document, target.end)))
    directive.logical_path = target.logical_path() or None
    directive.scope = scope
    if not reason:
        reason_node = entry.get("reason")
        place = reason_node if reason_node is not None else entry
        _complain(directive, document, place, 'gives no reason: add "reason": why the finding is accepted')
    _expiry(directive, document, entry.get("expires"), today)
    return directive


def _entry_codes(node: JsonNode | None) -> list[JsonString] | None:
    items = node.items if isinstance(node, JsonArray) else [node] if node is not None else []
    codes = [item for item in items if isinstance(item, JsonString) and _CODE().match(item.text)]
    return codes if codes and len(codes) == len(items) else None


def _entry_target(owner: JsonObject, path: JsonNode | None) -> tuple[JsonNode | None, str]:
    """The node an entry covers, and words for messages (or why there is none)."""
    if path is None:
        return owner, "in this resource" if owner.parent is not None or owner.get("type") is not None else "in this file"
    text = _string(path)
    if text is None:
        return None, "'path' must be a string such as \"properties.customize[2]\""
    node = resolve_path(owner, text)
    if node is None:
        return None, f"path '{text}' is not in this resource: nothing is suppressed"
    return node, f"at {text}"


def resolve_path(owner: JsonNode, text: str) -> JsonNode | None:
    """``properties.customize[2]`` (as aiblint writes logical paths) inside ``owner``."""
    node: JsonNode | None = owner
    position = 0
    while position < len(text) and node is not None:
        match = _PATH_PART().match(text, position)
        if match is None or (match.group("name") and position and text[position] != "."):
            return None
        position = match.end()
        index = match.group("index")
        if index is not None:
            items = node.items if isinstance(node, JsonArray) else []
            node = items[int(index)] if int(index) < len(items) else None
        else:
            name = match.group("name") or re.sub(r"\\(.)", r"\1", match.group("quoted"))
            node = node.get(name) if isinstance(node, JsonObject) else None
    return node if text else None


def _string(node: JsonNode | None) -> str | None:
    return node.text.strip() if isinstance(node, JsonString) else None


def _expiry(directive: Directive, document: Document, node: JsonNode | None, today: Today) -> None:
    if node is None:
        return
    text = _string(node)
    date = _date(text) if text is not None else None
    if date is None:
        _complain(directive, document, node, "has an 'expires' that is not a date written YYYY-MM-DD")
        return
    directive.expires = date
    if date <= today():
        directive.expired = True
        _complain(directive, document, node, f"expired on {date.isoformat()}: the finding is reported again; fix it, or renew the suppression")


def _date(text: str) -> datetime.date | None:
    import datetime  # only for an expiry date: most runs read none

    try:
        return datetime.date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        return None


def _complain(directive: Directive, document: Document, node: JsonNode, what: str) -> None:
    message = f"suppression of {_codes(directive)} {what}"
    directive.complaints.append((message, Problem(message, node=node), document))


def _codes(directive: Directive) -> str:
    return ", ".join(selector.code for selector in directive.selectors) or "nothing"


def _place(document: Document, offset: int) -> Place:
    position = document.position(offset)
    return position.line, position.column


# -- comment text, shared by JSONC and scripts -----------------------------------------


class _Parsed(MutableRecord):
    """A directive comment's parts, as offsets relative to the comment body."""

    __slots__ = ("codes", "reason", "expires", "span", "error")  # noqa: RUF023 - in field order
    codes: list[tuple[str, int, int]]
    reason: str
    expires: tuple[str, int, int] | None
    span: tuple[int, int]  # the directive text
    error: str

    def __init__(
        self,
        codes: list[tuple[str, int, int]],
        reason: str,
        expires: tuple[str, int, int] | None,
        span: tuple[int, int],
        error: str = "",
    ) -> None:
        self.codes = codes
        self.reason = reason
        self.expires = expires
        self.span = span
        self.error = error


def parse_comment(body: str) -> _Parsed | None:
    """``aiblint: ignore[AIB304,AIB305] expires=2027-01-01 reason`` -> its parts;
    ``None`` when the comment is not an aiblint directive."""
    lead = len(body) - len(body.lstrip())
    match = _DIRECTIVE().match(body, lead)
    if match is None:
        return None
    end = len(body.rstrip())
    parsed = _Parsed([], "", None, (lead, end))
    if match.group("verb").lower() != "ignore":
        if not body.startswith("[", match.end()):
            return None  # prose that starts with "aiblint:", not a directive
        parsed.error = f"has an unknown directive '{match.group('verb')}': write 'aiblint: ignore[RULE] reason'"
        return parsed
    codes = _CODES().match(body, match.end())
    if codes is None:
        parsed.error = "names no rule: write 'aiblint: ignore[RULE] reason' (a rule id or prefix in brackets)"
        return parsed
    for item in re.finditer(r"[^,\s]+", codes.group("codes")):
        start = codes.start("codes") + item.start()
        if not _CODE().match(item.group()):
            parsed.error = f"'{item.group()}' is not a rule id or prefix"
            return parsed
        parsed.codes.append((item.group().upper(), start, start + len(item.group())))
    if not parsed.codes:
        parsed.error = "names no rule: write 'aiblint: ignore[RULE] reason' (a rule id or prefix in brackets)"
        return parsed
    rest = codes.end()
    expires = _EXPIRES().match(body, rest)
    if expires is not None:
        parsed.expires = (expires.group("date"), expires.start("date"), expires.end("date"))
        rest = expires.end()
    parsed.reason = body[rest:end].strip().lstrip(":-–—").strip()
    return parsed


def _from_comment(parsed: _Parsed, source: str, document: Document, locate: Locate, today: Today) -> Directive:
    """A directive from a parsed comment; ``locate(start, end)`` places body offsets."""
    start_problem = locate(*parsed.span)
    offset = start_problem.start or 0
    line = document.position(offset).line
    selectors = [Selector(code, locate(start, end), document) for code, start, end in parsed.codes]
    directive = Directive(source, document.path, f"{document.path}:{line}", (document.path, offset), selectors, redact(parsed.reason))
    if parsed.error:
        message = f"aiblint comment {parsed.error}; nothing is suppressed"
        directive.complaints.append((message, _with(start_problem, message), document))
        directive.selectors = []
        return directive
    if not parsed.reason:
        message = f"suppression of {_codes(directive)} gives no reason: write why after the brackets"
        directive.complaints.append((message, _with(start_problem, message), document))
    if parsed.expires is not None:
        text, begin, finish = parsed.expires
        date = _date(text)
        where = locate(begin, finish)
        if date is None:
            message = f"suppression of {_codes(directive)} has an 'expires' that is not a date written YYYY-MM-DD"
            directive.complaints.append((message, _with(where, message), document))
        else:
            directive.expires = date
            if date <= today():
                directive.expired = True
                message = (
                    f"suppression of {_codes(directive)} expired on {date.isoformat()}: "
                    "the finding is reported again; fix it, or renew the suppression"
                )
                directive.complaints.append((message, _with(where, message), document))
    return directive


def _with(problem: Problem, message: str) -> Problem:
    return Problem(message, node=problem.node, start=problem.start, end=problem.end, document=problem.document)


# -- JSONC comments ---------------------------------------------------------------------


def _in_text(base: int) -> Locate:
    """Body offsets -> document offsets, ``base`` being where the body starts."""
    return lambda start, end: Problem("", start=base + start, end=base + end)


def _comment_directives(document: Document, today: Today) -> Iterator[Directive]:
    text = document.text
    for start, end in document.comments:
        block = text.startswith("/*", start)
        opener = 1 if text.startswith("#", start) else 2  # HCL also writes "# ..."
        body = text[start + opener : end - 2 if block else end]
        parsed = parse_comment(body)
        if parsed is None:
            continue
        directive = _from_comment(parsed, "comment", document, _in_text(start + opener), today)
        line = _target_line(document, start, end)
        if line is not None:
            directive.spans.append(((line, 1), (line + 1, 1)))
            directive.scope = f"on line {line}"
        yield directive


def _target_line(document: Document, start: int, end: int) -> int | None:
    """The line a comment covers: its own when code shares it, else the next line with code."""
    first, last = document.position(start).line, document.position(end).line
    line_start = document.line_starts[first - 1]
    if _code_between(document, line_start, start):
        return first
    line_end = document.offset(Position(last + 1, 1)) if last < len(document.line_starts) else len(document.text)
    if _code_between(document, end, line_end):
        return last
    for line in range(last + 1, len(document.line_starts) + 1):
        begin = document.line_starts[line - 1]
        stop = document.line_starts[line] if line < len(document.line_starts) else len(document.text)
        if _code_between(document, begin, stop):
            return line
    return None


def _code_between(document: Document, begin: int, stop: int) -> bool:
    """Whether text other than white space and comments lies in ``begin:stop``."""
    position = begin
    for start, end in document.comments:
        if end <= position or start >= stop:
            continue
        if document.text[position:start].strip():
            return True
        position = max(position, end)
    return bool(document.text[position:stop].strip())


# -- script comments ----------------------------------------------------------------------


def _script_directives(templates: list[ImageTemplate], today: Today) -> Iterator[Directive]:
    from aiblint.scripts.units import script_units

    for template in templates:
        for unit in script_units(template):
            lines = unit.lines
            for index, line in enumerate(lines, 1):
                match = _SCRIPT_COMMENT.search(line)
                parsed = parse_comment(line[match.end() :]) if match is not None else None
                if match is None or parsed is None:
                    continue
                locate = _in_script(unit, index, match.end())
                document = locate(*parsed.span).document or unit.document
                directive = _from_comment(parsed, "script", document, locate, today)
                target = index if line[: match.start()].strip() else _next_code_line(lines, index)
                if target is not None:
                    _script_target(directive, unit, target, len(lines[target - 1]))
                yield directive


def _in_script(unit: ScriptUnit, line: int, base: int) -> Locate:
    """Body offsets -> a problem in the script line, ``base`` being the body's column offset."""
    return lambda start, end: unit.problem("", line, base + start + 1, line, base + end + 1)


def _next_code_line(lines: list[str], index: int) -> int | None:
    for number in range(index + 1, len(lines) + 1):
        stripped = lines[number - 1].strip()
        if stripped and not stripped.startswith("#"):
            return number
    return None


def _script_target(directive: Directive, unit: ScriptUnit, line: int, length: int) -> None:
    problem = unit.problem("", line, 1, line, length + 1)
    document = problem.document or unit.document
    if unit.origin == "inline" and problem.node is not None:
        begin, end = problem.node.start, problem.node.end  # the whole element, quotes included
    else:
        begin = problem.start or 0
        end = max(problem.end or 0, begin + 1)
    directive.path = document.path
    directive.spans.append((_place(document, begin), _place(document, end)))
    directive.scope = f"on script line {line}"
