"""The Bicep front end: .bicep sources linted at their exact positions."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiblint import lint_paths
from aiblint.config import Config
from aiblint.constants import TEMPLATE_SUFFIXES
from aiblint.frontends import SUFFIXES, for_path, load_bytes
from aiblint.model import find_templates

HEAD = "resource it 'Microsoft.VirtualMachineImages/imageTemplates@2024-02-01' = {\n"
TEMPLATE = HEAD + """\
  name: 'img'
  location: 'westus2'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    source: { type: 'PlatformImage', publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' }
    customize: [
      { type: 'Shell', name: 'setup', inline: [ 'echo one' ] }
      { type: 'Shell', name: 'setup', inline: [ 'echo two' ] }
    ]
    distribute: [ { type: 'ManagedImage', imageId: imageId, location: 'westus2', runOutputName: 'out' } ]
  }
}
param identityId string
param imageId string
"""


def _lint(tmp_path: Path, text: str, name: str = "t.bicep", select: tuple[str, ...] = ("AIB",)) -> list[tuple[str, int, int, str]]:
    (tmp_path / name).write_text(text)
    report = lint_paths([name], cwd=tmp_path, config=Config(select=list(select)))
    assert not report.errors, report.errors
    return [(f.rule, f.line, f.column, f.message) for f in report.findings]


def test_dispatch_by_suffix() -> None:
    assert for_path("a/t.bicep").language == "bicep"
    assert for_path("a/T.BICEPPARAM").language == "bicep"
    assert for_path("t.json").language == for_path("t.jsonc").language == for_path("noext").language == "json"
    assert ".bicep" in SUFFIXES and ".json" in SUFFIXES
    assert sorted(SUFFIXES) == sorted(TEMPLATE_SUFFIXES)  # what the walk reads is what a run says it looked at


def test_resource_lowered_with_bicep_spans() -> None:
    document = load_bytes(TEMPLATE.encode(), "t.bicep")
    assert document.problem is None and document.language == "bicep"
    (template,) = find_templates(document)
    assert template.form == "bicep" and template.api_version == "2024-02-01"
    assert [template.resolve(c.get("name")).value for c in template.customizers if c.get("name")] == ["setup", "setup"]
    name = template.customizers[1].get("name")
    assert name is not None and document.position(name.start) == document.position(TEMPLATE.index("'setup'", TEMPLATE.index("echo one")))
    location = template.location
    assert location is not None and document.text[location.start : location.end] == "'westus2'"
    # an interpolated key is computed by ARM: unknown, never a literal
    identity = template.identity
    assert identity is not None and template.resolve(identity).known is False


def test_duplicate_customizer_found_in_bicep(tmp_path: Path) -> None:
    found = _lint(tmp_path, TEMPLATE, select=("AIB201",))
    assert [(rule, line, column) for rule, line, column, _ in found] == [("AIB201", 14, 30)]
    assert "line 13" in found[0][3]


def test_syntax_error_is_aib001_at_its_place(tmp_path: Path) -> None:
    text = HEAD + "  name: 'img'\n  location: = 'x'\n}\n"
    found = _lint(tmp_path, text, select=("AIB001",))
    assert len(found) == 1 and found[0][:2] == ("AIB001", 3) and found[0][3].startswith("Bicep syntax error")


def test_spread_is_skipped_once_and_the_rest_linted(tmp_path: Path) -> None:
    text = "var extra = { tags: {} }\nvar other = { ...extra, a: 1 }\nvar more = { ...extra }\n" + TEMPLATE
    found = _lint(tmp_path, text, select=("AIB001", "AIB201"))
    assert [(rule, line) for rule, line, _, _ in found] == [("AIB001", 2), ("AIB201", 17)]
    assert "spread" in found[0][3] and "1 more place" in found[0][3]


def test_folder_walk_skips_bicep_without_template(tmp_path: Path) -> None:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "network.bicep").write_text("param x string\nresource v 'Microsoft.Network/virtualNetworks@2023-01-01' = { name: x }\n")
    (tmp_path / "infra" / "image.bicep").write_text(TEMPLATE)
    report = lint_paths(["."], cwd=tmp_path, config=Config(select=["AIB201"]))
    assert report.files_checked == 1 and report.templates_checked == 1
    assert [(f.path, f.rule, f.line) for f in report.findings] == [("infra/image.bicep", "AIB201", 14)]


def test_existing_image_template_is_a_reference(tmp_path: Path) -> None:
    text = "resource old 'Microsoft.VirtualMachineImages/imageTemplates@2022-02-14' existing = {\n  name: 'x'\n}\n"
    document = load_bytes(text.encode(), "t.bicep")
    assert document.problem is None and find_templates(document) == []


SCRIPTS = HEAD + """\
  name: 'img'
  location: 'westus2'
  properties: {
    customize: [
      {
        type: 'Shell'
        name: 'multi'
        inline: [
          '''
echo ok
ls $dir
'''
        ]
      }
      { type: 'Shell', name: 'escaped', inline: [ 'echo \\'it\\' \\\\ && ls $here' ] }
      { type: 'Shell', name: 'loaded', inline: [ loadTextContent('scripts/setup.sh') ] }
    ]
  }
}
"""


def test_shellcheck_positions_in_multiline_escaped_and_loaded_scripts(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "setup.sh").write_text("set -e\necho start\ncp $source /tmp\n")
    (tmp_path / "t.bicep").write_text(SCRIPTS)
    report = lint_paths(["t.bicep"], cwd=tmp_path, config=Config(select=["SC2086"]))
    assert not report.errors
    found = sorted((f.path, f.line, f.column) for f in report.findings)
    # ''' string: script line 2 is file line 12; escapes: \\' and \\\\ shift the columns
    escaped_line = SCRIPTS.splitlines()[15]
    assert found == [
        ("scripts/setup.sh", 3, 4),
        ("t.bicep", 12, 4),
        ("t.bicep", 16, escaped_line.index("$here") + 1),
    ]


def test_load_text_content_never_reads_outside_the_repository(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "repo").mkdir()
    (tmp_path / "secret.sh").write_text("cp $x /tmp\n")
    text = SCRIPTS.replace("scripts/setup.sh", "../secret.sh")
    (tmp_path / "repo" / "t.bicep").write_text(text)
    (tmp_path / "repo" / ".git").mkdir()
    report = lint_paths(["repo/t.bicep"], cwd=tmp_path, config=Config(select=["SC2086"]))
    assert not report.errors
    assert all(f.path == "repo/t.bicep" for f in report.findings)


EVALUATED = """\
param prefix string = 'Web'
param update bool = true
param kinds array = [ 'a', 'b' ]
param unknownId string
var steps = [for (kind, index) in kinds: { type: 'Shell', name: 'step-${kind}-${index}', inline: [ 'echo ${kind}' ] }]
resource gallery 'Microsoft.Compute/galleries@2022-03-03' = { name: '${prefix}gal', location: 'westus2' }
resource definition 'Microsoft.Compute/galleries/images@2022-03-03' = { parent: gallery, name: 'def' }
resource it 'Microsoft.VirtualMachineImages/imageTemplates@2024-02-01' = {
  name: toLower('${prefix}-IMG')
  location: update ? 'westus2' : unknownId
  properties: {
    customize: concat(steps, update ? [ { type: 'WindowsRestart', name: 'restart' } ] : [])
    distribute: [ { type: 'SharedImage', galleryImageId: definition.id, runOutputName: unknownId, replicationRegions: [ 'westus2' ] } ]
  }
}
"""


def test_expressions_evaluated_as_far_as_known() -> None:
    document = load_bytes(EVALUATED.encode(), "t.bicep")
    assert document.problem is None
    (template,) = find_templates(document)
    name = template.resource.get("name")
    assert name is not None and template.resolve(name).value == "web-img"
    location = template.location
    assert location is not None and template.resolve(location).value == "westus2"
    # a var's value is written at the var: positions point there
    names = [template.resolve(step.get("name")).value for step in template.customizers if step.get("name") is not None]
    assert names == ["step-a-0", "step-b-1", "restart"]
    first = template.customizers[0]
    assert document.position(first.start).line == 5
    (distributor,) = template.distributors
    image_id = distributor.get("galleryImageId")
    output = distributor.get("runOutputName")
    assert image_id is not None and output is not None
    resolved = template.resolve(image_id)
    assert resolved.known is False and resolved.partial is not None
    assert resolved.partial.render() == "/subscriptions/{?}/resourceGroups/{?}/providers/Microsoft.Compute/galleries/Webgal/images/def"
    assert template.resolve(output).known is False


def test_customizers_from_load_json_content_at_their_place(tmp_path: Path) -> None:
    (tmp_path / "steps.json").write_text(
        '{\n  "steps": [\n    {"type": "Shell", "name": "a", "inline": ["true"]},\n'
        '    {"type": "Shell", "name": "a", "inline": ["true"]}\n  ]\n}\n'
    )
    text = HEAD + "  name: 'x'\n  location: 'westus2'\n  properties: {\n    customize: loadJsonContent('steps.json', '$.steps')\n  }\n}\n"
    found = _lint(tmp_path, text, select=("AIB201",))
    (tmp_path / "t.bicep").write_text(text)
    report = lint_paths(["t.bicep"], cwd=tmp_path, config=Config(select=["AIB201"]))
    assert [(f.path, f.line, f.column) for f in report.findings] == [("steps.json", 4, 31)]
    assert len(found) == 1


AVM_CALL = """\
module image 'br/public:avm/res/virtual-machine-images/image-template:0.6.0' = {
  name: 'image'
  params: {
    name: 'img'
    location: 'westus2'
    imageSource: { type: 'PlatformImage', publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' }
    customizationSteps: [
      { type: 'Shell', name: 'setup', scriptUri: 'http://downloads.contoso.com/setup.sh' }
      { type: 'Shell', name: 'setup', inline: [ 'echo hi' ] }
    ]
    distributions: [ { type: 'ManagedImage', imageName: 'web' } ]
  }
}
"""


def test_avm_module_call_linted_as_the_template_it_creates(tmp_path: Path) -> None:
    found = _lint(tmp_path, AVM_CALL, select=("AIB201", "AIB203", "AIB301"))
    assert [(rule, line, column) for rule, line, column, _ in found] == [
        ("AIB203", 3, 3), ("AIB301", 8, 50), ("AIB201", 9, 30),
    ]


def test_avm_module_identity_and_distributor_mapped() -> None:
    text = AVM_CALL.replace("    distributions:", "    managedIdentities: { userAssignedResourceIds: [ identityId ] }\n    distributions:")
    text += "param identityId string\n"
    document = load_bytes(text.encode(), "t.bicep")
    (template,) = find_templates(document)
    assert template.form == "bicep" and template.api_version == "2024-02-01"
    identity = template.identity
    assert identity is not None and identity.get("type") is not None
    (distributor,) = template.distributors
    assert sorted(distributor.keys()) == ["artifactTags", "imageId", "location", "runOutputName", "type"]
    output = distributor.get("runOutputName")
    assert output is not None and template.resolve(output).known is False  # the module computes it


PARAMETERIZED = HEAD + """\
  name: 'img'
  location: location
  properties: {
    customize: steps
  }
}
param location string
param steps array
"""


def test_bicepparam_beside_the_template_feeds_its_params(tmp_path: Path) -> None:
    (tmp_path / "main.bicepparam").write_text(
        "using './main.bicep'\n\nparam location = 'westus2'\nparam steps = [\n"
        "  { type: 'Shell', name: 'a', inline: [ 'true' ] }\n  { type: 'Shell', name: 'a', inline: [ 'true' ] }\n]\n"
    )
    (tmp_path / "main.bicep").write_text(PARAMETERIZED)
    report = lint_paths(["main.bicep"], cwd=tmp_path, config=Config(select=["AIB201"]))
    assert not report.errors
    assert [(f.path, f.line, f.column) for f in report.findings] == [("main.bicepparam", 6, 26)]
    assert "resources.it.properties.customize" in report.findings[0].message
    # without the params file, nothing is known and nothing is said
    (tmp_path / "main.bicepparam").unlink()
    assert lint_paths(["main.bicep"], cwd=tmp_path, config=Config(select=["AIB201"])).findings == []


def test_json_parameters_file_feeds_bicep_params(tmp_path: Path) -> None:
    (tmp_path / "main.parameters.json").write_text(
        '{"parameters": {"location": {"value": "westus2"}, "steps": {"value": [\n'
        '  {"type": "Shell", "name": "a", "inline": ["true"]},\n  {"type": "Shell", "name": "a", "inline": ["true"]}]}}}\n'
    )
    (tmp_path / "main.bicep").write_text(PARAMETERIZED)
    report = lint_paths(["main.bicep"], cwd=tmp_path, config=Config(select=["AIB201"]))
    assert [(f.path, f.line, f.column) for f in report.findings] == [("main.parameters.json", 3, 29)]


def test_suppression_comment_above_the_line_in_bicep(tmp_path: Path) -> None:
    text = TEMPLATE.replace(
        "      { type: 'Shell', name: 'setup', inline: [ 'echo two' ] }",
        "      // aiblint: ignore[AIB201] the second run is on purpose\n      { type: 'Shell', name: 'setup', inline: [ 'echo two' ] }",
    )
    (tmp_path / "t.bicep").write_text(text)
    report = lint_paths(["t.bicep"], cwd=tmp_path, config=Config(select=["AIB201", "AIB006"]))
    assert [(f.rule, f.line, f.suppressed is not None) for f in report.findings] == [("AIB201", 15, True)]


def test_stdin_filename_picks_the_bicep_front_end(tmp_path: Path) -> None:
    report = lint_paths(["-"], cwd=tmp_path, stdin=TEMPLATE.encode(), stdin_filename="infra/t.bicep", config=Config(select=["AIB201"]))
    assert [(f.path, f.rule, f.line, f.column) for f in report.findings] == [("infra/t.bicep", "AIB201", 14, 30)]


def test_jobs_cache_and_sarif_with_bicep_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from tests.conftest import main_in_process

    monkeypatch.setattr("aiblint.parallel.MIN_FILES_PER_WORKER", 1)
    monkeypatch.setattr("aiblint.parallel.MIN_CHUNK_FILES", 1)
    monkeypatch.setenv("AIBLINT_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "a").mkdir()
    for name in ("a/one.bicep", "a/two.bicep"):
        (tmp_path / name).write_text(TEMPLATE)
    config = Config(select=["AIB201"])
    runs = [lint_paths(["a"], cwd=tmp_path, config=config, jobs=jobs, cache=cache) for jobs, cache in ((1, False), (2, False), (2, True), (1, True))]
    summaries = [[(f.path, f.rule, f.line, f.column) for f in run.findings] for run in runs]
    assert summaries[0] == [("a/one.bicep", "AIB201", 14, 30), ("a/two.bicep", "AIB201", 14, 30)]
    assert all(summary == summaries[0] for summary in summaries)
    monkeypatch.chdir(tmp_path)
    code, out = main_in_process("--select", "AIB201", "--format", "sarif", "a/one.bicep")
    result = json.loads(out)["runs"][0]["results"][0]
    location = result["locations"][0]["physicalLocation"]
    assert code == 1 and location["artifactLocation"]["uri"] == "a/one.bicep"
    assert (location["region"]["startLine"], location["region"]["startColumn"]) == (14, 30)


def test_a_bicep_buffer_in_the_language_server(tmp_path: Path) -> None:
    from aiblint.lsp.positions import UTF16, PositionMap
    from aiblint.lsp.server import AiblintLanguageServer

    (tmp_path / ".aiblint.toml").write_text('[tool.aiblint]\nselect = ["AIB201"]\n')
    uri = (tmp_path / "image.bicep").as_uri()
    server = AiblintLanguageServer()
    # no editor session here: the folder is the workspace, columns in UTF-16 as LSP's default
    server.root_for = lambda path: tmp_path  # type: ignore[method-assign]
    server.positions = lambda text: PositionMap(text, UTF16)  # type: ignore[method-assign]
    found = server.diagnostics(uri, TEMPLATE, "bicep")
    assert [(d.code, d.range.start.line, d.range.start.character) for d in found[uri]] == [("AIB201", 13, 29)]


def test_no_fix_is_offered_in_a_bicep_file(tmp_path: Path) -> None:
    # AIB103's fix rewrites the key as JSON text: in a .bicep file that would break the source
    text = TEMPLATE.replace("runOutputName: 'out'", "runoutputname: 'out'")
    (tmp_path / "t.bicep").write_text(text)
    report = lint_paths(["t.bicep"], cwd=tmp_path, config=Config(select=["AIB103"]))
    assert [(f.rule, f.line, f.column) for f in report.findings] == [("AIB103", 16, 82)]
    assert report.findings[0].fix is None
    json_text = '{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2024-02-01", "properties": {"distribute": [{"type": "VHD", "runoutputname": "x"}]}}'
    (tmp_path / "t.json").write_text(json_text)
    fixed = lint_paths(["t.json"], cwd=tmp_path, config=Config(select=["AIB103"]))
    assert [f.fix is not None for f in fixed.findings] == [True]  # the same finding in JSON has its fix


def test_deep_nesting_is_unknown_not_a_crash() -> None:
    text = HEAD + "  name: 'x'\n  tags: " + "[" * 5000 + "]" * 5000 + "\n}\n"
    document = load_bytes(text.encode(), "t.bicep")
    (template,) = find_templates(document)
    tags = template.resource.get("tags")
    assert tags is not None and template.resolve(tags).known is False


@pytest.mark.parametrize(("name", "text", "at", "problem"), [
    ("main.bicepparam", "using './main.bicep'\n\nparam location = 'westus2'\nparam steps = [\n  { type: 'Shell', name: \n]\n",
     (5, 3), "is not valid Bicep: unexpected \"{ type: 'Shell', name:\""),
    ("main.parameters.json", '{"parameters": []}', (1, 16),
     'is not usable: "parameters" at line 1, column 16 is not an object of {"name": {"value": ...}}'),
    ("main.parameters.json", '{"parameters": {"location": {"value": "westus2"}', (1, 49), "is not valid JSON: "),
])
def test_a_paired_parameters_file_that_cannot_be_used_is_reported(tmp_path: Path, name: str, text: str,
                                                                  at: tuple[int, int], problem: str) -> None:
    # It was silent: every param was unknown and nothing said why.
    (tmp_path / name).write_text(text)
    (tmp_path / "main.bicep").write_text(PARAMETERIZED)
    report = lint_paths(["main.bicep"], cwd=tmp_path, config=Config(select=["AIB008"]))
    [finding] = report.findings
    assert (finding.rule, finding.path) == ("AIB008", name)
    assert (finding.line, finding.column) == at
    assert finding.message.startswith(f"parameters file paired with main.bicep {problem}")
    assert finding.message.endswith(": it is not used, and every parameter of the template is unknown (unchecked)")
