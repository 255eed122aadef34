"""The corpus findings of AIB205-AIB208, AIB210, AIB211, AIB213, AIB215, AIB216 and AIB219,
reviewed by hand: every file, every rule, every line.

Each group says what was checked. A change in what these rules find on real templates fails
here, so that it is reviewed again rather than shipped by accident.
"""

from __future__ import annotations

from pathlib import Path

from aiblint_rules import customizers, deprovisioning, sources, timeouts

from aiblint.config import Config
from aiblint.engine import Linter
from aiblint.registry import RuleSet
from tests.conftest import CORPUS, WILD, need_shared

RULES = (
    customizers.FileCustomizerTarget,
    customizers.ScriptUriXorInline,
    sources.IsoSource,
    sources.LatestNotAllowed,
    customizers.RestartTimeoutFormat,
    timeouts.BuildTimeoutTooShort,
    customizers.RunAsSystemWithoutElevation,
    customizers.WindowsUpdateWithoutRestart,
    deprovisioning.DeprovisioningOverridePath,
    sources.PlatformImageVersionFormat,
)

# Paths are relative to ../shared. Rules without an entry found nothing on the corpus:
# AIB205 (every Linux File destination is under /tmp), AIB208 (no early-preview "latest",
# no gallery /versions/latest before 2022-07-01), AIB210 (all restartTimeouts are 5m/20m/30m),
# AIB211 (the shortest timeout is 80 minutes, on Linux), AIB213 (every runAsSystem has
# runElevated: true), AIB216 (the one override, jamasten's C:\DeprovisioningScript.ps1, is
# spelt right and sits in an ARM variable).
EXPECTED: dict[str, list[tuple[str, int]]] = {
    # AIB206 (reviewed, H): a Shell customizer with `script` (the pre-2019-05-01-preview field) under
    # apiVersion 2019-05-01-preview, so it has neither scriptUri nor inline (KNOWN-DEFECTS.md, Medium).
    "corpus/danielsollondon__azvmimagebuilder/testingArea/suse/0_Creating_a_Custom_SLES_Managed_Image/SLESImageTemplateLinux.json": [('AIB206', 19)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/testingArea/suse/0_Creating_a_Custom_SLES_Managed_Image/SLESImageTemplateLinux.json": [('AIB206', 19)],
    # AIB206 (reviewed): the same `script` field, with the apiVersion a parameter without a default: in
    # every supported api version (2019-05-01-preview to 2025-10-01) it is not a field.
    "corpus/bradcstevens__azvmimagebuilder/armTemplates/azplatform_image_deploy_mdi.json": [('AIB206', 68)],
    "corpus/bradcstevens__azvmimagebuilder/armTemplates/azplatform_image_deploy_sig.json": [('AIB206', 68)],
    "corpus/bradcstevens__azvmimagebuilder/armTemplates/azplatform_image_deploy_sigmdi.json": [('AIB206', 77)],
    # AIB207 (reviewed, H): ISO sources, retired since 2020 (KNOWN-DEFECTS.md). bradcstevens'
    # armTemplates/rhel_iso_image_deploy_mdi.json has one too but is not valid JSON (AIB001).
    "corpus/bradcstevens__azvmimagebuilder/armTemplates/rhel_iso_image_deploy_sigmdi.json": [('AIB206', 69), ('AIB207', 60)],
    "corpus/bradcstevens__azvmimagebuilder/rawImageBuilderConfigTemplates/rhel73_iso_1customize_sigmdi.json": [('AIB207', 8)],
    "corpus/danielsollondon__azvmimagebuilder/armTemplates/rhel_iso_image_deploy_mdi.json": [('AIB207', 51)],
    "corpus/danielsollondon__azvmimagebuilder/armTemplates/rhel_iso_image_deploy_sigmdi.json": [('AIB207', 60)],
    "corpus/danielsollondon__azvmimagebuilder/solutions/3_Building_Images_Azure_Stack_Public/rhel_iso_image_deploy_sigvhd.json": [('AIB207', 40)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/armTemplates/rhel_iso_image_deploy_mdi.json": [('AIB207', 51)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/armTemplates/rhel_iso_image_deploy_sigmdi.json": [('AIB207', 60)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/solutions/3_Building_Images_Azure_Stack_Public/rhel_iso_image_deploy_sigvhd.json": [('AIB207', 40)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/solutions/3_rhel_sig_vhd/rhel_iso_image_deploy_sigvhd.json": [('AIB207', 40)],
    # AIB215 (note, reviewed): the last WindowsUpdate has no WindowsRestart after it (KNOWN-DEFECTS.md,
    # Smells); the templates that end with WindowsUpdate + WindowsRestart are not reported.
    "corpus/Azure__azure-rest-api-specs/specification/imagebuilder/resource-manager/Microsoft.VirtualMachineImages/ImageBuilder/stable/2021-10-01/examples/CreateImageTemplateWindows.json": [('AIB215', 93)],
    "corpus/Azure__azvmimagebuilder/deprecated/quickquickstarts/0_Creating_a_Custom_Windows_Managed_Image/helloImageTemplateWin.json": [('AIB215', 64)],
    "corpus/Azure__azvmimagebuilder/deprecated/quickquickstarts/0_Creating_a_Custom_Windows_Managed_Image/helloImageTemplateWin01.json": [('AIB215', 84)],
    "corpus/Azure__azvmimagebuilder/deprecated/quickquickstarts/1_Creating_a_Custom_Win_Shared_Image_Gallery_Image/armTemplateWinSIG.json": [('AIB215', 85)],
    "corpus/Azure__azvmimagebuilder/deprecated/quickquickstarts/1a_Creating_a_Custom_Win_Image_on_Existing_VNET/existingVNETWindows.json": [('AIB215', 89)],
    "corpus/Azure__azvmimagebuilder/deprecated/quickquickstarts/2_Creating_a_Custom_Win_Shared_Image_Gallery_Image_from_SIG/helloImageTemplateforSIGfromWinSIG.json": [('AIB215', 65)],
    "corpus/Azure__azvmimagebuilder/quickquickstarts/0_Creating_a_Custom_Windows_Managed_Image/helloImageTemplateWin.json": [('AIB215', 64)],
    "corpus/Azure__azvmimagebuilder/solutions/14_Building_Images_WVD/armTemplateWVD.json": [('AIB215', 91)],
    "corpus/HenryGelderbloem__azvmimagebuilder/2_Building_Images_AVD/imageTemplate.json": [('AIB215', 100)],
    "corpus/JimMoyle__CloudImageBuilder/Templates/SampleTemplates/NewTemplate.json": [('AIB215', 72)],
    "corpus/NakayamaKento__azureimagebuilder/AVD/localize.json": [('AIB215', 57)],
    "corpus/NakayamaKento__azureimagebuilder/DevBox/localize.json": [('AIB215', 57)],
    "corpus/NakayamaKento__azureimagebuilder/win10ja/localize.json": [('AIB215', 57)],
    "corpus/RoelDU__azvmimagebuilder/armTemplateWVD.json": [('AIB215', 91)],
    "corpus/RoelDU__azvmimagebuilder/armTemplateWVDWin10ms20H2O365.json": [('AIB215', 91)],
    "corpus/RoelDU__azvmimagebuilder/solutions/14_Building_Images_WVD/armTemplateWVD.json": [('AIB215', 91)],
    "corpus/TomHickling__AzureImageBuilder/AIBWin10MS.json": [('AIB215', 85)],
    "corpus/a0099953__azvmimagebuilder/scripts/avddeploy.json": [('AIB215', 63)],
    "corpus/a0099953__azvmimagebuilder/solutions/14_Building_Images_WVD/armTemplateWVD.json": [('AIB215', 91)],
    "corpus/nelson2000__azvmimagebuilder/quickquickstarts/0_Creating_a_Custom_Windows_Managed_Image/helloImageTemplateWin.json": [('AIB215', 64)],
    "reference/wild-examples/Azure+azvmimagebuilder/deprecated/quickquickstarts/0_Creating_a_Custom_Windows_Managed_Image/helloImageTemplateWin.json": [('AIB215', 64)],
    "reference/wild-examples/Azure+azvmimagebuilder/deprecated/quickquickstarts/0_Creating_a_Custom_Windows_Managed_Image/helloImageTemplateWin01.json": [('AIB215', 84)],
    "reference/wild-examples/Azure+azvmimagebuilder/deprecated/quickquickstarts/1_Creating_a_Custom_Win_Shared_Image_Gallery_Image/armTemplateWinSIG.json": [('AIB215', 85)],
    "reference/wild-examples/Azure+azvmimagebuilder/deprecated/quickquickstarts/1a_Creating_a_Custom_Win_Image_on_Existing_VNET/existingVNETWindows.json": [('AIB215', 89)],
    "reference/wild-examples/Azure+azvmimagebuilder/deprecated/quickquickstarts/2_Creating_a_Custom_Win_Shared_Image_Gallery_Image_from_SIG/helloImageTemplateforSIGfromWinSIG.json": [('AIB215', 65)],
    "reference/wild-examples/Azure+azvmimagebuilder/quickquickstarts/0_Creating_a_Custom_Windows_Managed_Image/helloImageTemplateWin.json": [('AIB215', 64)],
    "reference/wild-examples/Azure+azvmimagebuilder/quickquickstarts/1_Creating_a_Custom_Win_Shared_Image_Gallery_Image/armTemplateWinSIG.json": [('AIB215', 85)],
    "reference/wild-examples/Azure+azvmimagebuilder/quickquickstarts/1a_Creating_a_Custom_Win_Image_on_Existing_VNET/existingVNETWindows.json": [('AIB215', 89)],
    "reference/wild-examples/Azure+azvmimagebuilder/quickquickstarts/2_Creating_a_Custom_Win_Shared_Image_Gallery_Image_from_SIG/helloImageTemplateforSIGfromWinSIG.json": [('AIB215', 65)],
    "reference/wild-examples/Azure+azvmimagebuilder/quickquickstarts/8_Creating_a_Custom_Win_Shared_Image_Gallery_Image_from_SIG/helloImageTemplateforSIGfromWinSIG.json": [('AIB215', 65)],
    "reference/wild-examples/Azure+azvmimagebuilder/solutions/14_Building_Images_WVD/armTemplateWVD.json": [('AIB215', 91)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/quickquickstarts/0_Creating_a_Custom_Windows_Managed_Image/helloImageTemplateWin.json": [('AIB215', 64)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/quickquickstarts/0_Creating_a_Custom_Windows_Managed_Image/helloImageTemplateWin01.json": [('AIB215', 84)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/quickquickstarts/1_Creating_a_Custom_Win_Shared_Image_Gallery_Image/armTemplateWinSIG.json": [('AIB215', 85)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/quickquickstarts/1a_Creating_a_Custom_Win_Image_on_Existing_VNET/existingVNETWindows.json": [('AIB215', 89)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/quickquickstarts/2_Creating_a_Custom_Win_Shared_Image_Gallery_Image_from_SIG/helloImageTemplateforSIGfromWinSIG.json": [('AIB215', 65)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/solutions/14_Building_Images_WVD/armTemplateWVD.json": [('AIB215', 91)],
    # AIB219 (reviewed): a template skeleton that writes type names as values ("version": "string");
    # as written it cannot build.
    "corpus/JimMoyle__CloudImageBuilder/Templates/GenericTemplate.json": [('AIB219', 36)],
    # AIB207: an ISO source (retired in 2020), in a file read past its trailing comma (AIB001); AIB206
    # (reviewed): its Shell step uses `script`, a field in no supported api version (apiVersion undefaulted).
    "corpus/bradcstevens__azvmimagebuilder/armTemplates/rhel_iso_image_deploy_mdi.json": [('AIB206', 60), ('AIB207', 51)],
}


def _findings() -> dict[str, list[tuple[str, int]]]:
    shared = need_shared()
    linter = Linter(RuleSet([rule() for rule in RULES]), Config())
    found: dict[str, list[tuple[str, int]]] = {}
    for path in sorted(p for root in (CORPUS, WILD) for p in root.rglob("*.json")):
        name = path.relative_to(shared).as_posix()
        findings, _ = linter.lint_bytes(path.read_bytes(), name)
        if findings:
            found[name] = sorted((f.rule, f.line) for f in findings)
    return found


def test_corpus_findings_are_the_reviewed_ones() -> None:
    assert _findings() == EXPECTED


def test_reviewed_files_exist() -> None:
    shared = need_shared()
    assert [name for name in EXPECTED if not (shared / Path(name)).is_file()] == []
