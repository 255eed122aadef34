"""``aiblint lsp``: diagnostics for image templates while they are edited.

The open buffer, not the file on disk, is linted in memory
(:meth:`aiblint.engine.Linter.lint_bytes`) when a document is opened, changed
and saved; closing it clears its diagnostics. The configuration is the one the
CLI would find from the document's folder, read again on every lint so a saved
``.aiblint.toml`` applies at once.

Findings in the scripts a template runs (``scriptUri`` resolved to a local
file) are published to the script's URI. Every lint records what it found in
each other file (``contributions``: target URI -> source URI -> diagnostics),
and a file's diagnostics are the union of what its sources found, so two
templates running one script do not wipe each other's, and a template that no
longer finds anything in a script clears only its own share. A script opened or
opened, changed or saved is linted through the workspace's templates that run
it (:func:`aiblint.script_paths.lint_named_scripts`, as the CLI does for a
named script); that fresh result replaces what the templates found in it
before. Open script buffers stand in for the files on disk (the scripts'
``overlay``), so unsaved edits are linted, in scripts and in the templates
that run them.

Changes are debounced: a lint runs :data:`DEBOUNCE_SECONDS` after the last
change of a document, so a burst of keystrokes costs one lint.

Code actions: a quick fix for every finding whose rule attached a mechanical
fix (:class:`aiblint.findings.Fix`, the edits ``aiblint --fix`` makes), and
for every finding an "ignore here" action that writes a suppression with an
empty reason for the user to fill in (:mod:`aiblint.lsp.ignore`).

Not yet: a changed script does not re-lint the open template buffers that run
it (its own lint goes through the templates as they are on disk).

Suppressed findings are not shown, as in the text output.
"""

from __future__ import annotations

import asyncio
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from fnmatch import fnmatch
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method
from pygls.uris import from_fs_path, to_fs_path

from aiblint import __version__
from aiblint.config import Config, ConfigError, load_config
from aiblint.constants import PROGRAM
from aiblint.discover import Candidate, display_path
from aiblint.engine import Linter
from aiblint.findings import Finding, Fix, Report, Severity
from aiblint.frontends import SUFFIXES, looks_like_template
from aiblint.lsp.ignore import Insert, comment_above, metadata_entry
from aiblint.lsp.positions import UTF16, PositionMap
from aiblint.prefixes import by_longest_prefix
from aiblint.registry import PluginError, RuleSet
from aiblint.script_paths import is_script
from aiblint.selection import Selection

JSON_LANGUAGES = frozenset({"json", "jsonc"})
#: Language ids editors send for scripts: VS Code's, Neovim's file types, Helix's names.
SCRIPT_LANGUAGES = frozenset({"shellscript", "sh", "bash", "zsh", "ksh", "powershell", "ps1"})
#: A lint runs this long after a document's last change (a burst of edits is one lint).
DEBOUNCE_SECONDS = 0.3
_SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.NOTE: types.DiagnosticSeverity.Information,  # LSP has no "note"; Information is closest
}


class _Protocol(LanguageServerProtocol):
    """pygls' protocol, except that a change to a document the editor never opened
    (a client bug, or a race with a close) is logged, not shown to the user as
    "Error in server: KeyError": there is no text to apply it to, nothing to lint."""

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Iterator[Any]:
        uri = params.text_document.uri
        if unquote(uri) not in self.workspace.text_documents:
            self._server.window_log_message(
                types.LogMessageParams(types.MessageType.Log, f"{PROGRAM}: ignored a change to {uri}, which is not open"))
            return
        yield from super().lsp_text_document__did_change(params)


class AiblintLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(PROGRAM, __version__, protocol_cls=_Protocol)
        self._rule_sets: dict[tuple[tuple[str, ...] | None, tuple[str, ...]], RuleSet] = {}
        #: uri -> the quick fixes of its last lint: (diagnostic, title, edits)
        self.fixes: dict[str, list[tuple[types.Diagnostic, str, list[types.TextEdit]]]] = {}
        #: target uri -> source uri -> the diagnostics the source's last lint found in the target
        self.contributions: dict[str, dict[str, list[types.Diagnostic]]] = {}
        #: uri -> the lint waiting for its document's changes to stop
        self.pending: dict[str, asyncio.TimerHandle] = {}
        #: Lints run (tests count them: a burst of changes is one lint).
        self.lints = 0

    def linter(self, folder: Path, root: Path) -> Linter:
        """A linter with the configuration found from ``folder``, working in
        ``root`` (display paths and relative ``scriptUri``s are resolved from
        there, as the CLI run there would); rule sets are loaded once per
        selection (loading imports the rule plugins)."""
        config = load_config(folder)
        key = (tuple(config.select) if config.select is not None else None, tuple(config.ignore))
        if key not in self._rule_sets:
            self._rule_sets[key] = RuleSet.load(Selection.of(config.select, config.ignore))
        linter = Linter(self._rule_sets[key], config, root)
        linter.scripts.overlay = self.open_scripts()
        return linter

    def open_scripts(self) -> dict[Path, bytes]:
        """The open script buffers by file, which the linter reads instead of the disk."""
        buffers: dict[Path, bytes] = {}
        for uri, document in self.open_documents().items():
            path = _fs_path(uri)
            if path is not None and _is_script(path, document.language_id):
                buffers[path.resolve()] = document.source.encode("utf-8", "surrogatepass")
        return buffers

    def open_documents(self) -> dict[str, Any]:
        """The editor's open documents (none before ``initialize``: a server used directly)."""
        try:
            return dict(self.workspace.text_documents)
        except RuntimeError:  # pygls: the workspace is not available yet
            return {}

    def schedule(self, uri: str) -> None:
        """Lint ``uri`` once its changes stop for :data:`DEBOUNCE_SECONDS`."""
        self.cancel(uri)
        self.pending[uri] = asyncio.get_event_loop().call_later(DEBOUNCE_SECONDS, self._lint_pending, uri)

    def cancel(self, uri: str) -> None:
        handle = self.pending.pop(uri, None)
        if handle is not None:
            handle.cancel()

    def _lint_pending(self, uri: str) -> None:
        self.pending.pop(uri, None)
        if uri in self.workspace.text_documents:
            self.lint(uri)

    def root_for(self, path: Path) -> Path:
        """The workspace folder holding ``path`` (the innermost), else its own folder."""
        folders = [Path(p) for p in (to_fs_path(f.uri) for f in self.workspace.folders.values()) if p]
        if self.workspace.root_path:
            folders.append(Path(self.workspace.root_path))
        holding = [folder for folder in folders if path.is_relative_to(folder)]
        return max(holding, key=lambda folder: len(folder.parts)) if holding else path.parent

    def lint(self, uri: str) -> None:
        self.cancel(uri)
        self.lints += 1
        document = self.workspace.get_text_document(uri)
        if _is_script(_fs_path(uri), document.language_id):
            self.lint_script(uri)
            return
        self.fixes[uri] = []
        found: dict[str, list[types.Diagnostic]] = {}
        try:
            found = self.diagnostics(uri, document.source, document.language_id)
        except (ConfigError, PluginError) as error:
            self.window_show_message(types.ShowMessageParams(types.MessageType.Error, f"{PROGRAM}: {error}"))
        except Exception as error:  # a bug in aiblint or a plugin: say so, keep serving
            self._internal_error(uri, error)
        self.contribute(uri, found, document.version)

    def lint_script(self, uri: str) -> None:
        """Lint a script (its open buffer, else the file) through the workspace's templates that run it."""
        path = _fs_path(uri)
        found: dict[str, list[types.Diagnostic]] = {}
        try:
            found = self.script_diagnostics(path) if path else {}
        except (ConfigError, PluginError) as error:
            self.window_show_message(types.ShowMessageParams(types.MessageType.Error, f"{PROGRAM}: {error}"))
        except Exception as error:  # a bug in aiblint or a plugin: say so, keep serving
            self._internal_error(uri, error)
        # Fresh from disk through every template running it: older shares are stale.
        self.contributions.pop(uri, None)
        self.contribute(uri, found)

    def contribute(self, source: str, found: dict[str, list[types.Diagnostic]], version: int | None = None) -> None:
        """Record what ``source``'s lint found in each file and publish the files
        whose union changed; ``source`` itself is always published."""
        targets = {target for target, shares in self.contributions.items() if source in shares}
        for target in sorted(targets | set(found) | {source}):
            shares = self.contributions.setdefault(target, {})
            before = _union(shares.values())
            if found.get(target):
                shares[source] = found[target]
            else:
                shares.pop(source, None)
            after = _union(shares.values())
            if not shares:
                del self.contributions[target]
            if target == source or after != before:
                self.publish(target, after, version if target == source else None)

    def _internal_error(self, uri: str, error: Exception) -> None:
        self.window_log_message(
            types.LogMessageParams(types.MessageType.Error, f"{PROGRAM}: internal error on {uri}: {error!r}")
        )

    def publish(self, uri: str, diagnostics: list[types.Diagnostic], version: int | None = None) -> None:
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        )

    def diagnostics(self, uri: str, text: str, language_id: str | None) -> dict[str, list[types.Diagnostic]]:
        """The buffer's diagnostics (under its own ``uri``) and those in the
        files it reports into (its scripts), by URI."""
        path = _fs_path(uri)
        if not _is_json(path, language_id):
            return {}
        data = text.encode("utf-8", "replace")  # "replace" keeps one character per lone surrogate
        root = self.root_for(path) if path else Path.cwd()
        display = display_path(path, root) if path else uri
        if not looks_like_template(data, display):
            return {}  # like a folder walk: other files are not ours to judge
        linter = self.linter(path.parent if path else root, root)
        if _excluded(display, linter.config):
            return {}
        findings, _ = linter.lint_bytes(data, display, explicit=False)
        positions = self.positions(text)
        help_uris = {rule.id: rule.help_uri() for rule in linter.rules.rules}
        diagnostics = []
        for finding in (f for f in findings if f.path == display and f.suppressed is None):
            diagnostic = _diagnostic(finding, positions, _help_uri(finding.rule, help_uris))
            diagnostics.append(diagnostic)
            if finding.fix is not None:
                self.fixes[uri].append((diagnostic, finding.fix.description, _text_edits(finding.fix, positions)))
        elsewhere = self.diagnostics_on_disk((f for f in findings if f.path != display), root, help_uris)
        return {uri: diagnostics, **elsewhere}

    def script_diagnostics(self, path: Path) -> dict[str, list[types.Diagnostic]]:
        """What the workspace's templates that run the script at ``path`` find in it."""
        root = self.root_for(path)
        display = display_path(path, root)
        linter = self.linter(path.parent, root)
        if _excluded(display, linter.config):
            return {}
        from aiblint.script_paths import lint_named_scripts

        report = Report()
        lint_named_scripts([Candidate(path, display, explicit=True)], set(), linter, report)
        help_uris = {rule.id: rule.help_uri() for rule in linter.rules.rules}
        return self.diagnostics_on_disk(report.findings, root, help_uris)

    def diagnostics_on_disk(
        self, findings: Iterable[Finding], root: Path, help_uris: dict[str, str]
    ) -> dict[str, list[types.Diagnostic]]:
        """Diagnostics by URI for findings in files the linter read from disk
        (``root``-relative paths), positioned in those files' text on disk."""
        by_path: dict[str, list[Finding]] = defaultdict(list)
        for finding in findings:
            if finding.suppressed is None:
                by_path[finding.path].append(finding)
        published: dict[str, list[types.Diagnostic]] = {}
        for display, group in by_path.items():
            path = os.path.normpath(root / display)
            uri = from_fs_path(path)
            if uri is None:
                continue
            buffer = self.open_documents().get(uri)
            try:
                text = buffer.source if buffer is not None else Path(path).read_bytes().decode("utf-8", "replace")
            except OSError:
                continue  # not a local file (the linter said so in a note)
            positions = self.positions(text)
            published[uri] = [_diagnostic(f, positions, _help_uri(f.rule, help_uris)) for f in group]
        return published

    def positions(self, text: str) -> PositionMap:
        return PositionMap(text, str(self.workspace.position_encoding or UTF16))

    def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        """The quick fixes of the diagnostics in the requested range, then an
        "ignore here" action for each of them."""
        uri = params.text_document.uri
        wanted = params.range
        actions = [
            types.CodeAction(
                title=f"{diagnostic.code}: {title}",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                edit=types.WorkspaceEdit(changes={uri: edits}),
                is_preferred=True,
            )
            for diagnostic, title, edits in self.fixes.get(uri, [])
            if _overlap(diagnostic.range, wanted)
        ]
        shown = _union(self.contributions.get(uri, {}).values())
        for diagnostic in (d for d in shown if _overlap(d.range, wanted)):
            action = self.ignore_action(uri, diagnostic)
            if action is not None:
                actions.append(action)
        return actions

    def ignore_action(self, uri: str, diagnostic: types.Diagnostic) -> types.CodeAction | None:
        """Write a suppression of the diagnostic's rule where it is, reason to be filled in."""
        data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
        line, logical_path, rule = data.get("line"), data.get("path"), diagnostic.code
        if not isinstance(line, int) or not isinstance(rule, str) or uri not in self.workspace.text_documents:
            return None
        document = self.workspace.get_text_document(uri)
        positions = self.positions(document.source)
        body = document.source[positions.bom :]
        start = positions.our_starts[min(max(line - 1, 0), len(positions.our_starts) - 1)]
        path = _fs_path(uri)
        insert: Insert | None
        if _is_script(path, document.language_id):
            insert = comment_above(body, start, rule, "#")
        elif (path is not None and path.name.lower().endswith(".jsonc")) or document.language_id == "jsonc":
            insert = comment_above(body, start, rule, "//")
        else:
            insert = self._metadata_insert(body, rule, logical_path if isinstance(logical_path, str) else "")
        if insert is None:
            return None
        at = types.Position(*positions.position_of_offset(insert.offset))
        return types.CodeAction(
            title=f"{rule}: ignore here (write the reason)",
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[diagnostic],
            edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(types.Range(at, at), insert.text)]}),
        )

    @staticmethod
    def _metadata_insert(body: str, rule: str, logical_path: str) -> Insert | None:
        """Strict JSON: an entry in the resource's ``metadata.aiblint.ignore``."""
        from aiblint.loader import load_text
        from aiblint.model import find_templates

        for template in find_templates(load_text(body, "buffer.json")):
            insert = metadata_entry(body, template.resource, rule, logical_path)
            if insert is not None:
                return insert
        return None


