"""GitHub Actions workflow commands: one annotation per finding.

``::error file=F,line=L,col=C,endLine=L2,endColumn=C2,title=T::message``.
GitHub has error, warning and notice; a note becomes a notice. GitHub shows at
most 10 annotations of each level per step in the summary (all in the log):
upload SARIF for the full picture (docs/integrations.md). Paths are relative
to the repository root (GitHub's workspace), wherever aiblint runs in it.
"""

from __future__ import annotations

from typing import TextIO

from aiblint.constants import PROGRAM
from aiblint.findings import Finding, Report, Severity
from aiblint.formatters import Formatter, safe_text

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def escape_data(text: str) -> str:
    """The message after ``::``: the runner decodes ``%25``, ``%0D``, ``%0A``."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value: the message escapes plus ``:`` and ``,``, which end it."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **properties: object) -> str:
    fields = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{level} {fields}::{escape_data(message)}" if fields else f"::{level}::{escape_data(message)}"


class GithubFormatter(Formatter):
    name = "github"

    def write(self, report: Report, stream: TextIO) -> None:
        for finding in report.active:  # suppressed findings are not annotated
            stream.write(safe_text(self.annotation(finding)) + "\n")
        for error in report.errors:
            stream.write(safe_text(command("error", error.message, file=self.repo_path(error.path), title=PROGRAM)) + "\n")

    def annotation(self, finding: Finding) -> str:
        info = self.rule_info(finding.rule)
        title = f"{finding.rule} {info.name}" if info is not None else finding.rule
        return command(
            _LEVELS[finding.severity],
            finding.message,
            file=self.repo_path(finding.path),
            line=finding.line,
            col=finding.column,
            endLine=finding.end_line,
            endColumn=finding.end_column,
            title=title,
        )
