"""AIB300-AIB304, AIB306: where scripts and files are downloaded from.

Image Builder downloads every ``scriptUri``/``sourceUri`` itself, from Azure,
before the build VM sees it (aib-runtime.md §1, §4: "Downloading external file
... to local file ..."). These rules read each such URI with
:func:`aiblint.uris.classify_uri` and say what the service will make of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final, TypeVar

from aiblint.findings import Severity
from aiblint.jsontree import JsonNode, JsonObject, JsonScalar, JsonString
from aiblint.lazyre import lazy
from aiblint.model import Flows, ImageTemplate
from aiblint.record import Record, replace
from aiblint.rule import Example, Fix, Problem, Rule
from aiblint.textmap import source_offset
from aiblint.uris import UriInfo, classify_uri, find_credentials, is_loopback_host
from aiblint.values import PLACEHOLDER, UNKNOWN, Resolved, has_placeholder, is_expression, literal_text

from .api_versions import is_before, known_api_version

_T = TypeVar("_T")

#: How an unknown piece of an expression's value is written for classify_uri.
_UNKNOWN_PIECE = "<unknown>"
_IDENTITY = '"identity": {"type": "UserAssigned", "userAssignedIdentities": {"/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aib": {}}},'


class Location(Record):
    """A template field that names a file the service downloads (or, for a
    VHD distributor, writes)."""

    __slots__ = ("owner", "field", "node", "access", "checksum", "downloaded")  # noqa: RUF023 - in field order
    owner: Final[JsonObject]  # the customizer, validator, workload or distributor
    field: Final[str]  # the name as written ("scriptUri", "sourceUri", "script", "uri")
    node: Final[JsonNode]
    access: Final[str | None]  # "read" or "write" through the template identity; None: no identity is used
    checksum: Final[bool]  # a sha256Checksum field belongs next to it
    downloaded: Final[bool]  # the build runs or copies what the URI serves

    def __init__(self, owner: JsonObject, field: str, node: JsonNode, access: str | None, checksum: bool, downloaded: bool) -> None:
        self.owner = owner
        self.field = field
        self.node = node
        self.access = access
        self.checksum = checksum
        self.downloaded = downloaded


class Reading(Record):
    """A location whose text could be read (fully, or up to a placeholder)."""

    __slots__ = ("location", "resolved", "text", "info")  # noqa: RUF023 - in field order
    location: Final[Location]
    resolved: Final[Resolved]
    text: Final[str]  # the URI the template stands for, as classify_uri saw it
    info: Final[UriInfo]

    def __init__(self, location: Location, resolved: Resolved, text: str, info: UriInfo) -> None:
        self.location = location
        self.resolved = resolved
        self.text = text
        self.info = info

    def problem(self, message: str, span: tuple[int, int] | None = None) -> Problem:
        """A problem at the characters ``span`` of the URI, or at the whole value."""
        node, document = self.resolved.node, self.resolved.document
        shift = _shift(node, self.text)
        if span is None or shift is None or not isinstance(node, JsonString):
            return Problem(message, node=node, document=document)
        start = source_offset(document.text, node, span[0] + shift)
        end = source_offset(document.text, node, span[1] + shift)
        return Problem(message, node=node, start=start, end=end, document=document)


#: The attribute of a template (in its ``__dict__``) that keeps the evaluation context its
#: locations were found in, each location with the value flows recorded on the way to it, and
#: those recorded after the last one (see locations). Kept on the template, it goes with it (a
#: module-level WeakKeyDictionary freed it, and the trees it points into, a collection later).
_LOCATIONS = "_kept_locations"


def locations(template: ImageTemplate) -> Iterator[Location]:
    """Every script and file location of a template, in document order. Found once
    per template (three rules and :func:`readings` ask); each use records the value
    flows of finding them again, location by location, as finding them did. Keyed
    like :func:`readings`: the template, and the context its values were read in."""
    return _replayed(_LOCATIONS, template, _find_locations)


def _find_locations(template: ImageTemplate) -> Iterator[Location]:
    source = template.source
    if source is not None and _type_of(template, source) == "iso":
        found = _field(template, source, "sourceUri")  # sourceURI in the 2018/2019-02 previews
        if found is not None:
            yield Location(source, found[0], found[1], None, checksum=False, downloaded=True)
    steps = [*template.customizers, *template.validators]
    for step in steps:
        for field in ("scriptUri", "sourceUri"):
            found = _field(template, step, field)
            if found is not None:
                yield Location(step, found[0], found[1], "read", checksum=True, downloaded=True)
        legacy = _field(template, step, "script")  # the scriptUri of the 2018/2019-02 previews
        if legacy is not None:
            yield Location(step, legacy[0], legacy[1], None, checksum=False, downloaded=True)
    workload = _workload(template)
    if workload is not None:
        found = _field(template, workload, "scriptUri")
        if found is not None:
            yield Location(workload, found[0], found[1], "read", checksum=True, downloaded=True)
    for distributor in template.distributors:
        found = _field(template, distributor, "uri")
        if found is not None and _type_of(template, distributor) == "vhd":
            yield Location(distributor, found[0], found[1], "write", checksum=False, downloaded=False)


def _type_of(template: ImageTemplate, item: JsonObject) -> str | None:
    found = _field(template, item, "type")
    value = template.resolve(found[1]).text() if found is not None else None
    return value.casefold() if value is not None else None


#: Likewise the readings (see readings), in the template's attribute of this name.
_READINGS = "_kept_readings"


def readings(template: ImageTemplate) -> Iterator[Reading]:
    """Every location whose URI can be read, in document order. Computed once
    per template (five rules read them); each use records the value flows of
    the computation again, reading by reading, as computing them did."""
    return _replayed(_READINGS, template, _readings_of)


def _readings_of(template: ImageTemplate) -> Iterator[Reading]:
    for location in locations(template):
        resolved = template.resolve(location.node)
        text = _uri_text(resolved)
        if text is not None:
            yield Reading(location, resolved, text, classify_uri(text))


def _replayed(
    name: str,
    template: ImageTemplate,
    compute: Callable[[ImageTemplate], Iterator[_T]],
) -> Iterator[_T]:
    """``compute(template)``'s items, computed once per template and evaluation
    context (parameters bound since: computed again); each use replays the value
    flows computing them recorded, item by item, as computing them did."""
    memo = vars(template)  # keyed on the template (its own attributes) and its context (found[0])
    found: tuple[object, list[tuple[Flows, _T]], Flows] | None = memo.get(name)
    if found is None or found[0] is not template.arm:
        steps, rest = _recorded(template, compute(template))
        found = memo[name] = (template.arm, steps, rest)
    _, steps, rest = found
    for flows, item in steps:
        template.replay(flows)
        yield item
    template.replay(rest)


def _recorded(template: ImageTemplate, items: Iterator[_T]) -> tuple[list[tuple[Flows, _T]], Flows]:
    """Every item, each with the value flows recorded while it was computed (since the
    previous one), and the flows recorded after the last one."""
    marks: list[tuple[int, _T]] = []
    with template.recorded_flows() as flows:
        for item in items:
            marks.append((len(flows), item))
    steps: list[tuple[Flows, _T]] = []
    start = 0
    for end, item in marks:
        steps.append((tuple(flows[start:end]), item))
        start = end
    return steps, tuple(flows[start:])


def has_identity(template: ImageTemplate) -> bool | None:
    """Whether the template has a user-assigned identity the service could
    use; ``None`` when that cannot be known (an expression, a bare
    ``properties`` body)."""
    if template.form == "properties-only":
        return None
    identity = template.identity
    if identity is None or (isinstance(identity, JsonScalar) and identity.value is None):
        return False
    if not isinstance(identity, JsonObject):
        value = template.resolve(identity).value  # an expression may compute the whole object
        return _identity_in_value(value) if value is not UNKNOWN else None
    kind = _field(template, identity, "type")
    kind_text = template.resolve(kind[1]) if kind is not None else None
    if kind_text is not None and not kind_text.known:
        return None
    if kind_text is not None and "userassigned" not in str(kind_text.value).casefold():
        return False  # "None" removes identities; "SystemAssigned" is not supported
    assigned = _field(template, identity, "userAssignedIdentities")
    if assigned is None:
        return False
    if isinstance(assigned[1], JsonObject):
        return bool(assigned[1].members)
    return None if not template.resolve(assigned[1]).known else False


def _identity_in_value(value: object) -> bool:
    """The same question for an identity known as a plain value."""
    if not isinstance(value, dict):
        return False
    fields = {str(key).casefold(): item for key, item in value.items()}
    assigned = fields.get("userassignedidentities")
    return "userassigned" in str(fields.get("type", "")).casefold() and isinstance(assigned, dict) and bool(assigned)


# -- the rules ---------------------------------------------------------------------


class StorageWithoutIdentity(Rule):
    id = "AIB300"
    name = "storage-without-identity"
    severity = Severity.ERROR
    summary = "A script or file on Azure Storage, but no user-assigned identity to read it"
    description = """\