def _fs_path(uri: str) -> Path | None:
    fs_path = to_fs_path(uri) if uri.startswith("file:") else None
    return Path(fs_path) if fs_path else None


def _is_script(path: Path | None, language_id: str | None) -> bool:
    if language_id in SCRIPT_LANGUAGES:
        return True
    return path is not None and not _is_json(path, language_id) and is_script(path)


def _union(shares: Iterable[list[types.Diagnostic]]) -> list[types.Diagnostic]:
    """Every diagnostic once (two templates running one script find the same)."""
    union: list[types.Diagnostic] = []
    for share in shares:
        union.extend(diagnostic for diagnostic in share if diagnostic not in union)
    return union


def _is_json(path: Path | None, language_id: str | None) -> bool:
    if language_id in JSON_LANGUAGES:
        return True
    return path is not None and path.name.lower().endswith(SUFFIXES)


def _text_edits(fix: Fix, positions: PositionMap) -> list[types.TextEdit]:
    return [
        types.TextEdit(
            range=types.Range(
                types.Position(*positions.position_of_offset(edit.start)),
                types.Position(*positions.position_of_offset(edit.end)),
            ),
            new_text=edit.text,
        )
        for edit in fix.edits
    ]


def _overlap(one: types.Range, other: types.Range) -> bool:
    def key(position: types.Position) -> tuple[int, int]:
        return position.line, position.character

    return key(one.start) <= key(other.end) and key(other.start) <= key(one.end)


