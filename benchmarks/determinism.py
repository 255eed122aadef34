"""Are aiblint's reports over the corpus byte for byte what they were?

    python benchmarks/determinism.py --save FOLDER [--aiblint PROGRAM]
    python benchmarks/determinism.py --against FOLDER [--aiblint PROGRAM]

A check for speed work, not a test: it runs aiblint (``--no-cache``) over the
corpus (``../shared/corpus`` and ``../shared/reference/wild-examples``) in
every output format, with ``-j 1`` and ``-j 2``, from the shared folder with
relative paths (so two checkouts name the files alike), and either saves the
reports (with the exit codes) into FOLDER or compares them with those saved
there. Run ``--save`` with the code before a change (``--aiblint`` names
another installation's console script) and ``--against`` after it: any byte
that differs is printed, and the exit code is 1. The suite's own
determinism tests (``tests/test_parallel.py``, ``tests/test_cache.py``) cover
``-j`` and the cache on every run; this compares two versions of the code.
"""

from __future__ import annotations

import argparse
import difflib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("AIBLINT_SHARED", ROOT.parent / "shared"))
FOLDERS = ("corpus", "reference/wild-examples")
FORMATS = ("text", "json", "sarif", "github", "azure-devops")
JOBS = ("1", "2")


def reports(program: list[str]) -> dict[str, bytes]:
    """Report name -> exit code line and the report's bytes."""
    files = sorted(str(path.relative_to(SHARED)) for folder in FOLDERS for path in (SHARED / folder).rglob("*.json"))
    env = {**os.environ, "NO_COLOR": "1"}
    found: dict[str, bytes] = {}
    for output in FORMATS:
        for jobs in JOBS:
            result = subprocess.run([*program, "--no-cache", "-j", jobs, "--format", output, *files],
                                    cwd=SHARED, env=env, capture_output=True, check=False)
            found[f"{output}-j{jobs}"] = b"exit %d\n" % result.returncode + result.stdout + b"\n-- stderr --\n" + result.stderr
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--save", type=Path, metavar="FOLDER", help="save the reports there")
    where.add_argument("--against", type=Path, metavar="FOLDER", help="compare with the reports saved there")
    parser.add_argument("--aiblint", default=str(Path(sys.executable).with_name("aiblint")), help="the console script to run")
    options = parser.parse_args()
    if not (SHARED / FOLDERS[0]).is_dir():
        print(f"{SHARED} is missing: nothing to compare", file=sys.stderr)
        return 2
    found = reports([options.aiblint])
    if options.save:
        options.save.mkdir(parents=True, exist_ok=True)
        for name, data in found.items():
            (options.save / name).write_bytes(data)
        print(f"saved {len(found)} reports in {options.save}")
        return 0
    differing = 0
    for name, data in found.items():
        before = (options.against / name).read_bytes() if (options.against / name).is_file() else b""
        if before != data:
            differing += 1
            diff = difflib.unified_diff(before.decode(errors="replace").splitlines(), data.decode(errors="replace").splitlines(),
                                        f"before/{name}", f"after/{name}", lineterm="", n=1)
            print("\n".join(list(diff)[:40]))
    print(f"{len(found) - differing} of {len(found)} reports byte-identical")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
