"""The secret scan's keyword pre-filter is exact: with and without it, the same findings."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiblint.secrets.detectors import DETECTORS, Detector
from aiblint.secrets.generic import GENERIC, GenericDetector
from aiblint.secrets.scan import KEYWORDS as WRITTEN_KEYWORDS
from aiblint.secrets.scan import _any_keyword, _scan, scan_text

ALL: tuple[Detector | GenericDetector, ...] = (*DETECTORS, *GENERIC)
SAMPLES = [text for detector in ALL for text, _ in detector.positives] + [text for detector in ALL for text in detector.negatives]
KEYWORDS = sorted({keyword for detector in ALL for keyword in detector.keywords})
SECRETS = [secret for detector in ALL for _, secret in detector.positives]


def test_the_written_keywords_are_every_detectors() -> None:
    """The pre-filter's list, written out so that a text without a keyword needs no detector imported."""
    assert list(WRITTEN_KEYWORDS) == KEYWORDS


def _unfiltered(text: str) -> list[object]:
    return list(_scan(text, text.casefold()))


@pytest.mark.parametrize("text", SAMPLES)
def test_every_detector_sample_gets_the_same_findings(text: str) -> None:
    assert scan_text(text) == _unfiltered(text)


@pytest.mark.parametrize("detector", ALL, ids=lambda detector: detector.id)
def test_every_positive_passes_the_filter(detector: Detector | GenericDetector) -> None:
    for text, _ in detector.positives:
        assert _any_keyword().search(text.casefold()) is not None
        assert scan_text(text)


def test_texts_without_a_keyword_are_not_scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    import aiblint.secrets.scan as scan

    def fail(text: str, folded: str) -> list[object]:
        raise AssertionError(text)

    monkeypatch.setattr(scan, "_scan", fail)
    for text in ("Microsoft.VirtualMachineImages/imageTemplates", "westus2", "2022-07-01", "Ubuntu2204"):
        assert scan_text(text) == []


def test_the_secret_samples_of_the_rule_tests_get_the_same_findings() -> None:
    """Every string literal of the secret rules' tests (the inputs they were written with)."""
    import ast

    texts: set[str] = set()
    for path in sorted(Path(__file__).parent.glob("test_secret*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                texts.add(node.value)
    assert len(texts) > 100
    for text in sorted(texts):
        assert scan_text(text) == _unfiltered(text), text


_PIECES = st.one_of(
    st.sampled_from(KEYWORDS), st.sampled_from([keyword.upper() for keyword in KEYWORDS]), st.sampled_from(SECRETS),
    st.sampled_from(["=", ":", " ", "\n", "'", '"', "?", "&", "/", "-", "_", ".", "İ", "K", "ſ", "ß"]),
    st.text(max_size=12),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=8).map("".join))
def test_generated_texts_get_the_same_findings(text: str) -> None:
    assert scan_text(text) == _unfiltered(text)