Image Builder reads Azure Storage through the template's user-assigned identity, and only
through it: the permissions guide says the identity "needs permissions to read private or
public containers", and the template reference adds that a `File` customizer reading from
Azure Storage needs the identity even when the blob is public. Without an identity the
download fails and the build stops at that customizer. A VHD distributor's `uri` is
written through the same identity.

The rule looks at the `scriptUri`/`sourceUri` of customizers and in-VM validators, the
`optimize.workload.scriptUri` (2025-10-01) and a VHD distributor's `uri`. It says nothing
when the URI carries a SAS token (the service can read it; AIB303 says why you should not),
when part of the URI is a placeholder or an expression, or when the identity is written as
an expression. Other locations (GitHub raw, a vendor's https site) do not need an identity.

Sources: the image template reference (`image-builder-json.md`), File customizer section;
"Configure Azure VM Image Builder permissions by using the Azure CLI"
(`image-builder-permissions-cli.md`), introduction.

**Fix:** add a user-assigned identity to the template (`"identity": {"type":
"UserAssigned", "userAssignedIdentities": {"<identity id>": {}}}`) and give it
*Storage Blob Data Reader* on the storage account or container (*Storage Blob Data
Contributor* for a VHD destination).
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2024-02-01",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "setup", "scriptUri": "https://contoso.blob.core.windows.net/scripts/setup.sh"}
    ]
  }
}
""",
            ((6, 55),),
            "a blob and no identity",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2024-02-01",
  "identity": {"type": "None"},
  "properties": {
    "distribute": [{"type": "VHD", "runOutputName": "vhd", "uri": "https://contoso.blob.core.windows.net/vhds/image.vhd"}]
  }
}
""",
            ((6, 67),),
            "a VHD destination, identities removed",
        ),
        Example(
            f"""{{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2024-02-01",
  {_IDENTITY}
  "properties": {{
    "customize": [
      {{"type": "File", "sourceUri": "https://contoso.blob.core.windows.net/files/app.zip", "destination": "/tmp/app.zip"}}
    ]
  }}
}}
""",
            (),
            "the template identity reads it",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2024-02-01",
  "properties": {
    "customize": [
      {"type": "Shell", "scriptUri": "https://raw.githubusercontent.com/contoso/images/main/setup.sh"},
      {"type": "Shell", "scriptUri": "https://contoso.blob.core.windows.net/<container>/setup.sh"},
      {"type": "Shell", "scriptUri": "[parameters('scriptUri')]"}
    ]
  }
}
""",
            (),
            "public by URL, or not known",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2024-02-01",
  "identity": "[variables('identity')]",
  "properties": {
    "customize": [
      {"type": "Shell", "scriptUri": "https://contoso.blob.core.windows.net/scripts/setup.sh"}
    ]
  }
}
""",
            (),
            "identity not known statically",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        storage = [
            reading for reading in readings(template)
            if reading.location.access and reading.info.kind == "azure-blob" and reading.info.complete
            and not reading.info.has_sas
        ]
        if not storage or has_identity(template) is not False:
            return
        for reading in storage:
            if reading.location.access == "write":
                need = "write the VHD there (give it Storage Blob Data Contributor)"
            else:
                need = "download it (give it Storage Blob Data Reader, even for a public container)"
            yield reading.problem(
                f"{reading.location.field} is on Azure Storage ({reading.info.host}), but the template has no "
                f"user-assigned identity: the service needs one to {need}"
            )


