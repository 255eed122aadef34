"""AIB200: the build runs only in Image Builder's regions; distribution targets must be Azure regions."""

from __future__ import annotations

from collections.abc import Iterator

from aiblint.findings import Severity
from aiblint.jsontree import JsonArray, JsonNode, JsonObject
from aiblint.model import ImageTemplate
from aiblint.regions import closest_region, find_region, normalize
from aiblint.rule import Example, Problem, Rule

_BUILD_REGIONS = """\
East US, East US 2, West Central US, West US, West US 2, West US 3, South Central US,
North Europe, West Europe, Southeast Asia, Australia Southeast, Australia East, UK South,
UK West, Brazil South, Canada Central, Central India, Central US, France Central,
Germany West Central, Japan East, North Central US, Norway East, Switzerland North,
Jio India West, UAE North, East Asia, Korea Central, South Africa North, Qatar Central,
USGov Arizona, USGov Virginia, China North 3, Sweden Central, Poland Central, Italy North,
Israel Central, New Zealand North, Taiwan Northwest"""


class UnsupportedRegion(Rule):
    id = "AIB200"
    name = "unsupported-region"
    severity = Severity.ERROR
    severity_note = "warning for a distribution region that is not an Azure region name"
    summary = "Template location is not a region where Image Builder runs, or a distribution region is not an Azure region"
    description = f"""\
**What.** The template's `location` is where Azure Image Builder stores the template and
runs the build, and the service runs only in some regions. aiblint reports an error when
`location` names any other region, or no region at all. It reports a warning when a
distribution target, a SharedImage `replicationRegions` entry or `targetRegions[].name`
or a ManagedImage `location`, is not an Azure region name: images may be distributed to
any Azure region, so only a misspelt or invented name is wrong there.

Region names are compared the way ARM does: without case and spaces, so `East US`,
`EastUS` and `eastus` are the same region. A location written as an expression
(`[resourceGroup().location]`) or a placeholder (`<region>`) is not known and not checked.

**Why.** A template submitted to another region is rejected at once. The regions, from
the Image Builder overview (MicrosoftDocs/azure-compute-docs @0ddd50bc,
`image-builder-overview.md`, ms.date 05/19/2026, the same list as the template reference):

{_BUILD_REGIONS}.

USGov Arizona and USGov Virginia are in public preview and need the feature
`Microsoft.VirtualMachineImages/FairfaxPublicPreview` registered first. The list grew over
time: five US regions in the 2019 preview, North Europe and West Europe in March 2020, New
Zealand North and Taiwan Northwest after February 2024. The table with the date each region
was first listed, and the list of all Azure region names with their sources, is
`aiblint/data/regions.json`.

A region added after this version of aiblint can be listed in the configuration
(`regions = ["newregion"]`); aiblint then accepts it as a build and distribution region.

**Fix.** Build in one of the regions above, usually the one closest to where the image is
used, and list the regions you need the image in as distribution targets.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2022-07-01",
  "location": "westindia",
  "properties": {}
}
""",
            ((4, 15),),
            "Image Builder does not run in West India",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2022-07-01",
  "location": "westeurop",
  "properties": {
    "distribute": [
      {"type": "SharedImage", "runOutputName": "web", "galleryImageId": "[parameters('imageDefinitionId')]",
       "targetRegions": [{"name": "westeurope"}, {"name": "North Europe"}, {"name": "eastus3"}]}
    ]
  }
}
""",
            ((4, 15), (8, 85)),
            "a misspelt build region (error) and a misspelt distribution region (warning)",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2022-07-01",
  "location": "West US 2",
  "properties": {
    "distribute": [
      {"type": "SharedImage", "runOutputName": "web", "galleryImageId": "[parameters('imageDefinitionId')]",
       "targetRegions": [{"name": "brazilsoutheast"}, {"name": "[parameters('secondRegion')]"}]},
      {"type": "ManagedImage", "runOutputName": "mi", "imageId": "[parameters('imageId')]", "location": "<region2>"}
    ]
  }
}
""",
            (),
            "display names, distribution to a region where Image Builder does not run, expressions and placeholders",
        ),
        Example(
            """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.VirtualMachineImages/imageTemplates",
      "apiVersion": "2022-07-01",
      "name": "web",
      "location": "[resourceGroup().location]",
      "properties": {}
    }
  ]
}
""",
            (),
            "the resource group's location is not known statically",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        if template.location is not None:
            yield from self._build_location(template, template.location)
        for distributor in template.distributors:
            for node in _target_regions(template, distributor):
                yield from self._target(template, node)

    def _configured(self, value: str) -> bool:
        """A region named in the configuration's ``regions``: Image Builder runs
        there too (a region added after aiblint's data was written)."""
        names = self.options.get("regions", ())
        return isinstance(names, list) and normalize(value) in {normalize(str(name)) for name in names}

    def _build_location(self, template: ImageTemplate, node: JsonNode) -> Iterator[Problem]:
        resolved = template.resolve(node)
        value = resolved.text()
        if value is None or self._configured(value):
            return
        region = find_region(value)
        if region is None:
            close = closest_region(value, image_builder_only=True)
            hint = f'; did you mean "{close.name}"?' if close else ""
            message = f'location "{value}" is not an Azure region name{hint}'
        elif not region.image_builder:
            message = (
                f'Azure Image Builder does not run in {region.display} (location "{value}"): build in a region '
                f"where it runs and distribute the image to {region.display}"
            )
        else:
            return
        yield Problem(message, node=resolved.node, document=resolved.document)

    def _target(self, template: ImageTemplate, node: JsonNode) -> Iterator[Problem]:
        resolved = template.resolve(node)
        value = resolved.text()
        if value is None or find_region(value) is not None or self._configured(value):
            return
        close = closest_region(value)
        hint = f'; did you mean "{close.name}"?' if close else ""
        yield Problem(
            f'distribution region "{value}" is not an Azure region name{hint}',
            node=resolved.node,
            severity=Severity.WARNING,
            document=resolved.document,
        )


def _target_regions(template: ImageTemplate, distributor: JsonObject) -> Iterator[JsonNode]:
    """The nodes that name a region a distributor writes the image to."""
    kind_node = template.member(distributor, "type")
    kind = (template.resolve(kind_node).text() or "").casefold() if kind_node is not None else ""
    if kind == "managedimage":
        location = template.member(distributor, "location")
        if location is not None:
            yield location
    elif kind == "sharedimage":
        replication = template.member(distributor, "replicationRegions")
        if isinstance(replication, JsonArray):
            yield from replication.items
        targets = template.member(distributor, "targetRegions")
        if isinstance(targets, JsonArray):
            for target in targets.items:
                name = template.member(target, "name")
                if name is not None:
                    yield name

