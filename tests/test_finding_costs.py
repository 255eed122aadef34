"""Making findings cheaper (issue 21, P2) changed how, never what: each rewrite gives
what the code it replaced gave (differential tests), and each memo is keyed on
everything its answer depends on (two inputs that must get different answers do)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiblint import document as document_module
from aiblint import jsontree, redact, uris
from aiblint.config import Config
from aiblint.document import Document
from aiblint.engine import Linter
from aiblint.findings import Severity
from aiblint.formatters import RuleInfo
from aiblint.formatters.text import TextFormatter
from aiblint.hashing import sha256_hex
from aiblint.jsontree import JsonArray, JsonNode, JsonObject, JsonScalar, JsonString, format_path, walk
from aiblint.loader import load_bytes
from aiblint.registry import RuleSet
from aiblint.rule import Problem, Rule

# -- redaction -------------------------------------------------------------------------------------

GITHUB_TOKEN = "ghp_" + "aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"
OTHER_TOKEN = "ghp_" + "zYxWvUtSrQpOnMlKjIhGfEdCbA9876543210"


def test_the_message_memo_is_keyed_on_the_whole_message() -> None:
    """Messages of one length, or alike but for their token, each get their own answer;
    asked again (from the memo), the same; a message too long for the memo, the same."""
    one, two = f"the value {GITHUB_TOKEN} is used", f"a value {OTHER_TOKEN} is used here"
    plain = f"the value {'x' * len(GITHUB_TOKEN)} is used"  # as long as ``one``: nothing to mask
    for _ in range(2):
        assert redact.redact_message(one) == "the value gh…(40 chars) is used"
        assert redact.redact_message(plain) == plain
        assert redact.redact_message(two) == "a value gh…(40 chars) is used here"
        for message in (one, two, plain):
            assert redact.redact_message(message) == redact._redact_message(message)
    long = "x " * redact._REMEMBERED_LENGTH + one
    assert GITHUB_TOKEN not in redact.redact_message(long)
    assert redact.redact_message(long) == redact._redact_message(long)


_URI_PARTS = st.sampled_from([
    "https://", "http://", "ftp://", "user", ":", "pa55word", "@", "host.example.com", "/", "path", "?", "sig=",
    "AbCd1234EfGh5678IjKl9012MnOp", "&", "se=2030", "#", " ", "'", "<", "token_0123456789abcdef", "…(44 chars)",
])


@given(st.lists(_URI_PARTS, max_size=14).map("".join))
def test_mask_uris_without_a_search_gives_what_the_search_gave(text: str) -> None:
    """The pre-check (no '@' and no '?': no URI in the text holds a credential)
    returns what masking every URI found returned."""
    searched = uris._URI_IN_TEXT().sub(lambda found: uris.mask_uri(found.group()), text)
    assert uris.mask_uris(text) == searched


@pytest.mark.parametrize("text", [
    "see https://example.com/x.sh and https://example.com/y.sh",
    "get https://user:pa55word@example.com/x.sh",
    f"get https://{GITHUB_TOKEN}@github.com/o/r.git",
    "get https://acct.blob.core.windows.net/c/x.sh?sv=2020&sig=AbCd1234EfGh5678IjKl9012MnOpQrSt%3D",
])
def test_mask_uris_masks_what_it_masked(text: str) -> None:
    searched = uris._URI_IN_TEXT().sub(lambda found: uris.mask_uri(found.group()), text)
    assert uris.mask_uris(text) == searched
    assert "pa55word" not in searched and GITHUB_TOKEN not in searched and "MnOpQrSt" not in searched


def _reference_tokenish(text: str, length: int) -> bool:
    """The pre-check as first written: every maximal run, character by character."""
    runs = re.findall(r"[A-Za-z0-9_+=%\-]+", text)
    return any(
        len(run) >= length and any(c in "0123456789" for c in run) and any(c.isascii() and c.isalpha() for c in run)
        for run in runs
    )


@given(st.text(alphabet=st.sampled_from("aB7_+=%-" * 6 + "./: é١\n"), max_size=90), st.sampled_from([12, 20]))
def test_tokenish_in_one_search_finds_what_the_runs_gave(text: str, length: int) -> None:
    assert redact._tokenish(text, length) == _reference_tokenish(text, length)


# -- positions -------------------------------------------------------------------------------------


def _reference_starts(text: str) -> list[int]:
    return [0] + [index + 1 for index, char in enumerate(text) if char == "\n"]


@given(st.text(alphabet=st.sampled_from("ab\n\r\u2028é"), max_size=40))
def test_line_starts_and_positions_are_what_they_were(text: str) -> None:
    document = Document("t.json", text)
    starts = _reference_starts(text)
    assert document.line_starts == starts
    for offset in range(-2, len(text) + 3):
        clamped = max(0, min(offset, len(text)))
        line = max(index for index, start in enumerate(starts) if start <= clamped)
        assert (document.position(offset).line, document.position(offset).column) == (line + 1, clamped - starts[line] + 1)
        for end in (offset - 1, offset, offset + 2):
            span = document.span(offset, end)
            assert document.coordinates(offset, end) == (span.start.line, span.start.column, span.end.line, span.end.column)
            assert (span.end.line, span.end.column) == (document.position(max(offset, end)).line, document.position(max(offset, end)).column)


def test_a_long_text_gets_its_line_starts_without_splitting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document_module, "_SPLIT_LENGTH", 8)
    for text in ["", "a", "\n", "ab\ncd\n\nef", "\n" * 20, "x" * 30 + "\n"]:
        assert Document("t.json", text).line_starts == _reference_starts(text)


# -- logical paths and tree walks ------------------------------------------------------------------


def _reference_format(parts: tuple[str | int, ...]) -> str:
    out: list[str] = []
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif re.match(r"[A-Za-z_$][A-Za-z0-9_$-]*\Z", part):
            out.append(f".{part}" if out else part)
        else:
            escaped = part.replace("\\", "\\\\").replace("'", "\\'")
            out.append(f"['{escaped}']")
    return "".join(out)


_NAMES = st.text(alphabet=st.sampled_from("aZ_$-0 .'\\\n"), max_size=5)


@given(st.lists(st.one_of(_NAMES, st.integers(0, 12)), max_size=6).map(tuple))
def test_format_path_formats_what_it_formatted(parts: tuple[str | int, ...]) -> None:
    assert format_path(parts) == _reference_format(parts)


_TREES = st.recursive(
    st.integers(0, 3) | st.none(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_NAMES, children, max_size=3),
    max_leaves=12,
)


@given(_TREES)
def test_a_nodes_logical_path_is_its_path_formatted(value: object) -> None:
    """``logical_path`` writes the path from the node up, in one loop: the text that formatting
    ``path()`` gives, for every value and every key of a tree (a key has its member's path)."""
    document = load_bytes(json.dumps({"r": [value]}).encode(), "t.json")
    assert document.root is not None
    for node in walk(document.root):
        nodes = [node, *(key for key, _ in node.members)] if isinstance(node, JsonObject) else [node]
        for one in nodes:
            assert one.logical_path() == _reference_format(one.path()) == format_path(one.path())


def _subclasses(cls: type[JsonScalar]) -> list[type[JsonScalar]]:
    subclasses: list[type[JsonScalar]] = cls.__subclasses__()
    return [cls, *(found for sub in subclasses for found in _subclasses(sub))]


def test_a_scalars_value_and_a_strings_text_are_its_value_slot() -> None:
    """``value`` and ``text`` read the ``_value`` slot in C (its descriptor under those names):
    for every scalar class of aiblint (front ends' and computed ones too), they give the
    ``_value`` set, not another slot's."""
    import aiblint.arm.structure
    import aiblint.frontends.terraform.nodes
    import aiblint.values  # noqa: F401 - their node classes are checked too

    classes = _subclasses(JsonScalar)
    assert {"JsonString", "MappedString", "ComputedString", "ComputedScalar", "TfString", "UnknownString"} <= {c.__name__ for c in classes}
    for cls in classes:
        node: JsonScalar = object.__new__(cls)
        node.start, node.end, node.parent, node.key, node._value = 3, 9, None, "the key", "the value"
        assert node.value == "the value", cls
        if isinstance(node, JsonString):
            assert node.text == "the value", cls
        node._value = 7
        assert node.value == 7, cls  # type: ignore[comparison-overlap]


def test_the_segment_memo_is_keyed_on_the_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """Names that look alike get their own segments, first and later in a path,
    before and after the bounded memo is emptied."""
    monkeypatch.setattr(jsontree, "_SEGMENTS", {})
    monkeypatch.setattr(jsontree, "_MAX_SEGMENTS", 3)
    cases = {
        ("a_b",): "a_b", ("a b",): "['a b']", ("x", "a_b"): "x.a_b", ("x", "a b"): "x['a b']",
        ("it's",): "['it\\'s']", (0, "a_b"): "[0].a_b", ("a-b", 1): "a-b[1]", ("1a",): "['1a']",
    }
    for _ in range(2):
        for parts, expected in cases.items():
            assert format_path(parts) == expected
    assert len(jsontree._SEGMENTS) <= 3


def _reference_walk(node: JsonNode) -> list[JsonNode]:
    children = [value for _, value in node.members] if isinstance(node, JsonObject) else list(node.items) if isinstance(node, JsonArray) else []
    return [node, *(found for child in children for found in _reference_walk(child))]


def test_walk_visits_in_the_order_it_did() -> None:
    document = load_bytes(b'{"a": {"b": [1, {"c": 2}, [3]]}, "a": 0, "d": [], "e": {"f": null}}', "t.json")
    assert document.root is not None
    assert [node.start for node in walk(document.root)] == [node.start for node in _reference_walk(document.root)]
    assert len(list(walk(document.root))) == 12  # both members named a: every member of the text


def test_sha256_hex_is_sha256() -> None:
    for data in (b"", b"abc", bytes(range(256)) * 10):
        assert sha256_hex(data) == hashlib.sha256(data).hexdigest()


# -- the engine's and the formats' per-rule-id memos -----------------------------------------------


class _Rule(Rule):
    id = "ZZ101"
    name = "stand-in"
    severity = Severity.WARNING
    summary = "a stand-in"


def test_the_severity_memo_is_keyed_on_the_rule_id_and_the_table(tmp_path: Path) -> None:
    linter = Linter(RuleSet([]), Config(severity={"ZZ1": Severity.ERROR, "ZZ10": Severity.NOTE}), tmp_path)
    document = load_bytes(b'{"a": 1}', "t.json")
    rule = _Rule()

    def severity(rule_id: str) -> Severity | None:
        found = linter.finding(rule, document, Problem("m", node=document.root, rule=rule_id))
        return found.severity if found is not None else None

    for _ in range(2):
        assert [severity("ZZ101"), severity("ZZ111"), severity("ZZ201")] == [Severity.NOTE, Severity.ERROR, Severity.WARNING]
    linter.config.severity = {"ZZ2": Severity.NOTE}  # another table: worked out again
    assert [severity("ZZ101"), severity("ZZ201")] == [Severity.WARNING, Severity.NOTE]


def _info(rule_id: str, name: str) -> RuleInfo:
    return RuleInfo(rule_id, name, Severity.WARNING, "", "", "", (), None)


def test_the_family_memo_is_keyed_on_the_rule_id_and_the_rules() -> None:
    formatter = TextFormatter({"SC": _info("SC", "shellcheck"), "SC2": _info("SC2", "two"), "PS": _info("PS", "pssa")})
    for _ in range(2):
        found = [formatter.rule_info(rule_id) for rule_id in ("SC1000", "SC2086", "PSAvoid", "XX1", "SC")]
        assert [info.name if info is not None else None for info in found] == ["shellcheck", "two", "pssa", None, "shellcheck"]
    formatter.rules = {"SC": _info("SC", "other")}  # another rules mapping: worked out again
    found_again = formatter.rule_info("SC2086")
    assert found_again is not None and found_again.name == "other"


# -- a file's share of the run's script tally -------------------------------------------------------


def test_a_files_tally_is_what_counter_subtraction_gave(tmp_path: Path) -> None:
    from collections import Counter

    from aiblint.parallel import _counts, _since
    from aiblint.scripts.tally import ScriptTally

    linter = Linter(RuleSet([]), Config(), tmp_path)
    assert _since(linter, _counts(linter)).units == Counter()  # no tally yet
    linter.tally = ScriptTally(Counter({"inline": 3}), Counter({"unresolved": 2, "local": 1}))
    before, old = _counts(linter), (Counter(linter.tally.units), Counter(linter.tally.references))
    linter.tally.units.update(["file", "inline", "inline"])
    linter.tally.references.update(["local"])
    share = _since(linter, before)
    assert (share.units, share.references) == (linter.tally.units - old[0], linter.tally.references - old[1])
    assert (list(share.units.items()), dict(share.references)) == ([("inline", 2), ("file", 1)], {"local": 1})


# -- the text format: its checks in C first ---------------------------------------------------------


@given(st.text(alphabet=st.sampled_from("a é\t\n\r\x00\x1b\x7f\x85\x9f\xa0\u2028\u2029\u200b\ud800"), max_size=12))
def test_printable_and_safe_text_give_what_they_gave(text: str) -> None:
    from aiblint.formatters import safe_text
    from aiblint.formatters.text import _CONTROL, _escape, printable

    assert printable(text) == _CONTROL().sub(_escape, text)
    assert safe_text(text) == text.encode("utf-8", "backslashreplace").decode("utf-8")


def test_severity_labels() -> None:
    assert [severity.label for severity in Severity] == ["note", "warning", "error"]
