"""``aiblint --fix`` and ``--diff``: apply the fixes that rules attach to findings.

A fix (:class:`aiblint.findings.Fix`) is a list of text edits in the finding's
own file. Edits replace characters and nothing else, so comments, key order,
indentation, line endings and a byte order mark stay exactly as they were.
A fix is applied whole or not at all: one that overlaps a fix already applied
waits for the next round, in which the file is linted again in memory (at most
:data:`MAX_ROUNDS` rounds). A JSON file that parsed before and would not parse
after is left alone, and so is a fix that would leave an object with a key
written twice (which value counts would then depend on the parser). Suppressed
findings are not fixed.

A file is fixed only if it still holds the bytes that were linted (an editor
may save it during a long run), checked when it is read again and once more
just before it is replaced; it is replaced atomically (:mod:`aiblint.safewrite`).
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

from aiblint.findings import Edit, Finding, Fix, InternalError, Report
from aiblint.jsontree import JsonNode, JsonObject, JsonString, walk
from aiblint.loader import load_text
from aiblint.safewrite import FileChanged, digest, replace_file

if TYPE_CHECKING:
    from aiblint.config import Config
    from aiblint.document import Document
    from aiblint.registry import RuleSet

BOM = b"\xef\xbb\xbf"
#: Rounds of fix-and-lint-again per file; each round must change something.
MAX_ROUNDS = 8

#: Lints a file's new text in memory: (text, display path) -> its findings.
Relint = Callable[[str, str], list[Finding]]


@dataclass(frozen=True)
class FileChange:
    """One file's text before and after its fixes."""

    path: Path
    display: str
    before: str
    after: str
    bom: bool
    fixed: int  # findings whose fix was applied
    digest: str  # of the bytes ``before`` was read from: the file must still hold them when it is written

    def data(self) -> bytes:
        return (BOM if self.bom else b"") + self.after.encode("utf-8")


def replace_string(document: Document, node: JsonNode | None, text: str, description: str) -> Fix | None:
    """For rules: a fix that rewrites the JSON string ``node`` of ``document``
    as ``text``, only when both are plain (no escapes), so nothing else changes."""
    if not isinstance(node, JsonString) or document.text[node.start + 1 : node.end - 1] != node.text:
        return None
    if json.dumps(text, ensure_ascii=False)[1:-1] != text:
        return None
    return Fix(description, (Edit(node.start + 1, node.end - 1, text),))


def apply_fixes(text: str, fixes: Iterable[Fix]) -> tuple[str, int]:
    """``text`` with every fix that does not overlap an earlier one (or stray
    outside the text) applied; how many were applied. The same edit asked
    by two findings is made once."""
    taken: list[Edit] = []
    applied = 0
    for fix in fixes:
        edits = sorted(set(fix.edits), key=lambda edit: (edit.start, edit.end))
        fresh = [edit for edit in edits if edit not in taken]
        if not _valid(edits, len(text)) or any(_overlap(edit, other) for edit in fresh for other in taken):
            continue
        taken += fresh
        applied += 1
    for edit in sorted(taken, key=lambda edit: (edit.start, edit.end), reverse=True):
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text, applied


def _valid(edits: Sequence[Edit], length: int) -> bool:
    if not all(0 <= edit.start <= edit.end <= length for edit in edits):
        return False
    return not any(_overlap(first, second) for first, second in pairwise(edits))


def _overlap(first: Edit, second: Edit) -> bool:
    """Two edits touch the same characters (or insert at the same place)."""
    if first.start == first.end or second.start == second.end:
        return first.start == second.start or first.start < second.start < first.end or second.start < first.start < second.end
    return first.start < second.end and second.start < first.end


