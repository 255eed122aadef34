"""SARIF 2.1.0, one run, for GitHub code scanning and other SARIF viewers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

from aiblint import __version__
from aiblint.constants import HOMEPAGE, PROGRAM
from aiblint.findings import Finding, Report, Severity
from aiblint.formatters import Formatter, RuleInfo, safe_text

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}


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
            "results": [self.result(finding, index[finding.rule]) for finding in report.findings],
            "invocations": [self.invocation(report)],
        }
        log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
        stream.write(safe_text(json.dumps(log, indent=2, ensure_ascii=False)) + "\n")

    def descriptor(self, rule_id: str) -> dict[str, object]:
        info = self.rule_info(rule_id)
        if info is None:
            return {"id": rule_id, "name": rule_id}
        properties: dict[str, object] = {"tags": list(info.tags)[:20]}
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
            "help": {"text": full, "markdown": full},
            "defaultConfiguration": {"level": _LEVELS[info.severity]},
            "properties": properties,
        }

    @staticmethod
    def result(finding: Finding, rule_index: int) -> dict[str, object]:
        location: dict[str, object] = {
            "physicalLocation": {
                "artifactLocation": {"uri": quote(finding.path, safe="/"), "uriBaseId": "%SRCROOT%"},
                "region": {
                    "startLine": finding.line,
                    "startColumn": finding.column,
                    "endLine": finding.end_line,
                    "endColumn": max(finding.end_column, finding.column if finding.end_line == finding.line else 1),
                },
            }
        }
        if finding.logical_path:
            location["logicalLocations"] = [{"fullyQualifiedName": finding.logical_path, "kind": "member"}]
        return {
            "ruleId": finding.rule,
            "ruleIndex": rule_index,
            "level": _LEVELS[finding.severity],
            "message": {"text": finding.message},
            "locations": [location],
            "partialFingerprints": {"aiblintFingerprint/v1": finding.fingerprint},
        }

    @staticmethod
    def invocation(report: Report) -> dict[str, object]:
        notifications = [
            {"level": "error", "message": {"text": f"{error.path}: {error.message}"}} for error in report.errors
        ] + [{"level": "note", "message": {"text": note}} for note in report.notes]
        invocation: dict[str, object] = {"executionSuccessful": not report.errors}
        if notifications:
            invocation["toolExecutionNotifications"] = notifications
        return invocation


def rule_infos_from(rules: list[RuleInfo]) -> dict[str, RuleInfo]:
    return {rule.id: rule for rule in rules}
