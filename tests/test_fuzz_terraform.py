"""Property-based fuzzing of the Terraform front end: any text, and mutated
image-template modules, read and linted without a traceback, every position
inside the file."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiblint.config import Config
from aiblint.engine import Linter
from aiblint.frontends.terraform import load_terraform
from aiblint.registry import RuleSet
from aiblint.selection import Selection
from tests.test_terraform import AVM_LOCALS, AVM_MAIN, DISTRIBUTE, SOURCE, resource

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HCL_TEXT = 'abcrsuvx_.=${}%[]()"\\<-EOT\n #/*,:?!&|+0123456789é😀\x00\t'
STEPS = '''      customize = [{
        type   = "Shell"
        name   = "a-${var.x}"
        inline = ["echo \\"${var.x}\\" $HOME", <<-EOT
          for f in $(ls); do echo $f; done
        EOT
        ]
      }]
'''
SEEDS = [resource(SOURCE + DISTRIBUTE + STEPS), AVM_MAIN + AVM_LOCALS]


@FAST
@given(st.text(alphabet=HCL_TEXT, max_size=300))
def test_any_hcl_like_text(text: str) -> None:
    document, _, _ = load_terraform(text.encode("utf-8", "surrogatepass"), "main.tf", None, None)
    if document.problem is not None:
        assert 0 <= document.problem.offset <= len(document.text)


def _mutated(seed: str, cuts: list[tuple[int, int, str]]) -> str:
    text = seed
    for position, length, insert in cuts:
        at = position % (len(text) + 1)
        text = text[:at] + insert + text[at + length :]
    return text


@FAST
@given(st.sampled_from(SEEDS), st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 6), st.text(alphabet=HCL_TEXT, max_size=4)), max_size=4))
def test_mutated_modules_lint_without_a_traceback(seed: str, cuts: list[tuple[int, int, str]]) -> None:
    text = _mutated(seed, cuts)
    linter = Linter(RuleSet.load(Selection.of(["AIB"], []), {}), Config(), Path.cwd())
    findings, _ = linter.lint_bytes(text.encode("utf-8", "surrogatepass"), "main.tf")
    lines = text.count("\n") + 1
    for finding in findings:
        if finding.path == "main.tf":
            assert 1 <= finding.line <= lines, finding
