"""Values that stand for a secret rather than being one.

An ARM expression (``[parameters('adminPassword')]``), a placeholder
(``<password>``, ``{{ token }}``, ``#{Password}#``), a variable or command
reference (``$env:PASS``, ``${PASS}``, ``$(cat /run/secrets/x)``, ``%PASS%``)
or an obvious example (``changeme``, ``xxxx``, ``***``) is not a leaked
secret: it is how a secret *should* be written.
"""

from __future__ import annotations

import re
from typing import Final

from aiblint.lazyre import lazy
from aiblint.values import has_placeholder, is_expression

_QUOTES: Final = "'\""

#: Shell and PowerShell references: ``$VAR ${VAR} $(cmd) $env:VAR `cmd```.
_SHELL_REFERENCE = lazy(r"\$[{(A-Za-z_]|`[^`]*`")
#: References and template syntax of the tools that fill secrets in at run time.
_REFERENCE = lazy(
    r"%[A-Za-z_][A-Za-z0-9_]*%"  # %VAR% (cmd.exe)
    r"|\{\{.*\}\}|#\{.*\}#|__[A-Za-z0-9_]+__|@@\w+@@"  # Jinja/Helm, Azure DevOps token replacement
    r"|\b(?:parameters|variables|reference|listKeys|listAccountSas|listSecrets)\s*\(",  # ARM functions
    re.IGNORECASE,
)

#: Words people write where a real secret belongs (compared in lower case).
_EXAMPLE_WORDS: Final = frozenset(
    {
        "changeme", "change_me", "change-me", "changeit", "replaceme", "replace_me", "replace-me",
        "password", "passwd", "pass", "pwd", "secret", "mysecret", "mypassword", "yourpassword",
        "your_password", "your-password", "token", "mytoken", "your_token", "key", "apikey",
        "example", "sample", "dummy", "placeholder", "redacted", "hidden", "masked", "none", "null",
        "nil", "undefined", "true", "false", "todo", "tbd", "fixme", "foo", "bar", "foobar", "baz",
        "test", "testing", "string", "value", "abc", "abc123",
    }
)
_EXAMPLE_PARTS: Final = ("example", "changeme", "change_me", "placeholder", "redacted", "dummy", "your_", "your-", "xxxx")
_ONE_CHARACTER_REPEATED = lazy(r"\A(.)\1*\Z", re.DOTALL)
_SEQUENCES: Final = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop")


def stands_for_a_secret(value: str, *, literal: bool = False) -> bool:
    """True when ``value`` is a reference, placeholder or example, not a secret.

    ``literal``: the value is known to be taken as written (a single-quoted
    shell word), so a ``$`` in it is a character, not a variable.
    """
    text = value.strip().strip(_QUOTES).strip()
    if len(text) < 3:
        return True
    if is_expression(text) or has_placeholder(text) or text.startswith(("<", "[")):
        return True
    if _REFERENCE().search(text) or (not literal and _SHELL_REFERENCE().search(text)):
        return True
    return is_example(text)


def is_example(text: str) -> bool:
    folded = text.casefold()
    if folded in _EXAMPLE_WORDS or _ONE_CHARACTER_REPEATED().match(folded):
        return True
    if any(part in folded for part in _EXAMPLE_PARTS):
        return True
    return len(folded) >= 4 and any(folded in sequence for sequence in _SEQUENCES)
