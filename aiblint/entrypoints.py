"""List and load entry points (rule and formatter plugins) fast and correctly.

``importlib.metadata`` reads the metadata of every installed distribution to
list one group: 25-35 ms with its imports, on every start of a tool that runs
on every commit. stevedore caches that listing, but keys its cache on float32
modification times (about 128 s apart at today's dates), so a plugin
registered within two minutes of the previous install is silently missing.

Here the listing is cached in the user cache folder, keyed by the interpreter
and ``sys.path``, and trusted only while a fingerprint of the installation
still matches: the names of the distributions in every ``sys.path`` folder
and the exact ``st_mtime_ns``, size and inode of each one's
``entry_points.txt`` and of every ``.pth`` file (of a zip file on
``sys.path``: its own). Computing it costs a directory listing per
``sys.path`` entry and a stat per distribution, under a millisecond; it
imports neither ``importlib.metadata`` nor ``email``.
Other changes in those folders (the working directory is on ``sys.path``
under ``python -m``) do not matter.
Writes are atomic (a temporary file renamed into place), so concurrent runs
only ever read a whole file; an unreadable or corrupt file is rebuilt.
:func:`scanned` tells whether this process had to scan (the installation
changed): the registry then loads the rules through stevedore, and otherwise
straight from the listing, without importing stevedore at all.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from aiblint.constants import FORMATTER_ENTRY_POINTS, RULE_ENTRY_POINTS
from aiblint.hashing import sha256_hex
from aiblint.record import Record

#: The groups aiblint reads; one scan lists them all.
GROUPS = (RULE_ENTRY_POINTS, FORMATTER_ENTRY_POINTS)
_FORMAT = 1  # of the cache file; a change makes old files misses
#: ``module.path:attr.path [extras]``, as the entry point specification writes it.
_VALUE = re.compile(r"(?P<module>[\w.]+)\s*(?::\s*(?P<attr>[\w.]+)\s*)?(?:\[.*\])?\s*\Z")


class EntryPointError(Exception):
    """An entry point's object could not be imported."""


class EntryPoint(Record):
    """A listed entry point: its name, ``module:attr`` value and group."""

    __slots__ = ("name", "value", "group")  # noqa: RUF023 - in field order
    name: Final[str]
    value: Final[str]  # "module:attr"
    group: Final[str]

    def __init__(self, name: str, value: str, group: str) -> None:
        self.name = name
        self.value = value
        self.group = group

    def load(self) -> object:
        """Import the module and return the object the entry point names."""
        from importlib import import_module

        match = _VALUE.match(self.value)
        if match is None:
            raise EntryPointError(f"malformed entry point value {self.value!r}")
        try:
            found: object = import_module(match["module"])
            for part in (match["attr"] or "").split(".") if match["attr"] else ():
                found = getattr(found, part)
        except Exception as error:  # ImportError, AttributeError, or the module's own failure
            raise EntryPointError(f"{type(error).__name__}: {error}") from error
        return found


def entry_points(group: str) -> list[EntryPoint]:
    """The entry points of ``group``, in installation order (the first of
    several with one name wins, as ``importlib.metadata`` orders them)."""
    return [EntryPoint(name, value, group) for name, value in _listing().get(group, [])]


_memo: dict[str, list[list[str]]] | None = None
_scanned = False


def scanned() -> bool:
    """Whether this process listed the entry points by scanning the
    installation (it changed since the cached listing, or none could be
    read) rather than from the cached listing."""
    _listing()
    return _scanned


def _listing() -> dict[str, list[list[str]]]:
    """Group -> [[name, value], ...] for :data:`GROUPS`, cached per process and on disk."""
    global _memo, _scanned
    if _memo is not None:
        return _memo
    path_entries = [os.path.abspath(entry) for entry in sys.path]
    fingerprint = installation_fingerprint(path_entries)
    file = _cache_file(path_entries)
    groups = _read(file, fingerprint) if file is not None else None
    if groups is None:
        groups = _scan()
        _scanned = True
        if file is not None:
            _write(file, {"format": _FORMAT, "fingerprint": fingerprint, "groups": groups})
    _memo = groups
    return groups