def _excluded(display: str, config: Config) -> bool:
    return any(fnmatch(display, pattern) for pattern in config.exclude)


def _help_uri(rule_id: str, help_uris: dict[str, str]) -> str | None:
    """The rule's page, or its family's (``SC`` for ``SC2086``)."""
    return by_longest_prefix(help_uris, rule_id)


def _diagnostic(finding: Finding, positions: PositionMap, help_uri: str | None) -> types.Diagnostic:
    start = positions.position(finding.line, finding.column)
    end = positions.position(finding.end_line, finding.end_column)
    return types.Diagnostic(
        range=types.Range(types.Position(*start), types.Position(*end)),
        message=finding.message,
        severity=_SEVERITIES[finding.severity],
        code=finding.rule,
        code_description=types.CodeDescription(href=help_uri) if help_uri else None,
        source=PROGRAM,
        data={"line": finding.line, "path": finding.logical_path},  # where an "ignore here" action writes
    )


def build_server() -> AiblintLanguageServer:
    server = AiblintLanguageServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: AiblintLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.lint(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: AiblintLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)  # once the edits stop

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: AiblintLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.lint(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: AiblintLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.cancel(params.text_document.uri)
        ls.fixes.pop(params.text_document.uri, None)
        ls.contribute(params.text_document.uri, {})  # its own and its scripts' shares go

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix])
    )
    def code_action(ls: AiblintLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return ls.code_actions(params)

    return server


def serve() -> None:
    """Serve one client on standard input and output until it says exit."""
    build_server().start_io()
