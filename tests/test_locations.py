"""AIB300-AIB304, AIB306: script and file locations, beyond the rules' own examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aiblint_rules import locations

from aiblint.config import Config
from aiblint.engine import Linter
from aiblint.findings import Finding
from aiblint.registry import RuleSet
from aiblint.run import lint_paths
from tests.conftest import need_shared

RULES = (
    locations.StorageWithoutIdentity,
    locations.NotHttps,
    locations.Unreachable,
    locations.CredentialInUri,
    locations.MissingChecksum,
    locations.GitHubWebPage,
)
IDENTITY = (
    '"identity": {"type": "UserAssigned", "userAssignedIdentities": '
    '{"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aib": {}}},'
)
SIG = "q7Ay2xLm0Ee9Ck4R1oZt8Wn5Hv3Jb6Df0Gs2Pu7Xi1Y%3D"


def lint(text: str, *rule_ids: str) -> list[Finding]:
    rules = RuleSet([rule() for rule in RULES if not rule_ids or rule.id in rule_ids])
    findings, _ = Linter(rules, Config()).lint_bytes(text.encode(), "t.json")
    return findings


def where(findings: list[Finding], text: str) -> list[tuple[str, int, int, str]]:
    """Rule, line, column and the text pointed at (on one line)."""
    lines = text.splitlines()
    return [(f.rule, f.line, f.column, lines[f.line - 1][f.column - 1 : f.end_column - 1]) for f in findings]


def template(body: str, *, identity: str = "", api: str = "2024-02-01") -> str:
    return (
        '{\n"type": "Microsoft.VirtualMachineImages/imageTemplates",\n'
        f'"apiVersion": "{api}",\n{identity}\n"properties": {body}\n}}\n'
    )


# -- AIB300 ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("identity", "reported"),
    [
        ("", True),
        ('"identity": null,', True),
        ('"identity": {"type": "None"},', True),
        ('"identity": {"type": "SystemAssigned"},', True),
        ('"identity": {"type": "UserAssigned", "userAssignedIdentities": {}},', True),
        ('"identity": {"type": "UserAssigned"},', True),
        (IDENTITY, False),
        # 2024-02-01 (the api version here) rejects the wrong case: no identity the service reads
        ('"identity": {"type": "userassigned", "userassignedidentities": {"[parameters(\'id\')]": {}}},', True),
        ('"identity": {"type": "[parameters(\'kind\')]", "userAssignedIdentities": {}},', False),
        ('"identity": {"type": "UserAssigned", "userAssignedIdentities": "[variables(\'ids\')]"},', False),
        ('"identity": "[variables(\'identity\')]",', False),
    ],
)
def test_aib300_identity(identity: str, reported: bool) -> None:
    text = template(
        '{"customize": [{"type": "Shell", "scriptUri": "https://acct.blob.core.windows.net/s/x.sh"}]}', identity=identity
    )
    assert [f.rule for f in lint(text, "AIB300")] == (["AIB300"] if reported else [])


def test_aib300_identity_in_another_case_before_2024_02_01() -> None:
    identity = '"identity": {"type": "userassigned", "userassignedidentities": {"[parameters(\'id\')]": {}}},'
    text = template('{"customize": [{"type": "Shell", "scriptUri": "https://acct.blob.core.windows.net/s/x.sh"}]}',
                    identity=identity, api="2020-02-14")
    assert [f.rule for f in lint(text, "AIB300")] == []


def test_aib300_validators_workload_and_vhd() -> None:
    text = template(
        """{
  "validate": {"inVMValidations": [{"type": "File", "sourceUri": "https://acct.blob.core.windows.net/s/x.zip", "destination": "/tmp/x.zip"}]},
  "optimize": {"workload": {"state": "Enabled", "scriptUri": "https://acct.blob.core.windows.net/s/w.sh"}},
  "distribute": [
    {"type": "VHD", "runOutputName": "v", "uri": "https://acct.blob.core.windows.net/vhds/x.vhd"},
    {"type": "ManagedImage", "runOutputName": "m", "imageId": "x", "location": "westus2", "uri": "https://acct.blob.core.windows.net/vhds/y.vhd"}
  ]
}""",
        api="2025-10-01",
    )
    findings = lint(text, "AIB300")
    assert where(findings, text) == [
        ("AIB300", 6, 66, '"https://acct.blob.core.windows.net/s/x.zip"'),
        ("AIB300", 7, 62, '"https://acct.blob.core.windows.net/s/w.sh"'),
        ("AIB300", 9, 50, '"https://acct.blob.core.windows.net/vhds/x.vhd"'),
    ]
    assert "Storage Blob Data Contributor" in findings[2].message
    assert "Storage Blob Data Reader" in findings[0].message


def test_aib300_silent_with_sas_or_a_bare_properties_body() -> None:
    with_sas = template(
        '{"customize": [{"type": "Shell", "scriptUri": "https://acct.blob.core.windows.net/s/x.sh?sv=1&sig=' + SIG + '"}]}'
    )
    assert lint(with_sas, "AIB300") == []
    body = '{"source": {"type": "PlatformImage"}, "customize": [{"type": "Shell", "scriptUri": "https://acct.blob.core.windows.net/s/x.sh"}]}'
    assert lint(body, "AIB300") == []


# -- AIB301, AIB302 ----------------------------------------------------------------


def test_aib301_other_schemes_and_case() -> None:
    text = template(
        """{"customize": [
  {"type": "Shell", "scriptUri": "HTTP://downloads.contoso.com/a.sh"},
  {"type": "Shell", "scriptUri": "ftp://downloads.contoso.com/b.sh"},
  {"type": "Shell", "scriptUri": "http://example.com/c.sh"},
  {"type": "Shell", "scriptUri": "file:///tmp/d.sh"}
]}"""
    )
    findings = lint(text, "AIB301")
    # example.com is a stand-in host, but replacing it keeps the scheme (issue 15)
    assert where(findings, text) == [
        ("AIB301", 6, 34, '"HTTP://downloads.contoso.com/a.sh"'), ("AIB301", 7, 34, '"ftp://downloads.contoso.com/b.sh"'),
        ("AIB301", 8, 34, '"http://example.com/c.sh"'),
    ]
    assert findings[1].message.startswith("scriptUri uses ftp://, not https://")


def test_aib302_private_address_reported_only_without_a_virtual_network() -> None:
    uris = '"customize": [{"type": "Shell", "scriptUri": "http://fileserver.corp.internal/x.sh"}, {"type": "Shell", "scriptUri": "http://127.0.0.1/y.sh"}]'
    text = template("{" + uris + "}")
    findings = lint(text, "AIB302")
    assert where(findings, text) == [
        ("AIB302", 5, 69, "fileserver.corp.internal"), ("AIB302", 5, 141, "127.0.0.1"),
    ]
    assert findings[0].message == (
        "scriptUri host fileserver.corp.internal is a private address the service cannot reach; "
        "host the file where the service can download it over https"
    )
    in_vnet = template('{"vmProfile": {"vnetConfig": {"subnetId": "x"}}, ' + uris + "}")
    assert [f.message.split(" is ")[0] for f in lint(in_vnet, "AIB302")] == ["scriptUri host 127.0.0.1"]


# -- AIB303 ------------------------------------------------------------------------


def test_aib303_masks_the_token_and_points_through_escapes() -> None:
    # "\u0026" is '&' written as a JSON escape: the column must still land on "sig".
    text = template(
        '{"customize": [{"type": "Shell", "scriptUri": "https://acct.blob.core.windows.net/s/x.sh?sv=1\\u0026sig=' + SIG + '"}]}',
        identity=IDENTITY,
    )
    [finding] = lint(text, "AIB303")
    line = text.splitlines()[finding.line - 1]
    assert line[finding.column - 1 : finding.end_column - 1] == "sig=" + SIG
    assert "sig=q7…(46 chars)" in finding.message
    assert SIG[:8] not in finding.message


def test_aib303_password_and_vhd_uri() -> None:
    text = template(
        '{"customize": [{"type": "Shell", "scriptUri": "https://build:Tr0ub4dor@files.contoso.com/x.sh"}],\n'
        '"distribute": [{"type": "VHD", "runOutputName": "v", "uri": "https://acct.blob.core.windows.net/v/x.vhd?sig=' + SIG + '"}]}',
        identity=IDENTITY,
    )
    findings = lint(text, "AIB303")
    assert where(findings, text) == [("AIB303", 5, 76, "Tr0ub4dor"), ("AIB303", 6, 105, "sig=" + SIG)]
    assert "password=…(9 chars)" in findings[0].message and "Tr0ub4dor" not in findings[0].message


# -- AIB304 ------------------------------------------------------------------------


def test_aib304_fields_case_and_versions() -> None:
    body = """{"customize": [
  {"type": "Shell", "scriptUri": "[parameters('script')]"},
  {"type": "Shell", "scripturi": "https://raw.githubusercontent.com/o/r/main/a.sh", "SHA256Checksum": "00"},
  {"type": "Shell", "scriptUri": ""},
  {"type": "Shell", "scriptUri": "https://raw.githubusercontent.com/o/r/main/b.sh", "sha256Checksum": null}
], "validate": {"inVMValidations": [{"type": "PowerShell", "scriptUri": "https://raw.githubusercontent.com/o/r/main/v.ps1"}]}}"""
    assert where(lint(template(body), "AIB304"), template(body)) == [
        ("AIB304", 6, 34, '"[parameters(\'script\')]"'),
        ("AIB304", 9, 34, '"https://raw.githubusercontent.com/o/r/main/b.sh"'),
        ("AIB304", 10, 73, '"https://raw.githubusercontent.com/o/r/main/v.ps1"'),
    ]
    assert lint(template(body, api="2019-02-01-preview"), "AIB304") == []
    assert len(lint(template(body, api="[parameters('api')]"), "AIB304")) == 3


# -- AIB306 ------------------------------------------------------------------------


def test_aib306_legacy_script_field_and_placeholder_tail() -> None:
    body = """{"customize": [
  {"type": "shell", "script": "https://github.com/o/r/blob/main/dir/a.sh"},
  {"type": "Shell", "scriptUri": "https://github.com/o/r/blob/<branch>/b.sh"},
  {"type": "File", "sourceUri": "https://github.com/o/r/tree/main/dir", "destination": "/tmp/x"}
]}"""
    text = template(body, api="2018-02-01-preview")
    findings = lint(text, "AIB306", "AIB304")
    assert where(findings, text) == [("AIB306", 6, 54, "/blob/"), ("AIB306", 7, 57, "/blob/")]
    assert findings[0].message.endswith("use the raw file https://raw.githubusercontent.com/o/r/main/dir/a.sh")
    assert findings[1].message.endswith("use the raw file https://raw.githubusercontent.com/o/r/<branch>/b.sh")


def test_aib306_in_the_nelson2000_templates_once_their_json_is_fixed() -> None:
    """KNOWN-DEFECTS lists AIB306 in two nelson2000 templates. Both have a trailing
    comma right after the second URL: the loader reads past it (AIB001), so AIB306
    finds both as it does with that comma removed."""
    shared = need_shared()
    base = shared / "corpus" / "nelson2000__azvmimagebuilder" / "quickquickstarts"
    cases = {
        "1_Creating_a_Custom_Linux_Shared_Image_Gallery_Image/helloImageTemplateforSIG.json": [40, 46],
        "1a_Creating_a_Custom_Linux_Image_on_Existing_VNET/existingVNETLinux.json": [44, 50],
    }
    for name, lines in cases.items():
        text = (base / name).read_text(encoding="utf-8")
        fixed = text.replace('customizeScript2.sh",\n', 'customizeScript2.sh"\n')
        assert fixed != text
        for version in (text, fixed):
            findings = [f for f in lint(version) if f.rule == "AIB306"]
            assert [(f.line, f.column) for f in findings] == [(line, 77) for line in lines], name
        assert all(f.message.endswith("https://raw.githubusercontent.com/nelson2000/azvmimagebuilder/main/quickquickstarts/customizeScript"
                                      + ("2.sh" if index else ".sh")) for index, f in enumerate(findings))


# -- the corpus --------------------------------------------------------------------


def test_corpus_findings_are_the_reviewed_ones() -> None:
    """Every finding of these rules over the corpus and the official samples,
    reviewed by hand (tests/data/locations-corpus-expected.json)."""
    shared = need_shared()
    expected = json.loads((Path(__file__).parent / "data" / "locations-corpus-expected.json").read_text())["findings"]
    report = lint_paths(["corpus", "reference/wild-examples"], cwd=shared, rules=RuleSet([rule() for rule in RULES]))
    assert report.errors == []
    got: dict[str, list[list[object]]] = {}
    for finding in sorted(report.findings):
        got.setdefault(finding.path, []).append([finding.rule, finding.line, finding.column])
    assert got == expected
    errors = sorted({(f.path, f.line) for f in report.findings if f.severity.label == "error"})
    assert errors == [
        ("corpus/JimMoyle__CloudImageBuilder/Templates/SampleTemplates/CustomTemplateWVD.json", 50),
        ("corpus/JimMoyle__CloudImageBuilder/Templates/SampleTemplates/CustomTemplateWVD.json", 92),
        # AIB306 (github.com/.../blob/ URLs), read past a trailing comma: see the test above
        ("corpus/nelson2000__azvmimagebuilder/quickquickstarts/1_Creating_a_Custom_Linux_Shared_Image_Gallery_Image/helloImageTemplateforSIG.json", 40),
        ("corpus/nelson2000__azvmimagebuilder/quickquickstarts/1_Creating_a_Custom_Linux_Shared_Image_Gallery_Image/helloImageTemplateforSIG.json", 46),
        ("corpus/nelson2000__azvmimagebuilder/quickquickstarts/1a_Creating_a_Custom_Linux_Image_on_Existing_VNET/existingVNETLinux.json", 44),
        ("corpus/nelson2000__azvmimagebuilder/quickquickstarts/1a_Creating_a_Custom_Linux_Image_on_Existing_VNET/existingVNETLinux.json", 50),
    ]


@pytest.mark.parametrize(
    "properties",
    [
        '{"customize": {"type": "Shell"}}',
        '{"customize": [{"type": "Shell", "scriptUri": 42}, {"type": "File", "sourceUri": ["a"]}, {"scriptUri": null}, 7]}',
        '{"customize": [{"type": "Shell", "scriptUri": "https://acct.blob.core.windows.net/s/x.sh"}], "vmProfile": "x"}',
        '{"optimize": "x", "validate": [], "distribute": [{"type": 3, "uri": "x"}, {"type": "VHD", "uri": {}}]}',
        '{"optimize": {"workload": ["x"]}, "validate": {"inVMValidations": {"a": 1}}}',
        '{"customize": [{"type": "Shell", "scriptUri": "http://[::1"}, {"type": "Shell", "scriptUri": "https://a:@b/?sig"}]}',
    ],
)
def test_odd_shapes_never_crash(properties: str) -> None:
    for identity in ('"identity": [],', '"identity": 3,', '"identity": {"type": 1, "userAssignedIdentities": []},'):
        lint(template(properties, identity=identity))


ARM = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "scriptUri": {"type": "string", "defaultValue": "http://downloads.contoso.com/setup.sh"},
    "branch": {"type": "string"}
  },
  "resources": [{
    "type": "Microsoft.VirtualMachineImages/imageTemplates",
    "apiVersion": "2024-02-01",
    "name": "t",
    "location": "westus2",
    "properties": {
      "customize": [
        {"type": "Shell", "scriptUri": "[parameters('scriptUri')]"},
        {"type": "Shell", "scriptUri": "[concat('https://github.com/o/r/blob/', parameters('branch'), '/x.sh')]"},
        {"type": "Shell", "scriptUri": "[concat('https://github.com/o/r/blob/main/', parameters('branch'))]"},
        {"type": "Shell", "scriptUri": "[concat('https://acct.blob.core.windows.net/s/', 'y.sh')]"},
        {"type": "Shell", "scriptUri": "[concat('https://acct.blob.core.windows.net/', parameters('branch'), '/z.sh')]"}
      ]
    }
  }]
}
"""


