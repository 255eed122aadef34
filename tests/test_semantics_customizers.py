"""AIB205, AIB206, AIB210, AIB213, AIB215, AIB216: customizers and validators,
beyond the rules' own examples."""

from __future__ import annotations

import json

import pytest
from aiblint_rules import customizers, deprovisioning
from hypothesis import given, settings
from hypothesis import strategies as st

from aiblint.config import Config
from aiblint.engine import Linter
from aiblint.registry import RuleSet
from aiblint.rule import Rule

RULES: tuple[type[Rule], ...] = (
    customizers.FileCustomizerTarget,
    customizers.ScriptUriXorInline,
    customizers.RestartTimeoutFormat,
    customizers.RunAsSystemWithoutElevation,
    customizers.WindowsUpdateWithoutRestart,
    deprovisioning.DeprovisioningOverridePath,
)
UBUNTU = '"source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"},'
WINDOWS = '"source": {"type": "PlatformImage", "publisher": "MicrosoftWindowsServer", "offer": "WindowsServer", "sku": "2022-datacenter", "version": "latest"},'


def template(body: str, api_version: str = "2024-02-01") -> str:
    return (
        '{\n"type": "Microsoft.VirtualMachineImages/imageTemplates",\n'
        f'"apiVersion": "{api_version}",\n"properties": {{\n{body}\n}}\n}}\n'
    )


def lint(text: str, rule_id: str) -> list[tuple[int, int, str]]:
    """(line, column, message) of every finding of one rule."""
    rules = RuleSet([rule() for rule in RULES if rule.id == rule_id])
    found, _ = Linter(rules, Config()).lint_bytes(text.encode(), "t.json")
    return [(f.line, f.column, f.message) for f in found]


# -- AIB205 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://example.com/files/", "ends in '/' (a folder)"),
        ("https://example.com", "ends in '/' (a folder)"),
        ("https://github.com/o/r/tree/main/site", "is a GitHub folder page (/tree/)"),
        ("https://acct.blob.core.windows.net/files?sv=2022&sig=x", "is an Azure Storage container, not a blob in it"),
        ("https://acct.blob.core.windows.net/files/app.zip", None),
        ("https://raw.githubusercontent.com/o/r/main/site/index.html", None),
        ("https://github.com/o/r/blob/main/a.sh", None),  # a web page, but AIB306's business
        ("file:///c:/temp/", None),  # AIB302's business
        ("/tmp/", None),
    ],
)
def test_directory_url(url: str, why: str | None) -> None:
    assert customizers._directory_url(url) == why


@pytest.mark.parametrize(
    ("destination", "reported"),
    [
        ("/tmp/index.html", False),
        ("/tmp/sub/dir/a.conf", False),
        ("/tmp/", False),
        ("/etc/app.conf", True),
        ("/tmp/../etc/passwd", True),
        ("/tmpfiles/a", True),
        ("/var/tmp/a", True),
        ("index.html", True),
        ("", False),
    ],
)
def test_linux_destination(destination: str, reported: bool) -> None:
    text = template(
        UBUNTU + f'\n"customize": [{{"type": "File", "sourceUri": "https://e.com/a", "destination": "{destination}"}}]'
    )
    assert bool(lint(text, "AIB205")) == reported


def test_linux_destination_message_and_validator() -> None:
    text = template(
        UBUNTU + '\n"customize": [{"type": "Shell", "inline": ["true"]}],'
        '\n"validate": {"inVMValidations": [{"type": "File", "name": "probe", "sourceUri": "https://e.com/a", '
        '"destination": "/opt/probe"}]}'
    )
    assert lint(text, "AIB205") == [
        (
            7,
            115,
            'File validator "probe" uploads to "/opt/probe": on Linux the build user can only write under /tmp; '
            "upload to /tmp and move the file with a Shell step that uses sudo",
        )
    ]


def test_unknown_os_says_nothing_about_destinations() -> None:
    text = template(
        '"source": {"type": "ManagedImage", "imageId": "/subscriptions/0/resourceGroups/r/providers/Microsoft.Compute/images/i"},'
        '\n"customize": [{"type": "File", "sourceUri": "https://e.com/a", "destination": "D:/app/a.conf"}]'
    )
    assert lint(text, "AIB205") == []


# -- AIB206 ---------------------------------------------------------------------------


def test_both_points_at_the_later_key_and_names_the_step() -> None:
    text = template('"customize": [{"type": "PowerShell", "name": "x", "inline": ["a"], "scriptUri": "https://e.com/a.ps1"}]')
    assert lint(text, "AIB206") == [
        (5, 68, 'PowerShell customizer "x" sets both scriptUri and inline; exactly one of them may be set')
    ]


def test_field_names_match_without_case() -> None:
    text = template('"customize": [{"type": "shell", "ScriptURI": "https://e.com/a.sh"}]', "2020-02-14")
    assert lint(text, "AIB206") == []


def test_null_counts_as_missing() -> None:
    text = template('"customize": [{"type": "Shell", "scriptUri": null, "inline": ["true"]}]')
    assert lint(text, "AIB206") == []


