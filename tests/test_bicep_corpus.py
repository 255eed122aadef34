"""Every .bicep in the shared corpus: read without an internal error, and what is known.

For each file: the image templates found (by symbolic name) and, for each, how many
customizers it has and how many of them are known statically (their whole value).
A change here is a change in what aiblint understands of real Bicep sources.
"""

from __future__ import annotations

import pytest

from aiblint import lint_paths
from aiblint.config import Config
from aiblint.findings import Severity
from aiblint.frontends import load_bytes
from aiblint.model import find_templates
from aiblint.scripts.settings import ScriptSettings, active
from tests.conftest import SHARED, need_shared

CORPUS_IAC = SHARED / "corpus-iac"
R = "Azure__bicep-registry-modules/avm/"
# file -> [(template, customizers, customizers known statically)]
EXPECTED: dict[str, list[tuple[str, int, int]]] = {
    R + "ptn/virtual-machine-images/azure-image-builder/main.bicep": [("imageTemplate", 0, 0)],
    R + "ptn/virtual-machine-images/azure-image-builder/tests/e2e/deployAll.linux/main.test.bicep": [],
    R + "ptn/virtual-machine-images/azure-image-builder/tests/e2e/deployAll.windows/main.test.bicep": [],
    R + "ptn/virtual-machine-images/azure-image-builder/tests/e2e/deployOnlyImage/dependencies.bicep": [],
    R + "ptn/virtual-machine-images/azure-image-builder/tests/e2e/deployOnlyImage/main.test.bicep": [],
    R + "res/virtual-machine-images/image-template/main.bicep": [("imageTemplate", 0, 0)],
    R + "res/virtual-machine-images/image-template/tests/e2e/defaults/main.test.bicep": [("testDeployment", 0, 0)],
    R + "res/virtual-machine-images/image-template/tests/e2e/max/dependencies.bicep": [],
    R + "res/virtual-machine-images/image-template/tests/e2e/max/main.test.bicep": [("testDeployment", 3, 1)],
    R + "res/virtual-machine-images/image-template/tests/e2e/waf-aligned/main.test.bicep": [("testDeployment", 1, 1)],
    "Digital-Apps-Innovation-CSA__AVD/CustomImage/main.bicep": [("azImageTemplate", 0, 0)],
    "Mohsen-sudo__azure-IaC-bicep/infra/modules/imagebuilder/imagebuilder-fslogix.bicep": [("imageTemplate", 1, 1)],
    "TheCloudTheory__Blog/content/1/image-template-sub.bicep": [],
    "TheCloudTheory__Blog/content/1/image-template.bicep": [("it", 1, 1)],
    "TheCloudTheory__Blog/content/7/image-template-sub.bicep": [],
    "TheCloudTheory__Blog/content/7/image-template.bicep": [("it", 0, 0)],
    "gav2807__AzureImageBuilder/infrastructure.platform.AIB/infra/images/ubuntu-pro-2204.bicep": [],
    "gav2807__AzureImageBuilder/infrastructure.platform.AIB/infra/images/win-2019.bicep": [],
    "gav2807__AzureImageBuilder/infrastructure.platform.AIB/infra/modules/imageTemplate.bicep": [("imageTemplate", 0, 0)],
    "h-sadeghpour__Azure-Image-Builder/azureDeploy.bicep": [],
    "h-sadeghpour__Azure-Image-Builder/modules/imageTemplate.bicep": [("imageTemplate", 5, 1)],
    "hyperclouds__jjddee/azureDeploy.bicep": [],
    "hyperclouds__jjddee/modules/imageTemplate.bicep": [("imageTemplate", 5, 1)],
    "jamasten__AzureImageBuilder/modules/imageTemplate.bicep": [("imageTemplate", 0, 0)],
    "jamasten__AzureImageBuilder/solution.bicep": [],
    "jonathanrelf__azure-image-builder-bicep/AzureImageBuilderExample.bicep": [("ExampleImageBuild", 1, 1)],
    "lukemurraynz__AzureImageBuilder/iac/customizations.bicep": [],
    "lukemurraynz__AzureImageBuilder/iac/main.bicep": [("azImageTemplate", 0, 0)],
    "mdmsft__AzureImageBuilderInfrastructure/image-template.bicep": [("imageTemplate", 1, 1)],
    "mdmsft__az-image-builder-bicep/gallery.bicep": [("imageTemplate", 1, 1)],
    "mdmsft__az-image-builder-bicep/main.bicep": [],
    "mdmsft__az-image-builder-bicep/template.bicep": [("imageTemplate", 1, 1)],
    "mikedzikowski__ImageBuilderExample/armtemplateWVD.bicep": [("imageTemplateName_resource", 7, 7)],
    "mspnp__aks-jumpbox-imagebuilder/azuredeploy.bicep": [("imgtJumpBoxSpec", 9, 9)],
    "pazdedav__vm-image-factory/artifacts/deploy.bicep": [("imageTemplate", 19, 19)],
    "sbalke__Devbox-Azure-Image/Image Builder/devbox_image.bicep": [("imageTemplate", 8, 6)],
    "sbalke__Devbox-Azure-Image/Image Builder/devbox_image_no_vs.bicep": [("imageTemplate", 18, 18)],
    "timleyden__aib-vmss-demo/main.bicep": [],
    "timleyden__aib-vmss-demo/modules/aib-run.bicep": [],
    "timleyden__aib-vmss-demo/modules/aib.bicep": [("azureImageBuilder", 2, 1)],
    "travishankins__Azure-Image-Builder/main.bicep": [],
    "travishankins__Azure-Image-Builder/modules/imageTemplate.bicep": [("imageTemplate", 3, 0)],
    "varshamalviya__rohanlab-azureImageBuilder/azureDeploy.bicep": [],
    "varshamalviya__rohanlab-azureImageBuilder/modules/imageTemplate.bicep": [("imageTemplate", 5, 2)],
}


def test_templates_found_and_customizers_known_per_file() -> None:
    need_shared()
    if not CORPUS_IAC.is_dir():
        pytest.skip("no corpus-iac")
    files = sorted(path.relative_to(CORPUS_IAC).as_posix() for path in CORPUS_IAC.rglob("*.bicep"))
    assert files == sorted(EXPECTED)
    found: dict[str, list[tuple[str, int, int]]] = {}
    with active(ScriptSettings(cwd=CORPUS_IAC, named=(CORPUS_IAC.resolve(),))):  # as `aiblint .` there
        for name in files:
            document = load_bytes((CORPUS_IAC / name).read_bytes(), name)
            assert document.root is not None, (name, document.problem)
            found[name] = [
                (str(template.resource.key), len(template.customizers),
                 sum(1 for step in template.customizers if template.resolve(step).known))
                for template in find_templates(document)
            ]
    assert found == EXPECTED


def test_every_bicep_file_linted_without_internal_error() -> None:
    need_shared()
    if not CORPUS_IAC.is_dir():
        pytest.skip("no corpus-iac")
    report = lint_paths(["."], cwd=CORPUS_IAC, config=Config(select=["AIB"]))
    assert report.errors == []
    bicep = {f.path for f in report.findings if f.path.endswith(".bicep")}
    assert bicep  # the walk read the Bicep files
    # no Bicep syntax error in real sources; newer syntax is a note
    assert [f for f in report.findings if f.rule == "AIB001" and f.severity == Severity.ERROR] == []


