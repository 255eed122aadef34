"""Every expression in the shared corpus parses, and none gets a false AIB005."""

from __future__ import annotations

from pathlib import Path

from aiblint.arm.syntax import ExpressionError, is_expression_text, parse
from aiblint.jsontree import JsonString, walk
from aiblint.loader import load_bytes
from tests.conftest import CORPUS, WILD, json_findings, need_shared


def _json_files() -> list[Path]:
    need_shared()
    return sorted(path for root in (CORPUS, WILD) for path in root.rglob("*.json"))


def test_every_expression_in_the_corpus_parses() -> None:
    count = 0
    failures: list[str] = []
    for path in _json_files():
        document = load_bytes(path.read_bytes(), str(path))
        if document.root is None:
            continue
        for node in walk(document.root):
            if isinstance(node, JsonString) and is_expression_text(node.text):
                count += 1
                try:
                    parse(node.text)
                except ExpressionError as error:
                    failures.append(f"{path}: {error.message}: {node.text[:80]}")
    assert failures == []
    assert count > 500  # the corpus holds hundreds: make sure we looked at them


def test_no_aib005_on_the_corpus() -> None:
    need_shared()
    findings = json_findings("--select", "AIB005", str(CORPUS), str(WILD))
    assert findings == []


def test_a_broken_corpus_template_is_caught(write) -> None:  # type: ignore[no-untyped-def]
    # the check above is not vacuous: the same real template with one misspelt name is reported
    need_shared()
    source = CORPUS / "jamasten__AzureImageBuilder" / "solution.json"
    text = source.read_text(encoding="utf-8")
    assert "parameters('ImageSku')" in text
    write("solution.json", text.replace("parameters('ImageSku')", "parameters('ImageSKU2')", 1))
    findings = json_findings("--select", "AIB005", "solution.json")
    assert [f["message"] for f in findings] == [
        "invalid ARM expression: parameter 'ImageSKU2' is not declared in this template's parameters; did you mean 'ImageSku'?"
    ]
