"""Which files to read, and a cheap look at each before a full parse.

A directory walk only parses JSON files whose bytes mention an image template
(a sniff); a file named on the command line is always parsed, and says so
(AIB004) when it holds no template.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path, PurePath

from aiblint.constants import SKIPPED_DIRECTORIES, TEMPLATE_SUFFIXES


@dataclass(frozen=True)
class Candidate:
    path: Path
    display: str
    explicit: bool


def display_path(path: Path, cwd: Path) -> str:
    """Relative to the working directory, with '/' (``../x.json`` when outside it)."""
    try:
        return PurePath(os.path.relpath(path, cwd)).as_posix()
    except ValueError:  # another drive on Windows
        return path.as_posix()


def discover(paths: Sequence[str], cwd: Path, exclude: Sequence[str] = ()) -> Iterator[Candidate]:
    """Files in the order given; directories walked recursively, sorted."""
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if not path.is_absolute():
            path = cwd / path
        if path.is_dir():
            for found in _walk(path):
                display = display_path(found, cwd)
                if found not in seen and not _excluded(display, exclude):
                    seen.add(found)
                    yield Candidate(found, display, explicit=False)
        elif path not in seen:
            seen.add(path)
            yield Candidate(path, display_path(path, cwd), explicit=True)


def _walk(top: Path) -> Iterator[Path]:
    inside = top.resolve()
    for folder, subfolders, files in os.walk(top):
        subfolders[:] = sorted(d for d in subfolders if d not in SKIPPED_DIRECTORIES and not d.startswith("."))
        for name in sorted(files):
            path = Path(folder, name)
            # Only regular files in the folder: a FIFO would block the walk, a link to a
            # device never ends, a link out of the folder (a credentials file) is not ours to read.
            if name.lower().endswith(TEMPLATE_SUFFIXES) and path.is_file() and path.resolve().is_relative_to(inside):
                yield path


def _excluded(display: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch(display, pattern) for pattern in patterns)


def looks_like_template(data: bytes) -> bool:
    """True when the bytes may hold an image template (any form we read)."""
    if b"icrosoft.virtualmachineimages" in data.lower():
        return True
    return b'"source"' in data and (b'"distribute"' in data or b'"customize"' in data)
