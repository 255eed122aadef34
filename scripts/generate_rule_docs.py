"""Write docs/rules/<ID>.md and docs/rules/README.md from the rules' own metadata.

Run after changing a rule: ``python scripts/generate_rule_docs.py``. A test
regenerates the pages and fails when the committed ones differ.
"""

from __future__ import annotations

import sys
from pathlib import Path

from aiblint.registry import RuleSet
from aiblint.rule import Rule

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules"
_FENCE = {".sh": "sh", ".bash": "sh", ".ps1": "powershell", ".json": "json"}


def page(rule: Rule) -> str:
    lines = [
        f"# {rule.id}: {rule.name}",
        "",
        f"**Default severity:** {rule.severity.label}"
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
            lines += ["```json", example.text.rstrip("\n"), "```", ""]
            for name, text in example.files:
                lines += [f"`{name}`:", "", f"```{_FENCE.get(Path(name).suffix, '')}", text.rstrip("\n"), "```", ""]
    lines += [
        "## Turning it off",
        "",
        f"`--ignore {rule.id}` on the command line, or `ignore = [\"{rule.id}\"]` in `[tool.aiblint]`.",
        "",
    ]
    return "\n".join(lines)


def index(rules: list[Rule]) -> str:
    lines = ["# Rules", "", "Generated from the rules' metadata by `scripts/generate_rule_docs.py`.", ""]
    lines += ["| ID | name | severity | what |", "|---|---|---|---|"]
    for rule in rules:
        lines.append(f"| [{rule.id}]({rule.id}.md) | {rule.name} | {rule.severity.label} | {rule.summary} |")
    return "\n".join(lines) + "\n"


def render() -> dict[str, str]:
    rules = RuleSet.load_all().rules
    pages = {f"{rule.id}.md": page(rule) for rule in rules}
    pages["README.md"] = index(rules)
    return pages


def main() -> int:
    DOCS.mkdir(parents=True, exist_ok=True)
    for name, text in render().items():
        (DOCS / name).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
