"""AIB218: the resource type must name imageTemplates."""

from __future__ import annotations

from collections.abc import Iterator

from aiblint.findings import Severity
from aiblint.model import IMAGE_TEMPLATE_TYPE, ImageTemplate
from aiblint.rule import Example, Problem, Rule


class WrongResourceType(Rule):
    id = "AIB218"
    name = "wrong-resource-type"
    severity = Severity.ERROR  # a warning for a bare file, which `az resource create` can send
    severity_note = "warning in a bare resource file (not an ARM deployment template)"
    summary = "Resource type is not Microsoft.VirtualMachineImages/imageTemplates"
    description = f"""\
Early samples declare `"type": "Microsoft.VirtualMachineImages"`, the bare provider
namespace. The schema of every api version allows exactly `{IMAGE_TEMPLATE_TYPE}`.

- Inside an ARM deployment template the short form is rejected: **error**.
- A bare resource file works only when it is sent with
  `az resource create --is-full-object --resource-type {IMAGE_TEMPLATE_TYPE}`, which
  supplies the real type (that is how the official quickstarts use these files); with any
  other tool it is rejected: **warning**, since the file may be used exactly that way.

Source: the ARM schemas for Microsoft.VirtualMachineImages (all api versions).

**Fix:** write `"type": "{IMAGE_TEMPLATE_TYPE}"`.
"""
    examples = (
        Example('{\n  "type": "Microsoft.VirtualMachineImages",\n  "apiVersion": "2020-02-14",\n  "properties": {}\n}\n', ((2, 11),)),
        Example('{\n  "type": "Microsoft.VirtualMachineImages/imageTemplates",\n  "apiVersion": "2020-02-14",\n  "properties": {}\n}\n', ()),
        Example(
            """{
  "resources": [
    {"type": "Microsoft.VirtualMachineImages", "apiVersion": "2020-02-14", "name": "t", "properties": {}}
  ]
}
""",
            ((3, 14),),
            "inside a deployment template (error)",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        node = template.type_node
        value = template.resolve(node).text() if node is not None else None
        if value is None or value.casefold() != "microsoft.virtualmachineimages":
            return
        if template.arm_template is not None:
            yield Problem(
                f'resource type "{value}" is only the provider namespace, which an ARM deployment '
                f'rejects: write "{IMAGE_TEMPLATE_TYPE}"',
                node=node,
            )
            return
        yield Problem(
            f'resource type "{value}" is only the provider namespace: write "{IMAGE_TEMPLATE_TYPE}" '
            "(the short form works only through 'az resource create --resource-type')",
            node=node,
            severity=Severity.WARNING,
        )
