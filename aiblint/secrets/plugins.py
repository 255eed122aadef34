"""detect-secrets' plugins, without importing detect-secrets on most runs.

Importing a detect-secrets plugin costs 80-86 ms on an idle 2-core machine
(more than a whole cold run should): every plugin module imports
``detect_secrets.plugins.base``, which imports ``requests`` (urllib3,
http.client, email, ssl), and the package's ``__init__`` adds its scanner
with ``multiprocessing`` and ``logging``. Importing the plugin modules past
the package ``__init__`` would save only the last third, and only by
faking the package: ``requests`` stays. So aiblint does not import the
plugins it only needs as data: it runs the regex plugins through their own
compiled patterns (``denylist``), and those patterns and flags are read
from the installed plugins on the first run after the installation changed,
then kept in the user cache folder under the installation's fingerprint
(:func:`aiblint.entrypoints.installation_fingerprint`, plus a stamp of each
plugin's source file) the way the entry-point listing is. Every other run
compiles them from there. The keyword plugin's ``analyze_string`` (called
without a file type) searches a line with each pattern of one table of its
module and yields the group the table names for it: that table is listed too
(``searches``), but only when running it gives what ``analyze_string`` gives
on every probe line below (a detect-secrets whose plugin works otherwise is
run as a plugin). Each listed pattern is kept with its compiled program
(:mod:`aiblint.regexcode`; a listing of another interpreter is a miss), so
that a run does not parse and compile them again (~3.7 ms of each process).
What is code stays the library's: a plugin's
``is_formally_valid`` (JWT) imports detect-secrets when a text needs it. An
unreadable, corrupt or stale listing is a miss: the plugins are imported and
the listing rewritten.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from functools import cache
from importlib.machinery import PathFinder
from pathlib import Path
from typing import Any

from aiblint import regexcode
from aiblint.hashing import sha256_hex

_FORMAT = 3  # of the cache file; a change makes old files misses
_PACKAGE = "detect_secrets.plugins"

#: The table the keyword plugin's ``analyze_string`` searches a line with when given no file type.
_SEARCHED = "QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP"
#: Lines each of that table's patterns (and none) finds something in: the listed table must find what the plugin does.
_PROBES = (
    "password: 'Hx93!kPq27wz'",
    '{"adminPassword": "Hx93!kPq27wz"}',
    'db_pass = "Hx93!kPq27wz"',
    "'Hx93!kPq27wz' == secret",
    'api_key "Hx93!kPq27wz";',
    'client_key => "Hx93!kPq27wz"',
    'password = "changeme" and secret: "x"',
    "sudo sed -i 's/^#PasswordAuthentication yes/PasswordAuthentication no/' /etc/ssh/sshd_config",
    'pwd ="[parameters(\'pwd\')]"',
    "echo nothing here",
)

#: spec ("module:Class") -> [[pattern, flags], ...] or None (no usable denylist), whether it validates,
#: and [[pattern, flags, group], ...] or None: what its ``analyze_string`` searches a line with,
#: and the compiled program of each (``"programs"``: {"denylist": [...], "searches": [...]}, a row each)
Listing = dict[str, dict[str, Any]]


@cache
def plugin(spec: str) -> Any:
    """The plugin ``spec`` names (``"module:Class"`` under ``detect_secrets.plugins``): imports detect-secrets."""
    module_name, _, class_name = spec.partition(":")
    module = importlib.import_module(f"{_PACKAGE}.{module_name}")
    return getattr(module, class_name)()


@cache
def denylist(spec: str, specs: tuple[str, ...]) -> tuple[re.Pattern[str], ...] | None:
    """The compiled patterns of the regex plugin ``spec``, or ``None`` when it
    has none (it is run as a plugin). ``specs``: every plugin aiblint uses,
    listed together."""
    patterns = _listing(specs)[spec]["denylist"]
    if patterns is None:
        return None
    programs = _programs(_listing(specs)[spec], "denylist", len(patterns))
    try:
        return tuple(regexcode.compiled(pattern, flags, stored) for (pattern, flags), stored in zip(patterns, programs, strict=True))
    except (re.error, ValueError):  # a listing written wrong: the plugin's own patterns
        return tuple(plugin(spec).denylist)


@cache
def searches(spec: str, specs: tuple[str, ...]) -> tuple[tuple[re.Pattern[str], int], ...] | None:
    """The patterns the plugin ``spec``'s ``analyze_string`` searches a line
    with, each with the group it yields; ``None``: run the plugin itself."""
    listed = _listing(specs)[spec].get("searches")
    if listed is None:
        return None
    programs = _programs(_listing(specs)[spec], "searches", len(listed))
    try:
        return tuple((regexcode.compiled(pattern, flags, stored), group) for (pattern, flags, group), stored in zip(listed, programs, strict=True))
    except (re.error, ValueError):  # a listing written wrong: the plugin itself
        return None


def _programs(entry: dict[str, Any], table: str, rows: int) -> list[object]:
    """The listed programs of ``entry``'s ``table``, one per row (``None``: compile that row)."""
    programs = entry.get("programs")
    listed = programs.get(table) if isinstance(programs, dict) else None
    if isinstance(listed, list) and len(listed) == rows:
        return listed
    return [None] * rows


def analyze(spec: str, specs: tuple[str, ...], line: str) -> list[str]:
    """What the plugin ``spec``'s ``analyze_string(line)`` yields, from its
    listed patterns when it has them (without importing detect-secrets)."""
    table = searches(spec, specs)
    if table is None:
        return list(plugin(spec).analyze_string(line))
    return _searched(table, line)


