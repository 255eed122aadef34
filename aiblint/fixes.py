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

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Final

from aiblint.findings import Edit, Finding, Fix, InternalError, Report
from aiblint.jsontree import JsonNode, JsonObject, JsonString, walk
from aiblint.loader import load_text
from aiblint.record import Record
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


class FileChange(Record):
    """One file's text before and after its fixes."""

    __slots__ = ("path", "display", "before", "after", "bom", "fixed", "digest")  # noqa: RUF023 - in field order
    path: Final[Path]
    display: Final[str]
    before: Final[str]
    after: Final[str]
    bom: Final[bool]
    fixed: Final[int]  # findings whose fix was applied
    digest: Final[str]  # of the bytes ``before`` was read from: the file must still hold them when it is written

    def __init__(self, path: Path, display: str, before: str, after: str, bom: bool, fixed: int, digest: str) -> None:
        self.path = path
        self.display = display
        self.before = before
        self.after = after
        self.bom = bom
        self.fixed = fixed
        self.digest = digest

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


#: Lines of context around a change, as ``diff -u`` writes them.
CONTEXT = 3
Opcode = tuple[str, int, int, int, int]


def _shown(line: str) -> bool:
    return True


def unified_diff(changes: Iterable[FileChange], shown: Callable[[str], bool] = _shown) -> tuple[str, list[str]]:
    """What ``--fix`` would change, as a unified diff (``git apply`` reads it),
    and the places (``file:line``) of the changes it leaves out.

    A line that is not ``shown`` as it is (it holds a secret, which the diff
    masks) would not apply as context: hunks end before such lines and begin
    after them (``git apply`` needs no leading context, and trailing context
    only before the end of the file). A change that touches such a line, or
    that such a line directly follows, cannot be written so that it applies:
    it is left out (``--fix`` still makes it)."""
    out: list[str] = []
    omitted: list[str] = []
    for change in changes:
        before, after = _lines(change.before), _lines(change.after)
        hunks: list[list[Opcode]] = []
        import difflib  # a diff only: not imported by a run that needs none
        for group in difflib.SequenceMatcher(None, before, after).get_grouped_opcodes(CONTEXT):
            for hunk in _cut(group, before, shown):
                if _applies(hunk, before, after, shown):
                    hunks.append(hunk)
                else:
                    omitted.append(f"{change.display}:{next(i1 for tag, i1, *_ in hunk if tag != 'equal') + 1}")
        if hunks:
            out += [f"--- a/{change.display}\n", f"+++ b/{change.display}\n"]
            for hunk in hunks:
                out += _hunk_lines(hunk, before, after)
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in out), omitted


def _cut(group: list[Opcode], before: list[str], shown: Callable[[str], bool]) -> list[list[Opcode]]:
    """``group`` (changes within twice the context of each other, with their
    context) cut at every context line that is not shown: the hunks that remain."""
    hunks: list[list[Opcode]] = []
    current: list[Opcode] = []
    for tag, i1, i2, j1, j2 in group:
        hidden = [index for index in range(i1, i2) if not shown(before[index])] if tag == "equal" else []
        if not hidden:
            current.append((tag, i1, i2, j1, j2))
            continue
        first, last = hidden[0], hidden[-1] + 1
        if first > i1:
            current.append((tag, i1, first, j1, j1 + first - i1))
        hunks.append(current)
        current = [(tag, last, i2, j1 + last - i1, j2)] if last < i2 else []
    hunks.append(current)
    return [hunk for hunk in hunks if any(tag != "equal" for tag, *_ in hunk)]


def _applies(hunk: list[Opcode], before: list[str], after: list[str], shown: Callable[[str], bool]) -> bool:
    """Every changed line is shown as it is, and the hunk has trailing context
    or ends at the end of the file (else ``git apply`` needs ``--unidiff-zero``)."""
    changed = [line for tag, i1, i2, j1, j2 in hunk if tag != "equal" for line in (*before[i1:i2], *after[j1:j2])]
    tag, _, end, _, _ = hunk[-1]
    return all(map(shown, changed)) and (tag == "equal" or end == len(before))


def _hunk_lines(hunk: list[Opcode], before: list[str], after: list[str]) -> list[str]:
    """One hunk as ``difflib.unified_diff`` writes it."""
    old = _range(hunk[0][1], hunk[-1][2])
    new = _range(hunk[0][3], hunk[-1][4])
    lines = [f"@@ -{old} +{new} @@\n"]
    for tag, i1, i2, j1, j2 in hunk:
        if tag == "equal":
            lines += [" " + line for line in before[i1:i2]]
            continue
        lines += ["-" + line for line in before[i1:i2]] + ["+" + line for line in after[j1:j2]]
    return lines


def _range(start: int, stop: int) -> str:
    """A hunk header's range: 1-based start, then the length unless it is 1
    (an empty range starts at the line before it)."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


def _lines(text: str) -> list[str]:
    """Lines as ``patch`` and ``git apply`` count them: ended by ``\\n`` only
    (``str.splitlines`` also ends a line at U+2028, U+0085, a form feed... that
    JSON strings may hold, and the diff would not apply)."""
    lines = text.split("\n")
    ended = [line + "\n" for line in lines[:-1]]
    return [*ended, lines[-1]] if lines[-1] else ended
