"""AIB201, AIB202: names that must be unique within one template."""

from __future__ import annotations

from collections.abc import Iterator

from aiblint.findings import Severity
from aiblint.jsontree import JsonObject
from aiblint.model import ImageTemplate
from aiblint.rule import Example, Problem, Rule


def _repeated(items: list[JsonObject], field: str, what: str, template: ImageTemplate) -> Iterator[Problem]:
    """A problem at every item whose ``field`` repeats an earlier item's value."""
    first_seen: dict[str, JsonObject] = {}
    for item in items:
        node = template.member(item, field)
        value = template.resolve(node).text() if node is not None else None
        if not value or node is None:
            continue  # missing, empty (a schema error), not a string, or not known statically
        earlier = first_seen.setdefault(value, item)
        if earlier is item:
            continue
        earlier_node = template.member(earlier, field)
        assert earlier_node is not None
        document = template.document_of(earlier_node)
        line = document.position(earlier_node.start).line
        where = f"line {line}" if document is template.document_of(node) else f"{document.path}:{line}"
        yield Problem(
            f'{what} {field} "{value}" is already used by {earlier.logical_path()} '
            f"({where}); each {what} needs its own {field}",
            node=node,
        )


class DuplicateCustomizerName(Rule):
    id = "AIB201"
    name = "duplicate-customizer-name"
    severity = Severity.ERROR
    summary = "Two customizers (or two in-VM validators) share a name"
    description = """\
The template reference allows many customizers "but they must have a unique name"; the
build log and the error of a failed build name the customizer, so two with one name make a
failure ambiguous. The same holds for the `validate.inVMValidations` list (checked on its
own: a validator may share a name with a customizer).

Names written as ARM expressions or placeholders are compared only when their value is
known.

Source: the preview-era image template reference (`image-builder-json.md`, api
2019-05-01-preview), customizers section.

**Fix:** give each customizer a distinct `name`.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "setup", "inline": ["echo one"]},
      {"type": "Shell", "name": "setup", "inline": ["echo two"]}
    ]
  }
}
""",
            ((6, 33),),
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [{"type": "Shell", "name": "check", "inline": ["true"]}],
    "validate": {"inVMValidations": [{"type": "Shell", "name": "check", "inline": ["true"]}]}
  }
}
""",
            (),
            "a validator may reuse a customizer's name",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "[parameters('step')]", "inline": ["echo one"]},
      {"type": "Shell", "name": "[parameters('step')]", "inline": ["echo two"]}
    ]
  }
}
""",
            (),
            "names not known statically",
        ),
        Example(
            """resource it 'Microsoft.VirtualMachineImages/imageTemplates@2024-02-01' = {
  name: 'web'
  properties: {
    customize: [
      { type: 'Shell', name: 'setup', inline: [ 'echo one' ] }
      { type: 'Shell', name: 'setup', inline: [ 'echo two' ] }
    ]
  }
}
""",
            ((6, 30),),
            "Bicep: the same finding in the .bicep source",
            filename="template.bicep",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        yield from _repeated(template.customizers, "name", "customizer", template)
        yield from _repeated(template.validators, "name", "validator", template)


class DuplicateRunOutputName(Rule):
    id = "AIB202"
    name = "duplicate-run-output-name"
    severity = Severity.ERROR
    summary = "Two distributors share a runOutputName"
    description = """\
Each distributor's `runOutputName` names the `runOutputs` child resource that records
where the image went, so it must be unique across the `distribute` array.

Source: the image template reference (`image-builder-json.md`), distribute section.

**Fix:** give each distributor its own `runOutputName`.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "distribute": [
      {"type": "ManagedImage", "runOutputName": "img", "imageId": "x", "location": "westus2"},
      {"type": "VHD", "runOutputName": "img"}
    ]
  }
}
""",
            ((6, 40),),
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "distribute": [
      {"type": "ManagedImage", "runOutputName": "img", "imageId": "x", "location": "westus2"},
      {"type": "VHD", "runOutputName": "img-vhd"}
    ]
  }
}
""",
            (),
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        yield from _repeated(template.distributors, "runOutputName", "distributor", template)
