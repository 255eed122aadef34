"""The folder aiblint keeps its caches in, and safe writes into it.

``AIBLINT_CACHE_DIR`` if set (CI systems persist a folder of their choice
between runs), else the user cache folder of the platform (platformdirs:
``~/.cache/aiblint`` on Linux). Every write is a new file renamed into place,
so a reader never sees half a file and concurrent runs never mix theirs; a
failed write is ignored (a cache that cannot be written only costs time).
Cache files have no ``.json`` suffix: a cache folder inside the tree being
linted (a CI workspace) is never taken for templates.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not typing's: aiblint.replay reads the cache folder before anything is imported
if TYPE_CHECKING:
    from pathlib import Path

ENVIRONMENT_VARIABLE = "AIBLINT_CACHE_DIR"


def cache_root() -> Path | None:
    """The cache folder (it may not exist yet), or ``None`` when none can be named."""
    folder = cache_folder()
    if folder is None:
        return None
    from pathlib import Path

    return Path(folder)


def cache_folder() -> str | None:
    """:func:`cache_root` as a string, without importing :mod:`pathlib`."""
    configured = os.environ.get(ENVIRONMENT_VARIABLE)
    if configured:
        return configured
    known = _xdg_cache_folder()
    if known is not None:
        return known
    try:
        import platformdirs

        return str(platformdirs.user_cache_dir("aiblint", appauthor=False))
    except Exception:  # no home folder, an odd platform: run without a cache
        return None


def _xdg_cache_folder() -> str | None:
    """What ``platformdirs.user_cache_dir("aiblint", appauthor=False)`` answers on Linux when
    ``XDG_CACHE_HOME`` names an absolute folder (every platformdirs since 3 joins the name to it),
    without importing platformdirs (about 4 ms, paid by every run for the plugin listing cache);
    ``None`` elsewhere (another platform, Android, no or a relative value): platformdirs answers."""
    if sys.platform != "linux" or hasattr(sys, "getandroidapilevel") or "ANDROID_DATA" in os.environ:
        return None
    base = os.environ.get("XDG_CACHE_HOME", "")
    return os.path.join(base, "aiblint") if base.startswith("/") else None


def read_json(file: Path) -> object:
    """The JSON data of a cache file; ``ValueError`` when it cannot be read or parsed.

    Whatever the file holds (nothing, half an entry, a nesting deeper than
    Python's recursion limit) is a miss for the caller, never a traceback."""
    import json

    try:
        return json.loads(file.read_bytes())
    except (OSError, ValueError, RecursionError) as error:
        raise ValueError(f"{file.name}: {error}") from None


def write_atomically(file: Path, data: bytes) -> bool:
    """Write ``data`` to ``file`` through a temporary file in the same folder; ``False`` if it failed."""
    import contextlib

    temporary = file.with_name(f".{file.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "xb") as stream:
            stream.write(data)
        os.replace(temporary, file)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return False
    return True
