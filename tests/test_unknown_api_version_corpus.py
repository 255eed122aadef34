"""Unknown api version on real templates: every corpus and wild-examples
template again, its apiVersion replaced by a parameter without a default. An
error that its literal api version gets, and that every api version gets, must
still be reported (issue 15)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from aiblint import schema_data
from aiblint.config import Config
from aiblint.engine import Linter
from aiblint.jsontree import JsonObject, JsonString
from aiblint.loader import load_text
from aiblint.model import find_templates
from aiblint.registry import RuleSet
from aiblint.selection import Selection
from tests.conftest import CORPUS, SHARED, WILD, need_shared

CONFIG = Config(select=["AIB"])
PARAMETER = "aibApiVersion"
Key = tuple[str, int, str]


def _files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(path for root in (CORPUS, WILD) for path in root.rglob("*.json")
                  if not path.name.endswith(".parameters.json"))


@cache
def _linter() -> Linter:
    return Linter(RuleSet.load(Selection.of(CONFIG.select, CONFIG.ignore)), CONFIG, SHARED)


def _errors(text: str, display: str) -> set[Key]:
    findings, _ = _linter().lint_bytes(text.encode(), display)
    return {(f.rule, f.line, f.logical_path) for f in findings if f.severity.label == "error" and f.rule != "AIB100"}


def _with_version(text: str, version: str | None) -> str | None:
    """``text`` with every literal image template apiVersion set to ``version``
    (``None``: to an undefaulted parameter), lines kept; ``None`` if it has none."""
    document = load_text(text, "x.json")
    nodes = [t.api_version_node for t in find_templates(document)
             if isinstance(t.api_version_node, JsonString) and schema_data.canonical_version(t.api_version_node.text)]
    if not nodes:
        return None
    edits: list[tuple[int, int, str]] = [
        (node.start, node.end, json.dumps(version or f"[parameters('{PARAMETER}')]")) for node in nodes if node is not None]
    root = document.root
    if version is None and isinstance(root, JsonObject) and ("resources" in root):
        section = root.get("parameters")
        declaration = f'"{PARAMETER}": {{"type": "string"}}'
        if isinstance(section, JsonObject):
            edits.append((section.start + 1, section.start + 1, declaration + ("," if section.members else "")))
        else:
            edits.append((root.start + 1, root.start + 1, f'"parameters": {{{declaration}}},'))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _candidates() -> list[str]:
    return [version for version in schema_data.api_versions() if schema_data.retired_because(version) is None]


@pytest.mark.parametrize("path", _files(), ids=lambda path: str(path.relative_to(SHARED)))
def test_errors_in_every_api_version_survive_an_unknown_one(path: Path) -> None:
    need_shared()
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    unknown = _with_version(text, None)
    if unknown is None:
        pytest.skip("no literal image template apiVersion")
    display = str(path.relative_to(SHARED))
    expected = _errors(text, display)
    for version in _candidates():
        if not expected:
            break
        variant = _with_version(text, version)
        assert variant is not None
        expected &= _errors(variant, display)
    assert expected <= _errors(unknown, display)
