"""AIB403: a secure parameter's value stored in the image template."""

from __future__ import annotations

from collections.abc import Iterator

from aiblint.findings import Severity
from aiblint.jsontree import JsonNode, JsonString
from aiblint.model import ImageTemplate
from aiblint.rule import Example, Problem, Rule
from aiblint.values import is_expression

from .strings import strings_under

_DEPLOYMENT = (
    '{{\n  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",\n'
    '  "parameters": {{"adminPassword": {{"type": "securestring"}}, "clientSecret": {{"type": "secureString"}}}},\n'
    '  "variables": {{"login": "[concat(\'az login --service-principal -u app -p \', parameters(\'clientSecret\'))]"}},\n'
    '  "resources": [{{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "name": "t",\n'
    '    "properties": {{"customize": [\n{customizers}\n    ]}}}}]\n}}\n'
)


_NESTED = (
    '{{\n  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",\n'
    '  "parameters": {{"adminPassword": {{"type": "securestring"}}, "userName": {{"type": "string"}}}},\n'
    '  "resources": [{{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "image",\n'
    '    "properties": {{"mode": "Incremental", "expressionEvaluationOptions": {{"scope": "inner"}},\n'
    '      "parameters": {{"password": {{"value": "[parameters(\'{given}\')]"}}}},\n'
    '      "template": {{"parameters": {{"password": {{"type": "string"}}}},\n'
    '        "resources": [{{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01",\n'
    '          "name": "t", "properties": {{"customize": [{{"type": "PowerShell", "name": "user", "inline": [\n'
    '            "[concat(\'net user builder \', parameters(\'password\'), \' /add\')]"]}}]}}}}]}}}}}}]\n}}\n'
)


def _deployment(*customizers: str) -> str:
    return _DEPLOYMENT.format(customizers=",\n".join(f"      {customizer}" for customizer in customizers))


class SecureValueStored(Rule):
    id = "AIB403"
    name = "secure-parameter-stored"
    severity = Severity.ERROR
    summary = "A secure parameter's value flows into a stored field of the image template (an inline command, tags)"
    description = """\
**What.** A `securestring` or `secureObject` parameter whose value an expression puts into a
field of the image template: an `inline` command
(`[concat('net user builder ', parameters('adminPassword'), ' /add')]`), a customizer's
other fields, a URI, the tags. The value is followed through variables (their members too)
and every function that passes its arguments on (`concat`, `format`, `replace`, `base64`,
`if`...); functions that only measure or hash it (`length`, `empty`, `equals`,
`uniqueString`, `guid`) end the trail. The finding points at the field that receives it
and names the variables it went through.

Into a nested deployment (`Microsoft.Resources/deployments` with an inline `template`) too:
with the default outer scope its template reads the parameter itself; with
`"expressionEvaluationOptions": {"scope": "inner"}` the value is handed on through the
deployment's `parameters`, and an inner parameter given a secure value carries it even when
declared a plain `string` (the finding names it).

**Why.** ARM keeps a secure parameter out of deployment logs and outputs, but the image
template is a resource: the service stores its properties as given, in clear, readable by
anyone with read access to the template (`az image builder show`), and prints its `inline`
commands in the build log. The template reference says not to put sensitive data in
inline commands (`image-builder-json.md`, MicrosoftDocs/azure-compute-docs @1a043fb3).

**Fix.** Do not pass the secret through the template. Read it inside the script at build
time, through the template's user-assigned managed identity (give it `get` on the secret,
and list it in `vmProfile.userAssignedIdentities` so the build VM can use it):

```sh
az login --identity --username <identity client id>
PASSWORD=$(az keyvault secret show --vault-name <vault> --name admin-password --query value -o tsv)
```

```powershell
Connect-AzAccount -Identity -AccountId <identity client id>
$password = Get-AzKeyVaultSecret -VaultName <vault> -Name admin-password -AsPlainText
```

or fetch the secret at build time from another store the identity can read. Then revoke
the value that was stored.
"""
    tags = ("security", "secret")
    security_severity = 8.0
    examples = (
        Example(
            _deployment(
                '{"type": "PowerShell", "name": "user", "inline": '
                '["[concat(\'net user builder \', parameters(\'adminPassword\'), \' /add\')]"]}',
                '{"type": "PowerShell", "name": "login", "inline": ["[variables(\'login\')]"]}',
            ),
            ((7, 57), (8, 58)),
            "a secure parameter in an inline command, directly and through a variable",
        ),
        Example(
            _deployment(
                '{"type": "PowerShell", "name": "user", "inline": '
                '["$password = Get-AzKeyVaultSecret -VaultName kv -Name admin -AsPlainText", '
                '"[format(\'Write-Host {0} characters\', length(parameters(\'adminPassword\')))]"]}',
            ),
            (),
            "the secret read at build time; only its length in the template",
        ),
        Example(_NESTED.format(given="adminPassword"), ((10, 13),),
                "handed to a nested deployment (inner scope) as a parameter declared a plain string"),
        Example(_NESTED.format(given="userName"), (), "a nested deployment given a value that is not secure"),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        if template.arm_template is None:
            return
        from aiblint.arm.scope import ArmContext
        from aiblint.arm.secure import secure_flows

        if template.arm is None:
            template.arm = ArmContext(template.document)
        scope = template.arm.scope_for(template.arm_template)
        for node in strings_under(template, template.resource).values:
            if not is_expression(node.text) or _arm_only(template, node):
                continue
            for flow in secure_flows(scope, node):
                through = f" (through variable {_names(flow.through)})" if flow.through else ""
                passed = f" (given to a nested deployment as parameter {_names(flow.passed_as)})" if flow.passed_as else ""
                yield Problem(
                    f"secure parameter '{flow.parameter}'{passed} flows into {_field(node)}{through}, which the image template "
                    "stores in clear (readable by anyone with read access to it, and shown in the build log): read the "
                    "secret inside the script at build time instead, from Key Vault through the template's managed "
                    "identity",
                    node=node,
                )


def _field(node: JsonString) -> str:
    from aiblint.jsontree import JsonArray

    parent = node.parent
    key = parent.key if isinstance(parent, JsonArray) else node.key
    if key == "inline":
        return "an inline command"
    path = node.logical_path()
    return f"{path}" if path else "the template"


def _names(names: tuple[str, ...]) -> str:
    """``'lines', 'line'``: the variables in the order they are read, the first three."""
    shown = ", ".join(repr(name) for name in names[:3])
    return f"{shown} and {len(names) - 3} more" if len(names) > 3 else shown


def _arm_only(template: ImageTemplate, node: JsonString) -> bool:
    """A value under a resource key that ARM consumes (``condition``, ``dependsOn``,
    ``comments``...): it never reaches the image template service."""
    from aiblint.schema import ARM_TEMPLATE_KEYS

    current: JsonNode = node
    while current.parent is not None and current.parent is not template.resource:
        current = current.parent
    return current.parent is template.resource and current.key in ARM_TEMPLATE_KEYS
