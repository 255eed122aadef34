"""Regular expressions compiled on first use, not at import.

A cold run imports about 90 of aiblint's module-level patterns and uses about
20 of them; compiling the rest cost 8-11 ms of every start. A pattern that
only some runs need is written ``_NAME = lazy(r"...")`` and used as
``_NAME().search(text)``: the first call compiles it, later calls return the
same compiled pattern (a ``functools.cache`` lookup, no ``re`` cache lookup).
The first call makes it from the program kept in the user cache folder
(:mod:`aiblint.recache`) when there is one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import AnyStr

from aiblint import recache


def lazy(pattern: AnyStr, flags: int = 0) -> Callable[[], re.Pattern[AnyStr]]:
    """A function returning ``re.compile(pattern, flags)``, compiled when first called."""

    @cache
    def compiled() -> re.Pattern[AnyStr]:
        return recache.compile(pattern, flags)

    return compiled
