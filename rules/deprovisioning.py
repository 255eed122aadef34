"""AIB216: a deprovisioning override written where the service does not look.

Image Builder ends every build with a hidden step that generalizes the VM. A
customizer can replace that step's commands by writing a file with an exact
name: ``/tmp/DeprovisioningScript.sh`` (Linux) or ``c:\\DeprovisioningScript.ps1``
(Windows). This module finds the files a template writes under a name close to
those but not equal to them: a ``File`` customizer's ``destination``, and the
target of a redirect, copy or download in an ``inline`` command. Scripts
referenced by URI are not read here.
"""

from __future__ import annotations

import ntpath
import posixpath
import re
from collections.abc import Iterator
from typing import Final

from aiblint.findings import Severity
from aiblint.jsontree import JsonArray, JsonNode
from aiblint.lazyre import lazy
from aiblint.model import ImageTemplate
from aiblint.rule import Example, Problem, Rule

from .spans import span_in
from .steps import Step, customizers

LINUX_PATH: Final = "/tmp/DeprovisioningScript.sh"
WINDOWS_PATH: Final = "c:\\DeprovisioningScript.ps1"

_NAME: Final = re.compile(r"deprovi[a-z]*[-_]?script", re.IGNORECASE)
#: A file name that is the override's name, misspelt or in the wrong case, with at most
#: a script extension (``DeprovisioningScript.sh.bak`` is a backup, not an attempt).
_NEAR_NAME: Final = lazy(r"deprovi[a-z]*[-_]?script(?:\.(?:sh|bash|ps1|ps|bat|cmd))?\Z", re.IGNORECASE)
_PATH_CHAR: Final = lazy(r"[\w./\\:~-]")
_WINDOWS_LIKE: Final = lazy(r"[A-Za-z]:|\\")

_SEGMENT_BREAK: Final = lazy(r";|\|\|?|&&|\n")
_REDIRECT_BEFORE: Final = lazy(r">\s*[\"']?\Z")
_OUTPUT_OPTION_BEFORE: Final = lazy(
    r"(?:^|\s)(?:-o|--output|--output-document|-OutFile|-Destination)(?:\s+|=)[\"']?\Z", re.IGNORECASE
)
_DOWNLOAD_FILE_BEFORE: Final = lazy(r"\.DownloadFile\s*\(.*,\s*[\"']?\Z", re.IGNORECASE)
#: Commands that write every path they are given.
_WRITERS: Final = frozenset({"tee", "out-file", "set-content", "add-content", "new-item", "sc", "ac"})
#: Commands whose last argument is the destination.
_COPIERS: Final = frozenset({"cp", "mv", "install", "copy-item", "move-item", "copy", "move", "cpi", "mi"})


def wrong_override_path(path: str) -> str | None:
    """The path the service reads, when ``path`` is a near miss of it;
    ``None`` when ``path`` is right, unrelated, relative or holds variables."""
    if any(mark in path for mark in "$%{"):
        return None
    name = re.split(r"[\\/]", path)[-1]
    if not _NEAR_NAME().match(name):
        return None
    if _WINDOWS_LIKE().match(path) or "\\" in path:
        normal = ntpath.normpath(path.replace("/", "\\")).casefold()
        return None if normal == WINDOWS_PATH.casefold() else WINDOWS_PATH
    if path.startswith(("/", "~")):
        return None if posixpath.normpath(path) == LINUX_PATH else LINUX_PATH
    return None  # relative: depends on the working directory


def written_paths(line: str) -> Iterator[tuple[int, int]]:
    """Spans of ``line`` that look like a deprovisioning script path the
    command writes to (redirect, tee, copy/move destination, download output)."""
    for match in _NAME.finditer(line):
        start, end = match.start(), match.end()
        while start > 0 and _PATH_CHAR().match(line[start - 1]):
            start -= 1
        while end < len(line) and _PATH_CHAR().match(line[end]):
            end += 1
        if _is_write(line, start, end):
            yield start, end


def _is_write(line: str, start: int, end: int) -> bool:
    segment_start = max((m.end() for m in _SEGMENT_BREAK().finditer(line, 0, start)), default=0)
    later_break = _SEGMENT_BREAK().search(line, end)
    segment_end = later_break.start() if later_break else len(line)
    before = line[segment_start:start]
    if _REDIRECT_BEFORE().search(before) or _OUTPUT_OPTION_BEFORE().search(before) or _DOWNLOAD_FILE_BEFORE().search(before):
        return True
    words = [word for word in before.replace("(", " ").split() if word]
    while words and (words[0] == "sudo" or (words[0].startswith("-") and len(words) > 1)):
        words.pop(0)
    if not words:
        return False
    command = words[0].casefold()
    if command in _WRITERS:
        return True
    is_last = not line[end:segment_end].strip(" \"'")
    return command in _COPIERS and is_last and len(words) > 1