@pytest.mark.parametrize(
    ("api_version", "reported"),
    [("2018-02-01-preview", False), ("2019-02-01-preview", False), ("2019-05-01-preview", True), ("2020-02-14", True)],
)
def test_script_field_by_api_version(api_version: str, reported: bool) -> None:
    text = template('"customize": [{"type": "Shell", "script": "https://e.com/a.sh"}]', api_version)
    found = lint(text, "AIB206")
    assert bool(found) == reported
    if reported:
        assert found[0][2] == (
            'Shell customizer uses "script", the field of api versions before 2019-05-01-preview; with apiVersion '
            f'{api_version} it is not a field, so the step has no script: rename it to "scriptUri"'
        )


def test_script_and_inline_in_an_early_preview_is_both() -> None:
    text = template('"customize": [{"type": "Shell", "script": "https://e.com/a.sh", "inline": ["true"]}]', "2019-02-01-preview")
    assert [message for _, _, message in lint(text, "AIB206")] == [
        "Shell customizer sets both script and inline; exactly one of them may be set"
    ]


# -- AIB210 ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["5m", "2h", "1h30m", "90s", "0", "1.5h", "300ms"])
def test_go_durations_pass(value: str) -> None:
    text = template(f'"customize": [{{"type": "WindowsRestart", "restartTimeout": "{value}"}}]')
    assert lint(text, "AIB210") == []


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("5", ' (a bare number has no unit: write "5m" for 5 minutes)'),
        ("10 minutes", ' (write "10m")'),
        ("2 hrs", ' (write "2h")'),
        ("5M", ' (write "5m")'),
        ("PT5M", ""),
        (" 5m", ' (write "5m")'),
    ],
)
def test_bad_durations_get_a_hint(value: str, hint: str) -> None:
    text = template(f'"customize": [{{"type": "WindowsRestart", "restartTimeout": "{value}"}}]')
    assert [message for _, _, message in lint(text, "AIB210")] == [
        f'restartTimeout "{value}" is not a magnitude and a unit such as "5m" or "2h"{hint}'
    ]


def test_restart_timeout_only_on_windows_restart() -> None:
    text = template('"customize": [{"type": "PowerShell", "inline": ["x"], "restartTimeout": "5 min"}]')
    assert lint(text, "AIB210") == []


# -- AIB213 ---------------------------------------------------------------------------


def test_run_as_system_on_a_validator() -> None:
    text = template('"validate": {"inVMValidations": [{"type": "PowerShell", "name": "v", "runAsSystem": true, "inline": ["x"]}]}')
    assert lint(text, "AIB213") == [
        (
            5,
            85,
            'PowerShell validator "v" sets runAsSystem but not runElevated: runAsSystem can only be true when '
            'runElevated is true; add "runElevated": true',
        )
    ]


# -- AIB215 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kinds", "reported"),
    [
        (["WindowsUpdate"], True),
        (["WindowsUpdate", "PowerShell"], True),
        (["WindowsUpdate", "WindowsRestart"], False),
        (["WindowsUpdate", "PowerShell", "WindowsRestart"], False),
        (["WindowsUpdate", "WindowsRestart", "WindowsUpdate"], True),
        (["WindowsRestart", "PowerShell"], False),
        (["[parameters('kind')]", "WindowsUpdate", "File"], True),
        (["WindowsUpdate", "[parameters('kind')]"], False),
    ],
)
def test_last_windows_update(kinds: list[str], reported: bool) -> None:
    steps = ", ".join(f'{{"type": "{kind}"}}' for kind in kinds)
    assert bool(lint(template(f'"customize": [{steps}]'), "AIB215")) == reported


def test_only_the_last_windows_update_is_reported() -> None:
    text = template('"customize": [{"type": "WindowsUpdate"}, {"type": "WindowsUpdate"}]')
    assert [(line, column) for line, column, _ in lint(text, "AIB215")] == [(5, 51)]


# -- AIB216 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/tmp/DeprovisioningScript.sh", None),
        ("/tmp//DeprovisioningScript.sh", None),
        ("c:\\DeprovisioningScript.ps1", None),
        ("C:\\deprovisioningscript.ps1", None),
        ("C:/DeprovisioningScript.ps1", None),
        ("/tmp/deprovisioningscript.sh", deprovisioning.LINUX_PATH),
        ("/tmp/DeprovisioningScript", deprovisioning.LINUX_PATH),
        ("/tmp/DeprovisionScript.sh", deprovisioning.LINUX_PATH),
        ("/DeprovisioningScript.sh", deprovisioning.LINUX_PATH),
        ("~/DeprovisioningScript.sh", deprovisioning.LINUX_PATH),
        ("C:\\Windows\\Temp\\DeprovisioningScript.ps1", deprovisioning.WINDOWS_PATH),
        ("c:\\DeprovisioningScript.ps", deprovisioning.WINDOWS_PATH),
        ("D:\\DeprovisioningScript.ps1", deprovisioning.WINDOWS_PATH),
        ("/tmp/DeprovisioningScript.sh.bak", None),
        ("/tmp/deprovision.sh", None),
        ("DeprovisioningScript.sh", None),
        ("$HOME/DeprovisioningScript.sh", None),
        ("%SystemDrive%\\DeprovisioningScript.ps1", None),
    ],
)
def test_wrong_override_path(path: str, expected: str | None) -> None:
    assert deprovisioning.wrong_override_path(path) == expected


