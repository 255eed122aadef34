"""Claims across the files of a run (aiblint.claims): AIB240, a staging resource
group named by two image templates, in one file or two, with -j and the cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aiblint_rules.staging import SharedStagingResourceGroup

from aiblint.claims import Claimed, claims_from_json, claims_to_json, resolve
from aiblint.config import Config
from aiblint.findings import Finding, Report, Severity
from aiblint.registry import RuleSet
from aiblint.run import lint_paths

GROUP = "/subscriptions/0000/resourceGroups/rg-staging"


def template(name: str, group: str = GROUP) -> str:
    return json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01",
                       "name": name, "location": "westeurope", "properties": {"stagingResourceGroup": group}}],
    }, indent=2)


def staged(report: Report) -> list[tuple[str, int, int, tuple[tuple[str, int, int], ...]]]:
    return [(f.path, f.line, f.column, tuple((r.path, r.line, r.column) for r in f.related))
            for f in report.findings if f.rule == "AIB240"]


def run(jobs: int = 1, cache: bool = False) -> Report:
    return lint_paths(["."], config=Config(select=["AIB240"]), rules=RuleSet([SharedStagingResourceGroup()]),
                      jobs=jobs, cache=cache)


def test_two_files_report_both_places_each_naming_the_other(write) -> None:  # type: ignore[no-untyped-def]
    write("a.json", template("win11"))
    write("b.json", template("win10", GROUP.upper().replace("SUBSCRIPTIONS", "subscriptions")))
    write("c.json", template("other", "/subscriptions/0000/resourceGroups/rg-other"))
    report = run()
    assert staged(report) == [("a.json", 11, 33, (("b.json", 11, 33),)), ("b.json", 11, 33, (("a.json", 11, 33),))]
    (first, _) = (f for f in report.findings if f.rule == "AIB240")
    assert first.severity == Severity.ERROR and first.message.endswith("(also at b.json:11)")


def test_one_template_written_twice_is_not_two(write) -> None:  # type: ignore[no-untyped-def]
    write("a.json", template("win11"))
    write("copy/a.json", template("win11"))
    assert staged(run()) == []


def test_a_cached_file_still_takes_part_and_workers_give_the_same_report(write, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                           monkeypatch: pytest.MonkeyPatch,
                                                                           counted: list[str]) -> None:
    monkeypatch.setenv("AIBLINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("aiblint.parallel.MIN_FILES_PER_WORKER", 2)
    monkeypatch.setattr("aiblint.parallel.MIN_CHUNK_FILES", 1)
    for index in range(6):
        write(f"t{index}.json", template(f"t{index}", f"/subscriptions/0000/resourceGroups/rg-{index}"))
    write("t0.json", template("t0"))
    write("t5.json", template("t5"))  # the first and the last file: different chunks, different workers
    expected = [("t0.json", 11, 33, (("t5.json", 11, 33),)), ("t5.json", 11, 33, (("t0.json", 11, 33),))]
    assert staged(run()) == expected
    import aiblint.parallel

    pools: list[int] = []
    in_pool = aiblint.parallel._in_pool

    def counted_pool(*args, **kwargs):  # type: ignore[no-untyped-def]
        pools.append(1)
        return in_pool(*args, **kwargs)

    monkeypatch.setattr(aiblint.parallel, "_in_pool", counted_pool)
    assert staged(run(jobs=2)) == expected
    assert pools == [1]  # the files went to worker processes
    assert staged(run(cache=True)) == expected  # cold
    write("t3.json", template("t3", "/subscriptions/0000/resourceGroups/rg-3b"))  # one file changes, t0 and t5 from the cache
    counted.clear()
    assert staged(run(cache=True)) == expected
    assert counted == ["t3.json"]
    assert staged(run(jobs=2, cache=True)) == expected


def test_claims_survive_the_trip_to_json_and_back() -> None:
    finding = Finding("a.json", 1, 2, 1, 9, "AIB240", Severity.ERROR, "m", "$.x", "f")
    claims = [Claimed("AIB240", "/subscriptions/x/resourcegroups/y", "a", finding, "the other")]
    assert claims_from_json(json.loads(json.dumps(claims_to_json(claims)))) == claims
    with pytest.raises(ValueError):
        claims_from_json([["AIB240", "k", "o", "r"]])
    assert resolve(claims + claims) == []  # one place claimed twice is one claim


def test_bicep_resources_and_a_parameter_default(write) -> None:  # type: ignore[no-untyped-def]
    write("main.bicep", f"""param staging string = '{GROUP}'
resource a 'Microsoft.VirtualMachineImages/imageTemplates@2022-07-01' = {{
  name: 'a'
  location: 'westeurope'
  properties: {{ stagingResourceGroup: '{GROUP}' }}
}}
resource b 'Microsoft.VirtualMachineImages/imageTemplates@2022-07-01' = {{
  name: 'b'
  location: 'westeurope'
  properties: {{ stagingResourceGroup: '{GROUP}' }}
}}
resource c 'Microsoft.VirtualMachineImages/imageTemplates@2022-07-01' = {{
  name: 'c'
  location: 'westeurope'
  properties: {{ stagingResourceGroup: staging }}
}}
""")
    assert staged(run()) == [("main.bicep", 5, 39, (("main.bicep", 10, 39),)), ("main.bicep", 10, 39, (("main.bicep", 5, 39),))]
