"""The result cache: an unchanged file gives exactly what linting it gives,
and any change to what its result depended on is seen."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from aiblint.cache import code_fingerprint
from aiblint.config import Config
from aiblint.findings import Edit, Finding, Fix, RelatedLocation, Report, Severity
from aiblint.outcome import findings_from_json, findings_to_json
from aiblint.registry import RuleSet
from aiblint.rule import Problem, Rule, RunNote
from aiblint.run import lint_paths
from aiblint.scripts.units import ScriptUnit
from aiblint.selection import Selection

SHELL_TEMPLATE = {
    "type": "Microsoft.VirtualMachineImages/imageTemplates",
    "apiVersion": "2022-07-01",
    "location": "westus2",
    "properties": {
        "customize": [
            {"type": "Shell", "name": "inline", "inline": ["cp $1 /opt/app"]},
            {"type": "Shell", "name": "file", "scriptUri": "scripts/setup.sh"},
        ],
    },
}


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("AIBLINT_CACHE_DIR", str(folder))
    return folder


def run(*paths: str, cache: bool = True, config: Config | None = None) -> Report:
    return lint_paths(list(paths), cache=cache, config=config or Config(), rules=RuleSet.load_all())


def summary(report: Report) -> tuple[object, ...]:
    return (report.findings, report.errors, report.notes, report.files_checked, report.templates_checked)


def rules_of(report: Report, path: str) -> list[str]:
    return sorted(finding.rule for finding in report.findings if finding.path == path)


def test_an_unchanged_run_is_read_from_the_cache_and_says_the_same(write, cache: Path, counted: list[str]) -> None:  # type: ignore[no-untyped-def]
    write("t.json", json.dumps(SHELL_TEMPLATE, indent=2))
    write("scripts/setup.sh", "#!/bin/bash\nrm -rf $DIR/\n")
    write("other.json", '{"type": "Microsoft.VirtualMachineImages/imageTemplates", "location": "<region>"}')
    cold = run("t.json", "other.json")
    assert counted == ["t.json", "other.json"]
    assert "SC2086" in rules_of(cold, "t.json") and "SC2115" in rules_of(cold, "scripts/setup.sh")
    warm = run("t.json", "other.json")
    assert counted == ["t.json", "other.json"]  # no rule ran again
    assert summary(warm) == summary(cold)
    assert [f.fingerprint for f in warm.findings] == [f.fingerprint for f in cold.findings]
    assert [f.message for f in warm.findings] == [f.message for f in cold.findings]
    assert len([path for path in (cache / "results").rglob("*") if path.is_file()]) == 2


def test_changing_a_referenced_script_lints_the_template_again(write, cache: Path, counted: list[str]) -> None:  # type: ignore[no-untyped-def]
    write("t.json", json.dumps(SHELL_TEMPLATE, indent=2))
    script = write("scripts/setup.sh", "#!/bin/bash\nrm -rf $DIR/\n")
    assert "SC2115" in rules_of(run("t.json"), "scripts/setup.sh")
    script.write_text("#!/bin/bash\nrm -rf \"${DIR:?}/\"\n")
    again = run("t.json")
    assert counted == ["t.json", "t.json"]
    assert rules_of(again, "scripts/setup.sh") == []
    script.unlink()
    gone = run("t.json")
    assert counted == ["t.json", "t.json", "t.json"]
    assert "AIB307" in rules_of(gone, "t.json")  # missing from the repository


def test_a_shellcheckrc_above_the_script_is_a_dependency(write, cache: Path, counted: list[str]) -> None:  # type: ignore[no-untyped-def]
    write("t.json", json.dumps(SHELL_TEMPLATE, indent=2))
    write("scripts/setup.sh", "#!/bin/bash\nrm -rf $DIR/\n")
    assert "SC2115" in rules_of(run("t.json"), "scripts/setup.sh")
    write(".shellcheckrc", "disable=SC2115\n")
    assert rules_of(run("t.json"), "scripts/setup.sh") == ["SC2086"]
    assert counted == ["t.json", "t.json"]


def test_the_paired_parameters_file_is_a_dependency(write, cache: Path, counted: list[str]) -> None:  # type: ignore[no-untyped-def]
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"where": {"type": "string"}},
        "resources": [
            {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "name": "x",
             "location": "[parameters('where')]", "properties": {}},
        ],
    }
    write("t.json", json.dumps(template, indent=2))
    assert rules_of(run("t.json"), "t.parameters.json") == []
    params = write("t.parameters.json", json.dumps({"parameters": {"where": {"value": "westus2"}}}))
    assert rules_of(run("t.json"), "t.parameters.json") == []
    params.write_text(json.dumps({"parameters": {"where": {"value": "marsnorth"}}}))
    assert rules_of(run("t.json"), "t.parameters.json") == ["AIB200"]
    assert run("t.json").findings == run("t.json", cache=False).findings
    assert counted == ["t.json"] * 3 + ["t.json"]  # created, changed; then a hit, then the uncached run


def test_explicit_parameters_files_and_the_configuration_are_in_the_key(write, cache: Path, counted: list[str]) -> None:  # type: ignore[no-untyped-def]
    write("t.json", json.dumps(SHELL_TEMPLATE, indent=2))
    write("scripts/setup.sh", "true\n")
    run("t.json")
    run("t.json", config=Config(ignore=["SC"]))
    run("t.json", config=Config(ignore=["SC"]))
    run("t.json", config=Config(severity={"SC2086": Severity.ERROR}))
    assert counted == ["t.json", "t.json", "t.json"]


def test_corrupt_entries_are_linted_again_and_rewritten(write, cache: Path, counted: list[str]) -> None:  # type: ignore[no-untyped-def]
    write("t.json", json.dumps(SHELL_TEMPLATE, indent=2))
    write("scripts/setup.sh", "#!/bin/bash\nrm -rf $DIR/\n")
    cold = run("t.json")
    (entry,) = (path for path in (cache / "results").rglob("*") if path.is_file())
    good = entry.read_bytes()
    broken = [b"", b"{", good[: len(good) // 2], b"[]", json.dumps({**json.loads(good), "findings": [[1, 2]]}).encode(),
              json.dumps({**json.loads(good), "format": 0}).encode()]
    for content in broken:
        entry.write_bytes(content)
        assert summary(run("t.json")) == summary(cold)
        assert entry.read_bytes() == good
    assert counted == ["t.json"] * (1 + len(broken))


def test_every_key_of_an_entry_is_checked_and_a_bad_one_is_a_miss(write, cache: Path, counted: list[str]) -> None:  # type: ignore[no-untyped-def]
    # A shared cache folder holds what other versions, crashes or other people wrote:
    # an entry without "tally" crashed every run until the cache was deleted.
    write("t.json", json.dumps(SHELL_TEMPLATE, indent=2))
    write("scripts/setup.sh", "#!/bin/bash\nrm -rf $DIR/\n")
    cold = run("t.json")
    (entry,) = (path for path in (cache / "results").rglob("*") if path.is_file())
    good = json.loads(entry.read_bytes())
    broken: list[object] = [{key: value for key, value in good.items() if key != name} for name in good]
    broken += [{**good, name: "x"} for name in good]
    broken += [{**good, "tally": {"units": [], "references": {}}}, {**good, "tally": {"units": {"x": "1"}, "references": {}}},
               {**good, "deps": {**good["deps"], "uris": [["only", "two"]]}}, {**good, "deps": {**good["deps"], "settings": 7}},
               {**good, "deps": {}}, {**good, "templates": 1.5}]
    contents = [json.dumps(item).encode() for item in broken] + [b"[" * 100_000]
    for content in contents:
        entry.write_bytes(content)
        assert summary(run("t.json")) == summary(cold)
    assert counted == ["t.json"] * (1 + len(contents))


def test_a_bad_rule_metadata_entry_is_a_miss(write, cache: Path) -> None:  # type: ignore[no-untyped-def]
    from aiblint.cache import rule_infos

    rules = RuleSet.load(Selection.of(["AIB0"], []), {}, lazy=True)
    infos = rule_infos(rules)
    (entry,) = (path for path in (cache / "rules").rglob("*") if path.is_file())
    good = json.loads(entry.read_bytes())
    for content in [b"{}", b"[1]", b"[[1, 2]]", json.dumps([good[0][:7]]).encode(), b"[" * 100_000, b"\xff"]:
        entry.write_bytes(content)
        assert rule_infos(RuleSet.load(Selection.of(["AIB0"], []), {}, lazy=True)) == infos


def test_no_cache_neither_reads_nor_writes(write, cache: Path, counted: list[str]) -> None:  # type: ignore[no-untyped-def]
    write("t.json", json.dumps(SHELL_TEMPLATE, indent=2))
    run("t.json", cache=False)
    assert not (cache / "results").exists()
    run("t.json")
    run("t.json", cache=False)
    assert counted == ["t.json"] * 3


def test_suppressions_in_a_cached_file_still_apply_and_are_judged(write, cache: Path, counted: list[str]) -> None:  # type: ignore[no-untyped-def]
    template = dict(SHELL_TEMPLATE, properties={"customize": [
        {"type": "Shell", "name": "a", "inline": ["# aiblint: ignore[SC2086] the argument is a path", "cp $1 /opt/app"]},
        {"type": "Shell", "name": "b", "inline": ["# aiblint: ignore[SC2034] nothing here", "true"]},
    ]})
    write("t.json", json.dumps(template, indent=2))
    cold = run("t.json")
    warm = run("t.json")
    assert counted == ["t.json"]
    assert summary(warm) == summary(cold)
    assert [(f.rule, f.suppressed is not None) for f in warm.findings if f.rule in ("SC2086", "AIB006")] == [
        ("SC2086", True), ("AIB006", False)]


def test_the_script_note_and_tool_notes_are_the_same_from_the_cache(write, cache: Path, counted: list[str]) -> None:  # type: ignore[no-untyped-def]
    for name in ("a", "b"):
        write(f"{name}.json", json.dumps({"type": "Microsoft.VirtualMachineImages/imageTemplates", "properties": {"customize": [
            {"type": "PowerShell", "name": "p", "inline": ["Write-Output 1"]},
            {"type": "Shell", "name": "s", "scriptUri": "https://example.com/s.sh"},
        ]}}))
    cold = run("a.json", "b.json")
    assert run("a.json", "b.json").notes == cold.notes
    assert run("a.json").notes == run("a.json", cache=False).notes
    assert counted == ["a.json", "b.json", "a.json"]
    if shutil.which("pwsh") is None:
        assert any("2 PowerShell scripts were not checked" in note for note in cold.notes), cold.notes


class BatchRuleThatCrashes(Rule):
    """A plugin's batch rule with a bug: it runs after ShellCheck and PSScriptAnalyzer."""

    id = "ZZ901"
    name = "batch-rule-that-crashes"
    summary = "Test rule"
    severity = Severity.NOTE

    def check_scripts(self, units: Sequence[ScriptUnit]) -> Iterator[Problem | RunNote]:
        raise RuntimeError("a bug")