def test_expressions_are_evaluated_and_partly_known_values_classified() -> None:
    """A parameter default is reported where it is written; a concat() with an
    unknown piece is judged on its known start; the GitHub page only when the
    end is known too (an unknown tail could add ?raw=true)."""
    findings = [f for f in lint(ARM) if f.rule != "AIB304"]
    assert where(findings, ARM) == [
        ("AIB301", 5, 53, '"http://downloads.contoso.com/setup.sh"'),
        ("AIB306", 16, 40, "\"[concat('https://github.com/o/r/blob/', parameters('branch'), '/x.sh')]\""),
        ("AIB300", 18, 40, "\"[concat('https://acct.blob.core.windows.net/s/', 'y.sh')]\""),
    ]
    assert findings[1].message.endswith("use the raw file https://raw.githubusercontent.com/o/r/<unknown>/x.sh")
    assert findings[0].logical_path == "parameters.scriptUri.defaultValue"


def test_iso_source_uri_is_checked_for_scheme_reach_and_credentials() -> None:
    body = '{"source": {"type": "ISO", "sourceURI": "http://10.0.0.9/rhel.iso?token=0123456789abcdefABCDEF", "sha256Checksum": "00"}}'
    text = template(body, api="2019-02-01-preview")
    assert where(lint(text), text) == [
        ("AIB301", 5, 55, '"http://10.0.0.9/rhel.iso?token=0123456789abcdefABCDEF"'),
        ("AIB302", 5, 63, "10.0.0.9"), ("AIB303", 5, 81, "token=0123456789abcdefABCDEF"),
    ]


