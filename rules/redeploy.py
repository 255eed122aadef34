"""AIB241: an image template name that is the same on every deployment, in a
deployment template (ARM JSON or Bicep) that is run again and again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from aiblint.findings import Severity
from aiblint.jsontree import JsonNode
from aiblint.model import ImageTemplate
from aiblint.rule import Example, Problem, Rule

from .constant_values import is_constant, line_of

#: Forms of a deployment: a template ARM deploys each time it runs (a bare resource is created once by hand).
_DEPLOYED: Final = frozenset({"deployment", "nested-deployment"})


def _deployment(resources: str, variables: str = "{}", parameters: str = "{}") -> str:
    return f"""{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {parameters},
  "variables": {variables},
  "resources": [
    {resources}
  ]
}}
"""


_RESOURCE = '{{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "name": {name}}}'


class NameNotRedeployable(Rule):
    id = "AIB241"
    name = "template-name-not-redeployable"
    severity = Severity.NOTE
    summary = "An image template name that is the same on every deployment: deploying the template again fails"
    description = """\
**What.** In an ARM deployment template or a Bicep file, an image template whose `name` is a
constant: a literal, or an expression over literals and variables only, with no parameter and
no deployment-time value (`utcNow()` in a parameter default, `uniqueString(deployment().name)`,
a version or build-number parameter).

**Why.** Image Builder does not update an existing image template: a second deployment of the
same template sends the same name again and fails with "Update/Upgrade of image templates is
currently not supported" (the cause, in the troubleshooting guide's words: "The template
already exists"). A template meant to be deployed again (a pipeline, a schedule) then works
once, until someone deletes the old image template. A name built from a parameter is left
alone (the deployment may pass a new value each time), as is a bare resource file (created
once with `az resource create`) and a Terraform configuration, ARM written in it included
(Terraform deploys again only what changed, through its state). Whether the template is meant to be deployed again is not known
statically, hence a note.

Sources: the Image Builder troubleshooting guide (`image-builder-troubleshoot.md`, "Update or
upgrade of image templates is currently not supported": cause "The template already exists",
solution: delete it).

**Fix:** add a unique part, e.g. a parameter `"buildTime": {"type": "string", "defaultValue":
"[utcNow('yyyyMMddHHmmss')]"}` and `"name": "[format('{0}-{1}', variables('baseName'),
parameters('buildTime'))]"` (Bicep: `param buildTime string = utcNow('yyyyMMddHHmmss')` and
`name: '${baseName}-${buildTime}'`), or delete the template before each deployment.
"""
    examples = (
        Example(_deployment(_RESOURCE.format(name='"win11-avd"')), ((7, 99),), "a literal name"),
        Example(_deployment(_RESOURCE.format(name="\"[concat(variables('prefix'), '-template')]\""),
                            variables='{"prefix": "win11"}'), ((7, 99),), "a name made of variables only"),
        Example(
            _deployment(_RESOURCE.format(name="\"[format('win11-{0}', parameters('buildTime'))]\""),
                        parameters='{"buildTime": {"type": "string", "defaultValue": "[utcNow(\'yyyyMMddHHmmss\')]"}}'),
            (), "a unique part from utcNow()",
        ),
        Example(_deployment(_RESOURCE.format(name="\"[parameters('imageTemplateName')]\""),
                            parameters='{"imageTemplateName": {"type": "string", "defaultValue": "win11"}}'),
                (), "a parameter (each deployment may pass another)"),
        Example('{"type": "Microsoft.VirtualMachineImages/imageTemplates", "name": "win11-avd", "properties": {}}', (),
                "a bare resource, created once"),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        node = template.resource.get("name")
        if node is None or not self._deployed(template):
            return
        resolved = template.resolve(node)
        name = resolved.text()
        if name is None or not self._constant(template, node):
            return
        yield Problem(
            f'image template name "{name}" is the same on every deployment: the service does not update an existing '
            "image template (\"Update/Upgrade of image templates is currently not supported\"), so deploying this "
            "again fails until the old one is deleted; add a unique part, such as a parameter whose default is "
            "utcNow('yyyyMMddHHmmss')",
            node=resolved.node, document=resolved.document,
        )

    @staticmethod
    def _deployed(template: ImageTemplate) -> bool:
        if template.document.path.lower().endswith((".tf", ".tf.json")):
            return False  # ARM written in Terraform: deployed again only when Terraform sees a change
        return template.form in _DEPLOYED or template.document.language == "bicep"

    @staticmethod
    def _constant(template: ImageTemplate, node: JsonNode) -> bool:
        """A literal, or an expression over literals and variables only; in Bicep, in a
        resource declaration (a module call, such as the AVM module's, adds its own time stamp)."""
        if template.document.language == "bicep" and not line_of(template.document.text, template.resource.start).startswith("resource "):
            return False
        return is_constant(template, node)