def test_a_tool_note_is_not_counted_twice_when_a_batch_rule_crashed(write, cache: Path) -> None:  # type: ignore[no-untyped-def]
    """A crash makes the cached files' scripts go through every batch rule again
    on a warm run: the note those rules gave on the cold run is theirs to give
    again, not also the file's share from the cache (a warm run said 4, not 2)."""
    write("a.json", json.dumps({"type": "Microsoft.VirtualMachineImages/imageTemplates", "properties": {"customize": [
        {"type": "PowerShell", "name": "p", "inline": ["Write-Output 1"]},
        {"type": "PowerShell", "name": "q", "inline": ["Write-Output 2"]},
    ]}}))
    rules = RuleSet([*RuleSet.load_all().rules, BatchRuleThatCrashes()])
    cold, warm = (lint_paths(["a.json"], cache=True, config=Config(), rules=rules) for _ in range(2))
    assert summary(warm) == summary(cold)
    assert [error.message for error in cold.errors] == ["internal error: RuntimeError: a bug"]
    if shutil.which("pwsh") is None:
        assert [note for note in cold.notes if "PowerShell scripts were not checked" in note] == [
            "PSScriptAnalyzer was not run: 'pwsh' (PowerShell 7) is not installed; 2 PowerShell scripts were not checked "
            "by it (aiblint's own AIB5xx checks still ran)"]


