"""AIB512 through the CLI: commands that wait for input, at their exact place;
yes options, settings written earlier and standard input answer them."""

from __future__ import annotations

import pytest

from tests.conftest import json_findings, need_shared
from tests.test_script_behaviour import lint, places, powershell, shell


def test_questions_reported_at_the_command(write) -> None:  # type: ignore[no-untyped-def]
    findings = lint(
        write, "AIB512",
        shell("sudo DEBIAN_FRONTEND=noninteractive apt-get install nginx", "sudo add-apt-repository ppa:deadsnakes/ppa",
              "sudo yum install httpd", "zypper in git", name="linux"),
        powershell("choco install git", "Install-Module -Name Az", "msiexec /i C:\\agent.msi", "$name = Read-Host 'name'",
                   "winget install --id Git.Git --accept-source-agreements", name="windows"),
    )
    # "inline" lines of the Shell step are lines 9-12, of the PowerShell step 19-23; column 12 is after the quote.
    assert [finding[:3] for finding in findings] == [
        ("AIB512", 9, 48), ("AIB512", 10, 17), ("AIB512", 11, 17), ("AIB512", 12, 12),
        ("AIB512", 19, 12), ("AIB512", 20, 12), ("AIB512", 21, 12), ("AIB512", 22, 20), ("AIB512", 23, 12),
    ]
    messages = [finding[3] for finding in findings]
    assert messages[0].startswith("`apt-get install` without `-y` asks \"Do you want to continue? [Y/n]\"")
    assert messages[0].endswith("nothing answers in an unattended build, so the step fails or waits until the build times out")
    assert messages[4].startswith("`choco install` without `-y`")
    assert messages[5].startswith("`Install-Module` without `-Force`")
    assert messages[8].startswith("`winget install` without `--accept-package-agreements` asks")


@pytest.mark.parametrize(
    "steps",
    [
        [shell("sudo apt-get -y install nginx", "sudo apt-get install --yes git", "sudo apt-get -qq install curl",
               "apt-get -yq upgrade", "sudo apt-get -q -q dist-upgrade", "sudo apt-get update", "apt-get install --help")],
        [shell("sudo apt-get -o APT::Get::Assume-Yes=true install nginx", "sudo apt-get $APT_OPTS install nginx")],
        [shell("echo 'APT::Get::Assume-Yes \"true\";' | sudo tee /etc/apt/apt.conf.d/90yes"), shell("sudo apt install nginx")],
        [shell("yes | sudo apt-get install nginx", "sudo apt-get install nginx < /dev/null", "sudo add-apt-repository -y ppa:x/y")],
        [shell("sudo dnf -y install git", "sudo yum --assumeyes update", "sudo zypper --non-interactive install git",
               "sudo zypper in -y git", "echo 'sudo yum install httpd' # sudo yum install httpd")],
        [powershell("choco feature enable -n allowGlobalConfirmation", "choco install git", "choco upgrade all")],
        [powershell("choco install git -y", "choco install 7zip --confirm", "Install-Module -Name Az -Force -AllowClobber",
                    "Install-PackageProvider -Name NuGet -Force", "msiexec /i C:\\agent.msi /qn", "msiexec.exe /i a.msi /quiet /norestart",
                    "Start-Process msiexec.exe -ArgumentList '/i a.msi' -Wait", "Install-Module @params",
                    "winget install Git.Git --accept-package-agreements --accept-source-agreements")],
        [powershell("Set-PSRepository -Name PSGallery -InstallationPolicy Trusted", "Install-Module -Name Az")],
    ],
    ids=["apt-yes", "apt-option-and-unknown", "apt-conf-earlier-step", "stdin", "yum-dnf-zypper", "choco-global",
         "windows-yes", "trusted-gallery"],
)
def test_answered_commands_not_reported(write, steps: list[dict[str, object]]) -> None:  # type: ignore[no-untyped-def]
    assert places(write, "AIB512", *steps) == []


def test_setting_after_the_command_does_not_answer_it(write) -> None:  # type: ignore[no-untyped-def]
    found = places(write, "AIB512", powershell("choco install git", "choco feature enable -n allowGlobalConfirmation"))
    assert found == [("AIB512", 9, 12)]


def test_corpus_findings_are_the_quickstarts_apt_install() -> None:
    corpus = need_shared() / "corpus"
    findings = json_findings("--select", "AIB512", "--no-cache", str(corpus))
    assert len(findings) == 9
    assert {str(f["message"]).split(" without ")[0] for f in findings} == {"`apt install`"}


def test_read_and_pause_reported_where_input_is_the_builds(write) -> None:  # type: ignore[no-untyped-def]
    findings = lint(
        write, "AIB512",
        shell("read answer", "read -r -p 'Continue? ' yn", "if read -p \"Install $name? \" ok; then :; fi", "( read w )",
              "echo $(read line)", name="linux"),
        powershell("pause", "$name = Read-Host -Prompt 'name'", name="windows"),
    )
    # Shell lines 9-13, PowerShell lines 20-21; each finding starts at `read`/`pause`/`Read-Host`.
    assert [finding[:3] for finding in findings] == [
        ("AIB512", 9, 12), ("AIB512", 10, 12), ("AIB512", 11, 15), ("AIB512", 12, 14), ("AIB512", 13, 19),
        ("AIB512", 20, 12), ("AIB512", 21, 20),
    ]
    assert findings[0][3] == (
        "`read` expects an answer on standard input: an unattended build gives it none, so it gets an empty answer at "
        "once, and where its status is not tested it fails a script run with `-e` (inline Shell commands are)")
    assert findings[5][3].startswith("`pause` waits for Enter to be pressed at the console: nothing answers")


@pytest.mark.parametrize(
    "line",
    [
        "read -r x <<< \"$line\"", "read -r x < /tmp/answer", "echo yes | read x", "printf 'a\\n' | { read -r x; echo $x; }",
        "while read -r pkg; do sudo apt-get install -y $pkg; done < /tmp/list",
        "cat /tmp/list | while read -r pkg; do read -r more; done", "{ read -r a; read -r b; } < /tmp/pair",
        "ask() { read -r reply; }", "read -t 10 x", "read -u 3 x", "read -rt5 x", "read $READ_OPTS x",
        "# read answer", "echo 'read answer'",
    ],
    ids=["herestring", "file", "pipe", "pipe-into-block", "while-redirected", "while-piped", "block-redirected",
         "function", "timeout", "other-fd", "timeout-cluster", "unknown-options", "comment", "string"],
)
def test_read_with_input_given_not_reported(write, line: str) -> None:  # type: ignore[no-untyped-def]
    assert places(write, "AIB512", shell(line)) == []


def test_exec_redirect_feeds_the_rest_of_the_script(write) -> None:  # type: ignore[no-untyped-def]
    found = places(write, "AIB512", shell("read first", "exec < /tmp/answers", "read second", "sudo apt-get install nginx"))
    assert found == [("AIB512", 9, 12)]


def test_apt_in_a_loop_fed_by_a_file_not_reported(write) -> None:  # type: ignore[no-untyped-def]
    """The loop's input reaches every command in it (the new outer_input of the syntax reader)."""
    found = places(write, "AIB512", shell("while read -r p; do sudo apt-get install $p; done < /tmp/list",
                                          "for p in a b; do sudo apt-get install $p; done"))
    assert found == [("AIB512", 10, 34)]
