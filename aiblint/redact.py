"""The safety net for text aiblint quotes from a file: every secret in it masked.

Rules that find secrets mask them in their own messages. Other text that
quotes a file (any rule's message, a word in a parse error, a suppression's
reason, a line of ``--diff``, a note on standard error) goes through here
before anyone sees it: URI credentials by :func:`aiblint.uris.mask_uri`,
what the secret detectors find by :func:`aiblint.secrets.mask`. The detectors
are imported only when a text may hold a secret.
"""

from __future__ import annotations

from aiblint.lazyre import lazy
from aiblint.uris import mask_uris

#: A run of token characters holding a letter and a digit: only such a run can be
#: a token a detector knows. (Not '/' or '.': a resource id or a path is not one run.)
_TOKENISH = lazy(r"[A-Za-z0-9_+=%\-]{12,}")
#: What a keyword detector looks for (``password = ...``, ``token: ...``).
_ASSIGNMENT = lazy(r"[=:]")
#: A digit and a letter of such a run (its characters are ASCII: these are exactly
#: the ones ``str.isdigit`` and ``str.isalpha`` accept there).
_DIGIT = lazy(r"[0-9]")
_LETTER = lazy(r"[A-Za-z]")


def redact(text: str) -> str:
    """``text`` with every secret masked (``Ab…(40 chars)``)."""
    return _scanned(mask_uris(text)) if text else text


def redact_message(message: str) -> str:
    """A rule's message: URIs masked, and the detectors run only over a message
    that quotes something token-like of 20 characters or more (messages are many,
    the scan is not free, and an api version or an image sku is shorter)."""
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
    """``text`` holds a run of token characters, ``length`` or longer, with a
    digit and a letter in it. (Every message is asked: searched in C, not
    character by character.)"""
    if len(text) < length:
        return False
    digit, letter = _DIGIT().search, _LETTER().search
    return any(len(run) >= length and digit(run) is not None and letter(run) is not None for run in _TOKENISH().findall(text))
