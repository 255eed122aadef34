"""Lint the files of a run in chunks: in this process, or in worker processes
(``-j N``), with the result cache (:mod:`aiblint.cache`).

The files are cut into chunks of consecutive files. One linter lints a chunk
and then runs the batch rules (ShellCheck, PSScriptAnalyzer) once over the
chunk's scripts, so external tools still start once per chunk, not per file,
and memory holds one chunk's documents at a time. Each file gives a
:class:`~aiblint.outcome.FileOutcome`; the run absorbs them in the order of
the files whichever process made them, and the filter step runs once over
everything at the end, so ``-j 2`` reports exactly what ``-j 1`` does.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from aiblint import tempfolders
from aiblint.findings import Finding, InternalError, Report, sorted_unique
from aiblint.frontends import looks_like_template
from aiblint.lazyre import lazy
from aiblint.loader import read_file
from aiblint.outcome import FileOutcome, Tally
from aiblint.record import MutableRecord, Record
from aiblint.safewrite import digest
from aiblint.scripts.tally import NOT_CHECKED, add_note, with_count

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing.process import BaseProcess

    from aiblint.cache import ResultCache
    from aiblint.config import Config
    from aiblint.engine import Linter
    from aiblint.registry import RuleSet
    from aiblint.scripts.settings import ScriptSettings
    from aiblint.scripts.units import ScriptUnit

#: Files per chunk: ShellCheck starts once per chunk; a chunk's trees are in memory together.
CHUNK_FILES = 128
#: With several workers, chunks this small at least (a chunk has a fixed cost: a ShellCheck start).
MIN_CHUNK_FILES = 8
#: With several workers, a chunk holds 1/SHARE_OF_REST of the files left per worker (:func:`split`).
SHARE_OF_REST = 2
#: Seconds a worker told to stop has to clean up and exit.
_STOP_SECONDS = 10.0
#: Files each worker process should have at least; fewer files use fewer workers (one: none).
MIN_FILES_PER_WORKER = 64
#: The cyclic garbage collector's thresholds while files are linted (Python's default:
#: 700, 10, 10). A file's tree and what the rules make of it are tens of thousands of
#: objects that live until the file is done, which the youngest generation's collections
#: examined over and over (213 collections in a corpus run); these collect it a sixth as
#: often, and the oldest generation, which frees the trees of a chunk once it is done,
#: about as often as before (every 64,000 new objects; the default, 70,000), so peak
#: memory stays where it was (a looser collector kept 2-4 % more).
THRESHOLDS = (4_000, 4, 4)
#: ``aiblint`` in any case, each letter perhaps a JSON escape (compiled for a file that has one).
_AIBLINT = lazy(
    b"".join(b"(?:%s|\\\\u00(?:%x|%x))" % (letter.encode(), ord(letter), ord(letter.upper())) for letter in "aiblint"),
    re.IGNORECASE,
)


class Work(Record):
    """One file to lint: read from ``path``, or the given ``data`` (standard input)."""

    __slots__ = ("display", "explicit", "path", "data")  # noqa: RUF023 - in field order
    display: Final[str]
    explicit: Final[bool]
    path: Final[Path | None]
    data: Final[bytes | None]

    def __init__(self, display: str, explicit: bool, path: Path | None = None, data: bytes | None = None) -> None:
        self.display = display
        self.explicit = explicit
        self.path = path
        self.data = data


class ChunkResult(MutableRecord):
    """What linting one chunk of files gave, in file order."""

    __slots__ = ("outcomes", "batch", "notes", "silent", "said", "errors")  # noqa: RUF023 - in field order
    outcomes: list[FileOutcome | None]  # None: not a template, skipped after the sniff
    batch: list[Finding]  # the batch rules' findings
    notes: list[str]  # what the batch rules said about the run
    silent: set[str]  # rule families that could not run fully
    said: dict[str, list[str]]  # batch rule -> its notes on the chunk's new scripts
    errors: list[InternalError]

    def __init__(
        self,
        outcomes: list[FileOutcome | None],
        batch: list[Finding] | None = None,
        notes: list[str] | None = None,
        silent: set[str] | None = None,
        said: dict[str, list[str]] | None = None,
        errors: list[InternalError] | None = None,
    ) -> None:
        self.outcomes = outcomes
        self.batch = [] if batch is None else batch
        self.notes = [] if notes is None else notes
        self.silent = set() if silent is None else silent
        self.said = {} if said is None else said
        self.errors = [] if errors is None else errors


def job_count(requested: int) -> int:
    """``-j 0``: one worker per processor."""
    return requested if requested > 0 else max(1, os.cpu_count() or 1)


def lint_work(linter: Linter, report: Report, work: Sequence[Work], jobs: int = 1, use_cache: bool = False) -> None:
    """Lint ``work`` into ``report`` and ``linter`` (its filter, script tally and notes)."""
    # A worker costs a fork and its own warm-up (lazy imports, validators): not worth it for a few files.
    workers = min(job_count(jobs), -(-len(work) // MIN_FILES_PER_WORKER))
    chunks = split(work, workers)
    with fewer_collections():  # (workers are forked with it)
        if workers > 1 and len(chunks) > 1:
            for result, local in _in_pool(linter, chunks, workers, use_cache):
                absorb(linter, report, result, local)
            return
        cache = _open_cache(linter) if use_cache else None
        for chunk in chunks:
            absorb(linter, report, run_chunk(linter, chunk, cache), local=True)


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """The collector's :data:`THRESHOLDS` while the block runs, then as they were."""
    before = gc.get_threshold()
    _set_thresholds()
    try:
        yield
    finally:
        gc.set_threshold(*before)


