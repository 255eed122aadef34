"""What a path names (a folder, a file, nothing) as ``Path.is_dir`` and ``Path.is_file`` tell,
from one ``os.stat`` of its text, without making a path object.

A run asks for ``.git`` in every folder above its templates and for a paired parameters
file beside each deployment template; nearly every answer is "nothing there". Through
``Path`` each answer cost a path object (parsed, joined) and a ``stat`` per question.
"""

from __future__ import annotations

import errno
import os

#: The errors for which ``Path.is_dir`` and ``Path.is_file`` answer ``False`` (pathlib's
#: ``_ignore_error``): nothing there, a file on the way, a link loop; Windows' "not ready",
#: "invalid name" and "cannot resolve".
_NOTHING_ERRNOS = frozenset((errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP))
_NOTHING_WINERRORS = frozenset((21, 123, 1921))


def stat_mode(path: str) -> int | None:
    """``st_mode`` of ``path`` (links followed); ``0`` where ``Path.is_dir`` and ``Path.is_file``
    answer ``False`` for an error (see above, and a name holding NUL); ``None`` for any other
    error, which they raise: the caller then asks the path object, which raises it as before."""
    try:
        return os.stat(path).st_mode
    except OSError as error:
        nothing = error.errno in _NOTHING_ERRNOS or getattr(error, "winerror", None) in _NOTHING_WINERRORS
        return 0 if nothing else None
    except ValueError:
        return 0
