"""Every rule's own passing and failing examples, run through the real engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiblint.config import Config
from aiblint.engine import Linter
from aiblint.registry import RuleSet
from aiblint.rule import Example, Rule

ALL_RULES = RuleSet.load_all().rules
CASES = [
    pytest.param(rule, example, id=f"{rule.id}-{index}")
    for rule in ALL_RULES
    for index, example in enumerate(rule.examples)
]


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_example(rule: Rule, example: Example) -> None:
    for name, text in example.files:  # the test runs in its own empty folder
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        Path(name).write_text(text, encoding="utf-8")
    linter = Linter(RuleSet([rule]), Config())
    findings, _ = linter.lint_bytes(example.text.encode(), example.filename, example.explicit)
    got = [(f.line, f.column) for f in findings if f.rule.startswith(rule.id)]
    assert got == list(example.expect), [f.message for f in findings]


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.id)
def test_metadata(rule: Rule) -> None:
    assert rule.summary and not rule.summary.endswith(".")
    assert rule.name == rule.name.lower() and " " not in rule.name
    assert rule.description.strip(), f"{rule.id} needs a description"


@pytest.mark.parametrize("rule", [r for r in ALL_RULES if r.id.startswith("AIB")], ids=lambda rule: rule.id)
def test_failing_example_exists(rule: Rule) -> None:
    if rule.id == "AIB007":
        pytest.skip("needs an 8 MB file; tested in test_cli")
    assert any(example.expect for example in rule.examples), f"{rule.id} has no failing example"
