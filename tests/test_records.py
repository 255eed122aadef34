"""aiblint's records are plain ``__slots__`` classes (aiblint.record), not
dataclasses, and keep a dataclass's value semantics: equality, hash, order,
repr, pickling, ``replace``. A lint run makes no dataclass and does not import
``dataclasses`` (nor ``inspect``, which it imports)."""

from __future__ import annotations

import ast
import dataclasses
import os
import pickle
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from aiblint.arm.syntax import Call, StringLiteral, Token
from aiblint.baseline import Entry
from aiblint.config import Config
from aiblint.document import Document, Position, Span
from aiblint.findings import Edit, Finding, Fix, RelatedLocation, Report, Severity, Suppression
from aiblint.outcome import FileOutcome, Tally
from aiblint.problem import Problem, Related
from aiblint.record import Record, replace
from aiblint.secrets.detectors import Detector
from aiblint.secrets.match import SecretMatch
from tests.conftest import ROOT


@dataclass(frozen=True)
class _AsDataclass:
    """What Position was."""

    line: int
    column: int


def test_equality_and_hash_are_by_value_within_one_class() -> None:
    assert Position(3, 4) == Position(3, 4)
    assert hash(Position(3, 4)) == hash(Position(3, 4))
    assert Position(3, 4) != Position(4, 3)
    assert Position(3, 4) != _AsDataclass(3, 4)  # another class: never equal, as dataclasses
    assert len({Span(Position(1, 1), Position(1, 2)), Span(Position(1, 1), Position(1, 2))}) == 1
    assert Token("name", "x", 0, 1) == Token(kind="name", text="x", start=0, end=1, value=None)


def test_repr_is_the_dataclass_repr() -> None:
    assert repr(Position(3, 4)) == repr(_AsDataclass(3, 4)).replace("_AsDataclass", "Position")
    assert repr(Call("concat", (StringLiteral("a", 8, 11),), 1, 12, 7)) == (
        "Call(name='concat', args=(StringLiteral(value='a', start=8, end=11),), start=1, end=12, name_end=7, namespace=None)"
    )


def test_records_pickle_as_workers_send_them() -> None:
    span = Span(Position(1, 2), Position(3, 4))
    assert pickle.loads(pickle.dumps(span)) == span


def test_a_record_has_no_dict() -> None:
    with pytest.raises(AttributeError):
        Position(1, 1).extra = 1  # type: ignore[attr-defined]
    assert isinstance(Position(1, 1), Record)


# -- no dataclass on a lint run ----------------------------------------------------------


