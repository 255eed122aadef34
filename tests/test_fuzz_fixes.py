"""Property: whatever a template holds, every fix leaves a file that parses,
where no key is written twice that was not before and every value other than
the one fixed is unchanged (AIB103 respells a name or a value: case only;
AIB002 removes a repeat of a key with the same value)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aiblint.config import Config
from aiblint.fixes import plan_fixes, relinter
from aiblint.jsontree import JsonArray, JsonNode, JsonObject, JsonScalar
from aiblint.loader import load_text
from aiblint.registry import RuleSet
from aiblint.run import lint_paths
from aiblint.selection import Selection

FIXING = ["AIB002", "AIB103", "AIB212"]
Pairs = list[tuple[str, object]]


class Obj(list):  # type: ignore[type-arg]
    """An object as written: its pairs in order, repeats included."""


def render(value: object) -> str:
    if isinstance(value, Obj):
        return "{" + ", ".join(f"{json.dumps(key)}: {render(item)}" for key, item in value) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(render(item) for item in value) + "]"
    return json.dumps(value)


def spellings(word: str) -> st.SearchStrategy[str]:
    """``word`` with each letter perhaps in the other case."""
    return st.lists(st.booleans(), min_size=len(word), max_size=len(word)).map(
        lambda flips: "".join(letter.swapcase() if flip else letter for letter, flip in zip(word, flips, strict=True))
    )


@st.composite
def member(draw: st.DrawFn, name: str, values: st.SearchStrategy[object]) -> list[tuple[str, object]]:
    """One to three pairs for ``name``: spelt in any case, perhaps repeated with the same or another value."""
    first = (draw(spellings(name)), draw(values))
    more = draw(st.lists(st.sampled_from(["same", "respelt", "other"]), max_size=2))
    pairs = [first]
    for kind in more:
        key = first[0] if kind != "respelt" else draw(spellings(name))
        pairs.append((key, first[1] if kind != "other" else draw(values)))
    return pairs


def obj(draw: st.DrawFn, members: list[list[tuple[str, object]]]) -> Obj:
    chosen = [pair for pairs in members for pair in pairs]
    return Obj(draw(st.permutations(chosen)))


@st.composite
def templates(draw: st.DrawFn) -> str:
    sizes = st.sampled_from(["Standard_D2s_v3", "Standard_D4s_v3"])
    customizer = Obj([("type", draw(spellings("Shell"))), ("name", draw(st.sampled_from(["a", "b"]))), ("inline", ["true"])])
    profile = obj(draw, [draw(member("vmSize", sizes)), draw(member("osDiskSizeGB", st.sampled_from([64, 128])))])
    handling = obj(draw, [draw(member("onCustomizerError", spellings("abort")))])
    properties = obj(draw, [[("vmProfile", profile)], [("customize", [customizer])], draw(member("errorHandling", st.just(handling)))])
    resource = obj(draw, [[("type", "Microsoft.VirtualMachineImages/imageTemplates")], [("apiVersion", "2024-02-01")],
                          draw(member("location", st.sampled_from(["westus2", "eastus"]))), [("properties", properties)]])
    return render(resource) + "\n"


_RULES: list[RuleSet] = []


def rules() -> RuleSet:
    if not _RULES:
        _RULES.append(RuleSet.load(Selection.of(FIXING, []), {}))
    return _RULES[0]


#: Two equal ``errorHandling`` members, each with ``onCustomizerError`` twice ("abort", "aborT"):
#: fixed in rounds (tests/test_fix.py::test_fixes_in_rounds_through_equal_members has its bytes).
TWICE_TWICE = (
    '{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2024-02-01", "location": "westus2", '
    '"properties": {"vmProfile": {"vmSize": "Standard_D2s_v3", "osDiskSizeGB": 64}, '
    '"customize": [{"type": "Shell", "name": "a", "inline": ["true"]}], '
    '"errorHandling": {"onCustomizerError": "abort", "onCustomizerError": "aborT"}, '
    '"errorHandling": {"onCustomizerError": "abort", "onCustomizerError": "aborT"}}}\n'
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(templates())
@example(TWICE_TWICE)
@example(  # found by hypothesis: a value respelt by AIB103, then removed as a repeat by AIB002
    '{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2024-02-01", "location": "westus2", '
    '"properties": {"vmProfile": {"vmSize": "Standard_D2s_v3", "vmSize": "Standard_D2s_v3", "osDiskSizeGB": 64}, '
    '"customize": [{"type": "Shell", "name": "a", "inline": ["true"]}], '
    '"errorHandling": {"onCustomizerError": "abort", "onCustomizerError": "aborT"}}}\n'
)
def test_every_fix_keeps_the_file_parsing_and_every_other_value(text: str) -> None:
    config = Config(select=FIXING)
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        (cwd / "t.json").write_text(text, encoding="utf-8")
        report = lint_paths(["t.json"], config=config, cwd=cwd, rules=rules())
        changes, problems = plan_fixes(report, cwd, relinter(report, rules(), config, cwd))
    assert problems == []
    for change in changes:
        before, after = load_text(change.before, "t.json"), load_text(change.after, "t.json")
        assert after.problem is None, change.after
        assert before.root is not None and after.root is not None
        assert same(before.root, after.root), (change.before, change.after)


def same(before: JsonNode, after: JsonNode) -> bool:
    """``after`` is ``before`` with names and string values perhaps respelt in case,
    and repeated pairs (same key, same value) perhaps removed."""
    if isinstance(before, JsonObject):
        return isinstance(after, JsonObject) and _same_members(before, after)
    if isinstance(before, JsonArray):
        return isinstance(after, JsonArray) and len(before) == len(after) and all(map(same, before, after))
    assert isinstance(before, JsonScalar) and isinstance(after, JsonScalar)
    if isinstance(before.value, str) and isinstance(after.value, str):
        return before.value.casefold() == after.value.casefold()
    return type(before.value) is type(after.value) and before.value == after.value


def _same_value(one: JsonNode, other: JsonNode) -> bool:
    """The same value, strings up to case: AIB103 may respell one of two repeats in case
    (``"abort"``, ``"aborT"``), and AIB002 then removes the repeat it has become; inside
    objects, what counts (each key's last value), since fixes run in rounds (the repeats
    inside two members are removed and respelt before the members are repeats)."""
    return _meaning(one) == _meaning(other)


def _meaning(node: JsonNode) -> object:
    """A value as a reader takes it: each key's last value, names and strings without case."""
    if isinstance(node, JsonObject):
        return {key.text.casefold(): _meaning(value) for key, value in node.members}
    if isinstance(node, JsonArray):
        return [_meaning(item) for item in node]
    assert isinstance(node, JsonScalar)
    return node.value.casefold() if isinstance(node.value, str) else (type(node.value), node.value)


def _same_members(before: JsonObject, after: JsonObject) -> bool:
    """Some alignment of the members: each kept one respelt at most in case, each
    other a repeat of a pair (same key, same value); one spelling per name after,
    and names that differed still differ (no new repeated key)."""
    pairs, kept = before.members, after.members

    def align(i: int, j: int, respelt: dict[str, str]) -> bool:
        if i == len(pairs):
            names = list(respelt.values())
            return j == len(kept) and len(names) == len(set(names))
        key, value = pairs[i]
        if j < len(kept) and kept[j][0].text.casefold() == key.text.casefold() and same(value, kept[j][1]) \
                and respelt.get(key.text, kept[j][0].text) == kept[j][0].text \
                and align(i + 1, j + 1, {**respelt, key.text: kept[j][0].text}):
            return True
        repeat = any(other.text == key.text and twin is not value and _same_value(twin, value) for other, twin in pairs)
        return repeat and align(i + 1, j, respelt)

    return align(0, 0, {})
