"""The corpus findings of AIB220, AIB221, AIB508, AIB509 and AIB510, reviewed by hand: every
file, every rule, every line.

AIB509 and AIB510 find nothing on the corpus: its templates' inline scripts never touch the
deprovisioning script or SSH/WinRM (the one mention, jamasten's `$Path =
"C:\\DeprovisioningScript.ps1"` followed by `Set-Content -Path $Path`, edits the override through
a variable and is the documented way), and the scripts they reference are not in the corpus.
"""

from __future__ import annotations

from pathlib import Path

from aiblint_rules import remote_access, script_runtime, vm_size, windows_update
from aiblint_rules.steps import customizers

from aiblint.config import Config
from aiblint.engine import Linter
from aiblint.jsontree import JsonArray
from aiblint.loader import load_bytes
from aiblint.model import find_templates
from aiblint.registry import RuleSet
from tests.conftest import CORPUS, WILD, need_shared

RULES = (
    windows_update.WindowsUpdateFilters,
    vm_size.BuildVmTooSmall,
    script_runtime.PowerShellErrorsIgnored,
    script_runtime.DeprovisioningScriptDeleted,
    remote_access.RemoteAccessDisabled,
)

# (rule, path relative to ../shared) -> lines.
EXPECTED: dict[tuple[str, str], list[int]] = {
    # AIB220 (reviewed, H): the REST spec's Windows example writes the plugin's "Optional Only" preset
    # filter "$_.BrowseOnly" without an include:/exclude: prefix; the plugin splits filters at ':' and
    # installs only on "include", so this list installs no update. Every other WindowsUpdate with
    # filters in the corpus (test_every_windows_update_filter_list_is_read) ends with the catch-all "include:$true".
    ("AIB220", "corpus/Azure__azure-rest-api-specs/specification/imagebuilder/resource-manager/Microsoft.VirtualMachineImages/ImageBuilder/stable/2021-10-01/examples/CreateImageTemplateWindows.json"): [97],
    # AIB221 (reviewed, H per the troubleshooting guide): Standard_D1_v2 (1 vCPU, 3.5 GiB) with a
    # WindowsUpdate customizer: the official Windows quickstarts and their copies. The Linux quickstarts
    # on Standard_D1_v2 are not reported; Windows templates without vmProfile neither (see the docs).
    ("AIB221", "corpus/Azure__azvmimagebuilder/deprecated/quickquickstarts/0_Creating_a_Custom_Windows_Managed_Image/helloImageTemplateWin01.json"): [43],
    ("AIB221", "corpus/Azure__azvmimagebuilder/deprecated/quickquickstarts/1_Creating_a_Custom_Win_Shared_Image_Gallery_Image/armTemplateWinSIG.json"): [44],
    ("AIB221", "corpus/JimMoyle__CloudImageBuilder/Templates/SampleTemplates/NewTemplate.json"): [36],
    ("AIB221", "corpus/TomHickling__AzureImageBuilder/AIBWin10MS.json"): [44],
    ("AIB221", "reference/wild-examples/Azure+azvmimagebuilder/deprecated/quickquickstarts/0_Creating_a_Custom_Windows_Managed_Image/helloImageTemplateWin01.json"): [43],
    ("AIB221", "reference/wild-examples/Azure+azvmimagebuilder/deprecated/quickquickstarts/1_Creating_a_Custom_Win_Shared_Image_Gallery_Image/armTemplateWinSIG.json"): [44],
    ("AIB221", "reference/wild-examples/Azure+azvmimagebuilder/quickquickstarts/1_Creating_a_Custom_Win_Shared_Image_Gallery_Image/armTemplateWinSIG.json"): [44],
    ("AIB221", "reference/wild-examples/danielsollondon+azvmimagebuilder/quickquickstarts/0_Creating_a_Custom_Windows_Managed_Image/helloImageTemplateWin01.json"): [43],
    ("AIB221", "reference/wild-examples/danielsollondon+azvmimagebuilder/quickquickstarts/1_Creating_a_Custom_Win_Shared_Image_Gallery_Image/armTemplateWinSIG.json"): [44],
    # AIB508 (note, reviewed): inline PowerShell with no $ErrorActionPreference = 'Stop': the
    # quickstarts' `mkdir c:\\buildActions`, JimMoyle's New-Item/Expand-Archive/Start-Process steps,
    # michawets' New-Item and Set-NetFirewallProfile. Each step's first cmdlet that can fail silently.
    ("AIB508", "corpus/Azure__azvmimagebuilder/deprecated/quickquickstarts/0_Creating_a_Custom_Windows_Managed_Image/helloImageTemplateWin.json"): [59],
    ("AIB508", "corpus/Azure__azvmimagebuilder/deprecated/quickquickstarts/0_Creating_a_Custom_Windows_Managed_Image/helloImageTemplateWin01.json"): [79],
    ("AIB508", "corpus/Azure__azvmimagebuilder/deprecated/quickquickstarts/1_Creating_a_Custom_Win_Shared_Image_Gallery_Image/armTemplateWinSIG.json"): [79],
    ("AIB508", "corpus/Azure__azvmimagebuilder/deprecated/quickquickstarts/1a_Creating_a_Custom_Win_Image_on_Existing_VNET/existingVNETWindows.json"): [83],
    ("AIB508", "corpus/Azure__azvmimagebuilder/deprecated/quickquickstarts/2_Creating_a_Custom_Win_Shared_Image_Gallery_Image_from_SIG/helloImageTemplateforSIGfromWinSIG.json"): [60],
    ("AIB508", "corpus/Azure__azvmimagebuilder/quickquickstarts/0_Creating_a_Custom_Windows_Managed_Image/helloImageTemplateWin.json"): [59],
    ("AIB508", "corpus/JimMoyle__CloudImageBuilder/Templates/SampleTemplates/CustomTemplateWVD.json"): [42, 57, 66, 99, 109],
    ("AIB508", "corpus/JimMoyle__CloudImageBuilder/Templates/SampleTemplates/NewTemplate.json"): [67],
    ("AIB508", "corpus/JimMoyle__CloudImageBuilder/Templates/SampleTemplates/helloImageTemplateWin.new.json"): [61],
    ("AIB508", "corpus/JimMoyle__CloudImageBuilder/Templates/SampleTemplates/helloImageTemplateWin.old.json"): [44],
    ("AIB508", "corpus/TomHickling__AzureImageBuilder/AIBWin10MS.json"): [79],
    ("AIB508", "corpus/danielsollondon__azvmimagebuilder/solutions/5_PowerShell_deployments/armTemplateWin.json"): [61],
    ("AIB508", "corpus/michawets__AzureImageBuilderPOC/clean_template_win1020h2.json"): [50, 58],
    ("AIB508", "corpus/nelson2000__azvmimagebuilder/quickquickstarts/0_Creating_a_Custom_Windows_Managed_Image/helloImageTemplateWin.json"): [59],
    ("AIB508", "reference/wild-examples/Azure+azvmimagebuilder/deprecated/quickquickstarts/0_Creating_a_Custom_Windows_Managed_Image/helloImageTemplateWin.json"): [59],
    ("AIB508", "reference/wild-examples/Azure+azvmimagebuilder/deprecated/quickquickstarts/0_Creating_a_Custom_Windows_Managed_Image/helloImageTemplateWin01.json"): [79],
    ("AIB508", "reference/wild-examples/Azure+azvmimagebuilder/deprecated/quickquickstarts/1_Creating_a_Custom_Win_Shared_Image_Gallery_Image/armTemplateWinSIG.json"): [79],
    ("AIB508", "reference/wild-examples/Azure+azvmimagebuilder/deprecated/quickquickstarts/1a_Creating_a_Custom_Win_Image_on_Existing_VNET/existingVNETWindows.json"): [83],
    ("AIB508", "reference/wild-examples/Azure+azvmimagebuilder/deprecated/quickquickstarts/2_Creating_a_Custom_Win_Shared_Image_Gallery_Image_from_SIG/helloImageTemplateforSIGfromWinSIG.json"): [60],
    ("AIB508", "reference/wild-examples/Azure+azvmimagebuilder/quickquickstarts/0_Creating_a_Custom_Windows_Managed_Image/helloImageTemplateWin.json"): [59],
    ("AIB508", "reference/wild-examples/Azure+azvmimagebuilder/quickquickstarts/1_Creating_a_Custom_Win_Shared_Image_Gallery_Image/armTemplateWinSIG.json"): [79],
    ("AIB508", "reference/wild-examples/Azure+azvmimagebuilder/quickquickstarts/1a_Creating_a_Custom_Win_Image_on_Existing_VNET/existingVNETWindows.json"): [83],
    ("AIB508", "reference/wild-examples/Azure+azvmimagebuilder/quickquickstarts/2_Creating_a_Custom_Win_Shared_Image_Gallery_Image_from_SIG/helloImageTemplateforSIGfromWinSIG.json"): [60],
    ("AIB508", "reference/wild-examples/Azure+azvmimagebuilder/quickquickstarts/8_Creating_a_Custom_Win_Shared_Image_Gallery_Image_from_SIG/helloImageTemplateforSIGfromWinSIG.json"): [60],
    ("AIB508", "reference/wild-examples/danielsollondon+azvmimagebuilder/quickquickstarts/0_Creating_a_Custom_Windows_Managed_Image/helloImageTemplateWin.json"): [59],
    ("AIB508", "reference/wild-examples/danielsollondon+azvmimagebuilder/quickquickstarts/0_Creating_a_Custom_Windows_Managed_Image/helloImageTemplateWin01.json"): [79],
    ("AIB508", "reference/wild-examples/danielsollondon+azvmimagebuilder/quickquickstarts/1_Creating_a_Custom_Win_Shared_Image_Gallery_Image/armTemplateWinSIG.json"): [79],
    ("AIB508", "reference/wild-examples/danielsollondon+azvmimagebuilder/quickquickstarts/1a_Creating_a_Custom_Win_Image_on_Existing_VNET/existingVNETWindows.json"): [83],
    ("AIB508", "reference/wild-examples/danielsollondon+azvmimagebuilder/quickquickstarts/2_Creating_a_Custom_Win_Shared_Image_Gallery_Image_from_SIG/helloImageTemplateforSIGfromWinSIG.json"): [60],
    # read past a trailing comma at line 56 (AIB001): the inline PowerShell is checked like its siblings'
    ("AIB508", "corpus/danielsollondon__azvmimagebuilder/testingArea/7_Creating_Custom_Win_Image_using_MSI_to_Access_Storage/helloImageTemplateMsi.json"): [56],
    ("AIB508", "reference/wild-examples/danielsollondon+azvmimagebuilder/testingArea/7_Creating_Custom_Win_Image_using_MSI_to_Access_Storage/helloImageTemplateMsi.json"): [56],
    ("AIB508", "reference/wild-examples/danielsollondon+azvmimagebuilder/solutions/5_PowerShell_deployments/armTemplateWin.json"): [61],
}


