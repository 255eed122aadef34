"""SHA-256 for the commands that must start fast (the console script, the resident-mode client).

``hashlib`` starts OpenSSL when imported (about 2 ms); the interpreter's own SHA-256
module computes the same digest without it.
"""

from __future__ import annotations


def sha256_hex(data: bytes) -> str:
    """The hexadecimal SHA-256 of ``data``."""
    try:
        from _sha256 import sha256  # type: ignore[import-not-found]  # Python 3.11
    except ImportError:
        try:
            from _sha2 import sha256  # type: ignore[import-not-found]  # Python 3.12 and later
        except ImportError:
            from hashlib import sha256
    return str(sha256(data).hexdigest())
