"""AIB400-AIB402: secrets written where anyone who can read them can use them.

The detectors are in :mod:`aiblint.secrets`; these rules only say where to
look. Every message shows the secret masked (``sig=Ab…(44 chars)``), never in
full, and the rules carry the ``secret`` tag, which tells output formats to
mask the reported span in code frames too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from aiblint.document import Document
from aiblint.findings import Severity
from aiblint.jsontree import JsonArray, JsonObject, JsonString, walk
from aiblint.model import ImageTemplate
from aiblint.rule import Example, FileContext, Problem, Rule
from aiblint.scripts.offsets import problem_at
from aiblint.secrets import mask
from aiblint.textmap import source_offset
from aiblint.values import is_expression

from .strings import strings_under

if TYPE_CHECKING:
    from aiblint.scripts.units import ScriptUnit

#: URI fields: a credential in them is AIB303's (credential-in-uri).
_URI_FIELDS = frozenset({"scriptUri", "sourceUri", "sourceURI", "script", "uri"})
_SECURE_TYPES = frozenset({"securestring", "secureobject"})
_FIX = "pass it in at build time (a Key Vault reference, or read through the template's managed identity) and revoke it"

_TEMPLATE_HEAD = '{\n  "type": "Microsoft.VirtualMachineImages/imageTemplates",\n  "properties": {\n    "customize": [\n'
_TEMPLATE_TAIL = "    ]\n  }\n}\n"


def _template(*customizers: str) -> str:
    return _TEMPLATE_HEAD + ",\n".join(f"      {customizer}" for customizer in customizers) + "\n" + _TEMPLATE_TAIL


class SecretInTemplate(Rule):
    id = "AIB400"
    name = "secret-in-template"
    severity = Severity.ERROR
    summary = "A secret written in the image template: a key, SAS token, connection string, client secret, private key, token or password"
    description = """\
An image template is an Azure resource: its `inline` commands and every other string in it
are stored by the service and shown to anyone with read access to the resource, to its
deployment history and to the repository it comes from. A secret written there is a
secret shared with all of them, for as long as it stays valid.

