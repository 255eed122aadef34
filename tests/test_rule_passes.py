"""The shared passes and rewrites of the template rules (issue 21) give the answers of the
code they replaced: the strings of a template found once for AIB003, AIB400 and AIB403,
and the faster walks of AIB005's diagnostics."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aiblint_rules.strings import strings_under
from hypothesis import given, settings
from hypothesis import strategies as st

from aiblint import uris
from aiblint.arm import diagnostics
from aiblint.arm.diagnostics import deployment_templates, evaluated_strings, expression_problems
from aiblint.arm.scope import ArmContext, declared_functions, deployment_of
from aiblint.arm.syntax import Call, ExpressionError, is_expression_text, parse
from aiblint.arm.syntax import walk as walk_expression
from aiblint.jsontree import JsonObject, JsonString, walk
from aiblint.loader import load_bytes
from aiblint.model import find_templates
from aiblint.resource_ids import Shape, _chain, shapes
from aiblint.scripts.gitrepo import upwards
from aiblint.scripts.resolve import LOCAL, _template_place, resolve_uri
from aiblint.scripts.settings import ScriptSettings
from tests.conftest import CORPUS, WILD, need_shared

TWO = b"""{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": {"region": {"type": "string", "defaultValue": "<region>"}},
  "variables": {"<name>": "x", "label": "[parameters('region')]"},
  "resources": [
    {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2024-02-01", "name": "one",
     "location": "[parameters('region')]",
     "properties": {"customize": [{"type": "Shell", "name": "first", "inline": ["echo 1", "echo <one>"]}]}},
    {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2024-02-01", "name": "two",
     "location": "[parameters('Region')]",
     "properties": {"customize": [{"type": "PowerShell", "name": "second", "inline": ["Write-Host 2"]}]}}
  ]
}"""


def _walked(root: object) -> list[JsonString]:
    return [node for node in walk(root) if isinstance(node, JsonString)]  # type: ignore[arg-type]


def test_strings_are_kept_per_template_and_root() -> None:
    """Keyed on the template and the root node itself: another template, or another root of
    the same template, never gets these strings."""
    one, two = find_templates(load_bytes(TWO, "t.json"))
    assert one.arm_template is two.arm_template is not None
    variables = one.arm_template.get("variables") if one.arm_template is not None else None
    assert isinstance(variables, JsonObject)
    for _ in range(2):  # found, then from the memo
        assert [node.text for node in strings_under(one, one.resource).values][-2:] == ["echo 1", "echo <one>"]
        assert [node.text for node in strings_under(two, two.resource).values][-1] == "Write-Host 2"
        assert list(strings_under(one, one.resource).values) == _walked(one.resource)
        assert list(strings_under(two, two.resource).values) == _walked(two.resource)
        assert [node.text for node in strings_under(one, variables).values] == ["x", "[parameters('region')]"]
        assert strings_under(one, variables).objects == (variables,)
    assert strings_under(one, one.resource) is strings_under(one, one.resource)  # kept
    assert strings_under(one, variables) is not strings_under(two, variables)  # per template


def test_placeholders_in_values_and_keys_of_every_section() -> None:
    from aiblint_rules.reading import UnreplacedPlaceholder

    one, two = find_templates(load_bytes(TWO, "t.json"))
    rule = UnreplacedPlaceholder()
    found_one = sorted(problem.message for problem in rule.check_template(one))
    found_two = sorted(problem.message for problem in rule.check_template(two))
    assert found_one == [
        "unreplaced placeholder <name>: replace it with a real value before deploying",
        "unreplaced placeholder <one>: replace it with a real value before deploying",
        "unreplaced placeholder <region>: replace it with a real value before deploying",
    ]
    assert found_two == found_one[:1] + found_one[2:]


def _old_deployment_templates(root: JsonObject) -> list[JsonObject]:
    """What :func:`deployment_templates` was: every node walked."""
    return [root] + [
        node for node in walk(root) if isinstance(node, JsonObject) and node.key == "template" and deployment_of(node) is not None
    ]


def test_deployment_templates_and_expression_problems_over_the_corpus() -> None:
    """The nested templates in the order the full walk found them; each expression's
    problems the same for every string of one template that holds it."""
    need_shared()
    checked = 0
    for path in sorted([*CORPUS.rglob("*.json"), *WILD.rglob("*.json")]):
        document = load_bytes(path.read_bytes(), str(path))
        if not isinstance(document.root, JsonObject):
            continue
        assert deployment_templates(document) == _old_deployment_templates(document.root)
        context = ArmContext(document)
        found = [(problem.node, problem.message, problem.start, problem.end) for problem in expression_problems(context)]
        unremembered = [
            (string, *problem)
            for template in deployment_templates(document)
            for string in evaluated_strings(template)
            if is_expression_text(string.text) and string.text != "[]"
            for problem in _unremembered(context, string.text, template)
        ]
        assert found == unremembered
        checked += sum(1 for template in deployment_templates(document) for _ in evaluated_strings(template))
    assert checked > 1000


def _unremembered(context: ArmContext, text: str, template: JsonObject) -> list[tuple[str, int, int]]:
    """What ``expression_problems`` finds in ``text``, every call walked and judged anew."""
    scope, own = context.scope_for(template), declared_functions(template)
    parsed = context.parse(text)
    if isinstance(parsed, ExpressionError):
        return diagnostics._problems(context, text, scope, own)
    return [problem for node in walk_expression(parsed) if isinstance(node, Call) for problem in diagnostics._call_problems(node, scope, own)]


def test_the_calls_of_an_expression_are_kept_with_its_tree() -> None:
    text = "[concat(parameters('a'), toLower('B'))]"
    tree, again = parse(text), parse(text)  # two trees of one text
    assert tree is not again
    calls = diagnostics._calls(text, tree)
    assert [call.name for call in calls] == ["concat", "parameters", "toLower"]
    assert diagnostics._calls(text, tree) is calls  # kept
    other = diagnostics._calls(text, again)
    assert other is not calls and other[0] is again  # another tree is walked, not answered from the memo


def test_a_repeated_expression_is_judged_in_each_template_scope() -> None:
    """Two nested templates (inner scope) with the same text: each is judged in its own scope."""
    text = b"""{
  "parameters": {"a": {"type": "string"}},
  "resources": [
    {"type": "Microsoft.Resources/deployments", "name": "n1",
     "properties": {"expressionEvaluationOptions": {"scope": "inner"},
       "template": {"parameters": {"b": {"type": "string"}}, "variables": {"v": "[parameters('b')]", "w": "[parameters('b')]"}}}},
    {"type": "Microsoft.Resources/deployments", "name": "n2",
     "properties": {"expressionEvaluationOptions": {"scope": "inner"},
       "template": {"parameters": {"c": {"type": "string"}}, "variables": {"v": "[parameters('b')]"}}}},
    {"type": "Microsoft.VirtualMachineImages/imageTemplates", "name": "[parameters('b')]"}
  ]
}"""
    document = load_bytes(text, "t.json")
    found = [(problem.node.path(), problem.message.split(";")[0]) for problem in expression_problems(ArmContext(document))]
    undeclared = "parameter 'b' is not declared in this template's parameters"
    assert sorted(found) == sorted([
        (("resources", 1, "properties", "template", "variables", "v"), undeclared),
        (("resources", 2, "name"), undeclared),
    ])


#: The pattern and the search ``mask_uris`` used before (issue 21): every letter of a text tried.
_OLD_URI_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://(?:…\(\d+ chars\)|[^\s\"'<>()\[\]{}`])+")


def _old_mask_uris(text: str) -> str:
    return _OLD_URI_IN_TEXT.sub(lambda found: uris.mask_uri.__wrapped__(found.group()), text) if "://" in text else text


_URI_TEXT = st.lists(
    st.sampled_from(["a", "Z", "1", "+", ".", "-", ":", "/", "//", "://", " ", "\n", "'", "(", ")", "…", "…(12 chars)",
                              "…(", " chars)", "7", "@", "?", "sig=", "&", "=", "user:pw@", "é", "[", "`", "x://y"]),
    max_size=40,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(_URI_TEXT)
def test_mask_uris_masks_what_the_search_masked(text: str) -> None:
    assert uris.mask_uris(text) == _old_mask_uris(text)


def test_mask_uris_over_examples() -> None:
    examples = [
        "", "no uri", "a://", "://x", "1http://x", "+-.https://h.com/a?sig=Ab0123456789012345678901234567890123456789012 tail",
        "see https://user:Sup3rS3cretPw@git.contoso.com/x.git and ftp://h/…(12 chars) (done)",
        "x http://a.com/https://b.com/?sig=" + "A" * 44 + "&sv=2020 y", "é://x https://h/p'q", "s3://b/k http://",
        "https://h/a…(40 chars)b…c", "https://h/…(4 chars", "mailto:x https://h",
    ]
    for text in examples:
        assert uris.mask_uris(text) == _old_mask_uris(text), text
    masked = uris.mask_uris(examples[6])
    assert "Sup3rS3cretPw" not in masked and "…(13 chars)" in masked


def test_upwards_walks_what_parents_lists() -> None:
    for path in (Path("/"), Path("/a"), Path("/a/b/c"), Path("a/b"), Path("."), Path("a")):
        assert list(upwards(path)) == [path, *path.parents]


def test_shapes_are_looked_up_by_equality_not_by_hash_alone() -> None:
    """Shapes hash by kind and template; a shape with other segments is another shape (its own automaton)."""
    shape = shapes("image")[0]
    twin = Shape(shape.kind, shape.what, shape.template, shape.segments)
    other = Shape(shape.kind, shape.what, shape.template, shape.segments[:-1])
    assert hash(twin) == hash(shape) == hash(other) and twin == shape and other != shape
    assert _chain(twin) is _chain(shape)
    assert _chain(other) is not _chain(shape) and _chain(other).final != _chain(shape).final


def test_a_template_place_is_kept_per_display_path_and_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each template's folder and repository: two templates of two repositories in one run
    get their own; a relative working folder is the process's at the time of the call."""
    for name in ("one", "two"):
        (tmp_path / name / ".git").mkdir(parents=True)
        (tmp_path / name / "images" / "setup.sh").parent.mkdir()
        (tmp_path / name / "images" / "setup.sh").write_text("echo hi\n")
    settings = ScriptSettings(cwd=tmp_path)
    for _ in range(2):  # found, then from the memo
        one = resolve_uri("setup.sh", "one/images/t.json", settings)
        two = resolve_uri("setup.sh", "two/images/t.json", settings)
        assert (one.status, one.path) == (LOCAL, (tmp_path / "one" / "images" / "setup.sh").resolve())
        assert (two.status, two.path) == (LOCAL, (tmp_path / "two" / "images" / "setup.sh").resolve())
        place = _template_place("one/images/t.json", settings)
        assert place[0] == tmp_path / "one" / "images" and place[1] is not None
        assert place[1].root == (tmp_path / "one").resolve()
    relative = ScriptSettings(cwd=Path("."))
    monkeypatch.chdir(tmp_path / "one")
    first = _template_place("images/t.json", relative)[1]
    monkeypatch.chdir(tmp_path / "two")  # a resident process serves another working directory
    second = _template_place("images/t.json", relative)[1]
    assert first is not None and second is not None
    assert (first.root, second.root) == ((tmp_path / "one").resolve(), (tmp_path / "two").resolve())