def test_concurrent_runs_share_the_cache_safely(write, cache: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for index in range(12):
        write(f"t{index}.json", json.dumps(dict(SHELL_TEMPLATE, location=f"<region{index}>"), indent=2))
    write("scripts/setup.sh", "#!/bin/bash\nrm -rf $DIR/\n")
    command = [sys.executable, "-m", "aiblint", "--format", "json", "."]
    expected = subprocess.run([*command, "--no-cache"], capture_output=True, timeout=120, check=False).stdout
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) for _ in range(4)]
    outputs = [process.communicate(timeout=120)[0] for process in runs]
    assert outputs == [expected] * 4
    assert subprocess.run(command, capture_output=True, timeout=120, check=False).stdout == expected
    assert not [path for path in (cache / "results").rglob("*") if path.name.endswith(".tmp")]


def test_a_change_in_the_code_changes_the_fingerprint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "fakepack"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "rules.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    __import__("fakepack.rules")
    before = code_fingerprint(["fakepack.rules"])
    assert code_fingerprint(["fakepack.rules"]) == before
    (package / "rules.py").write_text("X = 2\n")
    from aiblint import cache as module

    module._code.clear()
    assert code_fingerprint(["fakepack.rules"]) != before


def test_findings_survive_the_trip_to_json_and_back() -> None:
    finding = Finding(
        "t.json", 3, 5, 3, 9, "AIB201", Severity.ERROR, "two \"names\" — é", "properties.customize[1].name", "ab" * 16,
        (RelatedLocation("t.parameters.json", 1, 2, 1, 7, "from here"),), fix=Fix("rename it", (Edit(10, 14, "b"),)),
    )
    plain = Finding("s.sh", 1, 1, 1, 2, "SC2086", Severity.NOTE, "quote it")
    rows = json.loads(json.dumps(findings_to_json([finding, plain])))
    back = findings_from_json(rows)
    assert back == [finding, plain]
    assert [(f.severity, f.message, f.logical_path, f.fingerprint, f.related, f.fix) for f in back] == [
        (f.severity, f.message, f.logical_path, f.fingerprint, f.related, f.fix) for f in (finding, plain)]
    for bad in ([[1]], {"a": 1}, [["t.json", "3", 5, 3, 9, "X", 3, "m", "", "", [], None]], [[*rows[0][:11], ["d", [[1, 2]]]]]):
        with pytest.raises(ValueError):
            findings_from_json(bad)


