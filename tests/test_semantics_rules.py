"""AIB200, AIB203, AIB204, AIB209, AIB214, AIB217 beyond their docs examples: exact messages,
severities and the near misses (expressions, placeholders, the other OS, older api versions)."""

from __future__ import annotations

import json

import pytest

from aiblint.config import Config
from aiblint.engine import Linter
from aiblint.registry import RuleSet
from aiblint.selection import Selection

Found = list[tuple[int, int, str, str]]


def lint(rule: str, text: str) -> Found:
    linter = Linter(RuleSet.load(Selection(select=(rule,))), Config())
    findings, _ = linter.lint_bytes(text.encode(), "t.json", True)
    return [(f.line, f.column, f.severity.label, f.message) for f in findings]


def bare(api: str | None = "2022-07-01", **fields: object) -> str:
    """A bare template, one member per line from line 2 on."""
    resource: dict[str, object] = {"type": "Microsoft.VirtualMachineImages/imageTemplates"}
    if api is not None:
        resource["apiVersion"] = api
    resource.update(fields)
    lines = [f"  {json.dumps(key)}: {json.dumps(value)}" for key, value in resource.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


IDENTITY_ID = (
    "/subscriptions/0b4ea3c1-5f6d-4b3a-9c1e-2f1e0d9a8b7c/resourceGroups/ops/providers/"
    "Microsoft.ManagedIdentity/userAssignedIdentities/aib"
)

# -- AIB200 ------------------------------------------------------------------------------


def test_aib200_severities_and_messages() -> None:
    text = bare(
        location="Brazil Southeast",
        properties={"distribute": [
            {"type": "ManagedImage", "imageId": "x", "location": "westus9", "runOutputName": "a"},
            {"type": "SharedImage", "galleryImageId": "x", "runOutputName": "b", "replicationRegions": ["eastus", "mars"]},
        ]},
    )
    assert lint("AIB200", text) == [
        (4, 15, "error", 'Azure Image Builder does not run in Brazil Southeast (location "Brazil Southeast"): '
         "build in a region where it runs and distribute the image to Brazil Southeast"),
        (5, 86, "warning", 'distribution region "westus9" is not an Azure region name; did you mean "westus"?'),
        (5, 222, "warning", 'distribution region "mars" is not an Azure region name'),
    ]


@pytest.mark.parametrize("location", ["<region>", "[parameters('location')]", "[resourceGroup().location]", "UK South"])
def test_aib200_unknown_or_supported_locations(location: str) -> None:
    assert lint("AIB200", bare(location=location)) == []


# -- AIB203 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("identity", "expected"),
    [
        ({"type": "None"}, (5, 24, 'identity type "None" removes the identity, and Image Builder cannot build '
                                   'without one: use "UserAssigned"')),
        ({"userAssignedIdentities": {IDENTITY_ID: {}}}, (5, 15, 'identity has no "type": write "type": "UserAssigned"')),
        ({"type": "UserAssigned"}, (5, 15, "identity names no user-assigned identity: add userAssignedIdentities "
                                           "with one id")),
        ({"type": "UserAssigned", "userAssignedIdentities": {}},
         (5, 66, "userAssignedIdentities is empty: name exactly one user-assigned identity")),
    ],
)
def test_aib203_identity_shapes(identity: object, expected: tuple[int, int, str]) -> None:
    line, column, message = expected
    assert lint("AIB203", bare(location="westus2", identity=identity)) == [(line, column, "error", message)]


@pytest.mark.parametrize(
    "identities",
    [
        {IDENTITY_ID: {}},
        {IDENTITY_ID: {}, IDENTITY_ID.upper(): {}},  # one identity, ids compare without case
        {IDENTITY_ID: {}, "[parameters('otherIdentity')]": {}},  # the expression may name the same one
        {"[variables('a')]": {}, "[variables('b')]": {}},
    ],
)
def test_aib203_not_known_to_be_more_than_one(identities: object) -> None:
    identity = {"type": "UserAssigned", "userAssignedIdentities": identities}
    assert lint("AIB203", bare(location="westus2", identity=identity)) == []


def test_aib203_missing_under_an_unknown_api_version_in_a_deployment() -> None:
    text = """{
  "resources": [
    {
      "type": "Microsoft.VirtualMachineImages/imageTemplates",
      "apiVersion": "[parameters('api-version')]",
      "name": "t",
      "location": "westus2",
      "properties": {}
    }
  ]
}
"""
    assert lint("AIB203", text) == [
        (4, 7, "error", "image template has no identity: Image Builder needs exactly one user-assigned managed "
                        "identity (the service has rejected templates without one since June 2020)"),
    ]


