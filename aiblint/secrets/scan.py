"""Run every detector over a text and keep one match per place."""

from __future__ import annotations

import re
from functools import cache

from aiblint.secrets.detectors import DETECTORS
from aiblint.secrets.generic import GENERIC, generic_matches
from aiblint.secrets.match import SecretMatch

_PRIORITY: dict[str, int] = {detector.id: detector.priority for detector in DETECTORS} | {
    detector.id: detector.priority for detector in GENERIC
}


def _priority(match: SecretMatch) -> int:
    return _PRIORITY.get(match.detector, 0)


@cache
def _any_keyword() -> re.Pattern[str]:
    """Every keyword of every detector, in one pattern: a detector runs only
    on a text that holds one of its keywords, so a text that holds none is
    scanned by none (most template strings: names, types, versions)."""
    keywords = {keyword for detector in DETECTORS for keyword in detector.keywords}
    keywords.update(keyword for generic in GENERIC for keyword in generic.keywords)
    return re.compile("|".join(re.escape(keyword) for keyword in sorted(keywords)))


def scan_text(text: str) -> list[SecretMatch]:
    """The secrets in ``text``, in order. Where two detectors find the same
    place, the more specific one wins: token formats (aiblint's, then
    detect-secrets'), then secret-named variables, then detect-secrets'
    keyword detector."""
    folded = text.casefold()  # only ever tested for keywords, never indexed
    if _any_keyword().search(folded) is None:
        return []
    return _scan(text, folded)


def _scan(text: str, folded: str) -> list[SecretMatch]:
    found: list[SecretMatch] = []
    for detector in DETECTORS:
        if detector.wanted(folded):
            found.extend(detector.find(text))
    found.extend(generic_matches(text, folded))
    return _first_of_overlapping(found)


def _first_of_overlapping(matches: list[SecretMatch]) -> list[SecretMatch]:
    """One match per place: in each run of overlapping matches, the preferred
    ones (by :func:`_priority`, then detector order) that do not overlap each other."""
    ranked = {id(match): rank for rank, match in enumerate(sorted(matches, key=_priority))}
    kept: list[SecretMatch] = []
    cluster: list[SecretMatch] = []
    cluster_end = -1
    for match in sorted(matches, key=lambda item: (item.start, item.end)):
        if match.start >= cluster_end and cluster:
            kept += _resolve(cluster, ranked)
            cluster = []
        cluster.append(match)
        cluster_end = max(cluster_end, match.end)
    kept += _resolve(cluster, ranked)
    return sorted(kept, key=lambda match: (match.start, match.end))


def _resolve(cluster: list[SecretMatch], ranked: dict[int, int]) -> list[SecretMatch]:
    chosen: list[SecretMatch] = []
    for match in sorted(cluster, key=lambda item: ranked[id(item)]):
        if all(match.end <= other.start or other.end <= match.start for other in chosen):
            chosen.append(match)
    return chosen
