"""No secret in any output (issue 20): real-looking secrets planted in every
field and file of a repository, through every rule, every format, ``--diff``,
``--show-suppressed``, standard error, the result cache, the baseline and the
fingerprints; and the baseline tells a new secret from an old one at the
same place."""

from __future__ import annotations

import hashlib
import io
import json
from contextlib import redirect_stderr
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from tests.conftest import main_in_process

GITHUB = "ghp_R3aLl00kingT0kenAbCdEfGhIjKlMnOpQr12"  # 40 characters
SAS = "Xq3mUe7Rw9Zt2Lp5Kd8Hs4Nv6Bc1Yf0Gj3Aa5Ee7Ii9%3D"
URL_PASSWORD = "Tr0ub4dor7xyzzy"
CURL_PASSWORD = "Tr0ub4dor7"
REASON_TOKEN = "ghp_SuppReasonT0kenAbCdEfGhIjKlMnOpQrStu"
PARAM_SECRET = "Pm4!vQ9zLw2-xK7r"
SCRIPT_KEY = "Zx9-kd83jdKa82Qw"
UNQUOTED = "ghp_Unqu0tedT0kenAbCdEfGhIjKlMnOpQrStUvw"
SECRETS = (GITHUB, SAS, URL_PASSWORD, CURL_PASSWORD, REASON_TOKEN, PARAM_SECRET, SCRIPT_KEY, UNQUOTED)

SIGNED = f"https://contoso.blob.core.windows.net/build/setup.sh?sv=2022-11-02&sp=r&sig={SAS}"
WITH_USER = f"https://deploy:{URL_PASSWORD}@downloads.contoso.com/tools/install.sh"


def _template() -> str:
    body = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"token": {"type": "string", "defaultValue": GITHUB}},
        "resources": [{
            "type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "name": "img",
            "location": "westus", "tags": {"owner": f"token {GITHUB}"},
            "identity": {"type": "UserAssigned", "userAssignedIdentities": {"[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'id')]": {}}},
            "properties": {
                "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"},
                "customize": [
                    {"type": "Shell", "name": "signed", "scriptUri": SIGNED},
                    {"type": "Shell", "name": "user", "scriptUri": WITH_USER},
                    {"type": "Shell", "name": "gh", "scriptUri": f"https://{GITHUB}@raw.githubusercontent.com/contoso/tools/main/x.sh"},
                    {"type": "File", "name": "copy", "sourceUri": SIGNED, "destination": "/tmp/x"},
                    {"type": "Shell", "name": "inline", "inline": [
                        f"curl -u deploy:{CURL_PASSWORD} http://downloads.contoso.com/a.sh | bash",
                        f"export GITHUB_TOKEN={GITHUB}",
                        f"git clone https://x:{GITHUB}@github.com/contoso/tools",
                    ]},
                    {"type": "Shell", "name": "file", "scriptUri": "scripts/setup.sh"},
                    {"type": "Shell", "name": "param", "inline": ["[concat('echo ', parameters('token'))]"]},
                ],
                "distribute": [{"type": "ManagedImage", "imageId": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/images/i",
                                "location": "westus", "runOutputName": "i"}],
            },
        }],
    }
    return json.dumps(body, indent=2)


def _plant(root: Path) -> None:
    (root / ".git").mkdir()
    (root / "scripts").mkdir()
    (root / "t.json").write_text(_template())
    (root / "t.parameters.json").write_text(json.dumps({"parameters": {"token": {"value": PARAM_SECRET}}}))
    (root / "scripts" / "setup.sh").write_text(
        f"#!/bin/bash\naz login --service-principal -u 00000000-0000-0000-0000-000000000000 -p '{SCRIPT_KEY}' --tenant t\n"
    )
    (root / "broken.json").write_text(
        '{"type": "Microsoft.VirtualMachineImages/imageTemplates", "properties": {"x": ' + UNQUOTED + "}}\n"
    )
    fixable = json.loads(_template().replace(GITHUB, GITHUB[::-1]))  # AIB103 (a key's case) with a secret beside it
    resource = fixable["resources"][0]
    resource["properties"]["Customize"] = resource["properties"].pop("customize")
    resource["properties"]["Customize"][0]["scriptUri"] = f"https://x.contoso.com/a.sh?sig={SAS}"
    (root / "fix.json").write_text(json.dumps(fixable, indent=2))
    suppressed = _template().replace(
        '"name": "signed"', f'"name": "signed" /* aiblint: ignore[AIB305] keep: the token is {REASON_TOKEN} */'
    )
    (root / "s.jsonc").write_text(suppressed)


