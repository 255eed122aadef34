"""Azure Pipelines logging commands: one ``task.logissue`` per finding.

``##vso[task.logissue type=error;sourcepath=F;linenumber=L;columnnumber=C;code=R]message``.
Azure Pipelines has only error and warning issues, and its build summary shows
only 10 of them: notes (advice) are not raised as issues but counted in one
line. When findings below ``--fail-on`` were reported (the step passes), the
output ends with ``##vso[task.complete result=SucceededWithIssues;]``. The
run's notes are written here, not on stderr (pipelines often set
``failOnStderr``). Paths are absolute when ``BUILD_SOURCESDIRECTORY`` is set
(the agent links them to the repository), else relative to the repository root.

Escaping is the agent's own: ``%AZP25`` for ``%`` (decoded by default since
agent 2.184), ``%0D``/``%0A`` for line breaks, and in property values ``%3B``
for ``;`` and ``%5D`` for ``]``.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import TextIO

from aiblint.constants import PROGRAM
from aiblint.findings import Finding, Report, Severity
from aiblint.formatters import Formatter, safe_text
from aiblint.formatters.text import printable

SOURCES_VARIABLE = "BUILD_SOURCESDIRECTORY"
SUCCEEDED_WITH_ISSUES = "##vso[task.complete result=SucceededWithIssues;]"


def escape_data(text: str) -> str:
    return text.replace("%", "%AZP25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(";", "%3B").replace("]", "%5D")


def log_issue(kind: str, message: str, **properties: object) -> str:
    fields = "".join(f";{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"##vso[task.logissue type={kind}{fields}]{escape_data(message)}"


class AzureDevopsFormatter(Formatter):
    name = "azure-devops"
    writes_notes = True

    def write(self, report: Report, stream: TextIO) -> None:
        active = report.active  # suppressed findings are not raised
        for finding in active:
            if finding.severity is not Severity.NOTE:
                stream.write(safe_text(self.issue(finding)) + "\n")
        for error in report.errors:
            stream.write(safe_text(log_issue("error", error.message, sourcepath=self.source_path(error.path))) + "\n")
        notes = Counter(finding.rule for finding in active if finding.severity is Severity.NOTE)
        if notes:
            total = sum(notes.values())
            rules = ", ".join(f"{rule} x{count}" if count > 1 else rule for rule, count in sorted(notes.items()))
            line = f"{PROGRAM}: {total} note{'s' if total != 1 else ''} (advice, not raised as issues): {rules}"
            stream.write(safe_text(printable(line)) + "\n")
        from aiblint.redact import redact  # a note may quote a file, as on stderr

        for note in report.notes:  # plain log lines (the agent decodes only commands): one line each
            stream.write(safe_text(printable(f"{PROGRAM}: note: {redact(note)}")) + "\n")
        if active and not report.errors and report.exit_code(self.fail_on) == 0:
            stream.write(SUCCEEDED_WITH_ISSUES + "\n")

    def source_path(self, path: str) -> str:
        if os.environ.get(SOURCES_VARIABLE) and not path.startswith("<"):
            from aiblint.reporoot import absolute

            return absolute(path, self.cwd)
        return self.repo_path(path)

    def issue(self, finding: Finding) -> str:
        return log_issue(
            "error" if finding.severity is Severity.ERROR else "warning",
            finding.message,
            sourcepath=self.source_path(finding.path),
            linenumber=finding.line,
            columnnumber=finding.column,
            code=finding.rule,
        )
