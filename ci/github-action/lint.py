"""The GitHub Action's lint step (action.yml), run by the interpreter of the
virtual environment the install step made.

It runs aiblint with the action's inputs (``INPUT_*``), once as JSON for the job
summary and the step's outputs, then as the chosen format: annotations on
standard output (the runner reads them there) or a SARIF log for
github/codeql-action/upload-sarif (the second run's results come from the cache).
The step itself passes; the action's last step fails with aiblint's exit code,
after the upload. Outputs go to ``GITHUB_OUTPUT``, the summary to
``GITHUB_STEP_SUMMARY``, as the runner reads them.
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from aiblint.cli import main
from aiblint.reporoot import from_root

FORMATS = {"annotations": "github", "sarif": "sarif"}
FIRST_FINDINGS = 20
ICONS = {"error": "❌", "warning": "⚠️", "note": "ℹ️"}
_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def main_action() -> int:
    fmt = os.environ.get("INPUT_FORMAT", "annotations").strip() or "annotations"
    if fmt not in FORMATS:
        print(f"::error title=aiblint::format must be annotations or sarif, not {fmt!r}")
        _outputs(findings=0, exit_code=2, sarif_file="")
        return 0
    common = _options()
    code, out = _aiblint("--format", "json", *common)
    report = _report(out)
    sarif_file = ""
    if fmt == "sarif":
        sarif_file = str(Path(os.environ.get("INPUT_SARIF_FILE") or "aiblint.sarif").resolve())
        Path(sarif_file).parent.mkdir(parents=True, exist_ok=True)  # aiblint writes into an existing folder only
        _aiblint("--format", "sarif", "--output", sarif_file, *common)
    else:
        _, annotations = _aiblint("--format", "github", *common)
        sys.stdout.write(annotations)
    findings = [f for f in report.get("findings", []) if "suppressed" not in f]
    _summary(findings, report, code)
    _outputs(findings=len(findings), exit_code=code, sarif_file=sarif_file)
    return 0


def _options() -> list[str]:
    """The command line for the inputs; paths are split like a shell would (quotes kept)."""
    options: list[str] = []
    fail_on = os.environ.get("INPUT_FAIL_ON", "").strip()
    if fail_on:
        options += ["--fail-on", fail_on]
    config = os.environ.get("INPUT_CONFIG", "").strip()
    if config:
        options += ["--config", config]
    return options + (shlex.split(os.environ.get("INPUT_PATHS", "")) or ["."])


def _aiblint(*arguments: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(arguments), stdout=out)
    return code, out.getvalue()


def _report(text: str) -> dict[str, object]:
    try:
        report = json.loads(text)
    except ValueError:
        return {}  # a usage error: aiblint said why on stderr
    return report if isinstance(report, dict) else {}


def _rule_names() -> dict[str, tuple[str, str]]:
    _, out = _aiblint("rules", "--format", "json")
    return {row["id"]: (row["name"], row["help_uri"]) for row in json.loads(out)}


def _summary(findings: list[dict[str, object]], report: dict[str, object], code: int) -> None:
    """Markdown for the job summary: counts per rule and severity, the first findings with links."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    lines = [f"## aiblint: {_headline(findings, report, code)}", ""]
    if findings:
        names = _rule_names()
        counts = Counter((str(f["rule"]), str(f["severity"])) for f in findings)
        lines += ["| Rule | Severity | Findings |", "|---|---|---:|"]
        for (rule, severity), count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            lines.append(f"| {_rule_link(rule, names)} | {severity} | {count} |")
        lines += ["", f"### First {min(len(findings), FIRST_FINDINGS)} of {len(findings)}", ""]
        for finding in findings[:FIRST_FINDINGS]:
            where = f"{finding['path']}:{finding['line']}:{finding['column']}"
            link = _file_link(str(finding["path"]), int(str(finding["line"])))
            shown = f"[{_escape(where)}]({link})" if link else f"`{where}`"
            lines.append(f"- {ICONS.get(str(finding['severity']), '')} {shown} {finding['rule']}: {_escape(str(finding['message']))}")
    errors = report.get("errors")
    for error in errors if isinstance(errors, list) else []:
        lines.append(f"- ❌ {_escape(str(error.get('path')))}: {_escape(str(error.get('message')))}")
    with open(target, "a", encoding="utf-8") as stream:
        stream.write("\n".join(lines) + "\n")


def _headline(findings: list[dict[str, object]], report: dict[str, object], code: int) -> str:
    summary = report.get("summary")
    files = summary.get("files", 0) if isinstance(summary, dict) else 0
    if code == 2 and not report:
        return "the run failed before linting (see the step's log)"
    levels = Counter(str(f["severity"]) for f in findings)
    parts = ", ".join(f"{levels[level]} {level}{'s' if levels[level] != 1 else ''}" for level in ("error", "warning", "note") if levels[level])
    total = len(findings)
    return f"{total} problem{'s' if total != 1 else ''}{f' ({parts})' if parts else ''} in {files} file{'s' if files != 1 else ''} checked"


def _rule_link(rule: str, names: dict[str, tuple[str, str]]) -> str:
    family = rule if rule in names else max((name for name in names if rule.startswith(name)), key=len, default="")
    if not family:
        return rule
    name, uri = names[family]
    if family == "SC":
        uri = f"https://www.shellcheck.net/wiki/{rule}"
    return f"[{rule}]({uri}) {_escape(name)}"


def _file_link(path: str, line: int) -> str:
    """The file at the commit being checked, at the line (empty outside a workflow run)."""
    server, repository, sha = (os.environ.get(name, "") for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"))
    in_repository = from_root(path, Path.cwd())
    if not (server and repository and sha and in_repository):
        return ""
    return f"{server}/{repository}/blob/{sha}/{quote(in_repository)}#L{line}"


def _escape(text: str) -> str:
    """Template text shown as text in Markdown: one line, no markup, no HTML."""
    return _MARKDOWN.sub(r"\\\1", " ".join(text.split()))


def _outputs(**values: object) -> None:
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        return
    with open(target, "a", encoding="utf-8") as stream:
        for key, value in values.items():
            stream.write(f"{key.replace('_', '-')}={value}\n")


if __name__ == "__main__":
    sys.exit(main_action())
