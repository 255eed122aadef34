"""Reviewed findings of AIB200, AIB203, AIB204, AIB209, AIB214 and AIB217 on real templates.

Every finding below was checked by hand against the file (see the notes). The test fails
when a rule reports something new (a possible false alarm) or stops reporting one of these.

Notes from the review:
- AIB203 (error): every template here without an ``identity`` (api 2019-05-01-preview,
  2020-02-14 or an ``[parameters('api-version')]``) is reported; KNOWN-DEFECTS.md lists
  them. The two bradcstevens ``rawImageBuilderConfigTemplates`` use 2018-02-01-preview,
  which has no identity field: not reported (AIB100's business). Files that do not parse
  (the trailing-comma ones) are not checked.
- AIB209 (error): the bradcstevens raw templates leave ``imageId``/``galleryImageId`` empty
  (``""``); the service rejects an empty id.
- AIB200 (warning): the REST spec examples replicate to ``"1_location"``, not a region.
- AIB217 (warning): UbuntuServer 18.04-LTS, Ubuntu 20.04 (focal), retired Windows 10 and
  Windows 11 releases and ``windows11preview``, each checked against the sku in the file.
- The quickstart 9 trigger sample is a resource body without ``type`` (the form given to
  ``az resource create --is-full-object``); its UbuntuServer 18.04-LTS sku is AIB217.
- AIB204 and AIB214 report nothing here: no template mixes the OS families, and every
  SharedImage distributor has the regions its api version needs.
"""

from __future__ import annotations

from collections import defaultdict

from aiblint.registry import RuleSet
from aiblint.run import lint_paths
from aiblint.selection import Selection
from tests.conftest import need_shared

RULES = ("AIB200", "AIB203", "AIB204", "AIB209", "AIB214", "AIB217")