def _files() -> list[tuple[str, Path]]:
    shared = need_shared()
    return [(path.relative_to(shared).as_posix(), path) for root in (CORPUS, WILD) for path in sorted(root.rglob("*.json"))]


def test_corpus_findings_are_the_reviewed_ones() -> None:
    linter = Linter(RuleSet([rule() for rule in RULES]), Config())
    found: dict[tuple[str, str], list[int]] = {}
    for name, path in _files():
        findings, _ = linter.lint_bytes(path.read_bytes(), name)
        for finding in findings:
            found.setdefault((finding.rule, name), []).append(finding.line)
    assert found == EXPECTED


def test_every_windows_update_filter_list_is_read() -> None:
    """AIB220 on each WindowsUpdate with filters in the corpus: all but the REST example end with
    the catch-all (so the rule's silence above is a verdict, not a blind spot)."""
    verdicts: dict[str, list[str]] = {}
    for name, path in _files():
        document = load_bytes(path.read_bytes(), name)
        for template in find_templates(document):
            for step in customizers(template):
                filters = step.field("filters") if step.kind == "windowsupdate" else None
                if isinstance(filters, JsonArray):
                    last = template.resolve(filters.items[-1]).text()
                    verdicts.setdefault(str(last), []).append(name)
    assert sorted((last, len(names)) for last, names in verdicts.items()) == [("$_.BrowseOnly", 1), ("include:$true", 47)]


def test_reviewed_files_exist() -> None:
    shared = need_shared()
    assert [name for _, name in EXPECTED if not (shared / Path(name)).is_file()] == []
