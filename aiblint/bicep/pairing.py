"""Which parameters file a Bicep template is paired with (imports nothing heavy:
the result cache asks it for every Bicep file it reads back).

A ``.bicepparam`` in the template's folder whose ``using`` names the template
(exactly one), else ``x.parameters.json`` beside ``x.bicep``. A link out of the
folder is never followed.
"""

from __future__ import annotations

import os
from pathlib import Path

from aiblint.arm.pairing import PAIRED_SUFFIX

PARAMS_SUFFIX = ".bicepparam"
_HEAD_BYTES = 64 * 1024  # ``using`` is the first statement


def paired_parameters(template: Path) -> Path | None:
    template = template.resolve()
    found = []
    try:
        names = sorted(os.listdir(template.parent))
    except OSError:
        return None
    for name in names:
        if not name.lower().endswith(PARAMS_SUFFIX):
            continue
        candidate = template.parent / name
        try:
            if not candidate.is_file() or not candidate.resolve().is_relative_to(template.parent):
                continue
            with open(candidate, "rb") as stream:
                head = stream.read(_HEAD_BYTES).decode("utf-8-sig", "replace")
        except OSError:
            continue
        using = using_target(head)
        if using is not None and (template.parent / using).resolve() == template:
            found.append(candidate)
    if len(found) == 1:
        return found[0]
    if found:
        return None  # several: which one a deployment uses is not known
    json_file = template.with_name(template.name.rsplit(".", 1)[0] + PAIRED_SUFFIX)
    try:
        if json_file.is_file() and json_file.resolve().is_relative_to(template.parent):
            return json_file
    except OSError:
        return None
    return None


def using_target(text: str) -> str | None:
    """The file a ``.bicepparam``'s ``using '...'`` names."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("using "):
            rest = stripped[6:].strip()
            if len(rest) >= 2 and rest[0] == "'" and "'" in rest[1:]:
                return rest[1 : rest.index("'", 1)]
            return None
    return None
