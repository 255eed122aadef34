"""The Terraform front end: reading, evaluation, scripts and positions in .tf files."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiblint.document import Document
from aiblint.frontends.terraform import load_terraform
from aiblint.model import ImageTemplate
from tests.conftest import json_findings, main_in_process

HEAD = '''resource "azapi_resource" "it" {
  type      = "Microsoft.VirtualMachineImages/imageTemplates@2024-02-01"
  name      = "it"
  location  = var.location
  parent_id = azurerm_resource_group.rg.id

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.aib.id]
  }
'''
SOURCE = '''      source = {
        type      = "PlatformImage"
        publisher = "Canonical"
        offer     = "0001-com-ubuntu-server-jammy"
        sku       = "22_04-lts-gen2"
        version   = "latest"
      }
'''
DISTRIBUTE = '''      distribute = [{
        type          = "ManagedImage"
        imageId       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/images/img"
        location      = "westus2"
        runOutputName = "out"
      }]
'''


def resource(properties: str) -> str:
    return HEAD + "  body = {\n    properties = {\n" + properties + "    }\n  }\n}\n"


def at(text: str, needle: str, occurrence: int = 0) -> tuple[int, int]:
    """(line, column) of ``needle`` in ``text``."""
    index = -1
    for _ in range(occurrence + 1):
        index = text.index(needle, index + 1)
    position = Document("x", text).position(index)
    return position.line, position.column


def lint(folder: Path, *names: str) -> list[tuple[str, str, int, int, str]]:
    """The findings that count (suppressed ones left out)."""
    found = json_findings(*(str(folder / name) for name in names))
    return [(str(f["path"]), str(f["rule"]), int(str(f["line"])), int(str(f["column"])), str(f["message"]))
            for f in found if not f.get("suppressed")]


def templates(path: Path) -> list[ImageTemplate]:
    _, found, _ = load_terraform(path.read_bytes(), path.name, path, path.parent)
    return found


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


# -- reading -------------------------------------------------------------------------------


def test_a_syntax_error_is_aib001_at_its_position(tmp_path: Path) -> None:
    text = resource(SOURCE + DISTRIBUTE).replace('name      = "it"', 'name      = "it" "x"')
    write(tmp_path / "m", {"main.tf": text})
    found = lint(tmp_path / "m", "main.tf")
    assert [(rule, line, column) for _, rule, line, column, _ in found] == [("AIB001", *at(text, '"x"'))]


def test_an_unclosed_block_is_aib001_at_the_end(tmp_path: Path) -> None:
    text = resource(SOURCE + DISTRIBUTE)[:-2]
    write(tmp_path / "m", {"main.tf": text})
    found = lint(tmp_path / "m", "main.tf")
    assert [rule for _, rule, _, _, _ in found] == ["AIB001"]


def test_a_folder_walk_skips_terraform_without_an_image_template(tmp_path: Path) -> None:
    write(tmp_path / "m", {
        "network.tf": 'resource "azurerm_virtual_network" "v" {\n  name = "v" "broken"\n}\n',
        "variables.tf": 'variable "location" {\n  default = "westus2"\n}\n',
    })
    from aiblint.run import lint_paths

    report = lint_paths([str(tmp_path / "m")], cwd=tmp_path)
    assert (report.files_checked, report.findings, report.errors) == (0, [], [])


def test_a_named_tfvars_file_is_read_and_holds_no_template(tmp_path: Path) -> None:
    write(tmp_path / "m", {"x.tfvars": 'location = "westus2"\n'})
    found = lint(tmp_path / "m", "x.tfvars")
    assert [rule for _, rule, _, _, _ in found] == ["AIB004"]


# -- the AVM module's stagingResourceGroupId ------------------------------------------------

AVM_MAIN = '''resource "azapi_resource" "image_template" {
  location  = var.location
  name      = var.name
  parent_id = var.parent_id
  type      = "Microsoft.VirtualMachineImages/imageTemplates@2024-02-01"
  body      = local.image_template_body

  dynamic "identity" {
    for_each = var.identity != null ? [var.identity] : []

    content {
      type         = identity.value.type
      identity_ids = identity.value.user_assigned_resource_ids
    }
  }
}
'''
AVM_LOCALS = '''locals {
  image_template_body = {
    properties = local.image_template_properties
  }
  image_template_properties = merge(
    {
      source     = var.source_image
      customize  = var.customize
      distribute = var.distribute
    },
    var.build_timeout_in_minutes == null ? {} : {
      buildTimeoutInMinutes = var.build_timeout_in_minutes
    },
    var.staging_resource_group_id == null ? {} : {
      stagingResourceGroupId = var.staging_resource_group_id
    },
    length(local.vm_profile) == 0 ? {} : {
      vmProfile = local.vm_profile
    }
  )
  vm_profile = merge(
    var.vm_profile_overrides,
    var.vm_size == null ? {} : {
      vmSize = var.vm_size
    }
  )
}
'''
AVM_VARIABLES = '''variable "staging_resource_group_id" {
  type    = string
  default = null
}
variable "vm_size" {
  type    = string
  default = null
}
variable "vm_profile_overrides" {
  type    = map(any)
  default = {}
}
variable "build_timeout_in_minutes" {
  type    = number
  default = null
}
'''


def test_avm_staging_resource_group_id_is_aib102_at_its_place_in_locals_tf(tmp_path: Path) -> None:
    folder = write(tmp_path / "avm", {"main.tf": AVM_MAIN, "locals.tf": AVM_LOCALS, "variables.tf": AVM_VARIABLES})
    found = lint(folder, "main.tf")
    assert [(Path(path).name, rule, line, column) for path, rule, line, column, _ in found] == [
        ("locals.tf", "AIB102", *at(AVM_LOCALS, "stagingResourceGroupId")),
    ]
    assert 'did you mean "stagingResourceGroup"' in found[0][4]


def test_the_avm_identity_block_from_an_unknown_input_is_no_opinion(tmp_path: Path) -> None:
    """``dynamic "identity"`` over ``var.identity`` (no default): no AIB203."""
    folder = write(tmp_path / "avm", {"main.tf": AVM_MAIN, "locals.tf": AVM_LOCALS, "variables.tf": AVM_VARIABLES})
    assert "AIB203" not in {rule for _, rule, _, _, _ in lint(folder, "main.tf")}


# -- evaluation ------------------------------------------------------------------------------


def test_variables_come_from_tfvars_then_defaults_and_report_where_written(tmp_path: Path) -> None:
    text = resource(SOURCE + DISTRIBUTE + '      vmProfile = { vmSize = var.size }\n')
    variables = 'variable "location" {\n  default = "westus2"\n}\nvariable "size" {\n  default = "Standard_D2s_v3"\n}\n'
    tfvars = 'size = 42\n'
    folder = write(tmp_path / "m", {"main.tf": text, "variables.tf": variables, "prod.tfvars": tfvars})
    found = lint(folder, "main.tf")
    assert [(Path(path).name, rule, line, column) for path, rule, line, column, _ in found] == [
        ("prod.tfvars", "AIB101", 1, 8),
    ]


def test_a_region_from_a_default_is_judged_there(tmp_path: Path) -> None:
    text = resource(SOURCE + DISTRIBUTE)
    variables = 'variable "location" {\n  type    = string\n  default = "westus9"\n}\n'
    folder = write(tmp_path / "m", {"main.tf": text, "variables.tf": variables})
    found = lint(folder, "main.tf")
    assert ("variables.tf", "AIB206", 3, 13) in [(Path(p).name, r, line, c) for p, r, line, c, _ in found] or any(
        Path(p).name == "variables.tf" and (line, c) == (3, 13) for p, _, line, c, _ in found
    ), found


def test_two_tfvars_files_that_disagree_make_a_variable_unknown(tmp_path: Path) -> None:
    text = resource(SOURCE + DISTRIBUTE + '      vmProfile = { vmSize = var.size }\n')
    folder = write(tmp_path / "m", {
        "main.tf": text, "a.tfvars": "size = 42\n", "b.auto.tfvars": 'size = "Standard_D2s_v3"\n',
        "variables.tf": 'variable "location" {\n  default = "westus2"\n}\nvariable "size" {}\n',
    })
    assert "AIB101" not in {rule for _, rule, _, _, _ in lint(folder, "main.tf")}


def test_locals_templates_functions_and_for_expressions(tmp_path: Path) -> None:
    steps = '''      customize = [for name in ["one", "two", "one"] : {
        type   = "Shell"
        name   = "${local.prefix}-${lower(name)}"
        inline = [format("echo %s", name)]
      }]
'''
    text = resource(SOURCE + DISTRIBUTE + steps)
    folder = write(tmp_path / "m", {
        "main.tf": text,
        "locals.tf": 'locals {\n  prefix = merge({ a = "x" }, { a = "step" }).a\n}\n',
        "variables.tf": 'variable "location" {\n  default = "westus2"\n}\n',
    })
    template = templates(folder / "main.tf")[0]
    names = [template.resolve(step.get("name")).value for step in template.customizers if step.get("name")]
    assert names == ["step-one", "step-two", "step-one"]
    assert [rule for _, rule, _, _, _ in lint(folder, "main.tf")] == ["AIB201"]


def test_an_identity_of_a_managed_identity_resource_is_an_identity(tmp_path: Path) -> None:
    text = resource(SOURCE + DISTRIBUTE)
    folder = write(tmp_path / "m", {"main.tf": text, "variables.tf": 'variable "location" {\n  default = "westus2"\n}\n'})
    template = templates(folder / "main.tf")[0]
    identities = template.identity.get("userAssignedIdentities")  # type: ignore[union-attr]
    key = identities.members[0][0]  # type: ignore[union-attr]
    resolved = template.resolve(key)
    assert not resolved.known and resolved.partial is not None
    assert "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" in resolved.partial.render()
    assert lint(folder, "main.tf") == []


def test_an_unknown_conditional_keeps_the_optional_part_and_a_known_one_picks(tmp_path: Path) -> None:
    text = resource(SOURCE + DISTRIBUTE + '      optimize = var.fast ? { vmBoot = { state = "Enabled" } } : null\n'
                    '      validate = var.off ? { bogus = 1 } : {}\n')
    variables = 'variable "location" {\n  default = "westus2"\n}\nvariable "off" {\n  default = false\n}\nvariable "fast" {}\n'
    folder = write(tmp_path / "m", {"main.tf": text, "variables.tf": variables})
    template = templates(folder / "main.tf")[0]
    assert template.prop("optimize") is not None
    assert lint(folder, "main.tf") == []


def test_for_each_over_a_known_map_is_one_template_per_instance(tmp_path: Path) -> None:
    text = HEAD.replace('name      = "it"', "name      = each.key").replace(
        'resource "azapi_resource" "it" {\n', 'resource "azapi_resource" "it" {\n  for_each = var.images\n'
    ) + "  body = {\n    properties = {\n" + SOURCE.replace('"22_04-lts-gen2"', "each.value") + DISTRIBUTE + "    }\n  }\n}\n"
    variables = ('variable "location" {\n  default = "westus2"\n}\n'
                 'variable "images" {\n  default = { a = "22_04-lts-gen2", b = "20_04-lts-gen2" }\n}\n')
    folder = write(tmp_path / "m", {"main.tf": text, "variables.tf": variables})
    found = templates(folder / "main.tf")
    assert [template.resolve(template.resource.get("name")).value for template in found] == ["a", "b"]  # type: ignore[arg-type]


# -- scripts ---------------------------------------------------------------------------------


def test_a_heredoc_script_has_an_exact_line_map(tmp_path: Path) -> None:
    steps = '''      customize = [{
        type = "Shell"
        name = "heredoc"
        inline = [<<-EOT
          echo start
          for f in $(ls /etc/*.conf); do echo "$f" ${var.location}; done
        EOT
        ]
      }]
'''
    text = resource(SOURCE + DISTRIBUTE + steps)
    folder = write(tmp_path / "m", {"main.tf": text, "variables.tf": 'variable "location" {}\n'})
    found = [(rule, line, column) for _, rule, line, column, _ in lint(folder, "main.tf")]
    assert found == [("SC2045", *at(text, "$(ls /etc"))]


def test_file_into_inline_is_linted_as_that_script_at_its_positions(tmp_path: Path) -> None:
    steps = '''      customize = [{
        type   = "Shell"
        name   = "from-file"
        inline = split("\\n", file("${path.module}/scripts/setup.sh"))
      }]
'''
    script = "#!/bin/bash\necho start\nfor f in $(ls /etc/*.conf); do echo $f; done\n"
    folder = write(tmp_path / "m", {
        "main.tf": resource(SOURCE + DISTRIBUTE + steps), "scripts/setup.sh": script,
        "variables.tf": 'variable "location" {\n  default = "westus2"\n}\n',
    })
    found = sorted((Path(path).name, rule, line, column) for path, rule, line, column, _ in lint(folder, "main.tf"))
    assert ("setup.sh", "SC2045", 3, 10) in found
    assert ("setup.sh", "SC2086", 3, 37) in found


def test_a_file_outside_the_repository_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "secret.sh").write_text("for f in $(ls); do echo $f; done\n", encoding="utf-8")
    steps = '''      customize = [{
        type   = "Shell"
        name   = "outside"
        inline = [file("../../secret.sh")]
      }]
'''
    folder = write(tmp_path / "repo" / "m", {
        "main.tf": resource(SOURCE + DISTRIBUTE + steps),
        "variables.tf": 'variable "location" {\n  default = "westus2"\n}\n',
    })
    assert not any(rule.startswith("SC") for _, rule, _, _, _ in lint(folder, "main.tf"))


# -- everywhere JSON works -------------------------------------------------------------------


def test_a_comment_suppresses_a_finding_on_the_next_line(tmp_path: Path) -> None:
    text = resource(SOURCE + DISTRIBUTE + '      # aiblint: ignore[AIB102] the module passes it through\n'
                    '      stagingResourceGroupId = "x"\n')
    folder = write(tmp_path / "m", {"main.tf": text, "variables.tf": 'variable "location" {\n  default = "westus2"\n}\n'})
    assert lint(folder, "main.tf") == []
    suppressed = [f for f in json_findings(str(folder / "main.tf")) if f.get("suppressed")]
    assert [(f["rule"], f["line"], f["column"]) for f in suppressed] == [("AIB102", *at(text, "stagingResourceGroupId"))]


def test_standard_input_with_a_tf_file_name(tmp_path: Path) -> None:
    text = resource(SOURCE + DISTRIBUTE + '      stagingResourceGroupId = "x"\n')
    write(tmp_path / "m", {"variables.tf": 'variable "location" {\n  default = "westus2"\n}\n'})
    from aiblint.run import lint_paths

    report = lint_paths(["-"], stdin=text.encode(), stdin_filename="m/main.tf", cwd=tmp_path)
    assert [(f.path, f.rule, f.line, f.column) for f in report.findings] == [
        ("m/main.tf", "AIB102", *at(text, "stagingResourceGroupId")),
    ]


def test_worker_processes_and_the_cache_give_the_same_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("aiblint.parallel.MIN_FILES_PER_WORKER", 1)  # workers for a few files
    monkeypatch.setattr("aiblint.parallel.MIN_CHUNK_FILES", 1)
    for index in range(2):
        write(tmp_path / f"avm{index}", {"main.tf": AVM_MAIN, "locals.tf": AVM_LOCALS, "variables.tf": AVM_VARIABLES})
    from aiblint.run import lint_paths

    alone = lint_paths([str(tmp_path)], cwd=tmp_path)
    workers = lint_paths([str(tmp_path)], cwd=tmp_path, jobs=2, cache=True)
    cached = lint_paths([str(tmp_path)], cwd=tmp_path, jobs=2, cache=True)
    assert alone.findings == workers.findings == cached.findings
    assert [(f.path, f.rule) for f in alone.findings] == [(f"avm{index}/locals.tf", "AIB102") for index in range(2)]


def test_the_cache_sees_a_change_in_another_file_of_the_module(tmp_path: Path) -> None:
    folder = write(tmp_path / "avm", {"main.tf": AVM_MAIN, "locals.tf": AVM_LOCALS, "variables.tf": AVM_VARIABLES})
    from aiblint.run import lint_paths

    assert len(lint_paths([str(folder)], cwd=tmp_path, cache=True).findings) == 1
    (folder / "locals.tf").write_text(AVM_LOCALS.replace("stagingResourceGroupId", "stagingResourceGroup"), encoding="utf-8")
    assert lint_paths([str(folder)], cwd=tmp_path, cache=True).findings == []


def test_operations_read_attribute_chains_parentheses_and_splats(tmp_path: Path) -> None:
    """In an operation tree-sitter-hcl writes ``a.b`` and ``( x )`` as siblings,
    not as one expression: each side is read whole (a bug made both unknown)."""
    locals_tf = ('locals {\n  m = { name = "LnxX", on = true }\n'
                 '  a = local.m.on && strcontains(lower(local.m.name), "lnx")\n'
                 '  b = (local.m.on && false) || !local.m.on\n  c = -local.n.x + 3\n  n = { x = 1 }\n'
                 '  l = [{ id = "a" }, { id = "b" }]\n  s = local.l[*].id\n  t = local.l.*.id\n}\n')
    folder = write(tmp_path / "m", {"locals.tf": locals_tf})
    from aiblint.frontends.terraform.evaluate import Evaluator, plain
    from aiblint.frontends.terraform.module import Module
    from aiblint.frontends.terraform.syntax import HclFile

    main = HclFile.parse(Document("locals.tf", locals_tf))
    module = Module.of(main, folder / "locals.tf")
    evaluator = Evaluator(module, folder)
    values = {name: plain(evaluator.local(name, module.locals[name].node, main)) for name in ("a", "b", "c", "s", "t")}
    assert values == {"a": True, "b": False, "c": 2, "s": ["a", "b"], "t": ["a", "b"]}


def test_a_carriage_return_inside_an_inline_line_is_not_a_shellcheck_error(tmp_path: Path) -> None:
    """``tr -d \\r`` passes a CR to tr; ShellCheck would stop at it (SC1017)."""
    steps = '''      customize = [{
        type   = "Shell"
        name   = "cr"
        inline = ["cat /tmp/a.sh | tr -d \\r | bash -s -- $1"]
      }]
'''
    folder = write(tmp_path / "m", {"main.tf": resource(SOURCE + DISTRIBUTE + steps),
                                    "variables.tf": 'variable "location" {\n  default = "westus2"\n}\n'})
    rules = [rule for _, rule, _, _, _ in lint(folder, "main.tf")]
    assert "SC1017" not in rules and "SC1072" not in rules
    template = (tmp_path / "t.json")
    template.write_text('{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2024-02-01", "location": "westus2",'
                        ' "properties": {"customize": [{"type": "Shell", "name": "cr", "inline": ["cat a | tr -d \\r | sh"]}]}}',
                        encoding="utf-8")
    assert not {"SC1017", "SC1072"} & {str(f["rule"]) for f in json_findings(str(template))}


@pytest.mark.parametrize("body", [
    "{ properties = { customize = " + "[" * 3000 + "1" + "]" * 3000 + " } }",  # deeper than anything evaluated
    "local.a",  # a cycle: Terraform rejects it
    "local.b0",  # a value that doubles 60 times
])
def test_hostile_terraform_is_bounded_and_never_an_internal_error(tmp_path: Path, body: str) -> None:
    doubling = "".join(f"  b{index} = [local.b{index + 1}, local.b{index + 1}]\n" for index in range(60))
    text = ('locals {\n  a = { properties = local.a }\n' + doubling + '  b60 = "x"\n}\n'
            'resource "azapi_resource" "a" {\n  type = "Microsoft.VirtualMachineImages/imageTemplates@2024-02-01"\n'
            f"  body = {body}\n}}\n")
    write(tmp_path / "m", {"main.tf": text})
    from aiblint.run import lint_paths

    report = lint_paths([str(tmp_path / "m")], cwd=tmp_path)
    assert report.errors == [] and report.templates_checked == 1


def test_every_output_format_and_the_baseline_place_a_terraform_finding(tmp_path: Path) -> None:
    folder = write(tmp_path / "avm", {"main.tf": AVM_MAIN, "locals.tf": AVM_LOCALS, "variables.tf": AVM_VARIABLES})
    line, column = at(AVM_LOCALS, "stagingResourceGroupId")
    import json

    _, text = main_in_process(str(folder))
    assert text.startswith(f"avm/locals.tf:{line}:{column}: error AIB102 ")
    _, sarif = main_in_process("--format", "sarif", str(folder))
    result = json.loads(sarif)["runs"][0]["results"][0]
    location = result["locations"][0]["physicalLocation"]
    assert (result["ruleId"], location["artifactLocation"]["uri"], location["region"]["startLine"],
            location["region"]["startColumn"]) == ("AIB102", "avm/locals.tf", line, column)
    _, github = main_in_process("--format", "github", str(folder))
    assert github.startswith(f"::error file=avm/locals.tf,line={line},")
    _, devops = main_in_process("--format", "azure-devops", str(folder))
    assert f"sourcepath=avm/locals.tf;linenumber={line};columnnumber={column}" in devops
    assert main_in_process("--write-baseline", "b.json", str(folder))[0] == 0
    assert main_in_process("--baseline", "b.json", str(folder))[0] == 0
    (folder / "locals.tf").write_text("# lines moved\n\n" + AVM_LOCALS, encoding="utf-8")
    assert main_in_process("--baseline", "b.json", str(folder))[0] == 0  # the same finding two lines down: not new


def test_an_azapi_v1_json_heredoc_body_is_read_in_place(tmp_path: Path) -> None:
    body = '''  body = <<BODY
{
  "properties": {
    "stagingResourceGroupId": "${var.staging}",
    "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy",
               "sku": "22_04-lts-gen2", "version": "latest"},
    "distribute": [{"type": "ManagedImage", "imageId": "${var.image}", "location": "westus2", "runOutputName": "out"}]
  }
}
BODY
}
'''
    text = HEAD + body
    folder = write(tmp_path / "m", {"main.tf": text, "variables.tf": 'variable "location" {\n  default = "westus2"\n}\n'})
    found = [(rule, line, column) for _, rule, line, column, _ in lint(folder, "main.tf")]
    assert found == [("AIB102", *at(text, '"stagingResourceGroupId"'))]


def test_templatefile_into_inline_is_linted_at_positions_in_the_template_file(tmp_path: Path) -> None:
    steps = '''      customize = [{
        type   = "Shell"
        name   = "from-template"
        inline = [templatefile("${path.module}/setup.sh.tftpl", { folder = "/opt/app", unknown = var.location })]
      }]
'''
    script = "echo ${folder}\nfor f in $(ls ${folder}); do echo $f ${unknown}; done\n%{ if folder != \"\" }echo yes%{ endif }\n"
    folder = write(tmp_path / "m", {"main.tf": resource(SOURCE + DISTRIBUTE + steps), "setup.sh.tftpl": script,
                                    "variables.tf": 'variable "location" {}\n'})
    found = sorted((Path(path).name, rule, line, column) for path, rule, line, column, _ in lint(folder, "main.tf"))
    assert found == [("setup.sh.tftpl", "SC2045", 2, 10), ("setup.sh.tftpl", "SC2086", 2, 35)]  # `$f` after `${folder}`


def test_the_language_server_lints_a_terraform_buffer_and_the_module_files_it_reports_into(tmp_path: Path) -> None:
    from aiblint.lsp.server import AiblintLanguageServer

    folder = write(tmp_path / "avm", {"main.tf": AVM_MAIN, "locals.tf": AVM_LOCALS, "variables.tf": AVM_VARIABLES})
    server = AiblintLanguageServer()
    # No editor here: the workspace is this folder, positions in UTF-16 as an editor agrees by default.
    from aiblint.lsp.positions import UTF16, PositionMap

    server.root_for = lambda path: tmp_path  # type: ignore[method-assign]
    server.positions = lambda text: PositionMap(text, UTF16)  # type: ignore[method-assign]
    buffer = AVM_MAIN.replace('type      = "Microsoft', 'bogus     = 1\n  type      = "Microsoft').replace(
        "body      = local.image_template_body", "body      = { properties = { vmProfile = { vmSize = 42 } } }")
    found = server.diagnostics((folder / "main.tf").as_uri(), buffer, "terraform")
    summary = {Path(uri).name: [(d.code, d.range.start.line, d.range.start.character) for d in diagnostics]
               for uri, diagnostics in found.items()}
    (line, column), (missing_line, missing_column) = at(buffer, "42"), at(buffer, "properties = {")
    assert summary == {"main.tf": [("AIB101", missing_line - 1, missing_column - 1), ("AIB101", line - 1, column - 1)]}
    found = server.diagnostics((folder / "main.tf").as_uri(), AVM_MAIN, "terraform")
    line, column = at(AVM_LOCALS, "stagingResourceGroupId")
    assert [(Path(uri).name, [(d.code, d.range.start.line, d.range.start.character) for d in diagnostics])
            for uri, diagnostics in found.items()] == [("main.tf", []), ("locals.tf", [("AIB102", line - 1, column - 1)])]


def test_an_api_version_from_an_unknown_input_is_a_template_with_an_unknown_version(tmp_path: Path) -> None:
    text = resource(SOURCE + DISTRIBUTE + '      stagingResourceGroupId = "x"\n').replace(
        'imageTemplates@2024-02-01"', 'imageTemplates@${var.api}"')
    folder = write(tmp_path / "m", {"main.tf": text, "variables.tf": 'variable "location" {\n  default = "westus2"\n}\nvariable "api" {}\n'})
    found = [(rule, line, column) for _, rule, line, column, _ in lint(folder, "main.tf")]
    # every api version lacks "stagingResourceGroupId"; the version itself is a note
    assert found == [("AIB100", 2, 15), ("AIB102", *at(text, "stagingResourceGroupId"))]


AVM_CALL = '''module "image_template" {
  source = "../"

  name     = "it"
  location = "westus2"
  identity = {
    type                       = "UserAssigned"
    user_assigned_resource_ids = [azurerm_user_assigned_identity.this.id]
  }
  source_image = {
    type      = "PlatformImage"
    publisher = "Canonical"
    offer     = "0001-com-ubuntu-server-jammy"
    sku       = "22_04-lts-gen2"
    version   = "latest"
  }
  customize = [{
    type   = "Shell"
    name   = "docker"
    inline = ["sudo usermod -aG docker $USER"]
  }]
  distribute = [{
    type          = "ManagedImage"
    imageId       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/images/img"
    location      = "westus2"
    runOutputName = "out"
  }]
  staging_resource_group_id = var.staging
}

module "remote" {
  source  = "Azure/avm-res-virtualmachineimages-imagetemplate/azurerm"
  version = "0.1.0"
}
'''
AVM_INPUTS = AVM_VARIABLES + ''.join(f'variable "{name}" {{}}\n' for name in (
    "name", "location", "identity", "source_image", "customize", "distribute"))


def test_a_local_module_call_is_the_module_template_with_the_call_values(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "avm", {"main.tf": AVM_MAIN, "locals.tf": AVM_LOCALS, "variables.tf": AVM_INPUTS})
    example = write(tmp_path / "avm" / "example", {"main.tf": AVM_CALL, "variables.tf": 'variable "staging" {}\n'})
    found = sorted((path, rule, line, column) for path, rule, line, column, _ in lint(example, "main.tf"))
    assert found == [
        ("avm/example/main.tf", "SC2086", *at(AVM_CALL, "$USER")),
        ("avm/locals.tf", "AIB102", *at(AVM_LOCALS, "stagingResourceGroupId")),
    ]


def test_a_module_call_without_the_optional_input_leaves_it_out(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "avm", {"main.tf": AVM_MAIN, "locals.tf": AVM_LOCALS, "variables.tf": AVM_INPUTS})
    call = AVM_CALL.replace("  staging_resource_group_id = var.staging\n", "")
    example = write(tmp_path / "avm" / "example", {"main.tf": call})
    assert [rule for _, rule, _, _, _ in lint(example, "main.tf")] == ["SC2086"]  # null default: no stagingResourceGroupId


def test_a_module_outside_the_repository_is_not_read(tmp_path: Path) -> None:
    write(tmp_path / "avm", {"main.tf": AVM_MAIN, "locals.tf": AVM_LOCALS, "variables.tf": AVM_INPUTS})
    (tmp_path / "avm" / "example" / ".git").mkdir(parents=True)
    example = write(tmp_path / "avm" / "example", {"main.tf": AVM_CALL})
    assert [rule for _, rule, _, _, _ in lint(example, "main.tf")] == ["AIB004"]


def test_a_link_out_of_the_module_folder_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "secret.tfvars").write_text('location = "westus9"\n', encoding="utf-8")
    folder = write(tmp_path / "repo" / "m", {"main.tf": resource(SOURCE + DISTRIBUTE),
                                             "variables.tf": 'variable "location" {\n  default = "westus2"\n}\n'})
    (tmp_path / "repo" / ".git").mkdir()
    (folder / "linked.tfvars").symlink_to(tmp_path / "secret.tfvars")
    assert lint(folder, "main.tf") == []  # westus9 would be AIB206, at the linked file


DEPLOYMENT = '''resource "azurerm_resource_group_template_deployment" "aib" {
  name                = "aib"
  resource_group_name = "rg"
  deployment_mode     = "Incremental"
  template_content    = CONTENT
  parameters_content  = jsonencode({
    apiVersion = { value = "2024-02-01" }
    region     = { value = var.region }
  })
}
'''
ARM = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {"apiVersion": {"type": "string"}, "region": {"type": "string"}},
    "resources": [{
        "type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "[parameters('apiVersion')]",
        "name": "it", "location": "[parameters('region')]",
        "identity": {"type": "UserAssigned", "userAssignedIdentities": {
            "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'aib')]": {}}},
        "properties": {"stagingResourceGroupId": "x", "source": {"type": "PlatformImage", "publisher": "Canonical",
                       "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest"},
                       "distribute": [{"type": "ManagedImage", "imageId": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/images/img",
                                       "location": "westus2", "runOutputName": "out"}]},
    }],
}


@pytest.mark.parametrize("content", ['file("${path.module}/aib.json")', 'templatefile("aib.json", {})'])
def test_template_content_from_a_file_is_linted_in_that_file_with_parameters_content(tmp_path: Path, content: str) -> None:
    import json

    arm = json.dumps(ARM, indent=2)
    folder = write(tmp_path / "m", {"main.tf": DEPLOYMENT.replace("CONTENT", content), "aib.json": arm,
                                    "variables.tf": 'variable "region" {\n  default = "westus9"\n}\n'})
    found = [(Path(path).name, rule, line, column) for path, rule, line, column, _ in lint(folder, "main.tf")]
    # the api version comes from parameters_content (known: AIB102 is an error), the region too (AIB206 at its default)
    assert ("aib.json", "AIB102", *at(arm, '"stagingResourceGroupId"')) in found
    assert [rule for _, rule, _, _ in found if rule == "AIB100"] == []
    assert any(name == "variables.tf" and (line, column) == (2, 13) for name, _, line, column in found), found


def test_a_powershell_heredoc_has_exact_positions(tmp_path: Path) -> None:
    steps = '''      customize = [{
        type   = "PowerShell"
        name   = "ps"
        inline = [<<-EOT
          Write-Host "start"
          if ($true) { Write-Host "unclosed
        EOT
        ]
      }]
'''
    text = resource(SOURCE.replace("Canonical", "MicrosoftWindowsServer").replace("0001-com-ubuntu-server-jammy", "WindowsServer")
                    .replace("22_04-lts-gen2", "2022-datacenter-azure-edition") + DISTRIBUTE + steps)
    folder = write(tmp_path / "m", {"main.tf": text, "variables.tf": 'variable "location" {\n  default = "westus2"\n}\n'})
    found = [(rule, line, column) for _, rule, line, column, _ in lint(folder, "main.tf") if rule == "AIB507"]
    assert found == [("AIB507", *at(text, '"unclosed'))]


def test_a_sibling_file_that_is_not_valid_hcl_declares_nothing_known(tmp_path: Path) -> None:
    text = resource(SOURCE + DISTRIBUTE + '      vmProfile = { vmSize = var.size }\n')
    broken = 'variable "location" {\n  default = "westus2"\n}\nvariable "size" {\n  default = 42\n  oops oops\n}\n'
    folder = write(tmp_path / "m", {"main.tf": text, "variables.tf": broken})
    assert lint(folder, "main.tf") == []  # 42 would be AIB101, read from a file Terraform refuses


def test_a_bracketed_string_is_literal_in_an_azapi_body(tmp_path: Path) -> None:
    """azapi sends the body to the REST API as written: "[[ ... ]]" is a shell test, not an ARM escape."""
    steps = '''      customize = [{
        type   = "Shell"
        name   = "test"
        inline = ["[[ -f /etc/os-release ]]", "[ -d /opt ]", "echo $HOME"]
      }]
'''
    text = resource(SOURCE + DISTRIBUTE + steps)
    folder = write(tmp_path / "m", {"main.tf": text, "variables.tf": 'variable "location" {\n  default = "westus2"\n}\n'})
    from aiblint.frontends.terraform import load_terraform as load

    template = load(text.encode(), "main.tf", folder / "main.tf", folder)[1][0]
    inline = template.customizers[0].get("inline")
    assert [template.resolve(item).value for item in inline.items] == ["[[ -f /etc/os-release ]]", "[ -d /opt ]", "echo $HOME"]  # type: ignore[union-attr]
    # ShellCheck reads the test itself (inline Shell runs under /bin/sh), at its own characters
    assert [(rule, line, column) for _, rule, line, column, _ in lint(folder, "main.tf")] == [
        ("SC3010", *at(text, "[[ -f")), ("SC2086", *at(text, "$HOME")),
    ]