class NotHttps(Rule):
    id = "AIB301"
    name = "uri-not-https"
    severity = Severity.WARNING
    summary = "A script or file URI that does not use https"
    description = """\
A script fetched over plain `http://` can be read and changed by anyone on the network path
between the download and the server, and it runs with root or administrator rights in
the image you are about to ship. Storage accounts reject plain http by default ("secure
transfer required"), so on Azure Storage it usually fails outright. Other schemes
(`ftp://`, `s3://`) are not https either.

URIs written as expressions or placeholders are not judged; `file://`, relative and local
paths are AIB302's. A host reserved for documentation (`example.com`, `example.org`,
`example.net`, `*.example`, `*.test`) is a stand-in someone will replace, but the scheme
written before it is kept when they do, so plain http there is reported too.

The rule reads the `scriptUri`/`sourceUri` of customizers and in-VM validators (and the
`script` field of the early previews), `optimize.workload.scriptUri`, a VHD distributor's
`uri` and an ISO source's `sourceUri`.

Sources: the image template reference (`image-builder-json.md`) and the API spec's
`scriptUri` descriptions name GitHub links and Azure Storage URIs, both https; Azure
Storage's "secure transfer required" setting (on by default).

**Fix:** use the `https://` URL of the same file (GitHub, Azure Storage and most vendors
serve one), and add a `sha256Checksum` (AIB304).
"""
    tags = ("security",)
    security_severity = 5.0
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "PowerShell", "scriptUri": "http://downloads.contoso.com/setup.ps1"},
      {"type": "PowerShell", "scriptUri": "http://example.org/setup.ps1"}
    ]
  }
}
""",
            ((5, 43), (6, 43)),
            "plain http, on a documentation host too",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "PowerShell", "scriptUri": "https://downloads.contoso.com/setup.ps1"},
      {"type": "PowerShell", "scriptUri": "[concat('http://', parameters('host'), '/setup.ps1')]"}
    ]
  }
}
""",
            (),
            "https, or not known statically",
        ),
        Example(
            """resource it 'Microsoft.VirtualMachineImages/imageTemplates@2024-02-01' = {
  name: 'web'
  properties: {
    customize: [
      { type: 'PowerShell', name: 'setup', scriptUri: 'http://downloads.contoso.com/setup.ps1' }
    ]
  }
}
""",
            ((5, 55),),
            "Bicep",
            filename="template.bicep",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        for reading in readings(template):
            info = reading.info
            # A scheme with an "unknown" kind is a documentation host (example.com):
            # replacing the host keeps the scheme, so it is reported like any other.
            if not info.scheme or info.scheme in ("https", "file"):
                continue
            # The whole value, as AIB304 and AIB305 mark it: findings on one URI start at one column.
            yield reading.problem(
                f"{reading.location.field} uses {info.scheme}://, not https://: anyone on the network path can read "
                "or change what is downloaded; use the https URL of the file"
            )


class Unreachable(Rule):
    id = "AIB302"
    name = "unreachable-uri"
    severity = Severity.ERROR
    summary = "A script or file URI the service cannot reach: a local or relative path, file://, localhost, a private address"
    description = """\
Image Builder downloads scripts and files itself, from Azure, before the build VM runs
them (the build log says "Downloading external file ... to local file"). It cannot read
files next to your template: a relative path (`scripts/setup.sh`), a path on your machine
(`C:\\scripts\\setup.ps1`, `/home/me/setup.sh`), a `file://` URL or `localhost` names a
place it does not have. A private IP address (`10.x`, `172.16-31.x`, `192.168.x`,
link-local) or an intranet host name (`fileserver`, `*.internal`, `*.local`) is out of
reach too, unless the build runs in your own virtual network: with a
`vmProfile.vnetConfig` the rule says nothing about private addresses.

The rule reads the `scriptUri`/`sourceUri` of customizers and in-VM validators (and the
`script` field of the early previews), `optimize.workload.scriptUri`, a VHD distributor's
`uri` and an ISO source's `sourceUri`.

Sources: the troubleshooting guide (`image-builder-troubleshoot.md`) shows the service
"Downloading external file ... to local file" before a customizer runs; the API spec's
descriptions of `scriptUri` ("It can be a github link, SAS URI for Azure Storage, etc").

**Fix:** upload the file where the service can download it over https: Azure Storage
(read through the template identity), a GitHub raw URL, or your own web server.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "Shell", "scriptUri": "scripts/setup.sh"},
      {"type": "PowerShell", "scriptUri": "C:\\\\build\\\\setup.ps1"},
      {"type": "File", "sourceUri": "file:///tmp/app.zip", "destination": "/tmp/app.zip"},
      {"type": "Shell", "scriptUri": "http://localhost:8000/setup.sh"}
    ]
  }
}
""",
            ((5, 38), (6, 43), (7, 37), (8, 46)),
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "Shell", "scriptUri": "https://10.0.0.4/setup.sh"}
    ]
  }
}
""",
            ((5, 47),),
            "a private address, no virtual network",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "vmProfile": {"vnetConfig": {"subnetId": "[parameters('subnetId')]"}},
    "customize": [
      {"type": "Shell", "scriptUri": "https://10.0.0.4/setup.sh"},
      {"type": "Shell", "scriptUri": "https://raw.githubusercontent.com/contoso/images/main/setup.sh"},
      {"type": "Shell", "scriptUri": "<scriptUrl>"}
    ]
  }
}
""",
            (),
            "a private address inside the build's own network, a public URL, a placeholder",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        private_network = _may_use_private_network(template)
        for reading in readings(template):
            problem = self._problem(reading, private_network)
            if problem is not None:
                yield problem

    @staticmethod
    def _problem(reading: Reading, private_network: bool) -> Problem | None:
        info, field = reading.info, reading.location.field
        if info.kind == "relative":
            return reading.problem(
                f'{field} "{_short(reading.text)}" is a relative path: the service downloads from a URL, it cannot read '
                "files next to your template; upload the file and use its https URL"
            )
        if info.kind == "local-path":
            return reading.problem(
                f'{field} "{_short(reading.text)}" is a local path: the service downloads from a URL, it cannot read '
                "your disk; upload the file and use its https URL"
            )
        if info.kind == "file":
            return reading.problem(
                f"{field} is a file:// URL: the service cannot read your disk; upload the file and use its https URL"
            )
        if info.kind != "private-address" or (private_network and not is_loopback_host(info.host)):
            return None
        start = reading.text.casefold().find(info.host, reading.text.find("//") + 2)
        where = "the machine that does the download, not yours" if is_loopback_host(info.host) else "a private address the service cannot reach"
        return reading.problem(
            f"{field} host {info.host} is {where}; host the file where the service can download it over https",
            (start, start + len(info.host)) if start >= 0 else None,
        )