@pytest.mark.parametrize(
    ("line", "written"),
    [
        ("echo 'x' > /tmp/deprovisioningscript.sh", ["/tmp/deprovisioningscript.sh"]),
        ("echo 'x' >>/tmp/deprovisioningscript.sh", ["/tmp/deprovisioningscript.sh"]),
        ("printf 'x' | sudo tee /tmp/deprovisioningscript.sh", ["/tmp/deprovisioningscript.sh"]),
        ("sudo cp /opt/d.sh /tmp/deprovisioningscript.sh && chmod +x /tmp/x", ["/tmp/deprovisioningscript.sh"]),
        ("cp /tmp/deprovisioningscript.sh /opt/backup.sh", []),
        ("curl -sSL -o /tmp/deprovisioningScript.sh https://e.com/d.sh", ["/tmp/deprovisioningScript.sh"]),
        ("wget -O /tmp/deprovisioningScript.sh https://e.com/d.sh", ["/tmp/deprovisioningScript.sh"]),
        ("Invoke-WebRequest -Uri https://e.com/d.ps1 -OutFile C:\\Temp\\DeprovisioningScript.ps1", ["C:\\Temp\\DeprovisioningScript.ps1"]),
        ("Set-Content -Path 'C:\\Temp\\DeprovisioningScript.ps1' -Value $x", ["C:\\Temp\\DeprovisioningScript.ps1"]),
        ("(New-Object Net.WebClient).DownloadFile('https://e.com/d.ps1', 'C:\\DeprovisioningScript.ps1')", ["C:\\DeprovisioningScript.ps1"]),
        ("Get-Content C:\\Temp\\DeprovisioningScript.ps1", []),
        ("bash /tmp/deprovisioningscript.sh", []),
        ("echo 'updated the deprovisioning script'", []),
    ],
)
def test_written_paths(line: str, written: list[str]) -> None:
    assert [line[start:end] for start, end in deprovisioning.written_paths(line)] == written


def test_override_message_and_escaped_position() -> None:
    text = template('"customize": [{"type": "PowerShell", "inline": ["Copy-Item C:\\\\a.ps1 C:\\\\Temp\\\\DeprovisioningScript.ps1"]}]')
    assert lint(text, "AIB216") == [
        (
            5,
            70,
            '"C:\\Temp\\DeprovisioningScript.ps1" is not where Image Builder reads a deprovisioning override: it '
            "reads exactly c:\\DeprovisioningScript.ps1, so the default deprovisioning runs instead of this file",
        )
    ]


def test_validators_are_not_deprovisioning_overrides() -> None:
    text = template('"validate": {"inVMValidations": [{"type": "Shell", "inline": ["echo x > /tmp/deprovisioningscript.sh"]}]}')
    assert lint(text, "AIB216") == []


# -- odd shapes never crash -----------------------------------------------------------

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 2000),
    st.sampled_from(["", "latest", "[parameters('x')]", "<value>", "/tmp/DeprovisioningScript", "5 min", "ISO",
                     "https://github.com/o/r/tree/main/", "c:\\DeprovisioningScript.ps", "Shell", "PowerShell"]),
)
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(
    ["type", "inline", "scriptUri", "script", "destination", "sourceUri", "runAsSystem", "runElevated",
     "restartTimeout", "version", "imageVersionId", "sha256Checksum"]), inner, max_size=4), max_leaves=12)
_STEP = st.fixed_dictionaries(
    {"type": st.sampled_from(["Shell", "PowerShell", "File", "WindowsRestart", "WindowsUpdate", "shell", "x"])},
    optional={name: _VALUES for name in ("inline", "scriptUri", "script", "destination", "sourceUri", "runAsSystem",
                                          "runElevated", "restartTimeout", "name")},
)


@settings(max_examples=150, deadline=None)
@given(
    customize=st.one_of(_VALUES, st.lists(st.one_of(_STEP, _SCALARS), max_size=4)),
    source=_VALUES,
    timeout=_VALUES,
    api_version=st.sampled_from(["2019-02-01-preview", "2022-07-01", "[parameters('v')]", "nonsense", ""]),
)
def test_odd_shapes_never_crash(customize: object, source: object, timeout: object, api_version: str) -> None:
    from aiblint_rules import sources, timeouts

    body = {"source": source, "customize": customize, "buildTimeoutInMinutes": timeout,
            "validate": {"inVMValidations": customize}}
    text = json.dumps({"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": api_version,
                       "properties": body})
    rules = [rule() for rule in RULES] + [sources.IsoSource(), sources.LatestNotAllowed(),
                                          sources.PlatformImageVersionFormat(), timeouts.BuildTimeoutTooShort()]
    Linter(RuleSet(rules), Config()).lint_bytes(text.encode(), "t.json")
