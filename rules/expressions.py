"""AIB005: ARM expressions that ARM would reject."""

from __future__ import annotations

from collections.abc import Iterator

from aiblint.findings import Severity
from aiblint.rule import Example, FileContext, Problem, Rule
from aiblint.textmap import source_offset


class InvalidExpression(Rule):
    id = "AIB005"
    name = "invalid-expression"
    severity = Severity.ERROR
    summary = "ARM expression that does not parse, calls an unknown function, or names an undeclared parameter or variable"
    description = """\
In a deployment template, Azure Resource Manager evaluates every string that starts
with `[` and ends with `]` as a template language expression. One that does not parse
(an unclosed `(` or `'`, a stray `]`, a bare `true` instead of `true()`), that calls a
function ARM does not have or with the wrong number of arguments, or that asks for a
`parameters('x')` or `variables('x')` the template does not declare fails the whole
deployment at validation, before anything is built. Names are compared without regard to
case, as ARM does; nested inline templates are checked in their own scope (`inner`) or
their parent's (`outer`, the default).

aiblint reports the exact place inside the string. A string meant literally that starts
with `[` and ends with `]` must start with `[[` instead (ARM then drops one bracket).

Source: "Syntax and expressions in ARM templates" and the template functions reference
(learn.microsoft.com, azure-resource-manager/templates); the function table with argument
counts is `aiblint/data/arm-functions.tsv`.

**Fix:** correct the expression at the position shown, declare the parameter or variable,
or escape a literal with `[[`.
"""
    tags = ("arm", "expressions")
    examples = (
        Example(
            """{
  "parameters": {"imageName": {"type": "string"}},
  "resources": [{
    "type": "Microsoft.VirtualMachineImages/imageTemplates",
    "name": "[concat('img-', parameters('imageName')]"
  }]
}
""",
            ((5, 53),),
            "unbalanced brackets: the ')' of concat( is missing",
        ),
        Example(
            """{
  "parameters": {"location": {"type": "string", "defaultValue": "westus2"}},
  "resources": [{
    "type": "Microsoft.VirtualMachineImages/imageTemplates",
    "location": "[toLower(parameters('Location'), 'x')]",
    "tags": {"by": "[concat('aib-', parameter('location'))]", "env": "[variables('env')]"}
  }]
}
""",
            ((5, 19), (6, 37), (6, 82)),
            "wrong argument count, unknown function, undeclared variable",
        ),
        Example(
            """{
  "parameters": {"location": {"type": "string", "defaultValue": "westus2"}},
  "variables": {"name": "[format('{0}-img', toLower(parameters('LOCATION')))]"},
  "resources": [{
    "type": "Microsoft.VirtualMachineImages/imageTemplates",
    "name": "[variables('name')]",
    "location": "[parameters('location')]",
    "properties": {"customize": [{"type": "Shell", "name": "x", "inline": ["[[ -d /opt ] || mkdir /opt"]}]}
  }]
}
""",
            (),
            "valid expressions and a '[[' literal",
        ),
    )

    def check_file(self, context: FileContext) -> Iterator[Problem]:
        deployments = [template for template in context.templates if template.arm_template is not None]
        if not deployments:
            return  # a bare resource or REST body: ARM does not evaluate its strings
        from aiblint.arm.diagnostics import expression_problems
        from aiblint.arm.scope import ArmContext

        arm = deployments[0].arm or ArmContext(context.document)
        text = context.document.text
        for problem in expression_problems(arm):
            start = source_offset(text, problem.node, problem.start)
            end = source_offset(text, problem.node, problem.end)
            yield Problem(f"invalid ARM expression: {problem.message}", node=problem.node, start=start, end=max(end, start + 1))
