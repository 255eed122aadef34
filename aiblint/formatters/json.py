"""The JSON output contract (version 1); documented in docs/output-formats.md."""

from __future__ import annotations

import json
from typing import TextIO

from aiblint import __version__
from aiblint.constants import JSON_OUTPUT_VERSION, PROGRAM
from aiblint.findings import Report, Severity
from aiblint.formatters import Formatter, safe_text


class JsonFormatter(Formatter):
    name = "json"

    def write(self, report: Report, stream: TextIO) -> None:
        document = {
            "version": JSON_OUTPUT_VERSION,
            "tool": {"name": PROGRAM, "version": __version__},
            "findings": [finding.to_dict() for finding in report.findings],
            "errors": [{"path": error.path, "message": error.message} for error in report.errors],
            "notes": list(report.notes),
            "summary": {
                "files": report.files_checked,
                "templates": report.templates_checked,
                "findings": len(report.active),
                "suppressed": len(report.findings) - len(report.active),
                **{level.label: report.count(level) for level in Severity},
            },
        }
        stream.write(safe_text(json.dumps(document, indent=2, ensure_ascii=False)) + "\n")
