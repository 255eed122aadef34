"""``aiblint lsp`` driven over stdio by pygls' own language client, as an editor would."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from aiblint.lsp.positions import UTF8, UTF16, UTF32, PositionMap

# The emoji is one code point (our columns) but two UTF-16 code units (the editor's).
BAD = """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "location": "😀<region>",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "😀", "inline": ["true"]}, {"type": "Shell", "name": "😀", "inline": ["true"]}
    ]
  }
}
"""
GOOD = BAD.replace("😀<region>", "westus2").replace('"name": "😀", "inline"', '"name": "first", "inline"', 1)
CONFIG = '[tool.aiblint]\nselect = ["AIB001", "AIB003", "AIB201"]\n'  # rules added later do not change this test
WAIT = 60  # seconds: a safety net against a hung server, not a measurement


def _summary(diagnostics: list[types.Diagnostic]) -> list[tuple[Any, ...]]:
    return [
        (d.code, d.severity, d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character, d.source)
        for d in diagnostics
    ]


class _Editor:
    """pygls' language client running ``aiblint lsp`` as a subprocess, as an editor would."""

    def __init__(self, folder: Path) -> None:
        from pygls.lsp.client import LanguageClient

        self.folder = folder
        self.client = LanguageClient("aiblint-test", "1")
        self.published: asyncio.Queue[types.PublishDiagnosticsParams] = asyncio.Queue()

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def _diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.published.put_nowait(params)

    async def __aenter__(self) -> tuple[Any, types.InitializeResult]:
        await self.client.start_io(sys.executable, "-m", "aiblint", "lsp", cwd=str(self.folder))
        uri = self.folder.as_uri()
        result = await asyncio.wait_for(
            self.client.initialize_async(
                types.InitializeParams(
                    capabilities=types.ClientCapabilities(),
                    root_uri=uri,
                    workspace_folders=[types.WorkspaceFolder(uri, "work")],
                )
            ),
            WAIT,
        )
        self.client.initialized(types.InitializedParams())
        return self.client, result

    async def __aexit__(self, *_: object) -> None:
        try:
            await asyncio.wait_for(self.client.shutdown_async(None), WAIT)
            self.client.exit(None)
        finally:
            await asyncio.wait_for(self.client.stop(), WAIT)

    async def next_published(self) -> tuple[str, int | None, list[types.Diagnostic]]:
        params = await asyncio.wait_for(self.published.get(), WAIT)
        return params.uri, params.version, list(params.diagnostics)


def _open(client: Any, uri: str, text: str) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id="json", version=1, text=text))
    )


def _replace(client: Any, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            [types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def _session(folder: Path) -> list[tuple[str, int | None, list[types.Diagnostic]]]:
    editor = _Editor(folder)
    received = []
    async with editor as (client, result):
        assert result.server_info is not None and result.server_info.name == "aiblint"
        uri = (folder / "image.json").as_uri()
        _open(client, uri, BAD)
        received.append(await editor.next_published())

        # Fix the placeholder with an incremental edit, addressed in UTF-16 units as an editor does.
        edit = types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(2, 15), types.Position(2, 25)), text="westus2"
        )
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(types.VersionedTextDocumentIdentifier(uri=uri, version=2), [edit])
        )
        received.append(await editor.next_published())
        _replace(client, uri, 3, GOOD)
        received.append(await editor.next_published())
        _replace(client, uri, 4, BAD)
        received.append(await editor.next_published())
        client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri=uri)))
        received.append(await editor.next_published())
        client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=uri)))
        received.append(await editor.next_published())

        _open(client, (folder / "package.json").as_uri(), '{"name": "x",}')
        received.append(await editor.next_published())
    return received


