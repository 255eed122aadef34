"""AIB500-AIB506 through the CLI on templates and referenced scripts written here:
exact rule ids, places and messages; comments, strings and here-documents never count."""

from __future__ import annotations

import json

import pytest

from tests.conftest import json_findings, need_shared


def _step(kind: str, lines: list[str], name: str) -> dict[str, object]:
    return {"type": kind, "name": name, "inline": lines}


def _template(*steps: dict[str, object], source: dict[str, object] | None = None) -> str:
    properties: dict[str, object] = {"customize": list(steps)}
    if source is not None:
        properties["source"] = source
    return json.dumps({"type": "Microsoft.VirtualMachineImages/imageTemplates", "properties": properties}, indent=2)


def shell(*lines: str, name: str = "s") -> dict[str, object]:
    return _step("Shell", list(lines), name)


def powershell(*lines: str, name: str = "p") -> dict[str, object]:
    return _step("PowerShell", list(lines), name)


def lint(write, rule: str, *steps: dict[str, object], source: dict[str, object] | None = None) -> list[tuple[str, int, int, str]]:  # type: ignore[no-untyped-def]
    write("t.json", _template(*steps, source=source))
    return [(f["rule"], f["line"], f["column"], f["message"]) for f in json_findings("--select", rule, "t.json")]


def places(write, rule: str, *steps: dict[str, object], source: dict[str, object] | None = None) -> list[tuple[str, int, int]]:  # type: ignore[no-untyped-def]
    return [finding[:3] for finding in lint(write, rule, *steps, source=source)]


UBUNTU = {"type": "PlatformImage", "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts", "version": "latest"}
WINDOWS = {"type": "PlatformImage", "publisher": "MicrosoftWindowsServer", "offer": "WindowsServer", "sku": "2022-datacenter", "version": "latest"}


# -- AIB500 -------------------------------------------------------------------------------------


REGISTER = 'sudo subscription-manager register --username builder --password "$RH_PASSWORD" --auto-attach'


def test_rhel_registered_and_never_unregistered(write) -> None:  # type: ignore[no-untyped-def]
    findings = lint(write, "AIB500", shell(REGISTER, "sudo dnf -y install nginx", name="a"), shell("sudo dnf -y update", name="b"))
    assert [(rule, line, column) for rule, line, column, _ in findings] == [("AIB500", 9, 17)]
    assert findings[0][3].startswith("RHEL is registered with Red Hat here (`subscription-manager register`) and no later step")
    assert "`sudo subscription-manager unregister`" in findings[0][3]


@pytest.mark.parametrize(
    "steps",
    [
        [shell(REGISTER, "sudo dnf -y install nginx", "sudo subscription-manager unregister", name="a")],
        [shell(REGISTER, name="a"), shell("sudo dnf -y install nginx", name="b"), shell("sudo subscription-manager unregister", name="c")],
        [shell("sudo rhc connect -o 1234567 -a \"$KEY\"", name="a"), shell("sudo rhc disconnect", name="b")],
        [shell(REGISTER, "echo 'subscription-manager unregister' | sudo tee -a /tmp/DeprovisioningScript.sh", name="a")],
        [shell(REGISTER, name="a"), {"type": "Shell", "name": "b", "scriptUri": "https://raw.githubusercontent.com/contoso/x/main/end.sh"}],
        [shell(REGISTER, name="a"), shell("[parameters('finish')]", name="b")],
        [shell(REGISTER, name="a"), {"type": "File", "name": "d", "sourceUri": "https://contoso.com/d.sh", "destination": "/tmp/DeprovisioningScript.sh"}],
        [shell("# sudo subscription-manager register", "echo 'subscription-manager register is done by cloud-init'", name="a")],
        [shell("subscription-manager register --help", name="a")],
    ],
    ids=["same-script", "later-customizer", "rhc", "deprovisioning-override", "unreadable-later-script",
         "expression-later", "file-override", "comment-and-string", "help"],
)
def test_rhel_unregistered_or_unknown(write, steps: list[dict[str, object]]) -> None:  # type: ignore[no-untyped-def]
    assert places(write, "AIB500", *steps) == []


