"""The data files shipped in ``aiblint/data``: read on first use, then cached.

Tables (regions, end-of-life images, OS publishers) are data with their source
and date, not Python literals; a lint run that never needs one never reads it.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any


@cache
def load_json(name: str) -> Any:
    """The parsed JSON of ``aiblint/data/<name>`` (read once per process)."""
    return json.loads((files("aiblint") / "data" / name).read_text(encoding="utf-8"))