def forget() -> None:
    """Drop the per-process listing (tests install plugins while running)."""
    global _memo, _scanned
    _memo = None
    _scanned = False
    _fingerprints.clear()


_fingerprints: dict[tuple[str, ...], str] = {}


def installation_fingerprint(path_entries: Iterable[str]) -> str:
    """Changes whenever a distribution on ``path_entries`` is installed,
    removed or has its entry points rewritten (computed once per process)."""
    entries = tuple(path_entries)
    if entries not in _fingerprints:
        _fingerprints[entries] = _fingerprint(entries)
    return _fingerprints[entries]


def _fingerprint(path_entries: tuple[str, ...]) -> str:
    # The SHA-256 of the parts joined (what feeding them one by one gives), without
    # hashlib: it starts OpenSSL, 2 ms of every start (aiblint.hashing).
    parts = [f"{sys.executable}\0{sys.prefix}\0{sys.version}".encode("utf-8", "surrogatepass")]
    for entry in path_entries:
        try:
            names = sorted(os.listdir(entry))
        except OSError:  # a zip file or a missing folder: its own stamp says enough
            parts.append(_stamp(entry))
            continue
        parts.append(f"{entry}\0dir\n".encode("utf-8", "surrogatepass"))
        for name in names:
            if name.endswith((".dist-info", ".egg-info")):
                parts.append(_stamp(os.path.join(entry, name, "entry_points.txt")))
            elif name.endswith(".pth"):  # an editable install's finder, extra path entries
                parts.append(_stamp(os.path.join(entry, name)))
        if entry.endswith(".egg"):
            parts.append(_stamp(os.path.join(entry, "EGG-INFO", "entry_points.txt")))
    return sha256_hex(b"".join(parts))


def _stamp(path: str) -> bytes:
    try:
        status = os.stat(path)
    except OSError:
        return f"{path}\0-\n".encode("utf-8", "surrogatepass")
    return f"{path}\0{status.st_mtime_ns}\0{status.st_size}\0{status.st_ino}\n".encode("utf-8", "surrogatepass")


def _scan() -> dict[str, list[list[str]]]:
    from importlib.metadata import entry_points as installed

    groups: dict[str, list[list[str]]] = {}
    for group in GROUPS:
        seen: set[str] = set()
        listed = groups.setdefault(group, [])
        for entry_point in installed(group=group):
            if entry_point.name not in seen:  # a distribution found twice on sys.path
                seen.add(entry_point.name)
                listed.append([entry_point.name, entry_point.value])
    return groups


def _cache_file(path_entries: list[str]) -> Path | None:
    from aiblint.cachedir import cache_root

    root = cache_root()
    if root is None:
        return None
    key = sha256_hex("\0".join([sys.executable, sys.prefix, *path_entries]).encode("utf-8", "surrogatepass"))
    return root / "entry-points" / key[:32]


def _read(file: Path, fingerprint: str) -> dict[str, list[list[str]]] | None:
    try:
        data = json.loads(file.read_bytes())
    except (OSError, ValueError):
        return None
    if not (isinstance(data, dict) and data.get("format") == _FORMAT and data.get("fingerprint") == fingerprint):
        return None
    groups = data.get("groups")
    if not isinstance(groups, dict) or not all(group in groups for group in GROUPS):
        return None
    if not all(_pairs(groups[group]) for group in GROUPS):
        return None
    return {group: groups[group] for group in GROUPS}


def _pairs(value: object) -> bool:
    return isinstance(value, list) and all(
        isinstance(item, list) and len(item) == 2 and all(isinstance(part, str) for part in item) for item in value
    )


def _write(file: Path, data: dict[str, object]) -> None:
    from aiblint.cachedir import write_atomically

    write_atomically(file, json.dumps(data).encode("utf-8"))
