"""What aiblint imports on a run, and what each import costs.

    python benchmarks/imports.py [--runs N] [--min-ms 2] [-- AIBLINT ARGS...]

Runs ``python -X importtime -m aiblint ARGS`` ``--runs`` times (default
arguments: the one-template benchmark file) and prints, for every module that
took at least ``--min-ms`` with its own imports, the smallest time seen (the
least disturbed by other processes), nested as imported. The total is the
smallest sum of the modules' own times.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def profile(arguments: list[str]) -> list[tuple[str, int, int, int]]:
    """(module, depth, own us, with imports us) in import order, for one run."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "aiblint", *arguments], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    rows = []
    for line in result.stderr.splitlines():
        match = LINE.match(line)
        if match:
            rows.append((match[4], (len(match[3]) - 1) // 2, int(match[1]), int(match[2])))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--min-ms", type=float, default=2.0)
    parser.add_argument("arguments", nargs="*", default=["--no-cache", str(ROOT / "benchmarks/data/two-inline-shell.json")])
    options = parser.parse_args()
    best: dict[str, int] = {}
    totals = []
    order: list[tuple[str, int]] = []
    for _ in range(options.runs):
        rows = profile(options.arguments)
        totals.append(sum(own for _, _, own, _ in rows))
        for name, depth, _, cumulative in rows:
            if name not in best:
                order.append((name, depth))
            best[name] = min(best.get(name, cumulative), cumulative)
    # importtime prints a module after its imports; show parents first.
    print(f"{'ms':>7}  module (smallest of {options.runs} runs, with its imports)")
    for name, depth in reversed(order):
        if best[name] >= options.min_ms * 1000:
            print(f"{best[name] / 1000:7.1f}  {'  ' * depth}{name}")
    print(f"{min(totals) / 1000:7.1f}  total (sum of own times, smallest run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