OS_TWO = b"""{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": {"publisher": {"type": "string", "defaultValue": "Canonical"}},
  "resources": [
    {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2024-02-01", "name": "one",
     "properties": {"source": {"type": "PlatformImage", "publisher": "[parameters('publisher')]", "offer": "x", "sku": "y"},
                    "customize": [{"type": "PowerShell", "name": "p", "inline": ["echo"]}]}},
    {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2024-02-01", "name": "two",
     "properties": {"source": {"type": "ManagedImage", "imageId": "x"},
                    "customize": [{"type": "PowerShell", "name": "p", "inline": ["echo"]}]}}
  ]
}"""


def test_the_os_is_found_once_per_template_and_context_with_its_flows_replayed() -> None:
    from aiblint.arm.parameters import merge, read_parameter_file
    from aiblint.osinfo import infer_os, os_evidence, source_os

    one, two = find_templates(load_bytes(OS_TWO, "t.json"))
    for _ in range(3):  # found, then from the memo, the engine clearing the flows before each rule
        one.flows.clear()
        evidence = source_os(one)
        assert evidence is not None and (evidence.os, evidence.reason) == ("linux", "the source image Canonical:x:y")
        assert {tuple(node.logical_path() for node in nodes) for nodes in one.flows.values()} == {
            ("resources[0].properties.source.publisher",)
        }
        assert os_evidence(one) is evidence and infer_os(one) == "linux"
        assert source_os(two) is None and infer_os(two) == "windows"  # the PowerShell customizer
    bound = read_parameter_file(b'{"parameters": {"publisher": {"value": "MicrosoftWindowsServer"}}}', "t.parameters.json")
    one.arm = ArmContext(one.document, merge([bound]))
    assert infer_os(one) == "windows"
    evidence = source_os(one)
    assert evidence is not None and evidence.reason == "the source image MicrosoftWindowsServer:x:y"


