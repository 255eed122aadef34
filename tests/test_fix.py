"""``--fix`` and ``--diff``: byte-exact results, idempotent, and no fix whose meaning is uncertain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiblint.findings import Edit, Fix
from aiblint.fixes import apply_fixes
from tests.conftest import main_in_process

BOM = b"\xef\xbb\xbf"

# -- AIB002: a repeated key with the same value --------------------------------------------

DUPLICATES = """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "location": "westus2", // where it builds
  "location": "westus2",
  "tags": {"team": "images", "cost": [1, {"a": null}], "team": "images"},
  "properties": {
    "vmProfile": {"vmSize": "Standard_D2s_v3", "osDiskSizeGB": 64},
    "vmProfile": {"vmSize": "Standard_D2s_v3", "osDiskSizeGB": 64}
  }
}
"""
DUPLICATES_FIXED = """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "location": "westus2", // where it builds
  "tags": {"team": "images", "cost": [1, {"a": null}]},
  "properties": {
    "vmProfile": {"vmSize": "Standard_D2s_v3", "osDiskSizeGB": 64}
  }
}
"""

# -- AIB103: a property name or a value in the wrong case ------------------------------------

CASES = """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2024-02-01",
  "location": "westus2",
  "properties": {
    "source": {"type": "SharedImageVersion", "imageVersionID": "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i/versions/1.0.0"},
    "customize": [{"type": "shell", "name": "a", "inline": ["true"]}],
    "errorHandling": {"onCustomizerError": "Abort"},
    "distribute": [{"type": "managedImage", "runOutputName": "img", "imageId": "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Compute/images/x", "location": "westus2"}]
  }
}
"""
CASES_FIXED = (
    CASES.replace("imageVersionID", "imageVersionId").replace('"shell"', '"Shell"').replace('"Abort"', '"abort"')
    .replace('"managedImage"', '"ManagedImage"')
)

# -- AIB306: a GitHub web page for a script ---------------------------------------------------

PAGES = """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "location": "westus2",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "a", "scriptUri": "https://github.com/contoso/images/blob/v1.2/scripts/set%20up.sh"},
      {"type": "File", "name": "b", "sourceUri": "https://www.github.com/contoso/images/blob/main/motd", "destination": "/tmp/motd"}
    ]
  }
}
"""
PAGES_FIXED = PAGES.replace(
    "https://github.com/contoso/images/blob/v1.2/scripts/set%20up.sh", "https://raw.githubusercontent.com/contoso/images/v1.2/scripts/set%20up.sh"
).replace("https://www.github.com/contoso/images/blob/main/motd", "https://raw.githubusercontent.com/contoso/images/main/motd")


# -- AIB212: a checksum in upper case ------------------------------------------------------------

CHECKSUM = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"
CHECKSUMS = f"""{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": {{"sum": {{"type": "string", "defaultValue": "{CHECKSUM}"}}}},
  "resources": [{{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "location": "westus2",
    "properties": {{"customize": [
      {{"type": "Shell", "name": "a", "scriptUri": "https://example.com/a.sh", "sha256Checksum": "{CHECKSUM}"}},
      {{"type": "Shell", "name": "b", "scriptUri": "https://example.com/b.sh", "sha256Checksum": "[parameters('sum')]"}}
    ]}}}}]
}}
"""
CHECKSUMS_FIXED = CHECKSUMS.replace(CHECKSUM, CHECKSUM.lower())


@pytest.mark.parametrize(
    ("rules", "text", "fixed", "count"),
    [
        ("AIB002", DUPLICATES, DUPLICATES_FIXED, 3),
        ("AIB103", CASES, CASES_FIXED, 4),
        ("AIB306", PAGES, PAGES_FIXED, 2),
        ("AIB212", CHECKSUMS, CHECKSUMS_FIXED, 2),
    ],
)
def test_fix_is_byte_exact_and_idempotent(write, tmp_path: Path, capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
                                          rules: str, text: str, fixed: str, count: int) -> None:
    write("t.json", text)
    code, out = main_in_process("--select", rules, "--fix", "t.json")
    assert (code, out) == (0, "")
    assert capsys.readouterr().err == f"aiblint: fixed {count} problems in 1 file\n"
    assert (tmp_path / "t.json").read_text(encoding="utf-8") == fixed
    assert main_in_process("--select", rules, "--fix", "t.json") == (0, "")
    assert capsys.readouterr().err == ""
    assert (tmp_path / "t.json").read_text(encoding="utf-8") == fixed


def test_fixed_json_parses_to_the_intended_value(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write("t.json", CASES)
    main_in_process("--select", "AIB103", "--fix", "t.json")
    value = json.loads((tmp_path / "t.json").read_text())
    assert value["properties"]["source"]["imageVersionId"].endswith("/versions/1.0.0")
    assert "imageVersionID" not in value["properties"]["source"]
    assert value["properties"]["distribute"][0]["type"] == "ManagedImage"


def test_line_endings_and_byte_order_mark_are_kept(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write("t.json", BOM + CASES.replace("\n", "\r\n").encode())
    main_in_process("--select", "AIB103", "--fix", "t.json")
    assert (tmp_path / "t.json").read_bytes() == BOM + CASES_FIXED.replace("\n", "\r\n").encode()


def test_diff_previews_and_changes_nothing(write, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    write("t.json", DUPLICATES)
    code, out = main_in_process("--select", "AIB002", "--diff", "t.json")
    assert code == 1
    assert out == (
        "--- a/t.json\n+++ b/t.json\n"
        "@@ -1,10 +1,8 @@\n"
        " {\n"
        '   "type": "Microsoft.VirtualMachineImages/imageTemplates",\n'
        '   "location": "westus2", // where it builds\n'
        '-  "location": "westus2",\n'
        '-  "tags": {"team": "images", "cost": [1, {"a": null}], "team": "images"},\n'
        '+  "tags": {"team": "images", "cost": [1, {"a": null}]},\n'
        '   "properties": {\n'
        '-    "vmProfile": {"vmSize": "Standard_D2s_v3", "osDiskSizeGB": 64},\n'
        '     "vmProfile": {"vmSize": "Standard_D2s_v3", "osDiskSizeGB": 64}\n'
        "   }\n"
        " }\n"
    )
    assert capsys.readouterr().err == "aiblint: 3 fixes would change 1 file\n"
    assert (tmp_path / "t.json").read_text() == DUPLICATES
    write("clean.json", DUPLICATES_FIXED)
    assert main_in_process("--select", "AIB002", "--diff", "clean.json") == (0, "")


def test_diff_marks_a_missing_final_newline(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", '{"type": "Microsoft.VirtualMachineImages/imageTemplates", "a": 1, "a": 1}')
    code, out = main_in_process("--select", "AIB002", "--diff", "t.json")
    assert (code, out.splitlines()[-4:]) == (1, [
        '-{"type": "Microsoft.VirtualMachineImages/imageTemplates", "a": 1, "a": 1}',
        "\\ No newline at end of file",
        '+{"type": "Microsoft.VirtualMachineImages/imageTemplates", "a": 1}',
        "\\ No newline at end of file",
    ])


def test_placeholder_keys_are_slots_not_duplicates(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", '{"type": "Microsoft.VirtualMachineImages/imageTemplates", "tags": {"<name>": "<value>", "<name>": "<value>"}}')
    assert main_in_process("--select", "AIB002", "t.json") == (0, "")


@pytest.mark.parametrize(
    "text",
    [
        # different values: which one is meant is not known
        '{"type": "Microsoft.VirtualMachineImages/imageTemplates", "a": 1, "a": 1.0}',
        '{"type": "Microsoft.VirtualMachineImages/imageTemplates", "a": true, "a": 1}',
        '{"type": "Microsoft.VirtualMachineImages/imageTemplates", "a": {"x": 1, "y": 2}, "a": {"y": 2, "x": 1}}',
        '{"type": "Microsoft.VirtualMachineImages/imageTemplates", "a": 1, "a": 2, "a": 1}',
        # placeholders: a sample's slots, to be filled with different values
        '{"type": "Microsoft.VirtualMachineImages/imageTemplates", "a": ["<x>"], "a": ["<x>"]}',
        # a comment would go with it
        '{"type": "Microsoft.VirtualMachineImages/imageTemplates",\n "a": 1,\n "a": /* why */ 1\n}',
        '{"type": "Microsoft.VirtualMachineImages/imageTemplates",\n "a": 1,\n "a": 1, // why\n "b": 2}',
        '{"type": "Microsoft.VirtualMachineImages/imageTemplates", "a": 1, "a": 1 // why\n}',
    ],
)
def test_duplicates_that_are_not_fixed(write, tmp_path: Path, text: str) -> None:  # type: ignore[no-untyped-def]
    write("t.json", text)
    code, out = main_in_process("--select", "AIB002", "--fix", "t.json")
    assert code == 1 and "AIB002" in out
    assert (tmp_path / "t.json").read_text() == text


@pytest.mark.parametrize(
    "uri",
    [
        "https://github.com/contoso/images/blob/main/x.sh?plain=1",  # a query: not the same request
        "https://github.com/contoso/images/blob/main/x.sh#L3",
        "https:\\/\\/github.com/contoso/images/blob/main/x.sh",  # escapes: left as written
        "https://github.com/contoso/images/blob/<branch>/x.sh",  # a placeholder
    ],
)
def test_github_pages_that_are_not_fixed(write, tmp_path: Path, uri: str) -> None:  # type: ignore[no-untyped-def]
    text = PAGES.replace("https://github.com/contoso/images/blob/v1.2/scripts/set%20up.sh", uri)
    write("t.json", text)
    main_in_process("--select", "AIB306", "--fix", "t.json")
    assert uri in (tmp_path / "t.json").read_text()


def test_a_parameter_default_is_not_rewritten(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": {"setup": {"type": "string", "defaultValue": "https://github.com/contoso/images/blob/main/setup.sh"}},
  "resources": [{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "location": "westus2",
    "properties": {"customize": [{"type": "Shell", "name": "a", "scriptUri": "[parameters('setup')]"}]}}]
}
"""
    write("t.json", text)
    code, out = main_in_process("--select", "AIB306", "--fix", "t.json")
    assert code == 1 and "AIB306" in out
    assert (tmp_path / "t.json").read_text() == text


