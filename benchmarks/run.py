"""Time aiblint against the floor (and checkov); print medians, ratios and targets.

    python benchmarks/run.py [--runs N] [--scale 1000,3000,10000] [--checkov] [--markdown FILE]

Every figure is the median of ``--runs`` runs of a new process, as a user
would start it. Commands that are compared are run side by side (round
robin, one run of each per round), so a load change on a shared machine hits
both. Wall time is what the targets are about; CPU time (user + system of the
process and its children) is printed too: on a busy machine it says what the
work costs when the wall time does not.

Figures (the targets are those of issue 21; P3 and the growth figures keep issue 10's):

* P1, one template with two inline Shell customizers
  (``benchmarks/data/two-inline-shell.json``): aiblint with no result cache
  against the floor, ``json.load`` of the file in a new Python plus one
  ``shellcheck -f json1`` of the same inline commands (<= 3x); the same file
  read from the result cache (<= 2x); and checkov on the same file
  (``--checkov``; >= 15x slower than aiblint).
* P2, the corpus (``../shared/corpus`` and ``../shared/reference/wild-examples``):
  aiblint ``-j 1`` against the floor, ``json.load`` of every file in one
  Python plus one batched shellcheck over every Shell script aiblint extracts
  from them (<= 5x), and ``-j 2`` (<= 3.5x on an idle machine); then copies of
  the corpus under new names, up to 10,000
  templates: time per template at each size (linear growth: the same), and
  ``-j 2`` against ``-j 1`` on the largest set (>= 1.6x), with the peak
  memory of that run (< 300 MB).
* P1 through the resident mode (``aiblint --server`` to a warm ``aiblint server``)
  against the floor, measured in its own pairing (<= 1.5x, issue 21).
* P3, the corpus again with the result cache: a run that fills an empty
  cache against an unchanged re-run (>= 5x).

``benchmarks/determinism.py`` checks that a change left the reports byte for
byte as they were.

Installs nothing, except checkov into a throwaway venv under /tmp when
``--checkov`` is given. The result cache is kept in a temporary folder
(``AIBLINT_CACHE_DIR``), never in the user's. Needs ../shared (or
``AIBLINT_SHARED``) for P2 and P3.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("AIBLINT_SHARED", ROOT.parent / "shared"))
CORPUS_FOLDERS = (SHARED / "corpus", SHARED / "reference" / "wild-examples")
ONE_TEMPLATE = ROOT / "benchmarks" / "data" / "two-inline-shell.json"
CHECKOV_VENV = Path(tempfile.gettempdir()) / "aiblint-bench-checkov"
#: The floor's parse: what any tool must do at least, in a new Python.
PARSE = (
    "import json,sys\n"
    "for p in sys.argv[1:]:\n"
    "    try: json.load(open(p, encoding='utf-8-sig'))\n"
    "    except ValueError: pass\n"
)

Command = list[str]


@dataclass
class Sample:
    wall: float  # seconds
    cpu: float  # user + system seconds, the process and its children
    peak_kb: int  # largest resident set of the process or any child it waited for


@dataclass
class Row:
    name: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(sample.wall for sample in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(sample.cpu for sample in self.samples)

    @property
    def peak_mb(self) -> float:
        return max(sample.peak_kb for sample in self.samples) / 1024


@dataclass
class Target:
    name: str
    measured: float
    goal: float
    higher_is_better: bool
    detail: str

    @property
    def met(self) -> bool:
        return self.measured >= self.goal if self.higher_is_better else self.measured <= self.goal


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def row(self, name: str) -> Row:
        row = Row(name)
        self.rows.append(row)
        return row


# -- running -----------------------------------------------------------------------------


def run_once(commands: Sequence[Command], env: dict[str, str]) -> Sample:
    """Run ``commands`` one after the other; their summed wall and CPU time."""
    wall = cpu = 0.0
    peak = 0
    for command in commands:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if hasattr(os, "wait4"):
            _, _, usage = os.wait4(process.pid, 0)
            process.returncode = 0  # reaped here; keep Popen from waiting again
            cpu += usage.ru_utime + usage.ru_stime
            peak = max(peak, usage.ru_maxrss)
        else:  # pragma: no cover - Windows
            process.wait()
        wall += time.perf_counter() - start
    return Sample(wall, cpu, peak)


def side_by_side(rows: Sequence[tuple[Row, Sequence[Command]]], runs: int, env: dict[str, str],
                 before: Callable[[Row], None] | None = None) -> None:
    """One run of each row per round, ``runs`` rounds; ``before`` prepares a row's run."""
    for _ in range(runs):
        for row, commands in rows:
            if before is not None:
                before(row)
            row.samples.append(run_once(commands, env))