@pytest.mark.parametrize(
    ("command", "tool"),
    [
        ("sudo rhc connect --organization 1234567 --activation-key \"$KEY\"", "rhc connect"),
        ("sudo subscription-manager register --org=1234567 --activationkey=\"$KEY\"", "subscription-manager register"),
        ("subscription-manager register --username \"$U\" --password \"$P\" && subscription-manager attach --auto", "subscription-manager register"),
    ],
)
def test_rhel_registration_forms(write, command: str, tool: str) -> None:  # type: ignore[no-untyped-def]
    steps = [shell("sudo subscription-manager unregister", name="z"), shell(command, "sudo dnf -y update", name="a")]
    (finding,) = lint(write, "AIB500", *steps)
    assert finding[0] == "AIB500" and f"(`{tool}`)" in finding[3]
    undo = "sudo rhc disconnect" if tool == "rhc connect" else "sudo subscription-manager unregister"
    assert f"end the last customizer with `{undo}`" in finding[3]


def test_rhel_unregistered_before_registering_again(write) -> None:  # type: ignore[no-untyped-def]
    steps = [shell(REGISTER, "sudo subscription-manager unregister", REGISTER, name="a")]
    assert places(write, "AIB500", *steps) == [("AIB500", 11, 17)]


def test_rhel_unregister_in_a_validator_does_not_count(write) -> None:  # type: ignore[no-untyped-def]
    template = json.loads(_template(shell(REGISTER, name="a")))
    template["properties"]["validate"] = {"inVMValidations": [shell("sudo subscription-manager unregister", name="v")]}
    write("t.json", json.dumps(template, indent=2))
    assert [f["rule"] for f in json_findings("--select", "AIB500", "t.json")] == ["AIB500"]


def test_rhel_registration_in_a_referenced_script(write) -> None:  # type: ignore[no-untyped-def]
    write("register.sh", "#!/bin/bash\nset -e\n# register first\nsudo subscription-manager register --org 1 --activationkey \"$KEY\"\n")
    write("t.json", _template({"type": "Shell", "name": "a", "scriptUri": "register.sh"}, shell("sudo dnf -y update", name="b")))
    found = json_findings("--select", "AIB500", "t.json")
    assert [(f["path"], f["line"], f["column"]) for f in found] == [("register.sh", 4, 6)]


# -- AIB501 -------------------------------------------------------------------------------------


def test_reboots(write) -> None:  # type: ignore[no-untyped-def]
    found = places(
        write, "AIB501",
        shell("sudo apt-get -y upgrade", "sudo shutdown -r now", "sudo systemctl reboot", "(sleep 5; reboot) &", name="a"),
        powershell("Restart-Computer -Force", "shutdown.exe /r /t 0", name="b"),
    )
    assert found == [("AIB501", 10, 17), ("AIB501", 11, 17), ("AIB501", 12, 22), ("AIB501", 19, 12), ("AIB501", 20, 12)]


def test_reboot_messages_name_the_fix_per_os(write) -> None:  # type: ignore[no-untyped-def]
    messages = [m for *_, m in lint(write, "AIB501", shell("sudo reboot", name="a"), powershell("Restart-Computer", name="b"))]
    assert "no Linux restart step" in messages[0] and "(`reboot`)" in messages[0]
    assert "add a WindowsRestart customizer after this step" in messages[1]


def test_not_reboots(write) -> None:  # type: ignore[no-untyped-def]
    assert places(
        write, "AIB501",
        shell("# reboot", "echo 'reboot required'", "sudo shutdown -c", "cat > /tmp/x <<EOF", "reboot", "EOF", "needs-restarting -r", name="a"),
        powershell("# Restart-Computer", "Write-Host 'Restart-Computer later'", "shutdown /a", "Restart-Computer -WhatIf", name="b"),
    ) == []


# -- AIB502 -------------------------------------------------------------------------------------


def test_generalizing_in_customizers(write) -> None:  # type: ignore[no-untyped-def]
    found = places(
        write, "AIB502",
        shell("sudo /usr/sbin/waagent -force -deprovision+user", name="a"),
        powershell("C:\\Windows\\System32\\Sysprep\\sysprep.exe /generalize /oobe /quit",
                   "Start-Process -FilePath \"$env:windir\\system32\\sysprep\\sysprep.exe\" -ArgumentList '/generalize' -Wait", name="b"),
    )
    assert found == [("AIB502", 9, 17), ("AIB502", 16, 12), ("AIB502", 17, 12)]


def test_generalizing_override_and_validators_are_fine(write) -> None:  # type: ignore[no-untyped-def]
    template = json.loads(_template(
        shell("cat <<'EOF' | sudo tee /tmp/DeprovisioningScript.sh", "sudo waagent -force -deprovision+user", "EOF", name="a"),
        powershell("Set-Content -Path c:\\DeprovisioningScript.ps1 -Value 'Sysprep.exe /oobe /generalize /quiet /quit'", name="b"),
    ))
    template["properties"]["validate"] = {"inVMValidations": [powershell("& C:\\Windows\\System32\\Sysprep\\Sysprep.exe /generalize", name="v")]}
    write("t.json", json.dumps(template, indent=2))
    assert json_findings("--select", "AIB502", "t.json") == []


