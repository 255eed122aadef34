"""Fast paths of the per-file work give the answers of the slow ones: the
case-insensitive member index, the rule methods the engine does not call,
and fingerprints computed before the finding is made; and the collector's
thresholds while files are linted."""

from __future__ import annotations

import gc
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiblint.config import Config
from aiblint.engine import Linter, _covering_fingerprint, _fingerprint
from aiblint.findings import Severity
from aiblint.jsontree import JsonNode, JsonObject, JsonScalar, JsonString
from aiblint.model import ImageTemplate
from aiblint.parallel import MIN_FILES_PER_WORKER, THRESHOLDS, fewer_collections
from aiblint.registry import RuleSet
from aiblint.rule import Claim, FileContext, Problem, Rule
from aiblint.run import lint_paths

NAMES = st.sampled_from(["a", "A", "ß", "SS", "ss", "k", "K", "K", "straße", "STRASSE"])


def _object(names: Iterable[str]) -> JsonObject:
    holder = JsonObject(0, 1)
    for index, name in enumerate(names):
        holder.add(JsonString(index, index + 1, name), JsonScalar(index, index + 1, index))
    return holder


def _scan(holder: JsonObject, name: str) -> tuple[str, JsonNode] | None:
    """get_ci as it was: the first distinct key, in the order first written, that folds alike."""
    for key, node in holder.items():
        if key.casefold() == name.casefold():
            return key, node
    return None


def test_case_insensitive_lookup_is_the_first_spelling_written() -> None:
    holder = _object(["Name", "name", "NAME"])
    found = holder.get_ci("nAmE")
    assert found is not None and found[0] == "Name" and found[1] is holder.get("Name")
    assert holder.get_ci("other") is None


def test_case_insensitive_lookup_sees_members_added_after_a_lookup() -> None:
    holder = _object(["a"])
    assert holder.get_ci("B") is None
    holder.add(JsonString(5, 6, "b"), JsonScalar(5, 6, 5))
    found = holder.get_ci("B")
    assert found is not None and found[0] == "b"


@given(st.lists(st.lists(NAMES, max_size=4), min_size=1, max_size=4), st.lists(NAMES, min_size=1, max_size=4))
def test_case_insensitive_lookup_is_a_scan_of_the_keys(batches: list[list[str]], asked: list[str]) -> None:
    holder = _object([])
    for batch in batches:  # lookups between additions: nothing stale
        for name in batch:
            holder.add(JsonString(0, 1, name), JsonScalar(0, 1, len(holder.members)))
        for name in asked:
            assert holder.get_ci(name) == _scan(holder, name)


TEMPLATE = '{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-02-14", "location": "westus"}'


class _ClaimsOnly(Rule):
    id = "XCL001"
    name = "claims-only"
    severity = Severity.WARNING
    summary = "claims only"

    def check_claims(self, template: ImageTemplate) -> Iterable[Claim]:
        node = template.location
        assert node is not None
        yield Claim("location", "a", Problem("claimed", node=node), "here")


class _FileOnly(Rule):
    id = "XFL001"
    name = "file-only"
    severity = Severity.WARNING
    summary = "file only"

    def check_file(self, context: FileContext) -> Iterable[Problem]:
        root = context.document.root
        assert root is not None
        yield Problem("a file", node=root)


def test_methods_a_rule_does_not_override_are_not_called(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*_: object) -> Iterable[Problem]:
        raise AssertionError("a method the rule does not override was called")

    linter = Linter(RuleSet([_ClaimsOnly(), _FileOnly()]), Config(), Path.cwd(), batch=True)
    monkeypatch.setattr(Rule, "check_template", never)
    monkeypatch.setattr(Rule, "check_file", never)
    monkeypatch.setattr(Rule, "check_claims", never)
    findings, templates = linter.lint_bytes(TEMPLATE.encode(), "t.json")
    assert templates == 1
    assert [(finding.rule, finding.line, finding.column) for finding in findings] == [("XFL001", 1, 1)]
    assert [(claimed.rule, claimed.key) for claimed in linter.claims] == [("XCL001", "location")]


def test_a_finding_over_a_secret_found_before_it_is_fingerprinted_from_its_message() -> None:
    linter = Linter(RuleSet([_FileOnly()]), Config(), Path.cwd(), batch=True)
    linter.secret_places["t.json"] = [(1, 20, 1, 30)]
    (finding,), _ = linter.lint_bytes(TEMPLATE.encode(), "t.json")
    assert finding.fingerprint == _covering_fingerprint(finding)
    assert finding.fingerprint != _fingerprint("XFL001", "t.json", "", TEMPLATE)
    other = Linter(RuleSet([_FileOnly()]), Config(), Path.cwd(), batch=True)
    (plain,), _ = other.lint_bytes(TEMPLATE.encode(), "t.json")
    assert plain.fingerprint == _fingerprint("XFL001", "t.json", "", TEMPLATE)


class _SeesThresholds(Rule):
    id = "XGC001"
    name = "sees-thresholds"
    severity = Severity.WARNING
    summary = "records the collector's thresholds"
    seen: ClassVar[list[tuple[int, int, int]]] = []

    def check_file(self, context: FileContext) -> Iterable[Problem]:
        self.seen.append(gc.get_threshold())
        return ()


@pytest.mark.parametrize("jobs", [1, 2])
def test_files_are_linted_with_the_collector_thresholds_then_they_are_restored(tmp_path: Path, jobs: int) -> None:
    for index in range(MIN_FILES_PER_WORKER + 1):
        (tmp_path / f"t{index}.json").write_text(TEMPLATE)
    before = gc.get_threshold()
    _SeesThresholds.seen.clear()
    try:
        gc.set_threshold(700, 10, 10)
        report = lint_paths(["."], cwd=tmp_path, config=Config(), rules=RuleSet([_SeesThresholds()]), jobs=jobs)
        assert report.files_checked == MIN_FILES_PER_WORKER + 1
        assert gc.get_threshold() == (700, 10, 10)
        if jobs == 1:  # (workers record theirs in their own process)
            assert set(_SeesThresholds.seen) == {THRESHOLDS}
        gc.set_threshold(0, 10, 10)  # a collector turned off stays off
        with fewer_collections():
            assert gc.get_threshold() == (0, 10, 10)
    finally:
        gc.set_threshold(*before)
