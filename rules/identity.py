"""AIB203: an image template needs exactly one user-assigned managed identity."""

from __future__ import annotations

from collections.abc import Iterator

from aiblint.findings import Severity
from aiblint.jsontree import JsonObject
from aiblint.model import ImageTemplate
from aiblint.rule import Example, Problem, Rule

from .api_versions import is_before, known_api_version

#: The first api version whose schema has an ``identity`` at all.
_IDENTITY_SINCE = "2019-05-01-preview"
#: The first api version whose schema requires it.
_REQUIRED_SINCE = "2020-02-14"


class UserAssignedIdentity(Rule):
    id = "AIB203"
    name = "user-assigned-identity"
    severity = Severity.ERROR
    summary = "Identity missing, not UserAssigned, or not exactly one user-assigned identity"
    description = """\
**What.** The template has no `identity`, its `type` is not `UserAssigned` (`None`,
`SystemAssigned`, missing), it names no user-assigned identity, or it names more than one.

**Why.** Image Builder acts through the template's user-assigned managed identity: it
creates the staging resource group and the build VM with it, reads the scripts and
source images with it and writes the images with it. The template reference says the
service "supports a single identity only" and no system-assigned identity
(`image-builder-json.md`, MicrosoftDocs/azure-compute-docs @1a043fb3, Identity).

The schema made `identity` optional in api 2019-05-01-preview and requires it from
2020-02-14 (ARM schemas, Azure/azure-resource-manager-schemas @a1454431). The service did
not wait for the schema: since 26 May / 4 June 2020 it rejects every template without a
user-assigned identity, whatever its api version (service updates in the README of
danielsollondon/azvmimagebuilder @b512079c). So aiblint asks for the identity under every
api version that has one, 2019-05-01-preview included, and when the api version is an
expression it cannot read. The two earlier previews (2018-02-01-preview,
2019-02-01-preview) have no `identity` field at all and are no longer accepted; AIB100
reports those versions, and this rule stays silent there.

Identity ids written as expressions (`[resourceId(...)]`) or placeholders
(`<imgBuilderId>`) still count as one identity each; their form is AIB209's business.
Names are read as the service reads them: `"UserAssignedIdentities"` or `"Type"` count under
api versions before 2024-02-01, which accept any case (AIB103 reports the spelling), and not
from 2024-02-01 on, which reject it.

**Fix.** Create a user-assigned identity, give it the role the build needs (see the Image
Builder permissions documentation) and name it, once:

```json
"identity": {
  "type": "UserAssigned",
  "userAssignedIdentities": {
    "/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>": {}
  }
}
```

Identities the build VM itself needs go in `properties.vmProfile.userAssignedIdentities`
(api 2021-10-01 and later), not here.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2022-07-01",
  "location": "westus2",
  "properties": {}
}
""",
            ((2, 3),),
            "no identity",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2022-07-01",
  "location": "westus2",
  "identity": {"type": "SystemAssigned"},
  "properties": {}
}
""",
            ((5, 24),),
            "a system-assigned identity",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2022-07-01",
  "location": "westus2",
  "identity": {
    "type": "UserAssigned",
    "userAssignedIdentities": {
      "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'aib-builder')]": {},
      "/subscriptions/0b4ea3c1-5f6d-4b3a-9c1e-2f1e0d9a8b7c/resourceGroups/ops/providers/Microsoft.ManagedIdentity/userAssignedIdentities/deployer": {},
      "/subscriptions/0b4ea3c1-5f6d-4b3a-9c1e-2f1e0d9a8b7c/resourceGroups/ops/providers/Microsoft.ManagedIdentity/userAssignedIdentities/reader": {}
    }
  },
  "properties": {}
}
""",
            ((9, 7),),
            "more than one identity",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2019-05-01-preview",
  "location": "westus2",
  "properties": {}
}
""",
            ((2, 3),),
            "2019-05-01-preview: optional in the schema, required by the service since June 2020",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2022-07-01",
  "location": "westus2",
  "identity": {
    "type": "UserAssigned",
    "userAssignedIdentities": {"<imgBuilderId>": {}}
  },
  "properties": {}
}
""",
            (),
            "one identity, written as a placeholder",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2022-07-01",
  "location": "westus2",
  "identity": "[variables('identity')]",
  "properties": {}
}
""",
            (),
            "the whole identity is an expression",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2019-02-01-preview",
  "location": "westus2",
  "properties": {}
}
""",
            (),
            "2019-02-01-preview has no identity field (AIB100 reports the retired api version)",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        if template.form == "properties-only":
            return  # a request body fragment: the identity lives outside it
        version = known_api_version(template)
        if version is not None and is_before(version, _IDENTITY_SINCE):
            return
        identity = template.identity
        if identity is None:
            yield _missing(template, version)
        elif isinstance(identity, JsonObject):
            yield from _check_identity(template, identity)


def _missing(template: ImageTemplate, version: str | None) -> Problem:
    if version is not None and not is_before(version, _REQUIRED_SINCE):
        why = f"api {version} requires it"
    else:
        why = "the service has rejected templates without one since June 2020"
    where = template.resource.key_node("type")
    return Problem(
        f"image template has no identity: Image Builder needs exactly one user-assigned managed identity ({why})",
        node=where if where is not None else template.resource,
    )


def _check_identity(template: ImageTemplate, identity: JsonObject) -> Iterator[Problem]:
    kind_node = template.member(identity, "type")
    if kind_node is None:
        yield Problem('identity has no "type": write "type": "UserAssigned"', node=identity)
        return
    kind = template.resolve(kind_node).text()
    if kind is not None and kind.casefold() != "userassigned":
        yield Problem(_wrong_type(kind), node=kind_node)
        return
    identities = template.member(identity, "userAssignedIdentities")
    if identities is None:
        yield Problem("identity names no user-assigned identity: add userAssignedIdentities with one id", node=identity)
    elif isinstance(identities, JsonObject):
        yield from _count(template, identities)


def _wrong_type(kind: str) -> str:
    if kind.casefold() == "none":
        return 'identity type "None" removes the identity, and Image Builder cannot build without one: use "UserAssigned"'
    return f'identity type "{kind}" is not supported by Image Builder: use "UserAssigned" with one user-assigned identity'


def _count(template: ImageTemplate, identities: JsonObject) -> Iterator[Problem]:
    keys = [identities.key_node(name) for name in identities.keys()]  # noqa: SIM118 - not a dict
    if not keys:
        yield Problem("userAssignedIdentities is empty: name exactly one user-assigned identity", node=identities)
        return
    # Two keys might still be one identity when either is not known statically
    # ([resourceId(...)] and a literal id of the same identity): count known ids only.
    known = {text.casefold() for key in keys if key is not None and (text := template.resolve(key).text())}
    if len(known) >= 2:
        yield Problem(
            f"identity names {len(keys)} user-assigned identities; Image Builder supports exactly one. "
            "Keep the one the build runs as; identities the build VM needs go in vmProfile.userAssignedIdentities",
            node=keys[1],
        )
