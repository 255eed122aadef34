"""AIB003 in object keys: every key token that holds a placeholder, repeated keys included,
and none in an object whose keys hold no '<' (the one test per object that skips them)."""

from __future__ import annotations

from pathlib import Path

from aiblint import lint_paths
from aiblint.config import Config

TEMPLATE = """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "location": "westus2",
  "tags": {"<team>": "a", "plain": "b", "<team>": "c", "a<b": "d"},
  "properties": {"source": {"type": "PlatformImage", "x": {"y": 1}}}
}
"""


def test_each_key_token_with_a_placeholder_is_reported(tmp_path: Path) -> None:
    (tmp_path / "t.json").write_text(TEMPLATE)
    report = lint_paths(["t.json"], cwd=tmp_path, config=Config(select=["AIB003"]))
    assert not report.errors, report.errors
    line = TEMPLATE.splitlines()[3]
    first = line.index('"<team>"') + 2
    second = line.index('"<team>"', first) + 2
    assert [(f.rule, f.line, f.column, f.end_column) for f in report.findings] == [
        ("AIB003", 4, first, first + 6),
        ("AIB003", 4, second, second + 6),
    ]


def test_the_placeholder_memo_is_keyed_on_the_text_and_its_kind() -> None:
    # Kept per (text, is a script line): the same text as a script comment line holds no
    # placeholder, as a plain value it does; neither answer may be given for the other.
    from aiblint_rules.reading import _placeholders_in

    comment = "# set <tenantId> here"
    for _ in range(2):
        assert _placeholders_in(comment, True) is None
        assert _placeholders_in(comment, False) == (
            "unreplaced placeholder <tenantId>: replace it with a real value before deploying", 6, 16)
        assert _placeholders_in("<a>/<b>/<a>", False) == (
            "unreplaced placeholders <a> and <b>: replace them with real values before deploying", 0, 11)
