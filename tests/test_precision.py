"""Issue 15's minimal reproductions of false or missing findings on documented, working
templates: each test failed before its fix."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from aiblint.config import Config
from aiblint.engine import Linter
from aiblint.registry import RuleSet
from aiblint.selection import Selection

Found = list[tuple[int, int, str, str]]

IDENTITY_ID = (
    "/subscriptions/0b4ea3c1-5f6d-4b3a-9c1e-2f1e0d9a8b7c/resourceGroups/ops/providers/"
    "Microsoft.ManagedIdentity/userAssignedIdentities/aib"
)
SOURCE = {"type": "PlatformImage", "publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server",
          "version": "latest"}
VHD = [{"type": "VHD", "runOutputName": "vhd"}]


def lint(text: str, *rules: str) -> Found:
    linter = Linter(RuleSet.load(Selection(select=rules or ("AIB",))), Config())
    findings, _ = linter.lint_bytes(text.encode(), "t.json", True)
    return [(f.line, f.column, f.rule, f.message) for f in findings]


def at(text: str, needle: str) -> tuple[int, int]:
    """Line and column (1-based) of the first ``needle`` in ``text``."""
    offset = text.index(needle)
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def bare(api: str, identity: object = None, **properties: object) -> str:
    """A complete, valid bare template, one member per line from line 2 on."""
    resource = {
        "type": "Microsoft.VirtualMachineImages/imageTemplates",
        "apiVersion": api,
        "location": "westus2",
        "identity": identity or {"type": "UserAssigned", "userAssignedIdentities": {IDENTITY_ID: {}}},
        "properties": {"source": SOURCE, "distribute": VHD, **properties},
    }
    lines = [f"  {json.dumps(key)}: {json.dumps(value)}" for key, value in resource.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


@pytest.mark.parametrize("api", ["2022-02-14", "2024-02-01", "2025-10-01"])
def test_empty_staging_resource_group_is_documented(api: str) -> None:
    # "If this field is empty, a resource group with a random name will be created"
    # (stagingResourceGroup in the swagger-derived types, 2022-02-14 and later)
    assert lint(bare(api, stagingResourceGroup="")) == []


def test_staging_resource_group_still_checked() -> None:
    text = bare("2022-02-14", stagingResourceGroup="IT_staging")
    found = lint(text, "AIB209")
    assert [(line, column, rule) for line, column, rule, _ in found] == [(*at(text, '"IT_staging"'), "AIB209")]


def test_identity_read_with_the_case_tolerance_of_the_api_version() -> None:
    identity = {"type": "UserAssigned", "UserAssignedIdentities": {IDENTITY_ID: {}}}
    assert lint(bare("2020-02-14", identity)) == [
        (5, 40, "AIB103", '"UserAssignedIdentities" should be "userAssignedIdentities": api 2020-02-14 still accepts '
         "the wrong case, 2024-02-01 and later reject it"),
    ]
    # 2024-02-01 rejects the wrong case: the service reads no identity there
    strict = lint(bare("2024-02-01", identity), "AIB103", "AIB203")
    assert [(line, column, rule) for line, column, rule, _ in strict] == [(5, 15, "AIB203"), (5, 40, "AIB103")]


def test_mis_cased_identity_key_is_still_checked_as_an_id() -> None:
    identity = {"type": "UserAssigned", "UserAssignedIdentities": {"aib": {}}}
    text = bare("2020-02-14", identity)
    found = lint(text, "AIB209")
    assert [(line, column, rule) for line, column, rule, _ in found] == [(*at(text, '"aib"'), "AIB209")]


@pytest.mark.parametrize("size", [0, 60])
def test_os_disk_size_under_2019_05_01_preview(size: int) -> None:
    found = lint(bare("2019-05-01-preview", vmProfile={"vmSize": "Standard_D2s_v3", "osDiskSizeGB": size}))
    assert [rule for _, _, rule, _ in found] == ["AIB100"]  # the preview api version, nothing about the disk


def test_windows_update_under_2019_05_01_preview() -> None:
    customize = [{"type": "WindowsUpdate", "name": "updates", "searchCriteria": "IsInstalled=0", "updateLimit": 20},
                 {"type": "WindowsRestart", "name": "restart"}]
    found = lint(bare("2019-05-01-preview", customize=customize), "AIB1")
    assert [rule for _, _, rule, _ in found] == ["AIB100"]


def test_a_later_property_is_still_reported_under_2019_05_01_preview() -> None:
    text = bare("2019-05-01-preview", vmProfile={"vmSize": "Standard_D2s_v3", "vnetConfig": {}})
    found = lint(text, "AIB104")
    assert [(line, column, rule) for line, column, rule, _ in found] == [(*at(text, '"vnetConfig"'), "AIB104")]


@pytest.mark.parametrize("host", ["example.com", "example.org", "example.net", "downloads.example"])
def test_plain_http_on_a_documentation_host_is_reported(host: str) -> None:
    customize = [{"type": "Shell", "name": "setup", "scriptUri": f"http://{host}/setup.sh",
                  "sha256Checksum": "a" * 64}]
    text = bare("2022-07-01", customize=customize)
    found = lint(text, "AIB301", "AIB305")
    line, column = at(text, '"http:')  # the whole value, as AIB304 and AIB305 mark it
    assert found == [(line, column, "AIB301", "scriptUri uses http://, not https://: anyone on the network path can read "
                                        "or change what is downloaded; use the https URL of the file")]


def test_placeholders_one_finding_per_value() -> None:
    staging = "/subscriptions/<subscriptionID>/resourceGroups/<rgName>-<rgName>"
    text = bare("2022-07-01", stagingResourceGroup=staging)
    found = lint(text, "AIB003")
    assert found == [(*at(text, "<subscriptionID>"), "AIB003", "unreplaced placeholders <subscriptionID> and <rgName>: replace them with "
                                        "real values before deploying")]


@pytest.mark.parametrize(
    ("line", "placeholder"),
    [
        ("wget -O /tmp/a.zip '<Shared Access Signature to archive file>'", "<Shared"),
        ("az group create -n build -l <region> -o none", "<region>"),
        ('echo "key=<storage key>" > /tmp/k', "<storage key>"),
        ("<command to run inline>", "<command"),
    ],
)
def test_placeholders_in_script_lines(line: str, placeholder: str) -> None:
    customize = [{"type": "Shell", "name": "setup", "inline": [line]}]
    text = bare("2022-07-01", customize=customize)
    found = lint(text, "AIB003")
    assert [(row, col, rule) for row, col, rule, _ in found] == [(*at(text, placeholder), "AIB003")]


@pytest.mark.parametrize(
    "line",
    ["echo '<h1>hi</h1>' > /var/www/index.html", "sort <in >out", "cat <<EOF > /tmp/x", "# set <tenantId> here",
     "echo '<configuration><appSettings></appSettings></configuration>' > web.config", "grep -c x <in.txt>out.txt"],
)
def test_script_syntax_is_not_a_placeholder(line: str) -> None:
    customize = [{"type": "Shell", "name": "setup", "inline": [line]}]
    assert lint(bare("2022-07-01", customize=customize), "AIB003") == []


WINDOWS = {"type": "PlatformImage", "publisher": "MicrosoftWindowsServer", "offer": "WindowsServer",
           "sku": "2022-datacenter", "version": "latest"}


@pytest.mark.parametrize(
    ("source", "destination", "expected"),
    [
        (WINDOWS, "install.ps1", "is not an absolute path"),
        (SOURCE, "install.sh", "is not an absolute path"),  # one finding, not also "outside /tmp"
        (None, "scripts\\install.ps1", "is not an absolute path"),  # the OS is not known: still relative
        (SOURCE, "/etc/app.conf", "on Linux the build user can only write under /tmp"),
        (WINDOWS, "C:\\BuildArtifacts\\install.ps1", None),
        (WINDOWS, "c:/BuildArtifacts/install.ps1", None),
        (WINDOWS, "%TEMP%\\install.ps1", None),
        (SOURCE, "/tmp/install.sh", None),
    ],
)
def test_file_destination_must_be_absolute(source: object, destination: str, expected: str | None) -> None:
    customize = [{"type": "File", "name": "installer", "sourceUri": "https://contoso.com/i", "destination": destination}]
    text = bare("2022-07-01", customize=customize)
    if source is None:
        text = text.replace(json.dumps(SOURCE), '{"type": "ManagedImage", "imageId": "[parameters(\'image\')]"}')
    elif source is WINDOWS:
        text = text.replace(json.dumps(SOURCE), json.dumps(WINDOWS))
    found = lint(text, "AIB205")
    if expected is None:
        assert found == []
    else:
        assert [(line, column, rule) for line, column, rule, _ in found] == [
            (*at(text, json.dumps(destination)), "AIB205")]
        assert expected in found[0][3]


ADO_PAT = "obbr62quiflcqvudap6dojzxorvmxw556tmk2j7aw2clftxqigbn"  # a random string of the right shape
BASIC_ADO = "Om9iYnI2MnF1aWZsY3F2dWRhcDZkb2p6eG9ydm14dzU1NnRtazJqN2F3MmNsZnR4cWlnYm4="  # base64 of ":" + ADO_PAT
BEARER = "8f3kq0vZr7Lm2Xw9Pb4Tn6Yc1Hd5Js0A"


@pytest.mark.parametrize(
    ("line", "secret", "kind"),
    [
        (f'$h = @{{Authorization=("Basic {{0}}" -f "{BASIC_ADO}")}}; Invoke-WebRequest -Uri $u -Headers $h', BASIC_ADO,
         "Azure DevOps personal access token (base64 in an HTTP Basic Authorization header) Om…(72 chars)"),
        (f'curl -H "Authorization: Basic {BASIC_ADO}" -o /tmp/a.zip "$URL"', BASIC_ADO,
         "Azure DevOps personal access token (base64 in an HTTP Basic Authorization header) Om…(72 chars)"),
        (f'curl -H "Authorization: Bearer {BEARER}" -o /tmp/a.zip "$URL"', BEARER,
         "token in an HTTP Authorization header 8f…(32 chars)"),
        ('curl -H "Authorization: token ghp_16C7e42F292c6912E7710c838347Ae178B4a" -o /tmp/a.zip "$URL"',
         "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "GitHub token gh…(40 chars)"),
    ],
)
def test_credentials_in_http_headers(write, line: str, secret: str, kind: str) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import main_in_process

    customize = [{"type": "Shell", "name": "fetch", "inline": [line]}]
    text = bare("2022-07-01", customize=customize)
    found = lint(text, "AIB400", "AIB402")
    assert [(row, column, rule) for row, column, rule, _ in found] == [(*at(text, secret), "AIB400")]
    assert found[0][3].startswith(f"{kind} in an inline command: ")
    path = write("t.json", text)
    for output in ("text", "json", "sarif"):
        _, out = main_in_process("--no-cache", "--select", "AIB400", "--format", output, str(path))
        assert "AIB400" in out
        assert secret not in out and ADO_PAT not in out


def deployment(parameters: Mapping[str, object], variables: Mapping[str, object], resource: Mapping[str, object]) -> str:
    """A deployment template with one image template, one member per line from line 2 on."""
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "parameters": parameters,
        "variables": variables,
        "resources": [{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01",
                       "name": "t", "location": "westus2", **resource}],
    }
    lines = [f"  {json.dumps(key)}: {json.dumps(value)}" for key, value in template.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


SECRET_PARAMETERS: dict[str, object] = {"adminPassword": {"type": "securestring"}, "settings": {"type": "secureObject"},
                     "userName": {"type": "string", "defaultValue": "builder"}}


@pytest.mark.parametrize(
    ("variables", "resource", "where", "message"),
    [
        ({}, {"properties": {"customize": [{"type": "Shell", "name": "a", "inline": [
            "[concat('echo ', parameters('adminPassword'))]"]}]}},
         "[concat('echo ', parameters('adminPassword'))]", "secure parameter 'adminPassword' flows into an inline command,"),
        ({"line": "[format('net user {0} {1} /add', parameters('userName'), parameters('adminPassword'))]",
          "lines": ["[variables('line')]"]},
         {"properties": {"customize": [{"type": "PowerShell", "name": "a", "inline": "[variables('lines')]"}]}},
         "[variables('lines')]",
         "secure parameter 'adminPassword' flows into an inline command (through variable 'lines', 'line'),"),
        ({"cfg": {"user": "[parameters('userName')]", "pass": "[base64(parameters('adminPassword'))]"}},
         {"tags": {"owner": "[variables('cfg').user]", "login": "[variables('cfg').pass]"}},
         "[variables('cfg').pass]", "secure parameter 'adminPassword' flows into resources[0].tags.login (through variable 'cfg'),"),
        ({}, {"properties": {"customize": [{"type": "WindowsRestart", "name": "r",
                                            "restartCommand": "[parameters('settings').restart]"}]}},
         "[parameters('settings').restart]", "secure parameter 'settings' flows into resources[0].properties.customize[0].restartCommand,"),
        ({}, {"properties": {"customize": [{"type": "Shell", "name": "a", "inline": [
            "[if(equals(parameters('userName'), 'x'), parameters('adminPassword'), 'none')]"]}]}},
         "[if(", "secure parameter 'adminPassword' flows into an inline command,"),
    ],
)
def test_secure_parameter_flows_into_a_stored_field(variables: dict[str, object], resource: dict[str, object],
                                                    where: str, message: str) -> None:
    text = deployment(SECRET_PARAMETERS, variables, resource)
    found = lint(text, "AIB403")
    assert [(line, column, rule) for line, column, rule, _ in found] == [(*at(text, json.dumps(where)[:-1]), "AIB403")]
    assert found[0][3].startswith(message)
    assert found[0][3].endswith("read the secret inside the script at build time instead, from Key Vault through the "
                                "template's managed identity")


@pytest.mark.parametrize(
    "value",
    [
        "[format('echo {0} characters', length(parameters('adminPassword')))]",
        "[if(empty(parameters('adminPassword')), 'echo none', 'echo set')]",
        "[concat('echo ', uniqueString(parameters('adminPassword')))]",
        "[concat('echo ', parameters('userName'))]",
        "[variables('cfg').user]",
        "$password = Get-AzKeyVaultSecret -VaultName kv -Name admin -AsPlainText",
    ],
)
def test_what_does_not_carry_a_secure_value(value: str) -> None:
    variables = {"cfg": {"user": "[parameters('userName')]", "pass": "[parameters('adminPassword')]"}}
    resource = {"properties": {"customize": [{"type": "PowerShell", "name": "a", "inline": [value]}]}}
    assert lint(deployment(SECRET_PARAMETERS, variables, resource), "AIB403") == []


def test_a_secure_value_doubled_through_variables_is_followed_once() -> None:
    variables: dict[str, object] = {"v0": "[parameters('adminPassword')]"}
    for index in range(1, 48):  # 2**47 characters written out
        variables[f"v{index}"] = f"[concat(variables('v{index - 1}'), variables('v{index - 1}'))]"
    resource = {"properties": {"customize": [{"type": "Shell", "name": "a", "inline": ["[variables('v47')]"]}]}}
    found = lint(deployment(SECRET_PARAMETERS, variables, resource), "AIB403")
    assert len(found) == 1
    assert found[0][3].startswith(
        "secure parameter 'adminPassword' flows into an inline command (through variable 'v47', 'v46', 'v45' and 45 more),")


@pytest.mark.parametrize(("api", "rules"), [("2020-02-14", ["AIB103", "AIB501"]), ("2024-02-01", ["AIB103", "AIB206"])])
def test_a_mis_cased_inline_is_read_where_the_service_reads_it(api: str, rules: list[str]) -> None:
    customize = [{"type": "Shell", "name": "a", "Inline": ["sudo reboot"]}]
    found = lint(bare(api, customize=customize), "AIB103", "AIB206", "AIB501")
    assert sorted(rule for _, _, rule, _ in found) == rules


def test_arm_only_keys_of_the_resource_are_not_stored() -> None:
    resource = {"condition": "[not(equals(concat('x', parameters('adminPassword')), 'x'))]",
                "comments": "[concat('for ', parameters('adminPassword'))]",
                "properties": {"customize": [{"type": "Shell", "name": "a", "inline": ["echo hi"]}]}}
    assert lint(deployment(SECRET_PARAMETERS, {}, resource), "AIB403") == []


def test_a_mis_cased_name_still_counts_for_duplicates_where_the_service_reads_it() -> None:
    customize = [{"type": "Shell", "name": "setup", "inline": ["echo a"]},
                 {"type": "Shell", "Name": "setup", "inline": ["echo b"]}]
    assert [rule for _, _, rule, _ in lint(bare("2020-02-14", customize=customize), "AIB201")] == ["AIB201"]
    assert lint(bare("2024-02-01", customize=customize), "AIB201") == []


# -- AIB403 into nested deployments ------------------------------------------------------------

NESTED = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"adminPassword": {"type": "securestring"}, "userName": {"type": "string", "defaultValue": "builder"}},
  "variables": {"pw": "[parameters('adminPassword')]"},
  "resources": [{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "image",
    "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "SCOPE"},
      "parameters": {"password": {"value": "GIVEN"}, "user": {"value": "[parameters('userName')]"}},
      "template": {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"password": {"type": "DECLARED"}, "user": {"type": "string"}},
        "resources": [{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "name": "t",
          "properties": {"customize": [{"type": "PowerShell", "name": "user", "inline": [
            "[concat('net user ', parameters('user'), ' ', parameters('USED'), ' /add')]"]}]}}]}}}]
}
"""
_STORED = (", which the image template stores in clear (readable by anyone with read access to it, and shown in the "
           "build log): read the secret inside the script at build time instead, from Key Vault through the template's "
           "managed identity")


