"""The model's per-template memos (issue 21): ``member``, ``member_key`` and the
array accessors give the answers the work they save gave, keyed on the holder
node and the name, per template; the engine's per-rule-id selection memo follows
its selection; the message redaction pre-check finds what it found before."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiblint import redact
from aiblint.config import Config
from aiblint.engine import Linter
from aiblint.findings import Severity
from aiblint.jsontree import JsonNode, JsonObject, JsonString, walk
from aiblint.loader import load_bytes
from aiblint.model import ImageTemplate, find_templates
from aiblint.registry import RuleSet
from aiblint.rule import Problem, Rule
from aiblint.selection import Selection
from tests.conftest import CORPUS, ROOT, WILD, need_shared

TWO = b"""{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": {"size": {"type": "string", "defaultValue": "Standard_D2s_v3"}},
  "variables": {"steps": [{"type": "Shell", "name": "from-variable", "inline": ["echo v"]}]},
  "resources": [
    {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2024-02-01", "name": "one",
     "properties": {"vmProfile": {"vmSize": "[parameters('size')]"},
                    "customize": [{"type": "Shell", "name": "first", "inline": ["echo 1"]}]}},
    {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2019-05-01-preview", "name": "two",
     "properties": {"VMProfile": {"vmSize": "Standard_B2s"}, "customize": "[variables('steps')]"}}
  ]
}"""


def _text(node: JsonNode | None) -> str | None:
    return node.text if isinstance(node, JsonString) else None


def test_two_templates_in_one_file_each_get_their_own_answers() -> None:
    one, two = find_templates(load_bytes(TWO, "t.json"))
    for _ in range(2):  # worked out, then from the memo
        assert _text(one.member(one.prop("vmProfile"), "vmSize")) == "[parameters('size')]"
        assert _text(two.member(two.prop("vmProfile"), "vmSize")) == "Standard_B2s"  # VMProfile: an old api version folds case
        assert [_text(step.get("name")) for step in one.customizers] == ["first"]
        assert [_text(step.get("name")) for step in two.customizers] == ["from-variable"]  # followed into the variable
        key = two.member_key(two.properties, "vmProfile")
        assert key is not None and key.text == "VMProfile"
        assert one.member_key(one.properties, "VMPROFILE") is None  # 2024-02-01 reads names as written
    assert one._members is not two._members and not set(one._members) & set(two._members)


def test_the_memo_is_keyed_on_the_holder_and_the_name() -> None:
    (template,) = find_templates(load_bytes(b"""{"type": "Microsoft.VirtualMachineImages/imageTemplates",
        "apiVersion": "2022-07-01", "properties": {"source": {"type": "PlatformImage", "offer": "o"},
        "vmProfile": {"type": "not-a-source", "osDiskSizeGB": 64}}}""", "t.json"))
    source, profile = template.prop("source"), template.prop("vmProfile")
    for _ in range(2):
        assert _text(template.member(source, "type")) == "PlatformImage"
        assert _text(template.member(profile, "type")) == "not-a-source"  # same name, another holder
        assert _text(template.member(source, "offer")) == "o"  # same holder, another name
        assert template.member(profile, "offer") is None


def test_the_memo_keeps_its_holder_so_that_no_other_node_takes_its_id() -> None:
    """Holders made and dropped one after the other (as a rule may build one) would
    reuse an id: each must still get its own property."""
    (template,) = find_templates(load_bytes(b'{"type": "Microsoft.VirtualMachineImages/imageTemplates", "properties": {}}', "t.json"))
    for index in range(200):
        holder = JsonObject(0, 0)
        holder.add(JsonString(0, 0, "name"), JsonString(0, 0, f"value-{index}"))
        assert _text(template.member(holder, "name")) == f"value-{index}"
        del holder
    for index in range(200):  # the key alone
        holder = JsonObject(0, 0)
        holder.add(JsonString(0, 0, "Name"), JsonString(0, 0, f"value-{index}"))
        key = template.member_key(holder, "NAME")  # the template folds case: it has no api version
        assert key is not None and key is holder.members[0][0]
        del holder, key


def test_array_accessors_give_each_caller_its_own_list() -> None:
    one, _ = find_templates(load_bytes(TWO, "t.json"))
    first = one.customizers
    first.clear()
    assert len(one.customizers) == 1


def test_member_records_no_value_flow() -> None:
    one, _ = find_templates(load_bytes(TWO, "t.json"))
    one.member(one.prop("vmProfile"), "vmSize")
    one.flows.clear()
    one.member(one.prop("vmProfile"), "vmSize")
    assert one.flows == {}


def _reference_member(template: ImageTemplate, holder: JsonNode | None, name: str) -> JsonNode | None:
    """member() as it was before it was memoized."""
    return template.follow(template._member_node(holder, name)[1])


def _deployment_files() -> Iterator[Path]:
    need_shared()
    folders = (CORPUS, WILD, ROOT / "tests" / "data")
    for path in sorted(path for folder in folders for path in folder.rglob("*.json")):
        data = path.read_bytes()
        if b'"[' in data and b"imageTemplates" in data:  # expressions: values followed elsewhere
            yield path


def test_member_answers_as_before_over_the_corpus_deployment_templates() -> None:
    checked = followed = 0
    for path in _deployment_files():
        data = path.read_bytes()
        before = find_templates(load_bytes(data, str(path)))
        after = find_templates(load_bytes(data, str(path)))
        for old, new in zip(before, after, strict=True):
            if old.arm_template is None:
                continue
            old_nodes = [node for node in walk(old.resource) if isinstance(node, JsonObject)]
            new_nodes = [node for node in walk(new.resource) if isinstance(node, JsonObject)]
            for _ in range(2):
                for old_holder, new_holder in zip(old_nodes, new_nodes, strict=True):
                    for name in [*old_holder.keys(), "type", "NAME", "missing"]:
                        expected = _reference_member(old, old_holder, name)
                        found = new.member(new_holder, name)
                        assert (found is None) == (expected is None), (path, name)
                        if found is not None and expected is not None:
                            assert (found.start, found.end, found.value) == (expected.start, expected.end, expected.value)
                            followed += found is not new_holder.get(name)
                        key, old_key = new.member_key(new_holder, name), old.member_key(old_holder, name)
                        assert (key and key.text) == (old_key and old_key.text)
                        checked += 1
            assert [item.start for item in new.customizers] == [item.start for item in old._objects(old.properties, "customize")] if old.properties else True
    assert checked > 1000 and followed > 10  # the corpus has values written in variables and parameters


# -- the engine: which rule ids are on, worked out once per selection ------------------------------


class _Noisy(Rule):
    id = "ZZ901"
    name = "noisy"
    severity = Severity.WARNING
    summary = "a stand-in"


def test_the_enabled_memo_follows_the_linter_selection(tmp_path: Path) -> None:
    linter = Linter(RuleSet([]), Config(), tmp_path)
    document = load_bytes(b'{"a": 1}', "t.json")
    problem = Problem("a message", node=document.root)
    rule = _Noisy()
    assert linter.finding(rule, document, problem) is not None
    linter.selection = Selection.of(None, ["ZZ9"])
    assert linter.finding(rule, document, problem) is None
    linter.selection = Selection.of(None, None)
    assert linter.finding(rule, document, problem) is not None


# -- redaction: the pre-check before the secret detectors ------------------------------------------

_RUN = re.compile(r"[A-Za-z0-9_+=%\-]{12,}")


def _reference_tokenish(text: str, length: int = 12) -> bool:
    """redact._tokenish as it was, character by character."""
    return any(
        len(run) >= length and any(c.isdigit() for c in run) and any(c.isalpha() for c in run)
        for run in _RUN.findall(text)
    )


@pytest.mark.parametrize("text", [
    "", "a1", "abcdefghijk1", "abcdefghijkl1", "123456789012345678a", "1234567890123456789a", "ABCDEFGHIJKLMNOPQRST",
    "abc-def_ghi+jkl=mno%pq1", "x" * 19 + "1", "héllo1234567890123456789", "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩٠abc",
    "key=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 and more", "/subscriptions/0000/resourceGroups/rg-name",
])
@pytest.mark.parametrize("length", [12, 20])
def test_tokenish_finds_what_it_found_before(text: str, length: int) -> None:
    assert redact._tokenish(text, length) == _reference_tokenish(text, length)


@given(st.text(alphabet=st.sampled_from("aZ09_+=%-./: é١\n"), max_size=60), st.sampled_from([12, 20]))
def test_tokenish_finds_what_it_found_before_on_any_text(text: str, length: int) -> None:
    assert redact._tokenish(text, length) == _reference_tokenish(text, length)


# -- ARM expressions: parsed once per distinct text ------------------------------------------------

INVALID = """{
  "parameters": {"imageName": {"type": "string"}},
  "resources": [{
    "type": "Microsoft.VirtualMachineImages/imageTemplates",
    "name": "[concat('img-', parameters('imageName')]"
  }]
}
"""


def test_a_parse_is_shared_by_equal_texts_only_and_keeps_no_frames() -> None:
    from aiblint.arm.scope import parsed
    from aiblint.arm.syntax import Call, ExpressionError

    one, other = parsed("[parameters('a')]"), parsed("[parameters('b')]")
    assert one is parsed("[parameters('a')]")
    assert isinstance(one, Call) and isinstance(other, Call) and one != other
    assert one.args[0] != other.args[0]
    error = parsed("[concat('x']")
    assert isinstance(error, ExpressionError) and error.__traceback__ is None and error.__context__ is None
    assert parsed("[concat('x']") is error and parsed("[concat('y']") is not error
    info = parsed.cache_info()
    assert info.maxsize is not None and info.maxsize <= 4096  # a long-lived process does not grow


def test_a_shared_parse_is_reported_where_each_file_writes_it(tmp_path: Path) -> None:
    """The parse holds indexes into the string, never file positions: the same
    expression in two files (one moved down a line and right 3 columns) is reported
    at each file's own place."""
    from aiblint import lint_paths

    (tmp_path / "a.json").write_text(INVALID)
    (tmp_path / "b.json").write_text("\n" + INVALID.replace('    "name"', '       "name"'))
    report = lint_paths(["a.json", "b.json"], cwd=tmp_path)
    found = sorted((finding.path, finding.line, finding.column, finding.message) for finding in report.findings if finding.rule == "AIB005")
    assert [place[:3] for place in found] == [("a.json", 5, 53), ("b.json", 6, 56)]
    assert found[0][3] == found[1][3]
