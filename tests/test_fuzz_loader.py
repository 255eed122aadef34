"""Property-based fuzzing of the loader and of the whole rule set over mutated
corpus templates (the targets are fuzz/targets.py; atheris runs them for long)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiblint.loader import load_bytes, load_text
from fuzz.targets import check_document, compare_with_stdlib, lint_document, lint_mutated, loader
from tests.conftest import CORPUS, need_shared

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

JSON_TEXT = "{}[],:\"\\/ \t\r\n0123456789.eE+-truefalsnuNaIiy<>'/*é😀\x00\x1f\ud800"
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=30,
)


@FAST
@given(st.binary(max_size=400))
def test_any_bytes(data: bytes) -> None:
    loader(data)


@FAST
@given(st.text(alphabet=JSON_TEXT, max_size=200))
def test_any_json_like_text(text: str) -> None:
    loader(text.encode("utf-8", "surrogatepass"))


@FAST
@given(VALUES, st.sampled_from([None, 0, 2, "\t"]), st.booleans(), st.booleans())
def test_valid_json_reads_as_the_standard_library_reads_it(value: object, indent: object, ascii_only: bool, bom: bool) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)  # type: ignore[arg-type]
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8", "surrogatepass")
    document = load_bytes(data, "f.json")
    assert document.problem is None, document.problem
    check_document(document)
    compare_with_stdlib(data, document)


@FAST
@given(VALUES, st.text(alphabet="ab */\n", max_size=10))
def test_comments_anywhere_between_tokens(value: object, comment: str) -> None:
    """JSONC: a comment between any two tokens changes nothing but the comment list."""
    block = comment.replace("*", "")  # no "*/" inside, nor with the delimiters
    line = comment.split("\n")[0]
    with_comments = f"/*{block}*/" + json.dumps(value, separators=(f", //{line}\n", f": /*{block}*/ ")) + f"//{line}"
    document = load_text(with_comments, "f.json")
    assert document.problem is None, (with_comments, document.problem)
    check_document(document)
    assert document.root is not None and document.root.value == value


def _corpus() -> list[bytes]:
    return [path.read_bytes() for path in sorted(CORPUS.rglob("*.json"))] if CORPUS.is_dir() else []


CORPUS_FILES = _corpus()


@SLOW
@given(st.integers(min_value=0), st.integers(min_value=1, max_value=4), st.data())
def test_every_rule_on_mutated_corpus_templates(seed: int, rounds: int, data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(CORPUS_FILES)) if CORPUS_FILES else json.dumps({"type": "Microsoft.VirtualMachineImages/imageTemplates", "properties": {}}).encode()
    lint_mutated(source, seed, rounds)


@SLOW
@given(st.binary(max_size=200), st.integers(min_value=0, max_value=4000), st.data())
def test_every_rule_on_corpus_templates_with_bytes_changed(junk: bytes, where: int, data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(CORPUS_FILES)) if CORPUS_FILES else b"{}"
    where = min(where, len(source))
    lint_document(source[:where] + junk + source[where + len(junk) // 2 :])


def test_the_corpus_itself_keeps_every_promise() -> None:
    need_shared()
    assert len(CORPUS_FILES) > 100
    for source in CORPUS_FILES:
        lint_document(source)
        loader(source)
