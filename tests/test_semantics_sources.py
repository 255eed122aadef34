"""AIB207, AIB208, AIB219 (the source image) and AIB211 (the build timeout),
beyond the rules' own examples."""

from __future__ import annotations

import pytest
from aiblint_rules import sources, timeouts

from aiblint.config import Config
from aiblint.engine import Linter
from aiblint.registry import RuleSet
from aiblint.rule import Rule

RULES: tuple[type[Rule], ...] = (
    sources.IsoSource,
    sources.LatestNotAllowed,
    sources.PlatformImageVersionFormat,
    timeouts.BuildTimeoutTooShort,
)
GALLERY_ID = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/img/versions/"


def template(body: str, api_version: str = "2022-07-01") -> str:
    return (
        '{\n"type": "Microsoft.VirtualMachineImages/imageTemplates",\n'
        f'"apiVersion": "{api_version}",\n"properties": {{\n{body}\n}}\n}}\n'
    )


def lint(text: str, rule_id: str) -> list[tuple[int, int, int, str]]:
    """(line, column, end column, message) of every finding of one rule."""
    rules = RuleSet([rule() for rule in RULES if rule.id == rule_id])
    found, _ = Linter(rules, Config()).lint_bytes(text.encode(), "t.json")
    return [(f.line, f.column, f.end_column, f.message) for f in found]


def platform(version: str) -> str:
    return f'"source": {{"type": "PlatformImage", "publisher": "Canonical", "offer": "UbuntuServer", "sku": "18.04-LTS", "version": "{version}"}}'


# -- AIB207 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://access.cdn.redhat.com/content/origin/files/rhel-server-7.5-x86_64-dvd.iso?_auth_=1", None),
        ("https://example.com/RHEL7.3.iso", None),
        ("https://example.com/rhel-8.4-x86_64-dvd.iso", "names RHEL 8.4, but only RHEL 7.3, 7.4 and 7.5 ISOs were ever supported"),
        ("https://example.com/rhel-server-7.6-x86_64-dvd.iso", "names RHEL 7.6, but only RHEL 7.3, 7.4 and 7.5 ISOs were ever supported"),
        ("https://example.com/ubuntu-18.04.6-live-server-amd64.iso", 'names "ubuntu-18.04.6-live-server-amd64.iso", not a RHEL ISO: ISO sources were for RHEL 7.3 to 7.5 only'),
        ("https://example.com/images/disk.iso", None),
    ],
)
def test_iso_release(url: str, problem: str | None) -> None:
    assert sources._iso_release_problem(url) == problem


def test_iso_messages_and_the_old_field_name() -> None:
    text = template('"source": {"type": "ISO", "sourceURI": "https://e.com/rhel-server-7.4-x86_64-dvd.iso", "sha256Checksum": "[parameters(\'sum\')]"}', "2019-02-01-preview")
    assert lint(text, "AIB207") == [
        (
            5,
            20,
            25,
            "ISO sources are retired: the service stopped accepting them on 31 March 2020 and building them on "
            "30 April 2020; start from a RedHat PlatformImage or a gallery image instead",
        )
    ]


def test_iso_type_matched_without_case() -> None:
    assert [row[:2] for row in lint(template('"source": {"type": "iso", "sha256Checksum": "x"}'), "AIB207")] == [(5, 20)]


# -- AIB208 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api_version", "reported"),
    [("2020-02-14", True), ("2022-02-14", True), ("2022-07-01", False), ("2025-10-01", False)],
)
def test_gallery_latest_by_api_version(api_version: str, reported: bool) -> None:
    text = template(f'"source": {{"type": "SharedImageVersion", "imageVersionId": "{GALLERY_ID}latest"}}', api_version)
    found = lint(text, "AIB208")
    assert bool(found) == reported
    if reported:
        column = len('"source": {"type": "SharedImageVersion", "imageVersionId": "') + len(GALLERY_ID) + 1
        assert found == [
            (
                5,
                column,
                column + len("latest"),
                f"imageVersionId /versions/latest needs apiVersion 2022-07-01 or later (this template declares "
                f"{api_version}): name an explicit version or raise apiVersion",
            )
        ]


