"""Rules from the build failures users hit most (issue 22): AIB242-AIB245."""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest
from aiblint_rules.marketplace import HardenedSourceImage, PlanInfoMissing
from aiblint_rules.restarts import RestartCheckFolderMissing, RestartTimeoutTooShort, duration_seconds

from aiblint.config import Config
from aiblint.datafiles import load_json, matches
from aiblint.engine import Linter
from aiblint.findings import Severity
from aiblint.registry import RuleSet


def _lint(rule: object, text: str, name: str = "template.json") -> list[tuple[str, int, int, Severity, str]]:
    linter = Linter(RuleSet([rule]), Config())  # type: ignore[list-item]
    findings, _ = linter.lint_bytes(text.encode(), name)
    return [(f.rule, f.line, f.column, f.severity, f.message) for f in findings]


def test_marketplace_table_is_dated_and_sourced() -> None:
    table = load_json("marketplace-images.json")
    assert table["date"] and table["sources"]
    for entry in table["images"]:
        assert entry["source"] and entry["product"], entry
        assert entry.get("plan") or entry.get("hardened"), entry
        if entry.get("plan"):
            assert isinstance(entry["certain"], bool) and entry["plan_publisher"], entry


def test_table_patterns_match_as_fnmatch_does() -> None:
    """The image tables' globs, plain names compared without a compiled pattern."""
    patterns = {entry[field].casefold() for name in ("marketplace-images.json", "eol-images.json")
                for entry in load_json(name)["images"] for field in ("publisher", "offer", "sku") if field in entry}
    patterns |= {"a[b]c", "a?c", "a*", "[!a]bc", "a\\c", "a.c", ""}
    texts = sorted(patterns | {pattern.replace("*", "x").replace("?", "y") for pattern in patterns} | {"abc", "a\\c", "aXc", "bbc", "a.c", "axc"})
    assert any("*" in pattern for pattern in patterns) and len(patterns) > 40
    for pattern in patterns:
        for text in texts:
            assert matches(text, pattern) == fnmatchcase(text, pattern), (text, pattern)


def _source(publisher: str, offer: str, sku: str, extra: str = "") -> str:
    return ('{"type": "Microsoft.VirtualMachineImages/imageTemplates", "properties": {"source": '
            f'{{"type": "PlatformImage", "publisher": "{publisher}", "offer": "{offer}", "sku": "{sku}"{extra}}}}}}}')


def test_plan_missing_is_an_error_only_where_the_source_says_so() -> None:
    byos = _lint(PlanInfoMissing(), _source("redhat", "RHEL-BYOS", "rhel-lvm92"))
    assert [(rule, line, column, severity) for rule, line, column, severity, _ in byos] == [("AIB242", 1, 142, Severity.ERROR)]
    assert '"planProduct": "RHEL-BYOS"' in byos[0][4] and "PurchasePlanNotProvided" in byos[0][4]
    cis = _lint(PlanInfoMissing(), _source("center-for-internet-security-inc", "cis-rhel-8-l1", "cis-rhel8-l1"))
    assert [(rule, severity) for rule, _, _, severity, _ in cis] == [("AIB242", Severity.WARNING)]
    # any planInfo, even one aiblint cannot read, is left to the schema rules
    assert _lint(PlanInfoMissing(), _source("RedHat", "rhel-byos", "x", ', "planInfo": "[variables(\'plan\')]"')) == []


def test_hardened_note_names_what_to_keep_for_the_os() -> None:
    [(rule, _, _, severity, message)] = _lint(HardenedSourceImage(), _source(
        "center-for-internet-security-inc", "cis-ubuntu-linux-2204-l1", "cis-ubuntu-linux-2204-l1-gen2"))
    assert (rule, severity) == ("AIB243", Severity.NOTE)
    assert "SSH on port 22" in message and "noexec" in message and "WinRM" not in message


@pytest.mark.parametrize(("text", "seconds"), [("5m", 300), ("1h30m", 5400), ("90s", 90), ("10", None), ("", None), ("5 m", None)])
def test_duration_seconds(text: str, seconds: float | None) -> None:
    assert duration_seconds(text) == seconds


def _customize(*steps: str) -> str:
    return ('{"type": "Microsoft.VirtualMachineImages/imageTemplates", "properties": {"customize": [\n'
            + ",\n".join(steps) + "\n]}}")


def test_restart_after_language_pack_script_and_parameter_timeout() -> None:
    text = _customize(
        '{"type": "PowerShell", "scriptUri": "https://example.com/scripts/InstallLanguagePacks.ps1"}',
        '{"type": "WindowsRestart", "restartTimeout": "9m59s"}',
        '{"type": "WindowsUpdate"}',
        '{"type": "WindowsRestart", "restartTimeout": "[parameters(\'timeout\')]"}',
    )
    assert [(rule, line, column) for rule, line, column, _, _ in _lint(RestartTimeoutTooShort(), text)] == [("AIB244", 3, 46)]


def test_restart_check_folder_left_alone_when_an_earlier_script_is_not_known() -> None:
    check = '{"type": "WindowsRestart", "restartCheckCommand": "echo x > c:\\\\buildArtifacts\\\\r.txt"}'
    unknown = _customize('{"type": "PowerShell", "scriptUri": "https://example.com/setup.ps1"}', check)
    assert _lint(RestartCheckFolderMissing(), unknown) == []
    copied = _customize('{"type": "File", "sourceUri": "https://example.com/a.html", '
                        '"destination": "c:\\\\buildArtifacts\\\\index.html"}', check)
    assert _lint(RestartCheckFolderMissing(), copied) == []
    missing = _customize('{"type": "WindowsUpdate"}', check)
    assert [(rule, line, column) for rule, line, column, _, _ in _lint(RestartCheckFolderMissing(), missing)] == [("AIB245", 3, 61)]


_BICEP = """param imageTemplateName string = 'from-param'
param buildTime string = utcNow('yyyyMMddHHmmss')
var fixed = 'from-var'
resource literal 'Microsoft.VirtualMachineImages/imageTemplates@2022-07-01' = {
  name: 'win-template'
  location: 'westeurope'
}
resource variable 'Microsoft.VirtualMachineImages/imageTemplates@2022-07-01' = {
  name: fixed
  location: 'westeurope'
}
resource parameter 'Microsoft.VirtualMachineImages/imageTemplates@2022-07-01' = {
  name: imageTemplateName
  location: 'westeurope'
}
resource stamped 'Microsoft.VirtualMachineImages/imageTemplates@2022-07-01' = {
  name: '${fixed}-${buildTime}'
  location: 'westeurope'
}
"""


def test_constant_bicep_names_but_not_parameters() -> None:
    from aiblint_rules.redeploy import NameNotRedeployable

    found = _lint(NameNotRedeployable(), _BICEP, "main.bicep")
    assert [(rule, line, column) for rule, line, column, _, _ in found] == [("AIB241", 3, 13), ("AIB241", 5, 9)]
