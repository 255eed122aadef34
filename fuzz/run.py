"""Coverage-guided fuzzing of one target with atheris (libFuzzer).

    python fuzz/run.py TARGET [--keep-going] [libFuzzer flags...]

TARGET is one of ``fuzz.targets.TARGETS`` (loader, expression, linemap,
formats, lint). The corpus folder (``$AIBLINT_FUZZ_DIR``, default
``fuzz/.work``) is seeded with the shared template corpus, then libFuzzer adds
the inputs that reach new code. ``--keep-going`` records each distinct failure
(exception type and the innermost aiblint frame) with its input under
``<dir>/<target>/failures/`` and goes on, so one long run finds every kind of
failure; without it the first failure stops the run, as libFuzzer does.
Every 1,000 inputs (and after ``-runs``) ``<dir>/<target>/stats.json`` says how
many ran and which failures were seen. See fuzz/README.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import atheris  # noqa: E402

#: Where the corpus, findings and statistics go (one folder per target).
WORK = Path(os.environ.get("AIBLINT_FUZZ_DIR", ROOT / "fuzz" / ".work"))
# Temporary files (the lint target's folder: fuzz.targets._linting) go under the work folder:
# libFuzzer ends the process from C, so no atexit hook removes them, and /tmp would keep one per run.
(WORK / "tmp").mkdir(parents=True, exist_ok=True)
tempfile.tempdir = str(WORK / "tmp")

# Everything the targets reach is imported here, inside the hook, so that all of it
# reports coverage: rules and lazily imported modules too (see warm_up).
with atheris.instrument_imports(include=["aiblint", "aiblint_rules", "fuzz"]):
    from fuzz.mutate import mutate_text
    from fuzz.targets import TARGETS, warm_up

    warm_up()

SHARED_CORPUS = Path(os.environ.get("AIBLINT_SHARED", ROOT.parent / "shared")) / "corpus"
#: Seeds for the targets whose inputs are files.
FILE_TARGETS = ("loader", "lint")


class Run:
    def __init__(self, name: str, folder: Path, keep_going: bool, runs: int) -> None:
        self.name = name
        self.runs = runs  # libFuzzer ends the process after this many: save then
        self.target = TARGETS[name]
        self.folder = folder
        self.keep_going = keep_going
        self.count = 0
        self.failures: dict[str, int] = {}
        self.started = time.time()

    def __call__(self, data: bytes) -> None:
        self.count += 1
        if self.count % 1000 == 0 or self.count == self.runs:
            self.save()
        try:
            self.target(data)
        except Exception as error:
            if not self.keep_going:
                self.save()
                raise
            self.record(error, data)

    def record(self, error: Exception, data: bytes) -> None:
        frames = [frame for frame in traceback.extract_tb(error.__traceback__) if "/aiblint" in frame.filename]
        where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
        signature = f"{type(error).__name__} at {where}"
        first = signature not in self.failures
        self.failures[signature] = self.failures.get(signature, 0) + 1
        if first:
            failures = self.folder / "failures"
            failures.mkdir(parents=True, exist_ok=True)
            name = hashlib.sha256(signature.encode()).hexdigest()[:12]
            (failures / f"{name}.input").write_bytes(data)
            (failures / f"{name}.txt").write_text(signature + "\n\n" + "".join(traceback.format_exception(error)), encoding="utf-8")
            self.save()

    def save(self) -> None:
        stats = {"target": self.name, "inputs": self.count, "seconds": round(time.time() - self.started),
                 "failures": self.failures}
        (self.folder / "stats.json").write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")


def seed_corpus(target: str, corpus: Path) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    if target not in FILE_TARGETS or any(corpus.iterdir()) or not SHARED_CORPUS.is_dir():
        return
    for path in sorted(SHARED_CORPUS.rglob("*.json")):
        shutil.copyfile(path, corpus / hashlib.sha256(path.read_bytes()).hexdigest()[:16])


def custom_mutator(data: bytes, max_size: int, seed: int) -> bytes:
    """Half the time a structural mutation of the template (fuzz/mutate.py), else libFuzzer's own."""
    rng = random.Random(seed)
    if rng.random() < 0.5:
        try:
            mutated = mutate_text(data, rng, rounds=rng.randint(1, 3))
        except Exception:  # a bug in the mutator must not end the run: fall back to libFuzzer's
            mutated = None
        if mutated is not None and len(mutated) <= max_size:
            return mutated
    result: bytes = atheris.Mutate(data, max_size)
    return result


def main() -> None:
    arguments = sys.argv[1:]
    if not arguments or arguments[0] not in TARGETS:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(TARGETS)}}} [--keep-going] [libFuzzer flags]")
    name = arguments.pop(0)
    keep_going = "--keep-going" in arguments
    flags = [flag for flag in arguments if flag != "--keep-going"]
    folder = WORK / name
    corpus = folder / "corpus"
    seed_corpus(name, corpus)
    runs = next((int(flag.split("=", 1)[1]) for flag in flags if flag.startswith("-runs=")), -1)
    run = Run(name, folder, keep_going, runs)
    corpora = [str(corpus)] if not any(not flag.startswith("-") for flag in flags) else []
    if not any(flag.startswith("-artifact_prefix=") for flag in flags):
        flags.append(f"-artifact_prefix={folder}/")
    options = {"custom_mutator": custom_mutator} if name in FILE_TARGETS else {}
    atheris.Setup([sys.argv[0], *flags, *corpora], run, **options)
    try:
        atheris.Fuzz()
    finally:
        run.save()


if __name__ == "__main__":
    main()
