"""AIB400-AIB402 through the CLI: exact places, and the promise that no output
format ever prints a secret in full."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest

from tests.conftest import json_findings, main_in_process, need_shared

SAS = "GOdg9wpCb0ZSX8eL2dQoxJxfsFmG7f7Uk%2B9apvbjPYw%3D"
CLIENT_SECRET = "Qm7rT2vX9kLp4sW8zN1b"
RHSM_PASSWORD = "Rh8!kq29Lz"
ROOT_PASSWORD = "Sup3rS3cret"
PS_PASSWORD = "Hx93!kPq27wz"
STORAGE_KEY = "PKM0ctf74XoBKTiTMuYF+6Bry4CytsAnri2Vk+pIngy8uuzYLsz/O9n7y4TX9QxyQhk02/BI9nU+6fCAzZ31zQ=="
AZ_PASSWORD = "Zx9-kd83jdKa82"
SECRETS = (SAS, CLIENT_SECRET, RHSM_PASSWORD, ROOT_PASSWORD, PS_PASSWORD, STORAGE_KEY, AZ_PASSWORD)

TEMPLATE = f"""{{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2022-07-01",
  "location": "westeurope",
  "properties": {{
    "source": {{"type": "PlatformImage", "publisher": "RedHat", "offer": "RHEL", "sku": "9-lvm-gen2", "version": "latest"}},
    "customize": [
      {{"type": "Shell", "name": "secrets", "inline": [
        "export ARM_CLIENT_SECRET={CLIENT_SECRET}",
        "curl -fsSLo /tmp/a.sh \\"https://contoso.blob.core.windows.net/s/a.sh?sv=2022-11-02&sp=r&sig={SAS}\\"",
        "sudo subscription-manager register --username builder --password '{RHSM_PASSWORD}'",
        "echo 'root:{ROOT_PASSWORD}' | sudo chpasswd",
        "sudo subscription-manager unregister"
      ]}},
      {{"type": "Shell", "name": "file", "scriptUri": "setup.sh"}}
    ],
    "distribute": [{{"type": "ManagedImage", "imageId": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/images/i", "location": "westeurope", "runOutputName": "i"}}]
  }}
}}
"""
SCRIPT = f"""#!/bin/bash
set -e
CONNECTION='DefaultEndpointsProtocol=https;AccountName=contoso;AccountKey={STORAGE_KEY}'
az login --service-principal -u 00000000-0000-0000-0000-000000000000 -p '{AZ_PASSWORD}' --tenant contoso
"""
POWERSHELL = f"""{{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {{
    "customize": [
      {{"type": "PowerShell", "name": "user", "inline": ["$pw = ConvertTo-SecureString '{PS_PASSWORD}' -AsPlainText -Force"]}}
    ]
  }}
}}
"""
EXPECTED = [
    ("AIB400", "t.json", 9, 35),
    ("AIB400", "t.json", 10, 102),
    ("AIB402", "t.json", 11, 76),
    ("AIB402", "t.json", 12, 21),
    ("AIB401", "setup.sh", 3, 75),
    ("AIB402", "setup.sh", 4, 74),
    ("AIB402", "ps.json", 5, 88),
]


@pytest.fixture
def secrets_tree(write):  # type: ignore[no-untyped-def]
    write("t.json", TEMPLATE)
    write("setup.sh", SCRIPT)
    write("ps.json", POWERSHELL)


def _formats() -> list[str]:
    return sorted({entry_point.name for entry_point in entry_points(group="aiblint.formatters")})


def test_places(secrets_tree) -> None:  # type: ignore[no-untyped-def]
    findings = json_findings("--select", "AIB4", "t.json", "ps.json")
    got = sorted((f["rule"], f["path"], f["line"], f["column"]) for f in findings)
    assert got == sorted(EXPECTED)


def test_messages_show_only_masked_secrets(secrets_tree) -> None:  # type: ignore[no-untyped-def]
    messages = [f["message"] for f in json_findings("--select", "AIB4", "t.json", "ps.json")]
    assert any(message.startswith("SAS token signature sig=GO…(48 chars) in an inline command") for message in messages)
    assert any(message.startswith("literal Red Hat password or activation key passed to `subscription-manager --password` (…(10 chars))") for message in messages)
    assert any(message.startswith("account key in a connection string AccountKey=PK…(88 chars) in a script") for message in messages)


@pytest.mark.parametrize("fmt", _formats())
def test_no_format_prints_a_secret(secrets_tree, fmt: str) -> None:  # type: ignore[no-untyped-def]
    code, out = main_in_process("--format", fmt, "t.json", "ps.json")
    assert code == 1
    assert "AIB400" in out and "AIB401" in out and "AIB402" in out
    for secret in SECRETS:
        assert secret not in out, f"{fmt} prints a secret"


def test_code_frames_star_the_secret(secrets_tree) -> None:  # type: ignore[no-untyped-def]
    code, out = main_in_process("--color", "always", "t.json", "ps.json")
    assert code == 1
    assert "| " in out  # the code frames are there
    for secret in SECRETS:
        assert secret not in out
    assert '"export ARM_CLIENT_SECRET=' + "*" * len(CLIENT_SECRET) + '",' in out


def test_language_server_diagnostics_hold_no_secret(secrets_tree) -> None:  # type: ignore[no-untyped-def]
    from aiblint.config import Config
    from aiblint.engine import Linter
    from aiblint.lsp.positions import PositionMap
    from aiblint.lsp.server import _diagnostic
    from aiblint.registry import RuleSet

    data = Path("t.json").read_bytes()
    findings, _ = Linter(RuleSet.load_all(), Config()).lint_bytes(data, "t.json")
    diagnostics = [_diagnostic(finding, PositionMap(data.decode(), "utf-16"), None) for finding in findings]
    assert any(diagnostic.code == "AIB400" for diagnostic in diagnostics)
    text = repr(diagnostics)
    for secret in SECRETS:
        assert secret not in text


def test_fingerprints_do_not_hash_the_secret(secrets_tree) -> None:  # type: ignore[no-untyped-def]
    """A fingerprint is a hash of the offending text; of a short password, that
    hash would give the password away to a dictionary."""
    import hashlib

    from aiblint.config import Config
    from aiblint.engine import Linter
    from aiblint.registry import RuleSet
    from aiblint.selection import Selection

    linter = Linter(RuleSet.load(Selection.of(["AIB400"], [])), Config())
    findings, _ = linter.lint_bytes(Path("t.json").read_bytes(), "t.json")
    first = findings[0]
    assert (first.rule, first.line) == ("AIB400", 9)
    of_the_secret = "\0".join(("AIB400", "t.json", first.logical_path, CLIENT_SECRET))
    assert first.fingerprint
    assert first.fingerprint != hashlib.sha256(of_the_secret.encode()).hexdigest()[:32]


def test_no_secret_findings_on_the_corpus() -> None:
    shared = need_shared()
    for folder in (shared / "corpus", shared / "reference" / "wild-examples"):
        findings = json_findings("--select", "AIB4", str(folder))
        assert findings == [], [(f["path"], f["line"], f["message"]) for f in findings]


def test_a_sas_in_a_script_uri_is_left_to_aib303(write) -> None:  # type: ignore[no-untyped-def]
    write("u.json", TEMPLATE.replace('"scriptUri": "setup.sh"', f'"scriptUri": "https://contoso.blob.core.windows.net/s/a.sh?sv=2022-11-02&sp=r&sig={SAS}"'))
    findings = json_findings("--select", "AIB400,AIB303", "u.json")
    assert sorted((f["rule"], f["line"]) for f in findings) == [("AIB303", 15), ("AIB400", 9), ("AIB400", 10)]


def test_a_token_on_a_command_line_is_reported_once(write) -> None:  # type: ignore[no-untyped-def]
    client_secret = "0g28Q~BDal6Q0xdTuTBoJBLIqmHm3vnhTxn.OJiL"
    write("c.json", TEMPLATE.replace(f"export ARM_CLIENT_SECRET={CLIENT_SECRET}", f"az login --service-principal -u x -p {client_secret} --tenant t"))
    found = [(f["rule"], f["line"]) for f in json_findings("--select", "AIB4", "c.json") if f["line"] == 9]
    assert found == [("AIB400", 9)]
