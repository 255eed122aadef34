"""Which parameters file a deployment template is paired with, by name.

Apart from :mod:`aiblint.arm.parameters` because it imports nothing heavy:
the result cache asks it for every file it reads back.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from aiblint.filekinds import stat_mode

PAIRED_SUFFIX = ".parameters.json"
SHARED_NAME = "azuredeploy.parameters.json"


def paired_file(template: Path) -> Path | None:
    """``x.parameters.json`` beside ``x.json``, else the folder's ``azuredeploy.parameters.json``."""
    name = template.name.lower()
    if name.endswith(PAIRED_SUFFIX) or not name.endswith((".json", ".jsonc")):
        return None
    stem = template.name.rsplit(".", 1)[0]
    if _is_file(template, stem + PAIRED_SUFFIX):
        return template.with_name(stem + PAIRED_SUFFIX)
    if _is_file(template, SHARED_NAME) and _only_template_in_folder(template):
        return template.with_name(SHARED_NAME)
    return None


def _is_file(template: Path, name: str) -> bool:
    """``template.with_name(name).is_file()``, with no path object made for a file that is not
    there (nearly every template has no parameters file): the text of ``template`` ends in its
    name, which ``with_name`` replaces."""
    text = os.fspath(template)
    mode = stat_mode(text[: len(text) - len(template.name)] + name)
    return template.with_name(name).is_file() if mode is None else stat.S_ISREG(mode)


def _only_template_in_folder(template: Path) -> bool:
    """``azuredeploy.parameters.json`` belongs to the folder's one template; beside
    several, it is not known which it feeds, and a guess could raise false alarms."""
    try:
        others = [
            entry for entry in template.parent.iterdir()
            if entry.name.lower().endswith((".json", ".jsonc"))
            and not entry.name.lower().endswith(PAIRED_SUFFIX)
            and entry.name != template.name
        ]
    except OSError:
        return False
    return not others