def test_diagnostics_follow_the_buffer(tmp_path: Path) -> None:
    (tmp_path / ".aiblint.toml").write_text(CONFIG)
    opened, placeholder_fixed, fixed, broken_again, saved, closed, other = asyncio.run(_session(tmp_path))
    uri = (tmp_path / "image.json").as_uri()
    error, warning = types.DiagnosticSeverity.Error, types.DiagnosticSeverity.Warning
    # Line 3, "😀<region>": "<" is code point 16 (0-based), UTF-16 character 17.
    # Line 6: the second "😀" (with its quotes) starts at code point 84, UTF-16 character 85,
    # and is 3 code points but 4 UTF-16 units long.
    placeholder = ("AIB003", warning, 2, 17, 2, 25, "aiblint")
    duplicate = ("AIB201", error, 5, 85, 5, 89, "aiblint")
    assert (opened[0], opened[1], _summary(opened[2])) == (uri, 1, [placeholder, duplicate])
    assert opened[2][1].message.startswith('customizer name "😀" is already used by properties.customize[0] (line 6)')
    assert opened[2][1].code_description is not None
    assert opened[2][1].code_description.href == "https://github.com/aiblint/aiblint/blob/main/docs/rules/AIB201.md"
    assert (placeholder_fixed[1], _summary(placeholder_fixed[2])) == (2, [duplicate])
    assert (fixed[0], fixed[1], fixed[2]) == (uri, 3, [])
    assert (broken_again[1], _summary(broken_again[2])) == (4, [placeholder, duplicate])
    assert (saved[1], _summary(saved[2])) == (4, [placeholder, duplicate])
    assert (closed[0], closed[2]) == (uri, [])
    assert (other[0], other[2]) == ((tmp_path / "package.json").as_uri(), [])  # not a template: not ours


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [(UTF16, (0, 10)), (UTF32, (0, 9)), (UTF8, (0, 13))],
)
def test_columns_are_converted_to_the_agreed_encoding(encoding: str, expected: tuple[int, int]) -> None:
    text = '{"a": "😀é", "b": 1}'
    # aiblint column 10 (1-based code points) is the closing quote after "😀é".
    assert text[9] == '"'
    assert PositionMap(text, encoding).position(1, 10) == expected


def test_line_breaks_and_byte_order_mark() -> None:
    text = '\ufeff{\r\n  "a": 1,\r  "b": "😀x"\n}'
    positions = PositionMap(text, UTF16)
    # aiblint splits lines at \n only and counts columns after the byte order mark;
    # LSP also breaks at a lone \r and counts the mark.
    assert positions.position(1, 1) == (0, 1)  # "{" after the mark
    assert positions.position(1, 2) == (0, 2)  # the \r of \r\n: the end of LSP line 0
    assert positions.position(1, 3) == (0, 2)  # the \n of \r\n: still the end of LSP line 0
    assert positions.position(2, 3) == (1, 2)  # the quote before "a": aiblint line 2, LSP line 1
    assert positions.position(2, 13) == (2, 2)  # the quote before "b": after the lone \r, LSP line 2
    assert positions.position(2, 20) == (2, 10)  # "x" after the emoji: 9 code points, 10 UTF-16 units
    assert positions.position(99, 1) == (3, 0)  # clamped to the last line


def test_vscode_problem_matcher_in_the_docs_reads_the_text_output(write) -> None:  # type: ignore[no-untyped-def]
    import json
    import re

    from tests.conftest import ROOT, main_in_process

    docs = (ROOT / "docs" / "integrations.md").read_text()
    tasks = json.loads(re.search(r"```json\n(\{\n  \"version\": \"2\.0\.0\".*?)```", docs, re.S).group(1))  # type: ignore[union-attr]
    (task,) = tasks["tasks"]
    pattern = task["problemMatcher"]["pattern"]
    write("image.json", BAD)
    write(".aiblint.toml", CONFIG)
    code, out = main_in_process(*task["args"][:-1], "image.json")
    assert code == 1
    matched = [re.match(pattern["regexp"], line) for line in out.splitlines()]
    read = [
        tuple(match.group(pattern[key]) for key in ("file", "line", "column", "severity", "code"))
        for match in matched if match
    ]
    assert read == [("image.json", "3", "17", "warning", "AIB003"), ("image.json", "6", "85", "error", "AIB201")]
    assert matched[-1] is None  # the summary line is not a problem