#: Open :func:`workers_reaped_later` blocks.
_reap_later = 0


@contextlib.contextmanager
def workers_reaped_later() -> Iterator[None]:
    """Inside the block, the workers of a pool whose chunks are all done are not waited for as
    they exit (tearing a worker's memory down takes a few ms): the run goes on (the filter, the
    report) and the end of the outermost block, however it ends, reaps them
    (:func:`aiblint.forkpool.reap`)."""
    global _reap_later
    _reap_later += 1
    try:
        yield
    finally:
        _reap_later -= 1
        forkpool = sys.modules.get("aiblint.forkpool")  # (imported if a pool was made)
        if not _reap_later and forkpool is not None:
            forkpool.reap()


def _set_thresholds() -> None:
    if gc.get_threshold()[0]:  # (a collector turned off stays off)
        gc.set_threshold(*THRESHOLDS)


def _open_cache(linter: Linter) -> ResultCache | None:
    from aiblint.cache import ResultCache

    return ResultCache.open(linter)


def split(work: Sequence[Work], jobs: int) -> list[Sequence[Work]]:
    """Consecutive chunks of :data:`CHUNK_FILES` files; for several workers, chunks that
    shrink towards the end (factoring): ``jobs`` chunks at a time, each a
    :data:`SHARE_OF_REST` of the files still left per worker. Workers take the next chunk
    when they are free, so the first that finishes waits at most a small chunk for the
    others: files differ in cost by 100 times (a template with a dozen scripts, a
    parameters file), and equal chunks of the corpus (22 files) left one worker idle for
    a tenth of a ``-j 2`` run. A chunk costs its ShellCheck start, so the first ones are large."""
    if jobs <= 1:
        return [work[start : start + CHUNK_FILES] for start in range(0, len(work), CHUNK_FILES)]
    chunks: list[Sequence[Work]] = []
    start = 0
    while start < len(work):
        size = max(MIN_CHUNK_FILES, min(CHUNK_FILES, -(-(len(work) - start) // (jobs * SHARE_OF_REST))))
        for _ in range(jobs):
            if start < len(work):
                chunks.append(work[start : start + size])
                start += size
    return chunks


# -- one chunk -------------------------------------------------------------------------------


def run_chunk(linter: Linter, chunk: Sequence[Work], cache: ResultCache | None) -> ChunkResult:
    linter.start_early = len(chunk) == 1  # more files: ShellCheck for those gathered so far, as they are linted
    linter.gather = not linter.start_early
    try:
        return _run_chunk(linter, chunk, cache)
    finally:  # a tool started ahead that no batch rule took (the run unwinds): ended
        analyzers = sys.modules.get("aiblint.scripts.analyzers")  # (imported if one was started)
        if analyzers is not None:
            analyzers.end_ahead()


def _run_chunk(linter: Linter, chunk: Sequence[Work], cache: ResultCache | None) -> ChunkResult:
    result = ChunkResult([])
    fresh: list[tuple[FileOutcome, list[ScriptUnit], str | None]] = []
    again: dict[tuple[str, ...], list[ScriptUnit]] = {}  # cached files' scripts, by the batch rules they need
    for item in chunk:
        data = _read(item)
        if isinstance(data, InternalError):
            result.outcomes.append(FileOutcome(item.display, error=data))
            continue
        if not item.explicit and not looks_like_template(data, item.display):
            result.outcomes.append(None)
            continue
        key = cache.key(data, item.display, item.explicit) if cache is not None else None
        hit = cache.lookup(key, data, item.display) if cache is not None and key is not None else None
        if hit is not None and hit.rebatch:
            linter.remember_secrets(hit.findings)
        if hit is not None and _revisit(linter, hit, data, again):
            hit.digest = digest(data)
            result.outcomes.append(hit)
            continue
        outcome, units = _lint(linter, data, item)
        outcome.digest = digest(data)
        result.outcomes.append(outcome)
        if outcome.error is None:
            fresh.append((outcome, units, key))
    if linter.pending or again:  # (asking for the batch rules imports the rules)
        _flush(linter, result, again)
    if cache is not None and fresh:
        revisited = [unit for units in again.values() for unit in units]
        _store(cache, fresh, result, [rule.id for rule in linter.batch_rules], _documents(revisited))
    return result


def _revisit(linter: Linter, hit: FileOutcome, data: bytes, again: dict[tuple[str, ...], list[ScriptUnit]]) -> bool:
    """Keep a cached file's scripts for the batch rules its entry names;
    ``False`` if they cannot be read (the file is then linted as if it were not cached)."""
    if hit.rebatch:
        try:
            units = linter.revisit(data, hit.display, scripts=True)
        except Exception:
            if os.environ.get("AIBLINT_DEBUG"):
                raise
            return False
        again.setdefault(hit.rebatch, []).extend(units)
    if not hit.directives:
        hit.data = None  # the filter has no use for it
    return True


def _read(item: Work) -> bytes | InternalError:
    if item.data is not None:
        return item.data
    assert item.path is not None
    try:
        return read_file(item.path)  # at most the size cap: a huge file or a device costs no more
    except OSError as error:
        return InternalError(item.display, f"cannot read: {error.strerror or error}")


def _lint(linter: Linter, data: bytes, item: Work) -> tuple[FileOutcome, list[ScriptUnit]]:
    start, claimed = len(linter.pending), len(linter.claims)
    before = _counts(linter)
    from aiblint.registry import PluginError

    try:
        findings, templates = linter.lint_bytes(data, item.display, item.explicit)
    except PluginError:
        raise  # the rules could not be imported (lazily, just now): a usage error, not this file's
    except Exception as error:  # a bug in aiblint or a plugin: report it, go on
        if os.environ.get("AIBLINT_DEBUG"):
            raise
        return FileOutcome(item.display, error=InternalError(item.display, f"internal error: {type(error).__name__}: {error}")), []
    units = linter.pending[start:]
    for template in {id(unit.template): unit.template for unit in units}.values():
        template.forget()  # its rules are done: the batch rules need its document, not what it worked out
    claims = linter.claims[claimed:]
    del linter.claims[claimed:]  # they travel with the outcome (a worker's, or cached) and come back in absorb
    linted = list(dict.fromkeys([item.display, *(unit.document.path for unit in units)]))
    directives = _may_hold_directives(data, units)
    tally = _since(linter, before)
    outcome = FileOutcome(item.display, findings, templates, linted, directives, tally, data if directives else None)
    outcome.claims = claims
    return outcome, units


def _may_hold_directives(data: bytes, units: Sequence[ScriptUnit]) -> bool:
    """Whether the file or a script it runs could hold a suppression: every form
    of one (metadata key, comment) spells ``aiblint``, in the file perhaps with
    JSON escapes (``\\u0061iblint``); script texts are decoded already."""
    return _spells_aiblint(data) or any("aiblint" in unit.text.lower() for unit in units)


def _spells_aiblint(data: bytes) -> bool:
    """Whether ``data`` spells ``aiblint`` in any case, each letter perhaps a JSON escape.
    Without a backslash-u in it (most files), the letters are plain: no pattern to compile."""
    if b"\\u" not in data and b"\\U" not in data:
        return b"aiblint" in data.lower()
    return _AIBLINT().search(data) is not None


def _counts(linter: Linter) -> tuple[dict[str, int], dict[str, int]]:
    """The run's script tally so far (copied in C: asked twice per file)."""
    tally = linter.tally
    return (dict(tally.units), dict(tally.references)) if tally is not None else ({}, {})


def _since(linter: Linter, before: tuple[dict[str, int], dict[str, int]]) -> Tally:
    """What the run's script tally counted since ``before``: the file's share (as
    ``Counter`` subtraction gives it: the keys that grew, in the tally's order)."""
    tally = linter.tally
    if tally is None:
        return Tally()
    units, references = before
    return Tally(_grown(tally.units, units), _grown(tally.references, references))


def _grown(now: Counter[str], before: dict[str, int]) -> Counter[str]:
    """``now - before`` as ``Counter`` subtraction gives it (the keys that grew, in ``now``'s order)."""
    return Counter({key: count - before.get(key, 0) for key, count in now.items() if count > before.get(key, 0)})


def _flush(linter: Linter, result: ChunkResult, again: dict[tuple[str, ...], list[ScriptUnit]]) -> None:
    """Run the batch rules over the chunk's new scripts, and the
    cached files' scripts through the rules their entries name; one rule at a
    time, so that each note is known to be that rule's (``result.said``)."""
    units, linter.pending = linter.pending, []
    notes, silent = linter.notes, linter.filter.silent
    try:
        for rule in linter.batch_rules:
            linter.notes, linter.filter.silent = [], set()
            try:
                result.batch += linter.flush(units, (rule.id,))
            finally:
                if linter.notes or linter.filter.silent:
                    result.said[rule.id] = linter.notes
                _merge(result, linter.notes, linter.filter.silent)
        for rules, cached in again.items():
            linter.notes, linter.filter.silent = [], set()
            try:
                result.batch += linter.flush(cached, rules)
            finally:
                _merge(result, linter.notes, linter.filter.silent)
    except Exception as error:  # a bug in aiblint or a plugin: report it
        if os.environ.get("AIBLINT_DEBUG"):
            raise
        result.errors.append(InternalError("<scripts>", f"internal error: {type(error).__name__}: {error}"))
        result.silent |= {rule.id for rule in linter.batch_rules}
    finally:
        linter.notes, linter.filter.silent = notes, silent | result.silent
        for note in result.notes:
            add_note(linter.notes, note)


def _merge(result: ChunkResult, notes: list[str], silent: set[str]) -> None:
    for note in notes:
        add_note(result.notes, note)
    result.silent |= silent


def _store(cache: ResultCache, fresh: list[tuple[FileOutcome, list[ScriptUnit], str | None]], result: ChunkResult,
           batch_rules: list[str], revisited: set[str]) -> None:
    """Cache each new outcome with the batch findings in the documents its
    scripts are written in, and its share of what the batch rules said when
    they could not run fully. What cannot be told per file (a note that is not
    a count of the scripts of one language, a finding no file can be said to
    own, a crash) is left out, and the file's scripts go through those rules
    again when it is read back."""
    owners = [_documents(units) for _, units, _ in fresh]
    known = revisited.union(*owners)
    shares, unknown = _note_shares(result, [unit for _, units, _ in fresh for unit in units])
    if result.errors or any(finding.path not in known for finding in result.batch):
        unknown = set(batch_rules)
    # A rule whose scripts go to it again (rebatch) says its note again when read back: no share of it too.
    shares = [share for share in shares if share[0] not in unknown]
    for (outcome, units, key), paths in zip(fresh, owners, strict=True):
        if key is None:
            continue
        rebatch = tuple(sorted(unknown)) if units else ()
        mine = [finding for finding in result.batch if finding.path in paths and _family(finding, batch_rules) not in rebatch]
        languages = Counter(unit.language for unit in units)
        said = [(rule, with_count(match, languages[language])) for rule, match, language in shares if languages[language]]
        whole = FileOutcome(outcome.display, outcome.findings + mine, outcome.templates, outcome.linted, outcome.directives,
                            outcome.tally, notes=[note for _, note in said],
                            silent=tuple(sorted({rule for rule, _ in said})), rebatch=rebatch, claims=outcome.claims)
        cache.store(key, whole, units)


def _note_shares(result: ChunkResult, units: list[ScriptUnit]) -> tuple[list[tuple[str, re.Match[str], str]], set[str]]:
    """(rule, note, language) for each note of a rule that could not run fully
    and counts exactly the chunk's scripts of one language; and the rules whose
    notes are not that (their share of a file cannot be told)."""
    languages = Counter(unit.language for unit in units)
    shares: list[tuple[str, re.Match[str], str]] = []
    unknown: set[str] = set()
    for rule, notes in result.said.items():
        matches = [NOT_CHECKED().search(note) for note in notes]
        found = [(rule, match, match["kind"].casefold()) for match in matches if match is not None]
        if not notes or len(found) != len(notes) or any(int(match["count"]) != languages[language] for _, match, language in found):
            unknown.add(rule)
        else:
            shares += found
    return shares, unknown


def _documents(units: Sequence[ScriptUnit]) -> set[str]:
    """Where the scripts of ``units`` are written: the templates, the script files."""
    return {path for unit in units for path in (unit.document.path, unit.template.document.path)}


def _family(finding: Finding, rules: list[str]) -> str | None:
    """The batch rule a finding comes from: ``SC`` for ``SC2086``."""
    matches = [rule for rule in rules if finding.rule.upper().startswith(rule.upper())]
    return max(matches, key=len) if matches else None


# -- the run ---------------------------------------------------------------------------------


def absorb(linter: Linter, report: Report, result: ChunkResult, local: bool) -> None:
    """Add a chunk to the report. ``local``: linted by ``linter`` itself, whose
    filter, tally and notes already know the files linted (not those from the cache)."""
    for outcome in result.outcomes:
        if outcome is None:
            continue
        if outcome.error is not None:
            report.errors.append(outcome.error)
            continue
        report.files_checked += 1
        report.paths.add(outcome.display)
        report.templates_checked += outcome.templates
        report.findings.extend(outcome.findings)
        report.digests[outcome.display] = outcome.digest
        linter.claims.extend(outcome.claims)
        if outcome.cached or not local:
            _tell_filter(linter, outcome)
            _add_tally(linter, outcome.tally)
        for note in outcome.notes:
            add_note(linter.notes, note)
        linter.filter.silent |= set(outcome.silent)
    report.findings.extend(result.batch)
    report.errors.extend(result.errors)
    if not local:
        for note in result.notes:
            add_note(linter.notes, note)
        linter.filter.silent |= result.silent


def finish(linter: Linter, report: Report) -> None:
    """The end of a run: batch rules over every script unit kept, then the filter
    once over everything; one sorted list without repeats (a script referenced
    by two templates is reported once)."""
    try:
        report.findings.extend(linter.finish())
    except Exception as error:  # a bug in aiblint or a plugin: report it
        report.errors.append(InternalError("<scripts>", f"internal error: {type(error).__name__}: {error}"))
        if os.environ.get("AIBLINT_DEBUG"):
            raise
    from aiblint.claims import resolve

    report.findings.extend(resolve(linter.claims))  # every file of the run is in: claims of two templates clash
    linter.claims = []
    # Each finding's key made once (not to hash, then to sort, then per comparison): 5 -> 0.5 ms on the corpus.
    report.findings[:] = linter.filter.apply(sorted_unique(report.findings))
    report.notes.extend(note for note in linter.notes + linter.filter.notes if note not in report.notes)


def lint_one(linter: Linter, report: Report, data: bytes, display: str, explicit: bool) -> None:
    """Lint one file's bytes into ``report`` here, without the result cache."""
    try:
        findings, templates = linter.lint_bytes(data, display, explicit)
    except Exception as error:  # a bug in aiblint or a plugin: report it, go on
        report.errors.append(InternalError(display, f"internal error: {type(error).__name__}: {error}"))
        if os.environ.get("AIBLINT_DEBUG"):
            raise
        return
    report.files_checked += 1
    report.paths.add(display)
    report.templates_checked += templates
    report.findings.extend(findings)


def _tell_filter(linter: Linter, outcome: FileOutcome) -> None:
    if outcome.directives and outcome.data is not None:
        linter.revisit(outcome.data, outcome.display, suppressions=True)
    else:
        linter.filter.note_linted(outcome.linted)


def _add_tally(linter: Linter, tally: Tally) -> None:
    if not tally:
        return
    if linter.tally is None:
        from aiblint.scripts.tally import ScriptTally

        linter.tally = ScriptTally()
    linter.tally.units.update(tally.units)
    linter.tally.references.update(tally.references)


# -- worker processes ------------------------------------------------------------------------

_worker_linter: Linter | None = None
_worker_cache: ResultCache | None = None


def _in_pool(linter: Linter, chunks: list[Sequence[Work]], jobs: int, use_cache: bool) -> Iterator[tuple[ChunkResult, bool]]:
    """(chunk result, linted here) in order; a chunk whose worker died is linted here instead."""
    if not (os.name == "posix" and hasattr(os, "fork")):
        yield from _in_spawned_pool(linter, chunks, jobs, use_cache)
        return
    from aiblint.forkpool import LOST, forked

    cache: ResultCache | None = _open_cache(linter) if use_cache else None
    linter.rules.rules  # noqa: B018 - imported before the workers are forked
    # The first file is linted here: what a first template costs (the modules rules import
    # when they first need them, validators, parsers) is paid once, before the workers are
    # forked, instead of once in each of them.
    first, rest = chunks[0][:1], chunks[0][1:]
    yield run_chunk(linter, first, cache), True
    chunks = [rest, *chunks[1:]] if rest else chunks[1:]
    if not chunks:
        return
    # Forked, a worker starts with the run's script settings (resolving the named folders was
    # 10 ms a worker) and their memo as it is now, as a chunk linted here would go on with it.
    settings = (linter.rules, linter.config, linter.cwd, use_cache, os.getpid(), linter.scripts)
    tempfolders.shared()  # made now if not yet: the workers' temporary folders go in it, which this process removes
    # Inside workers_reaped_later, the workers are not waited for once every chunk is done.
    pool = forked(chunks, jobs, lambda: _start_worker(*settings), _run_in_worker, _STOP_SECONDS, leave_exiting=_reap_later > 0)
    for chunk, result in pool:
        if isinstance(result, ChunkResult):
            yield result, False
        else:  # LOST: its worker died (the others were stopped)
            assert result is LOST
            yield run_chunk(linter, chunk, cache), True


def _in_spawned_pool(linter: Linter, chunks: list[Sequence[Work]], jobs: int, use_cache: bool) -> Iterator[tuple[ChunkResult, bool]]:
    """Where there is no ``fork`` (Windows): :mod:`concurrent.futures`, each worker importing the rules."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    cache: ResultCache | None = None
    pool = ProcessPoolExecutor(
        max_workers=min(jobs, len(chunks)),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(linter.rules, linter.config, linter.cwd, use_cache, os.getpid(), None, tempfolders.shared()),
    )
    stop = False  # the workers are stopped before the pool is shut down
    try:
        futures = [pool.submit(_run_in_worker, chunk) for chunk in chunks]
        for chunk, future in zip(chunks, futures, strict=True):
            try:
                yield future.result(), False
            except BrokenProcessPool:
                # The executor told the other workers to stop (SIGTERM); their results are lost anyway.
                stop = True
                if cache is None and use_cache:
                    cache = _open_cache(linter)
                yield run_chunk(linter, chunk, cache), True
    except BaseException:  # SIGTERM (aiblint.termination), Ctrl-C, a bug: the workers stop now, not after their chunks
        stop = True
        raise
    finally:
        if stop:
            _stop_workers(pool)
        pool.shutdown(wait=True, cancel_futures=True)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """SIGTERM to each worker: it unwinds (its tool's process killed, its temporary
    folder removed) and exits. One still running :data:`_STOP_SECONDS` later is
    killed: shutting the pool down waits for every worker, and a worker that
    cannot end on SIGTERM (blocked sending its result to a broken pool, which
    no longer reads) would make the run wait forever. (``_processes`` is the
    executor's own table of its workers; it has no public way to stop them
    before their work is done.)"""
    from multiprocessing.connection import wait

    workers = list((getattr(pool, "_processes", None) or {}).values())
    running: dict[int, BaseProcess] = {}
    for worker in workers:
        with contextlib.suppress(OSError, ValueError):
            worker.terminate()
            running[worker.sentinel] = worker  # readable once the process has ended
    deadline = time.monotonic() + _STOP_SECONDS
    while running and (left := deadline - time.monotonic()) > 0:
        for ended in wait(list(running), left):
            running.pop(ended, None)  # type: ignore[arg-type]  # (a sentinel is an int)
    for worker in running.values():
        with contextlib.suppress(OSError, ValueError):
            worker.kill()
    for worker in workers:
        with contextlib.suppress(OSError, ValueError, AssertionError):
            worker.join(_STOP_SECONDS)


def _start_worker(rules: RuleSet, config: Config, cwd: Path, use_cache: bool, parent: int, scripts: ScriptSettings | None,
                  run_folder: str | None = None) -> None:
    """``run_folder``: the run's temporary folder, for a spawned worker (a forked one has it)."""
    global _worker_linter, _worker_cache
    from aiblint.engine import Linter
    from aiblint.termination import die_with_parent

    die_with_parent(parent)
    if run_folder is not None:
        tempfolders.adopt(run_folder, parent)
    _set_thresholds()  # (a forked worker has them already, a spawned one not)

    _worker_linter = Linter(rules, config, cwd, batch=True, scripts=scripts)
    # Only when asked: importing the cache (hashlib) was 12 of a worker's 18 ms of start-up.
    _worker_cache = _open_cache(_worker_linter) if use_cache else None


def _run_in_worker(chunk: Sequence[Work]) -> ChunkResult:
    from aiblint.termination import EXIT_TERMINATED, Terminated, sigterm_unwinds

    assert _worker_linter is not None, "the worker was not started"
    try:
        with sigterm_unwinds():  # only while the chunk runs: a tool's process and folder to clean up
            return run_chunk(_worker_linter, chunk, _worker_cache)
    except Terminated:
        # Unwound already (temporary folders removed); the executor would send this
        # back as a result and wait for more work from a parent that is gone or ending.
        tempfolders.orphaned()  # (a parent that is gone no longer removes the run folder)
        os._exit(EXIT_TERMINATED)
