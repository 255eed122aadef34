"""AIB214: a SharedImage distributor's regions: replicationRegions, targetRegions, storageAccountType."""

from __future__ import annotations

from collections.abc import Iterator

from aiblint.findings import Severity
from aiblint.jsontree import JsonNode, JsonObject, JsonScalar
from aiblint.model import ImageTemplate
from aiblint.rule import Example, Problem, Rule

from .api_versions import is_before, known_api_version

#: The first api version with targetRegions, where replicationRegions became optional.
_TARGET_REGIONS_SINCE = "2022-07-01"


class SharedImageRegions(Rule):
    id = "AIB214"
    name = "shared-image-regions"
    severity = Severity.ERROR
    summary = (
        "SharedImage distributor: replicationRegions missing (api 2022-02-14 and older), "
        "combined with targetRegions, or storageAccountType without replicationRegions"
    )
    description = """\
**What.** Three ways a SharedImage (Azure Compute Gallery) distributor gets its regions
wrong:

1. no `replicationRegions` under an api version up to 2022-02-14, where it is the only
   way to say where the image version goes;
2. both `replicationRegions` and `targetRegions`;
3. `storageAccountType` without `replicationRegions`.

**Why.** In the ARM schemas `replicationRegions` is required up to api 2022-02-14 and
optional from 2022-07-01, which adds `targetRegions` (Azure/azure-resource-manager-schemas
@a1454431). The api descriptions (Azure/bicep-types-az @1f896de2, 2022-07-01 to 2025-10-01)
say `targetRegions` "can be specified only if replicationRegions is not specified", that
`replicationRegions` is deprecated in its favour, and that the distributor's
`storageAccountType` "can be specified only if replicationRegions is specified"; with
`targetRegions` the storage type is set per region. The service rejects the template
when these are combined.

When the api version is an expression aiblint cannot read, only the second and third
checks run.

**Fix.** From api 2022-07-01 on, use `targetRegions` alone:
`"targetRegions": [{"name": "westus2", "replicaCount": 1, "storageAccountType": "Standard_LRS"}]`.
With an older api version, list `replicationRegions`, including the gallery's own region.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2022-02-14",
  "properties": {
    "distribute": [
      {"type": "SharedImage", "runOutputName": "web", "galleryImageId": "[parameters('imageDefinitionId')]"}
    ]
  }
}
""",
            ((6, 16),),
            "no replicationRegions under api 2022-02-14",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2023-07-01",
  "properties": {
    "distribute": [
      {"type": "SharedImage", "runOutputName": "web", "galleryImageId": "[parameters('imageDefinitionId')]",
       "replicationRegions": ["westus2"],
       "targetRegions": [{"name": "westus2", "replicaCount": 2}]},
      {"type": "SharedImage", "runOutputName": "web2", "galleryImageId": "[parameters('otherDefinitionId')]",
       "storageAccountType": "Standard_ZRS",
       "targetRegions": [{"name": "eastus"}]}
    ]
  }
}
""",
            ((8, 8), (10, 8)),
            "replicationRegions with targetRegions; storageAccountType with targetRegions",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2022-07-01",
  "properties": {
    "distribute": [
      {"type": "SharedImage", "runOutputName": "web", "galleryImageId": "[parameters('imageDefinitionId')]",
       "targetRegions": [{"name": "westus2", "storageAccountType": "Standard_ZRS"}]},
      {"type": "SharedImage", "runOutputName": "web2", "galleryImageId": "[parameters('otherDefinitionId')]"}
    ]
  }
}
""",
            (),
            "2022-07-01: targetRegions alone, or no regions at all",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "[parameters('apiVersion')]",
  "properties": {
    "distribute": [
      {"type": "SharedImage", "runOutputName": "web", "galleryImageId": "[parameters('imageDefinitionId')]"},
      {"type": "SharedImage", "runOutputName": "web2", "galleryImageId": "[parameters('otherDefinitionId')]",
       "replicationRegions": "[parameters('regions')]", "storageAccountType": "Standard_LRS"}
    ]
  }
}
""",
            (),
            "api version not known; regions written as an expression",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        version = known_api_version(template)
        for distributor in template.distributors:
            kind = _field(template, distributor, "type")
            kind_text = template.resolve(kind).text() if kind is not None else None
            if kind_text is not None and kind_text.casefold() == "sharedimage":
                yield from _check(template, distributor, version)


def _check(template: ImageTemplate, distributor: JsonObject, version: str | None) -> Iterator[Problem]:
    replication = _field(template, distributor, "replicationRegions")
    targets = _field(template, distributor, "targetRegions")
    storage = _field(template, distributor, "storageAccountType")
    if replication is None and version is not None and is_before(version, _TARGET_REGIONS_SINCE):
        later = " (targetRegions needs api 2022-07-01 or later)" if targets is not None else ""
        yield Problem(
            f"SharedImage distributor has no replicationRegions, which api {version} requires: "
            f"list the regions to replicate the image version to, the gallery's region among them{later}",
            node=_field(template, distributor, "type") or distributor,
        )
        return
    if replication is not None and targets is not None:
        yield Problem(
            "replicationRegions and targetRegions cannot both be set: keep targetRegions "
            "(replicationRegions is deprecated from api 2022-07-01)",
            node=targets,
            at_key=True,
        )
    if storage is not None and replication is None:
        yield Problem(
            "storageAccountType applies only together with replicationRegions: "
            "set storageAccountType on each entry of targetRegions instead",
            node=storage,
            at_key=True,
        )


def _field(template: ImageTemplate, holder: JsonObject, name: str) -> JsonNode | None:
    """A field as the service reads it (in any case before 2024-02-01); JSON
    ``null`` counts as missing (ARM drops null properties)."""
    found = template.member(holder, name)
    if found is None or (isinstance(found, JsonScalar) and found.value is None):
        return None
    return found
