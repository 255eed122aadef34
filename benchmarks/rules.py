"""Where the time of a lint run goes, rule by rule, in one process.

    python benchmarks/rules.py [PATH ...]   (default: the corpus and the wild examples)

Lints the files once to import and warm everything, then again with every
rule's ``check_*`` methods timed (a method that returns a generator is timed
until the generator is exhausted), the loader and the model timed the same
way. Prints milliseconds per stage, most expensive first. No cache, one process.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("AIBLINT_SHARED", ROOT.parent / "shared"))
spent: Counter[str] = Counter()


def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        result = function(*args, **kwargs)
        spent[name] += time.perf_counter() - start
        if isinstance(result, Iterator):
            return _drain(name, result)
        return result

    return wrapper


def _drain(name: str, items: Iterator[Any]) -> Iterator[Any]:
    start = time.perf_counter()
    collected = list(items)
    spent[name] += time.perf_counter() - start
    return iter(collected)


def main() -> int:
    sys.path.insert(0, str(ROOT))
    import aiblint.engine as engine
    import aiblint.run as run
    from aiblint.config import Config
    from aiblint.registry import RuleSet

    paths = sys.argv[1:] or [str(SHARED / "corpus"), str(SHARED / "reference" / "wild-examples")]
    rules = RuleSet.load_all()
    run.lint_paths(paths, config=Config(), rules=rules)  # imports, validators, data files
    for rule in rules.rules:
        for method in ("check_file", "check_template", "check_script", "check_scripts"):
            if getattr(type(rule), method) is not getattr(engine.Rule, method):
                setattr(rule, method, timed(f"rule {rule.id}", getattr(rule, method)))
    engine.load_bytes = timed("load (parse JSON)", engine.load_bytes)
    engine.find_templates = timed("model (find templates)", engine.find_templates)
    start = time.perf_counter()
    report = run.lint_paths(paths, config=Config(), rules=rules)
    total = time.perf_counter() - start
    print(f"{report.files_checked} files, {report.templates_checked} templates, {total * 1000:.0f} ms in all")
    for name, seconds in spent.most_common():
        if seconds >= 0.001:
            print(f"{seconds * 1000:8.1f} ms  {seconds / total:5.1%}  {name}")
    rest = total - sum(spent.values())
    print(f"{rest * 1000:8.1f} ms  {rest / total:5.1%}  the rest (engine: findings, positions, provenance, filter, files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
