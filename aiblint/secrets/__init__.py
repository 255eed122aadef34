"""Find secrets in text, and show them only masked.

:func:`scan_text` runs two kinds of detectors over a text (a template string or
a script): aiblint's own, for what Azure image builds leak (storage account
keys and connection strings, SAS signatures, Entra ID client secrets, Azure
DevOps and GitHub tokens, secrets assigned to shell and PowerShell
variables; :mod:`aiblint.secrets.detectors`), and a chosen set of
detect-secrets' plugins for the generic rest (:mod:`aiblint.secrets.generic`).
:mod:`aiblint.secrets.commands` finds credentials passed on command lines of
parsed scripts.

A found secret is a :class:`SecretMatch`; nothing outside this package ever
needs its value, and its text form is :func:`mask`\\ ed.
"""

from __future__ import annotations

from aiblint.secrets.mask import mask
from aiblint.secrets.match import SecretMatch
from aiblint.secrets.scan import scan_text

__all__ = ["SecretMatch", "mask", "scan_text"]
