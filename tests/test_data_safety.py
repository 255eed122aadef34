"""Data safety: `--fix` and `--write-baseline` never lose or corrupt a file (atomic writes, no stale
offsets, no repeated keys), `--diff` is a patch git applies, and an interrupted `-j` run leaves nothing behind."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from aiblint.findings import Report
from tests.conftest import main_in_process, need_shared
from tests.test_fix import CASES, CASES_FIXED

TEMPLATE_HEAD = '{\n  "type": "Microsoft.VirtualMachineImages/imageTemplates",\n  "apiVersion": "2024-02-01",\n  "location": "westus2",\n'


def test_a_failed_write_leaves_the_file_as_it_was_and_fails_the_run(
    write, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    write("t.json", CASES)

    def full_disk(descriptor: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("aiblint.safewrite.os.fsync", full_disk)
    code, out = main_in_process("--select", "AIB103", "--fix", "t.json")
    assert (tmp_path / "t.json").read_text(encoding="utf-8") == CASES
    assert code == 2 and out.count("AIB103") == 4
    assert capsys.readouterr().err == "aiblint: t.json: not fixed: cannot write it: No space left on device\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["t.json"]  # no temporary file left


def test_a_file_size_limit_leaves_the_file_as_it_was(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # The real thing: the kernel refuses the write part-way (EFBIG); write_bytes emptied the file.
    original = write("t.json", CASES).read_bytes()
    limit = len(original) - 1

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = subprocess.run([sys.executable, "-m", "aiblint", "--no-cache", "--select", "AIB103", "--fix", "t.json"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120, preexec_fn=limited)
    assert (tmp_path / "t.json").read_bytes() == original
    assert result.returncode == 2
    assert result.stderr == "aiblint: t.json: not fixed: cannot write it: File too large\n"
    assert "fixed" not in result.stderr.replace("not fixed", "")


def test_permissions_are_kept_and_a_link_stays_a_link(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = write("real/t.json", CASES)
    target.chmod(0o640)
    (tmp_path / "t.json").symlink_to("real/t.json")
    assert main_in_process("--select", "AIB103", "--fix", "t.json") == (0, "")
    assert (tmp_path / "t.json").is_symlink()
    assert target.read_text(encoding="utf-8") == CASES_FIXED
    assert target.stat().st_mode & 0o777 == 0o640


def _change_after(monkeypatch: pytest.MonkeyPatch, module: str, name: str, path: Path, text: str) -> None:
    """Make ``module.name`` save ``text`` into ``path`` after it returns, as an editor would."""
    import importlib

    owner = importlib.import_module(module)
    original = getattr(owner, name)

    def then_save(*args: object, **kwargs: object) -> object:
        result = original(*args, **kwargs)
        path.write_text(text, encoding="utf-8")
        return result

    monkeypatch.setattr(owner, name, then_save)


@pytest.mark.parametrize(("module", "name"), [
    ("aiblint.run", "lint_paths"),  # saved between the lint and the fix
    ("aiblint.fixes", "plan_fixes"),  # saved between the fix and the write
])
def test_a_file_saved_during_the_run_is_not_fixed_with_stale_offsets(  # type: ignore[no-untyped-def]
    write, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, module: str, name: str
) -> None:
    write("t.json", CASES)
    # The same findings at other offsets: applied blindly, the old edits land in the wrong places.
    saved = CASES.replace('"location": "westus2",', '"location": "westus2", "tags": {"owner": "images team"},')
    _change_after(monkeypatch, module, name, tmp_path / "t.json", saved)
    code, _ = main_in_process("--select", "AIB103", "--fix", "t.json")
    assert (tmp_path / "t.json").read_text(encoding="utf-8") == saved
    assert "aiblint: t.json: not fixed: it changed since it was linted (run aiblint --fix again)\n" in capsys.readouterr().err
    assert code == 1


def test_a_wrong_case_key_is_not_respelt_into_a_second_key(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Both `VmSize` and `VMSIZE` became `vmSize`: which size is used then depends on the parser.
    text = TEMPLATE_HEAD + '  "properties": {"vmProfile": {"VmSize": "Standard_D2s_v3", "VMSIZE": "Standard_D4s_v3"}}\n}\n'
    write("t.json", text)
    code, out = main_in_process("--select", "AIB103", "--diff", "t.json")
    assert (code, out) == (0, "")
    code, out = main_in_process("--select", "AIB103", "--fix", "t.json")
    assert code == 1 and out.count("AIB103") == 2
    assert (tmp_path / "t.json").read_text(encoding="utf-8") == text


def test_a_fix_that_would_repeat_a_key_is_refused_whatever_rule_offers_it(tmp_path: Path) -> None:
    from aiblint.findings import Edit, Finding, Fix, Severity
    from aiblint.fixes import plan_fixes

    text = '{"a": {"x": 1, "y": 2}}'
    (tmp_path / "t.json").write_text(text)
    fix = Fix("rename y", (Edit(text.index('"y"') + 1, text.index('"y"') + 2, "x"),))
    finding = Finding("t.json", 1, 1, 1, 1, "X001", Severity.WARNING, "m", "", "f", fix=fix)
    changes, problems = plan_fixes(Report(findings=[finding]), tmp_path, lambda text, display: [])
    assert changes == []
    assert problems == ["t.json: not fixed: the fixed text would not parse as JSON, or would repeat a key (a bug in a rule's fix)"]


# -- the baseline ----------------------------------------------------------------------------


def test_a_baseline_with_a_lone_surrogate_and_a_non_utf8_file_name_is_written_and_read_back(  # type: ignore[no-untyped-def]
    write, tmp_path: Path
) -> None:
    text = TEMPLATE_HEAD + '  "properties": {"\\ud800x": 1}\n}\n'
    write("t.json", text)
    (tmp_path / os.fsdecode(b"caf\xe9.json")).write_text(text, encoding="utf-8")
    old = write("bl.json", '{"version": 1, "entries": []}\n').read_bytes()
    code, out = main_in_process("--write-baseline", "bl.json", ".")
    assert code == 0, out
    assert (tmp_path / "bl.json").read_bytes() != old
    entries = json.loads((tmp_path / "bl.json").read_text(encoding="utf-8"))["entries"]
    assert {(entry["path"], entry["logical_path"]) for entry in entries if entry["rule"] == "AIB102"} == {
        ("t.json", "properties['\ud800x']"), ("caf\udce9.json", "properties['\ud800x']")}
    code, out = main_in_process("--baseline", "bl.json", ".")
    assert (code, out) == (0, "0 problems in 2 files checked; 6 suppressed\n")


def test_a_baseline_that_cannot_be_written_is_left_as_it_was(  # type: ignore[no-untyped-def]
    write, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write("t.json", TEMPLATE_HEAD + '  "properties": {"x": 1}\n}\n')
    old = write("bl.json", '{"version": 1, "entries": []}\n').read_bytes()

    def full_disk(descriptor: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("aiblint.safewrite.os.fsync", full_disk)
    assert main_in_process("--write-baseline", "bl.json", "t.json")[0] == 2
    assert (tmp_path / "bl.json").read_bytes() == old
    assert capsys.readouterr().err == "aiblint: error: cannot write baseline bl.json: No space left on device\n"


# -- --diff ----------------------------------------------------------------------------------


def _git_apply_check(diff: str, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "apply", "--check", "--unidiff-zero", "-"], input=diff, cwd=folder, capture_output=True,
                          text=True, timeout=60)


def test_a_diff_through_strings_holding_line_separators_applies(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # str.splitlines ends lines at U+2028 and U+0085 (valid in a JSON string as they are); git does not.
    text = CASES.replace('"location": "westus2",', '"location": "westus2", "tags": {"a": "x\u2028y\u0085z"},')
    write("t.json", text)
    code, diff = main_in_process("--select", "AIB103", "--diff", "t.json")
    assert code == 1 and diff.count("\n-") == 4
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    result = _git_apply_check(diff, tmp_path)
    assert result.returncode == 0, result.stderr


def test_git_applies_the_diff_of_every_fix_in_the_corpus(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    shared = need_shared()
    shutil.copytree(shared / "corpus", tmp_path / "corpus")
    shutil.copytree(shared / "reference" / "wild-examples", tmp_path / "wild")
    os.chdir(tmp_path)
    code, diff = main_in_process("--diff", "corpus", "wild")
    assert code == 1 and diff.count("\n+++ b/") >= 3  # every file the corpus has a fix in (3 on 2026-12-06)
    result = _git_apply_check(diff, tmp_path)
    assert result.returncode == 0, result.stderr


# -- SIGTERM to a -j run ----------------------------------------------------------------------

# The first call answers at once: with -j the main process lints the first file (and runs its
# ShellCheck) before it forks the workers (aiblint.parallel._in_pool); only the workers' calls hang.
SLOW_SHELLCHECK = (
    '#!/bin/sh\n'
    'if mkdir "$AIBLINT_TEST_MARKERS.first" 2>/dev/null; then echo \'{"comments":[]}\'; exit 0; fi\n'
    'touch "$AIBLINT_TEST_MARKERS/$$"\nexec sleep 600\n'
)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"  # a zombie has ended; only its parent's wait is missing


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            found |= {int(child) for child in (task / "children").read_text().split()}
    return found


def _wait_for(condition: Callable[[], bool], seconds: float = 100) -> bool:
    """Poll ``condition``; the limit is a safety net for a loaded machine (a run starts 130 files), not a
    measurement. It is below ShellCheck's 120 s timeout: a run that only goes on once a tool timed out fails."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGKILL])
