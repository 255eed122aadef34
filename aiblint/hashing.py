"""SHA-256 (and BLAKE2b) for the commands that must start fast (the console script, the resident-mode client).

``hashlib`` starts OpenSSL when imported (about 2 ms); the interpreter's own SHA-256
module computes the same digest without it. Which one is looked up once, at import
(every finding is fingerprinted: an import statement per call cost a third of its time).
"""

from __future__ import annotations

# (No annotation imports: the resident-mode client imports this module, and not ``typing``.)
try:
    from _sha256 import sha256 as _sha256  # type: ignore[import-not-found]  # Python 3.11
except ImportError:
    try:
        from _sha2 import sha256 as _sha256  # type: ignore[import-not-found]  # Python 3.12 and later
    except ImportError:
        from hashlib import sha256 as _sha256


def blake2b_hex(data: bytes) -> str:
    """The hexadecimal BLAKE2b (32 bytes) of ``data``: as strong as SHA-256, and about three times
    as fast in the interpreter's own module (a corpus run's 508 KB of files: 2.1 -> 0.7 ms).
    Imported when first used (once per file linted: the client never needs it)."""
    try:
        from _blake2 import blake2b
    except ImportError:  # (an interpreter built without its own BLAKE2)
        from hashlib import blake2b
    return blake2b(data, digest_size=32).hexdigest()


def sha256_hex(data: bytes) -> str:
    """The hexadecimal SHA-256 of ``data``."""
    return str(_sha256(data).hexdigest())
