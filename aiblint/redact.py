"""The safety net for text aiblint quotes from a file: every secret in it masked.

Rules that find secrets mask them in their own messages. Other text that
quotes a file (any rule's message, a word in a parse error, a suppression's
reason, a line of ``--diff``, a note on standard error) goes through here
before anyone sees it: URI credentials by :func:`aiblint.uris.mask_uris`,
what the secret detectors find by :func:`aiblint.secrets.mask`. The detectors
are imported only when a text may hold a secret.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from aiblint.lazyre import lazy
from aiblint.uris import mask_uris

#: The characters of a token's run. (Not '/' or '.': a resource id or a path is not one run.)
_TOKEN = r"A-Za-z0-9_+=%\-"
#: A run of token characters, ``length`` or longer, holding a digit and a letter: only such
#: a run can be a token a detector knows. Searched from each run's start (no token character
#: before it): the run is that long, and a digit and a letter follow within it.
_TOKENISH = {
    length: lazy(rf"(?<![{_TOKEN}])(?=[{_TOKEN}]{{{length}}})(?=[{_TOKEN}]*?[0-9])(?=[{_TOKEN}]*?[A-Za-z])")
    for length in (12, 20)
}
#: What a keyword detector looks for (``password = ...``, ``token: ...``).
_ASSIGNMENT = lazy(r"[=:]")
#: Messages longer than this are redacted without the memo (see :func:`_redacted_message`): it
#: holds at most 1,024 such messages, about a million characters. (The engine cuts a rule's
#: message to 1,000 characters: most messages are far shorter.)
_REMEMBERED_LENGTH: Final = 1024


def redact(text: str) -> str:
    """``text`` with every secret masked (``Ab…(40 chars)``)."""
    return _scanned(mask_uris(text)) if text else text


def redact_message(message: str) -> str:
    """A rule's message: URIs masked, and the detectors run only over a message
    that quotes something token-like of 20 characters or more (messages are many,
    the scan is not free, and an api version or an image sku is shorter)."""
    if len(message) <= _REMEMBERED_LENGTH:
        return _redacted_message(message)
    return _redact_message(message)


@lru_cache(maxsize=1024)
def _redacted_message(message: str) -> str:
    """:func:`_redact_message`, kept for the last 1,024 distinct short messages: rules
    repeat their messages (a corpus run made 1,376 findings with 171 distinct messages).
    The answer depends on the message alone: the URI masking and the secret detectors
    read nothing else, and never change within a process."""
    return _redact_message(message)


def _redact_message(message: str) -> str:
    message = mask_uris(message)
    return _scanned(message) if _tokenish(message, 20) else message


def _scanned(text: str) -> str:
    if not (_tokenish(text) or _ASSIGNMENT().search(text)):
        return text
    from aiblint.secrets import mask, scan_text

    for match in sorted(scan_text(text), key=lambda found: found.start, reverse=True):
        region = text[match.start : match.end]
        if match.value and match.value in region and "…(" not in region:
            text = text[: match.start] + region.replace(match.value, mask(match.value)) + text[match.end :]
    return text


def _tokenish(text: str, length: int = 12) -> bool:
    """``text`` holds a run of token characters, ``length`` (12 or 20) or longer,
    with a digit and a letter in it. (Every message is asked: one search in C.)"""
    return len(text) >= length and _TOKENISH[length]().search(text) is not None
