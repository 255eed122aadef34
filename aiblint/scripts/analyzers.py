"""What the external analyzers (ShellCheck, PSScriptAnalyzer) share: their
findings in script coordinates, running the process with a timeout, the
configuration file nearest to a script, and turning findings into problems.
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from aiblint.filekinds import stat_mode
from aiblint.findings import Severity
from aiblint.record import MutableRecord, Record
from aiblint.rule import Problem, RunNote
from aiblint.scripts.settings import current_settings
from aiblint.scripts.tally import not_checked
from aiblint.scripts.units import ScriptUnit
from aiblint.termination import held

if TYPE_CHECKING:
    from tempfile import TemporaryDirectory


class ToolFinding(Record):
    """One finding of an analyzer on one unit, in script lines and columns."""

    __slots__ = (  # noqa: RUF023 - in field order
        "unit", "rule", "severity", "message", "line", "column", "end_line", "end_column", "structural",
    )
    unit: Final[ScriptUnit]
    rule: Final[str]  # SC2086, PSAvoidUsingWriteHost
    severity: Final[Severity]
    message: Final[str]
    line: Final[int]
    column: Final[int]
    end_line: Final[int | None]
    end_column: Final[int | None]
    #: A finding that a wholly unknown line could cause (a parse error: the line
    #: may have closed a block; an unassigned variable: it may have set it).
    structural: Final[bool]

    def __init__(
        self,
        unit: ScriptUnit,
        rule: str,
        severity: Severity,
        message: str,
        line: int,
        column: int,
        end_line: int | None,
        end_column: int | None,
        structural: bool = False,
    ) -> None:
        self.unit = unit
        self.rule = rule
        self.severity = severity
        self.message = message
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column
        self.structural = structural


class Outcome(MutableRecord):
    """What an external analyzer found and said over a batch of units."""

    __slots__ = ("findings", "notes", "checked")  # noqa: RUF023 - in field order
    findings: list[ToolFinding]
    notes: list[str]
    checked: int  # units the analyzer ran over

    def __init__(self, findings: list[ToolFinding] | None = None, notes: list[str] | None = None, checked: int = 0) -> None:
        self.findings = [] if findings is None else findings
        self.notes = [] if notes is None else notes
        self.checked = checked


def run_tool(
    command: Sequence[str], folder: str | Path, timeout: float, tool: str, count: int, kind: str, outcome: Outcome,
    memory: int | None = None,
) -> subprocess.CompletedProcess[bytes] | None:
    """The finished process, or ``None`` with a note saying why ``count`` scripts were not checked.
    ``memory``: a cap on the process's address space (bytes), on systems that have one."""
    process: subprocess.Popen[bytes] | None = None
    try:
        with held():  # (SIGTERM: raised once ``process`` holds what was started, which is then ended)
            process = _spawn(command, folder, memory)
        return finish_tool(process, timeout, tool, count, kind, outcome)
    except OSError as error:
        if process is not None:
            end_tool(process)
            raise
        outcome.notes.append(f"{tool} could not be started ({command[0]}: {error.strerror or error}); {not_checked(count, kind, 'it')}")
        return None
    except BaseException:  # terminated, interrupted: it does not outlive the run
        if process is not None:
            end_tool(process)
        raise


def start_tool(command: Sequence[str], folder: str | Path, memory: int | None = None) -> subprocess.Popen[bytes] | None:
    """Start ``command`` as :func:`run_tool` runs it, without waiting for it (:func:`finish_tool`);
    ``None`` when it cannot be started (:func:`run_tool` then says why). Call it in a
    :func:`~aiblint.termination.held` block that also records the process where the run's
    unwinding ends it (:data:`AHEAD`): a SIGTERM in between would leave it running."""
    try:
        return _spawn(command, folder, memory)
    except OSError:
        return None


def _spawn(command: Sequence[str], folder: str | Path, memory: int | None) -> subprocess.Popen[bytes]:
    inherited = _inherited_limit(memory) if memory is not None else None
    limit = _address_space_limit(memory) if memory is not None and inherited is None else None
    try:
        return subprocess.Popen(list(command), cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limit)
    finally:
        if inherited is not None:
            inherited()


def finish_tool(
    process: subprocess.Popen[bytes], timeout: float, tool: str, count: int, kind: str, outcome: Outcome,
    wait: float | None = None,
) -> subprocess.CompletedProcess[bytes] | None:
    """What :func:`run_tool` gives, for a process :func:`start_tool` started (ended as
    :func:`subprocess.run` ends one: killed and waited for, its pipes not read again, since
    a process it started may hold them open). ``wait``: how long to wait from now, when
    less than ``timeout`` is left (a part of a batch: the batch's timeout runs for all parts)."""
    try:
        stdout, stderr = process.communicate(timeout=timeout if wait is None else wait)
    except subprocess.TimeoutExpired:
        end_tool(process)
        outcome.notes.append(f"{tool} did not finish within {timeout:.0f} s; {not_checked(count, kind, 'it')}")
        return None
    except BaseException:  # interrupted, terminated
        end_tool(process)
        raise
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


