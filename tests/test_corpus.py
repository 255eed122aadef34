"""Real templates written by others: never a crash, and AIB001 exactly where JSON is invalid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiblint.run import lint_paths
from tests.conftest import CORPUS, WILD, need_shared, run_cli


def _files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for root in (CORPUS, WILD) for p in root.rglob("*.json"))


def test_every_file_is_linted_without_internal_error() -> None:
    need_shared()
    report = lint_paths([str(p) for p in _files()])
    assert report.errors == []
    assert report.files_checked == len(_files())


def test_aib001_exactly_where_stdlib_json_also_fails() -> None:
    need_shared()
    report = lint_paths([str(p) for p in _files()])
    flagged = {f.path for f in report.findings if f.rule == "AIB001"}
    for path in _files():
        text = path.read_text(encoding="utf-8-sig")
        try:
            json.loads(text)
            stdlib_ok = True
        except ValueError:
            stdlib_ok = False
        assert (_rel(path) in flagged) == (not stdlib_ok), path


def _rel(path: Path) -> str:
    import os

    relative = Path(os.path.relpath(path)).as_posix()
    return path.as_posix() if relative.startswith("../") else relative  # an absolute path outside is shown as given


def test_known_trailing_commas_are_reported_at_their_line() -> None:
    need_shared()
    expected = {
        "danielsollondon__azvmimagebuilder/testingArea/7_Creating_Custom_Win_Image_using_MSI_to_Access_Storage/helloImageTemplateMsi.json": 56,
        "bradcstevens__azvmimagebuilder/armTemplates/rhel_iso_image_deploy_mdi.json": 76,
        "nelson2000__azvmimagebuilder/quickquickstarts/1_Creating_a_Custom_Linux_Shared_Image_Gallery_Image/helloImageTemplateforSIG.json": 46,
        "nelson2000__azvmimagebuilder/quickquickstarts/1a_Creating_a_Custom_Linux_Image_on_Existing_VNET/existingVNETLinux.json": 50,
    }
    report = lint_paths(list(expected), cwd=CORPUS)
    got = {f.path: f.line for f in report.findings if f.rule == "AIB001"}
    assert got == expected
    assert all("trailing comma" in f.message for f in report.findings if f.rule == "AIB001")


def test_known_duplicate_customizer_name() -> None:
    need_shared()
    path = "Azure__azure-rest-api-specs/specification/imagebuilder/resource-manager/Microsoft.VirtualMachineImages/ImageBuilder/stable/2021-10-01/examples/CreateImageTemplateWindows.json"
    report = lint_paths([path], cwd=CORPUS)
    assert [(f.rule, f.line) for f in report.findings if f.rule == "AIB201"] == [("AIB201", 76)]


@pytest.mark.parametrize("root", ["corpus", "reference/wild-examples"])
def test_cli_over_folders_never_exits_2(root: str) -> None:
    shared = need_shared()
    result = run_cli("--format", "json", str(shared / root))
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(result.stdout)["summary"]["files"] > 20
