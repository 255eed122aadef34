"""AIB220, AIB221, AIB508, AIB509, AIB510: rules from how the service runs
customizers, beyond the rules' own examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast

import pytest
from aiblint_rules import remote_access, script_runtime, vm_size, windows_update
from aiblint_rules.deprovisioning_events import covers
from hypothesis import given, settings
from hypothesis import strategies as st

from aiblint.config import Config
from aiblint.datafiles import load_json
from aiblint.engine import Linter
from aiblint.registry import RuleSet
from aiblint.rule import Rule
from aiblint.scripts.syntax import powershell_statements
from aiblint.values import Resolved

RULES: tuple[type[Rule], ...] = (
    windows_update.WindowsUpdateFilters,
    vm_size.BuildVmTooSmall,
    script_runtime.PowerShellErrorsIgnored,
    script_runtime.DeprovisioningScriptDeleted,
    remote_access.RemoteAccessDisabled,
)
WINDOWS = '"source": {"type": "PlatformImage", "publisher": "MicrosoftWindowsServer", "offer": "WindowsServer", "sku": "2022-datacenter", "version": "latest"},'
UBUNTU = '"source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"},'


def template(*steps: object, head: str = "", validators: tuple[object, ...] = ()) -> str:
    """A bare template whose customizers are ``steps`` (dicts, or JSON text), one per line from line 5."""
    lines = [json.dumps(step) if not isinstance(step, str) else step for step in steps]
    validate = f',\n"validate": {{"inVMValidations": [{", ".join(json.dumps(v) for v in validators)}]}}' if validators else ""
    return (
        '{\n"type": "Microsoft.VirtualMachineImages/imageTemplates",\n'
        f'"properties": {{{head}\n"customize": [\n' + ",\n".join(lines) + f"\n]{validate}\n}}\n}}\n"
    )


def shell(*lines: str) -> dict[str, object]:
    return {"type": "Shell", "inline": list(lines)}


def powershell(*lines: str) -> dict[str, object]:
    return {"type": "PowerShell", "inline": list(lines)}


def lint(text: str, rule_id: str, path: str = "t.json") -> list[tuple[int, int, str]]:
    """(line, column, message) of every finding of one rule."""
    rules = RuleSet([rule() for rule in RULES if rule.id == rule_id])
    found, _ = Linter(rules, Config()).lint_bytes(text.encode(), path)
    return [(f.line, f.column, f.message) for f in found if f.rule == rule_id]


def places(text: str, rule_id: str) -> list[tuple[int, int]]:
    return [(line, column) for line, column, _ in lint(text, rule_id)]


def column_of(text: str, line: int, needle: str) -> int:
    """1-based column of ``needle`` in line ``line`` of ``text``."""
    return text.splitlines()[line - 1].index(needle) + 1


# -- AIB220 ----------------------------------------------------------------------------------


def update_step(filters: object) -> str:
    return template({"type": "WindowsUpdate", "searchCriteria": "IsInstalled=0", "filters": filters})


@pytest.mark.parametrize(
    ("text", "action", "catches_all"),
    [
        ("include:$true", "include", True),
        ("Include: $TRUE ", "include", True),
        ("INCLUDE:1", "include", True),
        ("include:($true)", "include", True),
        ("exclude:$true", "exclude", False),
        ("include:$_.Title -like '*x*'", "include", False),
        ("include :$true", None, False),  # the plugin compares "include " to "include"
        ("$_.BrowseOnly", None, False),
        ("inclde:$true", None, False),
    ],
)
def test_filter_reading(text: str, action: str | None, catches_all: bool) -> None:
    entry = windows_update.Filter(cast(Resolved, None), text)
    assert (entry.action, entry.catches_all) == (action, catches_all)


def test_only_excludes_install_nothing() -> None:
    text = update_step(["exclude:$_.Title -like '*Preview*'", "exclude:$_.Title -like '*Silverlight*'"])
    assert lint(text, "AIB220") == [
        (5, column_of(text, 5, '"exclude:$_.Title -like \'*Silverlight'),
         "the filters end with an exclude: and no include:$true, and an update no filter matches is skipped: no update "
         'is installed at all; add "include:$true" as the last filter'),
    ]


def test_a_typo_in_the_action_is_reported_once() -> None:
    text = update_step(["exclude:$_.Title -like '*Preview*'", "inclde:$true"])
    assert lint(text, "AIB220") == [
        (5, column_of(text, 5, '"inclde'),
         'filter "inclde:$true" does not start with include: or exclude:, so it never installs an update (the plugin '
         "splits each filter at its first ':' and installs only on include); write \"include:inclde:$true\" or "
         '"exclude:inclde:$true"'),
    ]


@pytest.mark.parametrize(
    "filters",
    [
        ["exclude:$_.Title -like '*Preview*'", "include:$true"],
        ["exclude:$_.Title -like '*Preview*'", "include: $True"],
        ["include:$_.Title -like '*Security*'"],
        ["include:$_.AutoSelectOnWebSites", "include:$_.Title -like '*Defender*'"],
        ["[parameters('extra')]", "exclude:$_.Title -like '*Preview*'"],  # an unknown entry could be the catch-all
        "[parameters('filters')]",
        [],
    ],
)
def test_lists_that_install_what_they_say(filters: object) -> None:
    assert lint(update_step(filters), "AIB220") == []


def test_every_filter_after_the_catch_all() -> None:
    text = update_step(["include:$true", "exclude:$_.Title -like '*Preview*'", "exclude:$_.IsBeta"])
    assert places(text, "AIB220") == [
        (5, column_of(text, 5, '"exclude:$_.Title')),
        (5, column_of(text, 5, '"exclude:$_.IsBeta')),
    ]


def test_a_lower_case_type_and_field_name() -> None:
    text = template({"type": "windowsupdate", "Filters": ["exclude:$_.IsBeta"]})
    assert places(text, "AIB220") == [(5, column_of(text, 5, '"exclude'))]


def test_validators_and_other_steps_are_not_read() -> None:
    text = template(powershell("Write-Host hi"), {"type": "WindowsRestart", "filters": ["exclude:$true"]})
    assert lint(text, "AIB220") == []


# -- AIB221 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "small"),
    [
        ("Standard_D1_v2", True), ("standard_d1_v2", True), ("Standard_DS1_v2", True), ("Standard_B1s", True),
        ("Standard_B1ms", True), ("Standard_B1ls", True), ("Standard_A1_v2", True), ("Standard_F1", True),
        ("Standard_F1s", True), ("Standard_A2", True), ("Standard_B2ts_v2", True), ("Standard_B2ats_v2", True),
        ("Standard_D2_v2", False), ("Standard_D2s_v3", False), ("Standard_A2_v2", False), ("Standard_B2s", False),
        ("Standard_D2ls_v5", False), ("Standard_F2s_v2", False), ("Standard_D4d_v4", False), ("Standard_D2ds_v5", False),
        ("Standard_E2s_v3", False),
    ],
)
def test_size_table(size: str, small: bool) -> None:
    known = vm_size.vm_size(size)
    assert known is not None and known.too_small is small


def test_unknown_sizes() -> None:
    assert vm_size.vm_size("Standard_Q9_v9") is None
    assert vm_size.vm_size("") is None


def test_size_table_is_dated_and_sourced() -> None:
    table = load_json("vm-sizes.json")
    assert table["date"] and table["source"]
    names = [name.casefold() for series in table["series"] for name in series["sizes"]]
    assert len(names) == len(set(names)), "a size is listed twice"
    for series in table["series"]:
        assert series["source"], series["series"]
        for name, (vcpus, memory) in series["sizes"].items():
            assert name.startswith(("Standard_", "Basic_")) and vcpus >= 1 and memory > 0, name


def test_windows_build_on_d1_v2() -> None:
    text = template(powershell("Install-WindowsFeature Web-Server"), head=f'\n{WINDOWS}\n"vmProfile": {{"vmSize": "Standard_D1_v2"}},')
    assert lint(text, "AIB221") == [
        (5, column_of(text, 5, '"Standard_D1_v2"'),
         "build VM Standard_D1_v2 has 1 vCPU and 3.5 GiB of memory: too small for a Windows build (the troubleshooting "
         "guide reports Windows Update exhausting such a VM and Sysprep timing out on it); use Standard_D2s_v3 "
         "(2 vCPUs, 8 GiB) or larger"),
    ]


def test_size_from_a_parameter_default_is_reported_there() -> None:
    text = (
        '{\n"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",\n'
        '"parameters": {"size": {"type": "string", "defaultValue": "Standard_B1ms"}},\n'
        '"resources": [{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "name": "t",\n'
        '"properties": {"vmProfile": {"vmSize": "[parameters(\'size\')]"}, "customize": [{"type": "WindowsUpdate"}]}}]\n}\n'
    )
    assert places(text, "AIB221") == [(3, column_of(text, 3, '"Standard_B1ms"'))]


@pytest.mark.parametrize(
    "head",
    [
        f'\n{WINDOWS}',  # no vmProfile: the default depends on the image generation (see the docs)
        f'\n{WINDOWS}\n"vmProfile": {{"osDiskSizeGB": 127}},',
        f'\n{WINDOWS}\n"vmProfile": {{"vmSize": "[parameters(\'size\')]"}},',
        f'\n{WINDOWS}\n"vmProfile": {{"vmSize": "<vmSize>"}},',
        f'\n{UBUNTU}\n"vmProfile": {{"vmSize": "Standard_B1s"}},',
        '\n"vmProfile": {"vmSize": "Standard_B1s"},',  # the OS is not known
    ],
)
def test_no_finding(head: str) -> None:
    steps = (shell("echo hi"),) if UBUNTU in head else (powershell("Write-Host hi"),) if WINDOWS in head else ({"type": "File"},)
    assert lint(template(*steps, head=head), "AIB221") == []


# -- AIB508 ----------------------------------------------------------------------------------


def test_first_silent_cmdlet_before_the_preference() -> None:
    text = template(powershell("Write-Host start", "Copy-Item C:\\a C:\\b", "$ErrorActionPreference = 'Stop'", "Remove-Item C:\\c"))
    assert lint(text, "AIB508") == [
        (5, column_of(text, 5, "Copy-Item"),
         "`Copy-Item` can fail with a non-terminating error and the step still succeeds: only the exit code fails a "
         "build, and nothing in this script stops on errors; start it with `$ErrorActionPreference = 'Stop'` (or "
         "check `$?` and `exit 1`)"),
    ]


@pytest.mark.parametrize(
    "lines",
    [
        ["$ErrorActionPreference = 'Stop'", "Copy-Item C:\\a C:\\b"],
        ['$ErrorActionPreference="stop"', "Copy-Item C:\\a C:\\b"],
        ["$global:ErrorActionPreference = [System.Management.Automation.ActionPreference]::Stop", "Copy-Item a b"],
        ["$PSDefaultParameterValues['*:ErrorAction'] = 'Stop'", "Copy-Item a b"],
        ["Copy-Item a b -ErrorAction:Stop", "Remove-Item c -EA 0"],
        ["Copy-Item a b", "if ($LASTEXITCODE -ne 0 -or -not $?) { throw 'copy failed' }"],
        ["choco install -y git", "& 'C:\\tools\\setup.exe' /S", "exit $LASTEXITCODE"],
        ["Write-Host 'Copy-Item a b'", "# Remove-Item C:\\x", "Start-Sleep -Seconds 5"],
        ["[parameters('firstLine')]", "Copy-Item a b"],  # an unknown line could set the preference
    ],
)
def test_scripts_that_stop_or_cannot_fail_silently(lines: list[str]) -> None:
    assert lint(template(powershell(*lines)), "AIB508") == []


def test_shell_is_not_read_and_validators_are() -> None:
    text = template(shell("cp a b"), validators=(powershell("Get-Item C:\\app\\ok.txt"),))
    assert places(text, "AIB508") == [(7, column_of(text, 7, "Get-Item"))]


def test_an_alias_is_named_as_written() -> None:
    text = template(powershell("mkdir C:\\buildActions"))
    assert [message.split(" ", 1)[0] for _, _, message in lint(text, "AIB508")] == ["`mkdir`"]


def test_powershell_statements() -> None:
    found = powershell_statements(
        "$ErrorActionPreference = 'Stop'\n# $x = 1\nif (-not $?) { exit 3 }\n${env:Path} = 'a'\nthrow\n"
    )
    assert [(a.target, a.variable, a.value) for a in found.assignments] == [
        ("$ErrorActionPreference", "ErrorActionPreference", "Stop"),
        ("${env:Path}", "Path", "a"),
    ]
    assert [(f.keyword, f.argument) for f in found.flow] == [("exit", "3"), ("throw", "")]
    assert [name for name, _, _ in found.variables] == ["ErrorActionPreference", "?", "Path"]


# -- AIB509 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "windows", "recursive", "expected"),
    [
        ("/tmp/DeprovisioningScript.sh", False, False, True),
        ("/tmp//./DeprovisioningScript.sh", False, False, True),
        ("/tmp/deprovisioningscript.sh", False, False, False),
        ("/tmp/*", False, False, True),
        ("/tmp/*.sh", False, False, True),
        ("/tmp/*.log", False, False, False),
        ("/tmp", False, True, True),
        ("/tmp", False, False, False),
        ("/", False, True, True),
        ("/*.sh", False, False, False),
        ("/tmp/$NAME", False, False, False),
        ("tmp/*", False, True, False),
        ("C:\\DeprovisioningScript.ps1", True, False, True),
        ("c:/deprovisioningscript.PS1", True, False, True),
        ("C:\\*.ps1", True, False, True),
        ("C:\\Windows\\Temp\\*", True, True, False),
        ("$env:SystemDrive\\DeprovisioningScript.ps1", True, False, False),
        ("D:\\DeprovisioningScript.ps1", True, False, False),
    ],
)
def test_covers(pattern: str, windows: bool, recursive: bool, expected: bool) -> None:
    target = "c:\\DeprovisioningScript.ps1" if windows else "/tmp/DeprovisioningScript.sh"
    assert covers(pattern, target, windows=windows, recursive=recursive) is expected


@pytest.mark.parametrize(
    ("line", "word"),
    [
        ("sudo rm -rf /tmp", "/tmp"),
        ("rm -f /tmp/*.sh", "/tmp/*.sh"),
        ("sudo rm -f -- /tmp/DeprovisioningScript.sh", "/tmp/DeprovisioningScript.sh"),
        ("unlink /tmp/DeprovisioningScript.sh", "/tmp/DeprovisioningScript.sh"),
        ("shred -uz /tmp/DeprovisioningScript.sh", "/tmp/DeprovisioningScript.sh"),
        ("sudo mv /tmp/DeprovisioningScript.sh /root/", "/tmp/DeprovisioningScript.sh"),
        ("sudo find /tmp -mindepth 1 -delete", "/tmp"),
        ("find /tmp -type f -exec rm -f {} +", "/tmp"),
        (": > /tmp/DeprovisioningScript.sh", "/tmp/DeprovisioningScript.sh"),
        ("echo -n > /tmp/DeprovisioningScript.sh", "/tmp/DeprovisioningScript.sh"),
        ("sudo cp /dev/null /tmp/DeprovisioningScript.sh", "/tmp/DeprovisioningScript.sh"),
        ("truncate --size=0 /tmp/DeprovisioningScript.sh", "/tmp/DeprovisioningScript.sh"),
    ],
)
def test_linux_deletions(line: str, word: str) -> None:
    text = template(shell(line))
    assert places(text, "AIB509") == [(5, column_of(text, 5, word))]


@pytest.mark.parametrize(
    "lines",
    [
        ["rm -rf /tmp/build /tmp/*.log", "rm /tmp"],
        ["cd /tmp && rm -rf *"],
        ["rm -f \"$TMPDIR/DeprovisioningScript.sh\""],
        ["find /tmp -name '*.log' -delete", "find /tmp -type d -delete"],
        ["echo 'rm -rf /tmp/*'", "# rm -rf /tmp/*", "bash -c 'rm -rf /tmp/*'"],
        ["sudo rm -f /tmp/DeprovisioningScript.sh", "cat <<'EOF' > /tmp/DeprovisioningScript.sh\nwaagent -force -deprovision+user\nEOF"],
        ["rm -rf /tmp/*", "curl -fsSL -o /tmp/DeprovisioningScript.sh https://example.com/d.sh"],
        ["rm -rf /tmp/*", "sudo cp /opt/deprovision.sh /tmp/DeprovisioningScript.sh"],
        ["cp /tmp/DeprovisioningScript.sh /tmp/DeprovisioningScript.sh.bak", "sed -i 's/+user//' /tmp/DeprovisioningScript.sh"],
    ],
)
def test_linux_near_misses(lines: list[str]) -> None:
    assert lint(template(shell(*lines)), "AIB509") == []


@pytest.mark.parametrize(
    ("line", "word"),
    [
        ("Remove-Item -Path C:\\DeprovisioningScript.ps1 -Force", "C:\\\\DeprovisioningScript"),
        ("del c:/DeprovisioningScript.ps1", "c:/DeprovisioningScript"),
        ("Remove-Item C:\\*.ps1", "C:\\\\*.ps1"),
        ("ri -LiteralPath 'C:\\DeprovisioningScript.ps1'", "'C:"),
        ("Move-Item C:\\DeprovisioningScript.ps1 C:\\backup\\", "C:\\\\DeprovisioningScript"),
        ("[System.IO.File]::Delete('C:\\DeprovisioningScript.ps1')", "'C:"),
        ("Clear-Content C:\\DeprovisioningScript.ps1", "C:\\\\DeprovisioningScript"),
        ("New-Item -Path C:\\DeprovisioningScript.ps1 -ItemType File -Force", "C:\\\\DeprovisioningScript"),
        ("Set-Content -Path C:\\DeprovisioningScript.ps1 -Value ''", "C:\\\\DeprovisioningScript"),
    ],
)
def test_windows_deletions(line: str, word: str) -> None:
    text = template(powershell(line))
    assert places(text, "AIB509") == [(5, column_of(text, 5, word))]


@pytest.mark.parametrize(
    "lines",
    [
        ["Remove-Item C:\\Windows\\Temp\\* -Recurse -Force", "Remove-Item C:\\*.ps1 -WhatIf", "Remove-Item C:\\* -Include *.log"],
        ["Remove-Item -LiteralPath 'C:\\*.ps1'"],
        ["$Path = 'C:\\DeprovisioningScript.ps1'", "Remove-Item $Path"],
        ["Remove-Item C:\\DeprovisioningScript.ps1", "Copy-Item C:\\build\\sysprep.ps1 C:\\DeprovisioningScript.ps1"],
        ["New-Item -Path C:\\ -Name DeprovisioningScript.ps1 -ItemType File -Force", "Add-Content C:\\DeprovisioningScript.ps1 'Sysprep.exe /generalize /oobe /quit /mode:vm'"],
        ["Write-Host 'Remove-Item C:\\DeprovisioningScript.ps1'"],
        ["Remove-Item C:\\DeprovisioningScript.ps1", "Invoke-WebRequest https://example.com/d.ps1 -OutFile C:\\DeprovisioningScript.ps1"],
    ],
)
def test_windows_near_misses(lines: list[str]) -> None:
    assert lint(template(powershell(*lines)), "AIB509") == []


def test_the_message() -> None:
    text = template(shell("sudo rm -rf /tmp/*"), powershell("del C:\\DeprovisioningScript.ps1"))
    assert [message for _, _, message in lint(text, "AIB509")] == [
        "this command deletes /tmp/*, which takes /tmp/DeprovisioningScript.sh with it: Image Builder runs that file "
        "last to generalize the VM, and without it the build fails or the image is not generalized; leave it alone, or "
        "overwrite it with your own commands (the documented override)",
        "this command deletes c:\\DeprovisioningScript.ps1: Image Builder runs that file last to generalize the VM, and "
        "without it the build fails or the image is not generalized; leave it alone, or overwrite it with your own "
        "commands (the documented override)",
    ]


@pytest.mark.parametrize(
    "later",
    [
        {"type": "File", "sourceUri": "https://example.com/d.sh", "destination": "/tmp/DeprovisioningScript.sh"},
        {"type": "File", "sourceUri": "https://example.com/d.sh", "destination": "[parameters('where')]"},
        {"type": "Shell", "scriptUri": "https://example.com/not-here.sh"},
        shell("[parameters('line')]"),
        {"type": "[parameters('kind')]", "inline": ["x"]},
    ],
)
def test_a_later_step_that_writes_or_might(later: dict[str, object]) -> None:
    assert lint(template(shell("sudo rm -rf /tmp/*"), later), "AIB509") == []


def test_a_later_step_that_does_not_write() -> None:
    text = template(shell("sudo rm -rf /tmp/*"), shell("echo done"), {"type": "File", "sourceUri": "https://e.com/a", "destination": "/tmp/a"})
    assert places(text, "AIB509") == [(5, column_of(text, 5, "/tmp/*"))]


def test_validators_are_not_read() -> None:
    assert lint(template(shell("echo hi"), validators=(shell("rm -rf /tmp/*"),)), "AIB509") == []


def test_a_referenced_script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cleanup.sh").write_text("#!/bin/bash\nset -e\n# tidy up\nsudo rm -rf /tmp/*\n", encoding="utf-8")
    text = template({"type": "Shell", "scriptUri": "cleanup.sh"})
    rules = RuleSet([script_runtime.DeprovisioningScriptDeleted()])
    found, _ = Linter(rules, Config()).lint_bytes(text.encode(), str(tmp_path / "t.json"))
    assert [(Path(f.path).name, f.line, f.column) for f in found if f.rule == "AIB509"] == [("cleanup.sh", 4, 13)]


# -- AIB510 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "effect"),
    [
        ("sudo systemctl stop sshd", "stops the SSH server"),
        ("sudo systemctl disable ssh.service", "keeps the SSH server from starting at boot"),
        ("sudo systemctl mask --now ssh.socket", "stops and masks the SSH server"),
        ("sudo service ssh stop", "stops the SSH server"),
        ("sudo /etc/init.d/ssh stop", "stops the SSH server"),
        ("sudo update-rc.d ssh disable", "keeps the SSH server from starting at boot"),
        ("sudo chkconfig sshd off", "keeps the SSH server from starting at boot"),
        ("sudo apt-get remove -y openssh-server", "uninstalls the SSH server"),
        ("DEBIAN_FRONTEND=noninteractive sudo -E apt-get purge -y openssh-server", "uninstalls the SSH server"),
        ("sudo yum -y erase openssh-server", "uninstalls the SSH server"),
        ("sudo rpm -e openssh-server", "uninstalls the SSH server"),
        ("sudo ufw deny ssh", "blocks port 22 (SSH) in the firewall"),
        ("sudo ufw insert 1 reject 22/tcp", "blocks port 22 (SSH) in the firewall"),
        ("sudo ufw enable", "turns on ufw, whose default policy denies incoming connections, with no rule allowing SSH (port 22)"),
        ("sudo iptables -A INPUT -p tcp --dport 22 -j DROP", "drops incoming connections to port 22 (SSH)"),
        ("sudo iptables -I INPUT -p tcp -m multiport --dports 20:25 -j REJECT", "drops incoming connections to port 22 (SSH)"),
        ("sudo iptables -P INPUT DROP", "drops every incoming connection, port 22 (SSH) included, with no rule accepting it"),
        ("sudo firewall-cmd --permanent --remove-service=ssh", "removes the ssh service from the firewall zone"),
        ("sudo firewall-cmd --set-default-zone=drop", "makes the drop zone, which has no ssh service, the default"),
    ],
)
def test_linux_cuts(line: str, effect: str) -> None:
    text = template(shell(line))
    command = line.split("sudo ", 1)[-1].removeprefix("-E ")
    consequence = BOOT if "at boot" in effect or "firewall zone" in effect else NOW
    assert lint(text, "AIB510") == [
        (5, column_of(text, 5, command.split(" ")[0]), f"`{command if len(command) <= 60 else command[:59] + '…'}` {effect}: {consequence}"),
    ]


NOW = (
    "Image Builder reaches the build VM over SSH (port 22) for every later step and the final deprovisioning, so the "
    "build fails; leave remote access on during the build and harden the image at first boot instead"
)
BOOT = (
    "VMs made from this image cannot be reached over SSH, and the troubleshooting guide says not to disable SSH as "
    "part of the build; harden the image at first boot instead if that is the intent"
)


def test_a_permanent_firewalld_change_bites_at_the_next_reload() -> None:
    permanent = template(shell("sudo firewall-cmd --permanent --remove-service=ssh", "sudo firewall-cmd --reload"))
    assert [message.endswith(NOW) for _, _, message in lint(permanent, "AIB510")] == [True]
    runtime = template(shell("sudo firewall-cmd --remove-port=22/tcp"))
    assert [message.endswith(NOW) for _, _, message in lint(runtime, "AIB510")] == [True]


@pytest.mark.parametrize(
    "lines",
    [
        ["sudo systemctl stop ssh", "sudo ssh-keygen -A", "sudo systemctl restart ssh"],
        ["sudo service ssh stop", "sudo service ssh start"],
        ["sudo systemctl disable ssh", "sudo systemctl enable ssh"],
        ["sudo systemctl disable --now ssh", "sudo systemctl enable --now ssh"],
        ["sudo systemctl restart sshd", "sudo systemctl reload ssh", "sudo systemctl stop apache2"],
        ["sudo ufw allow 22/tcp", "sudo ufw --force enable"],
        ["sudo ufw default allow incoming", "sudo ufw enable"],
        ["sudo ufw deny 22", "sudo ufw allow from 10.0.0.0/8 to any port 22"],
        ["sudo iptables -A INPUT -p tcp --dport 22 -j ACCEPT", "sudo iptables -P INPUT DROP"],
        ["sudo iptables -A INPUT -p tcp --dport 80 -j DROP", "sudo iptables -A OUTPUT -p tcp --dport 22 -j DROP"],
        ["sudo apt-get install -y openssh-server", "sudo apt-get remove -y openssh-client"],
        ["# sudo systemctl stop sshd", "echo 'systemctl stop sshd'", "ssh-keyscan github.com >> ~/.ssh/known_hosts"],
        ["sudo firewall-cmd --permanent --add-service=ssh", "sudo firewall-cmd --remove-port=8080/tcp"],
    ],
)
def test_linux_near_misses_510(lines: list[str]) -> None:
    assert lint(template(shell(*lines)), "AIB510") == []


def test_disable_now_then_start_still_disables_at_boot() -> None:
    text = template(shell("sudo systemctl disable --now ssh", "sudo systemctl start ssh"))
    assert places(text, "AIB510") == [(5, column_of(text, 5, "systemctl"))]


def test_ufw_allowed_in_an_earlier_step() -> None:
    assert lint(template(shell("sudo ufw allow OpenSSH"), shell("sudo ufw --force enable")), "AIB510") == []


def test_ufw_after_a_step_aiblint_cannot_read() -> None:
    text = template({"type": "Shell", "scriptUri": "https://example.com/firewall.sh"}, shell("sudo ufw --force enable"))
    assert lint(text, "AIB510") == []


@pytest.mark.parametrize(
    ("line", "word", "effect"),
    [
        ("Stop-Service -Name WinRM -Force", "Stop-Service", "stops the WinRM service"),
        ("Get-Service -Name winrm | Stop-Service", "Stop-Service", "stops the WinRM service"),
        ("Set-Service -Name 'WinRM' -Status Stopped", "Set-Service", "stops the WinRM service"),
        ("sc.exe stop WinRM", "sc.exe", "stops the WinRM service"),
        ("net stop winrm", "net", "stops the WinRM service"),
        ("winrm delete winrm/config/Listener?Address=*+Transport=HTTPS", "winrm", "deletes the WinRM HTTPS listener"),
        ("netsh advfirewall firewall add rule name=x dir=in action=block protocol=TCP localport=5985-5986", "netsh",
         "blocks incoming connections to port 5986 (WinRM over HTTPS)"),
        ("netsh advfirewall set allprofiles firewallpolicy blockinboundalways,allowoutbound", "netsh",
         "blocks every incoming connection, even those a rule allows (blockinboundalways)"),
        ("New-NetFirewallRule -DisplayName x -LocalPort 5986 -Protocol TCP -Action Block", "New-NetFirewallRule",
         "blocks incoming connections to port 5986 (WinRM over HTTPS)"),
        ("Set-NetFirewallProfile -All -AllowInboundRules False", "Set-NetFirewallProfile",
         "blocks every incoming connection, even those a rule allows (AllowInboundRules False)"),
    ],
)
def test_windows_cuts(line: str, word: str, effect: str) -> None:
    text = template(powershell(line))
    found = lint(text, "AIB510")
    assert [(where, column) for where, column, _ in found] == [(5, column_of(text, 5, word))]
    assert effect in found[0][2] and "WinRM (port 5986)" in found[0][2]


@pytest.mark.parametrize(
    "lines",
    [
        ["Stop-Service WinRM", "Start-Service WinRM"],
        ["Restart-Service -Name WinRM", "Set-Service WinRM -StartupType Automatic"],
        ["sc stop winrm"],  # sc is Set-Content in Windows PowerShell
        ["winrm delete winrm/config/Listener?Address=*+Transport=HTTP"],
        ["New-NetFirewallRule -DisplayName x -Direction Outbound -LocalPort 5986 -Action Block"],
        ["New-NetFirewallRule -DisplayName x -LocalPort 5985 -Action Block"],
        ["netsh advfirewall firewall add rule name=x dir=in action=allow protocol=TCP localport=5986"],
        ["Set-NetFirewallProfile -Profile Domain,Public,Private -Enabled False"],
        ["Write-Host 'Stop-Service WinRM'", "# net stop winrm"],
        ["Stop-Service -Name Spooler", "Get-Service WinRM | Restart-Service"],
    ],
)
def test_windows_near_misses_510(lines: list[str]) -> None:
    assert lint(template(powershell(*lines)), "AIB510") == []


def test_validators_are_read() -> None:
    text = template(shell("echo hi"), validators=(shell("sudo systemctl stop ssh"),))
    assert places(text, "AIB510") == [(7, column_of(text, 7, "systemctl"))]


# -- robustness ------------------------------------------------------------------------------

_WORDS = st.sampled_from([
    "rm", "-rf", "/tmp/*", "/tmp", "systemctl", "stop", "ssh", "ufw", "enable", "deny", "22", "Remove-Item", "C:\\*",
    "Stop-Service", "WinRM", "|", ">", "/tmp/DeprovisioningScript.sh", "$x", "'", '"', "(", ")", "{", "}", "-Path",
    "$ErrorActionPreference", "=", "'Stop'", "exit", "1", ";", "&&", "\\", "`", "<<EOF", "find", "-delete", "iptables",
    "-A", "INPUT", "--dport", "-j", "DROP", "New-Item", "-Force", "netsh", "localport=5986", "action=block",
])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_WORDS, max_size=8).map(" ".join), min_size=1, max_size=4), st.booleans())
def test_odd_scripts_never_crash(lines: list[str], windows: bool) -> None:
    step = powershell(*lines) if windows else shell(*lines)
    text = template(step, {"type": "WindowsUpdate", "filters": lines}, head='\n"vmProfile": {"vmSize": "Standard_B1s"},')
    for rule in RULES:
        lint(text, rule.id)


@pytest.mark.parametrize(
    "line",
    [
        "sudo iptables -A INPUT -p tcp --dport 22 -m state --state NEW -m recent --update --seconds 60 --hitcount 4 -j DROP",
        "sudo iptables -A INPUT -s 203.0.113.9 -p tcp --dport 22 -j DROP",
        "sudo iptables -A INPUT -p udp --dport 22 -j DROP",
        "sudo ufw deny from 203.0.113.9 to any port 22",
        "sudo ufw deny in on eth1 to any port 22",
        "sudo firewall-cmd --zone=internal --remove-service=ssh",
    ],
)
def test_narrowed_firewall_rules_are_not_blocks(line: str) -> None:
    assert lint(template(shell(line)), "AIB510") == []


@pytest.mark.parametrize(
    "line",
    [
        "New-NetFirewallRule -DisplayName x -LocalPort 5986 -RemoteAddress 203.0.113.9 -Action Block",
        "netsh advfirewall firewall add rule name=x dir=in action=block localport=5986 remoteip=203.0.113.9",
    ],
)
def test_windows_rules_for_some_sources_only(line: str) -> None:
    assert lint(template(powershell(line)), "AIB510") == []


def test_a_preference_from_a_variable_is_not_judged() -> None:
    assert lint(template(powershell("$ErrorActionPreference = $mode", "Copy-Item a b")), "AIB508") == []
    text = template(powershell("$ErrorActionPreference = 'Continue'", "Copy-Item a b"))
    assert places(text, "AIB508") == [(5, column_of(text, 5, "Copy-Item"))]


def test_a_pipeline_is_shown_whole() -> None:
    text = template(powershell("Get-Service -Name WinRM | Stop-Service -Force"))
    assert [message.split(" stops ")[0] for _, _, message in lint(text, "AIB510")] == ["`Get-Service -Name WinRM | Stop-Service -Force`"]


@pytest.mark.parametrize("line", ["Set-Service WinRM -StartupType Disabled", "sc.exe config winrm start= disabled"])
def test_winrm_disabled_before_a_restart(line: str) -> None:
    text = template(powershell(line), {"type": "WindowsUpdate"})
    assert lint(text, "AIB510") == [
        (5, column_of(text, 5, line.split(" ")[0]),
         f"`{line}` disables the WinRM service, so it does not start after a restart: the WindowsUpdate customizer after "
         "it restarts the VM, WinRM (port 5986) does not come back and the build fails; leave WinRM enabled during the "
         "build and harden the image at first boot instead"),
    ]


@pytest.mark.parametrize(
    "later",
    [
        (),  # nothing restarts the VM: the running service serves the rest of the build
        ({"type": "WindowsRestart"},),  # a restart, but the script enables WinRM again
    ],
)
def test_winrm_disabled_without_a_restart(later: tuple[dict[str, object], ...]) -> None:
    lines = ["Set-Service WinRM -StartupType Disabled"] + (["Set-Service -Name WinRM -StartupType Automatic"] if later else [])
    assert lint(template(powershell(*lines), *later), "AIB510") == []


def test_a_path_is_split_once_per_path_and_flavour() -> None:
    # The split paths are kept (lru_cache) by the path and the flavour: the same text
    # read as a Windows path and as a POSIX path must keep its two answers.
    from aiblint_rules.deprovisioning_events import same_path

    for _ in range(2):
        assert same_path("/Tmp/A.sh", "/tmp/a.sh", windows=True) is False  # not a Windows path
        assert same_path("/Tmp/A.sh", "/Tmp/A.sh", windows=False) is True
        assert same_path("C:\\X.ps1", "c:/x.PS1", windows=True) is True
        assert same_path("C:\\X.ps1", "C:\\X.ps1", windows=False) is False  # not an absolute POSIX path
        assert same_path("/tmp/A.sh", "/tmp/a.sh", windows=False) is False  # POSIX paths keep their case


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["lang", "LANG", "uage", "Install-", "lpk", "LP\u212a", "\u017fetup", "setup", "pack", "s", " ",
                                 "-", "_", "Experience", "\u0130", "\u00df", "x"]), max_size=12).map("".join))
def test_the_language_pack_prefilter_never_hides_a_match(text: str) -> None:
    # The substring test on the fold must pass every text the case-blind pattern matches.
    from aiblint_rules.restarts import _LANGUAGE_PACK, _names_language_pack

    assert _names_language_pack(text) is (_LANGUAGE_PACK.search(text) is not None)


@pytest.mark.parametrize("text", ["lpksetup /i *", "LP\u212aSETUP", "lpk\u017fetup", "Install-Language ja-JP", "LanguageExperiencePack", "language packs", "echo hi"])
def test_the_language_pack_prefilter_on_odd_spellings(text: str) -> None:
    from aiblint_rules.restarts import _LANGUAGE_PACK, _names_language_pack

    assert _names_language_pack(text) is (_LANGUAGE_PACK.search(text) is not None)
