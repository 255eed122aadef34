"""Run every detector over a text and keep one match per place."""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Final

from aiblint import recache
from aiblint.secrets.match import SecretMatch

if TYPE_CHECKING:
    from aiblint.secrets.detectors import Detector
    from aiblint.secrets.generic import GenericDetector

#: Every keyword of every detector (aiblint's and detect-secrets'), lower case, written
#: out: a text that holds none is passed without importing the detectors and their
#: tables (4-5 ms of a cold run); tests/test_secrets_prefilter.py checks it against them.
KEYWORDS: Final = (
    "://", "_authtoken", "a3t", "abia", "acca", "accountkey", "ado", "akia", "asia", "azdo", "basic", "bearer",
    "contrase", "credential", "devops", "eyj", "gho_", "ghp_", "ghr_", "ghs_", "ghu_", "github_pat_", "gldt-",
    "glpat-", "glptt-", "glrt-", "hooks.slack.com", "jqqj9", "k_live_", "key", "pass", "pat", "private key",
    "putty-user-key", "pwd", "pypi-ag", "q~", "sas", "secret", "sg.", "sharedaccesskey", "sig=", "sq0csp-",
    "t3blbkfj", "token", "vsts", "xox",
)


@cache
def _detectors() -> tuple[tuple[Detector, ...], tuple[GenericDetector, ...], dict[str, int]]:
    """aiblint's detectors, detect-secrets' and the priority of each, imported when a
    text holds a keyword."""
    from aiblint.secrets.detectors import DETECTORS
    from aiblint.secrets.generic import GENERIC

    priority = {detector.id: detector.priority for detector in DETECTORS} | {detector.id: detector.priority for detector in GENERIC}
    return DETECTORS, GENERIC, priority


def _priority(match: SecretMatch) -> int:
    return _detectors()[2].get(match.detector, 0)


@cache
def _any_keyword() -> re.Pattern[str]:
    """Every keyword of every detector, in one pattern: a detector runs only
    on a text that holds one of its keywords, so a text that holds none is
    scanned by none (most template strings: names, types, versions)."""
    return recache.compile("|".join(re.escape(keyword) for keyword in KEYWORDS))


#: Texts up to this long are remembered with their matches (:func:`_remembered`).
_REMEMBERED_LENGTH: Final = 4096


def scan_text(text: str) -> list[SecretMatch]:
    """The secrets in ``text``, in order. Where two detectors find the same
    place, the more specific one wins: token formats (aiblint's, then
    detect-secrets'), then secret-named variables, then detect-secrets'
    keyword detector."""
    if len(text) <= _REMEMBERED_LENGTH:
        return list(_remembered(text))
    return _scanned(text)


@lru_cache(maxsize=1024)
def _remembered(text: str) -> tuple[SecretMatch, ...]:
    """:func:`_scanned`, kept for the last 1,024 short texts (at most 4 M characters).
    Rules and the redaction scan the same strings (a template string by AIB400 and again
    by the report's redaction; an inline script by AIB400 and AIB402; files repeated in a
    run): a corpus run scanned 4,048 texts, 508 of them distinct. The answer depends on
    the text alone: the detectors and detect-secrets' listed patterns are read once per
    process (``_detectors``, ``plugins._listing``) and never change within it."""
    return tuple(_scanned(text))


def _scanned(text: str) -> list[SecretMatch]:
    folded = text.casefold()  # only ever tested for keywords, never indexed
    if _any_keyword().search(folded) is None:
        return []
    return _scan(text, folded)


def _scan(text: str, folded: str) -> list[SecretMatch]:
    from aiblint.secrets.generic import generic_matches

    found: list[SecretMatch] = []
    for detector in _detectors()[0]:
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
