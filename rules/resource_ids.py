"""AIB209: every Azure resource id in a template must have the shape its field needs."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Final

from aiblint.findings import Severity
from aiblint.jsontree import JsonArray, JsonNode, JsonObject, JsonString
from aiblint.model import ImageTemplate
from aiblint.record import Record
from aiblint.resource_ids import Part, could_be, explain, id_parts
from aiblint.rule import Example, Problem, Rule
from aiblint.values import Resolved, is_expression

_IMAGE = ("image",)
_SOURCE_VERSION = ("gallery-image-version", "gallery-image-latest", "shared-gallery-image-version")
_TARGET_GALLERY = ("gallery-image", "gallery-image-version")
_IDENTITY = ("user-assigned-identity",)
_SUBNET = ("subnet",)
_GROUP = ("resource-group",)


class _IdField(Record):
    """A template field that holds a resource id, and the kinds it may be."""

    __slots__ = ("label", "node", "kinds", "empty_allowed")  # noqa: RUF023 - in field order
    label: Final[str]  # how the message names the field
    node: Final[JsonNode]
    kinds: Final[tuple[str, ...]]
    empty_allowed: Final[bool]  # "" is documented as "let the service choose"

    def __init__(self, label: str, node: JsonNode, kinds: tuple[str, ...], empty_allowed: bool = False) -> None:
        self.label = label
        self.node = node
        self.kinds = kinds
        self.empty_allowed = empty_allowed


class MalformedResourceId(Rule):
    id = "AIB209"
    name = "malformed-resource-id"
    severity = Severity.ERROR
    summary = "Malformed Azure resource id in an image, gallery, identity, subnet or staging resource group field"
    description = """\
**What.** A field that takes an Azure resource id holds something else: a bare name, an id
of the wrong kind, a misspelt fixed word (`image` for `images`), an empty or missing
segment, a gallery image version that is not `Major.Minor.Patch`. The fields and the
shapes they take:

| field | id of |
|---|---|
| `source.imageId` (ManagedImage) | a managed image: `/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Compute/images/<name>` |
| `source.imageVersionId` (SharedImageVersion) | a gallery image version `.../galleries/<g>/images/<def>/versions/<x.y.z>` or `/versions/latest`, or a direct shared or community gallery image version |
| `distribute[].imageId` (ManagedImage) | a managed image |
| `distribute[].galleryImageId` (SharedImage) | a gallery image definition, or an explicit version `.../versions/<x.y.z>` |
| keys of `identity.userAssignedIdentities`, items of `vmProfile.userAssignedIdentities` | a user-assigned identity: `.../providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>` |
| `vmProfile.vnetConfig.subnetId`, `containerInstanceSubnetId` | a subnet: `.../providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>` |
| `stagingResourceGroup` | a resource group: `/subscriptions/<sub>/resourceGroups/<name>`, or `""` (documented: "If this field is empty, a resource group with a random name will be created") |

The fixed words are compared without regard to case, as ARM does. A value written as an
expression is not judged; one that is partly known (a `<placeholder>` in an id, or an
expression whose known parts the expression layer computes) is reported only when no
value of the unknown parts could make it right.

**Why.** The service resolves these ids when the template is submitted or when the build
starts, and rejects the template or fails the build with `BadManagedImageSource`,
`BadSharedImageVersionSource`, `BadSharedImageDistribute` or `BadStagingResourceGroup`
when an id does not name what the field needs. Shapes from the image template reference
(`image-builder-json.md`, MicrosoftDocs/azure-compute-docs @1a043fb3) and the ARM resource
id format; the table is `aiblint/data/resource-id-shapes.json`. (AIB208 checks when
`/versions/latest` is allowed.)

**Fix.** Write the full id. In an ARM deployment template, build it with `resourceId()`:
`[resourceId('Microsoft.Compute/images', parameters('imageName'))]`.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "source": {"type": "ManagedImage", "imageId": "/subscriptions/<sub>/resourceGroups/images/providers/Microsoft.Compute/image/base"},
    "distribute": [
      {"type": "ManagedImage", "runOutputName": "web", "imageId": "web-image", "location": "westus2"}
    ]
  }
}
""",
            ((4, 51), (6, 67)),
            "a misspelt fixed word, and a bare name where an id belongs",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "identity": {
    "type": "UserAssigned",
    "userAssignedIdentities": {"/subscriptions/<sub>/resourceGroups/ops/providers/Microsoft.ManagedIdentity/aib": {}}
  },
  "properties": {
    "stagingResourceGroup": "IT_web_staging",
    "vmProfile": {"vnetConfig": {"subnetId": "/subscriptions/<sub>/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet"}}
  }
}
""",
            ((5, 32), (8, 29), (9, 46)),
            "identity, staging resource group and subnet",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "distribute": [
      {"type": "SharedImage", "runOutputName": "web",
       "galleryImageId": "/subscriptions/<sub>/resourceGroups/images/providers/Microsoft.Compute/galleries/gal/images/web/versions/1.2"}
    ]
  }
}
""",
            ((6, 26),),
            "a gallery image version must be Major.Minor.Patch",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "source": {"type": "SharedImageVersion",
               "imageVersionId": "/subscriptions/<subscriptionID>/resourceGroups/<rgName>/providers/Microsoft.Compute/galleries/<galleryName>/images/<imageDefName>/versions/latest"},
    "distribute": [
      {"type": "SharedImage", "runOutputName": "web", "replicationRegions": ["westus2"],
       "galleryImageId": "[resourceId('Microsoft.Compute/galleries/images', parameters('gallery'), parameters('image'))]"},
      {"type": "ManagedImage", "runOutputName": "mi", "imageId": "<imageResourceId>", "location": "westus2"}
    ],
    "stagingResourceGroup": "/SUBSCRIPTIONS/<sub>/RESOURCEGROUPS/IT_web_staging"
  }
}
""",
            (),
            "placeholders, expressions, ids in other letter case",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        for field in _id_fields(template):
            yield from _check(template, field)