# -- AIB503 -------------------------------------------------------------------------------------


def test_root_needed(write) -> None:  # type: ignore[no-untyped-def]
    found = lint(
        write, "AIB503",
        shell("apt-get install -y nginx", "systemctl enable nginx", "echo x > /etc/motd", "mkdir /buildArtifacts",
              "sudo echo 1 >> /etc/sysctl.conf", "cp app.conf /etc/nginx/conf.d/", "tar -xzf a.tgz -C /opt",
              "service nginx restart", "useradd builder2", name="a"),
        source=UBUNTU,
    )
    assert [(line, column) for _, line, column, _ in found] == [
        (9, 12), (10, 12), (11, 21), (12, 12), (13, 27), (14, 12), (15, 12), (16, 12), (17, 12),
    ]
    messages = [message for *_, message in found]
    assert messages[0].startswith("`apt-get install` needs root")
    assert "the redirection runs in the build user's shell, not under sudo" in messages[4]
    assert messages[5].startswith("`cp` writes to /etc/nginx/conf.d/, which needs root")
    assert messages[7].startswith("`service nginx restart` needs root")


def test_root_not_needed(write) -> None:  # type: ignore[no-untyped-def]
    assert places(
        write, "AIB503",
        shell("sudo apt-get install -y nginx", "echo x | sudo tee /etc/motd", "mkdir -p /tmp/build", "apt-cache policy nginx",
              "systemctl status nginx", "systemctl --user enable x", "echo x > /dev/null 2>&1", "mount", "# apt-get install x",
              "sudo bash -c 'echo 1 > /proc/sys/vm/swappiness'", "DEBIAN_FRONTEND=noninteractive sudo -E apt-get -y upgrade",
              name="a"),
    ) == []


def test_root_checks_and_windows_sources_are_left_alone(write) -> None:  # type: ignore[no-untyped-def]
    assert places(write, "AIB503", shell('if [ "$(id -u)" -ne 0 ]; then exec sudo "$0" "$@"; fi', "apt-get -y update", name="a")) == []
    assert places(write, "AIB503", shell("apt-get -y update", name="a"), source=WINDOWS) == []


def test_root_needed_in_a_referenced_script(write) -> None:  # type: ignore[no-untyped-def]
    write("setup.sh", "#!/bin/sh\nset -e\nyum -y install httpd\n")
    write("t.json", _template({"type": "Shell", "name": "a", "scriptUri": "setup.sh"}))
    found = json_findings("--select", "AIB503", "t.json")
    assert [(f["path"], f["line"], f["column"], f["end_column"]) for f in found] == [("setup.sh", 3, 1, 21)]


# -- AIB504 -------------------------------------------------------------------------------------


def test_home_installs(write) -> None:  # type: ignore[no-untyped-def]
    found = places(
        write, "AIB504",
        shell("git clone https://github.com/contoso/tools ~/tools", "echo 'export PATH=$PATH:/opt/x' >> ~/.bashrc",
              'curl -fsSLo "$HOME/bin/tool" https://contoso.com/tool', "pip3 install --user ansible", "mkdir -p ${HOME}/x", name="a"),
        source=UBUNTU,
    )
    assert found == [("AIB504", 9, 55), ("AIB504", 10, 47), ("AIB504", 11, 24), ("AIB504", 12, 12), ("AIB504", 13, 21)]


def test_home_reads_and_system_paths_are_fine(write) -> None:  # type: ignore[no-untyped-def]
    assert places(
        write, "AIB504",
        shell("cat ~/.ssh/known_hosts", "cp ~/x.conf /etc/x.conf", "sudo git clone https://github.com/contoso/tools /opt/tools",
              "sudo pip3 install ansible", "echo '~/x' > /tmp/note", name="a"),
    ) == []


# -- AIB505 -------------------------------------------------------------------------------------


