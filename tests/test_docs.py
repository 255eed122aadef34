"""Docs pages are generated from rule metadata and must be committed up to date."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tests.conftest import ROOT


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("generate_rule_docs", ROOT / "scripts" / "generate_rule_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rule_pages_are_up_to_date() -> None:
    pages = _generator().render()
    docs = ROOT / "docs" / "rules"
    stale = [name for name, text in pages.items() if not (docs / name).is_file() or (docs / name).read_text(encoding="utf-8") != text]
    assert not stale, f"run: python scripts/generate_rule_docs.py (stale: {stale})"
    extra = {p.name for p in docs.glob("*.md")} - set(pages)
    assert not extra, f"pages for rules that do not exist: {extra}"


def test_readme_commands_match_ci() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = next(line for line in ci.splitlines() if line.startswith("python3 -m venv"))
    assert test_command in readme
    assert "examples/bad-template.json" in readme


def test_every_rule_in_the_catalogue_index(tmp_path: Path) -> None:
    index = (ROOT / "docs" / "rules" / "README.md").read_text(encoding="utf-8")
    for name in _generator().render():
        if name != "README.md":
            assert f"]({name})" in index


def test_readme_shows_what_the_example_really_prints() -> None:
    import re
    import subprocess
    import sys

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"secret is masked:\n\n```\n(.*?)```", readme, re.S)
    assert shown is not None
    result = subprocess.run([sys.executable, "-m", "aiblint", "--no-cache", "examples/bad-template.json"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stdout == shown.group(1)
