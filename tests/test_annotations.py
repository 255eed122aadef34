"""``--format github`` and ``--format azure-devops``: one CI annotation per finding,
escaped so that the runner reads back exactly the path and message we meant."""

from __future__ import annotations

import re

import pytest

from tests.conftest import main_in_process

NAME = "50%,a:b\\r\\n]x;y"  # as written in JSON: a percent, comma, colon, CR LF, bracket, semicolon
TEMPLATE = """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "location": "<region>",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "NAME", "inline": ["true"]},
      {"type": "Shell", "name": "NAME", "inline": ["true"]}
    ]
  }
}
""".replace("NAME", NAME)
FILE = "we,ird:100%.json"
DECODED_NAME = "50%,a:b\r\n]x;y"
DUPLICATE = f'customizer name "{DECODED_NAME}" is already used by properties.customize[0] (line 6); each customizer needs its own name'
PLACEHOLDER = "unreplaced placeholder <region>: replace it with a real value before deploying"
SELECT = ("--select", "AIB003,AIB004,AIB201")


def _github_read(line: str) -> tuple[str, dict[str, str], str]:
    """What the GitHub runner reads from a workflow command."""
    match = re.fullmatch(r"::(\w+)(?: (.*?))?::(.*)", line)
    assert match, line
    level, fields, data = match.groups()

    def unescape(text: str, is_property: bool) -> str:
        pairs = [("%0D", "\r"), ("%0A", "\n")] + ([("%3A", ":"), ("%2C", ",")] if is_property else [])
        for code, char in [*pairs, ("%25", "%")]:
            text = text.replace(code, char)
        return text

    properties = dict(field.split("=", 1) for field in fields.split(",")) if fields else {}
    return level, {key: unescape(value, True) for key, value in properties.items()}, unescape(data, False)


def _azure_read(line: str) -> tuple[dict[str, str], str]:
    """What the Azure Pipelines agent reads from a logging command (percent decoding on, its default)."""
    match = re.fullmatch(r"##vso\[task\.logissue (.*?)\](.*)", line)
    assert match, line
    fields, data = match.groups()

    def unescape(text: str) -> str:
        for code, char in (("%3B", ";"), ("%0D", "\r"), ("%0A", "\n"), ("%5D", "]"), ("%AZP25", "%")):
            text = text.replace(code, char)
        return text

    properties = dict(field.split("=", 1) for field in fields.split(";") if field)
    return {key: unescape(value) for key, value in properties.items()}, unescape(data)


def test_github_annotations(write) -> None:  # type: ignore[no-untyped-def]
    write(FILE, TEMPLATE)
    code, out = main_in_process("--format", "github", *SELECT, ".")
    assert code == 1
    assert out.splitlines() == [
        "::warning file=we%2Cird%3A100%25.json,line=3,col=16,endLine=3,endColumn=24,"
        "title=AIB003 unreplaced-placeholder::" + PLACEHOLDER,
        "::error file=we%2Cird%3A100%25.json,line=7,col=33,endLine=7,endColumn=50,"
        'title=AIB201 duplicate-customizer-name::customizer name "50%25,a:b%0D%0A]x;y" is already used by '
        "properties.customize[0] (line 6); each customizer needs its own name",
    ]
    level, properties, message = _github_read(out.splitlines()[1])
    assert (level, properties["file"], message) == ("error", FILE, DUPLICATE)


def test_github_notes_are_notices_and_errors_are_annotated(write) -> None:  # type: ignore[no-untyped-def]
    write("other.json", '{"name": "not a template"}\n')
    code, out = main_in_process("--format", "github", *SELECT, "other.json", "missing.json")
    assert code == 2
    assert out.splitlines() == [
        "::notice file=other.json,line=1,col=1,endLine=1,endColumn=1,title=AIB004 no-image-template::"
        "no image template found in this file: nothing was checked",
        "::error file=missing.json,title=aiblint::cannot read: No such file or directory",
    ]


def test_azure_devops_issues(write) -> None:  # type: ignore[no-untyped-def]
    write(FILE, TEMPLATE)
    code, out = main_in_process("--format", "azure-devops", *SELECT, ".")
    assert code == 1
    assert out.splitlines() == [
        "##vso[task.logissue type=warning;sourcepath=we,ird:100%AZP25.json;linenumber=3;columnnumber=16;code=AIB003]"
        + PLACEHOLDER,
        "##vso[task.logissue type=error;sourcepath=we,ird:100%AZP25.json;linenumber=7;columnnumber=33;code=AIB201]"
        'customizer name "50%AZP25,a:b%0D%0A]x;y" is already used by properties.customize[0] (line 6); '
        "each customizer needs its own name",
    ]
    properties, message = _azure_read(out.splitlines()[1])
    assert properties == {"type": "error", "sourcepath": FILE, "linenumber": "7", "columnnumber": "33", "code": "AIB201"}
    assert message == DUPLICATE


