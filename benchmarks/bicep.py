"""Bicep against JSON: what reading the Bicep source costs over the same template in JSON.

    python benchmarks/bicep.py [--runs N]

* B1, one template: ``benchmarks/data/two-inline-shell.bicep`` against its JSON twin
  ``two-inline-shell.json``, each linted cold (``--no-cache``) in a new process.
* B2, the Bicep corpus (``../shared/corpus-iac``: every ``.bicep`` that holds an image
  template) against the same templates in JSON: each template as aiblint lowers it,
  written as a deployment template (what is not known statically written as an ARM
  expression, so that both forms know the same). The scripts a template loads are copied
  beside it.

Medians of ``--runs`` runs, the two commands side by side (round robin), so that a load
change on a shared machine hits both. The target (issue 16): Bicep costs at most 1.5 times
the JSON form.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("AIBLINT_SHARED", ROOT.parent / "shared"))
DATA = ROOT / "benchmarks" / "data"


def _time(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "aiblint", "--no-cache", *args], cwd=cwd, capture_output=True, check=False)
    return time.perf_counter() - start


def _side_by_side(runs: int, commands: dict[str, tuple[list[str], Path]]) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, (args, cwd) in commands.items():
            times[name].append(_time(args, cwd))
    return {name: statistics.median(values) for name, values in times.items()}


def _as_json(value: object) -> object:
    from aiblint.values import UNKNOWN, PartialString

    if value is UNKNOWN or isinstance(value, PartialString):
        return "[unknown()]"
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    return value


def _node_json(template: object, node: object) -> object:
    """A lowered node as JSON: containers member by member, what is unknown as an expression."""
    from aiblint.jsontree import JsonArray, JsonObject

    if isinstance(node, JsonObject):
        return {name: _node_json(template, child) for name, child in node.items()}
    if isinstance(node, JsonArray):
        return [_node_json(template, child) for child in node.items]
    return _as_json(template.resolve(node).value)  # type: ignore[attr-defined]


def _corpus_pair(folder: Path) -> tuple[Path, Path, int]:
    """(Bicep folder, JSON folder, templates): the corpus's Bicep files with templates, and their JSON forms."""
    from aiblint.frontends import load_bytes
    from aiblint.model import find_templates
    from aiblint.scripts.settings import ScriptSettings, active

    source = SHARED / "corpus-iac"
    bicep, as_json = folder / "bicep", folder / "json"
    count = 0
    with active(ScriptSettings(cwd=source, named=(source.resolve(),))):
        for path in sorted(source.rglob("*.bicep")):
            relative = path.relative_to(source)
            document = load_bytes(path.read_bytes(), relative.as_posix())
            templates = find_templates(document) if document.root is not None else []
            if not templates:
                continue
            count += len(templates)
            resources = [_node_json(template, template.resource) for template in templates]
            for target, text in ((bicep / relative, path.read_text(encoding="utf-8-sig")),
                                 (as_json / relative.with_suffix(".json"), json.dumps({"resources": resources}, indent=2))):
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
            for loaded in document.read_files:  # scripts and JSON files the template loads, for both forms
                try:
                    inside = loaded.resolve().relative_to(source.resolve())
                except ValueError:
                    continue
                for base in (bicep, as_json):
                    (base / inside).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(loaded, base / inside)
    return bicep, as_json, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    one = _side_by_side(options.runs, {
        "bicep": (["two-inline-shell.bicep"], DATA), "json": (["two-inline-shell.json"], DATA),
    })
    print(f"B1 one template cold: bicep {one['bicep']:.3f}s, json {one['json']:.3f}s, ratio {one['bicep'] / one['json']:.2f}x")
    if not (SHARED / "corpus-iac").is_dir():
        print("B2 skipped: no ../shared/corpus-iac")
        return
    with tempfile.TemporaryDirectory() as temporary:
        bicep, as_json, count = _corpus_pair(Path(temporary))
        corpus = _side_by_side(options.runs, {"bicep": (["."], bicep), "json": (["."], as_json)})
    print(f"B2 corpus ({count} templates): bicep {corpus['bicep']:.3f}s, json {corpus['json']:.3f}s, "
          f"ratio {corpus['bicep'] / corpus['json']:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
