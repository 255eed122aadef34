"""``--fetch``: download a referenced script that no local file stands for.

Opt-in only (aiblint never touches the network unless asked), with a size cap
and deadlines: each download has :data:`TIMEOUT_SECONDS` in all (not per read:
a server sending one byte every few seconds cannot stall the run), and all the
downloads of a run together :data:`RUN_SECONDS`. Downloads are kept in the
``fetch`` folder of the cache folder (:mod:`aiblint.cachedir`), never with a
``.json`` suffix (a cache inside the tree being linted is not taken for
templates), so that a pre-commit run does not download the same script on
every commit.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path, PurePosixPath
from typing import Any, Final
from urllib.parse import urlsplit

from aiblint import __version__
from aiblint.record import Record

#: The whole of one download, connection included.
TIMEOUT_SECONDS = 10.0
#: Every download of one run together.
RUN_SECONDS = 60.0
MAX_BYTES = 2 * 1024 * 1024
_CHUNK = 64 * 1024
#: A cached download is used for a day, then fetched again.
CACHE_SECONDS = 24 * 60 * 60


class Fetched(Record):
    """A downloaded file's cached copy, or why there is none."""

    __slots__ = ("path", "error")  # noqa: RUF023 - in field order
    path: Final[Path | None]  # the cached copy
    error: Final[str]  # why there is none

    def __init__(self, path: Path | None, error: str = "") -> None:
        self.path = path
        self.error = error


def cache_folder(configured: Path | None = None) -> Path:
    """``fetch`` in the cache folder (``configured``, else :func:`aiblint.cachedir.cache_root`)."""
    from aiblint.cachedir import cache_root

    base = configured or cache_root() or Path(tempfile.gettempdir()) / "aiblint"
    return base / "fetch"


def fetch(url: str, folder: Path, run_deadline: float | None = None) -> Fetched:
    """The local copy of ``url`` (from the cache when fresh). Never raises.
    ``run_deadline``: the ``time.monotonic()`` when the run's downloads must end."""
    target = folder / _cache_name(url)
    try:
        if target.is_file() and time.time() - target.stat().st_mtime < CACHE_SECONDS:
            return Fetched(target)
    except OSError:
        pass
    now = time.monotonic()
    deadline = now + TIMEOUT_SECONDS
    if run_deadline is not None:
        if run_deadline <= now:
            return Fetched(None, "not downloaded: the time this run may spend downloading is used up")
        deadline = min(deadline, run_deadline)
    try:
        data = _download(url, deadline, deadline - now)
    except _Refused as error:
        return Fetched(None, str(error))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + f".{os.getpid()}.part")
        partial.write_bytes(data)
        partial.replace(target)
    except OSError as error:
        return Fetched(None, f"cannot write the cache folder {folder}: {error.strerror or error}")
    return Fetched(target)


class _Refused(Exception):
    pass


def _download(url: str, deadline: float, budget: float) -> bytes:
    import urllib.error
    import urllib.request

    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise _Refused("only http and https URLs are downloaded")
    request = urllib.request.Request(url, headers={"User-Agent": f"aiblint/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=_left(deadline)) as response:
            data = _read(response, deadline)
    except TimeoutError:
        raise _Refused(f"download did not finish within {budget:.0f} s") from None
    except urllib.error.HTTPError as error:
        raise _Refused(f"download failed: HTTP {error.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        raise _Refused(f"download failed: {reason}") from None
    if len(data) > MAX_BYTES:
        raise _Refused(f"download is larger than {MAX_BYTES // (1024 * 1024)} MB")
    return data


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


def _read(response: Any, deadline: float) -> bytes:
    """At most one byte over the cap, each read waiting only for what is left
    of the deadline (a trickling server cannot reset it)."""
    sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_BYTES:
        if sock is not None:
            sock.settimeout(_left(deadline))
        chunk: bytes = response.read1(min(_CHUNK, MAX_BYTES + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        _left(deadline)
    return b"".join(chunks)


def _cache_name(url: str) -> str:
    """A hash of the URL, with the file's suffix (a dialect may depend on it), never ``.json``."""
    digest = hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    suffix = PurePosixPath(urlsplit(url).path).suffix
    keep = suffix.isascii() and len(suffix) <= 8 and suffix[1:].isalnum() and suffix.lower() not in (".json", ".jsonc")
    return digest + (suffix if keep else "")
