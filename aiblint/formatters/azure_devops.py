"""Azure Pipelines logging commands: one ``task.logissue`` per finding.

``##vso[task.logissue type=error;sourcepath=F;linenumber=L;columnnumber=C;code=R]message``.
Azure Pipelines has only error and warning issues: a note becomes a warning
whose message starts with ``note:``. Escaping is the agent's own: ``%AZP25``
for ``%`` (decoded by default since agent 2.184), ``%0D``/``%0A`` for line
breaks, and in property values ``%3B`` for ``;`` and ``%5D`` for ``]``.
"""

from __future__ import annotations

from typing import TextIO

from aiblint.findings import Finding, Report, Severity
from aiblint.formatters import Formatter, safe_text


def escape_data(text: str) -> str:
    return text.replace("%", "%AZP25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(";", "%3B").replace("]", "%5D")


def log_issue(kind: str, message: str, **properties: object) -> str:
    fields = "".join(f";{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"##vso[task.logissue type={kind}{fields}]{escape_data(message)}"


class AzureDevopsFormatter(Formatter):
    name = "azure-devops"

    def write(self, report: Report, stream: TextIO) -> None:
        for finding in report.active:  # suppressed findings are not annotated
            stream.write(safe_text(self.issue(finding)) + "\n")
        for error in report.errors:
            stream.write(safe_text(log_issue("error", error.message, sourcepath=error.path)) + "\n")

    @staticmethod
    def issue(finding: Finding) -> str:
        is_error = finding.severity is Severity.ERROR
        message = finding.message if finding.severity is not Severity.NOTE else f"note: {finding.message}"
        return log_issue(
            "error" if is_error else "warning",
            message,
            sourcepath=finding.path,
            linenumber=finding.line,
            columnnumber=finding.column,
            code=finding.rule,
        )
