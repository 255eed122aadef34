"""Rewrites and memos in the rules' helpers give the answers of the code they replaced."""

from __future__ import annotations

from fnmatch import fnmatchcase

from aiblint_rules import source_image
from hypothesis import given, settings
from hypothesis import strategies as st

from aiblint.datafiles import load_json, matches


def _table_names() -> list[str]:
    """Every name and glob of the tables matched with ``matches``, as written and folded."""
    found: set[str] = set()
    for name in ("eol-images.json", "marketplace-images.json"):
        for entry in load_json(name)["images"]:
            for field in ("publisher", "offer", "sku"):
                value = entry.get(field)
                if isinstance(value, str):
                    found |= {value, value.casefold()}
            found.update(entry.get("unless_sku", ()))
    return sorted(found)


NAMES = _table_names()


def test_table_globs_match_as_fnmatchcase_does() -> None:
    assert any(name.endswith("*") and len(name) > 1 for name in NAMES) and "*" in NAMES
    texts = [*NAMES, "", "x", "12.04", "12.04-LTS", "7.9", "CentOS", "centos-7", "*", "12.04*"]
    for pattern in NAMES:
        for text in texts:
            assert matches(text, pattern) == fnmatchcase(text, pattern), (text, pattern)


_GLOB = st.text(alphabet="ab.*?[]!-", max_size=6)


@settings(max_examples=300, deadline=None)
@given(_GLOB, st.text(alphabet="ab.*?[]!-", max_size=8))
def test_generated_globs_match_as_fnmatchcase_does(pattern: str, text: str) -> None:
    assert matches(text, pattern) == fnmatchcase(text, pattern)


def test_the_end_of_life_entry_is_remembered_per_image() -> None:
    """Keyed on all three names: images that share two of them get their own entries."""
    unremembered = source_image._entry.__wrapped__
    images = [
        ("Canonical", "UbuntuServer", "16.04-LTS"), ("Canonical", "UbuntuServer", "18.04-LTS"),
        ("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2"), ("Contoso", "UbuntuServer", "16.04-LTS"),
        ("OpenLogic", "CentOS", "7.9"), ("OpenLogic", "CentOS", "7_9-gen2"), ("canonical", "ubuntuserver", "16.04-lts"),
    ]
    expected = [unremembered(*image) for image in images]
    assert len({repr(entry) for entry in expected}) >= 4 and None in expected
    for _ in range(2):
        for image, entry in zip(images, expected, strict=True):
            assert source_image._entry(*image) == entry, image
    assert source_image._entry.cache_info().maxsize == 256
