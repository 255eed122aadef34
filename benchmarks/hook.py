"""Time the pre-commit hook on 1 and 100 changed templates.

    python benchmarks/hook.py [--runs N]

Builds the hook from a snapshot of this checkout with real pre-commit (not
timed: a minute or so, once), in a scratch git repository holding 100 copies
of ``benchmarks/data/two-inline-shell.json`` under new names, then times
``pre-commit run --files`` on 1 and on 100 of them: with an empty result
cache (the first commit of those files) and with a warm one (the same files
again, as when a commit is retried). Also times the hook's entry,
``aiblint --skip-non-templates``, run directly, so the difference is
pre-commit's own cost. Medians of ``--runs`` runs of new processes; wall time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "benchmarks" / "data" / "two-inline-shell.json"
IDENTITY = {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.com", "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.com"}


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)


def _git(cwd: Path, env: dict[str, str], *args: str) -> str:
    done = _run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args], cwd, env)
    if done.returncode:
        raise SystemExit(done.stderr)
    return done.stdout.strip()


def _snapshot(target: Path, env: dict[str, str]) -> str:
    """This checkout's files (tracked and untracked, not ignored) committed to ``target``."""
    listed = _git(ROOT, env, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    _git(target, env, "init", "-q")
    _git(target, env, "add", ".")
    _git(target, env, "commit", "-q", "-m", "snapshot")
    return _git(target, env, "rev-parse", "HEAD")


def _median(command: list[str], cwd: Path, env: dict[str, str], runs: int, cold: bool) -> float:
    if not cold:
        _run(command, cwd, env)  # fills the cache: the runs timed read it
    times = []
    for run in range(runs):
        if cold:
            env = {**env, "AIBLINT_CACHE_DIR": str(cwd.parent / f"cache-{time.monotonic_ns()}-{run}")}
        start = time.perf_counter()
        done = _run(command, cwd, env)
        times.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):
            raise SystemExit(done.stdout + done.stderr)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aiblint-hook-") as scratch:
        base = Path(scratch)
        env = {**os.environ, **IDENTITY, "PRE_COMMIT_HOME": str(base / "pre-commit"), "PRE_COMMIT_COLOR": "never",
               "AIBLINT_CACHE_DIR": str(base / "warm-cache")}
        env.pop("VIRTUAL_ENV", None)
        (base / "aiblint").mkdir()
        commit = _snapshot(base / "aiblint", env)
        work = base / "work"
        (work / "templates").mkdir(parents=True)
        _git(work, env, "init", "-q")
        (work / ".pre-commit-config.yaml").write_text(
            f"repos:\n  - repo: {(base / 'aiblint').as_posix()}\n    rev: {commit}\n    hooks:\n      - id: aiblint\n"
        )
        text = TEMPLATE.read_text(encoding="utf-8")
        names = [f"templates/image-{number:03}.json" for number in range(100)]
        for name in names:
            (work / name).write_text(text, encoding="utf-8")
        _git(work, env, "add", ".")
        start = time.perf_counter()
        done = _run([sys.executable, "-m", "pre_commit", "install-hooks"], work, env)
        if done.returncode:
            raise SystemExit(done.stdout + done.stderr)
        print(f"hook environment built in {time.perf_counter() - start:.1f} s (once; not in the figures below)")
        hook_aiblint = next(Path(env["PRE_COMMIT_HOME"]).glob("repo*/py_env-*/bin/aiblint"))
        print(f"{'files':>5}  {'cache':>5}  {'pre-commit run':>14}  {'aiblint entry':>13}")
        for count in (1, 100):
            files = names[:count]
            for cold in (True, False):
                hook = _median([sys.executable, "-m", "pre_commit", "run", "--files", *files], work, env, options.runs, cold)
                entry = _median([str(hook_aiblint), "--skip-non-templates", *files], work, env, options.runs, cold)
                print(f"{count:>5}  {'cold' if cold else 'warm':>5}  {hook:>12.2f} s  {entry:>11.2f} s")


if __name__ == "__main__":
    main()
