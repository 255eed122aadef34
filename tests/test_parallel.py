"""-j N: the same report, byte for byte, as -j 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiblint.config import Config
from aiblint.findings import Report, Severity
from aiblint.model import ImageTemplate
from aiblint.registry import RuleSet
from aiblint.rule import Problem, Rule
from aiblint.run import lint_paths
from tests.conftest import need_shared, run_cli


def summary(report: Report) -> tuple[object, ...]:
    return (
        [(f, f.message, f.severity, f.fingerprint, f.related, f.suppressed, f.fix) for f in report.findings],
        report.errors, report.notes, report.files_checked, report.templates_checked,
    )


def _cli(*args: str, cwd: Path) -> tuple[int, bytes, bytes]:
    result = subprocess.run([sys.executable, "-m", "aiblint", *args], cwd=cwd, capture_output=True, timeout=600, check=False)
    return result.returncode, result.stdout, result.stderr


def test_corpus_output_is_byte_identical_with_two_jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = need_shared()
    monkeypatch.setenv("AIBLINT_CACHE_DIR", str(tmp_path / "cache"))
    folders = ["corpus", "reference/wild-examples"]
    outputs = {}
    for output in ("json", "text"):
        outputs[output] = _cli("--no-cache", "-j", "1", "--format", output, *folders, cwd=shared)
        assert _cli("--no-cache", "-j", "2", "--format", output, *folders, cwd=shared) == outputs[output], output
    code, stdout, stderr = outputs["json"]
    assert code == 1 and len(json.loads(stdout)["findings"]) > 1000 and b"note:" in stderr
    # the cache filled by two workers, then read back by one
    assert _cli("-j", "2", "--format", "json", *folders, cwd=shared) == outputs["json"]
    assert _cli("-j", "1", "--format", "json", *folders, cwd=shared) == outputs["json"]


TEMPLATE = {
    "type": "Microsoft.VirtualMachineImages/imageTemplates",
    "apiVersion": "2022-07-01",
    "location": "<region>",
    "properties": {
        "customize": [
            {"type": "Shell", "name": "a", "inline": ["# aiblint: ignore[SC2086] a path", "cp $1 /opt/app", "echo $2"]},
            {"type": "Shell", "name": "a", "scriptUri": "scripts/setup.sh"},
            {"type": "PowerShell", "name": "p", "inline": ["Write-Host hi"]},
        ],
    },
}


@pytest.fixture
def many(write, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """Forty templates (more than one chunk per worker: workers are used for so
    few files here), some with suppressions, one script for all."""
    monkeypatch.setattr("aiblint.parallel.MIN_FILES_PER_WORKER", 8)
    names = []
    for index in range(40):
        template = json.loads(json.dumps(TEMPLATE))
        if index % 3:
            template["properties"]["customize"][0]["inline"].pop(0)
        write(f"t{index:02d}.json", json.dumps(template, indent=2))
        names.append(f"t{index:02d}.json")
    write("scripts/setup.sh", "#!/bin/bash\n# aiblint: ignore[SC2115] checked by hand\nrm -rf $DIR/\n")
    write("notes.txt", "not a template")
    yield names


@pytest.mark.parametrize("cache", [False, True])
def test_many_files_in_two_workers_give_the_one_process_report(many: list[str], cache: bool, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIBLINT_CACHE_DIR", str(tmp_path / "cache"))
    rules = RuleSet.load_all()
    one = lint_paths(["."], config=Config(), rules=rules, jobs=1)
    for _ in range(2):  # cold, then warm when cached
        two = lint_paths(["."], config=Config(), rules=rules, jobs=2, cache=cache)
        assert summary(two) == summary(one)
    assert one.files_checked == 40
    rules_found = {f.rule for f in one.findings}
    assert {"AIB003", "AIB201", "SC2086", "SC2115"} <= rules_found
    assert {f.rule for f in one.findings if f.suppressed is not None} == {"SC2086", "SC2115"}


class CrashesInWorkers(Rule):
    """Kills the worker process that lints crash.json (not the main process)."""

    id = "ZZ900"
    name = "crashes-in-workers"
    summary = "Test rule"
    severity = Severity.NOTE
    parent = os.getpid()

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        if template.document.path.endswith("t07.json") and os.getpid() != self.parent:
            os._exit(3)
        yield Problem("seen", node=template.resource)


def test_a_chunk_whose_worker_died_is_linted_in_the_main_process(many: list[str]) -> None:
    rules = RuleSet([*RuleSet.load_all().rules, CrashesInWorkers()])
    one = lint_paths(["."], config=Config(), rules=rules, jobs=1)
    two = lint_paths(["."], config=Config(), rules=rules, jobs=2)
    assert summary(two) == summary(one)
    assert two.errors == []
    assert sum(f.rule == "ZZ900" for f in two.findings) == 40


def test_jobs_option() -> None:
    assert run_cli("-j", "x", ".").returncode == 2
    assert "expected a number of processes (0 or more), got 'x'" in run_cli("-j", "x", ".").stderr
    assert run_cli("-j", "-1", ".").returncode == 2
    Path("t.json").write_text(json.dumps(TEMPLATE))
    assert run_cli("-j", "0", "t.json").stdout == run_cli("-j", "1", "t.json").stdout


def test_no_document_outlives_the_run(many: list[str]) -> None:
    """Files are processed a chunk at a time: nothing keeps a document (and its
    tree) alive once its chunk is done, so memory does not grow with the run."""
    import gc

    from aiblint.document import Document

    lint_paths(["."], config=Config(), rules=RuleSet.load_all())
    gc.collect()
    ours = {*many, "scripts/setup.sh"}
    assert [obj.path for obj in gc.get_objects() if isinstance(obj, Document) and obj.path in ours] == []


def test_a_few_files_are_not_worth_a_worker(write, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    def no_pool(*args: object) -> None:
        raise AssertionError("workers started for three files")

    monkeypatch.setattr("aiblint.parallel._in_pool", no_pool)
    for index in range(3):
        write(f"t{index}.json", json.dumps(TEMPLATE))
    assert lint_paths(["."], config=Config(), jobs=2).files_checked == 3
