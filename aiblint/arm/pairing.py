"""Which parameters file a deployment template is paired with, by name.

Apart from :mod:`aiblint.arm.parameters` because it imports nothing heavy:
the result cache asks it for every file it reads back.
"""

from __future__ import annotations

from pathlib import Path

PAIRED_SUFFIX = ".parameters.json"
SHARED_NAME = "azuredeploy.parameters.json"


def paired_file(template: Path) -> Path | None:
    """``x.parameters.json`` beside ``x.json``, else the folder's ``azuredeploy.parameters.json``."""
    name = template.name.lower()
    if name.endswith(PAIRED_SUFFIX) or not name.endswith((".json", ".jsonc")):
        return None
    stem = template.name.rsplit(".", 1)[0]
    own = template.with_name(stem + PAIRED_SUFFIX)
    if own.is_file():
        return own
    shared = template.with_name(SHARED_NAME)
    if shared.is_file() and _only_template_in_folder(template):
        return shared
    return None


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
