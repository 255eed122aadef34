"""``aiblint config``: every key, its value and where it came from, as TOML a file could hold."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from aiblint.config import KEYS, ConfigError, check_settings
from tests.conftest import main_in_process

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


def test_defaults_are_shown_with_their_origin() -> None:
    code, out = main_in_process("config")
    assert code == 0
    assert out == (
        "# aiblint: the effective configuration\n"
        "# configuration file: none found (defaults)\n"
        "[tool.aiblint]\n"
        "# select is not set: every rule  (default)\n"
        "ignore = []  # default\n"
        'fail-on = "warning"  # default\n'
        'format = "text"  # default\n'
        "severity = {}  # default\n"
        "exclude = []  # default\n"
        "script-roots = {}  # default\n"
        'inline-shebang = "/bin/sh -e"  # default\n'
        "# fetch = false  (default; command line only: --fetch)\n"
        "parameters = []  # default\n"
        "per-file-ignores = {}  # default\n"
        "# baseline is not set: no baseline  (default)\n"
        "regions = []  # default\n"
    )


CONFIG = """\
select = ["AIB"]
fail-on = "warning"
baseline = "ci/aiblint-baseline.json"

[severity]
AIB201 = "warning"

[per-file-ignores]
"samples/*.json" = ["AIB003", "AIB304"]

[script-roots]
"https://raw.githubusercontent.com/contoso/images/main/" = "scripts"
"https://example.com/x y/" = { path = "vendor", partial = true }
"""


def test_file_and_command_line_values_name_their_origin(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(".aiblint.toml", CONFIG)
    code, out = main_in_process("config", "--ignore", "AIB2", "--fail-on", "error", "--parameters", "p.json")
    source = str(tmp_path / ".aiblint.toml")
    assert code == 0
    assert out.splitlines() == [
        "# aiblint: the effective configuration",
        f"# configuration file: {source}",
        "[tool.aiblint]",
        f'select = ["AIB"]  # {source}',
        'ignore = ["AIB2"]  # command line',
        'fail-on = "error"  # command line',
        'format = "text"  # default',
        "exclude = []  # default",
        'inline-shebang = "/bin/sh -e"  # default',
        "# fetch = false  (default; command line only: --fetch)",
        'parameters = ["p.json"]  # command line',
        f'baseline = "ci/aiblint-baseline.json"  # {source}',
        "regions = []  # default",
        "",
        f"[tool.aiblint.severity]  # {source}",
        'AIB201 = "warning"',
        "",
        f"[tool.aiblint.script-roots]  # {source}",
        '"https://raw.githubusercontent.com/contoso/images/main/" = "scripts"',
        '"https://example.com/x y/" = {path = "vendor", partial = true}',
        "",
        f"[tool.aiblint.per-file-ignores]  # {source}",
        '"samples/*.json" = ["AIB003", "AIB304"]',
    ]


def test_output_is_a_configuration_file_that_reads_back_the_same(write) -> None:  # type: ignore[no-untyped-def]
    write(".aiblint.toml", CONFIG)
    _, out = main_in_process("config", "--parameters", "p.json")
    section = tomllib.loads(out)["tool"]["aiblint"]
    assert set(section) == set(KEYS) - {"fetch"}  # --fetch only
    checked = check_settings(section, "round trip")
    assert checked["select"] == ["AIB"]
    assert checked["per-file-ignores"] == {"samples/*.json": ["AIB003", "AIB304"]}
    assert checked["script-roots"] == {
        "https://raw.githubusercontent.com/contoso/images/main/": ("scripts", False),
        "https://example.com/x y/": ("vendor", True),
    }
    assert checked["parameters"] == ["p.json"]


def test_a_bad_configuration_is_a_usage_error(write, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    write(".aiblint.toml", 'per-file-ignores = ["AIB003"]\n')
    assert main_in_process("config") == (2, "")
    assert capsys.readouterr().err.endswith("'per-file-ignores' must be a table of glob = [rule ids or prefixes]\n")


def test_per_file_ignores_values_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"'per-file-ignores\.x' must be a list of strings"):
        check_settings({"per-file-ignores": {"x": [1]}}, "test")


REGION = """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "location": "atlantisnorth",
  "properties": {"distribute": [{"type": "ManagedImage", "runOutputName": "mi", "imageId": "x", "location": "Atlantis North"}]}
}
"""


def test_regions_adds_a_region_where_image_builder_runs(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", REGION)
    code, out = main_in_process("--select", "AIB200", "t.json")
    assert code == 1 and len(out.splitlines()) == 3
    write(".aiblint.toml", 'regions = ["Atlantis North"]\n')
    assert main_in_process("--select", "AIB200", "t.json") == (0, "")
