"""The only form in which a secret is ever shown: ``Ab…(40 chars)``."""

from __future__ import annotations

#: A long random token keeps its first two characters so that people can find
#: it again; a short password would give too much away, so it keeps none. Every
#: masked secret goes through :func:`mask` (URI credentials too).
_HINT_FROM_LENGTH = 16
_HINT_LENGTH = 2


def mask(secret: str) -> str:
    """``sig`` value ``Ab3...`` of 40 characters -> ``Ab…(40 chars)``."""
    hint = secret[:_HINT_LENGTH] if len(secret) >= _HINT_FROM_LENGTH else ""
    return f"{hint}…({len(secret)} chars)"
