"""Region data (aiblint/data/regions.json) and lookups (aiblint.regions)."""

from __future__ import annotations

import pytest
from aiblint_rules.regions import UnsupportedRegion

from aiblint.datafiles import load_json
from aiblint.regions import closest_region, find_region, image_builder_regions, normalize


@pytest.mark.parametrize(
    ("text", "name", "builder"),
    [
        ("eastus", "eastus", True),
        ("East US", "eastus", True),
        ("EASTUS", "eastus", True),
        ("South East Asia", "southeastasia", True),  # the Image Builder docs' spelling
        ("USGov Arizona", "usgovarizona", True),
        ("westindia", "westindia", False),
        ("Brazil Southeast", "brazilsoutheast", False),
        ("chinaeast2", "chinaeast2", False),
    ],
)
def test_find_region(text: str, name: str, builder: bool) -> None:
    region = find_region(text)
    assert region is not None
    assert (region.name, region.image_builder) == (name, builder)


@pytest.mark.parametrize("text", ["", "eastus3", "westeurop", "global", "east-us"])
def test_not_a_region(text: str) -> None:
    assert find_region(text) is None


def test_closest_region() -> None:
    close = closest_region("westeurop")
    assert close is not None and close.name == "westeurope"
    assert closest_region("xyz") is None


def test_image_builder_regions_are_the_39_of_the_2026_overview() -> None:
    names = {region.name for region in image_builder_regions()}
    assert len(names) == 39
    assert {"eastus", "westeurope", "newzealandnorth", "taiwannorthwest", "usgovvirginia"} <= names
    assert not names & {"westindia", "brazilsoutheast", "francesouth"}


def test_every_builder_region_has_a_dated_source() -> None:
    data = load_json("regions.json")
    for entry in data["image_builder"]["regions"]:
        assert entry["since"] and entry["source"] in data["sources"], entry
    for entry in data["azure"]["regions"]:
        assert normalize(entry["display"]) == entry["name"], entry
        assert entry["source"] in data["sources"], entry


def test_the_docs_list_the_same_regions_as_the_data() -> None:
    listed = UnsupportedRegion.description.split("ms.date 05/19/2026, the same list as the template reference):")[1]
    listed = listed.split(".\n")[0]
    names = {normalize(name) for name in listed.replace("\n", " ").split(",")}
    assert names == {region.name for region in image_builder_regions()}
