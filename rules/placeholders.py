"""AIB230: values copied from the schema illustrations of the template reference.

The reference shows each field with its type where the value goes
(``"name": "string"``, ``"sha256Checksum": "string"``), and templates copied
from it keep them, or a checksum of zeros written to be filled in later. Like
AIB003's ``<placeholders>``, these are values nobody meant to deploy.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from aiblint.findings import Severity
from aiblint.jsontree import JsonObject
from aiblint.model import ImageTemplate
from aiblint.rule import Example, Problem, Rule

from .script_files import compared_locally

#: The type name the reference writes where a string value goes.
SCHEMA_WORD: Final = "string"
#: A checksum of zeros, written to be filled in later.
_ZEROS: Final = "0" * 64


class SchemaPlaceholder(Rule):
    id = "AIB230"
    name = "schema-placeholder"
    severity = Severity.WARNING
    severity_note = "note for a customizer or validator name"
    summary = 'A value copied from the schema reference: a step named "string", or a sha256Checksum of "string" or zeros'
    description = """\
The template reference (`image-builder-json.md`) and the REST API reference illustrate each
field with its type where the value goes: `"name": "string"`, `"sha256Checksum": "string"`.
A template written from them keeps these words where nobody replaced them, as it keeps
AIB003's `<placeholders>`; so does a `sha256Checksum` of zeros
(`0000...0000`, written to be filled in later).

Reported, once per value:
- a `sha256Checksum` (customizer, in-VM validator, `optimize.workload`, ISO source) of
  `"string"`, or of 64 zeros, next to the `scriptUri`/`sourceUri` it checks: the service
  checks the download against it, so the step fails when the file is downloaded. Zeros
  are left to AIB212 where it compares the checksum with the file on this machine (its
  message gives the right one), and so is any other malformed value;
- a customizer or in-VM validator `name` of `"string"` (a note: the build runs, but the
  logs and the run's status name every step "string", and AIB201 reports two of them).

Values written as ARM expressions, or taken from a parameter whose value is not known, are
not judged; a value taken unchanged from a parameter default or a variable is reported
where it is written.

Sources: the template reference's schema blocks (`image-builder-json.md`, "customize":
`"sha256Checksum": "string"`); the ARM schemas (`sha256Checksum`, "SHA256 checksum of the
script provided in the scriptUri field"); AIB003 for placeholders in general.

**Fix:** write the file's SHA-256 in lower case (`sha256sum file`, or
`(Get-FileHash file).Hash.ToLower()`), or remove the field; give each step a name that says
what it does.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "string", "scriptUri": "https://example.org/setup.sh", "sha256Checksum": "string"},
      {"type": "File", "name": "agent", "sourceUri": "https://example.org/agent.tar.gz",
       "destination": "/tmp/agent.tar.gz", "sha256Checksum": "0000000000000000000000000000000000000000000000000000000000000000"}
    ]
  }
}
""",
            ((5, 33), (5, 106), (7, 62)),
            'a name and checksums copied from the schema: "string", zeros',
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "setup", "scriptUri": "https://example.org/setup.sh",
       "sha256Checksum": "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"},
      {"type": "Shell", "name": "string tools", "inline": ["echo string"]},
      {"type": "Shell", "name": "[parameters('stepName')]", "scriptUri": "https://example.org/b.sh",
       "sha256Checksum": "[parameters('checksum')]"}
    ]
  }
}
""",
            (),
            "real values and expressions",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        for step in [*template.customizers, *template.validators]:
            yield from self._name(template, step)
        owners = [*template.customizers, *template.validators]
        for extra in (template.source, _workload(template)):
            if extra is not None:
                owners.append(extra)
        for owner in owners:
            yield from self._checksum(template, owner)

    def _name(self, template: ImageTemplate, step: JsonObject) -> Iterator[Problem]:
        node = template.member(step, "name")
        if node is None:
            return
        resolved = template.resolve(node)
        if resolved.text() == SCHEMA_WORD:
            yield Problem('step name "string" is the schema reference\'s type word, copied where the name goes: name the '
                          "step after what it does (the logs and the run's status show it)",
                          node=resolved.node, document=resolved.document, severity=Severity.NOTE)

    def _checksum(self, template: ImageTemplate, owner: JsonObject) -> Iterator[Problem]:
        node = template.member(owner, "sha256Checksum")
        if node is None or not any(template.member(owner, uri) is not None for uri in ("scriptUri", "sourceUri")):
            return  # no download to check it against: the service does not read it
        resolved = template.resolve(node)
        value = resolved.text()
        if value != SCHEMA_WORD and (value != _ZEROS or compared_locally(template, owner)):
            return  # one finding per value: AIB212 judges every other checksum
        what = '"string", the schema reference\'s type word' if value == SCHEMA_WORD else "zeros, a placeholder"
        yield Problem(f"sha256Checksum is {what}, not the file's checksum: the build fails when the download does not "
                      "match it; write the file's lower-case SHA-256, or remove the field",
                      node=resolved.node, document=resolved.document)


def _workload(template: ImageTemplate) -> JsonObject | None:
    optimize = template.prop("optimize")
    workload = template.member(optimize, "workload") if isinstance(optimize, JsonObject) else None
    return workload if isinstance(workload, JsonObject) else None