class DeprovisioningOverridePath(Rule):
    id = "AIB216"
    name = "deprovisioning-override-path"
    severity = Severity.WARNING
    summary = "Deprovisioning override written to a path the service does not read"
    description = f"""\
At the end of every build Image Builder runs a hidden customizer that generalizes the VM:
`waagent -deprovision+user` on Linux, Sysprep on Windows. To change those commands, a
customizer writes a file "with the exact file name" in the right place:

- Linux: `{LINUX_PATH}` (Linux paths are case-sensitive)
- Windows: `{WINDOWS_PATH}` (Windows paths are not)

A file written anywhere else, or spelt differently (`/tmp/deprovisioningscript.sh`,
`/tmp/DeprovisioningScript`, `C:\\Windows\\Temp\\DeprovisioningScript.ps1`), is never read:
the build succeeds and the default generalization runs instead of yours, which you only
notice when VMs made from the image misbehave.

The rule looks at `File` customizer destinations and at `inline` commands that redirect,
copy, move or download to such a path. Relative paths and paths built from variables are
left alone (they depend on things aiblint does not know); so are scripts referenced by URI.

Sources: the image template reference (`image-builder-json.md`, "Overriding the
Commands"); the troubleshooting guide (hidden deprovisioning customizer, aib-runtime.md §6).

**Fix:** write the override to exactly `{LINUX_PATH}` or `{WINDOWS_PATH}`.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "File", "sourceUri": "https://example.com/deprovision.sh", "destination": "/tmp/deprovisioningScript.sh"},
      {"type": "Shell", "inline": ["echo 'sudo waagent -force -deprovision && sync' > /tmp/DeprovisioningScript"]},
      {"type": "PowerShell", "inline": ["Copy-Item C:\\\\build\\\\sysprep.ps1 C:\\\\Windows\\\\Temp\\\\DeprovisioningScript.ps1"]}
    ]
  }
}
""",
            ((5, 90), (6, 87), (7, 75)),
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "File", "sourceUri": "https://example.com/deprovision.sh", "destination": "/tmp/DeprovisioningScript.sh"},
      {"type": "PowerShell", "inline": ["(Get-Content C:\\\\DeprovisioningScript.ps1).Replace('/quit', '/quit /mode:vm') | Set-Content C:\\\\deprovisioningscript.ps1"]},
      {"type": "Shell", "inline": ["sudo cp /tmp/DeprovisioningScript.sh /tmp/DeprovisioningScript.sh.bak", "cat /tmp/deprovisioningscript.sh"]}
    ]
  }
}
""",
            (),
            "the right paths, a backup copy, a read",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "File", "sourceUri": "https://example.com/deprovision.sh", "destination": "[parameters('deprovisionPath')]"},
      {"type": "Shell", "inline": ["cd /tmp && echo 'waagent -force -deprovision' > DeprovisioningScript.sh", "echo x > $DIR/deprovisioningScript.sh"]}
    ]
  }
}
""",
            (),
            "an expression, a relative path, a variable",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        for step in customizers(template):
            if step.kind == "file":
                yield from self._destination(template, step)
            elif step.kind in ("shell", "powershell"):
                yield from self._inline(template, step)

    def _destination(self, template: ImageTemplate, step: Step) -> Iterator[Problem]:
        node = step.field("destination")
        resolved = template.resolve(node) if node is not None else None
        path = resolved.text() if resolved is not None else None
        expected = wrong_override_path(path) if path is not None else None
        if resolved is not None and expected is not None:
            yield Problem(_message(path or "", expected), node=resolved.node, document=resolved.document)

    def _inline(self, template: ImageTemplate, step: Step) -> Iterator[Problem]:
        inline = step.field("inline")
        if not isinstance(inline, JsonArray):
            return
        for item in inline.items:
            yield from self._line(template, item)

    def _line(self, template: ImageTemplate, item: JsonNode) -> Iterator[Problem]:
        resolved = template.resolve(item)
        line = resolved.text()
        if line is None:
            return
        for start, end in written_paths(line):
            path = line[start:end]
            expected = wrong_override_path(path)
            if expected is None:
                continue
            span = span_in(resolved, start, end)
            if span is None:
                yield Problem(_message(path, expected), node=resolved.node, document=resolved.document)
            else:
                yield Problem(
                    _message(path, expected), node=resolved.node, start=span[0], end=span[1], document=resolved.document
                )


def _message(path: str, expected: str) -> str:
    return (
        f'"{path}" is not where Image Builder reads a deprovisioning override: it reads exactly {expected}, '
        "so the default deprovisioning runs instead of this file"
    )
