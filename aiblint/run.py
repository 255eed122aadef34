"""A run: discover -> lint each file -> filter -> report.

:func:`lint_paths` is the library entry point that the CLI, the language
server and the tests call. It finds the files (:mod:`aiblint.discover`), hands
them to :mod:`aiblint.parallel` (chunks, worker processes, the result cache),
which lints each with an :class:`aiblint.engine.Linter`, then runs the batch
rules and the filter once over the whole run, and checks named scripts through
the templates that run them (:mod:`aiblint.script_paths`). It never raises for
bad input: unreadable files become findings or
:class:`~aiblint.findings.InternalError` entries.

It sits above the single-file linter, which knows nothing of it (the layers:
docs/architecture.md, checked by ``tests/test_layers.py``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from aiblint import tempfolders
from aiblint.config import Config, glob_base, load_config, rule_options
from aiblint.constants import TEMPLATE_SUFFIXES
from aiblint.discover import Candidate, Walk, discover, display_path, excluded, named_folders
from aiblint.engine import Linter
from aiblint.findings import InternalError, Report
from aiblint.loader import MAX_FILE_BYTES
from aiblint.parallel import Work, finish, lint_work, workers_reaped_later
from aiblint.registry import RuleSet
from aiblint.script_paths import is_script, lint_named_scripts, stdin_script_note
from aiblint.selection import Selection

STDIN = "-"


def lint_paths(
    paths: Sequence[str],
    *,
    config: Config | None = None,
    cwd: str | Path | None = None,
    stdin: bytes | None = None,
    stdin_filename: str | None = None,
    rules: RuleSet | None = None,
    skip_non_templates: bool = False,
    jobs: int = 1,
    cache: bool = False,
    respect_gitignore: bool = True,
) -> Report:
    """Lint files and directories (``-`` reads standard input).

    ``config`` defaults to the configuration file found from ``cwd``.
    ``skip_non_templates`` treats named files like files found in a folder
    (what the pre-commit hook passes): ``exclude`` applies and a file that holds
    no image template is skipped quietly. A named shell or PowerShell script is
    never read as JSON (see :mod:`aiblint.script_paths`). ``jobs``: worker
    processes (0: one per processor); ``cache``: use the result cache
    (:mod:`aiblint.cache`). Neither changes the report. ``respect_gitignore``:
    folder walks skip what ``.gitignore`` files ignore. A run that finds no
    image template says so in ``Report.warnings``, with what the walk skipped.
    Temporary files are made in one run folder, removed when the call ends
    (:mod:`aiblint.tempfolders`).
    """
    # Workers done with their chunks are reaped as the run ends (the command line's block: after the report).
    with tempfolders.run(), workers_reaped_later():  # (a worker that dies leaves its script copies there, not in $TMPDIR)
        return _lint_paths(paths, config, cwd, stdin, stdin_filename, rules, skip_non_templates, jobs, cache, respect_gitignore)


def _lint_paths(
    paths: Sequence[str], config: Config | None, cwd: str | Path | None, stdin: bytes | None, stdin_filename: str | None,
    rules: RuleSet | None, skip_non_templates: bool, jobs: int, cache: bool, respect_gitignore: bool,
) -> Report:
    folder = Path(cwd) if cwd is not None else Path.cwd()
    config = config if config is not None else load_config(folder)
    if rules is None:
        rules = RuleSet.load(Selection.of(config.select, config.ignore), rule_options(config))
    config.named = _named_folders(paths, folder, stdin_filename)
    linter = Linter(rules, config, folder, batch=True)
    report = Report()
    report.errors += [InternalError(path, reason) for path, reason in linter.parameter_errors]
    scripts: list[Candidate] = []
    seen: list[Path] = []  # (a set only when named scripts need it: hashing 178 paths is for nothing otherwise)
    work: list[Work] = []
    walk = Walk(gitignore=respect_gitignore, real_paths=linter.scripts.real_paths())  # (the named folders are resolved there)
    base = glob_base(config, folder)
    for path in paths:
        if path == STDIN:
            data = stdin if stdin is not None else sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
            display = display_path(folder / stdin_filename, folder) if stdin_filename else "<stdin>"
            if stdin_filename and is_script(folder / stdin_filename):
                report.notes.append(stdin_script_note(display))
                continue
            if skip_non_templates and stdin_filename and excluded(folder / stdin_filename, config.exclude, base):
                continue
            work.append(Work(display, explicit=not skip_non_templates, data=data))
            continue
        for candidate in discover([path], folder, config.exclude, walk, base):
            seen.append(candidate.path)
            if candidate.explicit and is_script(candidate.path):
                scripts.append(candidate)
            elif not (skip_non_templates and candidate.explicit):
                work.append(Work(candidate.display, candidate.explicit, candidate.path))
            elif not excluded(candidate.path, config.exclude, base):
                work.append(Work(candidate.display, explicit=False, path=candidate.path))
    lint_work(linter, report, work, jobs, cache)
    finish(linter, report)
    lint_named_scripts(scripts, set(seen) if scripts else set(), linter, report, cache)
    if not (report.templates_checked or report.findings or report.errors or scripts or skip_non_templates):
        report.warnings.append(nothing_found(paths, walk))
    return report


def nothing_found(paths: Sequence[str], walk: Walk) -> str:
    """``no image template found under PATH (...)``: a run that checked nothing must not pass silently."""
    suffixes = "/".join(TEMPLATE_SUFFIXES)
    looked = f"{walk.looked_at} {suffixes} file{'' if walk.looked_at == 1 else 's'} looked at"
    parts = [looked]
    if walk.excluded:
        parts.append(f"{walk.excluded} matched 'exclude'")
    if walk.ignored:
        parts.append(f"{walk.ignored} ignored by .gitignore (--no-respect-gitignore reads them)")
    if walk.dot_folders:
        shown = walk.dot_folders[:5] + (["..."] if len(walk.dot_folders) > 5 else [])
        parts.append(f"dot-folders skipped: {', '.join(shown)}")
    return f"no image template found under {', '.join(paths)} ({'; '.join(parts)})"


def _named_folders(paths: Sequence[str], cwd: Path, stdin_filename: str | None) -> tuple[Path, ...]:
    """The folders the user named (a named file's folder): without git, the
    root of the files they hold, so that nothing above them is read."""
    return named_folders([(stdin_filename or ".") if path == STDIN else path for path in paths], cwd)