def test_selection_only_changes_which_entries_are_used(write, cache: Path, counted: list[str]) -> None:  # type: ignore[no-untyped-def]
    write("t.json", json.dumps(SHELL_TEMPLATE, indent=2))
    rules = RuleSet.load(Selection.of(["AIB2"], []))
    first = lint_paths(["t.json"], cache=True, config=Config(select=["AIB2"]), rules=rules)
    second = lint_paths(["t.json"], cache=True, config=Config(select=["AIB2"]), rules=rules)
    assert summary(first) == summary(second)
    assert counted == ["t.json"]
    assert {f.rule[:4] for f in first.findings} <= {"AIB2"}


def test_a_suppression_spelled_with_json_escapes_is_read_from_a_cached_file(write, cache: Path, counted: list[str]) -> None:  # type: ignore[no-untyped-def]
    text = json.dumps(dict(SHELL_TEMPLATE, location="<region>", properties={}), indent=2)
    ignore = '"metadata": {"\\u0061iblint": {"ignore": [{"rule": "AIB003", "reason": "a sample"}]}},\n  '
    write("t.json", text.replace('"location"', ignore + '"location"', 1))
    cold = run("t.json")
    assert [(f.rule, f.suppressed is not None) for f in cold.findings if f.rule == "AIB003"] == [("AIB003", True)]
    assert summary(run("t.json")) == summary(cold)
    assert counted == ["t.json"]


WARM_PROBE = (
    "import sys\nfrom aiblint.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "print(code, sorted(m for m in sys.modules if m.startswith(('aiblint_rules', 'jsonschema'))))\n"
)


@pytest.mark.parametrize("output", ["text", "sarif", "json"])
def test_a_run_whose_results_all_come_from_the_cache_imports_no_rule(write, cache: Path, output: str) -> None:  # type: ignore[no-untyped-def]
    write("t.json", json.dumps(SHELL_TEMPLATE, indent=2))
    write("scripts/setup.sh", "#!/bin/bash\nrm -rf $DIR/\n")
    command = [sys.executable, "-c", WARM_PROBE, "--format", output, "-o", "out", "t.json"]
    cold = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    first = Path("out").read_bytes()
    warm = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    assert "aiblint_rules.names" in cold.stdout
    assert warm.stdout == "1 []\n"
    assert (warm.stderr, Path("out").read_bytes()) == (cold.stderr, first)
    uncached = subprocess.run([*command, "--no-cache"], capture_output=True, text=True, timeout=120, check=True)
    assert Path("out").read_bytes() == first and uncached.stderr == cold.stderr


def test_a_broken_rule_plugin_found_while_linting_is_a_usage_error(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.test_registry import fake_distribution

    site = tmp_path / "site"
    fake_distribution(site, {"ZZ901": "no_such_rules:One"})
    write("t.json", json.dumps(SHELL_TEMPLATE))
    env = {**__import__("os").environ, "PYTHONPATH": str(site)}
    for jobs in ("1", "2"):
        result = subprocess.run([sys.executable, "-m", "aiblint", "-j", jobs, "t.json"], env=env, capture_output=True, text=True, timeout=120)
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr == ("aiblint: error: rule plugin ZZ901 (no_such_rules:One) failed to load: "
                                 "ModuleNotFoundError: No module named 'no_such_rules'\n")
