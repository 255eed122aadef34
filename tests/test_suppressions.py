"""In-file suppressions (template metadata, JSONC comments, script comments) and AIB006."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiblint_rules.names import DuplicateCustomizerName
from aiblint_rules.reading import UnreplacedPlaceholder
from aiblint_rules.suppressions import UselessSuppression

from aiblint.config import Config
from aiblint.engine import Linter
from aiblint.findings import Finding, Severity, Suppression
from aiblint.registry import RuleSet
from aiblint.rule import Problem, Rule
from aiblint.scripts.units import ScriptUnit
from aiblint.suppressions import parse_comment, resolve_path
from tests.conftest import main_in_process

TODAY = datetime.date(2026, 6, 1)


class Reboot(Rule):
    """A script rule for these tests: every ``reboot`` in a script."""

    id = "ZZ901"
    name = "test-reboot"
    severity = Severity.WARNING
    summary = "A test rule"

    def check_script(self, unit: ScriptUnit) -> Iterator[Problem]:
        for number, line in enumerate(unit.lines, 1):
            column = line.find("reboot")
            if column >= 0:
                yield unit.problem("reboot", number, column + 1, number, column + 7)


def lint(text: str, *rules: Rule, today: datetime.date = TODAY, config: Config | None = None) -> list[Finding]:
    linter = Linter(RuleSet([*rules, UselessSuppression()]), config or Config(), Path.cwd())
    linter.filter.today = today
    findings, _ = linter.lint_bytes(text.encode(), "t.json")
    return findings


def summary(findings: list[Finding]) -> list[tuple[str, int, int, str | None]]:
    return [(f.rule, f.line, f.column, f.suppressed.source if f.suppressed else None) for f in findings]


def useless(findings: list[Finding]) -> list[tuple[int, int, str]]:
    return [(f.line, f.column, f.message) for f in findings if f.rule == "AIB006"]


def template(metadata: object = None, location: str = "<region>", customize: str = "") -> str:
    meta = f'  "metadata": {json.dumps(metadata)},\n' if metadata is not None else ""
    steps = customize or '{"type": "Shell", "name": "a", "inline": ["echo <b>"]}'
    return (
        "{\n"
        '  "type": "Microsoft.VirtualMachineImages/imageTemplates",\n'
        f'  "location": "{location}",\n'
        f"{meta}"
        '  "properties": {\n'
        f'    "customize": [{steps}],\n'
        '    "vmProfile": {"vmSize": "<size>"}\n'
        "  }\n"
        "}\n"
    )


def ignore(*entries: dict[str, object]) -> dict[str, object]:
    return {"aiblint": {"ignore": list(entries)}}


# -- template metadata --------------------------------------------------------------------


def test_metadata_without_path_covers_the_whole_resource() -> None:
    findings = lint(template(ignore({"rule": "AIB003", "reason": "sed fills them in"})), UnreplacedPlaceholder())
    assert summary(findings) == [("AIB003", 3, 16, "metadata"), ("AIB003", 7, 30, "metadata")]
    assert findings[0].suppressed == Suppression("inSource", "metadata", "sed fills them in", "t.json:4")


def test_metadata_path_covers_only_that_part() -> None:
    text = template(ignore({"rule": "AIB003", "reason": "sed fills it in", "path": "properties.vmProfile"}))
    assert summary(lint(text, UnreplacedPlaceholder())) == [("AIB003", 3, 16, None), ("AIB003", 7, 30, "metadata")]


def test_metadata_rule_prefix_and_list() -> None:
    text = template(ignore({"rule": ["aib0", "AIB201"], "reason": "sample"}), customize='{"type": "Shell", "name": "a", "inline": ["true"]}, {"type": "Shell", "name": "a", "inline": ["true"]}')
    findings = lint(text, UnreplacedPlaceholder(), DuplicateCustomizerName())
    assert summary(findings) == [("AIB003", 3, 16, "metadata"), ("AIB201", 6, 97, "metadata"), ("AIB003", 7, 30, "metadata")]


def test_metadata_at_the_top_of_a_deployment_template_covers_parameters() -> None:
    text = """{
  "metadata": {"aiblint": {"ignore": [{"rule": "AIB003", "reason": "filled by the pipeline", "path": "parameters.size"}]}},
  "parameters": {"size": {"type": "string", "defaultValue": "<size>"}, "name": {"type": "string", "defaultValue": "<name>"}},
  "resources": [{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "location": "westus2",
                 "properties": {"vmProfile": {"vmSize": "[parameters('size')]"}}}]
}
"""
    assert summary(lint(text, UnreplacedPlaceholder())) == [("AIB003", 3, 62, "metadata"), ("AIB003", 3, 116, None)]


def test_metadata_that_matches_nothing_is_reported() -> None:
    text = template(ignore({"rule": "AIB201", "reason": "two steps share a name on purpose"}), location="westus2")
    assert useless(lint(text, UnreplacedPlaceholder(), DuplicateCustomizerName())) == [
        (4, 48, "suppression of AIB201 matched nothing in this resource: remove it")
    ]


def test_metadata_path_that_matches_nothing_names_the_path() -> None:
    text = template(ignore({"rule": "AIB003", "reason": "x", "path": "properties.customize[0].name"}))
    assert useless(lint(text, UnreplacedPlaceholder())) == [
        (4, 48, "suppression of AIB003 matched nothing at properties.customize[0].name: remove it")
    ]


def test_expired_metadata_no_longer_suppresses() -> None:
    text = template(ignore({"rule": "AIB003", "reason": "until the pipeline is done", "expires": "2026-06-01"}))
    findings = lint(text, UnreplacedPlaceholder())
    assert summary(findings) == [("AIB003", 3, 16, None), ("AIB006", 4, 109, None), ("AIB003", 7, 30, None)]
    assert useless(findings)[0][2] == (
        "suppression of AIB003 expired on 2026-06-01: the finding is reported again; fix it, or renew the suppression"
    )


def test_metadata_expiring_tomorrow_still_suppresses() -> None:
    text = template(ignore({"rule": "AIB003", "reason": "until the pipeline is done", "expires": "2026-06-02"}))
    assert summary(lint(text, UnreplacedPlaceholder())) == [("AIB003", 3, 16, "metadata"), ("AIB003", 7, 30, "metadata")]


def test_metadata_without_reason_suppresses_and_is_reported() -> None:
    findings = lint(template(ignore({"rule": "AIB003"})), UnreplacedPlaceholder())
    assert summary(findings) == [("AIB003", 3, 16, "metadata"), ("AIB006", 4, 39, None), ("AIB003", 7, 30, "metadata")]
    assert useless(findings)[0][2] == 'suppression of AIB003 gives no reason: add "reason": why the finding is accepted'
    assert findings[0].suppressed == Suppression("inSource", "metadata", "", "t.json:4")


@pytest.mark.parametrize(
    ("metadata", "column", "message"),
    [
        ({"aiblint": {"ignore": {"rule": "AIB003"}}}, 27,
         'metadata.aiblint must be {"ignore": [{"rule": ..., "reason": ...}, ...]}; nothing here is suppressed'),
        (ignore({"rule": "AIB003", "reson": "typo"}), 58,
         "unknown key 'reson' in an aiblint ignore entry (known: rule, reason, expires, path)"),
        (ignore({"reason": "no rule"}), 39, 'an aiblint ignore entry needs "rule": a rule id or prefix, or a list of them'),
        (ignore({"rule": "AIB003", "reason": "x", "path": "properties.customise"}), 81,
         "path 'properties.customise' is not in this resource: nothing is suppressed"),
        (ignore({"rule": "AIB003", "reason": "x", "expires": "next year"}), 84,
         "suppression of AIB003 has an 'expires' that is not a date written YYYY-MM-DD"),
    ],
)
def test_unreadable_metadata_is_reported(metadata: object, column: int, message: str) -> None:
    findings = lint(template(metadata), UnreplacedPlaceholder())
    assert useless(findings) == [(4, column, message)]


def test_a_broken_entry_suppresses_nothing() -> None:
    findings = lint(template(ignore({"rule": "AIB003", "reson": "typo"})), UnreplacedPlaceholder())
    assert [f.suppressed for f in findings if f.rule == "AIB003"] == [None, None]


def test_suppressions_of_rules_that_are_off_are_not_judged() -> None:
    text = template(ignore({"rule": "AIB201", "reason": "x"}, {"rule": "AIB3", "reason": "x"}), location="westus2")
    assert useless(lint(text, UnreplacedPlaceholder(), config=Config(ignore=["AIB201"]))) == []


def test_a_misspelt_rule_id_is_reported_as_unknown() -> None:
    text = template(ignore({"rule": "AIB3O4", "reason": "x"}), location="westus2")
    assert useless(lint(text, UnreplacedPlaceholder())) == [
        (4, 48, "suppression of AIB3O4 matched nothing: no rule has this id or prefix")
    ]


def test_useless_suppression_findings_are_not_suppressed_in_the_file() -> None:
    text = template(ignore({"rule": "AIB003"}, {"rule": "AIB006", "reason": "quiet"}))
    findings = lint(text, UnreplacedPlaceholder())
    assert useless(findings) == [
        (4, 39, 'suppression of AIB003 gives no reason: add "reason": why the finding is accepted'),
        (4, 68, "AIB006 cannot be suppressed in the file it reports on: use the baseline, ignore or per-file-ignores"),
    ]


# -- JSONC comments -----------------------------------------------------------------------------

COMMENTED = """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  // aiblint: ignore[AIB003] the pipeline replaces it
  // (the region is chosen per environment)

  "location": "<region>",
  "properties": {
    "vmProfile": {"vmSize": "<size>"} // aiblint: ignore[AIB003]: sized per image
  },
  /* aiblint: ignore[AIB003] expires=2026-01-31 until the new pipeline */
  "tags": {"owner": "<team>"}
}
"""


def test_comment_applies_to_the_next_line_with_code_or_its_own_line() -> None:
    findings = lint(COMMENTED, UnreplacedPlaceholder())
    assert summary(findings) == [
        ("AIB003", 6, 16, "comment"),
        ("AIB003", 8, 30, "comment"),
        ("AIB006", 10, 38, None),
        ("AIB003", 11, 22, None),
    ]
    assert findings[0].suppressed == Suppression("inSource", "comment", "the pipeline replaces it", "t.json:3")
    assert findings[1].suppressed == Suppression("inSource", "comment", "sized per image", "t.json:8")
    assert useless(findings)[0][2].startswith("suppression of AIB003 expired on 2026-01-31")


def test_stacked_comments_apply_to_the_same_line() -> None:
    text = (
        '{\n  "type": "Microsoft.VirtualMachineImages/imageTemplates",\n'
        "  // aiblint: ignore[AIB201] never matches here\n"
        "  // aiblint: ignore[AIB003] filled in later\n"
        '  "location": "<region>"\n}\n'
    )
    findings = lint(text, UnreplacedPlaceholder(), DuplicateCustomizerName())
    assert summary(findings) == [("AIB006", 3, 22, None), ("AIB003", 5, 16, "comment")]
    assert useless(findings)[0][2] == "suppression of AIB201 matched nothing on line 5: remove it"


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("// aiblint: ignore[AIB003]", [(3, 6, "suppression of AIB003 gives no reason: write why after the brackets")]),
        ("// aiblint: ignore AIB003 filled in later", [(3, 6, "aiblint comment names no rule: write 'aiblint: ignore[RULE] reason' "
                                                           "(a rule id or prefix in brackets); nothing is suppressed")]),
        ("// aiblint: disable[AIB003] filled in later", [(3, 6, "aiblint comment has an unknown directive 'disable': "
                                                             "write 'aiblint: ignore[RULE] reason'; nothing is suppressed")]),
        ("// aiblint: ignore[AIB 003!] filled in later", [(3, 6, "aiblint comment '003!' is not a rule id or prefix; nothing is suppressed")]),
        ("// aiblint: ignore[AIB003] expires=2026-02-30 filled in later",
         [(3, 38, "suppression of AIB003 has an 'expires' that is not a date written YYYY-MM-DD")]),
        ("// the region: aiblint: ignore[AIB003] is not at the start", []),
        ("// aiblint: checked by hand in March", []),
    ],
)
def test_unreadable_comments_are_reported(comment: str, expected: list[tuple[int, int, str]]) -> None:
    text = f'{{\n  "type": "Microsoft.VirtualMachineImages/imageTemplates",\n  {comment}\n  "location": "<region>"\n}}\n'
    assert useless(lint(text, UnreplacedPlaceholder())) == expected


def test_parse_comment_parts() -> None:
    parsed = parse_comment(" aiblint: ignore[AIB304, sc2086] expires=2027-01-01 -- pinned by commit ")
    assert parsed is not None
    assert parsed.codes == [("AIB304", 17, 23), ("SC2086", 25, 31)]
    assert parsed.expires == ("2027-01-01", 41, 51)
    assert parsed.reason == "pinned by commit"
    assert parse_comment(" a plain comment") is None


def test_resolve_path_reads_logical_paths() -> None:
    from aiblint.loader import load_text

    root = load_text('{"a": {"b c": [1, {"d": 2}]}}', "t.json").root
    assert root is not None
    found = resolve_path(root, "a['b c'][1].d")
    assert found is not None and found.value == 2
    assert resolve_path(root, "a['b c'][2]") is None
    assert resolve_path(root, "a.x") is None
    assert resolve_path(root, "a..b") is None


# -- script comments ---------------------------------------------------------------------------


def test_inline_script_comment_on_its_own_line_and_after_code() -> None:
    steps = (
        '{"type": "Shell", "name": "a", "inline": ["# aiblint: ignore[ZZ901] done by the next step", '
        '"sudo reboot", "sudo reboot # aiblint: ignore[ZZ901] same line", "reboot"]}'
    )
    findings = lint(template(customize=steps, location="westus2"), Reboot())
    assert summary(findings) == [("ZZ901", 5, 117, "script"), ("ZZ901", 5, 132, "script"), ("ZZ901", 5, 177, None)]
    assert findings[0].suppressed == Suppression("inSource", "script", "done by the next step", "t.json:5")


def test_inline_script_comment_that_matches_nothing(write) -> None:  # type: ignore[no-untyped-def]
    steps = '{"type": "Shell", "name": "a", "inline": ["# aiblint: ignore[ZZ901] not needed", "echo hello"]}'
    findings = lint(template(customize=steps, location="westus2"), Reboot())
    assert useless(findings) == [(5, 80, "suppression of ZZ901 matched nothing on script line 2: remove it")]


def test_script_file_comments(write) -> None:  # type: ignore[no-untyped-def]
    write("setup.sh", "#!/bin/bash\n# aiblint: ignore[ZZ901] on purpose\n\nsudo reboot\nreboot  # aiblint: ignore[ZZ901]\n")
    write("setup.ps1", "# aiblint: ignore[ZZ9] restart is handled\nRestart-Computer; reboot\n")
    steps = '{"type": "Shell", "name": "a", "scriptUri": "setup.sh"}, {"type": "PowerShell", "name": "b", "scriptUri": "setup.ps1"}'
    findings = lint(template(customize=steps, location="westus2"), Reboot())
    assert [(f.path, *s) for f, s in zip(findings, summary(findings), strict=True)] == [
        ("setup.ps1", "ZZ901", 2, 19, "script"),
        ("setup.sh", "ZZ901", 4, 6, "script"),
        ("setup.sh", "ZZ901", 5, 1, "script"),
        ("setup.sh", "AIB006", 5, 11, None),
    ]
    assert useless(findings) == [(5, 11, "suppression of ZZ901 gives no reason: write why after the brackets")]


# -- the command line ------------------------------------------------------------------------------


def test_suppressed_findings_are_hidden_in_text_and_do_not_fail_the_run(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", template(ignore({"rule": "AIB003", "reason": "sed fills them in"})))
    assert main_in_process("--select", "AIB003,AIB006", "t.json") == (0, "0 problems in 1 file checked; 2 suppressed\n")
    code, out = main_in_process("--select", "AIB003,AIB006", "--show-suppressed", "t.json")
    assert code == 0
    assert out.splitlines()[0] == (
        "t.json:3:16: warning AIB003 unreplaced placeholder <region>: replace it with a real value before deploying "
        "[suppressed: sed fills them in]"
    )


def test_json_and_sarif_keep_suppressed_findings(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", template(ignore({"rule": "AIB003", "reason": "sed fills them in", "path": "location"})))
    code, out = main_in_process("--format", "json", "--select", "AIB003,AIB006", "t.json")
    document = json.loads(out)
    assert code == 1
    assert document["findings"][0]["suppressed"] == {
        "kind": "inSource", "source": "metadata", "reason": "sed fills them in", "where": "t.json:4"
    }
    assert "suppressed" not in document["findings"][1]
    assert document["summary"]["findings"] == 1 and document["summary"]["suppressed"] == 1
    _, sarif = main_in_process("--format", "sarif", "--select", "AIB003,AIB006", "t.json")
    assert len(json.loads(sarif)["runs"][0]["results"]) == 1  # GitHub ignores suppressions: left out by default
    _, sarif = main_in_process("--format", "sarif", "--sarif-include-suppressed", "--select", "AIB003,AIB006", "t.json")
    results = json.loads(sarif)["runs"][0]["results"]
    assert results[0]["suppressions"] == [{"kind": "inSource", "status": "accepted", "justification": "sed fills them in"}]
    assert "suppressions" not in results[1]


def test_per_file_ignores(write) -> None:  # type: ignore[no-untyped-def]
    write(".aiblint.toml", '[per-file-ignores]\n"samples/*" = ["AIB003"]\n')
    write("samples/t.json", template())
    write("t.json", template())
    code, out = main_in_process("--select", "AIB003", "samples/t.json", "t.json")
    assert code == 1
    assert [line.split(":")[0] for line in out.splitlines()[:-1]] == ["t.json", "t.json"]