def _check(template: ImageTemplate, field: _IdField) -> Iterator[Problem]:
    resolved = template.resolve(field.node)
    if field.empty_allowed and resolved.value == "":
        return
    parts = _parts(resolved)
    if parts is None or _could_be(tuple(parts), field.kinds):
        return
    if all(isinstance(part, str) for part in parts):
        text = "".join(part for part in parts if isinstance(part, str))
        closest, why = explain(text, field.kinds)
        message = f'{field.label} "{text}" is not a {closest.what} id: {why}; expected {closest.example}'
    else:
        rendered = _written(resolved) or "".join(part if isinstance(part, str) else "{?}" for part in parts)
        closest, why = explain(rendered, field.kinds)
        message = (
            f'{field.label} "{rendered}" cannot be a {closest.what} id, whatever its unknown parts are: {why}; '
            f"expected {closest.example}"
        )
    yield Problem(message, node=resolved.node, document=resolved.document)


@lru_cache(maxsize=1024)
def _could_be(parts: tuple[Part, ...], kinds: tuple[str, ...]) -> bool:
    """:func:`aiblint.resource_ids.could_be`, once per distinct value and kinds in a process
    (a corpus run asked 144 times about 20 values: templates repeat their placeholder ids).
    The answer depends on the parts (texts, and UNKNOWN: the one unknown value) and on the
    shapes of ``kinds`` (packaged data) alone, both in the key. Bounded, for long-lived
    processes."""
    return could_be(parts, kinds)


def _written(resolved: Resolved) -> str | None:
    """The text as written, when the value is a literal string (with placeholders)."""
    node = resolved.node
    return node.text if isinstance(node, JsonString) and not is_expression(node.text) else None


def _parts(resolved: Resolved) -> list[Part] | None:
    """The value as known text and unknown pieces, or ``None`` when nothing is known.
    Any ``<...>`` is a placeholder here, however long its description."""
    if isinstance(resolved.value, str):
        pieces: tuple[Part, ...] = (resolved.value,)
    elif resolved.partial is not None:
        pieces = resolved.partial.parts
    else:
        return None
    parts: list[Part] = []
    for piece in pieces:
        parts += id_parts(piece) if isinstance(piece, str) else [piece]
    return parts


def _id_fields(template: ImageTemplate) -> Iterator[_IdField]:
    source = template.source
    if source is not None:
        yield from _field(template, source, "imageId", "source imageId", _IMAGE)
        yield from _field(template, source, "imageVersionId", "source imageVersionId", _SOURCE_VERSION)
    for distributor in template.distributors:
        yield from _field(template, distributor, "imageId", "distribute imageId", _IMAGE)
        yield from _field(template, distributor, "galleryImageId", "galleryImageId", _TARGET_GALLERY)
    identity = template.identity
    if isinstance(identity, JsonObject):
        identities = template.member(identity, "userAssignedIdentities")
        if isinstance(identities, JsonObject):
            for name in identities.keys():  # noqa: SIM118 - not a dict
                key = identities.key_node(name)
                if key is not None:
                    yield _IdField("identity", key, _IDENTITY)
    properties = template.properties
    if properties is not None:
        # "If this field is empty, a resource group with a random name will be created"
        # (the stagingResourceGroup description of every api version that has it)
        yield from _field(template, properties, "stagingResourceGroup", "stagingResourceGroup", _GROUP,
                          empty_allowed=True)
        yield from _vm_profile_fields(template, template.member(properties, "vmProfile"))


def _vm_profile_fields(template: ImageTemplate, profile: JsonNode | None) -> Iterator[_IdField]:
    if not isinstance(profile, JsonObject):
        return
    identities = template.member(profile, "userAssignedIdentities")
    if isinstance(identities, JsonArray):
        for item in identities.items:
            yield _IdField("vmProfile identity", item, _IDENTITY)
    network = template.member(profile, "vnetConfig")
    if isinstance(network, JsonObject):
        yield from _field(template, network, "subnetId", "subnetId", _SUBNET)
        yield from _field(template, network, "containerInstanceSubnetId", "containerInstanceSubnetId", _SUBNET)


def _field(template: ImageTemplate, holder: JsonObject, name: str, label: str, kinds: tuple[str, ...], *,
           empty_allowed: bool = False) -> Iterator[_IdField]:
    """The field as the service reads it (api versions before 2024-02-01 accept
    ``imageVersionID``; AIB103 reports the spelling)."""
    found = template.member(holder, name)
    if found is not None:
        yield _IdField(label, found, kinds, empty_allowed)
