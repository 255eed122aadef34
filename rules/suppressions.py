"""AIB006: suppressions that do not do their job."""

from __future__ import annotations

from aiblint.findings import Severity
from aiblint.rule import Example, Rule


class UselessSuppression(Rule):
    """The findings are made by the filter step (``aiblint.filtering``), which
    alone sees every finding of the run; this class carries the metadata, and
    loading it turns the check on."""

    id = "AIB006"
    name = "useless-suppression"
    severity = Severity.WARNING
    summary = "A suppression that matched nothing, gives no reason, has expired or cannot be read"
    tags = ("suppressions",)
    description = """\
A suppression says "this finding is accepted here, on purpose": in template metadata
(`"metadata": {"aiblint": {"ignore": [{"rule": "AIB304", "reason": "...", "expires":
"2027-01-01", "path": "properties.customize[2]"}]}}`), in a JSONC comment
(`// aiblint: ignore[AIB304] reason`) or in a script comment
(`# aiblint: ignore[SC2086] reason`). See [suppressions](../suppressions.md).

aiblint reports a suppression that:

- **matched nothing**: no finding of that rule is where it points (the problem was fixed,
  the lines moved, or the rule id is misspelt). A stale suppression would hide the next
  real problem at that place. Suppressions of rules that are turned off for the file, or
  of an analyzer that could not run (ShellCheck or PowerShell missing), are not judged;
- **gives no reason**: the next reader cannot tell a deliberate exception from a shortcut;
- **has expired** (`expires` is today or earlier): the suppression no longer applies, so the
  finding is reported again beside this warning;
- **cannot be read**: an entry without `rule`, an unknown key, a `path` that is not in the
  resource, a date not written `YYYY-MM-DD`, a comment `aiblint: ignore AIB304` without
  brackets or `aiblint: disable[AIB304]` (the only verb is `ignore`). It suppresses nothing.

Findings of AIB006 itself are not suppressed by in-file suppressions; use the baseline,
`ignore` or `per-file-ignores`.

**Fix:** remove the suppression, correct the rule id or the path, write the reason, or fix
the finding and remove the suppression.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "location": "westus2",
  "metadata": {"aiblint": {"ignore": [
    {"rule": "AIB3O4", "reason": "the script is pinned by commit"}
  ]}},
  "properties": {}
}
""",
            ((5, 14),),
            "a misspelt rule id matches nothing",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "location": "westus2",
  "metadata": {"aiblint": {"ignore": [
    {"rule": "AIB003", "reason": "replaced by the pipeline", "expires": "2021-06-30"},
    {"rule": "AIB304"}
  ]}},
  "properties": {}
}
""",
            ((5, 73), (6, 5)),
            "an expired suppression, and one without a reason",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  // aiblint: ignore AIB003 replaced by the pipeline
  "location": "<region>",
  "properties": {}
}
""",
            ((3, 6),),
            "a comment that names no rule",
        ),
    )
