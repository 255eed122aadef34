"""The data files shipped in ``aiblint/data``: read on first use, then cached.

Tables (regions, end-of-life images, OS publishers) are data with their source
and date, not Python literals; a lint run that never needs one never reads it.
They are read from the package's folder, as :mod:`aiblint.schema_data` reads
the schemas: ``importlib.resources`` and the reader it imports for a package
(with ``zipfile``) cost a cold run 3 ms, and aiblint is installed as files.
"""

from __future__ import annotations

import json
import os
from fnmatch import fnmatchcase
from functools import cache
from typing import Any

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def read_text(name: str) -> str:
    """The text of ``aiblint/data/<name>``."""
    with open(os.path.join(DATA, name), encoding="utf-8") as stream:
        return stream.read()


@cache
def load_json(name: str) -> Any:
    """The parsed JSON of ``aiblint/data/<name>`` (read once per process)."""
    return json.loads(read_text(name))


def matches(text: str, pattern: str) -> bool:
    """Whether ``text`` matches a table's glob ``pattern`` (``fnmatchcase``). Most
    patterns are plain names or a name's start (``CentOS*``, ``*``), compared without
    compiling a regular expression each (``fnmatchcase`` compiles every pattern it
    meets: 42 of the end-of-life table's cost a run 5 ms)."""
    if not _special(pattern):
        return text == pattern
    if pattern.endswith("*") and not _special(pattern[:-1]):
        return text.startswith(pattern[:-1])
    return fnmatchcase(text, pattern)


def _special(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern or "[" in pattern