def test_azure_devops_property_values_cannot_end_early(write) -> None:  # type: ignore[no-untyped-def]
    write("a;b]c.json", TEMPLATE)
    _, out = main_in_process("--format", "azure-devops", "--select", "AIB003", "a;b]c.json")
    assert out.splitlines() == [
        "##vso[task.logissue type=warning;sourcepath=a%3Bb%5Dc.json;linenumber=3;columnnumber=16;code=AIB003]" + PLACEHOLDER,
    ]
    assert _azure_read(out.splitlines()[0])[0]["sourcepath"] == "a;b]c.json"


def test_azure_devops_a_failing_run_counts_notes_and_claims_no_success(write, capsys) -> None:  # type: ignore[no-untyped-def]
    write("other.json", '{"name": "not a template"}\n')
    write("t.json", TEMPLATE)
    code, out = main_in_process("--format", "azure-devops", *SELECT, "--fail-on", "error", "other.json", "t.json")
    assert code == 1  # AIB201 is an error: the step fails, no task.complete
    assert out.splitlines() == [
        "##vso[task.logissue type=warning;sourcepath=t.json;linenumber=3;columnnumber=16;code=AIB003]" + PLACEHOLDER,
        "##vso[task.logissue type=error;sourcepath=t.json;linenumber=7;columnnumber=33;code=AIB201]"
        + DUPLICATE.replace("%", "%AZP25").replace("\r", "%0D").replace("\n", "%0A"),
        "aiblint: 1 note (advice, not raised as issues): AIB004",
    ]
    assert capsys.readouterr().err == ""


def test_azure_devops_succeeded_with_issues_and_no_stderr(write, capsys) -> None:  # type: ignore[no-untyped-def]
    write("other.json", '{"name": "not a template"}\n')
    write("t.json", TEMPLATE.replace(NAME, "first", 1))
    write("scripts/unused.sh", "#!/bin/sh\necho hi\n")
    code, out = main_in_process("--format", "azure-devops", *SELECT, "--fail-on", "error", "other.json", "t.json", "scripts/unused.sh")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "##vso[task.logissue type=warning;sourcepath=t.json;linenumber=3;columnnumber=16;code=AIB003]" + PLACEHOLDER
    assert lines[1] == "aiblint: 1 note (advice, not raised as issues): AIB004"
    assert lines[2].startswith("aiblint: note: 1 script named (scripts/unused.sh) but run by no template")
    assert lines[3:] == ["##vso[task.complete result=SucceededWithIssues;]"]
    assert capsys.readouterr().err == ""  # pipelines that set failOnStderr still pass


@pytest.mark.parametrize("git", [True, False])
def test_ci_paths_are_relative_to_the_repository_root(write, tmp_path, monkeypatch, git: bool) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    write("infra/t.json", TEMPLATE)
    if git:
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, capture_output=True, timeout=60)
    monkeypatch.chdir(tmp_path / "infra")
    monkeypatch.delenv("BUILD_SOURCESDIRECTORY", raising=False)
    expected = "infra/t.json" if git else "t.json"
    _, out = main_in_process("--format", "github", "--select", "AIB003", "t.json")
    assert _github_read(out.splitlines()[0])[1]["file"] == expected
    _, out = main_in_process("--format", "azure-devops", "--select", "AIB003", "t.json")
    assert _azure_read(out.splitlines()[0])[0]["sourcepath"] == expected
    monkeypatch.setenv("BUILD_SOURCESDIRECTORY", str(tmp_path))
    _, out = main_in_process("--format", "azure-devops", "--select", "AIB003", "t.json")
    assert _azure_read(out.splitlines()[0])[0]["sourcepath"] == str((tmp_path / "infra" / "t.json").resolve())


@pytest.mark.parametrize("fmt", ["github", "azure-devops"])
def test_a_clean_run_prints_nothing(write, fmt: str) -> None:  # type: ignore[no-untyped-def]
    write("t.json", TEMPLATE.replace("<region>", "westus2").replace(NAME, "first", 1))
    assert main_in_process("--format", fmt, *SELECT, "t.json") == (0, "")
