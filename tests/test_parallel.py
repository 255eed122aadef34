"""-j N: the same report, byte for byte, as -j 1."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Collection, Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiblint.config import Config
from aiblint.findings import Finding, Report, Severity
from aiblint.model import ImageTemplate
from aiblint.parallel import _AIBLINT, _spells_aiblint
from aiblint.registry import RuleSet
from aiblint.rule import Problem, Rule
from aiblint.run import lint_paths
from aiblint.scripts.units import ScriptUnit
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


def test_the_batch_rules_get_templates_that_hold_nothing_worked_out(many: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A chunk's templates wait for its batch rules (their script units point at them) having
    forgotten what their rules worked out (ImageTemplate.forget): freed when their file is done,
    not at a later garbage collection. The report is the one they gave holding it all."""
    from aiblint.engine import Linter

    rules = RuleSet.load_all()
    kept = lint_paths(["."], config=Config(), rules=rules, jobs=1)
    with monkeypatch.context() as patch:
        patch.setattr(ImageTemplate, "forget", lambda self: None)
        assert summary(lint_paths(["."], config=Config(), rules=rules, jobs=1)) == summary(kept)
    seen: list[dict[str, object]] = []
    flush = Linter.flush

    def flushing(self: Linter, units: list[ScriptUnit] | None = None, only: Collection[str] | None = None) -> list[Finding]:
        seen.extend(vars(unit.template) for unit in (self.pending if units is None else units))
        return flush(self, units, only)

    monkeypatch.setattr(Linter, "flush", flushing)
    assert summary(lint_paths(["."], config=Config(), rules=rules, jobs=1)) == summary(kept)
    assert len(seen) >= 40
    assert all("_script_units" not in memos and memos["_resolved"] == {} and memos["_members"] == {} for memos in seen)


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


def test_no_document_outlives_a_secure_value_traced(write) -> None:  # type: ignore[no-untyped-def]
    """AIB403's tracers (one per template's scope) go with the scope: a module-level table keyed
    weakly by the scope, whose tracers pointed back at it, kept every such template's scope, tree
    and document alive to the end of the process."""
    import gc

    from aiblint.document import Document
    from rules.secure_values import SecureValueStored

    for index, example in enumerate(SecureValueStored.examples):
        write(f"d{index}.json", example.text)
    report = lint_paths(["."], config=Config(), rules=RuleSet.load_all())
    assert [finding.rule for finding in report.findings if finding.rule == "AIB403"] == ["AIB403"] * 3
    gc.collect()
    assert [obj.path for obj in gc.get_objects() if isinstance(obj, Document) and obj.path.startswith("d")] == []


