"""AIB212, AIB305, AIB307: the files that scriptUri and sourceUri name, as found on this machine.

A URI is mapped to a local file by :func:`aiblint.scripts.resolve.resolve_uri`
(``script-roots``, a GitHub URL of the repository's own remote, a relative
path), never through the network unless ``--fetch`` is given.
"""

from __future__ import annotations

from collections.abc import Iterator

from aiblint.discover import display_path
from aiblint.findings import Severity
from aiblint.hashing import sha256_hex
from aiblint.jsontree import JsonObject
from aiblint.lazyre import lazy
from aiblint.model import ImageTemplate
from aiblint.rule import Example, Problem, Rule
from aiblint.scripts.resolve import FETCHED, LOCAL, MISSING, UNRESOLVED, read_script, resolve_uri
from aiblint.scripts.settings import current_settings
from aiblint.scripts.units import script_references
from aiblint.uris import mask_uri

from .locations import locations

_SHA256 = lazy(r"[0-9a-f]{64}\Z")
_SHA256_ANY_CASE = lazy(r"[0-9a-fA-F]{64}\Z")
#: The type name written where a value goes in the docs' schema illustrations.
_SCHEMA_WORD = "string"

_REMOTE_EXAMPLE = """[remote "origin"]
	url = https://github.com/contoso/images.git
"""


def _checksummed(template: ImageTemplate) -> Iterator[tuple[JsonObject, str | None]]:
    """Objects with a ``sha256Checksum``, and the URI of the file it is the checksum of."""
    for location in locations(template):
        if location.checksum:
            yield location.owner, template.resolve(location.node).text()
    source = template.source
    if source is not None:
        uri = template.member(source, "sourceUri")  # an ISO source (sourceURI in the 2018/2019-02 previews)
        yield source, template.resolve(uri).text() if uri is not None else None


def _digests(data: bytes) -> set[str]:
    """The SHA-256 of the file, and of its other line-ending form: a checkout with
    ``core.autocrlf`` has CRLF where the served file has LF (or the other way)."""
    unix = data.replace(b"\r\n", b"\n")
    return {sha256_hex(form) for form in (data, unix, unix.replace(b"\n", b"\r\n"))}


class ChecksumWrong(Rule):
    id = "AIB212"
    name = "checksum-wrong"
    severity = Severity.ERROR
    summary = "sha256Checksum is not 64 lower-case hex digits, or not the checksum of the local file the URI names"
    tags = ("integrity",)
    description = """\
Image Builder checks a downloaded `scriptUri`/`sourceUri` against `sha256Checksum` and
fails the build when they differ. The value is the SHA-256 of the file as 64 hex digits
in **lower case**: the template reference says to convert it to lower case
(aib-facts.md §5, `image-builder-json.md`).

When the URI resolves to a file on this machine (a GitHub URL of this repository, a
`script-roots` mapping, a relative path, or a download with `--fetch`), aiblint computes
the file's checksum and reports a mismatch: a script changed without updating its
checksum fails the build at download. A checkout whose line endings were converted
(`core.autocrlf`) is compared in both forms.

Checksums written as ARM expressions or placeholders are not judged; neither is an empty
value.

**Fix:** write the checksum the message gives (`sha256sum file` or
`Get-FileHash file -Algorithm SHA256`, in lower case), after pushing the file the
template downloads. `aiblint --fix` writes a checksum in upper case in lower case when it
is a plain string.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "setup", "scriptUri": "https://example.org/setup.sh",
       "sha256Checksum": "ADE4C5214C3C675E92C66E2D067A870C5B81B9844B3DE3CC72C49FF36425FC93"},
      {"type": "Shell", "name": "more", "scriptUri": "https://example.org/more.sh", "sha256Checksum": "ade4c52"}
    ]
  }
}
""",
            ((6, 26), (7, 103)),
            "upper case, and too short",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "setup", "scriptUri": "https://example.org/setup.sh",
       "sha256Checksum": "ade4c5214c3c675e92c66e2d067a870c5b81b9844b3de3cc72c49ff36425fc93"}
    ]
  }
}
""",
            (),
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        for owner, uri in _checksummed(template):
            node = template.member(owner, "sha256Checksum")
            if node is None:
                continue
            resolved = template.resolve(node)
            value = resolved.text()
            if not value or value == _SCHEMA_WORD:
                continue
            if not _SHA256().match(value):
                reason = (
                    "has upper-case letters; write it in lower case"
                    if _SHA256_ANY_CASE().match(value)
                    else f"is not a SHA-256 checksum: it must be 64 lower-case hex digits (it has {len(value)} characters)"
                )
                fix = None
                if _SHA256_ANY_CASE().match(value) and resolved.node.value == value:
                    from aiblint.fixes import replace_string  # a fix is built only for a finding

                    fix = replace_string(resolved.document, resolved.node, value.lower(), "write the checksum in lower case")
                yield Problem(f"sha256Checksum {reason}", node=resolved.node, document=resolved.document, fix=fix)
                continue
            actual = _local_file(uri, template, owner) if uri else None
            if actual is not None and value not in _digests(actual[1]):
                yield Problem(
                    f"sha256Checksum does not match {actual[0]}, whose SHA-256 is {sha256_hex(actual[1])}: "
                    "the build fails when the downloaded file differs; update the checksum",
                    node=resolved.node, document=resolved.document,
                )


def compared_locally(template: ImageTemplate, owner: JsonObject) -> bool:
    """AIB212 compares ``owner``'s sha256Checksum with a file on this machine (so it
    reports a wrong one, with the right checksum in its message)."""
    for found, uri in _checksummed(template):
        if found is owner:
            return uri is not None and _local_file(uri, template, owner) is not None
    return False


def _local_file(uri: str, template: ImageTemplate, owner: JsonObject) -> tuple[str, bytes] | None:
    """What the file the URI resolves to is called in messages, and its bytes."""
    kind = owner.get("type")
    runs = kind is not None and (template.resolve(kind).text() or "").casefold() in ("shell", "powershell")
    resolution = resolve_uri(uri, template.document.path, script=runs)
    if resolution.status not in (LOCAL, FETCHED) or resolution.path is None:
        return None
    script = read_script(resolution.path)
    if script.error:
        return None
    what = f"the download of {mask_uri(uri)}" if resolution.status == FETCHED else script.document.path
    return what, script.data


class ScriptNotResolved(Rule):
    id = "AIB305"
    name = "script-not-resolved"
    severity = Severity.NOTE
    summary = "A referenced script could not be resolved to a local file, so its content was not checked"
    tags = ("scripts",)
    description = """\
