"""AIB231: a SharedImage distributor that names one exact gallery image version."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from aiblint.findings import Severity
from aiblint.jsontree import JsonNode, JsonObject
from aiblint.lazyre import lazy
from aiblint.model import ImageTemplate
from aiblint.rule import Example, Problem, Rule
from aiblint.values import Resolved

from .api_versions import is_before, known_api_version

#: A version segment at the end of a gallery image id (``.../versions/1.0.2``).
_VERSION_TAIL = lazy(r"/versions/([0-9]+\.[0-9]+\.[0-9]+)\Z", re.IGNORECASE)
#: The first api version whose galleryImageId may name a version (aib-facts.md §6).
_EXPLICIT_VERSION_SINCE: Final = "2020-02-14"


class FixedGalleryImageVersion(Rule):
    id = "AIB231"
    name = "fixed-gallery-image-version"
    severity = Severity.WARNING
    summary = "A SharedImage galleryImageId names one exact image version, which only the first build can create"
    description = """\
A SharedImage (Azure Compute Gallery) distributor's `galleryImageId` is either an image
definition (`.../galleries/<g>/images/<definition>`), and each build creates a new image
version, or one exact version (`.../images/<definition>/versions/1.0.2`), which the build
creates. A version exists once: the first build creates it, and every later build of the
same template (a rerun, a schedule, a source-image trigger) fails because that version
already exists.

Reported when the version number is a constant written in the template: in the field itself
(`".../versions/1.0.2"`, `"[concat(variables('definition'), '/versions/1.0.2')]"`, Bicep
`'${gallery.id}/versions/1.0.2'`) or in a deployment template variable it is taken from. Not
reported when the version comes from a parameter (a value each deployment can pass) or from
anything aiblint cannot read, nor under api versions before 2020-02-14, which accept no version
here. The finding points at the version number.

`versioning` (api 2022-07-01 and later) cannot name a version: its schemes are `Latest`
(with an optional `major`) and `Source`, which number each new version, so it is not
checked here.

Sources: the template reference (`image-builder-json.md`, "Distribute: sharedImage":
`galleryImageId` takes an image definition, or `.../versions/<x.y.z>` "for a specific
version"; the version must not already exist); the ARM schemas and api descriptions
(`galleryImageId`, "Resource Id of the Azure Compute Gallery image"; `versioning`:
`DistributeVersionerLatest`, `DistributeVersionerSource`).

**Fix:** distribute to the image definition (drop `/versions/1.0.2`) and let the service
number each version (`versioning` chooses how, from api 2022-07-01), or take the version
from a parameter that each build sets.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2022-07-01",
  "properties": {
    "distribute": [
      {"type": "SharedImage", "runOutputName": "web",
       "galleryImageId": "/subscriptions/s/resourceGroups/images/providers/Microsoft.Compute/galleries/gal/images/web/versions/1.0.2"}
    ]
  }
}
""",
            ((7, 128),),
            "one exact version",
        ),
        Example(
            """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"version": {"type": "string", "defaultValue": "1.0.2"}},
  "variables": {"definition": "/subscriptions/s/resourceGroups/images/providers/Microsoft.Compute/galleries/gal/images/web"},
  "resources": [{
    "type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "name": "web", "location": "westus2",
    "properties": {
      "distribute": [
        {"type": "SharedImage", "runOutputName": "definition", "galleryImageId": "[variables('definition')]"},
        {"type": "SharedImage", "runOutputName": "param",
         "galleryImageId": "[concat(variables('definition'), '/versions/', parameters('version'))]"}
      ]
    }
  }]
}
""",
            (),
            "an image definition; a version from a parameter",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        api = known_api_version(template)
        if api is not None and is_before(api, _EXPLICIT_VERSION_SINCE):
            return
        for distributor in template.distributors:
            kind = template.member(distributor, "type")
            if kind is None or (template.resolve(kind).text() or "").casefold() != "sharedimage":
                continue
            field = template.member(distributor, "galleryImageId")
            if field is not None:
                yield from _fixed_version(template, field)


def _fixed_version(template: ImageTemplate, field: JsonNode) -> Iterator[Problem]:
    resolved = template.resolve(field)
    match = _VERSION_TAIL().search(_known_tail(resolved))
    if match is None or not _constant_here(template, resolved):
        return
    version = match.group(1)
    written = resolved.document.text[resolved.node.start : resolved.node.end]
    at = _written_at(written, version)
    if at is None:
        return  # the number is not written here: it comes from somewhere aiblint does not trace
    start = resolved.node.start + at
    yield Problem(
        f"galleryImageId names the exact image version {version}: the first build creates it, and every later build "
        "of this template fails because the version exists; distribute to the image definition (without "
        f"/versions/{version}) so that each build makes a new version, or take the version from a parameter",
        node=resolved.node, document=resolved.document, start=start, end=start + len(version),
    )


def _written_at(written: str, version: str) -> int | None:
    """Where the version number is written in the field's text (a path tail, or a
    quoted argument of ``concat``); ``None`` when it is not written there."""
    tail = written.rfind(f"versions/{version}")
    if tail >= 0:
        return tail + len("versions/")
    quoted = max(written.rfind(f"'{version}'"), written.rfind(f'"{version}"'))
    return quoted + 1 if quoted >= 0 else None


def _known_tail(resolved: Resolved) -> str:
    """The value's known text after its last unknown piece."""
    text = resolved.text()
    if text is not None:
        return text
    if resolved.partial is not None and isinstance(resolved.partial.parts[-1], str):
        return resolved.partial.parts[-1]
    return ""


def _constant_here(template: ImageTemplate, resolved: Resolved) -> bool:
    """The value is written in the template resource itself, or in a deployment
    template variable: not a parameter's value, which a deployment may change."""
    node = resolved.node
    if resolved.document is not template.document:
        return False  # a parameters file
    resource = template.resource
    if resource.start <= node.start and node.end <= resource.end:
        return True
    variables = template.arm_template.get("variables") if template.arm_template is not None else None
    return isinstance(variables, JsonObject) and variables.start <= node.start and node.end <= variables.end