class CredentialInUri(Rule):
    id = "AIB303"
    name = "credential-in-uri"
    severity = Severity.ERROR
    summary = "A SAS token or other credential written in a script or file URI"
    description = """\
A URI with a SAS token (`?sv=...&sig=...`), a `token=`/`api_key=` parameter or a
`user:password@` works, but the template stores it: anyone who can read the image
template resource (or the deployment history, or your repository) can read the secret and
use it until it expires. A SAS token also expires, and the build breaks that day.

The message shows a masked form (`sig=Ab…(44 chars)`), never the secret. Values that stand
for a secret (`<sasToken>`, `xxxx`, `$SAS`) are not reported.

The rule reads the `scriptUri`/`sourceUri` of customizers and in-VM validators (and the
`script` field of the early previews), `optimize.workload.scriptUri`, a VHD distributor's
`uri` and an ISO source's `sourceUri`. A secret anywhere else in the template is AIB400's.

Sources: the image template reference (`image-builder-json.md`) warns against secrets in
`inline` commands because the template stores them; the same holds for URIs.
Image Builder's own guidance is to read Azure Storage through the template's
user-assigned identity (`image-builder-permissions-cli.md`).

**Fix:** remove the token, give the template identity *Storage Blob Data Reader* on the
storage account, and revoke the token (rotate the account key it was signed with, or its
stored access policy) — it has been exposed.
"""
    tags = ("security", "secret")  # "secret": output masks the span in code frames
    security_severity = 8.0
    examples = (
        Example(
            f"""{{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  {_IDENTITY}
  "properties": {{
    "customize": [
      {{"type": "Shell", "scriptUri": "https://contoso.blob.core.windows.net/s/setup.sh?sv=2022-11-02&sp=r&sig=q7Ay2xLm0Ee9Ck4R1oZt8Wn5Hv3Jb6Df0Gs2Pu7Xi1Y%3D"}}
    ]
  }}
}}
""",
            ((6, 107),),
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "Shell", "scriptUri": "https://contoso.blob.core.windows.net/s/setup.sh?<sasToken>"},
      {"type": "Shell", "scriptUri": "https://contoso.blob.core.windows.net/s/setup.sh?sv=2022-11-02&sig=xxxx"}
    ]
  }
}
""",
            (),
            "stand-ins for a token",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        for reading in readings(template):
            if reading.info.kind == "unknown" and reading.info.scheme:
                continue  # a documentation domain (example.com): a sample, not a secret
            for credential in find_credentials(reading.text):
                yield reading.problem(
                    f"{reading.location.field} holds a credential ({credential.masked()}) that anyone who can read the "
                    "template can use: read the file through the template identity instead, and revoke the secret",
                    (credential.start, credential.end),
                )


class MissingChecksum(Rule):
    id = "AIB304"
    name = "missing-checksum"
    severity = Severity.NOTE
    summary = "A scriptUri or sourceUri without a sha256Checksum"
    description = """\