The rule looks at every string of the image template resource (the script and file URIs
excepted: a token there is AIB303's) and, in an ARM deployment template, at the default
values of its parameters and at its variables. It finds storage account keys and connection
strings, SAS token signatures, Entra ID client secrets, Azure DevOps, GitHub and other
services' tokens, private keys, passwords in URLs, credentials in HTTP `Authorization` headers
(`Bearer` and `token` values; a `Basic` value is decoded from base64 and the token inside it
named, such as the Azure DevOps token in `-Headers @{Authorization=("Basic {0}" -f "OjN1...")}`)
and values assigned to variables named like secrets (`export ARM_CLIENT_SECRET=...`,
`$adminPassword = '...'`); and `securestring`
parameters that have a default value. Stand-ins are not reported: ARM expressions
(`[parameters('adminPassword')]`), `<placeholders>`, variable references (`$env:PASS`,
`${PASS}`, `$(cat /run/secrets/x)`) and obvious examples (`changeme`, `xxxx`).

The message shows the secret masked (`sig=Ab…(44 chars)`), in every output format.

Sources: the image template reference (`image-builder-json.md`): "Don't put sensitive data
in inline commands" since the template stores them (aib-facts.md); the ARM template best
practices: secure parameters must not have a default value.

**Fix:** remove the secret, then revoke or rotate it: it has been exposed. Give the build
what it needs at build time instead: read a Key Vault secret or a storage blob through the
template's user-assigned identity, or use a `securestring` parameter without a default.
"""
    tags = ("security", "secret")
    security_severity = 9.0
    examples = (
        Example(
            _template(
                '{"type": "Shell", "name": "tools", "inline": ['
                '"export ARM_CLIENT_SECRET=Qm7rT2vX9kLp4sW8zN1b", '
                '"curl -fsSLo a.sh \\"https://contoso.blob.core.windows.net/s/a.sh?sv=2022-11-02&sp=r&sig=GOdg9wpCb0ZSX8eL2dQoxJxfsFmG7f7Uk%2B9apvbjPYw%3D\\""]}'
            ),
            ((5, 79), (5, 190)),
            "a client secret and a SAS token in inline commands",
        ),
        Example(
            _template(
                '{"type": "PowerShell", "name": "feed", "inline": ['
                '"$headers = @{Authorization=(\\"Basic {0}\\" -f \\"Om9iYnI2MnF1aWZsY3F2dWRhcDZkb2p6eG9ydm14dzU1NnRtazJqN2F3MmNsZnR4cWlnYm4=\\")}"]}'
            ),
            ((5, 105),),
            "an Azure DevOps token, base64 in a Basic Authorization header",
        ),
        Example(
            '{\n  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",\n'
            '  "parameters": {"adminPassword": {"type": "securestring", "defaultValue": "Hx93!kPq27wz"}},\n'
            '  "resources": [{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "name": "t",\n'
            '    "properties": {"customize": [{"type": "PowerShell", "name": "a", "inline": ["Write-Host hi"]}]}}]\n}\n',
            ((3, 76),),
            "a secure parameter with a default value",
        ),
        Example(
            _template(
                '{"type": "Shell", "name": "tools", "inline": ['
                '"export ARM_CLIENT_SECRET=\\"$CLIENT_SECRET\\"", '
                '"[concat(\'export ARM_CLIENT_SECRET=\', parameters(\'clientSecret\'))]", '
                '"curl -fsSLo a.sh \\"https://contoso.blob.core.windows.net/s/a.sh?<sasToken>\\"", '
                '"PASSWORD=changeme"]}'
            ),
            (),
            "references, expressions, placeholders and examples",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        from aiblint.secrets import scan_text

        for node in strings_under(template, template.resource).values:
            # scanned here first: most strings hold no secret, and need no place named
            if node.key not in _URI_FIELDS and scan_text(node.text):
                yield from _secrets_in(node, template.document, _where(node))

    def check_file(self, context: FileContext) -> Iterator[Problem]:
        seen: set[int] = set()
        for template in context.templates:
            arm = template.arm_template
            if arm is None or id(arm) in seen:
                continue
            seen.add(id(arm))
            yield from _in_deployment(arm, context.document)


def _in_deployment(arm: JsonObject, document: Document) -> Iterator[Problem]:
    parameters = arm.get("parameters")
    if isinstance(parameters, JsonObject):
        for name, parameter in parameters.items():
            if isinstance(parameter, JsonObject):
                yield from _parameter(name, parameter, document)
    variables = arm.get("variables")
    if isinstance(variables, (JsonObject, JsonArray)):
        from aiblint.secrets import scan_text

        for node in walk(variables):
            if isinstance(node, JsonString) and scan_text(node.text):
                yield from _secrets_in(node, document, "a variable")


def _parameter(name: str, parameter: JsonObject, document: Document) -> Iterator[Problem]:
    default = parameter.get("defaultValue")
    kind = parameter.get("type")
    secure = isinstance(kind, JsonString) and kind.text.casefold() in _SECURE_TYPES
    if secure and isinstance(default, JsonString) and default.text and not is_expression(default.text):
        yield Problem(
            f"secure parameter '{name}' has a default value ({mask(default.text)}), which the template stores in plain "
            f"text: remove the default and {_FIX}",
            node=default,
        )
        return
    if default is not None:
        for node in walk(default):
            if isinstance(node, JsonString):
                yield from _secrets_in(node, document, f"the default value of parameter '{name}'")


def _where(node: JsonString) -> str:
    """How a message names the place of a string: ``an inline command``, ``tags``."""
    parent = node.parent
    key = parent.key if isinstance(parent, JsonArray) else node.key
    if key == "inline":
        return "an inline command"
    return f"'{key}'" if isinstance(key, str) else "the template"


def _secrets_in(node: JsonString, document: Document, where: str) -> Iterator[Problem]:
    from aiblint.secrets import scan_text

    for match in scan_text(node.text):
        start = source_offset(document.text, node, match.start)
        end = source_offset(document.text, node, match.end)
        yield Problem(
            f"{match.describe()} in {where}: anyone who can read the template can use it; {_FIX}",
            node=node, start=start, end=end, document=document,
        )


class SecretInScript(Rule):
    id = "AIB401"
    name = "secret-in-script"
    severity = Severity.ERROR
    summary = "A secret written in a script that a customizer or validator runs"
    description = """\
A script referenced by `scriptUri` must be readable by the service, so it is usually in a
public repository or a storage account: a secret written in it is readable wherever the script
is, and it ends up in the build logs too.

The rule runs the detectors of AIB400 (keys, SAS tokens, connection strings, client secrets,
tokens, private keys, passwords in URLs, secret-named variables) over every referenced script
file aiblint resolves. Stand-ins (`$env:PASS`, `${PASS}`, `<password>`, `changeme`) are not
reported. Inline commands are AIB400's; credentials passed on command lines are AIB402's.

Sources: as AIB400; aib-runtime.md §1-2 (how scripts are downloaded and run).

**Fix:** remove the secret from the script and revoke it; read it at build time from Key
Vault or a storage account through the template's managed identity.
"""
    tags = ("security", "secret")
    security_severity = 9.0
    examples = (
        Example(
            _template('{"type": "Shell", "name": "setup", "scriptUri": "setup.sh"}'),
            ((3, 29),),
            "an Azure DevOps token in the script (the position is in setup.sh)",
            files=(("setup.sh", "#!/bin/bash\nset -e\nexport AZURE_DEVOPS_EXT_PAT=obbr62quiflcqvudap6dojzxorvmxw556tmk2j7aw2clftxqigbn\n"),),
        ),
        Example(
            _template('{"type": "Shell", "name": "setup", "scriptUri": "setup.sh"}'),
            (),
            "the token read at build time",
            files=(("setup.sh", "#!/bin/bash\nset -e\nexport AZURE_DEVOPS_EXT_PAT=\"$(az keyvault secret show --vault-name kv -n pat --query value -o tsv)\"\n"),),
        ),
    )

    def check_script(self, unit: ScriptUnit) -> Iterator[Problem]:
        if unit.origin != "file":
            return
        from aiblint.secrets import scan_text

        for match in scan_text(unit.text):
            message = f"{match.describe()} in a script: anyone who can read the script or the build log can use it; {_FIX}"
            yield problem_at(unit, match.start, match.end, message)


class CredentialOnCommandLine(Rule):
    id = "AIB402"
    name = "credential-on-command-line"
    severity = Severity.ERROR
    summary = "A literal password, client secret or token passed on a command line in a script"
    description = """\
`subscription-manager register --password P@ss`, `az login -p <secret>`,
`ConvertTo-SecureString 'P@ss' -AsPlainText`, `net user builder P@ss /add`,
`echo 'root:P@ss' | chpasswd`: the credential is written in the script (stored in the
template for inline commands), shows in the build log and, while the command runs, in the
process list of the build VM. An account created this way also keeps that password in the
image.

The rule reads the scripts with real grammars (tree-sitter), so only literal values count:
`--password "$RH_PASSWORD"`, `$env:ADMIN_PASSWORD` or a value read from a file are fine, and a
command in a comment or a string is not a command. Covered: `subscription-manager register`
(`--password`, `--activationkey`), `rhc connect`, `az login` (`-p`, `--password`,
`--federated-token`), `--password`/`--client-secret`/`--token`/`--account-key`-style options of
any command, `-p` of `sshpass`, `docker login` and `mysql -pSECRET`, `chpasswd` input,
`sudo -S`, `passwd --stdin` and `--password-stdin` fed by `echo`, `useradd -p`,
`openssl passwd`, `htpasswd -b`, `curl -u user:password`, `net user`,
`ConvertTo-SecureString -AsPlainText`, `Connect-AzAccount -AccessToken` and PowerShell
`-Password`/`-ClientSecret`-style parameters, `NetworkCredential` constructors. A credential
in an HTTP header (`curl -H "Authorization: Bearer ..."`, `-Headers @{Authorization=("Basic
{0}" -f "...")}`, the Basic value decoded) is found by the token detectors and reported once,
as AIB400 in an inline command or AIB401 in a script file.

Sources: the manual pages and command references of those tools (see
`aiblint/secrets/commands.py`); the image template reference warns against secrets in inline
commands (aib-facts.md).

**Fix:** read the credential at build time (Key Vault through the managed identity, an
environment variable set from a secret) and pass it without writing it: `--password-stdin`,
`az login --identity`, `Connect-AzAccount -Identity`. Revoke the exposed one.
"""
    tags = ("security", "secret")
    security_severity = 8.0
    examples = (
        Example(
            _template(
                '{"type": "Shell", "name": "register", "inline": ['
                '"sudo subscription-manager register --username builder --password \'Rh8!kq29Lz\' --auto-attach"]}'
            ),
            ((5, 123),),
            "a literal password",
        ),
        Example(
            _template(
                '{"type": "PowerShell", "name": "user", "inline": ['
                '"$pw = ConvertTo-SecureString \'Hx93!kPq27wz\' -AsPlainText -Force", '
                '"net user builder Hx93!kPq27wz /add"]}'
            ),
            ((5, 88), (5, 142)),
            "PowerShell",
        ),
        Example(
            _template(
                '{"type": "Shell", "name": "register", "inline": ['
                '"sudo subscription-manager register --username builder --password \\"$RH_PASSWORD\\"", '
                '"# az login -p Zx9-kd83jdKa82", '
                '"echo \'subscription-manager register --password Rh8!kq29Lz\'"]}'
            ),
            (),
            "variables, comments and strings",
        ),
        Example(
            """resource it 'Microsoft.VirtualMachineImages/imageTemplates@2024-02-01' = {
  name: 'rhel'
  properties: {
    customize: [
      {
        type: 'Shell'
        name: 'register'
        inline: [ 'sudo subscription-manager register --username builder --password \\'Rh8!kq29Lz\\' --auto-attach' ]
      }
    ]
  }
}
""",
            ((8, 87),),
            "Bicep: through the \\' escapes",
            filename="template.bicep",
        ),
    )

    def check_script(self, unit: ScriptUnit) -> Iterator[Problem]:
        from aiblint.secrets import scan_text
        from aiblint.secrets.commands import command_credentials

        tokens = scan_text(unit.text)  # reported by AIB400/AIB401 already
        where = "the template" if unit.origin == "inline" else "the script"
        for match in command_credentials(unit.syntax()):
            if any(token.start < match.end and match.start < token.end for token in tokens):
                continue
            message = (
                f"literal {match.kind} passed to `{match.label}` ({mask(match.value)}): anyone who can read {where} or the "
                f"build log can use it; {_FIX}"
            )
            yield problem_at(unit, match.start, match.end, message)