def test_a_stopped_parallel_run_leaves_no_worker_and_no_temporary_file(tmp_path: Path, signal_number: int) -> None:
    if not Path("/proc/self/task").is_dir():
        pytest.skip("reads processes from /proc (Linux)")
    repo, temporary, markers, tools = (tmp_path / name for name in ("repo", "tmp", "markers", "tools"))
    for folder in (repo, temporary, markers, tools):
        folder.mkdir()
    for index in range(130):  # two workers at least 64 files each (aiblint.parallel.MIN_FILES_PER_WORKER)
        (repo / f"t{index:03d}.json").write_text(TEMPLATE_HEAD + f'  "properties": {{"customize": [{{"type": "Shell", '
                                                 f'"name": "s", "inline": ["echo {index}"]}}]}}\n}}\n')
    shellcheck = tools / "shellcheck"
    shellcheck.write_text(SLOW_SHELLCHECK)
    shellcheck.chmod(0o755)
    environment = {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}", "TMPDIR": str(temporary),
                   "AIBLINT_TEST_MARKERS": str(markers), "AIBLINT_CACHE_DIR": str(tmp_path / "cache")}
    process = subprocess.Popen([sys.executable, "-m", "aiblint", "-j", "2", "."], cwd=repo, env=environment,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # Both workers are inside ShellCheck: their script copies are on disk.
        assert _wait_for(lambda: len(list(markers.iterdir())) >= 2), "the workers never ran shellcheck"
        workers = _children(process.pid)
        tools_running = {int(marker.name) for marker in markers.iterdir()}
        assert len(workers) == 2 and list(temporary.iterdir())
        process.send_signal(signal_number)
        _, err = process.communicate(timeout=180)
    finally:
        process.kill()
    if signal_number == signal.SIGTERM:
        assert (process.returncode, err) == (143, "aiblint: terminated\n")
    assert _wait_for(lambda: not any(map(_alive, workers | tools_running))), "a worker or its tool outlived the run"
    assert list(temporary.iterdir()) == []


# -- one file under several names ------------------------------------------------------------


def test_aliases_of_one_file_are_linted_and_fixed_once(write, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    write("t.json", CASES)
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.json").symlink_to("t.json")
    code, out = main_in_process("--select", "AIB103", "t.json", "sub/../t.json", "link.json", str(tmp_path / "t.json"), ".")
    assert code == 1
    assert {line.split(":", 1)[0] for line in out.splitlines()[:-1]} == {"t.json"}
    assert out.splitlines()[-1] == "4 problems (4 errors) in 1 file checked; 4 fixable with --fix"
    assert main_in_process("--select", "AIB103", "--fix", "link.json", "t.json") == (0, "")
    assert capsys.readouterr().err.endswith("aiblint: fixed 4 problems in 1 file\n")
    assert (tmp_path / "t.json").read_text(encoding="utf-8") == CASES_FIXED


_BLOCKED_SEND = """
import os, signal, sys
from aiblint.termination import die_with_parent
die_with_parent(os.getppid())
reader, writer = os.pipe()  # nobody reads: the executor's manager stopped reading a broken pool
os.set_blocking(writer, True)
data = b"x" * (1 << 20)
print("sending", flush=True)
try:  # as concurrent.futures' _sendback_result does: a failed send is retried
    os.write(writer, data)
except BaseException:
    os.write(writer, data)
"""


def test_a_worker_blocked_sending_its_result_dies_on_sigterm() -> None:
    # A -j run whose worker died: the executor stops reading results and sends SIGTERM to
    # the other workers. One blocked writing a large result must end, not take the signal
    # for a failed send and block again (CI hung on this in test_parallel).
    worker = subprocess.Popen([sys.executable, "-c", _BLOCKED_SEND], stdout=subprocess.PIPE, text=True)
    try:
        assert worker.stdout is not None and worker.stdout.readline() == "sending\n"
        time.sleep(0.2)  # into the blocking write
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == -signal.SIGTERM
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


# -- --diff beside a secret ------------------------------------------------------------------

_CLIENT_SECRET = "Qm7rT2vX9kLp4sW8zN1b"


def _beside_secret(secret_first: bool) -> str:
    secret = f'        "inline": ["export ARM_CLIENT_SECRET={_CLIENT_SECRET}"],\n'
    kind = '        "type": "shell",\n'
    return (
        '{\n  "type": "Microsoft.VirtualMachineImages/imageTemplates",\n  "apiVersion": "2024-02-01",\n'
        '  "name": "img",\n  "location": "westus2",\n  "properties": {\n    "customize": [\n      {\n'
        + (secret + kind if secret_first else kind + secret)
        + '        "name": "a"\n      },\n      {\n        "type": "shell",\n        "name": "b",\n'
        '        "inline": ["echo hi"]\n      }\n    ]\n  }\n}\n'
    )


def _diff_in_git(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[str, str, subprocess.CompletedProcess[str]]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q", "."], cwd=tmp_path, check=True, timeout=60)
    (tmp_path / "t.json").write_text(text, encoding="utf-8")
    code, diff = main_in_process("--no-cache", "--select", "AIB103", "--diff", "t.json")
    assert code == 1
    err = capsys.readouterr().err
    check = subprocess.run(["git", "apply", "--check", "-"], input=diff, cwd=tmp_path, capture_output=True, text=True,
                           timeout=60)
    return diff, err, check


def test_a_diff_beside_a_secret_applies_without_the_secret_as_context(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    diff, err, check = _diff_in_git(tmp_path, _beside_secret(secret_first=True), capsys)
    assert check.returncode == 0, check.stderr + diff
    assert _CLIENT_SECRET not in diff + err and "ARM_CLIENT_SECRET" not in diff  # the secret's line is not context
    assert [line for line in diff.splitlines() if line.startswith("@@")] == ["@@ -10,8 +10,8 @@"]  # from the line after it
    assert diff.count('+        "type": "Shell",') == 2 and "left out" not in err


def test_a_fix_only_a_secret_can_follow_is_left_out_of_the_diff_and_said_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    diff, err, check = _diff_in_git(tmp_path, _beside_secret(secret_first=False), capsys)
    assert check.returncode == 0, check.stderr + diff  # what is shown applies
    assert _CLIENT_SECRET not in diff + err and "ARM_CLIENT_SECRET" not in diff
    assert [line for line in diff.splitlines() if line.startswith("@@")] == ["@@ -11,7 +11,7 @@"]  # the second customizer, from the line after it
    assert ("aiblint: t.json:9: a fix is left out of the diff: a line it changes or ends next to holds a secret, which the "
            "diff would show masked and git apply would then reject; --fix makes it\n") in err
