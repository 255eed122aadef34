"""No two findings contradict each other, on every real template, every rule example and the
seeded cases of issue 15.

Two findings contradict each other when they cannot both be true of one template. The pairs
checked, each on findings of one file:

1. **One name, two diagnoses.** At the same property name, two of AIB102 (unknown property),
   AIB103 (a known property in the wrong case), AIB104 (a property of a later api version) and
   AIB105 (a read-only property): a name is at most one of these.
2. **Accepted, then missing.** AIB103 says the service accepts a mis-cased name
   (`"UserAssignedIdentities" should be "userAssignedIdentities": api 2020-02-14 still accepts
   the wrong case`) while another finding in the same object says that property is missing
   (AIB101 `"x" is missing`, AIB203 `names no user-assigned identity`, AIB206 `neither ... nor`,
   or any message that calls it missing or absent).
3. **Present, then missing.** A finding (at an object, or at one of its members) says the
   object lacks a property that is written in it, spelt right (no AIB102-AIB105 on the name).
4. **Ignored, then read.** AIB102 says the service ignores or rejects a property name (unknown)
   or AIB105 says the service sets it (read-only), while another rule reports something about
   that property's value (a finding inside the value, not at the name, where a rule saying the
   field is not read agrees), other than the rules that scan every string whatever it is
   (AIB0xx placeholders and syntax, AIB4xx secrets).
5. **No identity, then an identity finding.** AIB203 says the template has no identity while
   another finding points inside `identity`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiblint.config import Config
from aiblint.engine import Linter
from aiblint.findings import Finding
from aiblint.registry import RuleSet
from aiblint.rule import Rule
from aiblint.run import lint_paths
from aiblint.selection import Selection
from tests.conftest import CORPUS, WILD, need_shared

_NAME_RULES = ("AIB102", "AIB103", "AIB104", "AIB105")
_CASE = re.compile(r'^"(?P<written>[^"]+)" should be "(?P<right>[^"]+)": api \S+ still accepts the wrong case')
_MISSING = (
    re.compile(r'"(?P<name>\w+)" (?:is|are) missing'),
    re.compile(r'"(?P<a>\w+)" and "(?P<b>\w+)" are missing'),
    re.compile(r"\bnames no user-assigned identity\b"),
    re.compile(r"\bneither (?P<a>\w+) nor (?P<b>\w+)\b"),
    re.compile(r"\bhas no \"?(?P<name>\w+)\"?"),
)
_SCANS_EVERY_STRING = ("AIB0", "AIB4")


def _inside(path: str, outer: str) -> bool:
    return path == outer or path.startswith((outer + ".", outer + "["))


def _parent(path: str) -> str:
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""


def _last_name(path: str) -> str:
    tail = path[max(path.rfind("."), path.rfind("[")) + 1 :]
    return tail.rstrip("]").strip("'")


def _missing_names(finding: Finding) -> set[str]:
    """Property names (case-folded) that ``finding`` says are missing."""
    names: set[str] = set()
    if finding.rule.startswith("AIB0"):
        return names  # about the file and aiblint's own directives, not template properties
    if finding.rule == "AIB203" and "names no user-assigned identity" in finding.message:
        names.add("userassignedidentities")
    if finding.rule == "AIB203" and "has no identity" in finding.message:
        names.add("identity")
    for pattern in _MISSING:
        for match in pattern.finditer(finding.message):
            names |= {value.casefold() for value in match.groupdict().values() if value}
    return names


def contradictions(findings: list[Finding], keys: dict[str, set[str]]) -> Iterator[str]:
    """The contradicting pairs among one file's findings. ``keys``: object path -> the
    property names written in it (to tell "present" from "missing")."""
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        by_path.setdefault(finding.logical_path, []).append(finding)
    for path, here in by_path.items():
        names = sorted({f.rule for f in here if f.rule in _NAME_RULES and (f.line, f.column) == (here[0].line, here[0].column)})
        if len(names) > 1:
            yield f"{path}: {' and '.join(names)} both diagnose the name"
    accepted = [(f, m) for f in findings if f.rule == "AIB103" and (m := _CASE.match(f.message))]
    for finding in findings:
        missing = _missing_names(finding)
        if not missing:
            continue
        for case, match in accepted:
            if match.group("right").casefold() in missing and _parent(case.logical_path) in (finding.logical_path, _parent(finding.logical_path)) and case is not finding:
                yield f"{case.logical_path}: AIB103 says the case is accepted; {finding.rule} calls it missing"
        misspelt = {f.logical_path for f in findings if f.rule in _NAME_RULES}
        holder = finding.logical_path if finding.logical_path in keys else _parent(finding.logical_path)
        for name in keys.get(holder, set()):
            spelt_right = f"{holder}.{name}".lstrip(".") not in misspelt
            if name.casefold() in missing and spelt_right and finding.rule not in _NAME_RULES:
                yield f"{finding.logical_path}: {finding.rule} calls {name} missing, but it is written there"
    for ignored in findings:
        if not (ignored.rule == "AIB102" or ignored.rule == "AIB105"):
            continue
        for other in findings:
            if other.rule.startswith(_SCANS_EVERY_STRING) or other.rule in _NAME_RULES or other.rule == "AIB101":
                continue
            at_name = (other.line, other.column) == (ignored.line, ignored.column)  # about the name: agrees
            if _inside(other.logical_path, ignored.logical_path) and not at_name:
                yield f"{other.logical_path}: {ignored.rule} says the service does not read it; {other.rule} reports on it"
    for absent in findings:
        if absent.rule == "AIB203" and "has no identity" in absent.message:
            for other in findings:
                if ".identity" in f".{other.logical_path}" and other is not absent:
                    yield f"{other.logical_path}: AIB203 says there is no identity; {other.rule} reports inside it"


def _keys(text: str, path: str) -> dict[str, set[str]]:
    """Object path -> the member names written in it, for one file."""
    from aiblint.jsontree import JsonObject, walk
    from aiblint.loader import load_text

    root = load_text(text, path).root
    if root is None:
        return {}
    return {node.logical_path(): set(node.keys()) for node in walk(root) if isinstance(node, JsonObject)}


def _linter() -> Linter:
    return Linter(RuleSet.load(Selection(select=("AIB",))), Config())


def _check_text(linter: Linter, text: str, name: str = "t.json") -> list[str]:
    findings, _ = linter.lint_bytes(text.encode(), name, True)
    return list(contradictions(findings, _keys(text, name)))


def test_no_contradictions_on_the_corpus() -> None:
    need_shared()
    files = sorted(p for root in (CORPUS, WILD) for p in root.rglob("*.json"))
    report = lint_paths([str(p) for p in files], rules=RuleSet.load(Selection(select=("AIB",))))
    by_file: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_file.setdefault(finding.path, []).append(finding)
    found = []
    for path, findings in by_file.items():
        text = Path(path).read_text(encoding="utf-8-sig", errors="replace")
        found += [f"{path}: {problem}" for problem in contradictions(findings, _keys(text, path))]
    assert found == []


def _examples() -> list[tuple[str, str]]:
    rules: list[Rule] = list(RuleSet.load(Selection(select=("AIB",))).rules)
    return [(f"{rule.id}-{index}", example.text) for rule in rules for index, example in enumerate(rule.examples)]


def test_no_contradictions_in_the_rule_examples() -> None:
    linter = _linter()
    found = [f"{name}: {problem}" for name, text in _examples() for problem in _check_text(linter, text)]
    assert found == []


_IDENTITY = (
    "/subscriptions/0b4ea3c1-5f6d-4b3a-9c1e-2f1e0d9a8b7c/resourceGroups/ops/providers/"
    "Microsoft.ManagedIdentity/userAssignedIdentities/aib"
)


def _seeded(api: str, identity: str, properties: str) -> str:
    return (
        '{\n  "type": "Microsoft.VirtualMachineImages/imageTemplates",\n'
        f'  "apiVersion": "{api}",\n  "location": "westus2",\n  "identity": {identity},\n'
        f'  "properties": {properties}\n}}\n'
    )


_UAI = '{"type": "UserAssigned", "userAssignedIdentities": {"' + _IDENTITY + '": {}}}'
_SOURCE = ('"source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", '
           '"version": "latest"}')
_VHD = '"distribute": [{"type": "VHD", "runOutputName": "vhd"}]'

#: Mis-cased names, each under a lenient and a strict api version, and issue 15's reproductions.
SEEDED = [
    _seeded(api, identity, properties)
    for api in ("2020-02-14", "2022-07-01", "2024-02-01")
    for identity, properties in [
        ('{"type": "UserAssigned", "UserAssignedIdentities": {"' + _IDENTITY + '": {}}}', "{" + _SOURCE + ", " + _VHD + "}"),
        ('{"Type": "UserAssigned", "userAssignedIdentities": {"' + _IDENTITY + '": {}}}', "{" + _SOURCE + ", " + _VHD + "}"),
        (_UAI, '{"Source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "ubuntu-24_04-lts", '
               '"sku": "server", "version": "latest"}, ' + _VHD + "}"),
        (_UAI, "{" + _SOURCE + ', "Distribute": [{"type": "VHD", "runOutputName": "vhd"}]}'),
        (_UAI, '{"source": {"type": "SharedImageVersion", "imageVersionID": "/subscriptions/x/resourceGroups/rg"}, '
               + _VHD + "}"),
        (_UAI, "{" + _SOURCE + ', "customize": [{"type": "Shell", "name": "a", "ScriptUri": '
               '"https://contoso.com/a.sh", "Sha256Checksum": "' + "a" * 64 + '"}], ' + _VHD + "}"),
        (_UAI, "{" + _SOURCE + ', "customize": [{"type": "Shell", "name": "a", "Inline": ["echo hi"]}], ' + _VHD + "}"),
        (_UAI, "{" + _SOURCE + ', "distribute": [{"type": "SharedImage", "runOutputName": "s", "galleryImageId": '
               '"/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i", '
               '"ReplicationRegions": ["westus2"]}]}'),
        (_UAI, "{" + _SOURCE + ', "stagingResourceGroup": "", "vmProfile": {"osDiskSizeGB": 0}, ' + _VHD + "}"),
    ]
]


@pytest.mark.parametrize("text", SEEDED)
def test_no_contradictions_in_the_seeded_cases(text: str) -> None:
    assert _check_text(_linter(), text) == []
