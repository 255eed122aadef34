"""Correct templates written the way teams write them: no error, no warning, no crash.

The fixtures under ``tests/data/realistic/`` are deployable as written (each field is
taken from the ARM schemas and Bicep types of its api version and from
``shared/docs/aib-facts.md``): Bicep output (language version 2.0, symbolic resources,
``existing`` resources, user functions), classic ARM with ``copy`` loops, conditions,
nested deployments in inner and outer scope, parameters files with Key Vault references,
every stable api version from 2020-02-14 to 2025-10-01, JSONC comments, CRLF, a BOM, tabs
and non-ASCII text, and files holding the tokens a pipeline replaces before deploying
(``#{x}#``, ``$(x)``, ``${x}``). Their scripts are in ``repo/`` and reached through the pinned raw
GitHub URLs that ``.aiblint.toml`` maps there, so scripts and checksums are checked too.

Any error or warning aiblint reports on them is a false alarm.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiblint.findings import Report
from aiblint.run import lint_paths
from tests.conftest import main_in_process

REALISTIC = Path(__file__).resolve().parent / "data" / "realistic"

#: Image templates in each fixture (a resource copy loop is one template).
TEMPLATES = {
    "arm-composed-steps-2024-02-01.json": 2,
    "arm-linux-fleet.json": 1,
    "arm-rocky-planinfo-2021-10-01.json": 1,
    "arm-windows-2020-02-14-crlf-bom-tabs.json": 1,
    "arm-windows-managed-source-2022-02-14.json": 1,
    "az-resource-create-unicode.json": 1,
    "azure-devops-tokens.json": 1,
    "bicep-existing-template-trigger.json": 1,
    "bicep-linux-gallery.json": 1,
    "bicep-modules.json": 1,
    "bicep-windows-avd.json": 1,
    "nested-deployments.json": 2,
    "subscription-scope-trigger.json": 1,
    "terraform-templatefile-body.json": 1,
}

#: Notes a fixture is expected to get, with the reason each is right: (rule, line).
EXPECTED_NOTES: dict[str, list[tuple[str, int]]] = {
    # The steps are `concat(variables('dockerSteps'), parameters('extraSteps'))`, checked since
    # whole values are followed: ShellCheck says (info) it cannot read the build VM's /etc/os-release.
    "arm-composed-steps-2024-02-01.json": [("SC1091", 73)],
    # The app template's name is a literal: a second deployment fails (AIB241's note).
    "bicep-existing-template-trigger.json": [("AIB241", 53)],
}

#: Parameters files passed with -p (beside the default <name>.parameters.json).
PARAMETERS = {
    "bicep-linux-gallery.json": "params/bicep-linux-gallery.prod.parameters.json",
    "bicep-windows-avd.json": "params/avd.parameters.json",
    "arm-windows-2020-02-14-crlf-bom-tabs.json": "params/ws2019-iis.dev.parameters.json",
    "arm-linux-fleet.json": "arm-linux-fleet.parameters.json",
    "arm-rocky-planinfo-2021-10-01.json": "arm-rocky-planinfo-2021-10-01.parameters.json",
    "azure-devops-tokens.json": "azure-devops-tokens.parameters.json",
}


def test_every_fixture_is_listed() -> None:
    found = {path.name for path in REALISTIC.glob("*.json") if not path.name.endswith(".parameters.json")}
    assert found == set(TEMPLATES)


def _lint(*paths: str) -> Report:
    return lint_paths(list(paths), cwd=REALISTIC)


def _findings(report: Report) -> list[tuple[str, str, int, str, str]]:
    return [(f.path, f.rule, f.line, f.severity.name.lower(), f.message) for f in report.findings]


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_a_correct_template_gets_no_finding(name: str) -> None:
    report = _lint(name)
    assert report.errors == []
    assert report.files_checked == 1
    assert report.templates_checked == TEMPLATES[name]
    assert [(f.rule, f.line) for f in report.findings if f.severity.name == "NOTE"] == EXPECTED_NOTES.get(name, [])
    assert [item for item in _findings(report) if item[3] != "note"] == []


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_with_a_parameters_file_the_cli_exits_0(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REALISTIC)
    code, out = main_in_process("--format", "json", "-p", PARAMETERS[name], name)
    document = json.loads(out)
    assert [(f["rule"], f["line"], f["message"]) for f in document["findings"]] == []
    assert code == 0
    assert document["summary"]["templates"] == TEMPLATES[name]


def test_all_fixtures_at_once_from_the_folder() -> None:
    report = _lint(".")
    assert report.errors == []
    assert report.templates_checked == sum(TEMPLATES.values())
    assert [item for item in _findings(report) if item[3] != "note"] == []


def test_the_scripts_are_really_checked() -> None:
    """The fixtures' raw GitHub URLs resolve to repo/: a wrong checksum is caught."""
    text = (REALISTIC / "bicep-linux-gallery.json").read_text(encoding="utf-8")
    right = "7fbe5b559e6aa587688ba84e068a935456c05d2f4d3922da8af956ae454daf42"
    assert text.count(right) == 1
    wrong = text.replace(right, "0" * 64)
    report = lint_paths(["-"], cwd=REALISTIC, stdin=wrong.encode(), stdin_filename="bicep-linux-gallery.json")
    assert [(f.rule, f.line) for f in report.findings] == [("AIB212", 178)]
    assert "repo/scripts/linux/baseline.sh" in report.findings[0].message