@pytest.mark.parametrize(
    ("identity", "reported"),
    [
        ("createObject('type', 'UserAssigned', 'userAssignedIdentities', createObject('/subscriptions/0/x/aib', createObject()))", False),
        ("createObject('type', 'None')", True),
        ("createObject('type', 'UserAssigned', 'userAssignedIdentities', createObject())", True),
    ],
)
def test_aib300_identity_computed_by_an_expression(identity: str, reported: bool) -> None:
    text = ARM.replace('"location": "westus2",', f'"location": "westus2",\n    "identity": "[{identity}]",', 1)
    text = text.replace('"[parameters(\'scriptUri\')]"', '"https://acct.blob.core.windows.net/s/x.sh"')
    assert [f.line for f in lint(text, "AIB300")] == ([16, 19] if reported else [])


def test_aib304_made_an_error_by_the_documented_setting(write) -> None:  # type: ignore[no-untyped-def]
    """The stricter checksum policy its docs page shows: the configuration key really
    raises the severity, and the run fails on it where the note alone would not."""
    from tests.conftest import main_in_process

    body = {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01",
            "properties": {"customize": [{"type": "Shell", "scriptUri": "https://raw.githubusercontent.com/o/r/main/a.sh"}]}}
    write("t.json", json.dumps(body, indent=2))
    code, out = main_in_process("--format", "json", "--select", "AIB304", "t.json")
    assert (code, [(f["rule"], f["severity"]) for f in json.loads(out)["findings"]]) == (0, [("AIB304", "note")])
    write("pyproject.toml", '[tool.aiblint.severity]\nAIB304 = "error"\n')
    code, out = main_in_process("--format", "json", "--select", "AIB304", "t.json")
    findings = json.loads(out)["findings"]
    assert (code, [(f["rule"], f["line"], f["column"], f["severity"]) for f in findings]) == (1, [("AIB304", 8, 22, "error")])
    assert '[tool.aiblint.severity]\nAIB304 = "error"' in locations.MissingChecksum.description
