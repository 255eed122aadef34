"""The Terraform sources of ../shared/corpus-iac: every .tf file read, every image
template found, and no error that is not real."""

from __future__ import annotations

from pathlib import Path

from aiblint.findings import Severity
from aiblint.frontends.terraform import read_terraform
from aiblint.run import lint_paths
from tests.conftest import need_shared

ARTIST = ["JobManagerX{0}", "JobManagerA{0}", "JobClusterX{0}CA", "JobClusterX{0}CI", "JobClusterX{0}GN", "JobClusterX{0}GA",
          "JobClusterA{0}", "VDIUserX{0}GN", "VDIUserX{0}GA", "VDIUserA{0}"]
#: Per file: the Terraform address of each image template, and how many of its
#: customizers are known statically (their type is known). Files not named hold none.
EXPECTED: dict[str, list[tuple[str, int]]] = {
    "Azure__ArtistAnywhere/2.Image/image.builder.tf": [
        *((f'azapi_resource.linux["{name.format("L")}"]', 8) for name in ARTIST),
        *((f'azapi_resource.windows["{name.format("W")}"]', 9) for name in ARTIST),
    ],
    # customize = var.image_template_customization_steps: the module's callers give it ...
    "Azure__terraform-azurerm-avm-ptn-azureimagebuilder/main.tf": [("azapi_resource.image_template", 0)],
    "Azure__terraform-azurerm-avm-res-virtualmachineimages-imagetemplate/main.tf": [("azapi_resource.image_template", 0)],
    # ... as the examples do: module "x" { source = "../../" ... } is the module's template, with these values
    "Azure__terraform-azurerm-avm-ptn-azureimagebuilder/examples/default/main.tf": [
        ("module.test.azapi_resource.image_template", 0)],
    "Azure__terraform-azurerm-avm-ptn-azureimagebuilder/examples/deploy-all-linux/main.tf": [
        ("module.test.azapi_resource.image_template", 1)],
    "Azure__terraform-azurerm-avm-ptn-azureimagebuilder/examples/deploy-all-windows/main.tf": [
        ("module.test.azapi_resource.image_template", 2)],
    "Azure__terraform-azurerm-avm-res-virtualmachineimages-imagetemplate/examples/customization-ignore/main.tf": [
        ("module.image_template.azapi_resource.image_template", 1)],
    "Azure__terraform-azurerm-avm-res-virtualmachineimages-imagetemplate/examples/linux-image/main.tf": [
        ("module.image_template.azapi_resource.image_template", 3)],
    "Azure__terraform-azurerm-avm-res-virtualmachineimages-imagetemplate/examples/windows-image/main.tf": [
        ("module.image_template.azapi_resource.image_template", 1)],
    # "customize": ${replace(jsonencode([for ...]))} in a JSON heredoc: computed text, not known
    "aaronbhatti__azure-landing-zone/modules/aib/main.tf": [("azurerm_resource_group_template_deployment.image_templates", 0)],
    "askaresh__avd-terraform-customimage/modules/image-builder/main.tf": [
        ("azurerm_resource_group_template_deployment.image_builder", 11),
    ],
    "decodingahmed__azure-vm-image-builder-samples/software-from-public/terraform/imagebuilder.tf": [("azapi_resource.builder", 1)],
    "mdmsft__az-image-builder-tf/image.tf": [("azapi_resource.main", 1)],
    "ned1313__terraform-tuesdays/2022-05-17-AzAPI/image-builder/main.tf": [("azapi_resource.image_templates", 3)],
    "travishankins__terraform-avd-deployment/main.tf": [("azurerm_resource_group_template_deployment.aib[0]", 3)],
}
#: Every error aiblint reports on these sources, each read and confirmed real.
ERRORS = [
    # the AVM module writes a property the API does not have (the API calls it stagingResourceGroup)
    ("Azure__terraform-azurerm-avm-res-virtualmachineimages-imagetemplate/locals.tf", "AIB102", 15, 7),
]


def _terraform_files(corpus: Path) -> list[str]:
    rows = (line.split("\t") for line in (corpus / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()[1:])
    return [row[0] for row in rows if len(row) > 4 and row[4] == "tf"]


def test_every_image_template_is_found_with_its_known_customizers() -> None:
    corpus = need_shared() / "corpus-iac"
    found: dict[str, list[tuple[str, int]]] = {}
    for name in _terraform_files(corpus):
        path = corpus / name
        document, templates, _ = read_terraform(path.read_bytes(), name, path, corpus)
        assert document.problem is None, (name, document.problem)
        rows = [(item.resource, sum(1 for step in item.template.customizers
                                    if step.get("type") is not None and item.template.resolve(step.get("type")).known))  # type: ignore[arg-type]
                for item in templates]
        if rows:
            found[name] = rows
    assert found == EXPECTED


def test_every_tf_file_is_linted_without_an_internal_error_and_every_error_is_real(tmp_path: Path) -> None:
    corpus = need_shared() / "corpus-iac"
    report = lint_paths([str(corpus / name) for name in _terraform_files(corpus)], cwd=corpus)
    assert report.errors == []
    assert report.files_checked == len(_terraform_files(corpus))
    # Each repository named as a folder (without git, a named file's own folder is all it may read):
    # the examples' module calls reach the module, and a folder walk reads the files that hold templates.
    repositories = sorted({name.split("/")[0] for name in _terraform_files(corpus)})
    report = lint_paths([str(corpus / name) for name in repositories], cwd=corpus)
    assert report.errors == []
    assert {finding.path for finding in report.findings if finding.path.endswith(".tf")} <= set(_terraform_files(corpus))
    errors = sorted({(finding.path, finding.rule, finding.line, finding.column) for finding in report.findings
                     if finding.severity is Severity.ERROR and finding.path.endswith(".tf")})
    assert errors == ERRORS