def test_a_few_files_are_not_worth_a_worker(write, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    def no_pool(*args: object) -> None:
        raise AssertionError("workers started for three files")

    monkeypatch.setattr("aiblint.parallel._in_pool", no_pool)
    for index in range(3):
        write(f"t{index}.json", json.dumps(TEMPLATE))
    assert lint_paths(["."], config=Config(), jobs=2).files_checked == 3


def _counting_fixture(root: Path, count: int) -> tuple[int, int]:
    """``count`` templates with PowerShell and shell steps (inline, and named
    scripts that many templates run); (PowerShell units, shell units)."""
    (root / "scripts").mkdir(parents=True)
    (root / "scripts/setup.sh").write_text("#!/bin/bash\necho $1\n")
    (root / "run.ps1").write_text("Write-Output 'run'\n")
    powershell = shell = 0
    for index in range(count):
        steps: list[dict[str, object]] = [{"type": "PowerShell", "name": "p", "inline": [f"Write-Output {index}"]}]
        if index % 3 == 0:
            steps.append({"type": "PowerShell", "name": "f", "scriptUri": "run.ps1"})
        if index % 5 == 0:
            steps.append({"type": "Shell", "name": "s", "scriptUri": "scripts/setup.sh"})
        if index % 7 == 0:
            steps.append({"type": "Shell", "name": "i", "inline": ["echo $X"]})
        powershell += 1 + (index % 3 == 0)
        shell += (index % 5 == 0) + (index % 7 == 0)
        api = "2031-01-01" if index % 13 == 0 else "2022-07-01"  # an api version aiblint does not know
        template = {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": api, "location": "westus2",
                    "properties": {"customize": steps}}
        (root / f"t{index:03d}.json").write_text(json.dumps(template, indent=2))
    return powershell, shell


def test_run_notes_are_the_same_whatever_the_jobs_and_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real CLI, -j 1 and -j 2 (two workers, eight chunks), each cold and then
    warm: the same bytes, and each tool's note counts every script unit once (a
    script many templates run was counted once per chunk, notes of two groups
    of one chunk that read the same were kept once, a cached file's share was
    counted again when its scripts were checked again)."""
    from tests.fake_tools import put_on_path

    for tool in ("shellcheck", "pwsh"):  # both fail, on any machine: every note counts what was not checked
        put_on_path(monkeypatch, tmp_path / "bin", tool, "#!/bin/sh\necho broken >&2\nexit 3\n")
    repo = tmp_path / "repo"
    powershell, shell = _counting_fixture(repo, 66)  # more than 64: -j 2 starts two workers
    outputs = {}
    for jobs in ("1", "2"):
        monkeypatch.setenv("AIBLINT_CACHE_DIR", str(tmp_path / f"cache{jobs}"))
        for state in ("cold", "warm"):
            outputs[jobs, state] = _cli("-j", jobs, "--format", "json", ".", "run.ps1", cwd=repo)
    assert len(set(outputs.values())) == 1, {key: value[2].decode() for key, value in outputs.items()}
    code, stdout, stderr = outputs["1", "cold"]
    assert code == 1 and {finding["rule"] for finding in json.loads(stdout)["findings"]} >= {"AIB100", "AIB302"}
    assert stderr.decode().splitlines() == [
        "aiblint: note: PSScriptAnalyzer was not run: the PSScriptAnalyzer module is not installed (Install-Module "
        f"PSScriptAnalyzer); {powershell} PowerShell scripts were not checked by it",
        f"aiblint: note: ShellCheck failed (broken); {shell} shell scripts were not checked by it",
    ]


def test_run_notes_keep_one_order_whatever_the_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A shell step only in the first template, which -j 2 lints alone before the
    workers are forked, and PowerShell steps in the 69 others: in the order of their
    first appearance, -j 1 gave the PSScriptAnalyzer note first and -j 2 the ShellCheck one."""
    from tests.fake_tools import put_on_path

    for tool in ("shellcheck", "pwsh"):
        put_on_path(monkeypatch, tmp_path / "bin", tool, "#!/bin/sh\necho broken >&2\nexit 3\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    for index in range(70):  # more than 64: -j 2 starts two workers
        step = {"type": "Shell", "name": "s", "inline": ["echo $X"]} if index == 0 else \
            {"type": "PowerShell", "name": "p", "inline": [f"Write-Output {index}"]}
        template = {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "location": "westus2",
                    "properties": {"customize": [step]}}
        (repo / f"t{index:03d}.json").write_text(json.dumps(template, indent=2))
    monkeypatch.setenv("AIBLINT_CACHE_DIR", str(tmp_path / "cache"))
    outputs = {
        "-j 1": _cli("--no-cache", "-j", "1", "--format", "json", ".", cwd=repo),
        "-j 2": _cli("--no-cache", "-j", "2", "--format", "json", ".", cwd=repo),
        "-j 2 cold": _cli("-j", "2", "--format", "json", ".", cwd=repo),
        "-j 1 warm": _cli("-j", "1", "--format", "json", ".", cwd=repo),
        "-j 2 warm": _cli("-j", "2", "--format", "json", ".", cwd=repo),
    }
    assert outputs["-j 1"][2].decode().splitlines() == [
        "aiblint: note: PSScriptAnalyzer was not run: the PSScriptAnalyzer module is not installed (Install-Module "
        "PSScriptAnalyzer); 69 PowerShell scripts were not checked by it",
        "aiblint: note: ShellCheck failed (broken); 1 shell script was not checked by it",
    ]
    assert {key: value for key, value in outputs.items() if value != outputs["-j 1"]} == {}


def test_a_named_script_and_the_named_templates_give_one_note_per_tool(write, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The templates named, and the others that run the named script (linted for it):
    one PSScriptAnalyzer note with the sum, not one per pass (there were two: 1 and 2)."""
    from tests.fake_tools import put_on_path

    put_on_path(monkeypatch, tmp_path / "bin", "pwsh", "#!/bin/sh\nexit 3\n")
    write("run.ps1", "Write-Output 1\n")
    for folder in ("a", "b"):
        write(f"{folder}/t.json", json.dumps({"type": "Microsoft.VirtualMachineImages/imageTemplates", "properties": {"customize": [
            {"type": "PowerShell", "name": "p", "inline": ["Write-Output 2"]},
            {"type": "PowerShell", "name": "f", "scriptUri": "../run.ps1"},
        ]}}))
    report = lint_paths(["a", "run.ps1"], config=Config(), rules=RuleSet.load_all())
    assert [note for note in report.notes if note.startswith("PSScriptAnalyzer")] == [
        "PSScriptAnalyzer was not run: the PSScriptAnalyzer module is not installed (Install-Module PSScriptAnalyzer); "
        "3 PowerShell scripts were not checked by it"]


_SPELLINGS = st.lists(st.sampled_from([b"a", b"i", b"b", b"l", b"n", b"t", b"A", b"I", b"N", b"\\u0061", b"\\u0049", b"\\U006c",
                                       b"\\u00", b"\\", b"u", b"x", b" ", b"aiblint", b"AIBLint", b"\xc3\xa9"]), max_size=12).map(b"".join)


@given(_SPELLINGS)
def test_a_file_spells_aiblint_as_the_pattern_reads_it(data: bytes) -> None:
    """The check that skips the pattern for a file without an escape gives the pattern's answer."""
    assert _spells_aiblint(data) == (_AIBLINT().search(data) is not None)


def test_aiblint_is_found_in_every_spelling() -> None:
    assert _spells_aiblint(b'{"metadata": {"AIBLINT": {}}}')
    assert _spells_aiblint(b'{"metadata": {"\\u0061iblint": {}}}')
    assert _spells_aiblint(b'{"metadata": {"\\u0041IBLINT": {}}}')
    assert not _spells_aiblint(b'{"metadata": {"aibl1nt": {}}}')
    assert not _spells_aiblint(b'{"metadata": {"\\u0062iblint": {}}}')


STUCK_RUN = """
import json, os, signal, sys, time
from pathlib import Path
import aiblint.parallel as parallel
from aiblint.config import Config
from aiblint.findings import Severity
from aiblint.registry import RuleSet
from aiblint.rule import Problem, Rule
from aiblint.run import lint_paths

parallel.MIN_FILES_PER_WORKER, parallel._STOP_SECONDS = 8, 0.5
PARENT = os.getpid()


class DiesOrHangs(Rule):
    id, name, severity, summary = "ZZ901", "dies-or-hangs", Severity.WARNING, "a worker dies, the other cannot be stopped"

    def check_template(self, template):
        if os.getpid() != PARENT and not hasattr(self, "role"):
            try:
                os.close(os.open("crasher", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                self.role = "crasher"
            except FileExistsError:
                self.role = "stuck"
            if self.role == "stuck":  # deaf to SIGTERM, as a worker blocked sending its result to a broken pool
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
                Path("stuck").write_text(str(os.getpid()))
                time.sleep(600)
            deadline = time.monotonic() + 30
            while not Path("stuck").exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            os._exit(3)  # the pool breaks while the other worker is stuck
        yield Problem("seen", node=template.resource)


report = lint_paths(["."], config=Config(), rules=RuleSet([DiesOrHangs()]), jobs=2)
print(json.dumps([report.files_checked, sum(f.rule == "ZZ901" for f in report.findings), len(report.errors)]))
"""


def test_a_worker_that_cannot_be_stopped_does_not_hang_a_broken_pool(many: list[str]) -> None:
    """One worker dies, the other neither finishes nor ends on SIGTERM: it is
    killed, and its chunks are linted in the main process (before, shutting the
    pool down waited for it forever)."""
    import signal

    child = subprocess.Popen([sys.executable, "-c", STUCK_RUN], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    try:
        out, err = child.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)  # the whole group: a worker left behind too
        child.wait()
    assert child.returncode == 0, err
    assert json.loads(out) == [40, 40, 0]
    stuck = int(Path("stuck").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(stuck, 0)  # killed, not left sleeping


class RecordsItsProcess(Rule):
    id = "ZZ902"
    name = "records-its-process"
    severity = Severity.WARNING
    summary = "writes which process linted each template"

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        with open("linted-by.txt", "a", encoding="utf-8") as stream:
            stream.write(f"{template.document.path} {os.getpid()}\n")
        return iter(())


def test_the_first_file_is_linted_before_the_workers_are_forked(many: list[str]) -> None:
    """What a first template costs is paid once, in the main process, not in every worker."""
    report = lint_paths(["."], config=Config(), rules=RuleSet([RecordsItsProcess()]), jobs=2)
    assert report.files_checked == 40 and report.errors == []
    linted_by = dict(line.split() for line in Path("linted-by.txt").read_text().splitlines())
    assert len(linted_by) == 40
    assert linted_by.pop("t00.json") == str(os.getpid())
    assert str(os.getpid()) not in linted_by.values()


@pytest.mark.parametrize(("files", "jobs", "sizes"), [
    (176, 2, [44, 44, 22, 22, 11, 11, 8, 8, 6]),  # the corpus after its first file: shrinking chunks
    (40, 2, [10, 10, 8, 8, 4]),
    (5, 2, [5]),
    (177, 1, [128, 49]),  # one process: chunks of CHUNK_FILES
    (1000, 2, [128, 128, 128, 128, 122, 122, 61, 61, 31, 31, 15, 15, 8, 8, 8, 6]),  # memory: never more than 128
    (100, 4, [13, 13, 13, 13, 8, 8, 8, 8, 8, 8]),
    (0, 2, []),
])
def test_chunks_shrink_towards_the_end_and_keep_the_file_order(files: int, jobs: int, sizes: list[int]) -> None:
    from aiblint.parallel import Work, split

    work = [Work(f"t{index}.json", True) for index in range(files)]
    chunks = split(work, jobs)
    assert [len(chunk) for chunk in chunks] == sizes
    assert [item for chunk in chunks for item in chunk] == work




def test_workers_start_with_the_run_s_script_settings(many: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A forked worker does not make its script settings again (resolving every folder
    named: 10 of its 18 ms of start-up on the corpus); they and their memo are the run's."""
    from aiblint.scripts.settings import ScriptSettings

    made = ScriptSettings.from_config

    def recorded(config: Config, cwd: Path) -> ScriptSettings:
        with open(cwd / "settings-made-by.txt", "a", encoding="utf-8") as stream:
            stream.write(f"{os.getpid()}\n")
        return made(config, cwd)

    monkeypatch.setattr(ScriptSettings, "from_config", staticmethod(recorded))
    rules = RuleSet([*RuleSet.load_all().rules, RecordsItsProcess()])
    one = lint_paths(["."], config=Config(), rules=rules, jobs=1)
    Path("settings-made-by.txt").unlink()
    two = lint_paths(["."], config=Config(), rules=rules, jobs=2)
    assert summary(two) == summary(one)
    assert Path("settings-made-by.txt").read_text().split() == [str(os.getpid())]  # the main process's, once
    assert len(set(Path("linted-by.txt").read_text().split()[1::2])) == 3  # (workers did lint)


def test_the_report_is_sorted_by_place_then_rule_without_repeats() -> None:
    from aiblint.engine import Linter
    from aiblint.findings import Finding
    from aiblint.parallel import finish

    def at(path: str, line: int, column: int, rule: str, message: str = "m") -> Finding:
        return Finding(path, line, column, line, column + 1, rule, Severity.WARNING, message)

    linter = Linter(RuleSet([]), Config())
    report = Report()
    report.findings = [at("b.json", 1, 1, "AIB2"), at("a.json", 9, 1, "AIB1"), at("a.json", 2, 5, "AIB3"),
                       at("a.json", 2, 5, "AIB1"), at("b.json", 1, 1, "AIB2", "the same place and rule"), at("a.json", 10, 1, "AIB1")]
    finish(linter, report)
    assert [(f.path, f.line, f.column, f.rule, f.message) for f in report.findings] == [
        ("a.json", 2, 5, "AIB1", "m"), ("a.json", 2, 5, "AIB3", "m"), ("a.json", 9, 1, "AIB1", "m"),
        ("a.json", 10, 1, "AIB1", "m"), ("b.json", 1, 1, "AIB2", "m"),
    ]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_no_worker_is_left_when_the_run_ends_or_the_command_line_s_block_does(many: list[str]) -> None:
    from aiblint.parallel import workers_reaped_later

    def children() -> set[int]:
        with open(f"/proc/{os.getpid()}/task/{os.getpid()}/children", encoding="ascii") as stream:
            return {int(pid) for pid in stream.read().split()}

    one = lint_paths(["."], config=Config(), jobs=1)
    assert summary(lint_paths(["."], config=Config(), jobs=2)) == summary(one)
    assert children() == set()  # a library caller's run: its workers reaped as it returns
    with workers_reaped_later():
        assert summary(lint_paths(["."], config=Config(), jobs=2)) == summary(one)
        with workers_reaped_later():  # (an inner block, lint_paths's own, leaves them to the outer one)
            assert summary(lint_paths(["."], config=Config(), jobs=2)) == summary(one)
    assert children() == set()


@given(st.lists(st.tuples(st.sampled_from(["a.json", "b.json", "c/d.sh"]), st.integers(1, 3), st.integers(1, 3),
                          st.sampled_from(["AIB1", "AIB2", "SC2086"]), st.sampled_from(["m", "n"])), max_size=30))
def test_sorted_unique_is_sorted_set_keeping_the_first_of_equal_findings(places: list[tuple[str, int, int, str, str]]) -> None:
    from aiblint.findings import Finding, sorted_unique

    findings = [Finding(path, line, column, line, column + 1, rule, Severity.NOTE, message) for path, line, column, rule, message in places]
    expected = sorted(set(findings))
    got = sorted_unique(findings)
    assert got == expected
    assert all(mine is theirs for mine, theirs in zip(got, expected, strict=True))  # the very objects set() keeps
    assert [finding.message for finding in got] == [finding.message for finding in expected]
