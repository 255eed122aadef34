"""What making findings and writing them costs, in one process (issue 21, P2).

    python benchmarks/findings.py [PATH ...]   (default: the corpus and the wild examples)

Lints the files once to import and warm everything, then a few more times with
:meth:`aiblint.engine.Linter.finding` timed (what the engine adds to a rule's
problem: the selection, provenance, redaction, position, logical path and
fingerprint), and writes the report in the text format. Prints the median CPU
milliseconds per pass: the whole lint, inside ``finding``, the text format.
Compare two checkouts by running each (``PYTHONPATH=<checkout>``), alternated.
"""

from __future__ import annotations

import functools
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("AIBLINT_SHARED", ROOT.parent / "shared"))
PASSES = 5


def main(arguments: list[str]) -> int:
    from aiblint import engine
    from aiblint.formatters.text import TextFormatter
    from aiblint.registry import RuleSet, rule_infos_of
    from aiblint.run import lint_paths

    paths = arguments or [str(SHARED / "corpus"), str(SHARED / "reference" / "wild-examples")]
    spent = [0]

    def timed(function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time_ns()
            try:
                return function(*args, **kwargs)
            finally:
                spent[0] += time.process_time_ns() - start

        return wrapper

    engine.Linter.finding = timed(engine.Linter.finding)  # type: ignore[method-assign]
    report = lint_paths(paths, jobs=1, cache=False)  # imports, regexes, validators: not measured
    infos = rule_infos_of(RuleSet.load_all().rules)
    runs, inside, writes = [], [], []
    with open(os.devnull, "w", encoding="utf-8") as sink:
        for _ in range(PASSES):
            spent[0] = 0
            start = time.process_time_ns()
            report = lint_paths(paths, jobs=1, cache=False)
            runs.append((time.process_time_ns() - start) / 1e6)
            inside.append(spent[0] / 1e6)
            start = time.process_time_ns()
            TextFormatter(infos).write(report, sink)
            writes.append((time.process_time_ns() - start) / 1e6)
    print(f"{len(report.findings)} findings; CPU ms per pass (median of {PASSES}): lint {statistics.median(runs):.1f}, "
          f"in Linter.finding {statistics.median(inside):.2f}, text format {statistics.median(writes):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