def plan_fixes(report: Report, cwd: Path, relint: Relint) -> tuple[list[FileChange], list[str]]:
    """The changes the report's fixes make, file by file, and why some file
    could not be fixed. Nothing is written."""
    by_path: dict[str, list[Fix]] = {}
    for finding in report.active:
        if finding.fix is not None:
            by_path.setdefault(finding.path, []).append(finding.fix)
    changes: list[FileChange] = []
    problems: list[str] = []
    for display, fixes in sorted(by_path.items()):
        path = cwd / display
        try:
            data = path.read_bytes()
            bom = data.startswith(BOM)
            before = data[len(BOM) if bom else 0 :].decode("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            problems.append(f"{display}: not fixed: cannot read it again: {error}")
            continue
        linted = report.digests.get(display)
        if linted is not None and digest(data) != linted:
            problems.append(f"{display}: not fixed: {CHANGED}")
            continue
        after, fixed = _rounds(before, display, fixes, relint)
        if after is None:
            problems.append(f"{display}: not fixed: the fixed text would not parse as JSON, or would repeat a key "
                            "(a bug in a rule's fix)")
        elif after != before:
            changes.append(FileChange(path, display, before, after, bom, fixed, digest(data)))
    return changes, problems


CHANGED = "it changed since it was linted (run aiblint --fix again)"


def _rounds(text: str, display: str, fixes: list[Fix], relint: Relint) -> tuple[str | None, int]:
    loaded = load_text(text, display)
    parsed = loaded.problem is None
    repeated = _repeated_keys(loaded.root)
    fixed = 0
    for _ in range(MAX_ROUNDS):
        after, applied = apply_fixes(text, fixes)
        result = load_text(after, display) if parsed else None
        if result is not None and (result.problem is not None or _repeated_keys(result.root) - repeated):
            return (None, 0) if fixed == 0 else (text, fixed)
        if after == text:
            break
        text, fixed = after, fixed + applied
        fixes = [f.fix for f in relint(text, display) if f.path == display and f.suppressed is None and f.fix is not None]
        if not fixes:
            break
    return text, fixed


def _repeated_keys(root: JsonNode | None) -> Counter[tuple[object, ...]]:
    """Each key written more than once in an object, by the object's place in the
    tree, counted: a fix may remove a repeat (AIB002), never add one."""
    repeated: Counter[tuple[object, ...]] = Counter()
    for node in walk(root) if root is not None else ():
        if isinstance(node, JsonObject) and len(node.members) > len(node.keys()):
            counts = Counter(key.text for key, _ in node.members)
            # The object's place without case: a fix may respell a name on the way to it.
            place = tuple(part.casefold() if isinstance(part, str) else part for part in node.path())
            repeated.update({(*place, name): count - 1 for name, count in counts.items() if count > 1})
    return repeated


def relinter(report: Report, rules: RuleSet, config: Config, cwd: Path) -> Relint:
    """Lints a fixed text again with the rules whose fixes are in ``report``
    (only they can offer another fix)."""
    from aiblint.engine import Linter
    from aiblint.registry import RuleSet

    fixing = {finding.rule.upper() for finding in report.active if finding.fix is not None}
    chosen = [rule for rule in rules.rules if any(rule_id.startswith(rule.id.upper()) for rule_id in fixing)]
    linter = Linter(RuleSet(chosen), config, cwd)
    return lambda text, display: linter.lint_bytes(text.encode("utf-8"), display)[0]


def write_changes(changes: Iterable[FileChange]) -> tuple[list[FileChange], list[str], list[InternalError]]:
    """Write each file that still holds what was fixed: those written, why others
    were skipped (changed meanwhile), and those that could not be written (errors:
    the file is as it was)."""
    written: list[FileChange] = []
    skipped: list[str] = []
    errors: list[InternalError] = []
    for change in changes:
        try:
            replace_file(change.path, change.data(), expected=change.digest)
        except FileChanged:
            skipped.append(f"{change.display}: not fixed: {CHANGED}")
        except OSError as error:
            errors.append(InternalError(change.display, f"not fixed: cannot write it: {error.strerror or error}"))
        else:
            written.append(change)
    return written, skipped, errors


def unified_diff(changes: Iterable[FileChange]) -> str:
    """What ``--fix`` would change, as a unified diff (``git apply`` reads it)."""
    out: list[str] = []
    for change in changes:
        lines = difflib.unified_diff(
            _lines(change.before),
            _lines(change.after),
            fromfile=f"a/{change.display}",
            tofile=f"b/{change.display}",
        )
        for line in lines:
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _lines(text: str) -> list[str]:
    """Lines as ``patch`` and ``git apply`` count them: ended by ``\\n`` only
    (``str.splitlines`` also ends a line at U+2028, U+0085, a form feed... that
    JSON strings may hold, and the diff would not apply)."""
    lines = text.split("\n")
    ended = [line + "\n" for line in lines[:-1]]
    return [*ended, lines[-1]] if lines[-1] else ended