def _searched(table: Sequence[tuple[re.Pattern[str], int]], line: str) -> list[str]:
    return [found.group(group) for pattern, group in table if (found := pattern.search(line)) is not None]


def validator(spec: str, specs: tuple[str, ...]) -> Callable[[str], bool] | None:
    """The plugin's ``is_formally_valid`` (imported when first called), or ``None`` if it has none."""
    if not _listing(specs)[spec]["validates"]:
        return None

    def valid(value: str) -> bool:
        return bool(plugin(spec).is_formally_valid(value))

    return valid


@cache
def _listing(specs: tuple[str, ...]) -> Listing:
    fingerprint = _fingerprint(specs)
    file = _cache_file()
    listed = _read(file, fingerprint, specs) if file is not None else None
    if listed is None:
        listed = {spec: _describe(plugin(spec)) for spec in specs}
        if file is not None:
            from aiblint.cachedir import write_atomically

            data = {"format": _FORMAT, "fingerprint": fingerprint, "engine": regexcode.ENGINE, "plugins": listed}
            write_atomically(file, json.dumps(data).encode("utf-8"))
    return listed


def _describe(found: Any) -> dict[str, Any]:
    patterns = getattr(found, "denylist", None)
    listed: list[list[object]] | None = None
    if patterns is not None and all(isinstance(pattern, re.Pattern) and isinstance(pattern.pattern, str) for pattern in patterns):
        listed = [[pattern.pattern, pattern.flags] for pattern in patterns]
    searched = _searches(found)
    programs = {
        table: [regexcode.program(row[0], row[1]) for row in rows]  # type: ignore[arg-type]
        for table, rows in (("denylist", listed), ("searches", searched)) if rows is not None
    }
    return {"denylist": listed, "validates": callable(getattr(found, "is_formally_valid", None)), "searches": searched,
            "programs": programs}


def _searches(found: Any) -> list[list[object]] | None:
    """The table a keyword-like plugin's ``analyze_string`` searches with, if
    each of its patterns finds something in a probe line and searching with it
    gives exactly what the plugin gives on every probe."""
    table = getattr(sys.modules.get(type(found).__module__), _SEARCHED, None)
    analyze_string = getattr(found, "analyze_string", None)
    if not (isinstance(table, dict) and table and callable(analyze_string)):
        return None
    if not all(isinstance(pattern, re.Pattern) and isinstance(pattern.pattern, str) and type(group) is int
               for pattern, group in table.items()):
        return None
    items = list(table.items())
    if not all(any(pattern.search(probe) for probe in _PROBES) for pattern, _ in items):
        return None  # a pattern no probe tries: whether the plugin runs it so is not known
    try:
        if any(list(analyze_string(probe)) != _searched(items, probe) for probe in _PROBES):
            return None
    except Exception:  # a plugin that works otherwise: it runs as a plugin
        return None
    return [[pattern.pattern, pattern.flags, group] for pattern, group in items]


def _fingerprint(specs: tuple[str, ...]) -> str:
    """The installation's fingerprint and the exact stamps of the plugins' source files."""
    from aiblint.entrypoints import installation_fingerprint

    # One digest of everything (not hashlib: importing it starts OpenSSL, 2-10 ms of a run)
    parts = [installation_fingerprint(os.path.abspath(entry) for entry in sys.path).encode()]
    found = PathFinder.find_spec("detect_secrets")
    folders = list(found.submodule_search_locations or []) if found is not None else []
    for spec in specs:
        for folder in folders:
            source = os.path.join(folder, "plugins", spec.partition(":")[0] + ".py")
            try:
                status = os.stat(source)
            except OSError:
                parts.append(f"{source}\0-\n".encode("utf-8", "surrogatepass"))
                continue
            parts.append(f"{source}\0{status.st_mtime_ns}\0{status.st_size}\0{status.st_ino}\n".encode("utf-8", "surrogatepass"))
    return sha256_hex(b"".join(parts))


def _cache_file() -> Path | None:
    from aiblint.cachedir import cache_root

    root = cache_root()
    if root is None:
        return None
    key = sha256_hex("\0".join([sys.executable, sys.prefix, *map(os.path.abspath, sys.path)]).encode("utf-8", "surrogatepass"))
    return root / "secret-patterns" / key[:32]


def _read(file: Path, fingerprint: str, specs: tuple[str, ...]) -> Listing | None:
    from aiblint.cachedir import read_json

    try:
        data = read_json(file)
    except ValueError:
        return None
    if not (isinstance(data, dict) and data.get("format") == _FORMAT and data.get("fingerprint") == fingerprint
            and data.get("engine") == regexcode.ENGINE):  # the programs are this interpreter's
        return None
    plugins = data.get("plugins")
    if not (isinstance(plugins, dict) and all(spec in plugins and _entry(plugins[spec]) for spec in specs)):
        return None
    return {spec: plugins[spec] for spec in specs}


def _entry(value: object) -> bool:
    if not (isinstance(value, dict) and isinstance(value.get("validates"), bool) and "searches" in value):
        return False
    return _table(value.get("denylist"), 2) and _table(value.get("searches"), 3)


def _table(rows: object, width: int) -> bool:
    """``None``, or a list of [pattern, int, ...] rows of ``width`` items."""
    if rows is None:
        return True
    return isinstance(rows, list) and all(
        isinstance(row, list) and len(row) == width and isinstance(row[0], str) and all(type(item) is int for item in row[1:])
        for row in rows
    )
