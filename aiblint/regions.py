"""Region names: where Image Builder runs, and every Azure region (``aiblint/data/regions.json``).

ARM accepts a region's display name for its programmatic name (``East US`` is
``eastus``), so names are compared without case and spaces.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Final

from aiblint.datafiles import load_json
from aiblint.record import Record


class Region(Record):
    """An Azure region, and whether Image Builder runs there."""

    __slots__ = ("name", "display", "image_builder", "note")  # noqa: RUF023 - in field order
    name: Final[str]  # programmatic name: "eastus"
    display: Final[str]  # "East US"
    image_builder: Final[bool]  # Image Builder runs here (a template's location may be this)
    note: Final[str]  # e.g. a preview feature to register first

    def __init__(self, name: str, display: str, image_builder: bool, note: str = "") -> None:
        self.name = name
        self.display = display
        self.image_builder = image_builder
        self.note = note


def normalize(text: str) -> str:
    return "".join(text.split()).casefold()


@cache
def _regions() -> dict[str, Region]:
    data = load_json("regions.json")
    builder = {entry["name"]: entry for entry in data["image_builder"]["regions"]}
    return {
        entry["name"]: Region(
            entry["name"], entry["display"], entry["name"] in builder, builder.get(entry["name"], {}).get("note", "")
        )
        for entry in data["azure"]["regions"]
    }


def find_region(text: str) -> Region | None:
    """The Azure region ``text`` names (``eastus``, ``East US``), if any."""
    return _regions().get(normalize(text))


def image_builder_regions() -> list[Region]:
    return [region for region in _regions().values() if region.image_builder]


@lru_cache(maxsize=256)
def closest_region(text: str, image_builder_only: bool = False) -> Region | None:
    """The region name most like a misspelt ``text`` (``eastus3`` -> ``eastus2``).
    Remembered per text and flag (the corpus repeats its ``<region>`` placeholders, and
    difflib compares each with every region): the regions are packaged data, read once."""
    candidates = [r.name for r in _regions().values() if r.image_builder or not image_builder_only]
    import difflib  # a suggestion only: not imported by a run that needs none
    close = difflib.get_close_matches(normalize(text), candidates, n=1, cutoff=0.75)
    return _regions()[close[0]] if close else None
