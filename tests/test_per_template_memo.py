"""Work done once per template (or per run), not once per rule: the memos of issue 21
give the same answers as the work they save, and never outlive what they are about."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from aiblint_rules import locations as location_rules
from aiblint_rules.locations import Location, Reading, _find_locations, _uri_text, locations

from aiblint.jsontree import JsonArray, JsonNode, JsonObject, walk
from aiblint.loader import load_bytes
from aiblint.model import ImageTemplate, find_templates
from aiblint.scripts.resolve import repository_for
from aiblint.scripts.settings import ScriptSettings, active
from aiblint.uris import classify_uri
from aiblint.values import Resolved
from tests.conftest import CORPUS, ROOT, WILD, need_shared


def test_classify_uri_is_memoized_per_text_and_bounded() -> None:
    text = "https://github.com/o/r/blob/main/setup.sh?raw=true&sig=abc"
    first = classify_uri(text)
    assert classify_uri(text) is first  # the same answer, not computed again
    assert (first.kind, first.has_sas, first.github is not None) == ("github-raw", True, True)
    info = classify_uri.cache_info()
    assert info.maxsize is not None and info.maxsize <= 4096  # a long-lived process does not grow
    assert classify_uri(" " + text).text == " " + text  # keyed by the exact text


def test_repository_lookup_resolves_a_folder_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "images").mkdir()
    settings = ScriptSettings(cwd=tmp_path)
    folder = tmp_path / "repo" / "images"
    first = repository_for(folder, settings)
    assert first.root == (tmp_path / "repo").resolve()
    calls: list[Path] = []
    original = Path.resolve

    def counting(self: Path, strict: bool = False) -> Path:
        calls.append(self)
        return original(self, strict)

    monkeypatch.setattr(Path, "resolve", counting)
    assert repository_for(folder, settings) is first
    assert calls == []  # looked up before resolving


def test_a_relative_folder_is_looked_up_in_its_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("one", "two"):
        (tmp_path / name / ".git").mkdir(parents=True)
        (tmp_path / name / "images").mkdir()
    settings = ScriptSettings(cwd=tmp_path)
    monkeypatch.chdir(tmp_path / "one")
    assert repository_for(Path("images"), settings).root == (tmp_path / "one").resolve()
    monkeypatch.chdir(tmp_path / "two")  # a resident process serves another working directory
    assert repository_for(Path("images"), settings).root == (tmp_path / "two").resolve()


# -- ImageTemplate.resolve: once per node and template, its value flows replayed --------------

DEPLOYMENT = b"""{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": {"location": {"type": "string", "defaultValue": "westus2"}},
  "resources": [{
    "type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "name": "img",
    "location": "[parameters('location')]", "tags": {"where": "[parameters('location')]"},
    "properties": {"customize": [{"type": "Shell", "inline": ["echo ${HOME}"]}]}
  }]
}"""


def _template(data: bytes = DEPLOYMENT) -> ImageTemplate:
    (template,) = find_templates(load_bytes(data, "t.json"))
    return template


def test_resolve_evaluates_a_node_once_and_replays_its_flows(monkeypatch: pytest.MonkeyPatch) -> None:
    template = _template()
    location = template.resource.get("location")
    tags = template.resource.get("tags")
    assert location is not None and isinstance(tags, JsonObject)
    where = tags.get("where")
    assert where is not None
    evaluated: list[JsonNode] = []
    original = ImageTemplate._evaluate

    def counting(self: ImageTemplate, node: JsonNode) -> Resolved:
        evaluated.append(node)
        return original(self, node)

    monkeypatch.setattr(ImageTemplate, "_evaluate", counting)
    first = template.resolve(location)
    assert first.value == "westus2" and first.node is not location  # written in the parameter default
    origin = id(first.node)
    assert template.flows == {origin: [location]}
    template.flows.clear()  # the engine does, before each rule
    assert template.resolve(location) is first
    template.resolve(where)
    template.resolve(location)
    assert template.flows == {origin: [location, where, location]}  # in order, as computed each time
    assert evaluated == [location, where]


def test_resolve_memo_is_per_template_and_follows_bound_parameters() -> None:
    one, two = _template(), _template()
    node = one.resource.get("location")
    assert node is not None
    assert one.resolve(node).value == "westus2"
    assert two._resolved == {}  # nothing shared between templates (or files)
    from aiblint.arm.parameters import merge, read_parameter_file
    from aiblint.arm.scope import ArmContext

    bound = read_parameter_file(b'{"parameters": {"location": {"value": "eastus"}}}', "t.parameters.json")
    one.arm = ArmContext(one.document, merge([bound]))  # as the engine binds a parameters file
    assert one.resolve(node).value == "eastus"


def test_a_forgotten_template_works_everything_out_again_the_same() -> None:
    """ImageTemplate.forget (a run's templates, once their file's rules are done) drops every memo,
    its own and those other modules keep on it, and keeps its fields and evaluation context: asked
    again, each answer is worked out again, the same, under the parameters bound before."""
    from aiblint.arm.parameters import merge, read_parameter_file
    from aiblint.arm.scope import ArmContext
    from aiblint.schema import schema_problems
    from aiblint.scripts.units import script_units

    template = _template()
    fresh = set(vars(template))
    bound = read_parameter_file(b'{"parameters": {"location": {"value": "eastus"}}}', "t.parameters.json")
    arm = template.arm = ArmContext(template.document, merge([bound]))
    node = template.resource.get("location")
    assert node is not None

    def answers() -> tuple[object, ...]:
        template.flows.clear()
        return (template.resolve(node).value, [(p.message, p.node) for p in schema_problems(template)],
                [(item.node, item.text) for item in locations(template)],
                [(unit.owner, unit.text) for unit in script_units(template)], dict(template.flows))

    before = answers()
    assert before[0] == "eastus" and before[3] and before[4]
    assert set(vars(template)) > fresh  # schema problems, locations, script units kept on it
    units = script_units(template)
    template.forget()
    assert set(vars(template)) == fresh and template._resolved == {} and template.flows == {}
    assert template.arm is arm and template.document is not None  # its fields and context are kept
    assert answers() == before
    assert script_units(template) is not units  # worked out again (the run's units keep the old ones)


def test_resolve_in_script_lines_keeps_shell_variables() -> None:
    template = _template()
    (step,) = template.customizers
    inline = step.get("inline")
    assert isinstance(inline, JsonArray)
    line = inline.items[0]
    assert template.resolve(line).value == "echo ${HOME}"
    assert template.resolve(line).value == "echo ${HOME}"


# -- the URI readings several rules share ------------------------------------------------------


def _reference_readings(template: ImageTemplate) -> Iterator[Reading]:
    """readings() as it was before it was computed once per template."""
    for location in _find_locations(template):
        resolved = template.resolve(location.node)
        text = _uri_text(resolved)
        if text is not None:
            yield Reading(location, resolved, text, classify_uri(text))


def _where(template: ImageTemplate) -> dict[int, str]:
    return {id(node): node.logical_path() for node in walk(template.document.root)} if template.document.root else {}


def _trace(template: ImageTemplate, found: Iterator[Reading]) -> list[tuple[str, object, dict[str, list[str]]]]:
    """Each reading with the value flows recorded when a rule sees it."""
    where = _where(template)
    return [
        (reading.location.node.logical_path(), reading.info,
         {where.get(origin, "?"): [node.logical_path() for node in nodes] for origin, nodes in template.flows.items()})
        for reading in found
    ]


def _corpus_templates() -> Iterator[Path]:
    need_shared()
    folders = (CORPUS, WILD, ROOT / "tests" / "data")
    yield from sorted(path for folder in folders for path in folder.rglob("*.json"))


def test_readings_are_computed_once_and_seen_as_before_by_every_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    computed: list[ImageTemplate] = []
    original = location_rules._readings_of

    def counting(template: ImageTemplate) -> object:
        computed.append(template)
        return original(template)

    monkeypatch.setattr(location_rules, "_readings_of", counting)
    seen = flowing = 0
    with active(ScriptSettings(cwd=ROOT)):
        for path in _corpus_templates():
            data = path.read_bytes()
            if b"ri\"" not in data:  # no scriptUri/sourceUri/uri to read
                continue
            before = find_templates(load_bytes(data, str(path)))
            after = find_templates(load_bytes(data, str(path)))
            for old, new in zip(before, after, strict=True):
                expected = _trace(old, _reference_readings(old))
                for _ in range(3):  # three rules in a row, the engine clearing the flows before each
                    old.flows.clear()
                    new.flows.clear()
                    assert _trace(new, location_rules.readings(new)) == expected, path
                    expected = _trace(old, _reference_readings(old))
                seen += len(expected)
                flowing += sum(1 for _, _, flows in expected if flows)
    assert seen > 200 and flowing >= 3  # the corpus has locations to read, some written in parameters
    assert len(computed) == len(set(map(id, computed)))  # once per template


URIS = b"""{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": {"first": {"type": "string", "defaultValue": "http://a.example.org/one.sh"}},
  "variables": {"second": "http://b.contoso.com/two.sh"},
  "resources": [{
    "type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "name": "img",
    "location": "westus2",
    "properties": {"customize": [
      {"type": "Shell", "scriptUri": "[parameters('first')]"},
      {"type": "Shell", "scriptUri": "[variables('second')]"}
    ]}
  }]
}"""


def test_a_rule_sees_the_flows_of_the_readings_it_has_read_so_far() -> None:
    """The engine turns each problem into a finding as the rule yields it, naming
    the fields a value flows into as recorded so far: replayed reading by reading."""
    (template,) = find_templates(load_bytes(URIS, "t.json"))
    for _ in range(2):  # computed, then from the memo
        template.flows.clear()
        fields = []
        for reading in location_rules.readings(template):
            fields.append(sorted(node.logical_path() for nodes in template.flows.values() for node in nodes))
            assert reading.resolved.node is not reading.location.node  # written in a parameter, a variable
        assert fields == [
            ["resources[0].properties.customize[0].scriptUri"],
            ["resources[0].properties.customize[0].scriptUri", "resources[0].properties.customize[1].scriptUri"],
        ]


def test_readings_follow_bound_parameters() -> None:
    (template,) = find_templates(load_bytes(URIS, "t.json"))
    assert [reading.text for reading in location_rules.readings(template)] == ["http://a.example.org/one.sh", "http://b.contoso.com/two.sh"]
    from aiblint.arm.parameters import merge, read_parameter_file
    from aiblint.arm.scope import ArmContext

    bound = read_parameter_file(b'{"parameters": {"first": {"value": "https://c.contoso.com/one.sh"}}}', "t.parameters.json")
    template.arm = ArmContext(template.document, merge([bound]))
    assert [reading.text for reading in location_rules.readings(template)] == ["https://c.contoso.com/one.sh", "http://b.contoso.com/two.sh"]


# -- the locations several rules and the readings share ----------------------------------------


def _location_trace(template: ImageTemplate, found: Iterator[Location]) -> list[tuple[str, str, dict[str, list[str]]]]:
    """Each location with the value flows recorded when a rule sees it, and those recorded at the end."""
    where = _where(template)

    def flows() -> dict[str, list[str]]:
        return {where.get(origin, "?"): [node.logical_path() for node in nodes] for origin, nodes in template.flows.items()}

    seen = [(location.node.logical_path(), location.field, flows()) for location in found]
    return [*seen, ("end", "", flows())]


def test_locations_are_found_once_and_seen_as_before_by_every_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    found: list[ImageTemplate] = []
    original = location_rules._find_locations

    def counting(template: ImageTemplate) -> Iterator[Location]:
        found.append(template)
        return original(template)

    monkeypatch.setattr(location_rules, "_find_locations", counting)
    seen = 0
    with active(ScriptSettings(cwd=ROOT)):
        for path in _corpus_templates():
            data = path.read_bytes()
            if b"ri\"" not in data and b"script" not in data:
                continue
            before = find_templates(load_bytes(data, str(path)))
            after = find_templates(load_bytes(data, str(path)))
            for old, new in zip(before, after, strict=True):
                for _ in range(3):  # three rules in a row, the engine clearing the flows before each
                    old.flows.clear()
                    new.flows.clear()
                    expected = _location_trace(old, original(old))
                    assert _location_trace(new, locations(new)) == expected, path
                seen += len(expected) - 1
    assert seen > 200  # the corpus has locations (TWO below has one found through a parameter)
    assert len(found) == len(set(map(id, found)))  # once per template


TWO = b"""{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": {"kind": {"type": "string", "defaultValue": "VHD"}},
  "resources": [
    {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "name": "one", "location": "westus2",
     "properties": {"customize": [{"type": "Shell", "scriptUri": "https://a.example.org/one.sh"}],
                    "distribute": [{"type": "[parameters('kind')]", "uri": "https://a.blob.core.windows.net/vhds/x.vhd"}]}},
    {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "name": "two", "location": "westus2",
     "properties": {"customize": [{"type": "File", "sourceUri": "https://b.example.org/two.txt", "destination": "/tmp/t"}]}}
  ]
}"""


def test_locations_are_per_template_and_follow_bound_parameters() -> None:
    one, two = find_templates(load_bytes(TWO, "t.json"))
    reference = _location_trace(one, _find_locations(one))
    assert reference[-1] == ("end", "", {"parameters.kind.defaultValue": ["resources[0].properties.distribute[0].type"]})
    for _ in range(2):  # found, then from the memo: the distributor's type flows from the parameter each time
        one.flows.clear()
        assert _location_trace(one, locations(one)) == reference
    assert [location.field for location in locations(one)] == ["scriptUri", "uri"]
    assert [location.field for location in locations(two)] == ["sourceUri"]
    assert [location.field for location in locations(one)] == ["scriptUri", "uri"]
    from aiblint.arm.parameters import merge, read_parameter_file
    from aiblint.arm.scope import ArmContext

    bound = read_parameter_file(b'{"parameters": {"kind": {"value": "ManagedImage"}}}', "t.parameters.json")
    one.arm = ArmContext(one.document, merge([bound]))  # the distributor is no VHD any more
    assert [location.field for location in locations(one)] == ["scriptUri"]


# -- the steps about ten rules read --------------------------------------------------------------

STEPS = b"""{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": {"kind": {"type": "string", "defaultValue": "Shell"}},
  "resources": [
    {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "name": "one", "location": "westus2",
     "properties": {"customize": [{"type": "[parameters('kind')]", "inline": ["echo hi"]}, {"type": "WindowsRestart"}],
                    "validate": {"inVMValidations": [{"type": "PowerShell", "inline": ["exit 0"]}]}}},
    {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "name": "two", "location": "westus2",
     "properties": {"customize": [{"type": "File", "sourceUri": "https://b.example.org/two.txt", "destination": "/tmp/t"}]}}
  ]
}"""


def test_steps_are_read_once_per_template_and_role_with_their_flows_replayed() -> None:
    from aiblint_rules.steps import customizers, validators

    one, two = find_templates(load_bytes(STEPS, "t.json"))
    for _ in range(3):  # read, then from the memo, the engine clearing the flows before each rule
        one.flows.clear()
        assert [step.kind for step in customizers(one)] == ["shell", "windowsrestart"]
        assert {tuple(node.logical_path() for node in nodes) for nodes in one.flows.values()} == {
            ("resources[0].properties.customize[0].type",)
        }
        assert [(step.kind, step.role) for step in validators(one)] == [("powershell", "validator")]
        assert [(step.kind, step.role) for step in customizers(two)] == [("file", "customizer")]
    listed = customizers(one)
    listed.clear()  # a caller's list is its own
    assert len(customizers(one)) == 2


def test_steps_follow_bound_parameters() -> None:
    from aiblint_rules.steps import customizers

    one, _ = find_templates(load_bytes(STEPS, "t.json"))
    assert [step.kind for step in customizers(one)] == ["shell", "windowsrestart"]
    from aiblint.arm.parameters import merge, read_parameter_file
    from aiblint.arm.scope import ArmContext

    bound = read_parameter_file(b'{"parameters": {"kind": {"value": "PowerShell"}}}', "t.parameters.json")
    one.arm = ArmContext(one.document, merge([bound]))
    assert [step.kind for step in customizers(one)] == ["powershell", "windowsrestart"]
