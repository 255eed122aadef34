"""AIB232: a File customizer (or validator) that downloads a large file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final
from urllib.parse import unquote, urlsplit

from aiblint.findings import Severity
from aiblint.model import ImageTemplate
from aiblint.rule import Example, Problem, Rule
from aiblint.scripts.resolve import FETCHED, LOCAL, resolve_uri
from aiblint.values import Resolved

from .steps import Step, all_steps

#: "The file customizer is only suitable for small file downloads, < 20MB" (image-builder-json.md).
LIMIT_BYTES: Final = 20 * 1024 * 1024
#: Names of disk images, installers and archives, which are seldom small.
_LARGE_KINDS: Final = (".iso", ".vhd", ".vhdx", ".wim", ".msi", ".zip", ".7z", ".tar.gz", ".tgz", ".tar.xz", ".tar.bz2")


class LargeFileCustomizer(Rule):
    id = "AIB232"
    name = "large-file-customizer"
    severity = Severity.NOTE
    severity_note = "warning when the file is known to be over 20 MB"
    summary = "A File customizer downloads a large file (over 20 MB, or a disk image, installer or archive)"
    description = """\
The template reference says the File customizer "is only suitable for small file downloads,
< 20MB". The service downloads the file and then copies it to the build VM over SSH or WinRM
as the build user, and the troubleshooting guide reports that larger files make the build
slow and run into its timeout. A script step that downloads the file on the VM itself
(`curl`/`wget`, `Invoke-WebRequest`, `azcopy`) does not have that limit.

Reported, at the `sourceUri` of a File customizer or File in-VM validator:
- a warning when the URI resolves to a file on this machine (a relative path, the
  repository's own GitHub URL, a `script-roots` mapping, or a download with
  `--fetch --fetch-files`) that is larger than 20 MB (20 × 1024 × 1024 bytes);
- a note when the file cannot be measured but its name is a disk image, installer or
  archive (`.iso`, `.vhd`, `.vhdx`, `.wim`, `.msi`, `.zip`, `.7z`, `.tar.gz`, `.tgz`,
  `.tar.xz`, `.tar.bz2`), which are seldom small. The name is read from the URI's path
  (its query, a SAS token for instance, is ignored), or from `destination` when the URI
  is an expression. A local file of 20 MB or less is not reported, whatever its name.

Sources: the template reference (`image-builder-json.md`, "File customizer": "only suitable
for small file downloads, < 20MB"; "For larger file downloads, use a script or inline
command"); the troubleshooting guide (`image-builder-troubleshoot.md`, "File download time
is long" and "Deployment fails due to timeout").

**Fix:** download the file in a Shell or PowerShell step instead
(`curl -fsSL -o /tmp/agent.tar.gz "$URL"` and check its SHA-256, or
`Invoke-WebRequest -Uri $url -OutFile C:\\BuildArtifacts\\agent.msi`).
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "File", "name": "media", "sourceUri": "https://contoso.blob.core.windows.net/media/sql.iso?sv=x",
       "destination": "c:\\\\buildArtifacts\\\\sql.iso"}
    ]
  }
}
""",
            ((5, 54),),
            "a disk image",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "File", "name": "config", "sourceUri": "https://contoso.blob.core.windows.net/files/app.conf",
       "destination": "/tmp/app.conf"},
      {"type": "Shell", "name": "media", "inline": ["curl -fsSL -o /tmp/sql.iso https://contoso.example/sql.iso"]}
    ]
  }
}
""",
            (),
            "a small file; a download in a script step",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        for step in all_steps(template):
            if step.kind == "file":
                yield from _check(template, step)


def _check(template: ImageTemplate, step: Step) -> Iterator[Problem]:
    node = step.field("sourceUri")
    if node is None:
        return
    resolved = template.resolve(node)
    uri = resolved.text()
    size = _local_size(template, uri) if uri is not None else None
    if size is not None:
        if size > LIMIT_BYTES:
            yield Problem(
                f"{step.label(template)} downloads a file of {size / (1024 * 1024):.1f} MB: the File customizer is suited "
                "only to files under 20 MB, and a larger one makes the build slow and can run into its timeout; download "
                "it in a Shell or PowerShell step instead", node=resolved.node, document=resolved.document,
                severity=Severity.WARNING)
        return
    kind = _large_kind(_file_name(resolved)) or _large_kind(_destination_name(template, step))
    if kind is not None:
        yield Problem(
            f"{step.label(template)} downloads a `{kind}` file, and such files are seldom small: the File customizer is "
            "suited only to files under 20 MB; if this one is larger, download it in a Shell or PowerShell step instead",
            node=resolved.node, document=resolved.document)


def _local_size(template: ImageTemplate, uri: str) -> int | None:
    resolution = resolve_uri(uri, template.document.path)
    if resolution.status not in (LOCAL, FETCHED) or resolution.path is None:
        return None
    try:
        return resolution.path.stat().st_size
    except OSError:
        return None


def _file_name(resolved: Resolved) -> str:
    """The last path segment of the URI (its known tail when it is partly known)."""
    text = resolved.text()
    if text is None:
        parts = resolved.partial.parts if resolved.partial is not None else ()
        text = parts[-1] if parts and isinstance(parts[-1], str) else ""
    try:
        path = urlsplit(text.strip()).path
    except ValueError:
        return ""
    return unquote(path).rpartition("/")[2]


def _destination_name(template: ImageTemplate, step: Step) -> str:
    node = step.field("destination")
    text = template.resolve(node).text() if node is not None else None
    return text.replace("\\", "/").rpartition("/")[2] if text else ""


def _large_kind(name: str) -> str | None:
    lowered = name.casefold()
    for suffix in _LARGE_KINDS:
        if lowered.endswith(suffix):
            return suffix
    return None