def aiblint_command() -> Command:
    script = Path(sys.executable).with_name("aiblint")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "aiblint"]


def supports(flag: str) -> bool:
    text = subprocess.run([*aiblint_command(), "--help"], capture_output=True, text=True, check=False).stdout
    return flag in text


# -- inputs ------------------------------------------------------------------------------


def corpus_files() -> list[Path]:
    return sorted(path for folder in CORPUS_FOLDERS if folder.is_dir() for path in folder.rglob("*.json"))


def shell_scripts(files: Sequence[Path], folder: Path) -> dict[str, list[str]]:
    """Every Shell script aiblint extracts from ``files`` (inline commands and
    referenced files), written into ``folder``: dialect -> file names."""
    sys.path.insert(0, str(ROOT))
    from aiblint.loader import load_bytes
    from aiblint.model import find_templates
    from aiblint.scripts.settings import ScriptSettings, active
    from aiblint.scripts.units import script_units

    by_dialect: dict[str, list[str]] = {}
    with active(ScriptSettings(cwd=ROOT)):
        for path in files:
            document = load_bytes(path.read_bytes(), os.path.relpath(path, ROOT))
            if document.root is None:
                continue
            for template in find_templates(document):
                for unit in script_units(template):
                    if unit.language != "shell":
                        continue
                    name = f"{sum(map(len, by_dialect.values())):05d}.sh"
                    (folder / name).write_text(unit.text, encoding="utf-8", errors="replace", newline="\n")
                    by_dialect.setdefault(unit.dialect, []).append(name)
    return by_dialect


def shellcheck_commands(by_dialect: dict[str, list[str]], folder: Path) -> list[Command]:
    program = shutil.which("shellcheck") or str(Path(sys.executable).with_name("shellcheck"))
    return [[program, "--format=json1", f"--shell={dialect}", *(str(folder / name) for name in names)]
            for dialect, names in sorted(by_dialect.items())]


def copies(files: Sequence[Path], count: int, folder: Path) -> Path:
    """``count`` templates: the corpus files copied round robin under new names."""
    target = folder / f"scale-{count}"
    target.mkdir()
    for index in range(count):
        source = files[index % len(files)]
        shutil.copyfile(source, target / f"t{index:05d}-{source.name}")
    return target


# -- the figures -------------------------------------------------------------------------


def one_template(results: Results, options: argparse.Namespace, env: dict[str, str], work: Path) -> None:
    aiblint = aiblint_command()
    no_cache = ["--no-cache"] if supports("--no-cache") else []
    scripts = work / "p1-scripts"
    scripts.mkdir()
    # The floor checks the two customizers' commands as one script: one shellcheck process.
    inline = shell_scripts([ONE_TEMPLATE], scripts)
    merged = scripts / "both.sh"
    merged.write_text("\n".join((scripts / name).read_text() for names in inline.values() for name in names))
    start = results.row("python -c pass")
    version = results.row("aiblint --version")
    floor = results.row("P1 floor: json.load + 1 shellcheck")
    tool = results.row("P1 aiblint, one template (no cache)")
    no_schema = results.row("P1 aiblint --ignore AIB1 (no schema rules: no jsonschema)")
    rows: list[tuple[Row, Sequence[Command]]] = [
        (start, [[sys.executable, "-c", "pass"]]),
        (version, [[*aiblint, "--version"]]),
        (floor, [[sys.executable, "-c", PARSE, str(ONE_TEMPLATE)], *shellcheck_commands({"sh": [merged.name]}, scripts)]),
        (tool, [[*aiblint, *no_cache, str(ONE_TEMPLATE)]]),
        (no_schema, [[*aiblint, *no_cache, "--ignore", "AIB1", str(ONE_TEMPLATE)]]),
    ]
    if no_cache:
        warm = results.row("P1 aiblint, one template (warm cache)")
        subprocess.run([*aiblint, str(ONE_TEMPLATE)], cwd=ROOT, env=env, capture_output=True, check=False)
        rows.append((warm, [[*aiblint, str(ONE_TEMPLATE)]]))
    side_by_side(rows, options.runs, env)
    results.targets.append(Target("P1 aiblint / floor", tool.wall / floor.wall, 3, False,
                                  f"one template, cold (no cache); CPU {tool.cpu / floor.cpu:.2f}x"))
    if no_cache:
        results.targets.append(Target("P1 aiblint / floor, unchanged file", warm.wall / floor.wall, 2, False,
                                      f"from the result cache; CPU {warm.cpu / floor.cpu:.2f}x"))
    if options.checkov:
        checkov = results.row("P1 checkov, same file")
        # Its best case: ARM checks only, and no attempt to download its guidelines (no network here).
        command = [str(install_checkov() / "bin" / "checkov"), "--framework", "arm", "--skip-download", "--quiet",
                   "--compact", "-f", str(ONE_TEMPLATE)]
        checkov_env = {**env, "BC_SKIP_MAPPING": "TRUE"}
        alongside = results.row("P1 aiblint, one template (no cache), alongside checkov")
        side_by_side([(checkov, [command]), (alongside, [[*aiblint, *no_cache, str(ONE_TEMPLATE)]])], options.checkov_runs, checkov_env)
        results.targets.append(Target("P1 checkov / aiblint", checkov.wall / alongside.wall, 15, True, "how many times slower checkov is"))


