"""The language server behind ``dllint server``, on pygls: findings as diagnostics, fixes as code
actions.

Diagnostics are published when a document is opened or saved, and shortly after it changes (the
changes of one burst of typing are linted once); closing a document clears them. Each finding with a
fix offers it as a quick fix (the safe ones preferred, the unsafe ones labelled so), and the safe
fixes of a whole document are offered together as ``source.fixAll.dllint``. Where the client
watches files, a change to a ``pyproject.toml`` or ``dllint.toml`` lints the open documents again.
The linting itself is ``dllint.documents``: the CLI's stdin path, on the editor's text. Only Python
documents with a ``file:`` or ``untitled:`` URI are linted (no notebook cells).
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence
from urllib.parse import urlparse

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument

from dllint import __version__
from dllint.config import ConfigError
from dllint.diagnostics import Diagnostic, Edit, rule_url
from dllint.documents import fix_document, lint_document
from dllint.registry import RuleRegistry

SOURCE = "dllint"
FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.{SOURCE}"
FIX_ALL_TITLE = "dllint: apply every safe fix"
# How long a document must stay unchanged before it is linted: typing does not queue a lint per key.
CHANGE_DELAY_S = 0.15
PYTHON_SUFFIXES = (".py", ".pyi")
# where [tool.dllint] lives (dllint.config.find_config): a change to one lints the open files again
CONFIG_FILES = ("pyproject.toml", "dllint.toml")

SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}


@dataclass
class _Linted:
    """The findings last published for a document, paired with what was sent for each."""

    version: int | None
    findings: list[tuple[Diagnostic, types.Diagnostic]]


class DllintServer(LanguageServer):
    def __init__(self, registry: RuleRegistry) -> None:
        super().__init__(SOURCE, __version__)
        self.registry = registry
        self.linted: dict[str, _Linted] = {}
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.last_error: str | None = None


# -- positions ------------------------------------------------------------------------------------

def _position(lines: Sequence[str], document: TextDocument, line: int, column: int) -> types.Position:
    """dllint's 1-based line and 1-based column (in characters) as an LSP position, in the code
    units the client and server agreed on (UTF-16 unless the client offered better)."""
    index = line - 1
    if index >= len(lines):
        index = len(lines) - 1
        column = len(lines[index]) + 1
    index = max(index, 0)
    units = document.position_codec.client_num_units(lines[index][:max(column - 1, 0)])
    return types.Position(line=index, character=units)


def _range(lines: Sequence[str], document: TextDocument, line: int, column: int, end_line: int,
           end_column: int) -> types.Range:
    return types.Range(start=_position(lines, document, line, column),
                       end=_position(lines, document, end_line, end_column))


def _lines(document: TextDocument) -> list[str]:
    # dllint counts lines at "\n" only (a "\r" before it stays at the end of the line), and so does
    # LSP for "\n" and "\r\n"; str.splitlines would also split at form feeds and U+2028.
    return document.source.split("\n")


# -- findings to LSP --------------------------------------------------------------------------------

def to_lsp(finding: Diagnostic, lines: Sequence[str], document: TextDocument) -> types.Diagnostic:
    return types.Diagnostic(
        range=_range(lines, document, finding.line, finding.column, finding.end_line,
                     finding.end_column),
        message=finding.message,
        severity=SEVERITY.get(finding.severity, types.DiagnosticSeverity.Warning),
        code=finding.code,
        code_description=types.CodeDescription(href=finding.url or rule_url(finding.code)),
        source=SOURCE,
    )


def _text_edits(edits: Sequence[Edit], lines: Sequence[str],
                document: TextDocument) -> list[types.TextEdit]:
    return [types.TextEdit(range=_range(lines, document, e.line, e.column, e.end_line, e.end_column),
                           new_text=e.content) for e in edits]


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return (p.line, p.character)
    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def _wants(only: Sequence[str] | None, kind: str) -> bool:
    """Whether a code action of ``kind`` answers a request restricted to ``only`` (kinds are
    hierarchical: "source" asks for "source.fixAll.dllint")."""
    if not only:
        return True
    asked = [getattr(k, "value", k) for k in only]  # enum members or plain strings
    return any(kind == k or kind.startswith(f"{k}.") for k in asked)


# -- linting ----------------------------------------------------------------------------------------

def _path_of(document: TextDocument) -> tuple[bool, Path | None]:
    """Whether to lint the document, and the file it stands for (``None`` when it has none)."""
    scheme = urlparse(document.uri).scheme
    if scheme == "file" and document.path:
        path = Path(document.path)
        return (document.language_id == "python" or path.suffix in PYTHON_SUFFIXES), path
    if scheme == "untitled":
        return document.language_id == "python", None
    return False, None


def _report_problem(server: DllintServer, message: str) -> None:
    """Show a problem once (not at every keystroke), and log it every time."""
    server.window_log_message(types.LogMessageParams(type=types.MessageType.Error, message=message))
    if message != server.last_error:
        server.last_error = message
        server.window_show_message(types.ShowMessageParams(type=types.MessageType.Error,
                                                           message=message))


def lint_and_publish(server: DllintServer, uri: str) -> _Linted | None:
    handle = server.pending.pop(uri, None)
    if handle is not None:
        handle.cancel()
    document = server.workspace.text_documents.get(uri)
    if document is None:
        return None
    wanted, path = _path_of(document)
    if not wanted:
        return None
    try:
        findings = lint_document(document.source, path, server.registry)
    except ConfigError as exc:
        # As the CLI: an invalid configuration lints nothing, and says why in one line.
        _report_problem(server, f"dllint: error: {exc}")
        findings = []
    except Exception as exc:  # noqa: BLE001 - the server outlives one document's failure
        _report_problem(server, f"dllint: internal error: {type(exc).__name__}: {exc} (please report it)")
        findings = []
    else:
        server.last_error = None
    lines = _lines(document)
    linted = _Linted(document.version, [(f, to_lsp(f, lines, document)) for f in findings])
    server.linted[uri] = linted
    server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
        uri=uri, version=document.version, diagnostics=[lsp for _, lsp in linted.findings]))
    return linted


def _current(server: DllintServer, uri: str) -> _Linted | None:
    """The findings of the document as it is now (linted now if a change is still waiting)."""
    document = server.workspace.text_documents.get(uri)
    linted = server.linted.get(uri)
    if document is None:
        return None
    if linted is None or uri in server.pending or linted.version != document.version:
        linted = lint_and_publish(server, uri)
    return linted


def code_actions(server: DllintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    uri = params.text_document.uri
    linted = _current(server, uri)
    if linted is None:
        return []
    document = server.workspace.get_text_document(uri)
    lines = _lines(document)
    only = params.context.only
    actions: list[types.CodeAction] = []
    if _wants(only, types.CodeActionKind.QuickFix.value):
        for finding, sent in linted.findings:
            fix = finding.fix
            if fix is None or not _overlaps(sent.range, params.range):
                continue
            safe = fix.applicability == "safe"
            title = f"{fix.message or 'Fix'} ({finding.code})"
            actions.append(types.CodeAction(
                title=title if safe else f"{title} [unsafe]",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[sent],
                is_preferred=safe,
                edit=types.WorkspaceEdit(changes={uri: _text_edits(fix.edits, lines, document)}),
            ))
    if any(f.fix and f.fix.applicability == "safe" for f, _ in linted.findings):
        if only and _wants(only, FIX_ALL):
            # asked for by kind (on save, or from a "source action" menu): the edit now
            action = _fix_all_action(server, uri)
            actions.extend([action] if action.edit is not None else [])
        elif not only and _can_resolve_edits(server):
            # offered in every light-bulb menu: fixing a whole file costs several lints, so the
            # edit is computed only when the user picks the action (codeAction/resolve)
            actions.append(types.CodeAction(title=FIX_ALL_TITLE, kind=FIX_ALL, data={"uri": uri}))
    return actions


def _can_resolve_edits(server: DllintServer) -> bool:
    capabilities = server.client_capabilities.text_document
    support = capabilities and capabilities.code_action and capabilities.code_action.resolve_support
    return bool(support and "edit" in support.properties)


def _fix_all_action(server: DllintServer, uri: str) -> types.CodeAction:
    """The fix-all action with its edit (none when nothing changes or the document is gone)."""
    action = types.CodeAction(title=FIX_ALL_TITLE, kind=FIX_ALL, data={"uri": uri})
    document = server.workspace.text_documents.get(uri)
    if document is None:
        return action
    _, path = _path_of(document)
    try:
        fixed = fix_document(document.source, path, server.registry)
    except ConfigError:
        return action  # shown when the document was linted
    if fixed is not None:
        lines = _lines(document)
        whole = _range(lines, document, 1, 1, len(lines), len(lines[-1]) + 1)
        action.edit = types.WorkspaceEdit(changes={uri: [types.TextEdit(range=whole, new_text=fixed)]})
    return action


def resolve_code_action(server: DllintServer, action: types.CodeAction) -> types.CodeAction:
    uri = action.data.get("uri") if isinstance(action.data, dict) else None
    if action.kind != FIX_ALL or not isinstance(uri, str):
        return action
    resolved = _fix_all_action(server, uri)
    resolved.title = action.title
    return resolved


async def watch_configuration(server: DllintServer) -> None:
    """Ask the client to tell of changes to configuration files, where it can watch files for us."""
    workspace = server.client_capabilities.workspace
    watched = workspace and workspace.did_change_watched_files
    if not (watched and watched.dynamic_registration):
        return  # the configuration is still read again at every lint: at the next change or save
    try:
        await server.client_register_capability_async(types.RegistrationParams(registrations=[
            types.Registration(
                id="dllint-configuration", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=[
                    types.FileSystemWatcher(glob_pattern=f"**/{name}") for name in CONFIG_FILES]),
            )]))
    except Exception as exc:  # noqa: BLE001 - a client that refuses: lint at change or save only
        server.window_log_message(types.LogMessageParams(
            type=types.MessageType.Warning,
            message=f"dllint: the client does not watch configuration files: {exc}"))


# -- the server -------------------------------------------------------------------------------------

def build_server(registry: RuleRegistry) -> DllintServer:
    server = DllintServer(registry)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: DllintServer, params: types.InitializedParams) -> None:
        await watch_configuration(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def configuration_changed(ls: DllintServer, params: types.DidChangeWatchedFilesParams) -> None:
        for uri in sorted(ls.linted):
            lint_and_publish(ls, uri)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: DllintServer, params: types.DidOpenTextDocumentParams) -> None:
        lint_and_publish(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: DllintServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        previous = ls.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        loop = asyncio.get_running_loop()
        ls.pending[uri] = loop.call_later(CHANGE_DELAY_S, lint_and_publish, ls, uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: DllintServer, params: types.DidSaveTextDocumentParams) -> None:
        # the configuration beside the file may have changed too: lint again
        lint_and_publish(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: DllintServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        handle = ls.pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        ls.linted.pop(uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL], resolve_provider=True))
    def code_action(ls: DllintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return code_actions(ls, params)

    @server.feature(types.CODE_ACTION_RESOLVE)
    def code_action_resolve(ls: DllintServer, action: types.CodeAction) -> types.CodeAction:
        return resolve_code_action(ls, action)

    return server