Without `sha256Checksum` the build runs whatever the URL serves on the day of the build: a
changed branch, a replaced blob or a compromised server goes into your image unnoticed.
With it the service checks the download and fails the build on a mismatch.

The field exists from api version 2019-05-01-preview on (for customizers, in-VM validators
and, in 2025-10-01, `optimize.workload`); older templates are not reported. The URI itself
may be an expression: the missing checksum is known all the same.

Sources: the ARM schemas (`sha256Checksum`, "SHA256 checksum of the script provided in the
scriptUri field"); the image template reference (`image-builder-json.md`): the value is the
lower-case hex SHA-256 of the file.

**Fix:** add `"sha256Checksum"` with the file's SHA-256 in lower-case hex
(`sha256sum setup.sh`, or `(Get-FileHash setup.ps1).Hash.ToLower()`).

**A stricter policy.** It is a note because a template without checksums still builds.
Teams that want every download pinned, as PSRule for Azure's `Azure.ImageBuilder.CustomizeHash`
rule asks, can make a missing checksum an error that fails the run, in `pyproject.toml`
(or `[severity]` in `.aiblint.toml`):
```toml
[tool.aiblint.severity]
AIB304 = "error"
```
"""
    tags = ("security",)
    security_severity = 3.0  # low: a changed download, not a known-bad one; GitHub needs it on every security rule
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2022-07-01",
  "properties": {
    "customize": [
      {"type": "Shell", "scriptUri": "https://raw.githubusercontent.com/contoso/images/main/setup.sh"}
    ]
  }
}
""",
            ((6, 38),),
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2022-07-01",
  "properties": {
    "customize": [
      {
        "type": "Shell",
        "scriptUri": "https://raw.githubusercontent.com/contoso/images/main/setup.sh",
        "sha256Checksum": "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
      }
    ]
  }
}
""",
            (),
            "with a checksum",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2019-02-01-preview",
  "properties": {
    "customize": [
      {"type": "Shell", "script": "https://raw.githubusercontent.com/contoso/images/main/setup.sh"}
    ]
  }
}
""",
            (),
            "an api version without the field",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        if _before_checksums(template):
            return
        for location in locations(template):
            if not location.checksum or _field(template, location.owner, "sha256Checksum") is not None:
                continue
            node = location.node
            if not isinstance(node, JsonString) or not node.text.strip():
                continue  # not a URI at all: the schema rules say so
            yield Problem(
                f"{location.field} has no sha256Checksum: the build runs whatever the URL serves that day; add the "
                "file's lower-case SHA-256 so that a changed file fails the build",
                node=node,
            )