EXPECTED: dict[str, list[tuple[str, int]]] = {
    "corpus/Azure__azure-rest-api-specs/specification/imagebuilder/resource-manager/Microsoft.VirtualMachineImages/ImageBuilder/stable/2020-02-14/examples/CreateImageTemplateLinux.json": [('AIB200', 34)],
    "corpus/Azure__azure-rest-api-specs/specification/imagebuilder/resource-manager/Microsoft.VirtualMachineImages/ImageBuilder/stable/2021-10-01/examples/CreateImageTemplateWindows.json": [('AIB200', 105)],
    "corpus/Azure__azure-rest-api-specs/specification/imagebuilder/resource-manager/Microsoft.VirtualMachineImages/ImageBuilder/stable/2024-02-01/examples/CreateImageTemplateLinux.json": [('AIB200', 34)],
    "corpus/Azure__azvmimagebuilder/deprecated/quickquickstarts/0_Creating_a_Custom_Linux_Managed_Image/helloImageTemplateLinux.json": [('AIB217', 31)],
    "corpus/Azure__azvmimagebuilder/deprecated/quickquickstarts/1_Creating_a_Custom_Linux_Shared_Image_Gallery_Image/helloImageTemplateforSIG.json": [('AIB217', 32)],
    "corpus/Azure__azvmimagebuilder/deprecated/quickquickstarts/1a_Creating_a_Custom_Linux_Image_on_Existing_VNET/existingVNETLinux.json": [('AIB217', 36)],
    "corpus/Azure__azvmimagebuilder/deprecated/quickquickstarts/4_Creating_a_Custom_Linux_Image_to_VHD/helloImageTemplateVHD.json": [('AIB203', 2), ('AIB217', 11)],
    "corpus/Azure__azvmimagebuilder/deprecated/quickquickstarts/7_Creating_Custom_Image_using_MSI_to_Access_Storage/helloImageTemplateMsi.json": [('AIB217', 21)],
    "corpus/Azure__azvmimagebuilder/quickquickstarts/9_Setting_up_a_Trigger_with_a_Custom_Linux_Image/helloImageTemplate.json": [('AIB217', 15)],
    "reference/wild-examples/Azure+azvmimagebuilder/quickquickstarts/9_Setting_up_a_Trigger_with_a_Custom_Linux_Image/helloImageTemplate.json": [('AIB217', 15)],
    "corpus/Azure__azvmimagebuilder/deprecated/quickquickstarts/9_Updating_Image_Builder_Templates/helloImageTemplateVersion.json": [('AIB203', 2), ('AIB217', 14)],
    "corpus/Azure__azvmimagebuilder/quickquickstarts/0_Creating_a_Custom_Linux_Managed_Image/helloImageTemplateLinux.json": [('AIB217', 31)],
    "corpus/Azure__azvmimagebuilder/quickquickstarts/1_Creating_a_Custom_Linux_Shared_Image_Gallery_Image/helloImageTemplateforSIG.json": [('AIB217', 31)],
    "corpus/Azure__azvmimagebuilder/quickquickstarts/4_Creating_a_Custom_Linux_Image_to_VHD/helloImageTemplateVHD.json": [('AIB203', 2), ('AIB217', 11)],
    "corpus/Azure__azvmimagebuilder/quickquickstarts/7_Creating_Custom_Image_using_MSI_to_Access_Storage/helloImageTemplateMsi.json": [('AIB217', 21)],
    "corpus/Azure__azvmimagebuilder/solutions/14_Building_Images_WVD/armTemplateWVD.json": [('AIB217', 52)],
    "corpus/Azure__azvmimagebuilder/solutions/4_Using_ENV_Variables/devOpsEnvTemplate.json": [('AIB203', 33), ('AIB217', 42)],
    "corpus/HenryGelderbloem__azvmimagebuilder/2_Building_Images_AVD/imageTemplate.json": [('AIB217', 63)],
    "corpus/JimMoyle__CloudImageBuilder/Templates/SampleTemplates/CustomTemplateWVD.json": [('AIB203', 23), ('AIB217', 34)],
    "corpus/JimMoyle__CloudImageBuilder/Templates/SampleTemplates/helloImageTemplateWin.new.json": [('AIB203', 23)],
    "corpus/JimMoyle__CloudImageBuilder/Templates/SampleTemplates/helloImageTemplateWin.old.json": [('AIB203', 2)],
    "corpus/NakayamaKento__azureimagebuilder/AVD/localize.json": [('AIB217', 45)],
    "corpus/NakayamaKento__azureimagebuilder/DevBox/localize.json": [('AIB217', 44)],
    "corpus/NakayamaKento__azureimagebuilder/win10ja/localize.json": [('AIB217', 45)],
    "corpus/RZomerman__AzureImageBuilder/CustomImageWithVSCode.json": [('AIB217', 47)],
    "corpus/RoelDU__azvmimagebuilder/armTemplateWVD.json": [('AIB217', 52)],
    "corpus/RoelDU__azvmimagebuilder/armTemplateWVDWin10ms20H2O365.json": [('AIB217', 52)],
    "corpus/RoelDU__azvmimagebuilder/solutions/14_Building_Images_WVD/armTemplateWVD.json": [('AIB217', 52)],
    "corpus/TomHickling__AzureImageBuilder/AIBWin10MS.json": [('AIB217', 52)],
    "corpus/bradcstevens__azvmimagebuilder/armTemplates/azplatform_image_deploy_mdi.json": [('AIB203', 51)],
    "corpus/bradcstevens__azvmimagebuilder/armTemplates/azplatform_image_deploy_sig.json": [('AIB203', 51)],
    "corpus/bradcstevens__azvmimagebuilder/armTemplates/azplatform_image_deploy_sigmdi.json": [('AIB203', 60)],
    "corpus/bradcstevens__azvmimagebuilder/armTemplates/rhel_iso_image_deploy_sigmdi.json": [('AIB203', 54)],
    "corpus/bradcstevens__azvmimagebuilder/rawImageBuilderConfigTemplates/rhel73_iso_1customize_sigmdi.json": [('AIB209', 24), ('AIB209', 34)],
    "corpus/bradcstevens__azvmimagebuilder/rawImageBuilderConfigTemplates/ubuntu1804_mp_1customize_mdi.json": [('AIB209', 25), ('AIB217', 11)],
    "corpus/danielsollondon__azvmimagebuilder/armTemplates/azplatform_image_deploy_mdi.json": [('AIB203', 51)],
    "corpus/danielsollondon__azvmimagebuilder/armTemplates/azplatform_image_deploy_sig.json": [('AIB203', 51)],
    "corpus/danielsollondon__azvmimagebuilder/armTemplates/azplatform_image_deploy_sigmdi.json": [('AIB203', 60)],
    "corpus/danielsollondon__azvmimagebuilder/armTemplates/rhel_iso_image_deploy_mdi.json": [('AIB203', 45)],
    "corpus/danielsollondon__azvmimagebuilder/armTemplates/rhel_iso_image_deploy_sigmdi.json": [('AIB203', 54)],
    "corpus/danielsollondon__azvmimagebuilder/solutions/10_Unit_testing/0_standaloneUnitTests/armTemplateWinUnitTest.json": [('AIB203', 23), ('AIB217', 34)],
    "corpus/danielsollondon__azvmimagebuilder/solutions/3_Building_Images_Azure_Stack_Public/rhel_iso_image_deploy_sigvhd.json": [('AIB203', 34)],
    "corpus/danielsollondon__azvmimagebuilder/solutions/5_PowerShell_deployments/armTemplateWin.json": [('AIB203', 23)],
    "corpus/danielsollondon__azvmimagebuilder/testingArea/suse/0_Creating_a_Custom_SLES_Managed_Image/SLESImageTemplateLinux.json": [('AIB203', 2)],
    "corpus/danielsollondon__azvmimagebuilder/testingArea/suse/5_Creating_a_Custom_Image_from_Existing_SLES_Managed_Image/SLESImageTemplateforReCustomization.json": [('AIB203', 2)],
    "corpus/jamasten__AzureImageBuilder/solution.json": [('AIB217', 71)],
    "corpus/michawets__AzureImageBuilderPOC/clean_template_win1020h2.json": [('AIB217', 43)],
    "corpus/sny0421__Azure-Image-Builder-Japanese/Windows_10_EVD_2004/image-build-template-dev.json": [('AIB217', 56)],
    "corpus/sny0421__Azure-Image-Builder-Japanese/Windows_10_EVD_2004/image-build-template.json": [('AIB217', 60)],
    "corpus/sny0421__Azure-Image-Builder-Japanese/Windows_10_EVD_21H1/image-build-template-dev.json": [('AIB217', 56)],
    "corpus/sny0421__Azure-Image-Builder-Japanese/Windows_10_EVD_21H1/image-build-template.json": [('AIB217', 60)],
    "corpus/xenblog__Azure-Azure-Image-Build/Templates/AIB-W10-SingleSession-CVAD-SIG.json": [('AIB203', 57), ('AIB217', 15)],
    "corpus/xenblog__Azure-Azure-Image-Build/Templates/AIB-W10-SingleSession-CVAD.json": [('AIB203', 60), ('AIB217', 21)],
    "corpus/xenblog__Azure-Azure-Image-Build/Templates/AIB-WS19C-CloudConnector.json": [('AIB203', 60)],
    "reference/wild-examples/Azure+azvmimagebuilder/deprecated/quickquickstarts/0_Creating_a_Custom_Linux_Managed_Image/helloImageTemplateLinux.json": [('AIB217', 31)],
    "reference/wild-examples/Azure+azvmimagebuilder/deprecated/quickquickstarts/1_Creating_a_Custom_Linux_Shared_Image_Gallery_Image/helloImageTemplateforSIG.json": [('AIB217', 32)],
    "reference/wild-examples/Azure+azvmimagebuilder/deprecated/quickquickstarts/1a_Creating_a_Custom_Linux_Image_on_Existing_VNET/existingVNETLinux.json": [('AIB217', 36)],
    "reference/wild-examples/Azure+azvmimagebuilder/deprecated/quickquickstarts/4_Creating_a_Custom_Linux_Image_to_VHD/helloImageTemplateVHD.json": [('AIB203', 2), ('AIB217', 11)],
    "reference/wild-examples/Azure+azvmimagebuilder/deprecated/quickquickstarts/7_Creating_Custom_Image_using_MSI_to_Access_Storage/helloImageTemplateMsi.json": [('AIB217', 21)],
    "reference/wild-examples/Azure+azvmimagebuilder/deprecated/quickquickstarts/9_Updating_Image_Builder_Templates/helloImageTemplateVersion.json": [('AIB203', 2), ('AIB217', 14)],
    "reference/wild-examples/Azure+azvmimagebuilder/quickquickstarts/0_Creating_a_Custom_Linux_Managed_Image/helloImageTemplateLinux.json": [('AIB217', 31)],
    "reference/wild-examples/Azure+azvmimagebuilder/quickquickstarts/1_Creating_a_Custom_Linux_Shared_Image_Gallery_Image/helloImageTemplateforSIG.json": [('AIB217', 31)],
    "reference/wild-examples/Azure+azvmimagebuilder/quickquickstarts/1a_Creating_a_Custom_Linux_Image_on_Existing_VNET/existingVNETLinux.json": [('AIB217', 36)],
    "reference/wild-examples/Azure+azvmimagebuilder/quickquickstarts/4_Creating_a_Custom_Linux_Image_to_VHD/helloImageTemplateVHD.json": [('AIB203', 2), ('AIB217', 11)],
    "reference/wild-examples/Azure+azvmimagebuilder/quickquickstarts/7_Creating_Custom_Image_using_MSI_to_Access_Storage/helloImageTemplateMsi.json": [('AIB217', 21)],
    "reference/wild-examples/Azure+azvmimagebuilder/solutions/14_Building_Images_WVD/armTemplateWVD.json": [('AIB217', 52)],
    "reference/wild-examples/Azure+azvmimagebuilder/solutions/4_Using_ENV_Variables/devOpsEnvTemplate.json": [('AIB203', 33), ('AIB217', 42)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/armTemplates/azplatform_image_deploy_mdi.json": [('AIB203', 51)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/armTemplates/azplatform_image_deploy_sig.json": [('AIB203', 51)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/armTemplates/azplatform_image_deploy_sigmdi.json": [('AIB203', 60)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/armTemplates/rhel_iso_image_deploy_mdi.json": [('AIB203', 45)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/armTemplates/rhel_iso_image_deploy_sigmdi.json": [('AIB203', 54)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/quickquickstarts/0_Creating_a_Custom_Linux_Managed_Image/helloImageTemplateLinux.json": [('AIB217', 31)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/quickquickstarts/1_Creating_a_Custom_Linux_Shared_Image_Gallery_Image/helloImageTemplateforSIG.json": [('AIB217', 32)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/quickquickstarts/1a_Creating_a_Custom_Linux_Image_on_Existing_VNET/existingVNETLinux.json": [('AIB217', 36)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/quickquickstarts/4_Creating_a_Custom_Linux_Image_to_VHD/helloImageTemplateVHD.json": [('AIB203', 2), ('AIB217', 11)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/quickquickstarts/7_Creating_Custom_Image_using_MSI_to_Access_Storage/helloImageTemplateMsi.json": [('AIB217', 21)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/quickquickstarts/9_Updating_Image_Builder_Templates/helloImageTemplateVersion.json": [('AIB203', 2), ('AIB217', 14)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/solutions/10_Unit_testing/0_standaloneUnitTests/armTemplateWinUnitTest.json": [('AIB203', 23), ('AIB217', 34)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/solutions/14_Building_Images_WVD/armTemplateWVD.json": [('AIB217', 52)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/solutions/3_Building_Images_Azure_Stack_Public/rhel_iso_image_deploy_sigvhd.json": [('AIB203', 34)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/solutions/3_rhel_sig_vhd/rhel_iso_image_deploy_sigvhd.json": [('AIB203', 34)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/solutions/4_Using_ENV_Variables/devOpsEnvTemplate.json": [('AIB203', 33), ('AIB217', 42)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/solutions/5_PowerShell_deployments/armTemplateWin.json": [('AIB203', 23)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/testingArea/suse/0_Creating_a_Custom_SLES_Managed_Image/SLESImageTemplateLinux.json": [('AIB203', 2)],
    "reference/wild-examples/danielsollondon+azvmimagebuilder/testingArea/suse/5_Creating_a_Custom_Image_from_Existing_SLES_Managed_Image/SLESImageTemplateforReCustomization.json": [('AIB203', 2)],
    # read past a trailing comma (AIB001), checked like their siblings: an ISO-era template with no
    # identity, and the nelson2000 copies of the UbuntuServer 22.04-LTS quickstarts
    "corpus/bradcstevens__azvmimagebuilder/armTemplates/rhel_iso_image_deploy_mdi.json": [('AIB203', 45)],
    "corpus/nelson2000__azvmimagebuilder/quickquickstarts/1_Creating_a_Custom_Linux_Shared_Image_Gallery_Image/helloImageTemplateforSIG.json": [('AIB217', 31)],
    "corpus/nelson2000__azvmimagebuilder/quickquickstarts/1a_Creating_a_Custom_Linux_Image_on_Existing_VNET/existingVNETLinux.json": [('AIB217', 35)],
}


def test_reviewed_findings_on_the_corpus() -> None:
    shared = need_shared()
    report = lint_paths(
        ["corpus", "reference/wild-examples"], cwd=shared, rules=RuleSet.load(Selection(select=RULES))
    )
    got: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for finding in report.findings:
        got[finding.path].append((finding.rule, finding.line))
    assert {path: sorted(found) for path, found in got.items()} == EXPECTED

