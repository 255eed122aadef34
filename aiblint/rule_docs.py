"""A rule's page, in Markdown, from the rule's own metadata: ``docs/rules/<ID>.md``
(written by ``scripts/generate_rule_docs.py``) and ``aiblint rule ID``, as
``ruff rule`` prints it."""

from __future__ import annotations

from pathlib import Path

from aiblint.rule import Rule

_FENCE = {".sh": "sh", ".bash": "sh", ".ps1": "powershell", ".json": "json", ".bicep": "bicep"}


def severity_text(rule: type[Rule] | Rule) -> str:
    """``error``, or ``error; warning before 2024-02-01`` when it depends on the file."""
    note = getattr(rule, "severity_note", "")
    return f"{rule.severity.label}; {note}" if note else rule.severity.label


def page(rule: type[Rule] | Rule) -> str:
    lines = [
        f"# {rule.id}: {rule.name}",
        "",
        f"**Default severity:** {rule.severity.label}"
        + (f" ({rule.severity_note})" if getattr(rule, "severity_note", "") else "")
        + (f" · **security severity:** {rule.security_severity:.1f}" if rule.security_severity is not None else "")
        + (f" · **tags:** {', '.join(rule.tags)}" if rule.tags else ""),
        "",
        f"{rule.summary}.",
        "",
        rule.description.strip(),
        "",
    ]
    failing = [example for example in rule.examples if example.expect]
    passing = [example for example in rule.examples if not example.expect]
    for title, examples in (("Reported", failing), ("Not reported", passing)):
        for example in examples:
            where = ", ".join(f"line {line}, column {column}" for line, column in example.expect)
            heading = f"## {title}" + (f": {example.title}" if example.title else "")
            lines += [heading, ""]
            if where:
                lines += [f"aiblint reports at {where}:", ""]
            lines += [f"```{_FENCE.get(Path(example.filename).suffix, 'json')}", example.text.rstrip("\n"), "```", ""]
            for name, text in example.files:
                lines += [f"`{name}`:", "", f"```{_FENCE.get(Path(name).suffix, '')}", text.rstrip("\n"), "```", ""]
    lines += [
        "## Turning it off",
        "",
        f"`--ignore {rule.id}` on the command line, or `ignore = [\"{rule.id}\"]` in `[tool.aiblint]`.",
        "",
    ]
    return "\n".join(lines)
