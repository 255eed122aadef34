"""AIB240: two image templates of one run with the same staging resource group."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from aiblint.findings import Severity
from aiblint.model import ImageTemplate
from aiblint.rule import Claim, Example, Problem, Rule

from .constant_values import is_constant

#: A resource group id, the only form stagingResourceGroup takes.
_GROUP: Final = re.compile(r"/subscriptions/[^/]+/resourceGroups/[^/]+/?\Z", re.IGNORECASE)

_TWO = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"staging": {"type": "string", "defaultValue": "/subscriptions/0000/resourceGroups/rg-staging"}},
  "variables": {"staging": "/subscriptions/0000/resourceGroups/rg-staging"},
  "resources": [
    {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "name": "win11",
     "properties": {"stagingResourceGroup": %s}},
    {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "name": "win10",
     "properties": {"stagingResourceGroup": %s}}
  ]
}
"""


class SharedStagingResourceGroup(Rule):
    id = "AIB240"
    name = "shared-staging-resource-group"
    severity = Severity.ERROR
    summary = "Two image templates of the run name the same stagingResourceGroup"
    description = """\
**What.** Two image templates with different names, in one file or in two files linted in the
same run, whose `stagingResourceGroup` is the same resource group id (compared without
regard to case). Both values must be constants: literals, or variables made of literals (a
parameter's value may differ from one deployment to the next, and is left alone), and both
templates must have a known name (two files with the same template name may be one template
written twice, a Bicep file and the ARM JSON built from it).

Each of the two places is reported, with the other as a related location.

**Why.** The staging resource group is where the service creates the build VM, its network
and storage. A group named in `stagingResourceGroup` must not exist yet or be empty, be in the
template's region, and not be used by another image template. The second template naming the
same group fails (the provisioning error codes include `BadStagingResourceGroup`; the
troubleshooting guide: "ensure that the staging resource group name is uniquely specified for
each image template").

Sources: the template reference (`image-builder-json.md`, "Properties:
stagingResourceGroup"); the troubleshooting guide (`image-builder-troubleshoot.md`, "Resource
operation finished with a terminal provisioning state of Failed": a conflict with the staging
resource group; "ensure that the staging resource group name is uniquely specified for each
image template"); aib-facts.md §7.

**Fix:** give each image template its own staging resource group, or leave
`stagingResourceGroup` out: the service then creates an `IT_...` group for each template.

How it runs across files: each file's claims travel with its result (worker processes, the
result cache), and are compared once every file of the run is in; in the language server and
`--fix` (one file at a time) only the templates of the same file are compared.
"""
    examples = (
        Example(_TWO % ('"/subscriptions/0000/resourceGroups/rg-staging"', '"/subscriptions/0000/resourcegroups/RG-Staging"'),
                ((8, 45), (10, 45)), "two templates, one staging resource group (case differs)"),
        Example(_TWO % ('"[variables(\'staging\')]"', '"/subscriptions/0000/resourceGroups/rg-staging"'),
                ((5, 28), (10, 45)), "a variable made of a literal is a constant"),
        Example(_TWO % ('"[parameters(\'staging\')]"', '"/subscriptions/0000/resourceGroups/rg-staging"'), (),
                "a parameter may differ from one deployment to the next"),
        Example(_TWO % ('"/subscriptions/0000/resourceGroups/rg-staging-win11"', '"/subscriptions/0000/resourceGroups/rg-staging"'),
                (), "each template its own"),
    )

    def check_claims(self, template: ImageTemplate) -> Iterator[Claim]:
        node = template.prop("stagingResourceGroup")
        name_node = template.resource.get("name")
        if node is None or name_node is None or not is_constant(template, node):
            return
        resolved, name = template.resolve(node), template.resolve(name_node).text()
        group = resolved.text()
        if not name or group is None or not _GROUP.match(group):
            return
        problem = Problem(
            f'stagingResourceGroup "{group}" of image template "{name}" is also the staging resource group of another '
            "image template: the service needs it empty and used by one template only, so the second build fails; "
            "give each template its own, or leave it out (the service then creates one per template)",
            node=resolved.node, document=resolved.document,
        )
        yield Claim(group.rstrip("/").casefold(), name.casefold(), problem, "the other image template's stagingResourceGroup")