def test_aib203_request_body_fragment_has_no_identity_to_check() -> None:
    text = '{"source": {"type": "PlatformImage"}, "distribute": [{"type": "VHD", "runOutputName": "v"}]}'
    assert lint("AIB203", text) == []


@pytest.mark.parametrize("api", ["2018-02-01-preview", "2019-02-01-preview"])
def test_aib203_silent_where_no_identity_exists(api: str) -> None:
    assert lint("AIB203", bare(api=api, location="westus2")) == []


# -- AIB204 ------------------------------------------------------------------------------


def test_aib204_iso_source_is_linux() -> None:
    text = bare(properties={
        "source": {"type": "ISO", "sourceUri": "https://example.com/rhel.iso", "sha256Checksum": "0" * 64},
        "customize": [{"type": "WindowsRestart"}],
    })
    assert lint("AIB204", text) == [
        (4, 199, "error", "WindowsRestart customizer runs only on Windows, but the ISO source (Image Builder ISO "
                          "sources are RHEL) is Linux"),
    ]


def test_aib204_a_tie_reports_the_steps_that_disagree_with_the_first() -> None:
    text = bare(properties={
        "source": {"type": "ManagedImage", "imageId": "[parameters('image')]"},
        "customize": [{"type": "Shell", "name": "a", "inline": ["true"]}, {"type": "PowerShell", "name": "b", "inline": ["1"]}],
    })
    assert lint("AIB204", text) == [
        (4, 165, "error", 'PowerShell customizer "b" runs only on Windows, but the Shell customizer "a" at line 4 '
                          "runs only on Linux"),
    ]


@pytest.mark.parametrize(
    "source",
    [
        {"type": "PlatformImage", "publisher": "Canonical", "offer": "UbuntuServer", "sku": "18.04-LTS"},
        {"type": "PlatformImage", "publisher": "<publisher>", "offer": "<offer>", "sku": "<sku>"},
        {"type": "SharedImageVersion", "imageVersionId": "[parameters('id')]"},
    ],
)
def test_aib204_linux_or_unknown_source_with_shell(source: object) -> None:
    text = bare(properties={"source": source, "customize": [{"type": "Shell", "inline": ["true"]}]})
    assert lint("AIB204", text) == []


# -- AIB209 ------------------------------------------------------------------------------


def test_aib209_more_fields() -> None:
    gallery = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/galleries/gal/images/web"
    text = bare(properties={
        "source": {"type": "SharedImageVersion", "imageVersionID": gallery},
        "distribute": [{"type": "SharedImage", "runOutputName": "a", "galleryImageId": gallery + "/versions/latest"}],
        "vmProfile": {
            "userAssignedIdentities": [IDENTITY_ID, "aib-vm"],
            "vnetConfig": {"subnetId": "[parameters('subnet')]", "containerInstanceSubnetId": "aci"},
        },
    })
    found = lint("AIB209", text)
    assert [(line, column) for line, column, _, _ in found] == [(4, 77), (4, 247), (4, 533), (4, 626)]
    assert [message.split(":")[0] for _, _, _, message in found] == [
        f'source imageVersionId "{gallery}" is not a gallery image version id',
        f'galleryImageId "{gallery}/versions/latest" is not a gallery image version id',
        'vmProfile identity "aib-vm" is not a user-assigned managed identity id',
        'containerInstanceSubnetId "aci" is not a subnet id',
    ]


@pytest.mark.parametrize(
    "version_id",
    [
        "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/galleries/gal/images/web/versions/latest",
        "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/galleries/gal/images/web/versions/1.0.0",
        "/sharedGalleries/abcd-ef/images/web/versions/latest",
        "<replace with resourceId of the image stored in the Direct Shared Gallery>",
        "[concat(parameters('definition'), '/versions/', parameters('version'))]",
    ],
)
def test_aib209_source_versions_that_pass(version_id: str) -> None:
    text = bare(properties={"source": {"type": "SharedImageVersion", "imageVersionId": version_id}})
    assert lint("AIB209", text) == []


# -- AIB214 ------------------------------------------------------------------------------


def test_aib214_old_api_with_target_regions_only() -> None:
    text = bare(api="2021-10-01", properties={"distribute": [
        {"type": "SharedImage", "galleryImageId": "x", "runOutputName": "a", "targetRegions": [{"name": "westus2"}]},
    ]})
    assert lint("AIB214", text) == [
        (4, 42, "error", "SharedImage distributor has no replicationRegions, which api 2021-10-01 requires: list the "
                         "regions to replicate the image version to, the gallery's region among them (targetRegions "
                         "needs api 2022-07-01 or later)"),
    ]