def test_the_parameters_file_values_are_used(write) -> None:  # type: ignore[no-untyped-def]
    """-p really feeds the checks: a region typo in the parameters file is reported there."""
    text = (REALISTIC / "params" / "bicep-linux-gallery.prod.parameters.json").read_text(encoding="utf-8")
    assert text.count('"value": "northeurope"\n') == 1
    bad = write("bad.parameters.json", text.replace('"value": "northeurope"\n', '"value": "northeurope2"\n'))
    code, out = main_in_process("--select", "AIB200", "-p", str(bad), str(REALISTIC / "bicep-linux-gallery.json"))
    assert code == 1
    assert out.splitlines()[0].startswith("bad.parameters.json:6:16: error AIB200 location \"northeurope2\" is not an Azure region name")


# -- regressions: false alarms found on these fixtures, fixed in the rule -----------------


def _template_with_properties(properties: str) -> str:
    return """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"subnetId": {"type": "string", "defaultValue": ""}},
  "resources": [{
    "type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2024-02-01",
    "name": "t", "location": "westus3",
    "identity": {"type": "UserAssigned", "userAssignedIdentities": {
      "/subscriptions/4f8c2a6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id": {}}},
    "properties": {
      "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"},
      "distribute": [{"type": "VHD", "runOutputName": "vhd"}],
PROPERTIES
    }
  }]
}
""".replace("PROPERTIES", properties)


def test_null_from_an_expression_leaves_an_optional_property_out(write) -> None:  # type: ignore[no-untyped-def]
    """`if(cond, null(), createObject(...))` is how Bicep and ARM omit a property (the AVM
    image-template module does it for vnetConfig, optimize and validate on api 2024-02-01):
    not AIB101 "vnetConfig is null"."""
    write("t.json", _template_with_properties(
        '      "vmProfile": {"vnetConfig": "[if(empty(parameters(\'subnetId\')), null(), '
        'createObject(\'subnetId\', parameters(\'subnetId\')))]"},\n'
        '      "optimize": null'))
    code, out = main_in_process("--ignore", "AIB241", "t.json")  # (its name is a literal: AIB241's note)
    assert (code, out) == (0, "")


def test_null_for_a_required_property_is_still_missing(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", _template_with_properties('      "vmProfile": {"vmSize": "Standard_D2s_v5"}')
          .replace('"distribute": [{"type": "VHD", "runOutputName": "vhd"}]', '"distribute": null'))
    code, out = main_in_process("--select", "AIB101", "t.json")
    assert code == 1
    assert out.splitlines()[0] == 't.json:10:5: error AIB101 "distribute" is missing: api 2024-02-01 requires it in properties'


@pytest.mark.parametrize(
    ("text", "known"),
    [
        ("${location}", ""), ("${var.gallery_image_id}", ""), ("${{ vars.REGION }}", ""), ("$(Build.BuildId)", ""),
        ("#{location}#", ""), ("__location__", ""), ("{{ location }}", ""),
        ("img-$(Build.BuildNumber)", "img-?"), ("https://${storage}.blob.core.windows.net/s/x.sh", "https://?.blob.core.windows.net/s/x.sh"),
        # not tokens: command substitution, PowerShell variables, ordinary names
        ("$(date +%s)", None), ("include:$true", None), ("my__image", None), ("westeurope", None), ("{x}", None),
    ],
)
def test_substitution_tokens(text: str, known: str | None) -> None:
    from aiblint.substitution import without_tokens
    from aiblint.values import UNKNOWN, PartialString

    value = without_tokens(text)
    if known is None:
        assert value == text
    elif known == "":
        assert value is UNKNOWN
    else:
        assert isinstance(value, PartialString) and value.render("?") == known


def test_tokens_are_not_judged_but_script_lines_still_are(write) -> None:  # type: ignore[no-untyped-def]
    """A pipeline's tokens are unknown values (no AIB200/AIB209/AIB101/AIB302 on "#{location}#");
    ${x} and $(x) in inline lines stay shell, so the script is still checked (AIB501)."""
    write("t.json", json.dumps({
        "type": "Microsoft.VirtualMachineImages/imageTemplates", "location": "#{location}#",
        "identity": {"type": "UserAssigned", "userAssignedIdentities": {"${identity_id}": {}}},
        "properties": {
            "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server",
                       "version": "latest"},
            "customize": [{"type": "Shell", "name": "s", "inline": ["echo \"${HOME} $(date)\"", "sudo reboot"]},
                          {"type": "Shell", "name": "u", "scriptUri": "${scripts}/x.sh", "sha256Checksum": "a" * 64}],
            "distribute": [{"type": "SharedImage", "runOutputName": "img-$(Build.BuildNumber)",
                            "galleryImageId": "__galleryImageId__", "targetRegions": [{"name": "{{ region }}"}]}],
        },
    }, indent=2))
    code, out = main_in_process("--select", "AIB1,AIB2,AIB3,AIB501", "t.json")
    assert code == 1
    assert [line.split(" ")[2] for line in out.splitlines()[:-1]] == ["AIB501"]


def test_an_existing_image_template_is_a_reference_not_a_template(write) -> None:  # type: ignore[no-untyped-def]
    """Bicep's `existing` (language version 2.0) reads a template deployed elsewhere: no
    AIB101 "location and properties are missing", no AIB203 "no identity"."""
    write("t.json", json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "languageVersion": "2.0", "contentVersion": "1.0.0.0",
        "resources": {
            "it": {"existing": True, "type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2024-02-01",
                   "name": "base"},
            "trigger": {"type": "Microsoft.VirtualMachineImages/imageTemplates/triggers", "apiVersion": "2024-02-01",
                        "name": "base/src", "properties": {"kind": "SourceImage"}, "dependsOn": ["it"]},
        },
    }, indent=2))
    code, out = main_in_process("t.json")
    assert (code, out.splitlines()[0]) == (0, "t.json:1:1: note AIB004 no image template found in this file: nothing was checked")
