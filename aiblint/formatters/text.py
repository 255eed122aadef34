"""``path:line:col: severity RULE message``: what editors and grep read.

On a terminal each finding also gets a code frame and colour.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, TextIO

from aiblint.findings import Finding, Report, Severity
from aiblint.formatters import Formatter, safe_text
from aiblint.lazyre import lazy
from aiblint.redact import redact

_COLOURS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.NOTE: "\033[36m"}
#: ShellCheck's page for a code: what it means, with examples and exceptions.
SHELLCHECK_WIKI = "https://www.shellcheck.net/wiki/{code}"
_SHELLCHECK_CODE = lazy(r"SC\d{4}\Z")
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"
#: Control characters (C0 but tab, DEL, C1) and Unicode line separators. Text from a
#: template (a customizer name in a message, a file name, a source line) must neither
#: start a line of its own (a fake finding for whatever reads the output) nor send a
#: terminal escape sequence: messages show them escaped, code frames as U+FFFD.
_CONTROL = lazy("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


class TextFormatter(Formatter):
    name = "text"
    _secrets: Mapping[str, list[Finding]] = MappingProxyType({})  # set by write()
    #: the summary line after a clean run too (``0 problems in 3 files checked``): on a terminal
    clean_summary: bool = False
    #: findings only: no summary line (``--quiet``)
    quiet: bool = False
    #: counts per rule instead of the findings (``--statistics``)
    statistics: bool = False
    #: each finding ends with the page that explains its rule (``--show-links``)
    show_links: bool = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lines: dict[str, list[str]] = {}  # source lines by path, split once

    def write(self, report: Report, stream: TextIO) -> None:
        self._secrets = _secret_spans(report, self)
        self._lines = {}
        if self.statistics:
            stream.write(self.table(report))
        else:
            for finding in report.findings if self.show_suppressed else report.active:
                stream.write(safe_text(self.line(finding)) + "\n")
                frame = self.frame(finding)
                if frame:
                    stream.write(safe_text(frame))
        if not self.quiet and (report.findings or self.clean_summary):
            stream.write(self.summary(report) + "\n")

    def table(self, report: Report) -> str:
        """``--statistics``: how many findings of each rule, most first (as ruff and flake8 print them)."""
        from collections import Counter

        active = report.active
        counts = Counter(finding.rule for finding in active)
        fixable = Counter(finding.rule for finding in active if finding.fix is not None)
        rows = []
        for rule, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            info = self.rule_info(rule)
            name = info.name if info is not None else ""
            mark = "[*] " if fixable[rule] else ""
            rows.append(f"{count:>5}  {printable(rule):<8} {mark}{name}".rstrip() + "\n")
        return "".join(rows)

    def line(self, finding: Finding) -> str:
        where = f"{printable(finding.path)}:{finding.line}:{finding.column}:"
        level = finding.severity.label
        if self.color:
            where = _BOLD + where + _RESET
            level = _COLOURS[finding.severity] + level + _RESET
        suppressed = finding.suppressed
        mark = "" if suppressed is None else f" [suppressed: {suppressed.reason}]" if suppressed.reason else " [suppressed]"
        link = self.link(finding.rule) if self.show_links else ""
        return f"{where} {level} {printable(finding.rule)} {printable(finding.message + mark)}" + (f" {link}" if link else "")

    def link(self, rule: str) -> str:
        """The page that explains ``rule``: ShellCheck's wiki for an SC code, else the rule's own page."""
        if _SHELLCHECK_CODE().match(rule):
            return SHELLCHECK_WIKI.format(code=rule)
        info = self.rule_info(rule)
        return info.help_uri if info is not None else ""

    def frame(self, finding: Finding) -> str:
        lines = self._lines.get(finding.path)
        if lines is None:  # split once per file, not once per finding
            text = self.sources.get(finding.path)
            lines = self._lines[finding.path] = text.split("\n") if text is not None else []
        if not 1 <= finding.line <= len(lines):
            return ""
        source = _masked(lines[finding.line - 1].rstrip("\r"), finding.line, self._secrets.get(finding.path, []))
        source = redact(source)  # a secret that no finding is about (a token in a URL, a parameter's value)
        source = _CONTROL().sub("\ufffd", source.expandtabs(1))
        width = (finding.end_column - finding.column) if finding.end_line == finding.line else len(source) - finding.column + 1
        source, start = _window(source, finding.column - 1)
        gutter = f"{finding.line:>5} | "
        caret = " " * (len(gutter) + start) + "^" * max(1, min(width, len(source) - start))
        if self.color:
            caret = _COLOURS[finding.severity] + caret + _RESET
            gutter = _DIM + gutter + _RESET
        return f"{gutter}{source}\n{caret}\n"

    @staticmethod
    def summary(report: Report) -> str:
        active = report.active  # a new list each time it is asked: asked once here, not five times
        severities = [finding.severity for finding in active]
        counts = [(severities.count(level), level.label) for level in (Severity.ERROR, Severity.WARNING, Severity.NOTE)]
        parts = ", ".join(f"{count} {label}{'s' if count != 1 else ''}" for count, label in counts if count)
        total = len(active)
        # the files the findings are in count too (parameters files, scripts): they were checked
        files = max(report.files_checked, len(report.paths | {finding.path for finding in report.findings}))
        line = f"{total} problem{'s' if total != 1 else ''}{f' ({parts})' if parts else ''} in {files} file{'s' if files != 1 else ''} checked"
        suppressed = len(report.findings) - total
        fixable = sum(1 for finding in active if finding.fix is not None)
        return line + (f"; {suppressed} suppressed" if suppressed else "") + (f"; {fixable} fixable with --fix" if fixable else "")


#: A code frame shows at most this much of a long line (a minified template is one line).
FRAME_WIDTH = 160


def _window(source: str, start: int) -> tuple[str, int]:
    """``source`` cut to about :data:`FRAME_WIDTH` characters around index ``start``,
    marked with '…' where cut; and where ``start`` is in what is shown."""
    if len(source) <= FRAME_WIDTH:
        return source, start
    begin = max(0, min(start - FRAME_WIDTH // 4, len(source) - FRAME_WIDTH))
    prefix = "…" if begin else ""
    suffix = "…" if begin + FRAME_WIDTH < len(source) else ""
    return prefix + source[begin : begin + FRAME_WIDTH] + suffix, start - begin + len(prefix)


def printable(text: str) -> str:
    """``text`` with every control character written as an escape (``\\n``, ``\\x1b``)."""
    if text.isprintable():  # no character of _CONTROL is printable: most texts need no search (3 a finding)
        return text
    return _CONTROL().sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return {0x0A: "\\n", 0x0D: "\\r"}.get(code) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


#: Rules with this tag report secrets: a code frame never shows what they point at.
SECRET_TAG = "secret"
_HIDDEN = "*"


def _secret_spans(report: Report, formatter: Formatter) -> dict[str, list[Finding]]:
    spans: dict[str, list[Finding]] = {}
    for finding in report.findings:
        info = formatter.rule_info(finding.rule)
        if info is not None and SECRET_TAG in info.tags:
            spans.setdefault(finding.path, []).append(finding)
    return spans


def _masked(source: str, line: int, secrets: list[Finding]) -> str:
    """``source`` (line ``line``) with every character a secret finding covers starred."""
    for secret in secrets:
        if not secret.line <= line <= secret.end_line:
            continue
        begin = secret.column - 1 if secret.line == line else 0
        stop = secret.end_column - 1 if secret.end_line == line else len(source)
        source = source[:begin] + _HIDDEN * max(0, min(stop, len(source)) - begin) + source[stop:]
    return source