def test_aib214_null_counts_as_missing_and_2018_spelling_is_checked() -> None:
    text = bare(api="2018-02-01-preview", properties={"distribute": [
        {"type": "sharedImage", "galleryImageId": "x", "runOutputName": "a", "replicationRegions": None},
    ]})
    assert [(line, column) for line, column, _, _ in lint("AIB214", text)] == [(4, 42)]


def test_aib214_replication_regions_under_a_new_api_are_fine() -> None:
    text = bare(api="2024-02-01", properties={"distribute": [
        {"type": "SharedImage", "galleryImageId": "x", "runOutputName": "a", "replicationRegions": ["westus2"],
         "storageAccountType": "Standard_LRS"},
    ]})
    assert lint("AIB214", text) == []


# -- AIB217 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("publisher", "offer", "sku", "product"),
    [
        ("OpenLogic", "CentOS", "7_9-gen2", "CentOS 7, which reached its end of support on 2024-06-30"),
        ("openlogic", "CentOS-HPC", "8_1", "CentOS 8, which reached its end of support on 2021-12-31"),
        ("RedHat", "rhel-byos", "rhel-lvm75", "RHEL 7, which reached its end of support on 2024-06-30"),
        ("MicrosoftWindowsDesktop", "Windows-10", "20h2-pro", "Windows 10 20H2 (Pro), which reached its end of "
                                                              "support on 2022-05-10"),
        ("MicrosoftWindowsServer", "WindowsServer", "2012-R2-Datacenter", "Windows Server 2012 R2, which reached its "
                                                                         "end of support on 2023-10-10"),
    ],
)
def test_aib217_table_entries(publisher: str, offer: str, sku: str, product: str) -> None:
    source = {"type": "PlatformImage", "publisher": publisher, "offer": offer, "sku": sku, "version": "latest"}
    [(_, _, severity, message)] = lint("AIB217", bare(properties={"source": source}))
    assert severity == "warning"
    assert message.startswith(f"source image {publisher}:{offer}:{sku} is {product}")


@pytest.mark.parametrize(
    ("publisher", "offer", "sku"),
    [
        ("MicrosoftWindowsServer", "WindowsServer", "2016-Datacenter"),
        ("MicrosoftWindowsServer", "WindowsServer", "2022-datacenter-core"),
        ("MicrosoftWindowsDesktop", "Windows-10", "win10-21h2-entn-ltsc"),
        ("MicrosoftWindowsDesktop", "windows-11", "win11-24h2-avd"),
        ("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2"),
        ("[parameters('publisher')]", "UbuntuServer", "18.04-LTS"),
    ],
)
def test_aib217_supported_or_unknown(publisher: str, offer: str, sku: str) -> None:
    source = {"type": "PlatformImage", "publisher": publisher, "offer": offer, "sku": sku, "version": "latest"}
    assert lint("AIB217", bare(properties={"source": source})) == []


# -- through the expression layer ----------------------------------------------------------

DEPLOYMENT = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "location": {"type": "string", "defaultValue": "westindia"},
    "rg": {"type": "string"}
  },
  "resources": [
    {
      "type": "Microsoft.VirtualMachineImages/imageTemplates",
      "apiVersion": "2022-07-01",
      "name": "t",
      "location": "[parameters('location')]",
      "properties": {
        "source": {"type": "ManagedImage",
                   "imageId": "[concat('/subscriptions/', subscription().subscriptionId, '/resourceGroups/', parameters('rg'), '/providers/Microsoft.Compute/image/base')]"},
        "distribute": [{"type": "ManagedImage", "runOutputName": "a", "location": "[parameters('location')]",
                        "imageId": "[resourceId('Microsoft.Compute/images', 'web')]"}],
        "stagingResourceGroup": "[resourceGroup().id]"
      }
    }
  ]
}
"""


def test_aib200_reports_the_parameter_default_the_location_comes_from() -> None:
    [(line, column, severity, message)] = lint("AIB200", DEPLOYMENT)
    assert (line, column, severity) == (5, 52, "error")
    assert message.startswith('Azure Image Builder does not run in West India (location "westindia")')


def test_aib209_checks_the_known_parts_of_an_expression() -> None:
    [(line, column, _, message)] = lint("AIB209", DEPLOYMENT)
    assert (line, column) == (16, 31)
    assert message.startswith(
        'source imageId "/subscriptions/{?}/resourceGroups/{?}/providers/Microsoft.Compute/image/base" cannot be '
        'a managed image id, whatever its unknown parts are: "image" where "images" belongs'
    )
