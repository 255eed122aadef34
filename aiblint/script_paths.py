"""A shell or PowerShell script named on the command line (pre-commit passes
changed scripts as well as changed templates).

A script is not a template: reading it as JSON would report AIB001 on every
line of shell. It is checked in the context of the templates that run it
(their dialect, their ``inline`` neighbours, their ``scriptUri``), so a named
script stands for "lint the templates in this repository that reference me".

TODO(scripts, issue 6): :func:`templates_running` needs the scripts work's
``scriptUri`` resolution (``aiblint.scripts.resolve``): walk the templates under
the repository root, resolve each Shell/PowerShell customizer's and validator's
``scriptUri`` and keep the templates whose script is one of the named files.
Until then it finds none and says so in one note; nothing is linted for a
named script and the run does not fail because of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from aiblint.constants import TEMPLATE_SUFFIXES
from aiblint.discover import Candidate

#: File names pre-commit's ``shell`` and ``powershell`` types cover (identify's extensions).
SCRIPT_SUFFIXES = (".sh", ".bash", ".ksh", ".zsh", ".ps1", ".psm1", ".psd1")


def is_script(path: Path) -> bool:
    """A script by its name, or a file without a template suffix that starts with ``#!``."""
    name = path.name.lower()
    if name.endswith(SCRIPT_SUFFIXES):
        return True
    if name.endswith(TEMPLATE_SUFFIXES):
        return False
    try:
        with path.open("rb") as stream:
            return stream.read(2) == b"#!"
    except OSError:
        return False  # unreadable: the normal path reports it


def templates_running(scripts: Sequence[Candidate], already: set[Path], notes: list[str]) -> list[Candidate]:
    """The templates to lint for scripts named on the command line (not those
    in ``already``); adds a note to ``notes`` when it cannot tell."""
    if not scripts:
        return []
    names = ", ".join(script.display for script in scripts[:3]) + (", ..." if len(scripts) > 3 else "")
    count = f"{len(scripts)} script{'s' if len(scripts) != 1 else ''}"
    notes.append(
        f"{count} named ({names}): a script is checked through the templates that run it, and finding "
        "those templates needs scriptUri resolution, which this version does not have yet; nothing checked"
    )
    return []
