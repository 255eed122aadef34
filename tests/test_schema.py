"""AIB100-AIB105: schema validation per api version, through the real engine."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiblint import schema_data
from aiblint.config import Config
from aiblint.engine import Linter
from aiblint.findings import Finding
from aiblint.jsontree import JsonString, walk
from aiblint.model import ImageTemplate
from aiblint.registry import RuleSet
from aiblint.selection import Selection
from aiblint.values import UNKNOWN, Resolved

LINTER = Linter(RuleSet.load(Selection.of(["AIB1"], None)), Config())
IDENTITY = {
    "type": "UserAssigned",
    "userAssignedIdentities": {
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/"
        "Microsoft.ManagedIdentity/userAssignedIdentities/aib": {}
    },
}
IMAGE_ID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/images/img"


def lint(text: str, name: str = "t.json") -> list[Finding]:
    findings, _ = LINTER.lint_bytes(text.encode(), name)
    return [finding for finding in findings if finding.rule.startswith("AIB1")]


def places(text: str) -> list[tuple[str, int, int, str]]:
    return [(f.rule, f.line, f.column, f.severity.label) for f in lint(text)]


def messages(text: str) -> list[str]:
    return [f"{f.rule} {f.message}" for f in lint(text)]


def template(properties: str, api: str = "2024-02-01", top: str = "") -> str:
    """A bare template; ``properties`` starts on line 6."""
    return (
        "{\n"
        '  "type": "Microsoft.VirtualMachineImages/imageTemplates",\n'
        f'  "apiVersion": "{api}",\n'
        f'  "location": "westus2",{top}\n'
        '  "properties": {\n'
        f"{properties}\n"
        "  }\n"
        "}\n"
    )


SOURCE = '"source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"}'
VHD = '"distribute": [{"type": "VHD", "runOutputName": "vhd"}]'


# -- clean templates -------------------------------------------------------------------


def clean_template(version: str) -> dict[str, Any]:
    """A complete, valid template for ``version``, as the schema spells it."""
    oldest = version == "2018-02-01-preview"
    order = schema_data.order(version)
    shell = (
        {"type": "shell", "name": "setup", "script": "https://example.com/setup.sh"}
        if oldest
        else {"type": "Shell", "name": "setup", "inline": ["sudo apt-get update"]}
    )
    properties: dict[str, Any] = {
        "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "UbuntuServer", "sku": "18.04-LTS",
                   "version": "latest"},
        "customize": [shell],
        "distribute": [
            {"type": "managedImage" if oldest else "ManagedImage", "imageId": IMAGE_ID, "location": "westus2",
             "runOutputName": "img", "artifactTags": {"team": "web"}},
            {"type": "sharedImage" if oldest else "SharedImage", "runOutputName": "sig",
             "galleryImageId": IMAGE_ID.replace("images/img", "galleries/g/images/def"),
             "replicationRegions": ["westus2"]},
        ],
    }
    resource: dict[str, Any] = {
        "type": "Microsoft.VirtualMachineImages/imageTemplates",
        "apiVersion": version,
        "name": "img-template",
        "location": "westus2",
        "tags": {"owner": "images"},
        "properties": properties,
    }
    if order >= schema_data.order("2019-05-01-preview"):
        resource["identity"] = IDENTITY
        properties["buildTimeoutInMinutes"] = 80
        properties["vmProfile"] = {"vmSize": "Standard_D2s_v3"}
    if order >= schema_data.order("2020-02-14"):
        properties["customize"].append({"type": "WindowsRestart", "restartTimeout": "5m"})
        properties["vmProfile"]["osDiskSizeGB"] = 64
    return resource


@pytest.mark.parametrize("version", schema_data.api_versions())
def test_a_clean_template_has_no_schema_finding(version: str) -> None:
    got = places(json.dumps(clean_template(version), indent=2))
    expected_lifecycle = [("AIB100", 3, 17, "warning")] if version.endswith("-preview") else []
    assert got == expected_lifecycle


def test_a_template_using_everything_2025_10_01_offers_is_clean() -> None:
    resource = clean_template("2025-10-01")
    properties = resource["properties"]
    properties["distribute"][1] = {
        "type": "SharedImage", "runOutputName": "sig", "galleryImageId": "/subscriptions/x/galleries/g/images/def",
        "targetRegions": [{"name": "westus2", "replicaCount": 2, "storageAccountType": "Premium_LRS"}],
        "versioning": {"scheme": "Latest", "major": 2}, "excludeFromLatest": False, "replicationMode": "Shallow",
    }
    properties["distribute"].append({"type": "VHD", "runOutputName": "vhd", "uri": "https://example.blob.core.windows.net/c/x.vhd"})
    properties["customize"] += [
        {"type": "PowerShell", "name": "ps", "scriptUri": "https://example.com/a.ps1", "sha256Checksum": "0" * 64,
         "runElevated": True, "runAsSystem": True, "validExitCodes": [0, 3010]},
        {"type": "WindowsUpdate", "searchCriteria": "IsInstalled=0", "filters": ["include:$true"], "updateLimit": 20},
        {"type": "File", "sourceUri": "https://example.com/f", "destination": "/tmp/f"},
    ]
    properties.update({
        "stagingResourceGroup": "/subscriptions/x/resourceGroups/staging",
        "validate": {"continueDistributeOnFailure": False, "sourceValidationOnly": False,
                     "inVMValidations": [{"type": "Shell", "name": "check", "inline": ["true"]},
                                         {"type": "File", "sourceUri": "https://example.com/f", "destination": "/tmp/g"}]},
        "optimize": {"vmBoot": {"state": "Enabled"}, "workload": {"state": "Disabled"}},
        "errorHandling": {"onCustomizerError": "abort", "onValidationError": "cleanup"},
        "autoRun": {"state": "Disabled"},
        "managedResourceTags": {"a": "b"},
        "additionalDataDisks": [{"sizeGB": 128}],
        "vmProfile": {"vmSize": "Standard_D2s_v3", "osDiskSizeGB": 0, "userAssignedIdentities": ["/x"],
                      "vnetConfig": {"subnetId": "/s", "containerInstanceSubnetId": "/c"}},
    })
    properties["source"]["planInfo"] = {"planName": "a", "planProduct": "b", "planPublisher": "c"}
    assert places(json.dumps(resource, indent=2)) == []


def test_arm_template_keys_are_not_properties() -> None:
    resource = clean_template("2024-02-01")
    resource.update({"dependsOn": ["[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'aib')]"],
                     "condition": True, "comments": "x", "metadata": {"a": 1}, "copy": {"name": "c", "count": 1},
                     "scope": "x", "resources": []})
    resource["name"] = "[concat(parameters('base'), '-template')]"
    document = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0", "parameters": {"base": {"type": "string"}}, "resources": [resource]}
    assert places(json.dumps(document, indent=2)) == []


# -- AIB100 --------------------------------------------------------------------------


EVERY = " (in every api version from 2019-05-01-preview to 2025-10-01)"


def test_unknown_api_version_is_an_error_and_what_every_version_rejects_is_reported() -> None:
    text = template(f'    {SOURCE},\n    "distribute": [{{"type": "VHD", "runOutputName": "a b", "aritfactTags": {{}}}}]', api="2024-02-02")
    assert messages(text) == [
        'AIB100 unknown apiVersion "2024-02-02": did you mean "2024-02-01"? Microsoft.VirtualMachineImages/imageTemplates '
        "has 2018-02-01-preview, 2019-02-01-preview, 2019-05-01-preview, 2020-02-14, 2021-10-01, 2022-02-14, "
        "2022-07-01, 2023-07-01, 2024-02-01, 2025-10-01; checked against every api version from 2019-05-01-preview "
        "to 2025-10-01; only what is wrong in all of them is reported",
        "AIB101 runOutputName \"a b\" must be 1 to 64 letters, digits, '-', '_' or '.'; ' ' is not allowed "
        "(api 2019-05-01-preview)" + EVERY,
        'AIB102 unknown property "aritfactTags" in a VHD distributor: did you mean "artifactTags"? '
        "(api 2019-05-01-preview allows artifactTags, runOutputName, type)" + EVERY,
    ]
    assert places(text)[2][3] == "warning"  # the version is not known: the service's strictness neither


def test_retired_and_deprecated_versions_are_warnings() -> None:
    assert messages(json.dumps(clean_template("2018-02-01-preview"))) == [
        "AIB100 api 2018-02-01-preview is retired: since June 2020 the service rejects templates without a "
        "user-assigned identity, which api versions before 2019-05-01-preview cannot declare; move to 2025-10-01"
    ]
    assert messages(json.dumps(clean_template("2019-05-01-preview"))) == [
        "AIB100 api 2019-05-01-preview is a preview api version, deprecated but still supported; move to 2025-10-01"
    ]


def test_an_api_version_expression_gets_one_note_and_what_every_version_rejects() -> None:
    text = template(f'    {SOURCE},\n    "buildTimeoutInMinutes": 5000,\n    "distribute": [{{"type": "VHD", "runOutputName": "a b"}}],\n'
                    '    "customize": [{"type": "Shell", "scriptUrl": "https://x"}]', api="[parameters('api')]")
    assert places(text) == [("AIB100", 3, 17, "note"), ("AIB101", 7, 30, "error"), ("AIB101", 8, 53, "error"),
                            ("AIB102", 9, 37, "warning")]
    assert messages(text)[:2] == [
        "AIB100 apiVersion cannot be known statically: checked against every api version from 2019-05-01-preview "
        "to 2025-10-01, and only what is wrong in all of them is reported; for the full check, write it as a "
        "literal, or as a parameter with a defaultValue or a value passed with -p",
        "AIB101 buildTimeoutInMinutes is 5000; api 2019-05-01-preview allows 0 to 960" + EVERY]


def test_a_parameter_api_version_names_the_parameter_and_its_allowed_values() -> None:
    deployment = {"parameters": {"v": {"type": "string", "allowedValues": ["2022-02-14", "2024-02-01"]}},
                  "resources": [{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "[parameters('v')]",
                                 "name": "t", "location": "westus2", "identity": IDENTITY,
                                 "properties": {"source": {"type": "PlatformImage", "publisher": "p", "offer": "o",
                                                           "sku": "s", "version": "latest"},
                                                "distribute": [{"type": "VHD", "runOutputName": {"a": 1}}]}}]}
    assert messages(json.dumps(deployment, indent=1)) == [
        "AIB100 apiVersion cannot be known statically: checked against api 2022-02-14, 2024-02-01 (its "
        "allowedValues), and only what is wrong in all of them is reported; for the full check, give parameter "
        "'v' a defaultValue, or pass its value with -p",
        "AIB101 runOutputName is an object; api 2022-02-14 expects a string (in every api version from 2022-02-14 "
        "to 2024-02-01)"]


def test_versions_that_lack_what_the_template_uses_are_left_out() -> None:
    """An ISO source: only 2019-05-01-preview (of the supported versions) has it, so the
    case of "sourceURI" is judged there; "script" no supported version has."""
    text = template('    "source": {"type": "ISO", "sourceURI": "https://x/rhel.iso", "sha256Checksum": "ab"},\n'
                    '    "customize": [{"type": "Shell", "script": "https://x/a.sh"}],\n' + "    " + VHD, api="[parameters('v')]")
    assert places(text) == [("AIB100", 3, 17, "note"), ("AIB103", 6, 31, "warning"), ("AIB102", 7, 37, "warning")]
    assert messages(text)[1] == (
        'AIB103 "sourceURI" should be "sourceUri" as api 2019-05-01-preview spells it (only api 2018-02-01-preview, '
        '2019-02-01-preview spelt it "sourceURI"); 2024-02-01 and later reject the wrong case (in api '
        "2019-05-01-preview, the version that has the most of the property names and types it uses)"
    )


def test_a_value_only_newer_versions_have_leaves_the_older_ones_out() -> None:
    text = template(f'    {SOURCE},\n    "vmProfile": {{"vnetConfig": "/subscriptions/0/x"}},\n    {VHD}',
                    api="[parameters('v')]")
    assert messages(text)[1] == (
        'AIB101 vnetConfig is a string ("/subscriptions/0/x"); api 2020-02-14 expects an object (in every api version '
        "from 2020-02-14 to 2025-10-01, the versions that have every one of the property names and types it uses)")


def test_missing_api_version() -> None:
    deployment = {"resources": [{"type": "Microsoft.VirtualMachineImages/imageTemplates", "name": "t",
                                 "location": "westus2", "properties": {}}]}
    assert places(json.dumps(deployment)) == [("AIB100", 1, 16, "error"), ("AIB101", 1, 110, "error")]
    bare = {"type": "Microsoft.VirtualMachineImages/imageTemplates", "location": "westus2", "properties": {}}
    assert places(json.dumps(bare)) == []  # the client names the version (az resource create --api-version)


# -- AIB101 --------------------------------------------------------------------------


def test_each_value_problem_once_at_the_value() -> None:
    text = template(
        f'    {SOURCE},\n'
        '    "buildTimeoutInMinutes": "60",\n'
        '    "vmProfile": {"osDiskSizeGB": -1, "vmSize": 2},\n'
        '    "customize": [{"type": "PowerShell", "inline": "Write-Host hi", "validExitCodes": [0, "1"]}, "echo"],\n'
        '    "distribute": [{"type": "SharedImage", "runOutputName": "sig", "galleryImageId": "/x", '
        '"targetRegions": [{"name": "westus2", "replicaCount": 0}], "storageAccountType": "Premium_ZRS"}]'
    )
    assert messages(text) == [
        'AIB101 buildTimeoutInMinutes is a string ("60"); api 2024-02-01 expects an integer',
        "AIB101 osDiskSizeGB is -1; api 2024-02-01 allows at least 0",
        "AIB101 vmSize is a number (2); api 2024-02-01 expects a string",
        'AIB101 inline is a string ("Write-Host hi"); api 2024-02-01 expects an array',
        'AIB101 validExitCodes[1] is a string ("1"); api 2024-02-01 expects an integer',
        'AIB101 customize[1] is a string ("echo"); api 2024-02-01 expects an object',
        "AIB101 replicaCount is 0; api 2024-02-01 allows at least 1",
        'AIB101 storageAccountType "Premium_ZRS" is not allowed in api 2024-02-01: use one of Standard_LRS, '
        'Standard_ZRS, Premium_LRS; did you mean "Premium_LRS"?',
    ]
    assert [(line, column) for _, line, column, _ in places(text)] == [
        (7, 30), (8, 35), (8, 49), (9, 52), (9, 91), (9, 98), (10, 146), (10, 173)]


def test_missing_required_properties_point_at_the_object() -> None:
    text = template('    "customize": [],\n    "distribute": [{"type": "ManagedImage", "imageId": "x"}]')
    assert messages(text) == [
        'AIB101 "source" is missing: api 2024-02-01 requires it in properties',
        'AIB101 "runOutputName" and "location" are missing: api 2024-02-01 requires them in a ManagedImage distributor',
    ]
    assert [(line, column) for _, line, column, _ in places(text)] == [(5, 3), (7, 20)]


def test_unions_dispatch_on_type_without_a_cascade() -> None:
    text = template(f'    {SOURCE},\n'
                    '    "customize": [{"type": "Shel", "inline": ["x"]}, {"type": "WindowsUpdate", "updateLimit": -5}],\n'
                    '    "distribute": [{"type": "VHDX", "runOutputName": "v"}, {"runOutputName": "w"}]')
    assert messages(text) == [
        'AIB101 customizer type "Shel" is not allowed in api 2024-02-01: use one of File, PowerShell, Shell, '
        'WindowsRestart, WindowsUpdate; did you mean "Shell"?',
        "AIB101 updateLimit is -5; api 2024-02-01 allows at least 0",
        'AIB101 distributor type "VHDX" is not allowed in api 2024-02-01: use one of ManagedImage, SharedImage, VHD; '
        'did you mean "VHD"?',
        'AIB101 "type" is missing: api 2024-02-01 requires it in a distributor',
    ]


def test_values_aiblint_cannot_know_are_not_judged() -> None:
    text = template(
        '    "source": "[variables(\'source\')]",\n'
        '    "buildTimeoutInMinutes": "[parameters(\'timeout\')]",\n'
        '    "customize": [{"type": "[parameters(\'kind\')]", "inline": ["x"], "inlin": []}, "[variables(\'step\')]"],\n'
        '    "distribute": [{"type": "ManagedImage", "runOutputName": "<runOutputName>", "imageId": "<id>", '
        '"location": "<region>"}]'
    )
    assert messages(text) == [
        'AIB102 unknown property "inlin" in a customizer (api 2024-02-01 allows destination, '
        "filters, inline, name, restartCheckCommand, restartCommand, restartTimeout, runAsSystem, runElevated, "
        "scriptUri, searchCriteria, sha256Checksum, sourceUri, type, updateLimit, validExitCodes)"
    ]


def test_properties_other_rules_report_are_left_to_them() -> None:
    text = template(f'    {SOURCE},\n'
                    '    "distribute": [{"type": "SharedImage", "runOutputName": "sig", "galleryImageId": "/x"}]',
                    api="2022-02-14")
    assert messages(text) == []  # no identity: AIB203; no replicationRegions before 2022-07-01: AIB214
    identity = template(f"    {SOURCE},\n    {VHD}", top='\n  "identity": {"type": "SystemAssigned"},')
    assert messages(identity) == []  # AIB203: not UserAssigned


def test_the_resource_type_is_aib218s() -> None:
    text = template(f"    {SOURCE},\n    {VHD}").replace("/imageTemplates", "")
    assert messages(text) == []


# -- AIB102 / AIB103 ----------------------------------------------------------------------


def test_unknown_properties_suggest_the_name_meant() -> None:
    text = template(f'    {SOURCE},\n'
                    '    "customize": [{"type": "PowerShell", "scriptUrl": "https://x/a.ps1", "valid_exit_codes": [0]}],\n'
                    '    "distribute": [{"type": "ManagedImage", "runOutputName": "img", "imageId": "x", "location": "y", '
                    '"aritfactTags": {}, "tags": {}}]', api="2022-07-01")
    assert [m.split(" (api")[0] for m in messages(text)] == [
        'AIB102 unknown property "scriptUrl" in a PowerShell customizer: did you mean "scriptUri"?',
        'AIB102 unknown property "valid_exit_codes" in a PowerShell customizer: did you mean "validExitCodes"?',
        'AIB102 unknown property "aritfactTags" in a ManagedImage distributor: did you mean "artifactTags"?',
        'AIB102 unknown property "tags" in a ManagedImage distributor: did you mean "artifactTags"?',
    ]
    assert {severity for _, _, _, severity in places(text)} == {"warning"}
    assert {severity for _, _, _, severity in places(text.replace("2022-07-01", "2024-02-01"))} == {"error"}


def test_a_misspelt_required_property_is_not_also_missing() -> None:
    text = template(f'    {SOURCE},\n    "distribute": [{{"type": "ManagedImage", "runOutputName": "img", "imagId": "x", "location": "y"}}]')
    assert messages(text) == [
        'AIB102 unknown property "imagId" in a ManagedImage distributor: did you mean "imageId"? '
        "(api 2024-02-01 allows artifactTags, imageId, location, runOutputName, type)"
    ]


def test_a_property_only_an_older_version_had() -> None:
    text = template('    "source": {"type": "PlatformImage"},\n    "customize": [{"type": "Shell", "script": "https://x/a.sh"}],\n'
                    f"    {VHD}", api="2019-05-01-preview")
    assert messages(text)[1] == (
        'AIB102 unknown property "script" in a Shell customizer (api 2019-02-01-preview was the last to have it): '
        'did you mean "scriptUri"? (api 2019-05-01-preview allows inline, name, scriptUri, sha256Checksum, type)'
    )


def test_wrong_case_names_and_values() -> None:
    text = template('    "source": {"type": "sharedImageVersion", "imageVersionID": "/x"},\n'
                    '    "optimize": {"vmboot": {"state": "enabled"}},\n'
                    '    "distribute": [{"type": "VHD", "RunOutputName": "v"}]')
    assert messages(text) == [
        'AIB103 source type "sharedImageVersion" should be "SharedImageVersion": api 2024-02-01 rejects the wrong case',
        'AIB103 "imageVersionID" should be "imageVersionId": api 2024-02-01 rejects the wrong case',
        'AIB103 "vmboot" should be "vmBoot": api 2024-02-01 rejects the wrong case',
        'AIB103 state "enabled" should be "Enabled": api 2024-02-01 rejects the wrong case',
        'AIB103 "RunOutputName" should be "runOutputName": api 2024-02-01 rejects the wrong case',
    ]
    assert [(line, column) for _, line, column, _ in places(text)] == [(6, 24), (6, 46), (7, 18), (7, 38), (8, 36)]
    lenient = messages(text.replace("2024-02-01", "2023-07-01"))
    assert lenient[0] == ('AIB103 source type "sharedImageVersion" should be "SharedImageVersion": api 2023-07-01 still '
                          "accepts the wrong case, 2024-02-01 and later reject it")
    assert {severity for _, _, _, severity in places(text.replace("2024-02-01", "2023-07-01"))} == {"warning"}


def test_2018_spelt_types_in_lower_case() -> None:
    old = json.dumps(clean_template("2018-02-01-preview"), indent=2)
    assert [rule for rule, *_ in places(old)] == ["AIB100"]
    capitalised = old.replace('"shell"', '"Shell"').replace('"managedImage"', '"ManagedImage"')
    assert messages(capitalised)[1:] == [
        'AIB103 customizer type "Shell" should be "shell": api 2018-02-01-preview still accepts the wrong case, '
        "2024-02-01 and later reject it",
        'AIB103 distributor type "ManagedImage" should be "managedImage": api 2018-02-01-preview still accepts the '
        "wrong case, 2024-02-01 and later reject it",
    ]


# -- AIB104 / AIB105 ---------------------------------------------------------------------


def test_properties_and_types_from_later_versions() -> None:
    text = template(f'    {SOURCE},\n    "errorHandling": {{"onCustomizerError": "abort"}},\n'
                    '    "customize": [{"type": "WindowsUpdate", "updateLimit": 5}],\n'
                    '    "distribute": [{"type": "SharedImage", "runOutputName": "s", "galleryImageId": "/x", '
                    '"replicationRegions": ["westus2"], "storageAccountType": "Premium_LRS"}]', api="2019-05-01-preview")
    # WindowsUpdate is not reported: the service ran it under 2019-05-01-preview (issue 15)
    assert messages(text)[1:] == [
        'AIB104 "errorHandling" exists only from api 2023-07-01 on; this template declares api 2019-05-01-preview: '
        "raise apiVersion or remove it",
        'AIB104 "storageAccountType" exists only from api 2020-02-14 on; this template declares api '
        "2019-05-01-preview: raise apiVersion or remove it",
    ]
    assert places(text)[1:] == [
        ("AIB104", 7, 5, "warning"), ("AIB104", 9, 125, "warning")]
    value = template(f'    {SOURCE},\n    "distribute": [{{"type": "SharedImage", "runOutputName": "s", "galleryImageId": "/x", '
                     '"replicationRegions": ["westus2"], "storageAccountType": "Premium_LRS"}]', api="2022-02-14")
    assert messages(value) == [
        'AIB104 storageAccountType "Premium_LRS" exists only from api 2022-07-01 on; this template declares api '
        "2022-02-14: raise apiVersion or use one of Standard_LRS, Standard_ZRS"
    ]
    strict = template(f'    {SOURCE},\n    {VHD},\n    "additionalDataDisks": [{{"sizeGB": 10}}]')
    assert places(strict) == [("AIB104", 8, 5, "error")]


def test_read_only_properties() -> None:
    text = template(
        '    "source": {"type": "PlatformImage", "version": "latest", "exactVersion": "1.2.3"},\n'
        f'    {VHD},\n'
        '    "provisioningState": "Succeeded",\n'
        '    "lastRunStatus": {"runState": "Succeeded"}',
        top='\n  "id": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.VirtualMachineImages/imageTemplates/t",',
    )
    assert places(text) == [("AIB105", 5, 3, "warning"), ("AIB105", 7, 62, "warning"), ("AIB105", 9, 5, "warning"),
                            ("AIB105", 10, 5, "warning")]
    assert messages(text)[1] == ('AIB105 "exactVersion" is read-only (api 2024-02-01): the service sets it and a '
                                 "request must not; remove it")
    older = template('    "source": {"type": "PlatformImage", "exactVersion": "1.2.3"},\n' f"    {VHD}", api="2020-02-14")
    assert messages(older) == ['AIB105 "exactVersion" is read-only (api 2021-10-01 and later): the service sets it '
                               "and a request must not; remove it"]


# -- forms and provenance ----------------------------------------------------------------


def test_a_rest_example_body_and_a_properties_only_fragment() -> None:
    rest = {"parameters": {"api-version": "2024-02-01", "imageTemplateName": "t",
                           "imageTemplate": {"location": "westus2", "identity": IDENTITY,
                                             "properties": {"source": {"type": "PlatformImage"},
                                                            "distribute": [{"type": "VHD", "runOutputName": "v"}]}}}}
    assert places(json.dumps(rest)) == []
    rest["parameters"]["imageTemplate"]["properties"]["vmboot"] = {}  # type: ignore[index]
    assert [rule for rule, *_ in places(json.dumps(rest))] == ["AIB102"]
    fragment = {"source": {"type": "PlatformImage", "publisher": 1}, "distribute": [{"type": "VHD"}], "vmprofile": {}}
    assert messages(json.dumps(fragment)) == [  # no apiVersion here: names only, no value checked
        'AIB103 "vmprofile" should be "vmProfile" as api 2025-10-01 spells it; 2024-02-01 and later reject the wrong case']


def test_a_value_from_elsewhere_is_reported_where_it_is_written(monkeypatch: pytest.MonkeyPatch) -> None:
    text = template(f'    {SOURCE},\n    "buildTimeoutInMinutes": "[parameters(\'timeout\')]",\n    {VHD}',
                    top='\n  "metadata": {"timeoutDefault": 2000},')
    real_resolve = ImageTemplate.resolve

    def resolve(self: ImageTemplate, node: Any) -> Resolved:
        if isinstance(node, JsonString) and node.text == "[parameters('timeout')]":
            default = next(n for n in walk(self.resource) if n.key == "timeoutDefault")
            return Resolved(2000, default, self.document)
        return real_resolve(self, node)

    monkeypatch.setattr(ImageTemplate, "resolve", resolve)
    assert places(text) == [("AIB101", 5, 34, "error")]
    assert messages(text) == ["AIB101 buildTimeoutInMinutes is 2000; api 2024-02-01 allows 0 to 960"]


def test_unknown_values_from_a_resolver_are_never_judged(monkeypatch: pytest.MonkeyPatch) -> None:
    real_resolve = ImageTemplate.resolve

    def resolve(self: ImageTemplate, node: Any) -> Resolved:
        return real_resolve(self, node) if node is self.api_version_node else Resolved(UNKNOWN, node, self.document)

    monkeypatch.setattr(ImageTemplate, "resolve", resolve)
    text = template('    "source": {"type": "PlatformImage", "sku": "x"},\n    "buildTimeoutInMinutes": "5000",\n    "distrbute": []')
    assert messages(text) == [  # names are literal, so still checked; every value is unknown
        'AIB102 unknown property "distrbute" in properties: did you mean "distribute"? (api 2024-02-01 allows '
        "autoRun, buildTimeoutInMinutes, customize, distribute, errorHandling, managedResourceTags, optimize, source, "
        "stagingResourceGroup, validate, vmProfile)"
    ]


# -- robustness ----------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.sampled_from(
        ["", "Shell", "shell", "SharedImage", "ISO", "[parameters('x')]", "<region>", "2024-02-01", "a b"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["type", "Type", "source", "customize", "distribute", "inline", "name", "runOutputName",
                         "properties", "vmProfile", "validate", "inVMValidations", "versioning", "scheme", "x"]),
        children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(api=st.sampled_from([*schema_data.api_versions(), "[parameters('v')]", "1999-01-01"]), identity=JSON,
       properties=JSON | st.dictionaries(st.sampled_from(["source", "customize", "distribute", "validate", "optimize",
                                                          "vmProfile", "errorHandling", "provisioningState"]), JSON))
def test_any_shape_is_judged_without_a_crash(api: str, properties: Any, identity: Any) -> None:
    resource = {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": api, "location": "westus2",
                "identity": identity, "properties": properties}
    for finding in lint(json.dumps(resource)):
        assert finding.message and finding.line >= 1


def test_a_property_copy_loop_makes_the_property_it_names() -> None:
    resource = clean_template("2024-02-01")
    resource["properties"]["copy"] = [{"name": "distribute", "count": 2, "input": {
        "type": "VHD", "runOutputName": "[concat('vhd', copyIndex('distribute'))]"}}]
    del resource["properties"]["distribute"]
    assert places(json.dumps({"resources": [resource]})) == []
    assert [rule for rule, *_ in places(json.dumps(resource))] == ["AIB101", "AIB102"]  # not a deployment: no loop


def test_values_from_parameter_defaults_are_checked_where_they_are_written() -> None:
    document = {
        "parameters": {
            "api": {"type": "string", "defaultValue": "2022-02-14"},
            "timeout": {"type": "int", "defaultValue": 2000},
            "vhd": {"type": "object", "defaultValue": {"type": "VHD", "runOutputName": "a b", "aritfactTags": {}}},
            "unset": {"type": "string"},
        },
        "resources": [{
            "type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "[parameters('api')]",
            "name": "[parameters('unset')]", "location": "[parameters('unset')]", "identity": IDENTITY,
            "properties": {"buildTimeoutInMinutes": "[parameters('timeout')]", "source": {"type": "PlatformImage"},
                           "distribute": ["[parameters('vhd')]"]},
        }],
    }
    findings = lint(json.dumps(document, indent=1))
    assert [(f.rule, f.line, f.column) for f in findings] == [("AIB101", 9, 20), ("AIB101", 15, 22), ("AIB102", 16, 5)]
    assert findings[0].message.startswith("buildTimeoutInMinutes is 2000; api 2022-02-14 allows 0 to 960")
    assert "resources[0].properties.buildTimeoutInMinutes" in findings[0].message  # the engine names the field


def test_errors_about_values_aiblint_cannot_know_are_dropped_and_change_nothing_else() -> None:
    """fastschema reports a type error for each value aiblint cannot know (no
    JSON type accepts the marker); those are dropped before anything else is
    read of the errors, and the real errors beside and after them stay as they were."""
    from aiblint import fastschema, schema
    from aiblint.loader import load_text
    from aiblint.model import find_templates

    text = template(
        '    "source": {"type": "PlatformImage", "publisher": "[parameters(\'p\')]", "offer": "o", "sku": 5, '
        '"version": "latest"},\n'
        '    "buildTimeoutInMinutes": "[parameters(\'timeout\')]",\n'
        '    "vmProfile": {"vmSize": "[parameters(\'size\')]", "osDiskSizeGB": "big"},\n'
        '    "distribute": [{"type": "ManagedImage", "runOutputName": "r", "imageId": "[parameters(\'id\')]", '
        '"location": "[parameters(\'where\')]"}]',
        top='\n  "identity": ' + json.dumps(IDENTITY) + ",")
    assert places(text) == [("AIB101", 7, 96, "error"), ("AIB101", 9, 69, "error")]
    assert messages(text) == ['AIB101 sku is a number (5); api 2024-02-01 expects a string',
                              'AIB101 osDiskSizeGB is a string ("big"); api 2024-02-01 expects an integer']
    (found,) = find_templates(load_text(text, "t.json"))
    walk, instance, entry = schema.walked(found, "2024-02-01")
    errors = fastschema.errors("2024-02-01", entry, instance)
    assert errors is not None
    unknowable = [error.absolute_path for error in errors if error.instance is schema._UNKNOWABLE]
    assert ("properties", "buildTimeoutInMinutes") in unknowable and ("properties", "vmProfile", "vmSize") in unknowable
    assert [(p.rule, p.message) for p in schema._Errors(walk, found).problems(iter(errors))] == [
        ("AIB101", "sku is a number (5); api 2024-02-01 expects a string"),
        ("AIB101", 'osDiskSizeGB is a string ("big"); api 2024-02-01 expects an integer')]
