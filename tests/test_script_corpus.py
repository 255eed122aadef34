"""The whole corpus with its scripts resolved through its layout (<owner>__<repo>/<path>).

The corpus holds templates only, so every script URL maps to a file that is not there:
the mapping is declared partial, which must give AIB305 notes, never AIB307 errors.
"""

from __future__ import annotations

import re
from pathlib import Path

from aiblint.config import Config
from aiblint.findings import Severity
from aiblint.run import lint_paths
from tests.conftest import CORPUS, need_shared

SCRIPT_RULES = ("SC", "PS", "AIB212", "AIB305", "AIB307", "AIB507")
NOTE = re.compile(
    r"scripts: (\d+) inline scripts and (\d+) script files? checked; of (\d+) referenced scripts, (\d+) resolved to a local file, "
    r"(\d+) not resolved \(AIB305\), (\d+) given by an expression or placeholder; map URLs to folders with script-roots, or use --fetch"
)


def _corpus_roots() -> dict[str, tuple[str, bool]]:
    roots = {}
    for folder in sorted(CORPUS.iterdir()):
        if folder.is_dir() and "__" in folder.name:
            owner, repo = folder.name.split("__", 1)
            for ref in ("master", "main"):
                roots[f"https://raw.githubusercontent.com/{owner}/{repo}/{ref}/"] = (str(folder), True)
    return roots


def test_corpus_scripts_resolved_through_its_layout() -> None:
    need_shared()
    report = lint_paths([str(CORPUS)], config=Config(script_roots=_corpus_roots()))
    assert report.errors == []
    mine = [f for f in report.findings if f.rule.startswith(SCRIPT_RULES)]
    # Nothing these rules report on the corpus is an error: the scripts are not there to judge.
    assert [f for f in mine if f.severity is not Severity.NOTE] == []
    not_resolved = [f for f in mine if f.rule == "AIB305"]
    for finding in not_resolved:
        mapped = re.search(r"it maps to (\S+), which is not in that partial copy( \(value used by .*\))?$", finding.message)
        assert mapped is not None, finding.message
        assert mapped.group(1).startswith(str(CORPUS)) and not Path(mapped.group(1)).exists()
    [note] = [note for note in report.notes if note.startswith("scripts:")]
    match = NOTE.fullmatch(note)
    assert match is not None, note
    inline, files, referenced, resolved, unresolved, unknown = map(int, match.groups())
    assert (files, resolved) == (0, 0)  # the corpus holds no scripts
    assert unresolved == len(not_resolved) > 100
    assert referenced == resolved + unresolved + unknown
    assert inline >= 40
    assert [(f.rule, f.line) for f in mine if f.rule.startswith("SC")] == [("SC2086", 52), ("SC2086", 53), ("SC2086", 61), ("SC2086", 62)]


def test_without_a_mapping_every_script_url_gets_the_hint() -> None:
    need_shared()
    report = lint_paths([str(CORPUS)])
    not_resolved = [f for f in report.findings if f.rule == "AIB305"]
    assert len(not_resolved) > 100
    assert all("map it to a local folder with script-roots" in f.message for f in not_resolved)
    assert [f for f in report.findings if f.rule in ("AIB307", "AIB212", "AIB507")] == []
