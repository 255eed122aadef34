"""Run every detector over a text and keep one match per place."""

from __future__ import annotations

from aiblint.secrets.detectors import DETECTORS
from aiblint.secrets.generic import GENERIC, generic_matches
from aiblint.secrets.match import SecretMatch

_PRIORITY: dict[str, int] = {detector.id: detector.priority for detector in DETECTORS} | {
    detector.id: detector.priority for detector in GENERIC
}


def _priority(match: SecretMatch) -> int:
    return _PRIORITY.get(match.detector, 0)


def scan_text(text: str) -> list[SecretMatch]:
    """The secrets in ``text``, in order. Where two detectors find the same
    place, the more specific one wins: token formats (aiblint's, then
    detect-secrets'), then secret-named variables, then detect-secrets'
    keyword detector."""
    folded = text.casefold()  # only ever tested for keywords, never indexed
    found: list[SecretMatch] = []
    for detector in DETECTORS:
        if detector.wanted(folded):
            found.extend(detector.find(text))
    found.extend(generic_matches(text, folded))
    return _first_of_overlapping(found)


def _first_of_overlapping(matches: list[SecretMatch]) -> list[SecretMatch]:
    kept: list[SecretMatch] = []
    for match in sorted(matches, key=_priority):  # stable: detectors' order breaks ties
        if all(match.end <= other.start or other.end <= match.start for other in kept):
            kept.append(match)
    return sorted(kept, key=lambda match: (match.start, match.end))
