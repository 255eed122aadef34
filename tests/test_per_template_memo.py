"""Work done once per template (or per run), not once per rule: the memos of issue 21
give the same answers as the work they save, and never outlive what they are about."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiblint.jsontree import JsonArray, JsonNode, JsonObject
from aiblint.loader import load_bytes
from aiblint.model import ImageTemplate, find_templates
from aiblint.scripts.resolve import repository_for
from aiblint.scripts.settings import ScriptSettings
from aiblint.uris import classify_uri
from aiblint.values import Resolved


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


def test_resolve_in_script_lines_keeps_shell_variables() -> None:
    template = _template()
    (step,) = template.customizers
    inline = step.get("inline")
    assert isinstance(inline, JsonArray)
    line = inline.items[0]
    assert template.resolve(line).value == "echo ${HOME}"
    assert template.resolve(line).value == "echo ${HOME}"