STEP_KINDS = b"""{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": {"kind": {"type": "string", "defaultValue": "Shell"}},
  "resources": [
    {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2024-02-01", "name": "one",
     "properties": {"customize": [{"type": "[parameters('kind')]", "name": "a", "inline": ["echo"]},
                                  {"type": "File", "name": "f", "sourceUri": "x", "destination": "/tmp/x"}],
                    "validate": {"inVMValidations": [{"type": "PowerShell", "name": "v", "inline": ["echo"]}]}}},
    {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2024-02-01", "name": "two",
     "properties": {"customize": [{"type": "PowerShell", "name": "p", "inline": ["echo"]}]}}
  ]
}"""


def test_script_steps_are_read_once_per_template_and_context_with_their_flows_replayed() -> None:
    from aiblint.arm.parameters import merge, read_parameter_file
    from aiblint.scripts.units import script_steps

    one, two = find_templates(load_bytes(STEP_KINDS, "t.json"))
    for _ in range(3):  # read, then from the memo, the engine clearing the flows before each rule
        one.flows.clear()
        assert [(phase, position, language) for _, phase, position, language in script_steps(one)] == [
            ("customize", 0, "shell"), ("validate", 2, "powershell")]
        assert {tuple(node.logical_path() for node in nodes) for nodes in one.flows.values()} == {
            ("resources[0].properties.customize[0].type",)
        }
        assert [(phase, position, language) for _, phase, position, language in script_steps(two)] == [
            ("customize", 0, "powershell")]
    listed = script_steps(one)
    listed.clear()  # a caller's list is its own
    assert len(script_steps(one)) == 2
    bound = read_parameter_file(b'{"parameters": {"kind": {"value": "PowerShell"}}}', "t.parameters.json")
    one.arm = ArmContext(one.document, merge([bound]))
    assert [language for *_, language in script_steps(one)] == ["powershell", "powershell"]


def test_the_closest_region_is_remembered_per_text_and_flag() -> None:
    from aiblint.regions import closest_region

    for _ in range(2):  # found, then from the memo
        every = closest_region("austriaeasx")
        builder = closest_region("austriaeasx", image_builder_only=True)
        assert every is not None and builder is not None
        assert (every.name, builder.name) == ("austriaeast", "australiaeast")
        assert closest_region("<region>") is None
