"""The lint pipeline: discover -> load -> model -> check -> filter -> report.

:func:`lint_paths` is the library entry point that the CLI, the language
server and the tests call. It never raises for bad input: unreadable files
become findings or :class:`~aiblint.findings.InternalError` entries.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from aiblint.config import Config, load_config
from aiblint.discover import Candidate, discover, display_path, looks_like_template
from aiblint.document import Document
from aiblint.findings import Finding, InternalError, Report, Severity
from aiblint.jsontree import member_key
from aiblint.loader import load_bytes
from aiblint.model import find_templates
from aiblint.registry import RuleSet
from aiblint.rule import FileContext, Problem, Rule
from aiblint.selection import Selection

STDIN = "-"


class Linter:
    """Runs a loaded rule set over documents and turns problems into findings."""

    def __init__(self, rules: RuleSet, config: Config) -> None:
        self.rules = rules
        self.config = config
        self.selection = Selection.of(config.select, config.ignore)

    def lint_bytes(self, data: bytes, display: str, explicit: bool = True) -> tuple[list[Finding], int]:
        """Findings for one file's bytes, and how many templates it held."""
        document = load_bytes(data, display)
        templates = find_templates(document) if document.root is not None else []
        context = FileContext(document, templates, explicit)
        findings: list[Finding] = []
        for rule in self.rules.rules:
            findings.extend(self._run(rule, document, rule.check_file(context)))
            for template in templates:
                findings.extend(self._run(rule, document, rule.check_template(template)))
        return sorted(set(findings)), len(templates)

    def _run(self, rule: Rule, document: Document, problems: Iterable[Problem]) -> Iterable[Finding]:
        for problem in problems:
            finding = self.finding(rule, problem.document or document, problem)
            if finding is not None:
                yield finding

    def finding(self, rule: Rule, document: Document, problem: Problem) -> Finding | None:
        rule_id = problem.rule or rule.id
        if not self.selection.enabled(rule_id):
            return None
        severity = self._severity(rule_id) or problem.severity or rule.severity
        logical_path = problem.node.logical_path() if problem.node is not None else ""
        if problem.start is not None:
            start = problem.start
            end = problem.end if problem.end is not None else start
        elif problem.node is not None:
            target = (member_key(problem.node) if problem.at_key else None) or problem.node
            start, end = target.start, target.end
        else:
            start = end = 0
        span = document.span(start, end)
        return Finding(
            path=document.path,
            line=span.start.line,
            column=span.start.column,
            end_line=span.end.line,
            end_column=span.end.column,
            rule=rule_id,
            severity=severity,
            message=problem.message,
            logical_path=logical_path,
            fingerprint=_fingerprint(rule_id, document.path, logical_path, document.text[start:end]),
        )

    def _severity(self, rule_id: str) -> Severity | None:
        matches = [prefix for prefix in self.config.severity if rule_id.startswith(prefix)]
        return self.config.severity[max(matches, key=len)] if matches else None


def _fingerprint(rule_id: str, path: str, logical_path: str, text: str) -> str:
    digest = hashlib.sha256("\0".join((rule_id, path, logical_path, text)).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


def lint_paths(
    paths: Sequence[str],
    *,
    config: Config | None = None,
    cwd: str | Path | None = None,
    stdin: bytes | None = None,
    stdin_filename: str | None = None,
    rules: RuleSet | None = None,
) -> Report:
    """Lint files and directories (``-`` reads standard input).

    ``config`` defaults to the configuration file found from ``cwd``.
    """
    folder = Path(cwd) if cwd is not None else Path.cwd()
    config = config if config is not None else load_config(folder)
    linter = Linter(rules if rules is not None else RuleSet.load(Selection.of(config.select, config.ignore)), config)
    report = Report()
    for path in paths:
        if path == STDIN:
            data = stdin if stdin is not None else sys.stdin.buffer.read()
            display = display_path(folder / stdin_filename, folder) if stdin_filename else "<stdin>"
            _lint_one(linter, report, data, display, explicit=True)
            continue
        for candidate in discover([path], folder, config.exclude):
            _lint_candidate(linter, report, candidate)
    report.findings.sort()
    return report


def _lint_candidate(linter: Linter, report: Report, candidate: Candidate) -> None:
    try:
        data = candidate.path.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        report.errors.append(InternalError(candidate.display, f"cannot read: {reason}"))
        return
    if not candidate.explicit and not looks_like_template(data):
        return
    _lint_one(linter, report, data, candidate.display, candidate.explicit)


def _lint_one(linter: Linter, report: Report, data: bytes, display: str, explicit: bool) -> None:
    try:
        findings, templates = linter.lint_bytes(data, display, explicit)
    except Exception as error:  # a bug in aiblint or a plugin: report it, go on
        report.errors.append(InternalError(display, f"internal error: {type(error).__name__}: {error}"))
        if os.environ.get("AIBLINT_DEBUG"):
            raise
        return
    report.files_checked += 1
    report.templates_checked += templates
    report.findings.extend(findings)