def test_the_documented_stdin_command_line(write) -> None:  # type: ignore[no-untyped-def]
    import json

    from tests.conftest import run_cli

    folder = write(".aiblint.toml", CONFIG).parent
    done = run_cli("--format", "json", "--stdin-filename", "templates/image.json", "-", cwd=folder, stdin=BAD.encode())
    assert done.returncode == 1, done.stderr
    findings = json.loads(done.stdout)["findings"]
    assert [(f["path"], f["rule"], f["line"], f["column"]) for f in findings] == [
        ("templates/image.json", "AIB003", 3, 17),
        ("templates/image.json", "AIB201", 6, 85),
    ]


# A repeated key with the same value: AIB002's fix deletes the repeat. The emoji before it
# makes the edit's UTF-16 range differ from its code point columns.
REPEATED = """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "location": "westus2",
  "tags": {"owner": "😀", "owner": "😀"},
  "properties": {}
}
"""
UNREPEATED = REPEATED.replace(', "owner": "😀"}', "}")


def _apply(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP text edits (UTF-16 positions, as an editor counts them) to a text."""
    lines = text.split("\n")

    def index(position: types.Position) -> int:
        line = lines[position.line]
        units = 0
        for column, char in enumerate(line):
            if units >= position.character:
                return sum(len(before) + 1 for before in lines[: position.line]) + column
            units += 2 if ord(char) > 0xFFFF else 1
        return sum(len(before) + 1 for before in lines[: position.line]) + len(line)

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: index(edit.range.start)] + edit.new_text + text[index(edit.range.end) :]
    return text


async def _quick_fix(folder: Path) -> tuple[Any, ...]:
    editor = _Editor(folder)
    async with editor as (client, result):
        assert result.capabilities.code_action_provider is not None
        uri = (folder / "image.json").as_uri()
        _open(client, uri, REPEATED)
        _, _, diagnostics = await editor.next_published()
        actions = await asyncio.wait_for(
            client.text_document_code_action_async(
                types.CodeActionParams(
                    text_document=types.TextDocumentIdentifier(uri=uri),
                    range=diagnostics[0].range,
                    context=types.CodeActionContext(diagnostics=diagnostics),
                )
            ),
            WAIT,
        )
        (action,) = [a for a in actions if a.is_preferred]  # the fix; the other is "ignore here"
        assert [a.title for a in actions if not a.is_preferred] == ["AIB002: ignore here (write the reason)"]
        fixed = _apply(REPEATED, action.edit.changes[uri])
        _replace(client, uri, 2, fixed)
        _, _, after = await editor.next_published()
        nothing = await asyncio.wait_for(
            client.text_document_code_action_async(
                types.CodeActionParams(
                    text_document=types.TextDocumentIdentifier(uri=uri),
                    range=types.Range(types.Position(0, 0), types.Position(9, 0)),
                    context=types.CodeActionContext(diagnostics=[]),
                )
            ),
            WAIT,
        )
    return diagnostics, action, fixed, after, nothing


def test_a_mechanical_fix_is_a_quick_fix(tmp_path: Path) -> None:
    (tmp_path / ".aiblint.toml").write_text('[tool.aiblint]\nselect = ["AIB002"]\n')
    diagnostics, action, fixed, after, nothing = asyncio.run(_quick_fix(tmp_path))
    # '  "tags": {"owner": "😀"' is 23 code points, 24 UTF-16 units; ', "owner": "😀"' is 14 code points, 15 units.
    assert _summary(diagnostics) == [("AIB002", types.DiagnosticSeverity.Error, 3, 26, 3, 33, "aiblint")]
    assert action.title == 'AIB002: delete the repeated "owner" (same value)'
    assert action.kind == types.CodeActionKind.QuickFix
    (edits,) = action.edit.changes.values()
    assert [(e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character, e.new_text) for e in edits] == [
        (3, 24, 3, 39, ""),
    ]
    assert fixed == UNREPEATED
    assert after == []
    assert not nothing  # fixed: no action left


RUNS_A_SCRIPT = """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "location": "westus2",
  "properties": {
    "customize": [
      {"type": "Shell", "name": "install", "scriptUri": "../scripts/install.sh"}
    ]
  }
}
"""
UNQUOTED = "#!/bin/bash\nset -euo pipefail\nrm -rf $1/cache\n"


async def _published_for(editor: _Editor, uri: str) -> list[types.Diagnostic]:
    """The next diagnostics published for ``uri`` (others published meanwhile are skipped)."""
    while True:
        published, _, diagnostics = await editor.next_published()
        if published == uri:
            return diagnostics


async def _script_session(folder: Path) -> tuple[list[types.Diagnostic], ...]:
    editor = _Editor(folder)
    template = (folder / "templates" / "t.json").as_uri()
    script = (folder / "scripts" / "install.sh").as_uri()
    async with editor as (client, _):
        _open(client, template, RUNS_A_SCRIPT)
        opened = await _published_for(editor, script)
        (folder / "scripts" / "install.sh").write_text(UNQUOTED.replace("$1/cache", '"$1/cache"'))
        client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri=template)))
        saved = await _published_for(editor, script)
        (folder / "scripts" / "install.sh").write_text(UNQUOTED)
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri=script, language_id="shellscript", version=1, text=UNQUOTED)
            )
        )
        script_opened = await _published_for(editor, script)
    return opened, saved, script_opened


def test_diagnostics_in_a_referenced_script(tmp_path: Path) -> None:
    (tmp_path / ".aiblint.toml").write_text('[tool.aiblint]\nselect = ["SC"]\n')
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.json").write_text(RUNS_A_SCRIPT)  # on disk too: the script's own lint finds it
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "install.sh").write_text(UNQUOTED)
    opened, saved, script_opened = asyncio.run(_script_session(tmp_path))
    # "$1/cache" starts at aiblint 3:8, LSP (2, 7); SC2086 marks "$1".
    sc2086 = ("SC2086", types.DiagnosticSeverity.Information, 2, 7, 2, 9, "aiblint")
    assert _summary(opened) == [sc2086]
    assert opened[0].message == "Double quote to prevent globbing and word splitting: `$1`"
    assert saved == []  # fixed on disk: the template's lint finds nothing there any more
    assert _summary(script_opened) == [sc2086]  # the script itself, through the template that runs it


def test_two_templates_running_one_script_keep_their_own_shares() -> None:
    from aiblint.lsp.server import AiblintLanguageServer

    server = AiblintLanguageServer()
    published: list[tuple[str, list[str]]] = []
    server.publish = lambda uri, diagnostics, version=None: published.append(  # type: ignore[method-assign]
        (uri, [str(d.code) for d in diagnostics])
    )

    def found(code: str) -> list[types.Diagnostic]:
        return [types.Diagnostic(range=types.Range(types.Position(2, 7), types.Position(2, 9)), message="m", code=code)]

    server.contribute("file:///a.json", {"file:///s.sh": found("SC2086")})
    server.contribute("file:///b.json", {"file:///s.sh": found("SC2086") + found("AIB401")})
    server.contribute("file:///a.json", {})  # a no longer runs the script: b's share stays
    server.contribute("file:///b.json", {})
    assert published == [
        ("file:///a.json", []),
        ("file:///s.sh", ["SC2086"]),
        ("file:///b.json", []),
        ("file:///s.sh", ["SC2086", "AIB401"]),
        ("file:///a.json", []),
        ("file:///b.json", []),
        ("file:///s.sh", []),
    ]


def test_a_change_to_a_document_never_opened_is_ignored_quietly(tmp_path: Path) -> None:
    # pygls applied it to a document it did not have: "Error in server: KeyError" in the editor.
    (tmp_path / ".aiblint.toml").write_text(CONFIG)
    shown: list[str] = []

    async def session() -> tuple[str, int | None, list[types.Diagnostic]]:
        editor = _Editor(tmp_path)

        @editor.client.feature(types.WINDOW_SHOW_MESSAGE)
        def _shown(params: types.ShowMessageParams) -> None:
            shown.append(params.message)

        async with editor as (client, _):
            _replace(client, (tmp_path / "never-opened.json").as_uri(), 2, BAD)
            _open(client, (tmp_path / "image.json").as_uri(), BAD)  # the server still serves
            return await editor.next_published()

    uri, version, diagnostics = asyncio.run(session())
    assert (uri, version, [d.code for d in diagnostics]) == ((tmp_path / "image.json").as_uri(), 1, ["AIB003", "AIB201"])
    assert shown == []