def test_wrong_case_name_is_not_fixed_when_the_right_one_is_there_too(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = CASES.replace('"imageVersionID": ', '"imageVersionId": "x", "imageVersionID": ')
    write("t.json", text)
    main_in_process("--select", "AIB103", "--fix", "t.json")
    assert '"imageVersionId": "x", "imageVersionID": ' in (tmp_path / "t.json").read_text()


def test_wrong_case_is_not_fixed_when_the_api_version_is_unknown(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = CASES.replace('"2024-02-01"', "\"[parameters('api')]\"")
    write("t.json", text)
    main_in_process("--select", "AIB103", "--fix", "t.json")
    assert (tmp_path / "t.json").read_text() == text


def test_suppressed_findings_are_not_fixed(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = DUPLICATES.replace('  "location": "westus2",\n', '  // aiblint: ignore[AIB002] kept for the diff\n  "location": "westus2",\n')
    write("t.json", text)
    main_in_process("--select", "AIB002", "--fix", "t.json")
    assert (tmp_path / "t.json").read_text() == DUPLICATES_FIXED.replace(
        '  "tags"', '  // aiblint: ignore[AIB002] kept for the diff\n  "location": "westus2",\n  "tags"'
    )


def test_fix_and_diff_refuse_standard_input() -> None:
    assert main_in_process("--fix", "-")[0] == 2


def test_apply_fixes_skips_overlaps_and_repeats() -> None:
    text = "abcdef"
    fixes = [
        Fix("1", (Edit(0, 2, "AB"),)),
        Fix("2", (Edit(1, 3, "xx"),)),  # overlaps the first: waits
        Fix("3", (Edit(0, 2, "AB"), Edit(4, 4, "-"))),  # the same edit again, and one more
        Fix("4", (Edit(5, 9, "?"),)),  # past the end
    ]
    assert apply_fixes(text, fixes) == ("ABcd-ef", 2)
    assert apply_fixes(text, [Fix("5", (Edit(4, 4, "+"),)), Fix("6", (Edit(4, 4, "-"),))]) == ("abcd+ef", 1)


def test_a_computed_checksum_is_not_rewritten(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = CHECKSUMS.replace(f'"defaultValue": "{CHECKSUM}"', f"\"defaultValue\": \"[concat('{CHECKSUM[:8]}', '{CHECKSUM[8:]}')]\"")
    write("t.json", text)
    code, out = main_in_process("--select", "AIB212", "--fix", "t.json")
    assert (code, out.count("AIB212")) == (1, 1)
    assert (tmp_path / "t.json").read_text() == text.replace(f'"sha256Checksum": "{CHECKSUM}"', f'"sha256Checksum": "{CHECKSUM.lower()}"')


TWICE_TWICE = """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2024-02-01",
  "location": "westus2",
  "properties": {
    "customize": [{"type": "Shell", "name": "a", "inline": ["true"]}],
    "errorHandling": {"onCustomizerError": "abort", "onCustomizerError": "aborT"},
    "errorHandling": {"onCustomizerError": "abort", "onCustomizerError": "aborT"}
  }
}
"""


def test_fixes_in_rounds_through_equal_members(write, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    """Found by tests/test_fuzz_fixes.py. Round 1: the second ``errorHandling`` (equal to the
    first) goes; its ``"aborT"`` (AIB103, the value that counts) waits, inside what went.
    Round 2: the first member counts now, and its ``"aborT"`` becomes ``"abort"``; round 3: its
    two equal ``onCustomizerError`` become one. The value that counted, ``"aborT"``, is
    ``"abort"``: what AIB103 asked for; every edit is in the member its finding names."""
    write("t.json", TWICE_TWICE)
    findings = [(f["rule"], f["line"], f["column"]) for f in json.loads(main_in_process(
        "--format", "json", "--select", "AIB002,AIB103", "t.json")[1])["findings"]]
    assert findings == [("AIB002", 7, 53), ("AIB002", 8, 5), ("AIB002", 8, 53), ("AIB103", 8, 74)]
    assert main_in_process("--select", "AIB002,AIB103", "--fix", "t.json") == (0, "")
    assert capsys.readouterr().err == "aiblint: fixed 3 problems in 1 file\n"
    assert (tmp_path / "t.json").read_bytes() == (
        b'{\n  "type": "Microsoft.VirtualMachineImages/imageTemplates",\n  "apiVersion": "2024-02-01",\n'
        b'  "location": "westus2",\n  "properties": {\n'
        b'    "customize": [{"type": "Shell", "name": "a", "inline": ["true"]}],\n'
        b'    "errorHandling": {"onCustomizerError": "abort"}\n  }\n}\n'
    )
