"""SARIF 2.1.0, one run, for GitHub code scanning and other SARIF viewers.

What GitHub needs to accept and show a log well (docs/integrations.md): one
run, with no ``automationDetails.id`` unless ``--sarif-category`` sets one (so
upload-sarif's ``category:`` applies); rules with help, ``precision``,
``problem.severity`` and ``security-severity`` as a string; every result with
exactly one physical location whose URI is relative to ``%SRCROOT%`` (the
repository root), percent-encoded, with '/'; our own ``partialFingerprints``
that do not change when lines move; at most 25,000 results. GitHub ignores
``suppressions``, so suppressed and baselined findings are left out unless
asked for (``--sarif-include-suppressed``), and then marked.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

from aiblint import __version__
from aiblint.constants import HOMEPAGE, PROGRAM
from aiblint.findings import Finding, RelatedLocation, Report, Severity
from aiblint.formatters import Formatter, RuleInfo, safe_text

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}
#: GitHub's ``problem.severity``: a note is a recommendation.
_PROBLEM_SEVERITIES = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "recommendation"}
FINGERPRINT_KEY = "aiblintFingerprint/v1"
#: GitHub code scanning accepts 20 tags per rule but stores only the first 10.
MAX_TAGS = 10
#: GitHub code scanning rejects a run with more results than this.
MAX_RESULTS = 25_000
#: GitHub code scanning cuts ``fullDescription`` at this many characters (the full text stays in ``help``).
MAX_FULL_DESCRIPTION = 1_024
SHELLCHECK_WIKI = "https://www.shellcheck.net/wiki/{code}"


class SarifFormatter(Formatter):
    name = "sarif"
    max_results = MAX_RESULTS

    def write(self, report: Report, stream: TextIO) -> None:
        prints = dict(zip(map(id, report.findings), _fingerprints(report.findings), strict=True))
        findings = report.findings if self.show_suppressed else report.active
        findings, dropped = _most_severe(findings, self.max_results)
        if dropped:
            report.notes.append(dropped)  # on stderr too (the CLI prints the run's notes)
        messages: dict[str, str] = {}
        for finding in findings:  # an external analyzer's check is described by its shortest message
            if len(finding.message) < len(messages.get(finding.rule, finding.message + " ")):
                messages[finding.rule] = finding.message
        rule_ids = sorted(set(self.rules) | {finding.rule for finding in findings})
        index = {rule_id: position for position, rule_id in enumerate(rule_ids)}
        root = _root_uri(self.cwd, self.root)
        run: dict[str, object] = {
            "tool": {
                "driver": {
                    "name": PROGRAM,
                    "semanticVersion": __version__,
                    "version": __version__,
                    "informationUri": HOMEPAGE,
                    "rules": [self.descriptor(rule_id, messages.get(rule_id)) for rule_id in rule_ids],
                }
            },
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root}},
            "columnKind": "unicodeCodePoints",
            "results": [self.result(finding, index[finding.rule], prints[id(finding)]) for finding in findings],
            "invocations": [self.invocation(report)],
        }
        if self.category:
            run["automationDetails"] = {"id": self.category if self.category.endswith("/") else self.category + "/"}
        log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
        stream.write(safe_text(json.dumps(log, indent=2, ensure_ascii=False)) + "\n")

    def descriptor(self, rule_id: str, message: str | None = None) -> dict[str, object]:
        info = self.rule_info(rule_id)
        if info is None:
            return {"id": rule_id, "name": rule_id}
        tags = list(dict.fromkeys(info.tags))
        if info.security_severity is not None:  # GitHub shows security-severity only on rules tagged so
            tags = ["security", *(tag for tag in tags if tag != "security")]
        properties: dict[str, object] = {
            "tags": tags[:MAX_TAGS],
            # Every rule reports only what it has established; external analyzers' checks are theirs to judge.
            "precision": "high",
            "problem.severity": _PROBLEM_SEVERITIES[info.severity],
        }
        if info.security_severity is not None:
            properties["security-severity"] = f"{info.security_severity:.1f}"
        full = info.description.strip() or info.summary
        summary, help_uri, name = info.summary, info.help_uri, info.name
        if info.id != rule_id:  # one check of an external analyzer (SC2086 of the SC family)
            name = f"{info.name}-{rule_id}"
            summary = f"{info.name} {rule_id}: {message}" if message else f"{info.name} check {rule_id}"
            if rule_id.startswith("SC") and rule_id[2:].isdigit():
                help_uri = SHELLCHECK_WIKI.format(code=rule_id)
            full = f"{summary}\n\n{full}"
        return {
            "id": rule_id,
            "name": name,
            "shortDescription": {"text": summary},
            "fullDescription": {"text": _clip(full, MAX_FULL_DESCRIPTION)},
            "helpUri": help_uri,
            "help": {
                "text": f"{full}\n\nDocumentation and examples: {help_uri}",
                "markdown": f"{full}\n\n[{rule_id} documentation and examples]({help_uri})",
            },
            "defaultConfiguration": {"level": _LEVELS[info.severity]},
            "properties": properties,
        }

    def result(self, finding: Finding, rule_index: int, fingerprint: str | None = None) -> dict[str, object]:
        start_line, start_column = max(1, finding.line), max(1, finding.column)
        end_line = max(start_line, finding.end_line)
        end_column = max(finding.end_column, start_column if end_line == start_line else 1)
        location: dict[str, object] = {
            "physicalLocation": {
                "artifactLocation": artifact_location(finding.path, self.cwd, self.root),
                "region": {
                    "startLine": start_line,
                    "startColumn": start_column,
                    "endLine": end_line,
                    "endColumn": end_column,
                },
            }
        }
        if finding.logical_path:
            location["logicalLocations"] = [{"fullyQualifiedName": finding.logical_path, "kind": "member"}]
        result: dict[str, object] = {
            "ruleId": finding.rule,
            "ruleIndex": rule_index,
            "level": _LEVELS[finding.severity],
            "message": {"text": linked_message(finding)},
            "locations": [location],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint or _own_fingerprint(finding)},
        }
        suppression = suppression_of(finding)
        if suppression is not None:
            result["suppressions"] = [suppression]
        if finding.related:
            result["relatedLocations"] = [self._related(item, index) for index, item in enumerate(finding.related, 1)]
        return result

    @staticmethod
    def invocation(report: Report) -> dict[str, object]:
        notifications = [
            {"level": "error", "message": {"text": f"{error.path}: {error.message}"}} for error in report.errors
        ] + [{"level": "note", "message": {"text": note}} for note in report.notes]
        invocation: dict[str, object] = {"executionSuccessful": not report.errors}
        if notifications:
            invocation["toolExecutionNotifications"] = notifications
        return invocation

    def _related(self, item: RelatedLocation, index: int) -> dict[str, object]:
        """Another place the result refers to (where a parameter's value is used)."""
        region = {"startLine": item.line, "startColumn": item.column, "endLine": item.end_line, "endColumn": item.end_column}
        return {
            "id": index,
            "physicalLocation": {"artifactLocation": artifact_location(item.path, self.cwd, self.root), "region": region},
            "message": {"text": item.message},
        }


def linked_message(finding: Finding) -> str:
    """The message, with a link to each related location (``[text](1)``, SARIF
    §3.11.6), which is how GitHub shows them; brackets in the text are escaped."""
    if not finding.related:
        return finding.message
    links = "; ".join(f"[{_escape_brackets(item.message)}]({index})" for index, item in enumerate(finding.related, 1))
    return f"{_escape_brackets(finding.message)} (see {links})"


def _escape_brackets(text: str) -> str:
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at a space, marked with '…'."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return cut[: cut.rfind(" ")].rstrip() + "…" if " " in cut else cut + "…"


def _most_severe(findings: list[Finding], limit: int) -> tuple[list[Finding], str]:
    """At most ``limit`` findings, the most severe first to stay (in file order),
    and a note saying what was left out (empty when nothing was)."""
    if len(findings) <= limit:
        return findings, ""
    ranked = sorted(range(len(findings)), key=lambda position: -findings[position].severity)  # stable: file order
    kept = set(ranked[:limit])
    left_out = Counter(findings[position].severity for position in ranked[limit:])
    counts = ", ".join(f"{left_out[level]:,} {level.label}{'s' if left_out[level] != 1 else ''}"
                       for level in sorted(left_out, reverse=True))
    note = (f"SARIF: {len(findings) - limit:,} of {len(findings):,} results left out ({counts}): GitHub code scanning "
            f"takes at most {limit:,} per run, so the most severe were kept")
    return [finding for position, finding in enumerate(findings) if position in kept], note


def _root_uri(cwd: Path, root: Path | None) -> str:
    from aiblint.reporoot import repository_root

    return (root.resolve() if root is not None else repository_root(cwd)).as_uri() + "/"


def rule_infos_from(rules: list[RuleInfo]) -> dict[str, RuleInfo]:
    return {rule.id: rule for rule in rules}


def artifact_location(path: str, cwd: Path | None = None, root: Path | None = None) -> dict[str, str]:
    """A display path (relative to ``cwd``) as SARIF wants it: relative to
    ``%SRCROOT%`` (the repository root), percent-encoded, with '/'. A file
    outside the repository gets an absolute ``file:`` URI (a relative ``../``
    URI would point outside the repository for GitHub)."""
    from aiblint.reporoot import absolute, from_root

    cwd = cwd or Path.cwd()
    inside = from_root(path, cwd, root)
    if inside is not None:
        return {"uri": quote(_name_bytes(inside), safe="/"), "uriBaseId": "%SRCROOT%"}
    full = absolute(path, cwd)
    try:
        return {"uri": Path(full).as_uri()}
    except ValueError:  # a name no file system holds (a lone surrogate)
        return {"uri": "file://" + quote(_name_bytes(full), safe="/")}


def _name_bytes(path: str) -> bytes:
    """A file name's own bytes: a name that is not UTF-8 (read from the file system
    with surrogate escapes, 'caf\\udce9.json') is percent-encoded as it is on disk."""
    try:
        return path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogatepass")


def _own_fingerprint(finding: Finding) -> str:
    """The engine's fingerprint (rule, file, logical path, offending text); for a
    finding made elsewhere without one, the same idea from what it carries."""
    if finding.fingerprint:
        return finding.fingerprint
    parts = (finding.rule, finding.path, finding.logical_path, finding.message)
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _fingerprints(findings: list[Finding]) -> list[str]:
    """One fingerprint per finding, unique within a file: the second finding with
    the same fingerprint in a file gets ``:2`` and so on (in file order, so the
    numbers stay put when lines move), or GitHub would merge them into one alert."""
    seen: dict[tuple[str, str], int] = {}
    unique: list[str] = []
    for finding in findings:
        own = _own_fingerprint(finding)
        count = seen[(finding.path, own)] = seen.get((finding.path, own), 0) + 1
        unique.append(own if count == 1 else f"{own}:{count}")
    return unique


def suppression_of(finding: Finding) -> dict[str, object] | None:
    """SARIF ``suppressions[0]`` for a suppressed finding: ``inSource`` (template
    metadata, a JSONC comment, a script comment) or ``external`` (the baseline),
    accepted, with the reason as the justification."""
    suppressed = finding.suppressed
    if suppressed is None:
        return None
    kind = "external" if suppressed.kind == "external" else "inSource"
    suppression: dict[str, object] = {"kind": kind, "status": "accepted"}
    if suppressed.reason:
        suppression["justification"] = suppressed.reason
    return suppression