def test_gallery_explicit_version_is_fine_anywhere() -> None:
    text = template(f'"source": {{"type": "SharedImageVersion", "imageVersionId": "{GALLERY_ID}1.0.3"}}', "2020-02-14")
    assert lint(text, "AIB208") == []


@pytest.mark.parametrize(
    ("api_version", "reported"),
    [("2018-02-01-preview", True), ("2019-02-01-preview", True), ("2019-05-01-preview", False), ("2020-02-14", False)],
)
def test_platform_latest_by_api_version(api_version: str, reported: bool) -> None:
    assert bool(lint(template(platform("latest"), api_version), "AIB208")) == reported


def test_no_api_version_no_claim() -> None:
    text = '{"type": "Microsoft.VirtualMachineImages/imageTemplates", "properties": {' + platform("latest") + "}}"
    assert lint(text, "AIB208") == []


# -- AIB219 ---------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["latest", "Latest", "17763.805.1910061628", "2019.0.20190603", ""])
def test_versions_that_pass(version: str) -> None:
    assert lint(template(platform(version)), "AIB219") == []


@pytest.mark.parametrize(
    ("version", "hint"),
    [
        ("latest (19042.746.2101092352)", ': write "latest" or "19042.746.2101092352"'),
        ("v18.04.202401161", ': did you mean "18.04.202401161"?'),
        ("string", ""),
        ("18.04", ""),
        ("1.2.3.4", ': did you mean "1.2.3"?'),
    ],
)
def test_versions_that_fail(version: str, hint: str) -> None:
    assert [row[3] for row in lint(template(platform(version)), "AIB219")] == [
        f'PlatformImage version "{version}" is neither "latest" nor a version number such as "1.2.3"{hint}'
    ]


def test_version_of_other_sources_is_not_checked() -> None:
    text = template('"source": {"type": "ManagedImage", "imageId": "x", "version": "whatever"}')
    assert lint(text, "AIB219") == []


# -- AIB211 ---------------------------------------------------------------------------

WINDOWS_SOURCE = '"source": {"type": "PlatformImage", "publisher": "MicrosoftWindowsDesktop", "offer": "windows-11", "sku": "win11-23h2-avd", "version": "latest"},'


@pytest.mark.parametrize(
    ("minutes", "body", "reported"),
    [
        (1, '"customize": []', True),
        (5, '"customize": []', True),
        (6, '"customize": []', False),
        (6, WINDOWS_SOURCE + '"customize": []', True),
        (59, '"customize": [{"type": "WindowsUpdate"}]', True),
        (60, '"customize": [{"type": "WindowsUpdate"}]', False),
        (59, '"customize": [{"type": "PowerShell", "inline": ["x"]}, {"type": "PowerShell", "inline": ["y"]}]', True),
        (59, '"customize": [{"type": "Shell", "inline": ["x"]}]', False),
        (-1, '"customize": [{"type": "WindowsUpdate"}]', False),
        (961, '"customize": []', False),
    ],
)
def test_timeout_thresholds(minutes: int, body: str, reported: bool) -> None:
    text = template(f'"buildTimeoutInMinutes": {minutes},\n{body}')
    assert bool(lint(text, "AIB211")) == reported


def test_timeout_messages() -> None:
    short = template('"buildTimeoutInMinutes": 3')
    assert [row[3] for row in lint(short, "AIB211")] == [
        "buildTimeoutInMinutes 3 is too short: the service needs at least 6 minutes for any build; the build is "
        "cancelled when it runs out (omit it or use 0 for the default, 240 minutes)"
    ]
    windows = template(f'"buildTimeoutInMinutes": 30,\n{WINDOWS_SOURCE}\n"customize": []')
    assert [row[3] for row in lint(windows, "AIB211")] == [
        "buildTimeoutInMinutes 30 is too short: the source is Windows, and the template reference advises at "
        "least 60 minutes for Windows; the build is cancelled when it runs out (omit it or use 0 for the "
        "default, 240 minutes)"
    ]


@pytest.mark.parametrize("value", ['"30"', "30.5", "true", "null"])
def test_timeout_of_the_wrong_type_is_left_to_the_schema(value: str) -> None:
    text = template(f'"buildTimeoutInMinutes": {value},\n"customize": [{{"type": "WindowsUpdate"}}]')
    assert lint(text, "AIB211") == []