def test_no_module_of_aiblint_or_its_rules_imports_dataclasses() -> None:
    """Making a dataclass costs 0.3-0.7 ms at import, and ``dataclasses`` imports ``inspect``:
    a record is an :class:`aiblint.record.Record` instead."""
    importing = []
    for path in sorted([*(ROOT / "aiblint").rglob("*.py"), *(ROOT / "rules").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if "dataclasses" in names:
                importing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert importing == []


_PROBE = """
import sys
from aiblint.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(sorted(name for name in ("dataclasses", "inspect") if name in sys.modules))
"""


def test_a_cold_one_template_run_imports_neither_dataclasses_nor_inspect(tmp_path: Path) -> None:
    """P1 of issue 21: one template with inline shell, no result cache; the first run after the
    installation changed (stevedore) and the next one (the cached listing)."""
    env = {key: value for key, value in os.environ.items() if key != "AIBLINT_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")  # not the working folder: its "aiblint" would shadow the package
    template = str(ROOT / "benchmarks" / "data" / "two-inline-shell.json")
    for _ in range(2):
        result = subprocess.run([sys.executable, "-c", _PROBE, "--no-cache", "--format", "json", template],
                                capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
        assert result.stdout.splitlines()[-1:] == ["[]"], result.stderr


# -- value semantics of the public records -------------------------------------------------


def _finding(**changes: object) -> Finding:
    base = Finding("t.json", 3, 16, 3, 24, "AIB003", Severity.WARNING, "a message", "location", "f" * 32)
    return replace(base, **changes)


@dataclass(frozen=True, order=True)
class _FindingAsDataclass:
    """What Finding was (its compared fields)."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    rule: str
    severity: Severity = dataclasses.field(compare=False)
    message: str = dataclasses.field(compare=False)


def test_findings_compare_hash_and_sort_by_place_and_rule_only() -> None:
    finding = _finding()
    assert finding == _finding(severity=Severity.ERROR, message="other", logical_path="x", fingerprint="",
                               related=(RelatedLocation("u.json", 1, 1, 1, 2, "here"),),
                               suppressed=Suppression("external", "baseline", "known"),
                               fix=Fix("f", (Edit(0, 1, ""),)))
    assert hash(finding) == hash(_finding(message="other"))
    assert finding != _finding(rule="AIB004")
    assert finding != _finding(column=17)
    shuffled = [_finding(line=5), _finding(path="a.json", line=9), _finding(rule="AIB001"), _finding(column=2)]
    old = [_FindingAsDataclass(f.path, f.line, f.column, f.end_line, f.end_column, f.rule, f.severity, f.message)
           for f in shuffled]
    assert [(f.path, f.line, f.column, f.rule) for f in sorted(shuffled)] == [
        (f.path, f.line, f.column, f.rule) for f in sorted(old)
    ]
    assert finding <= _finding(message="other") and not finding < _finding(message="other")
    with pytest.raises(TypeError):
        _ = finding < Entry("t.json", "AIB003", "location", "f" * 32)  # another class: no order, as dataclasses


def test_replace_makes_a_changed_copy_through_the_constructor() -> None:
    finding = _finding()
    moved = replace(finding, line=7, fingerprint="g")
    assert (moved.line, moved.fingerprint, moved.message, moved.related) == (7, "g", "a message", ())
    assert (finding.line, finding.fingerprint) == (3, "f" * 32)
    with pytest.raises(TypeError):
        replace(finding, no_such_field=1)
    problem = Problem("m", start=1, end=2)
    assert replace(problem, message="n") == Problem("n", start=1, end=2)


def test_problem_construction_and_defaults_are_unchanged() -> None:
    """Rules of other packages make Problems positionally and by keyword (docs/writing-rules.md)."""
    problem = Problem("m", None, 1, 2, True, "X001", Severity.NOTE)
    assert problem == Problem("m", start=1, end=2, at_key=True, rule="X001", severity=Severity.NOTE)
    assert (problem.document, problem.related, problem.fix) == (None, (), None)
    assert hash(problem) == hash(Problem("m", start=1, end=2, at_key=True, rule="X001", severity=Severity.NOTE))
    assert Problem("m") != Related(None, "m")  # type: ignore[arg-type]
    assert repr(Problem("m", start=1)) == (
        "Problem(message='m', node=None, start=1, end=None, at_key=False, rule=None, severity=None, "
        "document=None, related=(), fix=None)"
    )


def test_mutable_records_compare_by_value_and_are_not_hashable() -> None:
    assert Report() == Report() and Report(notes=["n"]) != Report()
    assert Report().findings is not Report().findings  # a new list each (default_factory)
    with pytest.raises(TypeError):
        hash(Report())
    config = Config()
    config.format = "json"
    assert config == Config(format="json") and config.ignore == []


def test_fields_left_out_of_repr_stay_out() -> None:
    match = SecretMatch("d", "key", 0, 4, "s3cr3t-value", "sig=")
    assert "s3cr3t-value" not in repr(match)
    assert repr(match) == "SecretMatch(detector='d', kind='key', start=0, end=4, label='sig=')"
    assert repr(Document("t.json", "{}")) == (
        "Document(path='t.json', text='{}', root=None, problem=None, recovered=[], duplicates=[], comments=[], "
        "language='json')"
    )


def test_a_detector_compares_without_its_functions_and_compiles_once() -> None:
    detector = Detector("d", "key", r"k=(?P<secret>\w+)", ("k=",), (), (), accept=lambda text, found: True)
    assert detector == Detector("d", "key", r"k=(?P<secret>\w+)", ("k=",), (), ())
    assert hash(detector) == hash(Detector("d", "key", r"k=(?P<secret>\w+)", ("k=",), (), ()))
    assert detector.regex is detector.regex and detector.context_regex is None
    assert [match.value for match in detector.find("a k=Zx9Qw7Lm3Pv8Rt2K")] == ["Zx9Qw7Lm3Pv8Rt2K"]


def test_outcomes_pickle_as_workers_send_them() -> None:
    finding = _finding(related=(RelatedLocation("u.json", 1, 1, 1, 2, "here"),), fix=Fix("f", (Edit(0, 1, ""),)))
    outcome = FileOutcome("t.json", [finding], templates=1, tally=Tally())
    outcome.tally.units["shell"] += 1
    copy = pickle.loads(pickle.dumps(outcome))
    assert copy == outcome
    assert (copy.findings[0].message, copy.findings[0].fix, copy.tally.units) == (
        "a message", Fix("f", (Edit(0, 1, ""),)), outcome.tally.units,
    )


class _AcmeProblem(Problem):
    """A third-party rule's own kind of problem (docs/writing-rules.md: Problem is public)."""


def test_a_plain_subclass_of_a_public_record_keeps_its_fields_and_class() -> None:
    problem = _AcmeProblem("m", start=1, end=2, rule="ACME001")
    assert (problem.message, problem.start, problem.end, problem.rule, problem.fix) == ("m", 1, 2, "ACME001", None)
    assert problem == _AcmeProblem("m", start=1, end=2, rule="ACME001")
    assert problem != Problem("m", start=1, end=2, rule="ACME001")  # another class, as dataclasses
    changed = replace(problem, message="n")
    assert type(changed) is _AcmeProblem and changed.message == "n"
    assert repr(problem).startswith("_AcmeProblem(message='m', node=None, start=1")
