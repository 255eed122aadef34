"""The template's apiVersion, when it is known, and comparisons between versions.

Image Builder api versions are dates, some with a ``-preview`` suffix
(``2019-05-01-preview``, ``2020-02-14``), and no two share a date, so the date
alone orders them.
"""

from __future__ import annotations

import re

from aiblint.model import ImageTemplate

_API_VERSION = re.compile(r"\d{4}-\d{2}-\d{2}(?:-preview)?\Z")


def known_api_version(template: ImageTemplate) -> str | None:
    """The declared apiVersion, or ``None`` when it is missing, an expression
    or not shaped like an api version (rules then make no version claim)."""
    node = template.api_version_node
    if node is None:
        return None
    text = template.resolve(node).text()
    if text is None or not _API_VERSION.match(text.strip()):
        return None
    return text.strip()


def possible_api_versions(template: ImageTemplate) -> tuple[str, ...]:
    """The api versions the template may use (one, when it is known), oldest
    first: a version-dependent rule reports what holds in every one of them."""
    from aiblint.schema import candidate_versions

    return candidate_versions(template)


def describe_versions(versions: tuple[str, ...]) -> str:
    """``api 2022-02-14``, or ``every api version from A to B``."""
    return f"api {versions[0]}" if len(versions) == 1 else f"every api version from {versions[0]} to {versions[-1]}"


def is_before(version: str, other: str) -> bool:
    """``version`` is older than ``other`` (both shaped like api versions)."""
    return version[:10] < other[:10]