class GitHubWebPage(Rule):
    id = "AIB306"
    name = "github-web-page-uri"
    severity = Severity.ERROR
    summary = "A script or file URI is a GitHub web page (github.com/.../blob/...), not the file"
    description = """\
`https://github.com/<owner>/<repo>/blob/<branch>/<path>` is the web page that shows a file,
with GitHub's navigation around it. Image Builder downloads what the URL serves, so the
build gets HTML: a Shell customizer then fails with syntax errors from `<!DOCTYPE html>`,
a File customizer silently copies a web page into your image. The file itself is at
`https://raw.githubusercontent.com/<owner>/<repo>/<branch>/<path>` (the "Raw" button);
`github.com/.../raw/...` and `.../blob/...?raw=true` redirect there and are fine.

A URL partly built from parameters or placeholders is reported when its known start shows
the page and its end is known too (an unknown end could still add `?raw=true`).

Sources: the troubleshooting guide (`image-builder-troubleshoot.md`): the service downloads
the URI as it is ("Downloading external file ..."); a mistake seen in public templates.

**Fix:** use the raw URL that the message suggests. `aiblint --fix` writes it when the
URL is a plain string in the field itself (not an expression, a parameter default, a
placeholder or an escape) without a query or fragment.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "Shell", "scriptUri": "https://github.com/contoso/images/blob/main/setup.sh"}
    ]
  }
}
""",
            ((5, 72),),
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "Shell", "scriptUri": "https://raw.githubusercontent.com/contoso/images/main/setup.sh"},
      {"type": "Shell", "scriptUri": "https://github.com/contoso/images/raw/main/setup.sh"},
      {"type": "Shell", "scriptUri": "https://github.com/contoso/images/blob/main/setup.sh?raw=true"}
    ]
  }
}
""",
            (),
            "raw URLs",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        for reading in readings(template):
            if reading.info.kind != "github-page" or not reading.location.downloaded or not _known_tail(reading.text):
                continue
            start = reading.text.find("/blob/")
            raw = reading.info.github.raw_url() if reading.info.github else _raw_guess(reading.text)
            problem = reading.problem(
                f"{reading.location.field} is a GitHub web page: the build downloads its HTML, not the file; "
                f"use the raw file {raw}",
                (start, start + len("/blob/")) if start >= 0 else None,
            )
            yield replace(problem, fix=_raw_url_fix(reading))


#: A github.com file page as a fix may rewrite it: no query, no fragment.
_GITHUB_BLOB = lazy(r"https://(?:www\.)?github\.com/(?P<repo>[^/?#]+/[^/?#]+)/blob/(?P<rest>[^?#]+)\Z")


def _raw_url_fix(reading: Reading) -> Fix | None:
    """``https://github.com/o/r/blob/ref/path`` -> ``https://raw.githubusercontent.com/o/r/ref/path``,
    only for a known URL written in the field itself (a parameter default may
    be used elsewhere too), exactly as it is (no escapes)."""
    match = _GITHUB_BLOB().match(reading.text)
    node = reading.resolved.node
    if match is None or not reading.resolved.known or node is not reading.location.node or node.value != reading.text:
        return None
    raw = f"https://raw.githubusercontent.com/{match.group('repo')}/{match.group('rest')}"
    from aiblint.fixes import replace_string  # a fix is built only for a finding

    return replace_string(reading.resolved.document, node, raw, f"use the raw file {raw}")


# -- helpers -----------------------------------------------------------------------


def _field(template: ImageTemplate, item: JsonObject, name: str) -> tuple[str, JsonNode] | None:
    """A field as the service reads it (in any case before 2024-02-01; AIB103
    reports the spelling), ``None`` when missing or null."""
    key = template.member_key(item, name)
    node = template.member(item, name)
    if key is None or node is None or (isinstance(node, JsonScalar) and node.value is None):
        return None
    return key.text, node


def _workload(template: ImageTemplate) -> JsonObject | None:
    optimize = template.prop("optimize")
    if not isinstance(optimize, JsonObject):
        return None
    found = _field(template, optimize, "workload")
    return found[1] if found is not None and isinstance(found[1], JsonObject) else None


def _uri_text(resolved: Resolved) -> str | None:
    """The URI to classify: the known value; the text of a string that holds
    a placeholder (as written, so that positions inside it stay exact); or an
    expression's partly known value with each unknown piece written as a
    placeholder. classify_uri reads the known start of the last two."""
    value = resolved.text()
    if value is not None:
        return value
    node = resolved.node
    if isinstance(node, JsonString) and not is_expression(node.text) and has_placeholder(node.text):
        return literal_text(node.text)
    if resolved.partial is not None:
        return resolved.partial.render(_UNKNOWN_PIECE)
    return None


def _known_tail(text: str) -> bool:
    """The URI ends in known text: an unknown piece before it cannot append a query (``?raw=true``)."""
    return not any(match.end() == len(text) for match in PLACEHOLDER.finditer(text))


def _shift(node: JsonNode, text: str) -> int | None:
    """Where ``text`` starts in the string ``node``, if that is what is written there."""
    if not isinstance(node, JsonString):
        return None
    if node.text == text:
        return 0
    if node.text.startswith("[[") and node.text[1:] == text:
        return 1
    return None


def _may_use_private_network(template: ImageTemplate) -> bool:
    """True unless the template certainly builds without a virtual network of its own."""
    profile = template.prop("vmProfile")
    if profile is None:
        return False
    if not isinstance(profile, JsonObject):
        return True
    return _field(template, profile, "vnetConfig") is not None


def _before_checksums(template: ImageTemplate) -> bool:
    """The declared api version is known and predates ``sha256Checksum``."""
    version = known_api_version(template)
    return version is not None and is_before(version, "2019-05-01-preview")


def _raw_guess(text: str) -> str:
    tail = text.partition("github.com/")[2]
    owner_repo, _, rest = tail.partition("/blob/")
    return f"https://raw.githubusercontent.com/{owner_repo}/{rest.split('#')[0]}"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