def resident(results: Results, options: argparse.Namespace, env: dict[str, str], work: Path) -> None:
    """P1 through the resident mode: ``aiblint --server`` against a warm ``aiblint server``
    of this checkout (started here, stopped after), paired with the floor (<= 1.5x)."""
    aiblint = aiblint_command()
    if not supports("--server"):
        return
    runtime = work / "run"
    runtime.mkdir(mode=0o700)
    env = {**env, "XDG_RUNTIME_DIR": str(runtime)}
    server = subprocess.Popen([*aiblint, "server", "--root", str(ROOT)], cwd=ROOT, env=env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while subprocess.run([*aiblint, "server", "--status", "--root", str(ROOT)], cwd=ROOT, env=env,
                             capture_output=True, check=False).returncode != 0:
            if time.monotonic() > deadline or server.poll() is not None:
                results.notes.append("the resident server did not start: no resident figure")
                return
            time.sleep(0.1)
        scripts = work / "resident-scripts"
        scripts.mkdir()
        inline = shell_scripts([ONE_TEMPLATE], scripts)
        merged = scripts / "both.sh"
        merged.write_text("\n".join((scripts / name).read_text() for names in inline.values() for name in names))
        floor = results.row("P1 floor (paired with the resident mode)")
        through = results.row("P1 aiblint --server, one template (no cache)")
        before = _cpu_of(server.pid)
        side_by_side([
            (floor, [[sys.executable, "-c", PARSE, str(ONE_TEMPLATE)], *shellcheck_commands({"sh": [merged.name]}, scripts)]),
            (through, [[*aiblint, "--server", "--no-cache", str(ONE_TEMPLATE)]]),
        ], options.runs, env)
        results.targets.append(Target("P1 through the resident mode / floor", through.wall / floor.wall, 1.5, False,
                                      "aiblint --server, no cache"))
        after = _cpu_of(server.pid)
        if before is not None and after is not None:  # the row's CPU column is the client's alone
            results.notes.append(f"resident mode: the server spent {(after - before) / options.runs * 1000:.1f} ms CPU per "
                                 "request (its own, and its children's: the forked run and ShellCheck)")
    finally:
        subprocess.run([*aiblint, "server", "--stop", "--root", str(ROOT)], cwd=ROOT, env=env, capture_output=True, check=False)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _cpu_of(pid: int) -> float | None:
    """Seconds of CPU a process and its reaped children have used (Linux ``/proc``), else ``None``."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def install_checkov() -> Path:
    """checkov in a throwaway venv under /tmp (created once, reused)."""
    checkov = CHECKOV_VENV / "bin" / "checkov"
    if not checkov.is_file():
        subprocess.run([sys.executable, "-m", "venv", str(CHECKOV_VENV)], check=True)
        subprocess.run([str(CHECKOV_VENV / "bin" / "pip"), "install", "-q", "checkov"], check=True)
    return CHECKOV_VENV


def corpus(results: Results, options: argparse.Namespace, env: dict[str, str], work: Path) -> list[Path]:
    files = corpus_files()
    aiblint = aiblint_command()
    no_cache = ["--no-cache"] if supports("--no-cache") else []
    scripts = work / "p2-scripts"
    scripts.mkdir()
    by_dialect = shell_scripts(files, scripts)
    count = sum(map(len, by_dialect.values()))
    floor = results.row(f"P2 floor: json.load {len(files)} files + batched shellcheck ({count} scripts)")
    jobs = supports("--jobs")
    tool = results.row(f"P2 aiblint{' -j 1' if jobs else ''}, corpus ({len(files)} files, no cache)")
    paths = [str(path) for path in files]
    rows: list[tuple[Row, Sequence[Command]]] = [
        (floor, [[sys.executable, "-c", PARSE, *paths], *shellcheck_commands(by_dialect, scripts)]),
        (tool, [[*aiblint, *no_cache, *(["-j", "1"] if jobs else []), *paths]]),
    ]
    if jobs:
        parallel = results.row(f"P2 aiblint -j 2, corpus ({len(files)} files, no cache)")
        rows.append((parallel, [[*aiblint, *no_cache, "-j", "2", *paths]]))
    side_by_side(rows, options.runs, env)
    results.targets.append(Target("P2 aiblint -j 1 / floor", tool.wall / floor.wall, 5, False,
                                  f"{len(files)} files, cold (no cache); CPU {tool.cpu / floor.cpu:.2f}x"))
    if jobs:
        results.targets.append(Target("P2 aiblint -j 2 / floor", parallel.wall / floor.wall, 3.5, False, "cold; on an idle machine"))
    return files


def scaling(results: Results, options: argparse.Namespace, env: dict[str, str], work: Path, files: list[Path]) -> None:
    aiblint = aiblint_command()
    no_cache = ["--no-cache"] if supports("--no-cache") else []
    jobs = supports("--jobs")
    per_template: list[float] = []
    sizes = sorted(options.scale)
    for size in sizes:
        folder = copies(files, size, work)
        row = results.row(f"P2 aiblint -j 1, {size} templates")
        side_by_side([(row, [[*aiblint, *no_cache, *(["-j", "1"] if jobs else []), str(folder)]])], options.scale_runs, env)
        per_template.append(row.wall / size)
        if size == sizes[-1]:
            results.targets.append(Target(f"P2 peak memory, {size} templates, -j 1 (MB)", row.peak_mb, 300, False, "largest process"))
            if jobs:
                parallel = results.row(f"P2 aiblint -j 2, {size} templates")
                side_by_side([(parallel, [[*aiblint, *no_cache, "-j", "2", str(folder)]])], options.scale_runs, env)
                results.targets.append(Target(f"P2 -j 1 / -j 2, {size} templates", row.wall / parallel.wall, 1.6, True, "speed-up"))
            else:
                results.notes.append("-j is not implemented yet: no parallel figure")
        shutil.rmtree(folder)
    growth = max(per_template) / min(per_template)
    listed = ", ".join(f"{size}: {seconds * 1000:.1f} ms" for size, seconds in zip(sizes, per_template, strict=True))
    results.targets.append(Target("P2 linear growth (max/min time per template)", growth, 1.25, False, listed))


def warm_cache(results: Results, options: argparse.Namespace, env: dict[str, str], files: list[Path]) -> None:
    if not supports("--no-cache"):
        results.notes.append("the result cache is not implemented yet: no P3 figure")
        return
    aiblint = aiblint_command()
    paths = [str(path) for path in files]
    cold = results.row(f"P3 aiblint, corpus, empty cache ({len(files)} files)")
    warm = results.row(f"P3 aiblint, corpus, unchanged re-run ({len(files)} files)")
    results_folder = Path(env["AIBLINT_CACHE_DIR"]) / "results"

    def empty_cache(row: Row) -> None:
        if row is cold:
            shutil.rmtree(results_folder, ignore_errors=True)

    side_by_side([(cold, [[*aiblint, *paths]]), (warm, [[*aiblint, *paths]])], options.runs, env, before=empty_cache)
    results.targets.append(Target("P3 cold / warm", cold.wall / warm.wall, 5, True, "corpus, speed-up of an unchanged re-run"))


#: Lints the files named in argv with the schema rules only, in one process, and
#: prints how many templates the schema pass checked and how many needed jsonschema.
SCHEMA_SHARE = (
    "import sys\nfrom aiblint import lint_paths, schema\nfrom aiblint.config import Config\n"
    "lint_paths(sys.argv[1:], config=Config(select=['AIB1']))\nprint(*schema.TEMPLATES_CHECKED)\n"
)


def schema_share(results: Results, env: dict[str, str], files: list[Path]) -> None:
    """The share of corpus templates whose schema check never imports jsonschema (issue 21: >= 90%)."""
    done = subprocess.run([sys.executable, "-c", SCHEMA_SHARE, *map(str, files)], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    try:
        checked, slow = map(int, done.stdout.split())
    except ValueError:  # an aiblint without aiblint.fastschema (comparing an older commit)
        results.notes.append("no figure for the templates that skip jsonschema: " + (done.stderr.strip().splitlines() or ["?"])[-1])
        return
    skipped = checked - slow
    results.targets.append(Target("corpus templates that skip jsonschema (%)", 100 * skipped / checked, 90, True,
                                  f"{skipped} of {checked} templates"))


# -- report ------------------------------------------------------------------------------


def machine() -> list[str]:
    model = ""
    with contextlib.suppress(OSError):
        model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), "")
    shellcheck = subprocess.run([*shellcheck_commands({"sh": []}, ROOT)[0][:1], "--version"], capture_output=True, text=True, check=False)
    version = next((line.split(":", 1)[1].strip() for line in shellcheck.stdout.splitlines() if line.startswith("version")), "?")
    return [
        f"machine: {platform.system()} {platform.release()}, {model or platform.processor() or '?'}, {os.cpu_count()} cores",
        f"python {platform.python_version()}, shellcheck {version}, load average at start {_load()}",
    ]


def render(results: Results, header: list[str], options: argparse.Namespace) -> Iterator[str]:
    yield from header
    yield f"load average at end {_load()}; runs: {options.runs} (scale: {options.scale_runs}, checkov: {options.checkov_runs})"
    yield ""
    yield from table(["what", "median wall ms", "median CPU ms", "peak MB"],
                     [[row.name, f"{row.wall * 1000:.1f}", f"{row.cpu * 1000:.1f}", f"{row.peak_mb:.1f}"] for row in results.rows])
    yield ""
    yield from table(["target", "measured", "goal", "met", "note"], [
        [target.name, f"{target.measured:.2f}", f"{'>=' if target.higher_is_better else '<='} {target.goal:g}",
         "yes" if target.met else "NO", target.detail]
        for target in results.targets
    ])
    for note in results.notes:
        yield f"note: {note}"


def table(header: list[str], rows: list[list[str]]) -> Iterator[str]:
    """A Markdown table, columns padded; the first column left-aligned, the others right."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=False)]

    def line(cells: list[str]) -> str:
        padded = [cell.ljust(width) if index == 0 else cell.rjust(width) for index, (cell, width) in enumerate(zip(cells, widths, strict=True))]
        return "| " + " | ".join(padded) + " |"

    yield line(header)
    yield "|" + "|".join(("-" * (width + 2)) if index == 0 else ("-" * (width + 1) + ":") for index, width in enumerate(widths)) + "|"
    yield from (line(row) for row in rows)


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="runs per figure (median)")
    parser.add_argument("--scale", type=lambda text: [int(n) for n in text.split(",")], default=[1000, 3000, 10000],
                        help="template counts for the growth figures (comma-separated; empty: skip)")
    parser.add_argument("--scale-runs", type=int, default=1, help="runs per size of the growth figures")
    parser.add_argument("--no-scale", action="store_true", help="skip the growth figures")
    parser.add_argument("--checkov", action="store_true", help="also time checkov (installed into a venv under /tmp)")
    parser.add_argument("--checkov-runs", type=int, default=3)
    parser.add_argument("--markdown", metavar="FILE", help="also write the tables to FILE")
    options = parser.parse_args()
    header = machine()
    results = Results()
    with tempfile.TemporaryDirectory(prefix="aiblint-bench-") as folder:
        work = Path(folder)
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env.update(AIBLINT_CACHE_DIR=str(work / "cache"), NO_COLOR="1")
        # Bytecode written once, as an installation does: no run pays for compiling.
        subprocess.run([*aiblint_command(), "--no-cache", str(ONE_TEMPLATE)], cwd=ROOT, env=env, capture_output=True, check=False)
        one_template(results, options, env, work)
        resident(results, options, env, work)
        if all(path.is_dir() for path in CORPUS_FOLDERS):
            files = corpus(results, options, env, work)
            schema_share(results, env, files)
            warm_cache(results, options, env, files)
            if not options.no_scale:
                scaling(results, options, env, work, files)
        else:
            results.notes.append(f"{SHARED} is missing: no corpus figures")
    lines = list(render(results, header, options))
    print("\n".join(lines))
    if options.markdown:
        Path(options.markdown).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