#: Tools started ahead of the batch rule that reads them (a lone file's ShellCheck, started
#: before its other rules run; a chunk's, over the scripts gathered so far), by exactly what
#: each was given, with the folder it runs in.
AHEAD: dict[tuple[object, ...], tuple[subprocess.Popen[bytes], TemporaryDirectory[str]]] = {}
#: What a batch rule gathered for them since its last check (by tool): dropped with them.
GATHERED: dict[str, object] = {}


def end_ahead() -> None:
    """End the tools started ahead that no batch rule took (it ran, or the run unwinds)."""
    with held():  # (a SIGTERM meanwhile is raised once each is ended, not between ending and forgetting one)
        GATHERED.clear()
        while AHEAD:
            key, (process, folder) = next(iter(AHEAD.items()))
            end_tool(process)
            folder.cleanup()
            del AHEAD[key]


def end_tool(process: subprocess.Popen[bytes]) -> None:
    """Kill a process :func:`start_tool` started, wait for it, and close its pipes."""
    process.kill()
    process.wait()
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def _inherited_limit(memory: int) -> Callable[[], None] | None:
    """Cap this process's address space (the soft limit) at ``memory`` for the tool to inherit,
    and return what puts it back; ``None`` when that cannot be done safely (no ``/proc``, a
    process already large, a hard limit below the cap): then the tool's child sets it.

    The child's way needs ``preexec_fn``, which makes :mod:`subprocess` fork this process
    instead of a ``vfork``: 2-3 ms more per tool in a warm process (its page tables copied)."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        with open("/proc/self/statm", "rb") as stream:
            size = int(stream.read().split()[0]) * resource.getpagesize()
    except (ImportError, OSError, ValueError, IndexError):  # Windows, macOS: the child's way
        return None
    if size * 4 > memory or (hard != resource.RLIM_INFINITY and hard < memory) or (soft != resource.RLIM_INFINITY and soft < memory):
        return None
    resource.setrlimit(resource.RLIMIT_AS, (memory, hard))

    def restore() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))

    return restore


def _address_space_limit(memory: int) -> Callable[[], None] | None:
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows: no rlimits
        return None

    def limit() -> None:  # in the child, before the program starts
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return limit


def first_error_line(result: subprocess.CompletedProcess[bytes], otherwise: str) -> str:
    lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[0] if lines else otherwise


def same_script(unit: ScriptUnit) -> object:
    """Units that are one script (a file used by two templates) are checked once."""
    return (unit.document.path, unit.text) if unit.origin == "file" else id(unit)


def nearest(unit: ScriptUnit, names: Sequence[str], cache: dict[tuple[Path, Path], Path | None]) -> Path | None:
    """The nearest file called one of ``names``, walking up from the script file
    (or, for inline commands, the template), as the analyzers search themselves,
    but never above the repository root: a file there is not the repository's."""
    if unit.resolution is not None and unit.resolution.path is not None:
        start = unit.resolution.path.parent
    elif unit.template.document.path.startswith("<"):
        return None
    else:
        start = (current_settings().cwd / unit.template.document.path).parent
    try:
        return nearest_file(current_settings().resolved(start), names, cache)
    except OSError:
        return None


def nearest_file(start: Path, names: Sequence[str], cache: dict[tuple[Path, Path], Path | None]) -> Path | None:
    """The first of ``names`` in ``start`` or a folder above it, up to its repository root."""
    from aiblint.scripts.gitrepo import upwards
    from aiblint.scripts.resolve import repository_for

    boundary = repository_for(start, current_settings()).root
    visited: list[Path] = []
    found: Path | None = None
    for folder in upwards(start):
        if (folder, boundary) in cache:
            found = cache[folder, boundary]
            break
        visited.append(folder)
        found = next((folder / name for name in names if _is_file_in(folder, name)), None)
        if found is not None or folder == boundary or not folder.is_relative_to(boundary):
            break
    for folder in visited:
        cache[folder, boundary] = found
    return found


def _is_file_in(folder: Path, name: str) -> bool:
    """``(folder / name).is_file()``, with no path object made where nothing is (nearly every folder)."""
    mode = stat_mode(os.path.join(folder, name))
    return (folder / name).is_file() if mode is None else stat.S_ISREG(mode)


def problems(outcome: Outcome) -> Iterator[Problem | RunNote]:
    """The notes, then each finding placed where its code is written; findings in
    masked text, and structural ones in a script with an unknown line, are dropped."""
    for note in outcome.notes:
        yield RunNote(note)
    for finding in outcome.findings:
        unit = finding.unit
        if finding.structural and unit.has_unknown_lines:
            continue
        if unit.offset(finding.line, finding.column) is None:
            continue  # about what aiblint put in place of unknown text, not about the user's code
        yield unit.problem(
            finding.message, finding.line, finding.column, finding.end_line, finding.end_column,
            rule=finding.rule, severity=finding.severity,
        )
