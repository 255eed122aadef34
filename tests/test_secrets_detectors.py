"""The secret detectors, gitleaks style: every detector finds each of its
true-positive samples exactly and nothing at all in its false-positive samples."""

from __future__ import annotations

import subprocess
import sys

import pytest

from aiblint.secrets import SecretMatch, mask, scan_text
from aiblint.secrets.detectors import DETECTORS
from aiblint.secrets.filters import stands_for_a_secret
from aiblint.secrets.generic import GENERIC

ALL = (*DETECTORS, *GENERIC)
POSITIVES = [(detector.id, text, secret) for detector in ALL for text, secret in detector.positives]
NEGATIVES = [(detector.id, text) for detector in ALL for text in detector.negatives]


def test_every_detector_has_samples_of_both_kinds() -> None:
    for detector in ALL:
        assert detector.positives, detector.id
        assert detector.negatives, detector.id
    assert len({detector.id for detector in ALL}) == len(ALL)


@pytest.mark.parametrize(("detector", "text", "secret"), POSITIVES, ids=[f"{d}-{i}" for i, (d, _, _) in enumerate(POSITIVES)])
def test_true_positive(detector: str, text: str, secret: str) -> None:
    found = [match for match in scan_text(text) if match.detector == detector]
    assert [text[match.start : match.end] for match in found] == [secret]
    assert found[0].value == secret


@pytest.mark.parametrize(("detector", "text"), NEGATIVES, ids=[f"{d}-{i}" for i, (d, _) in enumerate(NEGATIVES)])
def test_false_positive(detector: str, text: str) -> None:
    assert [match.detector for match in scan_text(text)] == []


def test_sas_signature_is_masked_with_its_name() -> None:
    text = "curl -o a.sh 'https://contoso.blob.core.windows.net/s/a.sh?sv=2022-11-02&sp=r&sig=GOdg9wpCb0ZSX8eL2dQoxJxfsFmG7f7Uk%2B9apvbjPYw%3D'"
    (match,) = scan_text(text)
    assert match.detector == "azure-sas-signature"
    assert match.describe() == "SAS token signature sig=GO…(48 chars)"
    assert "GOdg9w" not in repr(match)


def test_annotated_key_names_azure_devops() -> None:
    (detector,) = [d for d in DETECTORS if d.id == "azure-annotated-key"]
    (match,) = scan_text(detector.positives[0][0])
    assert match.kind == "Azure DevOps personal access token"


def test_private_key_covers_the_whole_block() -> None:
    text = "cat > /tmp/k <<'EOF'\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\nEOF\n"
    (match,) = scan_text(text)
    assert text[match.start : match.end].startswith("-----BEGIN OPENSSH")
    assert text[match.start : match.end].endswith("-----END OPENSSH PRIVATE KEY-----")


def test_more_specific_detector_wins_where_two_agree() -> None:
    text = "export ARM_CLIENT_SECRET=0g28Q~BDal6Q0xdTuTBoJBLIqmHm3vnhTxn.OJiL"
    assert [match.detector for match in scan_text(text)] == ["entra-client-secret"]


def test_two_secrets_on_one_line_are_both_found_in_order() -> None:
    text = "export DB_PASSWORD=Hx93kPq27wz API_TOKEN=Zq84mw02Lp7"
    assert [(match.label, match.value) for match in scan_text(text)] == [
        ("DB_PASSWORD=", "Hx93kPq27wz"),
        ("API_TOKEN=", "Zq84mw02Lp7"),
    ]


@pytest.mark.parametrize(
    ("secret", "shown"),
    [
        ("GOdg9wpCb0ZSX8eL2dQoxJxfsFmG7f7Uk+9apvbjPYw=", "GO…(44 chars)"),
        ("P@ssw0rd!", "…(9 chars)"),
        ("abcdefghijklmno", "…(15 chars)"),
        ("abcdefghijklmnop", "ab…(16 chars)"),
    ],
)
def test_mask(secret: str, shown: str) -> None:
    assert mask(secret) == shown


def test_secret_match_repr_hides_the_value() -> None:
    match = SecretMatch("x", "password", 0, 12, "Hx93!kPq27wz", "PASSWORD=")
    assert "Hx93" not in repr(match)
    assert match.masked() == "PASSWORD=…(12 chars)"


@pytest.mark.parametrize(
    "value",
    [
        "[parameters('adminPassword')]", "<password>", "$env:PASS", "${PASS}", "$PASS", "$(cat /run/secrets/x)",
        "`cat /run/x`", "%ADMIN_PASSWORD%", "{{ vault_password }}", "#{AdminPassword}#", "__PASSWORD__",
        "changeme", "xxxx", "********", "password", "your_password_here", "example-secret", "12345678", "ab",
    ],
)
def test_stand_ins_are_not_secrets(value: str) -> None:
    assert stands_for_a_secret(value)


@pytest.mark.parametrize("value", ["Hx93!kPq27wz", "Tr0ub4dor&3", "GOdg9wpCb0ZSX8eL2dQoxJxfsFmG7f7Uk"])
def test_real_looking_values_are_secrets(value: str) -> None:
    assert not stands_for_a_secret(value)


def _imports_detect_secrets(text: str) -> bool:
    code = f"import sys; from aiblint.secrets import scan_text; scan_text({text!r}); print('detect_secrets' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return result.stdout.strip() == "True"


def test_detect_secrets_is_imported_only_for_texts_that_need_it() -> None:
    assert not _imports_detect_secrets("sudo apt-get install -y nginx")
    assert _imports_detect_secrets("password: 'Hx93!kPq27wz'")


def test_detect_secrets_alone_misses_what_the_own_detectors_are_for() -> None:
    """The measurement behind aiblint.secrets.detectors: detect-secrets 1.5's
    plugins (the noisy high-entropy ones aside) find nothing in these."""
    from detect_secrets.core.scan import scan_line
    from detect_secrets.settings import default_settings

    missed = {
        "export ARM_CLIENT_SECRET=Qm7rT2vX9kLp4sW8zN1b",
        "curl -o a.sh 'https://contoso.blob.core.windows.net/s/a.sh?sv=2022-11-02&sp=r&sig=GOdg9wpCb0ZSX8eL2dQoxJxfsFmG7f7Uk%2B9apvbjPYw%3D'",
        "az login --service-principal -u 00000000-0000-0000-0000-000000000000 -p 0g28Q~BDal6Q0xdTuTBoJBLIqmHm3vnhTxn.OJiL --tenant t",
    }
    with default_settings():
        for text in missed:
            assert [found.type for found in scan_line(text) if "High Entropy" not in found.type] == []
            assert scan_text(text)
