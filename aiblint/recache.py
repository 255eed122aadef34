"""aiblint's own regular expressions, compiled once per installation rather than once per process.

Parsing and compiling aiblint's patterns cost ~20-30 ms of CPU in every cold
run, and again in each ``-j 2`` worker that meets a pattern first. :func:`compile`
is ``re.compile`` for them: the program of each pattern (:mod:`aiblint.regexcode`)
is kept in one file of the user cache folder (:mod:`aiblint.cachedir`), read
once per process when a pattern is first needed, and a pattern is made from
its program (~0.005 ms) instead of parsed again. Like the entry-point and
secret-pattern listings it is an installation cache (what it holds depends on
the interpreter only, not on anything linted), so ``--no-cache`` uses it too.

Why the key is complete: a program is a function of the pattern's text, its
flags and the interpreter's ``re`` engine, and nothing else. Each entry is
keyed by the flags and the whole pattern, and the file by
:data:`aiblint.regexcode.ENGINE` (another interpreter's file is a miss as a
whole). An unreadable, corrupt or foreign file, or an entry the engine does
not accept, is a miss: the pattern is compiled the usual way. A process that
made new programs rewrites the file once, at its end (merged with what the
file holds by then, so that ``-j`` workers add theirs), keeping at most
:data:`_CAP` entries, those this process used first.
"""

from __future__ import annotations

import re
from typing import Any, AnyStr, Final

from aiblint import regexcode

_NAME: Final = "regex-programs"
_FORMAT: Final = 1  # of the cache file; a change makes old files misses
#: At most this many programs are kept (aiblint uses ~210; the rest room for other versions' patterns).
_CAP: Final = 600

#: The file's programs not used yet (``None``: not read yet), the patterns this process made
#: (by key), and the programs it compiled.
_programs: dict[str, Any] | None = None
_done: dict[str, re.Pattern[str]] = {}
_made: dict[str, Any] = {}
_registered = False


def compile(pattern: AnyStr, flags: int = 0) -> re.Pattern[AnyStr]:
    """``re.compile(pattern, flags)``, made from the kept program when there is one."""
    if not isinstance(pattern, str):  # (bytes patterns: few and small, compiled the usual way)
        return re.compile(pattern, flags)
    flags = int(flags)
    key = f"{flags}\0{pattern}"
    done = _done.get(key)
    if done is not None:
        return done
    programs = _programs if _programs is not None else _load()
    stored = programs.pop(key, None)  # (the program is not needed again: memory stays as before)
    made = regexcode.made(pattern, flags, stored) if stored is not None else None
    if made is None:
        made = _miss(key, pattern, flags)
    _done[key] = made
    return made


def _miss(key: str, pattern: str, flags: int) -> re.Pattern[str]:
    global _registered
    stored = regexcode.program(pattern, flags)  # (it compiled the pattern: re.compile below is re's own cache)
    if stored is not None:
        _made[key] = stored
        if not _registered:
            import atexit

            atexit.register(save)
            _registered = True
    return re.compile(pattern, flags)


def _file() -> Any:
    from aiblint.cachedir import cache_root

    root = cache_root()
    return None if root is None else root / _NAME


def _read() -> dict[str, Any]:
    """The file's programs; nothing when it is missing, unreadable, corrupt or another interpreter's."""
    file = _file()
    if file is None:
        return {}
    from aiblint.cachedir import read_json

    try:
        data = read_json(file)
    except ValueError:
        return {}
    if (isinstance(data, dict) and data.get("format") == _FORMAT and data.get("engine") == regexcode.ENGINE
            and isinstance(programs := data.get("programs"), dict)):
        return programs
    return {}


def _load() -> dict[str, Any]:
    global _programs
    _programs = _read()
    return _programs


def save() -> None:
    """Rewrite the file if this process made programs: those it used first, then the file's
    current ones (another process may have added some), up to :data:`_CAP`. Once per process."""
    if not _made:
        return
    file = _file()
    if file is None:
        return
    import json

    from aiblint.cachedir import write_atomically

    current = _read()
    # (_done is in the order of first use: the cap keeps what this process needed first)
    used = {key: stored for key in _done if (stored := _made.get(key, current.get(key))) is not None}
    kept = dict(list(used.items())[:_CAP])
    for key, stored in current.items():
        if len(kept) >= _CAP:
            break
        kept.setdefault(key, stored)
    _made.clear()
    data = {"format": _FORMAT, "engine": regexcode.ENGINE, "programs": kept}
    write_atomically(file, json.dumps(data).encode("utf-8"))


def forget() -> None:
    """Forget what was read, used and made (tests; a server's child reads the file itself)."""
    global _programs
    _programs = None
    _done.clear()
    _made.clear()
