"""The text report's summary line counts the findings that are not suppressed, by severity."""

from __future__ import annotations

from aiblint.findings import Finding, Fix, Report, Severity, Suppression
from aiblint.formatters.text import TextFormatter


def _finding(line: int, severity: Severity, *, suppressed: bool = False, fixable: bool = False) -> Finding:
    return Finding(
        "t.json", line, 1, line, 2, "AIB001", severity, "m",
        suppressed=Suppression("inSource", "comment", "", "") if suppressed else None,
        fix=Fix("f", ()) if fixable else None,
    )


def test_the_summary_counts_only_active_findings_by_severity_and_fix() -> None:
    report = Report(
        [
            _finding(1, Severity.ERROR, fixable=True), _finding(2, Severity.ERROR, suppressed=True, fixable=True),
            _finding(3, Severity.WARNING, suppressed=True), _finding(4, Severity.NOTE), _finding(5, Severity.NOTE, fixable=True),
        ],
        files_checked=1,
    )
    assert TextFormatter.summary(report) == "3 problems (1 error, 2 notes) in 1 file checked; 2 suppressed; 2 fixable with --fix"
    assert TextFormatter.summary(Report(files_checked=2)) == "0 problems in 2 files checked"
