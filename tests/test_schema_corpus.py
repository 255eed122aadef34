"""AIB100-AIB105 on real templates: the known typos and case errors at their lines, and no false alarm."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiblint.config import Config
from aiblint.engine import Linter
from aiblint.registry import RuleSet
from aiblint.run import lint_paths
from aiblint.selection import Selection
from tests.conftest import CORPUS, SHARED, need_shared

SCHEMA_RULES = Config(select=["AIB1"])
DS = "danielsollondon__azvmimagebuilder/armTemplates/"
BS = "bradcstevens__azvmimagebuilder/armTemplates/"
W, E = "warning", "error"

#: Checked by hand against the files and ../shared/corpus/KNOWN-DEFECTS.md (AIB100 aside).
KNOWN = {
    "Azure__azvmimagebuilder/solutions/4_Using_ENV_Variables/devOpsEnvTemplate.json": [("AIB102", 72, 25, W)],
    "NakayamaKento__azureimagebuilder/Windows Update/WindowsUpdate.json": [("AIB103", 43, 17, W)],
    "danielsollondon__azvmimagebuilder/testingArea/suse/0_Creating_a_Custom_SLES_Managed_Image/SLESImageTemplateLinux.json":
        [("AIB102", 19, 17, W)],
    DS + "azplatform_image_deploy_mdi.json": [("AIB102", 77, 25, W)],
    DS + "azplatform_image_deploy_sig.json": [("AIB102", 77, 21, W)],
    DS + "azplatform_image_deploy_sigmdi.json": [("AIB102", 86, 21, W), ("AIB102", 100, 21, W)],
    DS + "rhel_iso_image_deploy_mdi.json": [("AIB103", 52, 21, W), ("AIB102", 69, 25, W)],
    DS + "rhel_iso_image_deploy_sigmdi.json": [("AIB103", 61, 21, W), ("AIB102", 78, 21, W), ("AIB102", 92, 21, W)],
    # The apiVersion is a parameter without a default: checked against every supported api version, in none of
    # which a Shell customizer's "script" is a field (2019-02-01-preview, retired, was the last): AIB102 there.
    BS + "azplatform_image_deploy_mdi.json": [("AIB103", 66, 29, W), ("AIB102", 68, 21, W), ("AIB103", 73, 32, W),
                                              ("AIB102", 77, 25, W)],
    BS + "azplatform_image_deploy_sig.json": [("AIB103", 66, 29, W), ("AIB102", 68, 21, W), ("AIB103", 74, 29, W),
                                              ("AIB102", 77, 21, W)],
    BS + "azplatform_image_deploy_sigmdi.json": [("AIB103", 75, 29, W), ("AIB102", 77, 21, W), ("AIB103", 83, 29, W),
                                                 ("AIB102", 86, 21, W), ("AIB103", 96, 30, W), ("AIB102", 100, 21, W)],
    BS + "rhel_iso_image_deploy_sigmdi.json": [("AIB103", 61, 21, W), ("AIB103", 67, 29, W), ("AIB102", 69, 21, W),
                                               ("AIB103", 75, 29, W), ("AIB102", 78, 21, W), ("AIB103", 88, 30, W),
                                               ("AIB102", 92, 21, W)],
    # osDiskSizeGB and WindowsUpdate under 2019-05-01-preview: that version's own quickstart, and the
    # service applied both (issue 15), so no AIB104 (it warned at 24:17 and 64:29 before)
    "Azure__azvmimagebuilder/deprecated/quickquickstarts/0_Creating_a_Custom_Windows_Managed_Image/helloImageTemplateWin.json":
        [],
}

#: Every error-level AIB1xx finding on the corpus and the official samples, each checked by hand:
#: a raw 2018-02-01-preview template with "runOutputName": "" (the pattern needs 1 to 64 characters).
ERRORS = {
    ("corpus/bradcstevens__azvmimagebuilder/rawImageBuilderConfigTemplates/rhel73_iso_1customize_sigmdi.json", 26),
    ("corpus/bradcstevens__azvmimagebuilder/rawImageBuilderConfigTemplates/rhel73_iso_1customize_sigmdi.json", 35),
    ("corpus/bradcstevens__azvmimagebuilder/rawImageBuilderConfigTemplates/ubuntu1804_mp_1customize_mdi.json", 27),
    # A skeleton whose values are type names ("int", "IdObject") for a script to fill in; as written, the
    # service rejects both in every api version (its apiVersion is a parameter without a default).
    ("corpus/JimMoyle__CloudImageBuilder/Templates/GenericTemplate.json", 27),
    ("corpus/JimMoyle__CloudImageBuilder/Templates/GenericTemplate.json", 30),
}


@pytest.mark.parametrize("path", sorted(KNOWN))
def test_known_typos_and_case_errors_at_their_lines(path: str) -> None:
    need_shared()
    report = lint_paths([path], cwd=CORPUS, config=SCHEMA_RULES)
    assert report.errors == []
    got = [(f.rule, f.line, f.column, f.severity.label) for f in report.findings if f.rule != "AIB100"]
    assert got == KNOWN[path]


def test_the_known_defect_messages() -> None:
    need_shared()
    report = lint_paths([DS + "azplatform_image_deploy_mdi.json", BS + "azplatform_image_deploy_sig.json"],
                        cwd=CORPUS, config=SCHEMA_RULES)
    every = " (in every api version from 2019-05-01-preview to 2025-10-01)"
    note = ("apiVersion cannot be known statically: checked against every api version from 2019-05-01-preview to "
            "2025-10-01, and only what is wrong in all of them is reported; for the full check, give parameter "
            "'api-version' a defaultValue, or pass its value with -p")
    assert [f.message for f in report.findings] == [
        note,
        'customizer type "shell" should be "Shell" as api 2019-05-01-preview spells it (only api 2018-02-01-preview '
        'spelt it "shell"); 2024-02-01 and later reject the wrong case' + every,
        'unknown property "script" in a Shell customizer (api 2019-02-01-preview was the last to have it): did you '
        'mean "scriptUri"? (api 2019-05-01-preview allows inline, name, scriptUri, sha256Checksum, type)' + every,
        'distributor type "sharedImage" should be "SharedImage" as api 2019-05-01-preview spells it (only api '
        '2018-02-01-preview spelt it "sharedImage"); 2024-02-01 and later reject the wrong case' + every,
        'unknown property "tags" in a SharedImage distributor: did you mean "artifactTags"? (api 2019-05-01-preview '
        "allows artifactTags, galleryImageId, replicationRegions, runOutputName, type)" + every,
        note,
        'unknown property "aritfactTags" in a ManagedImage distributor: did you mean "artifactTags"? (api '
        "2019-05-01-preview allows artifactTags, imageId, location, runOutputName, type)" + every,
    ]


def test_a_read_only_exact_version_in_a_bare_body() -> None:
    """The quickstart body has no "type" (az resource create --resource-type supplies it), which the
    template finder does not recognise yet; with the type written on line 1 the line numbers stay."""
    need_shared()
    path = CORPUS / "Azure__azvmimagebuilder/quickquickstarts/9_Setting_up_a_Trigger_with_a_Custom_Linux_Image/helloImageTemplate.json"
    text = path.read_text(encoding="utf-8").replace("{", '{"type": "Microsoft.VirtualMachineImages/imageTemplates",', 1)
    linter = Linter(RuleSet.load(Selection.of(["AIB1"], None)), Config())
    findings, _ = linter.lint_bytes(text.encode(), "helloImageTemplate.json")
    assert [(f.rule, f.line, f.column, f.message) for f in findings] == [
        ("AIB105", 12, 13, '"exactVersion" is read-only (api 2022-07-01): the service sets it and a request must not; '
                           "remove it")]


def _official_examples() -> list[Path]:
    if not SHARED.is_dir():
        return []
    return sorted([*CORPUS.glob("Azure__azure-rest-api-specs/**/*.json"),
                   *(SHARED / "reference" / "imagebuilder-specs").glob("**/*.json")])


def test_the_official_request_examples_have_no_schema_finding() -> None:
    need_shared()
    examples = _official_examples()
    assert len(examples) == 4
    report = lint_paths([str(path) for path in examples], config=SCHEMA_RULES)
    assert report.templates_checked == 4
    assert [(f.path, f.rule, f.message) for f in report.findings] == []


def test_every_schema_error_on_the_corpus_is_a_checked_defect() -> None:
    need_shared()
    report = lint_paths(["corpus", "reference/wild-examples", "reference/imagebuilder-specs"], cwd=SHARED,
                        config=SCHEMA_RULES)
    assert report.errors == []
    assert {(f.path, f.line) for f in report.findings if f.severity.label == "error"} == ERRORS
    assert len({(f.path, f.line, f.column) for f in report.findings}) == len(report.findings)  # nothing twice