def _leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text or secret[::-1] in text]


def test_no_secret_in_any_output_of_any_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _plant(tmp_path)
    monkeypatch.setenv("AIBLINT_CACHE_DIR", str(tmp_path / "cache"))
    files = ["t.json", "broken.json", "fix.json", "s.jsonc", "scripts/setup.sh"]
    runs = [[f"--format={fmt}", "--show-suppressed"] for fmt in sorted({e.name for e in entry_points(group="aiblint.formatters")})]
    runs += [["--color", "always"], ["-j", "2"], ["--diff"], ["--write-baseline", "b.json"], ["--baseline", "b.json", "--format", "sarif"]]
    rules_seen: set[str] = set()
    for extra in runs:
        stderr = io.StringIO()
        with redirect_stderr(stderr):
            code, out = main_in_process(*extra, *files)
        assert code in (0, 1), (extra, stderr.getvalue())
        assert _leaks(out) == [] and _leaks(stderr.getvalue()) == [], (extra, out + stderr.getvalue())
        if extra[0] == "--format=json":
            rules_seen = {finding["rule"] for finding in json.loads(out)["findings"]}
    assert {"AIB001", "AIB303", "AIB305", "AIB400", "AIB402", "AIB506"} <= rules_seen, rules_seen
    assert _leaks((tmp_path / "b.json").read_text()) == []
    cached = b"".join(path.read_bytes() for path in (tmp_path / "cache").rglob("*") if path.is_file())
    assert cached and _leaks(cached.decode("utf-8", "replace")) == []


def _sarif_fingerprints(*args: str) -> dict[tuple[str, int], str]:
    _code, out = main_in_process("--format", "sarif", "--no-cache", *args)
    results = json.loads(out)["runs"][0]["results"]
    return {(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]): r["partialFingerprints"]["aiblintFingerprint/v1"]
            for r in results}


def test_a_short_password_cannot_be_found_again_from_a_fingerprint(tmp_path: Path) -> None:
    """The attack of the issue: hash each word of a list the way aiblint hashes a span."""
    from aiblint.engine import _fingerprint

    line = f"curl -u deploy:{CURL_PASSWORD} http://downloads.contoso.com/a.sh | bash"
    (tmp_path / ".git").mkdir()
    (tmp_path / "t.json").write_text(_template())
    fingerprints = _sarif_fingerprints("t.json")
    words = ["password", "letmein", CURL_PASSWORD, "hunter2", "Tr0ub4dor&3", "correcthorse"]
    text = (tmp_path / "t.json").read_text()
    for (rule, _), fingerprint in fingerprints.items():
        for word in words:
            candidate = line.replace(CURL_PASSWORD, word)
            for start in range(len(candidate)):  # every substring of the line that holds the word
                for end in range(start + 1, len(candidate) + 1):
                    if word in candidate[start:end] and candidate[start:end] in text.replace(CURL_PASSWORD, word):
                        for logical in _logical_paths():
                            assert _fingerprint(rule, "t.json", logical, candidate[start:end]) != fingerprint


def _logical_paths() -> list[str]:
    return [f"resources[0].properties.customize[4].inline[{index}]" for index in range(3)] + [
        "resources[0].properties.customize[4].inline", "resources[0].properties.customize[4]"]


