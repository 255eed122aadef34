"""Write docs/rules/<ID>.md and docs/rules/README.md from the rules' own metadata.

Run after changing a rule: ``python scripts/generate_rule_docs.py``. A test
regenerates the pages and fails when the committed ones differ.
"""

from __future__ import annotations

import sys
from pathlib import Path

from aiblint.registry import RuleSet
from aiblint.rule import Rule
from aiblint.rule_docs import page, severity_text

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules"


def index(rules: list[Rule]) -> str:
    lines = ["# Rules", "", "Generated from the rules' metadata by `scripts/generate_rule_docs.py`.", ""]
    lines += ["| ID | name | severity | what |", "|---|---|---|---|"]
    for rule in rules:
        lines.append(f"| [{rule.id}]({rule.id}.md) | {rule.name} | {severity_text(rule)} | {rule.summary} |")
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
