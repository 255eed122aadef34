"""A shell or PowerShell script named on the command line (pre-commit passes
changed scripts as well as changed templates).

A script is not a template: reading it as JSON would report AIB001 on every
line of shell. It is checked in the context of the templates that run it
(their dialect, their ``inline`` neighbours, their ``scriptUri``): aiblint
finds the templates in the repository whose ``scriptUri`` resolves to the
named file (``aiblint.scripts.resolve``), lints them (with the result cache),
and reports what it finds in the named scripts, and the templates' findings
that the scripts' content made (a ``sha256Checksum`` that no longer matches):
the templates' other problems are not this run's business, they were not
named. A script that no template runs (or none that aiblint can resolve) gets
one note and nothing else; a template named in the same run counts as running it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from aiblint.config import glob_base
from aiblint.discover import Candidate, discover
from aiblint.findings import Report
from aiblint.frontends import SUFFIXES, load_bytes, looks_like_template
from aiblint.scripts.tally import add_note

if TYPE_CHECKING:
    from aiblint.engine import Linter

#: File names pre-commit's ``shell`` and ``powershell`` types cover (identify's extensions).
SCRIPT_SUFFIXES = (".sh", ".bash", ".ksh", ".zsh", ".ps1", ".psm1", ".psd1")


def is_script(path: Path) -> bool:
    """A script by its name, or a file without a template suffix that starts with ``#!``."""
    name = path.name.lower()
    if name.endswith(SCRIPT_SUFFIXES):
        return True
    if name.endswith(SUFFIXES):
        return False
    try:
        with path.open("rb") as stream:
            return stream.read(2) == b"#!"
    except OSError:
        return False  # unreadable: the normal path reports it


def stdin_script_note(display: str) -> str:
    return (
        f"standard input is named as a script ({display}): a script is checked through the templates "
        "that run it; lint the script file or those templates instead"
    )


#: Template findings that a changed script makes wrong without the template
#: changing: a ``sha256Checksum`` that no longer matches the script (AIB212).
#: A commit of the script alone must still fail on them, so they are kept.
STALE_WHEN_A_SCRIPT_CHANGES = frozenset({"AIB212"})


def lint_named_scripts(
    scripts: Sequence[Candidate], seen: set[Path], linter: Linter, report: Report, cache: bool = False
) -> None:
    """Add to ``report`` what the templates running ``scripts`` find in them,
    and their findings that the scripts' content made (a stale checksum).

    ``seen``: files already linted in this run (named templates); their
    findings, in their scripts too, are in the report already, and the scripts
    they run are not "run by no template". ``cache``: the templates' results
    come from the result cache when neither they nor their scripts changed.
    """
    if not scripts:
        return
    from aiblint.engine import Linter as Context
    from aiblint.parallel import Work, finish, lint_work
    from aiblint.scripts.resolve import repository_for

    cwd = linter.scripts.cwd
    named = {script.path.resolve() for script in scripts}
    # Two contexts: what finding the templates resolves must not be memoized for
    # the lint, or the result cache would not record what the results depend on.
    finder = Context(linter.rules, linter.config, cwd, batch=True)
    context = Context(linter.rules, linter.config, cwd, batch=True)
    context.scripts.overlay = linter.scripts.overlay  # the language server's unsaved buffers
    running: set[Path] = set()
    work: list[Work] = []
    # The repository of each script (its git top level, else the folder named): nothing above it.
    roots = sorted({str(repository_for(script.path.parent, linter.scripts).root) for script in scripts})
    for candidate in discover(roots, cwd, linter.config.exclude, base=glob_base(linter.config, cwd)):
        run_here = _scripts_run_by(candidate, finder) & named
        if run_here:
            running |= run_here
            if candidate.path not in seen:
                work.append(Work(candidate.display, explicit=False, path=candidate.path))
    scratch = Report()
    lint_work(context, scratch, work, 1, cache)
    alone = [script for script in scripts if script.path.resolve() not in running]
    for script in alone:
        _lint_alone(script, context, scratch)
        running.add(script.path.resolve())
    finish(context, scratch)
    kept = [
        f for f in scratch.findings
        if (cwd / f.path).resolve() in running or f.rule in STALE_WHEN_A_SCRIPT_CHANGES
    ]
    report.findings.extend(kept)
    report.errors.extend(e for e in scratch.errors if (cwd / e.path).resolve() in running)
    for note in scratch.notes:  # one note per tool: the templates' counts and these together
        add_note(report.notes, note)
    report.files_checked += len(running)
    report.paths.update(finding.path for finding in kept)
    report.findings[:] = sorted(set(report.findings))
    if alone:
        report.notes.append(_alone_note(alone))


#: The name of the stand-in template that runs a script no template runs (never written to disk).
HOST_NAME = ".aiblint-named-script.json"


def _lint_alone(script: Candidate, context: Linter, scratch: Report) -> None:
    """Check a script no template runs on its own: a stand-in template beside it runs it
    through a relative ``scriptUri``, so ShellCheck, PSScriptAnalyzer and the AIB5xx rules
    see it exactly as they would from a template; what they say about the stand-in is dropped."""
    import json

    from aiblint.parallel import lint_one

    kind = "PowerShell" if script.path.name.lower().endswith((".ps1", ".psm1", ".psd1")) else "Shell"
    step = {"type": kind, "name": "named-script", "scriptUri": script.path.name}
    host = {"type": "Microsoft.VirtualMachineImages/imageTemplates", "properties": {"customize": [step]}}
    display = PurePosixPath(script.display).parent / HOST_NAME
    lint_one(context, scratch, json.dumps(host).encode(), str(display), explicit=True)


def _scripts_run_by(candidate: Candidate, context: Linter) -> set[Path]:
    """The local files the templates in ``candidate`` run through ``scriptUri``."""
    from aiblint.loader import MAX_FILE_BYTES, read_file
    from aiblint.model import find_templates
    from aiblint.scripts.settings import active
    from aiblint.scripts.units import script_references

    try:
        data = read_file(candidate.path)  # as a folder walk: at most the size cap, then a sniff
    except OSError:
        return set()
    if len(data) > MAX_FILE_BYTES or not looks_like_template(data, candidate.display):
        return set()
    document = load_bytes(data, candidate.display)
    if document.root is None:
        return set()
    found: set[Path] = set()
    with active(context.scripts):
        for template in find_templates(document):
            for reference in script_references(template):
                if reference.resolution.readable and reference.resolution.path is not None:
                    found.add(reference.resolution.path.resolve())
    return found


def _alone_note(scripts: Sequence[Candidate]) -> str:
    names = ", ".join(script.display for script in scripts[:3]) + (", ..." if len(scripts) > 3 else "")
    count = f"{len(scripts)} script{'s' if len(scripts) != 1 else ''}"
    return (
        f"{count} named ({names}) but run by no template in this repository that aiblint can resolve: "
        "checked on its own (ShellCheck, PSScriptAnalyzer and aiblint's script rules); template-level rules did not apply"
    )
