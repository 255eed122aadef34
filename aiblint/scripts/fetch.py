"""``--fetch``: download a referenced script that no local file stands for.

Opt-in only (aiblint never touches the network unless asked), with a timeout,
a size cap and an on-disk cache in the user's cache folder, so that a
pre-commit run does not download the same script on every commit.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from aiblint import __version__

TIMEOUT_SECONDS = 10.0
MAX_BYTES = 2 * 1024 * 1024
#: A cached download is used for a day, then fetched again.
CACHE_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class Fetched:
    path: Path | None  # the cached copy
    error: str = ""  # why there is none


def cache_folder(configured: Path | None = None) -> Path:
    if configured is not None:
        return configured
    if os.environ.get("AIBLINT_CACHE_DIR"):
        return Path(os.environ["AIBLINT_CACHE_DIR"])
    import platformdirs

    return Path(platformdirs.user_cache_dir("aiblint")) / "fetched"


def fetch(url: str, folder: Path) -> Fetched:
    """The local copy of ``url`` (from the cache when fresh). Never raises."""
    target = folder / _cache_name(url)
    try:
        if target.is_file() and time.time() - target.stat().st_mtime < CACHE_SECONDS:
            return Fetched(target)
    except OSError:
        pass
    try:
        data = _download(url)
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


def _download(url: str) -> bytes:
    import urllib.error
    import urllib.request

    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise _Refused("only http and https URLs are downloaded")
    request = urllib.request.Request(url, headers={"User-Agent": f"aiblint/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            data: bytes = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as error:
        raise _Refused(f"download failed: HTTP {error.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        raise _Refused(f"download failed: {reason}") from None
    if len(data) > MAX_BYTES:
        raise _Refused(f"download is larger than {MAX_BYTES // (1024 * 1024)} MB")
    return data


def _cache_name(url: str) -> str:
    digest = hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    suffix = PurePosixPath(urlsplit(url).path).suffix
    return digest + (suffix if suffix.isascii() and len(suffix) <= 8 and suffix[1:].isalnum() else "")
