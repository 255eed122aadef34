""""Did you mean ...?": one wording for every misspelt name (options, formats, keys)."""

from __future__ import annotations

from collections.abc import Iterable


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice ``word`` most likely misspells, or ``None`` when none is close."""
    import difflib  # a misspelling only: a run that names no wrong word never imports it

    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean X?)``, or ``""`` when no choice is close."""
    match = closest(word, choices)
    return f" (did you mean {match}?)" if match else ""
