"""The language server while a user types: debounced changes, unsaved script
buffers linted through the templates that run them, the "ignore here" action,
and the editor set-ups in docs/integrations.md attaching to scripts. Driven
over stdio by pygls' language client, as an editor would."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from lsprotocol import types

from tests.conftest import ROOT
from tests.test_lsp import (
    BAD,
    GOOD,
    RUNS_A_SCRIPT,
    UNQUOTED,
    WAIT,
    _apply,
    _Editor,
    _open,
    _published_for,
    _replace,
    _summary,
)

QUOTED = UNQUOTED.replace("$1/cache", '"$1/cache"')


async def _burst(folder: Path) -> list[tuple[str, int | None, list[types.Diagnostic]]]:
    editor = _Editor(folder)
    uri = (folder / "image.json").as_uri()
    async with editor as (client, _):
        _open(client, uri, GOOD)
        first = await editor.next_published()
        for version in range(2, 32):  # 30 quick edits, the last one breaks the template
            _replace(client, uri, version, BAD if version % 2 else GOOD)
        after = await editor.next_published()
    return [first, after]


def test_a_burst_of_edits_is_linted_once(tmp_path: Path) -> None:
    (tmp_path / ".aiblint.toml").write_text('[tool.aiblint]\nselect = ["AIB003", "AIB201"]\n')
    first, after = asyncio.run(_burst(tmp_path))
    assert (first[1], first[2]) == (1, [])
    assert after[1] == 31  # the first publish after the burst is for its last version: no lint per edit
    assert [d.code for d in after[2]] == ["AIB003", "AIB201"]


async def _code_actions(client: Any, uri: str, diagnostic: types.Diagnostic) -> list[types.CodeAction]:
    return await asyncio.wait_for(  # type: ignore[no-any-return]
        client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=diagnostic.range,
                context=types.CodeActionContext(diagnostics=[diagnostic]),
            )
        ),
        WAIT,
    )


def _ignore(actions: list[types.CodeAction]) -> types.CodeAction:
    (action,) = [a for a in actions if "ignore here" in a.title]
    return action


async def _unsaved_script(folder: Path) -> tuple[Any, ...]:
    editor = _Editor(folder)
    script = (folder / "scripts" / "install.sh").as_uri()
    async with editor as (client, _):
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=script, language_id="sh", version=1, text=QUOTED))
        )
        clean = await _published_for(editor, script)
        _replace(client, script, 2, UNQUOTED)  # typed, not saved: the file on disk is still clean
        unsaved = await _published_for(editor, script)
        action = _ignore(await _code_actions(client, script, unsaved[0]))
        ignored = _apply(UNQUOTED, action.edit.changes[script])
        _replace(client, script, 3, ignored)
        after = await _published_for(editor, script)
    return clean, unsaved, action, ignored, after


def test_an_unsaved_script_is_linted_through_its_template_and_can_be_ignored_there(tmp_path: Path) -> None:
    (tmp_path / ".aiblint.toml").write_text('[tool.aiblint]\nselect = ["SC2086", "AIB006"]\n')
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.json").write_text(RUNS_A_SCRIPT)
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "install.sh").write_text(QUOTED)
    clean, unsaved, action, ignored, after = asyncio.run(_unsaved_script(tmp_path))
    assert clean == []
    assert _summary(unsaved) == [("SC2086", types.DiagnosticSeverity.Information, 2, 7, 2, 9, "aiblint")]
    assert action.title == "SC2086: ignore here (write the reason)"
    assert ignored == "#!/bin/bash\nset -euo pipefail\n# aiblint: ignore[SC2086] \nrm -rf $1/cache\n"
    assert [d.code for d in after] == ["AIB006"]  # suppressed; the empty reason is asked for


PLACEHOLDER = """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "location": "<region>",
  "properties": {}
}
"""


async def _ignore_in(folder: Path, name: str, text: str) -> tuple[str, list[types.Diagnostic]]:
    editor = _Editor(folder)
    uri = (folder / name).as_uri()
    async with editor as (client, _):
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id=name.rsplit(".")[-1], version=1, text=text))
        )
        _, _, found = await editor.next_published()
        (placeholder,) = [d for d in found if d.code == "AIB003"]
        action = _ignore(await _code_actions(client, uri, placeholder))
        ignored = _apply(text, action.edit.changes[uri])
        _replace(client, uri, 2, ignored)
        _, _, after = await editor.next_published()
    return ignored, after


def test_ignore_here_in_strict_json_writes_resource_metadata(tmp_path: Path) -> None:
    (tmp_path / ".aiblint.toml").write_text('[tool.aiblint]\nselect = ["AIB003", "AIB006"]\n')
    ignored, after = asyncio.run(_ignore_in(tmp_path, "image.json", PLACEHOLDER))
    assert ignored == PLACEHOLDER.replace(
        '  "type"', '  "metadata": {"aiblint": {"ignore": [{"rule": "AIB003", "reason": "", "path": "location"}]}},\n  "type"'
    )
    assert [d.code for d in after] == ["AIB006"]


def test_ignore_here_in_jsonc_writes_a_comment(tmp_path: Path) -> None:
    (tmp_path / ".aiblint.toml").write_text('[tool.aiblint]\nselect = ["AIB003", "AIB006"]\n')
    ignored, after = asyncio.run(_ignore_in(tmp_path, "image.jsonc", PLACEHOLDER))
    assert ignored == PLACEHOLDER.replace('  "location"', '  // aiblint: ignore[AIB003] \n  "location"')
    assert [d.code for d in after] == ["AIB006"]


def test_the_documented_editor_setups_attach_to_scripts() -> None:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib

    from aiblint.lsp.server import _is_json, _is_script

    docs = (ROOT / "docs" / "integrations.md").read_text(encoding="utf-8")
    lua = re.search(r"```lua\n(.*?)```", docs, re.S)
    assert lua is not None
    filetypes = re.findall(r'"([a-z0-9]+)"', re.search(r"filetypes = \{(.*?)\}", lua.group(1)).group(1))  # type: ignore[union-attr]
    assert {"json", "jsonc", "sh", "bash", "ps1"} <= set(filetypes)
    for filetype in filetypes:  # Neovim sends its file type as the language id
        assert _is_script(None, filetype) or _is_json(None, filetype) or filetype in ("bicep", "terraform"), filetype
    helix = re.search(r"Helix \(`languages.toml`\):\n\n```toml\n(.*?)```", docs, re.S)
    assert helix is not None
    config = tomllib.loads(helix.group(1))
    served = {language["name"]: language for language in config["language"] if "aiblint" in language["language-servers"]}
    assert {"json", "bash"} <= set(served)
    for name, language in served.items():  # Helix sends language-id, else the language's name
        language_id = language.get("language-id", name)
        assert _is_script(None, language_id) or _is_json(None, language_id) or name in ("bicep", "hcl"), name


def _metadata_insert(text: str, logical_path: str) -> str | None:
    from aiblint.loader import load_text
    from aiblint.lsp.ignore import metadata_entry
    from aiblint.model import find_templates

    (template,) = find_templates(load_text(text, "t.json"))
    insert = metadata_entry(text, template.resource, "AIB003", logical_path)
    return None if insert is None else text[: insert.offset] + insert.text + text[insert.offset :]


def test_ignore_entries_join_the_metadata_there_is() -> None:
    entry = '{"rule": "AIB003", "reason": "", "path": "location"}'
    existing = '{"rule": "AIB304", "reason": "pinned"}'
    base = '{"type": "Microsoft.VirtualMachineImages/imageTemplates", "location": "<region>", METADATA"properties": {}}'
    cases = {
        "": f'{{"metadata": {{"aiblint": {{"ignore": [{entry}]}}}}, "type"',  # a one-line object: no new line
        '"metadata": {"owner": "x"}, ': f'"metadata": {{"aiblint": {{"ignore": [{entry}]}}, "owner": "x"}}',
        '"metadata": {"aiblint": {"ignore": []}}, ': f'"ignore": [{entry}]',
        f'"metadata": {{"aiblint": {{"ignore": [{existing}]}}}}, ': f'"ignore": [{existing}, {entry}]',
    }
    for metadata, expected in cases.items():
        written = _metadata_insert(base.replace("METADATA", metadata), "location")
        assert written is not None and expected in written, (metadata, written)
    assert _metadata_insert(base.replace("METADATA", '"metadata": "a string", '), "location") is None
    nested = '{"resources": [{"type": "Microsoft.VirtualMachineImages/imageTemplates", "location": "<region>"}]}'
    assert _metadata_insert(nested, "parameters.region") is None  # outside the resource: no place for it
    assert '"path": "location"' in (_metadata_insert(nested, "resources[0].location") or "")
