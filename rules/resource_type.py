"""AIB218: the resource type must name imageTemplates."""

from __future__ import annotations

from collections.abc import Iterator

from aiblint.findings import Severity
from aiblint.model import IMAGE_TEMPLATE_TYPE, ImageTemplate
from aiblint.rule import Example, Problem, Rule


class WrongResourceType(Rule):
    id = "AIB218"
    name = "wrong-resource-type"
    severity = Severity.ERROR
    summary = "Resource type is not Microsoft.VirtualMachineImages/imageTemplates"
    description = f"""\
Early samples declare `"type": "Microsoft.VirtualMachineImages"`, the bare provider
namespace. That only works when the file is sent with
`az resource create --resource-type imageTemplates`, which supplies the real type; in an
ARM deployment, or with any other tool, it is rejected. The schema of every api version
allows exactly `{IMAGE_TEMPLATE_TYPE}`.

Source: the ARM schemas for Microsoft.VirtualMachineImages (all api versions).

**Fix:** write `"type": "{IMAGE_TEMPLATE_TYPE}"`.
"""
    examples = (
        Example('{\n  "type": "Microsoft.VirtualMachineImages",\n  "apiVersion": "2020-02-14",\n  "properties": {}\n}\n', ((2, 11),)),
        Example('{\n  "type": "Microsoft.VirtualMachineImages/imageTemplates",\n  "apiVersion": "2020-02-14",\n  "properties": {}\n}\n', ()),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        node = template.type_node
        value = template.resolve(node).text() if node is not None else None
        if value is not None and value.casefold() == "microsoft.virtualmachineimages":
            yield Problem(
                f'resource type "{value}" is only the provider namespace: write "{IMAGE_TEMPLATE_TYPE}" '
                "(the short form works only through 'az resource create --resource-type')",
                node=node,
            )
