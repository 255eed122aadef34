"""SARIF 2.1.0, one run, for GitHub code scanning and other SARIF viewers.

What GitHub needs to accept and show a log well (docs/integrations.md): one run;
``automationDetails.id``; rules with help and ``security-severity`` as a string;
every result with exactly one physical location whose URI is relative to
``%SRCROOT%``, percent-encoded, with '/'; our own ``partialFingerprints`` that
do not change when lines move; suppressed findings kept, with ``suppressions``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TextIO
from urllib.parse import quote

from aiblint import __version__
from aiblint.constants import HOMEPAGE, PROGRAM
from aiblint.findings import Finding, RelatedLocation, Report, Severity
from aiblint.formatters import Formatter, RuleInfo, safe_text

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}
FINGERPRINT_KEY = "aiblintFingerprint/v1"
#: GitHub code scanning accepts 20 tags per rule but stores only the first 10.
MAX_TAGS = 10


class SarifFormatter(Formatter):
    name = "sarif"

    def write(self, report: Report, stream: TextIO) -> None:
        rule_ids = sorted(set(self.rules) | {finding.rule for finding in report.findings})
        descriptors = [self.descriptor(rule_id) for rule_id in rule_ids]
        index = {rule_id: position for position, rule_id in enumerate(rule_ids)}
        run = {
            "tool": {
                "driver": {
                    "name": PROGRAM,
                    "semanticVersion": __version__,
                    "version": __version__,
                    "informationUri": HOMEPAGE,
                    "rules": descriptors,
                }
            },
            "automationDetails": {"id": f"{PROGRAM}/"},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().as_uri() + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": [
                self.result(finding, index[finding.rule], fingerprint)
                for finding, fingerprint in zip(report.findings, _fingerprints(report.findings), strict=True)
            ],
            "invocations": [self.invocation(report)],
        }
        log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
        stream.write(safe_text(json.dumps(log, indent=2, ensure_ascii=False)) + "\n")

    def descriptor(self, rule_id: str) -> dict[str, object]:
        info = self.rule_info(rule_id)
        if info is None:
            return {"id": rule_id, "name": rule_id}
        tags = list(dict.fromkeys(info.tags))
        if info.security_severity is not None:  # GitHub shows security-severity only on rules tagged so
            tags = ["security", *(tag for tag in tags if tag != "security")]
        properties: dict[str, object] = {"tags": tags[:MAX_TAGS]}
        if info.security_severity is not None:
            properties["security-severity"] = f"{info.security_severity:.1f}"
        name = info.name if info.id == rule_id else f"{info.name}-{rule_id}"
        full = info.description.strip() or info.summary
        return {
            "id": rule_id,
            "name": name,
            "shortDescription": {"text": info.summary},
            "fullDescription": {"text": full},
            "helpUri": info.help_uri,
            "help": {
                "text": f"{full}\n\nDocumentation and examples: {info.help_uri}",
                "markdown": f"{full}\n\n[{rule_id} documentation and examples]({info.help_uri})",
            },
            "defaultConfiguration": {"level": _LEVELS[info.severity]},
            "properties": properties,
        }

    @staticmethod
    def result(finding: Finding, rule_index: int, fingerprint: str | None = None) -> dict[str, object]:
        start_line, start_column = max(1, finding.line), max(1, finding.column)
        end_line = max(start_line, finding.end_line)
        end_column = max(finding.end_column, start_column if end_line == start_line else 1)
        location: dict[str, object] = {
            "physicalLocation": {
                "artifactLocation": artifact_location(finding.path),
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
            "message": {"text": finding.message},
            "locations": [location],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint or _own_fingerprint(finding)},
        }
        suppression = suppression_of(finding)
        if suppression is not None:
            result["suppressions"] = [suppression]
        if finding.related:
            result["relatedLocations"] = [_related(item, index) for index, item in enumerate(finding.related, 1)]
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


def _related(item: RelatedLocation, index: int) -> dict[str, object]:
    """Another place the result refers to (where a parameter's value is used)."""
    region = {"startLine": item.line, "startColumn": item.column, "endLine": item.end_line, "endColumn": item.end_column}
    return {
        "id": index,
        "physicalLocation": {"artifactLocation": artifact_location(item.path), "region": region},
        "message": {"text": item.message},
    }


def rule_infos_from(rules: list[RuleInfo]) -> dict[str, RuleInfo]:
    return {rule.id: rule for rule in rules}


def artifact_location(path: str) -> dict[str, str]:
    """A display path as SARIF wants it: relative to ``%SRCROOT%``, percent-encoded,
    with '/'. A file outside the working folder gets an absolute ``file:`` URI
    (a relative ``../`` URI would point outside the repository for GitHub)."""
    posix = PurePosixPath(path)
    if posix.is_absolute() or PureWindowsPath(path).drive or (posix.parts[:1] == ("..",)):
        try:
            return {"uri": (Path.cwd() / path).resolve().as_uri()}
        except ValueError:  # a name no file system holds (a lone surrogate)
            return {"uri": "file://" + quote(_name_bytes(os.path.normpath(os.path.join(os.getcwd(), path))), safe="/")}
    return {"uri": quote(_name_bytes(path), safe="/"), "uriBaseId": "%SRCROOT%"}


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