aiblint checks the scripts a template runs (ShellCheck, PSScriptAnalyzer, its own AIB4xx
and AIB5xx rules) only when it can read them, and it never downloads anything unless
asked. A `scriptUri` is read from this machine when it is:

- a GitHub URL (`raw.githubusercontent.com/<owner>/<repo>/<ref>/<path>`, or
  `github.com/<owner>/<repo>/raw|blob/<ref>/<path>`) of the repository the template is in
  (its git remote): the file in the working tree;
- under a URL prefix mapped to a folder in the configuration:
  ```toml
  [tool.aiblint.script-roots]
  "https://raw.githubusercontent.com/contoso/scripts/main/" = "../scripts"
  "https://contoso.blob.core.windows.net/build/" = "build"
  ```
- a relative path or `file:` URL (relative to the template).

Anything else is reported here, once per reference, with the mapping that would resolve
it, every URI shown with its credentials masked. `--fetch` (a command-line decision: a
repository's configuration cannot turn it on) downloads what cannot be mapped, with a
deadline, a size limit and a cache. Paths never leave the repository or the folder they are
mapped into (`..` and symlinks are followed, then checked) and absolute paths are never read. URIs that are ARM
expressions or placeholders are not reported, nor are URLs on hosts reserved for
documentation (`example.com`, `example.org`, `example.net`, `*.example`, `*.test`: RFC 2606
and RFC 6761): they name no file to map or fetch, only a place the author means to replace.
Their plain http is still AIB301's.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "setup", "scriptUri": "https://raw.githubusercontent.com/contoso/scripts/main/setup.sh"},
      {"type": "Shell", "name": "later", "scriptUri": "[parameters('scriptUri')]"},
      {"type": "Shell", "name": "sample", "scriptUri": "https://example.com/setup.sh"}
    ]
  }
}
""",
            ((5, 55),),
            "a GitHub URL of another repository; an expression and a documentation host are not reported",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        for reference in script_references(template):
            resolution = reference.resolution
            if resolution.status != UNRESOLVED:
                continue
            resolved = template.resolve(reference.node)
            yield Problem(
                f"script {resolution.uri} was not checked: {resolution.reason}",
                node=resolved.node, document=resolved.document,
            )


class FileMissingInRepository(Rule):
    id = "AIB307"
    name = "file-missing-in-repository"
    severity = Severity.ERROR
    summary = "A URI maps into the repository being linted, but the file is not there"
    tags = ("scripts",)
    description = f"""\
A `scriptUri` or `sourceUri` that is a GitHub URL of the repository being linted (the
`raw.githubusercontent.com` or `github.com/.../raw|blob/...` form of its git remote), or
that falls under a `script-roots` mapping, names a file in this working tree. When that
file does not exist, the build fails when it downloads it (the service retries ten times,
then gives up: `image-builder-troubleshoot.md`, "Error occurs with downloading an
external file"). Common causes: a renamed folder, a typo, a file not committed.

The git remote is read from `.git/config`, e.g.

```
{_REMOTE_EXAMPLE}```

A URL pinned to a commit id or a tag may name a file that is no longer in the working
tree; it is reported as not resolved (AIB305) instead. A `script-roots` mapping to a
folder that holds only part of the files (`{{path = "...", partial = true}}`) does the
same.

**Fix:** correct the path, or add and push the file.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [{"type": "Shell", "name": "setup", "scriptUri": "scripts/setup.sh"}]
  }
}
""",
            ((4, 67),),
            "a relative path to a file that is not there",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        cwd = current_settings().cwd
        for location in locations(template):
            if not location.downloaded:
                continue
            resolved = template.resolve(location.node)
            uri = resolved.text()
            if uri is None:
                continue
            resolution = resolve_uri(uri, template.document.path)
            if resolution.status != MISSING or resolution.path is None:
                continue
            yield Problem(
                f"{location.field} names {display_path(resolution.path, cwd.resolve())} ({resolution.how}), "
                "which does not exist: the build fails when it downloads this file",
                node=resolved.node, document=resolved.document,
            )