def test_plain_http(write) -> None:  # type: ignore[no-untyped-def]
    found = lint(
        write, "AIB505",
        shell("wget -q http://downloads.contoso.com/a.tgz -O /tmp/a.tgz", 'curl -fsSL "http://$MIRROR/b.tgz" -o /tmp/b.tgz',
              "sudo rpm --import http://packages.contoso.com/key.asc", "git clone http://git.contoso.com/x.git /tmp/x", name="a"),
        powershell("(New-Object Net.WebClient).DownloadFile('http://downloads.contoso.com/c.msi', 'C:\\c.msi')", name="b"),
    )
    assert [(line, column) for _, line, column, _ in found] == [(9, 20), (10, 23), (11, 30), (12, 22), (19, 52)]
    assert "(http://downloads.contoso.com/…)" in found[0][3]
    assert "(http://…)" in found[1][3]


def test_plain_http_not_reported(write) -> None:  # type: ignore[no-untyped-def]
    assert places(
        write, "AIB505",
        shell("curl -fsSLo /tmp/a https://downloads.contoso.com/a", "curl -s -H Metadata:true http://169.254.169.254/metadata/instance",
              "curl http://168.63.129.16/?comp=versions", "curl http://localhost:8080/health", "echo http://contoso.com",
              "curl -x http://proxy:3128 https://contoso.com/a -o /tmp/a", "# wget http://contoso.com/x", name="a"),
    ) == []


def test_plain_http_message_never_shows_a_path_or_query(write) -> None:  # type: ignore[no-untyped-def]
    (finding,) = lint(write, "AIB505", shell("curl -o /tmp/a 'http://user:pw@contoso.com/a?token=abc123'", name="a"))
    assert "pw" not in finding[3] and "abc123" not in finding[3] and "(http://contoso.com/…)" in finding[3]


# -- AIB506 -------------------------------------------------------------------------------------


def test_download_and_execute(write) -> None:  # type: ignore[no-untyped-def]
    found = places(
        write, "AIB506",
        shell("curl -fsSL https://get.docker.com | sudo sh", 'sudo bash -c "$(curl -fsSL https://x.contoso.com/i.sh)"',
              "bash <(wget -qO- https://x.contoso.com/i.sh)", "wget -O - https://x.contoso.com/i.sh | bash -s -- --yes",
              'eval "$(curl -s https://x.contoso.com/env)"', name="a"),
        powershell("iex ((New-Object System.Net.WebClient).DownloadString('https://community.chocolatey.org/install.ps1'))",
                   "iwr https://x.contoso.com/i.ps1 -UseBasicParsing | iex", "& ([scriptblock]::Create((irm https://x.contoso.com/i.ps1)))",
                   name="b"),
    )
    assert found == [
        ("AIB506", 9, 12), ("AIB506", 10, 17), ("AIB506", 11, 12), ("AIB506", 12, 12), ("AIB506", 13, 12),
        ("AIB506", 20, 12), ("AIB506", 21, 12), ("AIB506", 22, 15),
    ]


def test_downloads_that_are_not_executed(write) -> None:  # type: ignore[no-untyped-def]
    assert places(
        write, "AIB506",
        shell("curl -fsSLo /tmp/i.sh https://get.docker.com", "curl -fsSL https://x.contoso.com/key.gpg | sudo gpg --dearmor -o /k.gpg",
              "curl -s https://api.github.com/repos/o/r/releases/latest | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"tag_name\"])'",
              "VERSION=$(curl -s https://x.contoso.com/version)", "wget https://x.contoso.com/i.sh && sh i.sh",
              "# curl https://x | sh", "echo 'curl https://x | sh'", name="a"),
        powershell("Invoke-WebRequest https://x.contoso.com/i.ps1 -OutFile C:\\i.ps1", "$v = irm https://x.contoso.com/version",
                   name="b"),
    ) == []


# -- the corpus -----------------------------------------------------------------------------------


def test_no_script_behaviour_findings_on_the_corpus() -> None:
    """Reviewed by hand: the corpus inline scripts use sudo, download nothing
    over http and do not reboot; its scriptUri scripts are not in it."""
    shared = need_shared()
    for folder in (shared / "corpus", shared / "reference" / "wild-examples"):
        assert json_findings("--select", "AIB500,AIB501,AIB502,AIB503,AIB504,AIB505,AIB506", str(folder)) == []


def test_heredoc_after_a_redirection_is_not_a_placeholder(write) -> None:  # type: ignore[no-untyped-def]
    """``cat <<EOF > /tmp/x`` holds ``<EOF >``, which once read as a <placeholder>:
    the masked line broke the here-document and its body became commands."""
    steps = [shell("cat <<EOF > /tmp/DeprovisioningScript.sh", "sudo waagent -force -deprovision+user && sync", "EOF", "reboot", name="a")]
    assert places(write, "AIB502,AIB501", *steps) == [("AIB501", 12, 12)]
