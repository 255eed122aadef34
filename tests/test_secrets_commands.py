"""Credentials on command lines (AIB402's detectors), gitleaks style: every
detector finds each of its true-positive samples at the exact place, and no
detector finds anything in its false-positive samples."""

from __future__ import annotations

import pytest

from aiblint.scripts.syntax import POWERSHELL, SHELL, parse
from aiblint.secrets.commands import COMMAND_DETECTORS, command_credentials

POSITIVES = [
    (detector.id, language, text, secret)
    for detector in COMMAND_DETECTORS
    for language in detector.languages
    for text, secret in detector.positives
    if language == detector.languages[0]
]
NEGATIVES = [(detector.id, detector.languages[0], text) for detector in COMMAND_DETECTORS for text in detector.negatives]


def test_every_detector_has_samples_of_both_kinds() -> None:
    for detector in COMMAND_DETECTORS:
        assert detector.positives and detector.negatives, detector.id


@pytest.mark.parametrize(("detector", "language", "text", "secret"), POSITIVES, ids=[f"{p[0]}-{i}" for i, p in enumerate(POSITIVES)])
def test_true_positive(detector: str, language: str, text: str, secret: str) -> None:
    found = [match for match in command_credentials(parse(language, text)) if match.detector == detector]
    assert [(text[match.start : match.end], match.value) for match in found] == [(secret, secret)]


@pytest.mark.parametrize(("detector", "language", "text"), NEGATIVES, ids=[f"{n[0]}-{i}" for i, n in enumerate(NEGATIVES)])
def test_false_positive(detector: str, language: str, text: str) -> None:
    assert command_credentials(parse(language, text)) == []


def test_labels_say_what_passes_the_credential() -> None:
    text = "sudo subscription-manager register --username b --password 'Rh8!kq29Lz'\necho 'Hx93kPq27wz' | sudo -S true\n"
    assert [match.label for match in command_credentials(parse(SHELL, text))] == ["subscription-manager --password", "sudo -S"]


def test_az_login_in_powershell_too() -> None:
    text = "az login --service-principal -u 0000 -p 'Zx9-kd83jdKa82' --tenant contoso"
    (match,) = command_credentials(parse(POWERSHELL, text))
    assert (match.detector, match.value) == ("az-login", "Zx9-kd83jdKa82")


def test_an_escaped_value_is_reported_at_the_whole_word() -> None:
    text = 'sshpass -p "Hx93\\$kPq27wz" scp a b:'
    (match,) = command_credentials(parse(SHELL, text))
    assert match.value == "Hx93$kPq27wz"
    assert text[match.start : match.end] == '"Hx93\\$kPq27wz"'


def test_masked_unknown_parts_are_not_credentials() -> None:
    # what aiblint.scripts.units makes of "--password <password>": underscores keeping the columns
    assert command_credentials(parse(SHELL, "subscription-manager register --password __________")) == []
