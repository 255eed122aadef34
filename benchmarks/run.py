"""Time aiblint on one template and on the corpus; print medians (no pass/fail).

    python benchmarks/run.py [--runs N]

Runs the installed ``aiblint`` as a user would (a new process each time) and,
for scale, the floor: a bare Python start that only parses the same JSON.
Needs ../shared for the corpus figures; the one-template figures always run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
EXAMPLE = ROOT / "examples" / "bad-template.json"


def median_seconds(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def parse_floor(paths: list[str]) -> list[str]:
    code = "import json,sys\nfor p in sys.argv[1:]:\n    try: json.load(open(p, encoding='utf-8-sig'))\n    except ValueError: pass\n"
    return [sys.executable, "-c", code, *paths]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    aiblint = [sys.executable, "-m", "aiblint"]
    rows = [
        ("python start (-c pass)", median_seconds([sys.executable, "-c", "pass"], options.runs)),
        ("aiblint --version", median_seconds([*aiblint, "--version"], options.runs)),
        ("floor: json.load one template", median_seconds(parse_floor([str(EXAMPLE)]), options.runs)),
        ("aiblint one template", median_seconds([*aiblint, str(EXAMPLE)], options.runs)),
    ]
    if (SHARED / "corpus").is_dir():
        files = sorted(str(p) for folder in (SHARED / "corpus", SHARED / "reference" / "wild-examples") for p in folder.rglob("*.json"))
        rows.append((f"floor: json.load corpus ({len(files)} files)", median_seconds(parse_floor(files), options.runs)))
        rows.append((f"aiblint corpus ({len(files)} files)", median_seconds([*aiblint, *files], options.runs)))
    width = max(len(name) for name, _ in rows)
    print(f"{'what':<{width}}  median ms  (runs={options.runs})")
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds * 1000:9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