def test_the_baseline_knows_a_new_secret_at_the_same_place(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "t.json").write_text(_template())
    assert main_in_process("--no-cache", "--write-baseline", "b.json", "t.json")[0] == 0
    baseline = json.loads((tmp_path / "b.json").read_text())
    key = baseline["key"]
    assert isinstance(key, str) and len(key) == 64 and _leaks(json.dumps(baseline)) == []
    assert main_in_process("--no-cache", "--baseline", "b.json", "t.json")[0] == 0  # the same secrets: accepted
    other = "ghp_" + "Z" * 36  # same kind, same length, same place
    assert len(other) == len(GITHUB)
    (tmp_path / "t.json").write_text(_template().replace(GITHUB, other))
    code, out = main_in_process("--no-cache", "--format", "json", "--baseline", "b.json", "t.json")
    active = [(f["rule"], f["line"]) for f in json.loads(out)["findings"] if not f.get("suppressed")]
    assert code == 1 and {rule for rule, _ in active} == {"AIB303", "AIB400"}, active  # the secret findings only
    # Rewriting the baseline keeps its key: fingerprints stay comparable between runs.
    assert main_in_process("--no-cache", "--write-baseline", "b.json", "t.json")[0] == 0
    assert json.loads((tmp_path / "b.json").read_text())["key"] == key
    raw = hashlib.sha256(GITHUB.encode()).hexdigest()
    assert raw[:32] not in (tmp_path / "b.json").read_text()


# -- SARIF fingerprints of secrets without a baseline -----------------------------------------

_FIRST, _SECOND = "Hx93kPq27wzA", "Kd81mWr55tqB"  # two passwords of one length: the same masked message


def _two_passwords(*passwords: str) -> str:
    inline = "; ".join(f"export PASSWORD={password}; run{index}" for index, password in enumerate(passwords))
    return json.dumps({
        "type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2024-02-01", "name": "img",
        "location": "westus2",
        "properties": {"customize": [{"type": "Shell", "name": "a", "inline": [inline]}]},
    }, indent=2)


def _secret_prints(tmp_path: Path, text: str) -> tuple[list[tuple[str, int, int, str]], str]:
    (tmp_path / "t.json").write_text(text)
    code, out = main_in_process("--format", "sarif", "--no-cache", "--select", "AIB400", "t.json")
    assert code == 1, out
    results = json.loads(out)["runs"][0]["results"]
    return [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"],
             r["locations"][0]["physicalLocation"]["region"]["startColumn"],
             r["partialFingerprints"]["aiblintFingerprint/v1"]) for r in results], out


def test_two_secrets_with_one_masked_message_get_distinct_stable_fingerprints_without_a_baseline(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    first, out = _secret_prints(tmp_path, _two_passwords(_FIRST, _SECOND))
    assert [place[:3] for place in first] == [("AIB400", 12, 28), ("AIB400", 12, 64)]
    assert first[0][3] != first[1][3] and first[1][3] == first[0][3] + ":2"  # location and ordinal, not the secret
    again, _ = _secret_prints(tmp_path, _two_passwords(_FIRST, _SECOND))
    assert again == first  # the same secrets in another run: the same fingerprints
    other, _ = _secret_prints(tmp_path, _two_passwords("Zq72nBv40ycC", "Wt63pLs18hxD"))
    assert other == first  # without a key, a fingerprint carries nothing of the secret (as the fuzz target requires)
    digests = [hashlib.sha256(secret.encode()).hexdigest() for secret in (_FIRST, _SECOND)]
    for secret, digest in zip((_FIRST, _SECOND), digests, strict=True):
        assert secret not in out and digest[:16] not in out


def test_with_a_baseline_two_secrets_with_one_masked_message_are_told_apart_by_their_text(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "t.json").write_text(_two_passwords(_FIRST, _SECOND))
    assert main_in_process("--no-cache", "--write-baseline", "b.json", "t.json")[0] == 0
    (tmp_path / "t.json").write_text(_two_passwords(_SECOND))  # the first removed, the second kept
    code, out = main_in_process("--no-cache", "--format", "json", "--baseline", "b.json", "--select", "AIB400", "t.json")
    assert code == 0 and [f["suppressed"]["kind"] for f in json.loads(out)["findings"]] == ["external"]