def _nested(scope: str = "inner", given: str = "[variables('pw')]", declared: str = "string", used: str = "password") -> str:
    return (NESTED.replace("SCOPE", scope).replace("GIVEN", given).replace("DECLARED", declared)
            .replace("USED", used))


@pytest.mark.parametrize(("text", "message"), [
    # inner scope: handed on through the deployment's parameters, declared a plain string inside
    (_nested(), "secure parameter 'adminPassword' (given to a nested deployment as parameter 'password') flows into an "
                "inline command (through variable 'pw')"),
    (_nested(given="[parameters('adminPassword')]"),
     "secure parameter 'adminPassword' (given to a nested deployment as parameter 'password') flows into an inline command"),
    # declared secure inside: its own name
    (_nested(declared="securestring", given="[parameters('userName')]"),
     "secure parameter 'password' flows into an inline command"),
    # outer scope (the default): the nested template reads the outer parameter itself
    (_nested(scope="outer", used="adminPassword"), "secure parameter 'adminPassword' flows into an inline command"),
])
def test_a_secure_value_is_followed_into_a_nested_deployment(text: str, message: str) -> None:
    found = lint(text, "AIB403")
    assert found == [(14, 13, "AIB403", message + _STORED)]


@pytest.mark.parametrize("given", ["[parameters('userName')]", "[length(parameters('adminPassword'))]", "plain"])
def test_a_nested_deployment_given_no_secure_value(given: str) -> None:
    assert lint(_nested(given=given), "AIB403") == []
