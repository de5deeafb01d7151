"""``dllint server`` driven by a real LSP client (pytest-lsp) over stdio, as an editor drives it:
diagnostics on open, change and save, fixes as code actions, cleared on close; the findings are the
CLI's, with the project's configuration; positions in UTF-16 code units."""
from __future__ import annotations

import asyncio
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import PROJECT_ROOT, env_with_path, install_testpack

SOURCE = """\
import torch
model = torch.nn.Linear(2, 1)
opt = torch.optim.Adam(model.parameters(), weight_decay=0.01)
total = 0
for x, y in [(torch.ones(2), torch.ones(1))]:
    out = model.forward(x)
    loss = (out - y).pow(2).mean()
    loss.backward()
    total += loss
print(total)
"""

# The same program with a character outside the BMP before a finding on its line: one code point,
# two UTF-16 code units, so a server that counts code points misplaces the finding and its fix.
WIDE = SOURCE.replace("    out = model.forward(x)", '    tag = "😋"; out = model.forward(x)')

TIMEOUT_S = 30
REGISTRATIONS: list[types.Registration] = []  # what the server asked the client to do for it


# One server for the module (starting one costs seconds); each test works in its own directory.
@pytest_lsp.fixture(scope="module", config=ClientServerConfig(
    server_command=[sys.executable, "-m", "dllint", "server"]))
async def client(lsp_client: LanguageClient):
    # as VS Code: the edit of a code action may come later, when the user picks it (resolve)
    resolve = types.CodeActionClientCapabilities(
        resolve_support=types.ClientCodeActionResolveOptions(properties=["edit"]))
    # and it watches files for the server
    watch = types.WorkspaceClientCapabilities(
        did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True))

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        REGISTRATIONS.extend(params.registrations)

    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(
            text_document=types.TextDocumentClientCapabilities(code_action=resolve), workspace=watch),
        root_uri=PROJECT_ROOT.as_uri(),
    ))
    yield
    await shut_down(lsp_client)


async def shut_down(client: LanguageClient) -> None:
    """shutdown and exit, and the server must end; a server that does not is killed, so that the
    client's stop (which waits for the process) cannot hang the tests."""
    try:
        await asyncio.wait_for(client.shutdown_session(), TIMEOUT_S)
    finally:
        process = client._server  # pytest-lsp keeps the server's process only there
        if process is not None and process.returncode is None:
            process.kill()
    assert process.returncode == 0


# -- helpers ----------------------------------------------------------------------------------------

async def published(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    """Wait for the next diagnostics of ``uri``."""
    while True:
        params = await asyncio.wait_for(
            client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), TIMEOUT_S)
        if params.uri == uri:
            return list(params.diagnostics)


def by_code(diagnostics: list[types.Diagnostic]) -> dict[str, types.Diagnostic]:
    codes = [d.code for d in diagnostics]
    assert len(codes) == len(set(codes)), codes
    return {d.code: d for d in diagnostics}


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP text edits, whose characters are UTF-16 code units, as an editor does."""
    lines = text.split("\n")

    def offset(position: types.Position) -> int:
        before = sum(len(line) + 1 for line in lines[:position.line])
        units = lines[position.line].encode("utf-16-le")[:2 * position.character]
        return before + len(units.decode("utf-16-le"))

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[:offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text


def open_document(client: LanguageClient, path: Path, text: str, language: str = "python") -> str:
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id=language, version=1, text=text)))
    return uri


async def actions_at(client: LanguageClient, uri: str, where: types.Range,
                     only: list[str] | None = None) -> list[types.CodeAction]:
    result = await asyncio.wait_for(client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=where,
        context=types.CodeActionContext(diagnostics=[], only=only))), TIMEOUT_S)
    return list(result or [])


def run_cli(args: list[str], text: str, monkeypatch, capsys) -> tuple[int, str]:
    """``dllint ARGS -`` with ``text`` on stdin, in this process (a subprocess costs seconds)."""
    from dllint.cli import main

    capsys.readouterr()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))
    status = main([*args, "-"])
    out = capsys.readouterr()
    assert status in (0, 1), out.err
    return status, out.out


def cli_json(path: Path, text: str, monkeypatch, capsys) -> list[dict]:
    return json.loads(run_cli(["--format", "json", "--stdin-filename", str(path)], text, monkeypatch,
                              capsys)[1])


def cli_fix(path: Path, text: str, monkeypatch, capsys) -> str:
    return run_cli(["--fix", "--stdin-filename", str(path)], text, monkeypatch, capsys)[1]


# -- the tests --------------------------------------------------------------------------------------

@pytest.mark.asyncio(loop_scope="module")
async def test_open_action_change_save_close(client: LanguageClient, tmp_path: Path):
    path = tmp_path / "train.py"
    path.write_text(SOURCE)
    uri = open_document(client, path, SOURCE)
    found = by_code(await published(client, uri))
    assert set(found) == {"DL101", "DL104", "DL501"}
    dl104 = found["DL104"]
    assert (dl104.range.start.line, dl104.range.start.character) == (5, 10)
    assert (dl104.range.end.line, dl104.range.end.character) == (5, 26)
    assert "call `model(...)` instead" in dl104.message
    assert dl104.source == "dllint"
    assert dl104.severity == types.DiagnosticSeverity.Warning
    assert dl104.code_description.href.endswith("/DL104.md")
    assert found["DL501"].range.start.line == 2 and found["DL101"].range.start.line == 8

    # the quick fix of the finding under the cursor, and nothing for the other lines
    cursor = types.Range(start=types.Position(line=5, character=14), end=types.Position(line=5, character=14))
    actions = await actions_at(client, uri, cursor)
    assert [a.kind for a in actions] == [types.CodeActionKind.QuickFix, "source.fixAll.dllint"]
    quick = actions[0]
    assert "DL104" in quick.title and "unsafe" not in quick.title and quick.is_preferred
    assert [d.code for d in quick.diagnostics] == ["DL104"]
    fixed = apply_edits(SOURCE, quick.edit.changes[uri])
    assert fixed == SOURCE.replace("model.forward(x)", "model(x)")
    # fixing the whole file is offered too, its edit computed when it is picked
    assert actions[1].edit is None
    fix_all = await asyncio.wait_for(client.code_action_resolve_async(actions[1]), TIMEOUT_S)
    assert apply_edits(SOURCE, fix_all.edit.changes[uri]) == fixed.replace("total += loss",
                                                                           "total += loss.item()")

    # an unsafe fix is offered, labelled, and not preferred
    adam = types.Range(start=types.Position(line=2, character=20), end=types.Position(line=2, character=20))
    [unsafe] = await actions_at(client, uri, adam, only=[types.CodeActionKind.QuickFix])
    assert "DL501" in unsafe.title and "unsafe" in unsafe.title and not unsafe.is_preferred
    assert "torch.optim.AdamW(" in apply_edits(SOURCE, unsafe.edit.changes[uri])

    # the editor applies the fix: an incremental change, and the finding goes
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangePartial(
            range=quick.edit.changes[uri][0].range, text=quick.edit.changes[uri][0].new_text)]))
    assert set(by_code(await published(client, uri))) == {"DL101", "DL501"}

    # the whole text replaced: the new findings are the new text's
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text="import torch\n")]))
    assert await published(client, uri) == []
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=4),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)]))
    assert set(by_code(await published(client, uri))) == {"DL101", "DL501"}

    # saving lints again (the configuration beside the file may have changed)
    (tmp_path / "pyproject.toml").write_text('[tool.dllint]\nignore = ["DL501"]\n')
    client.text_document_did_save(types.DidSaveTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert set(by_code(await published(client, uri))) == {"DL101"}

    client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert await published(client, uri) == []
    assert await actions_at(client, uri, cursor) == []


@pytest.mark.asyncio(loop_scope="module")
async def test_a_configuration_change_lints_the_open_files_again(client: LanguageClient, tmp_path: Path):
    for _ in range(TIMEOUT_S * 10):  # the server asks right after initialization, asynchronously
        watching = [r for r in REGISTRATIONS if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
        if watching:
            break
        await asyncio.sleep(0.1)
    [registration] = watching
    # the options arrive as plain JSON (their type depends on the method)
    patterns = {w["globPattern"] for w in registration.register_options["watchers"]}
    assert patterns == {"**/pyproject.toml", "**/dllint.toml"}
    uri = open_document(client, tmp_path / "train.py", SOURCE)
    assert set(by_code(await published(client, uri))) == {"DL101", "DL104", "DL501"}
    config = tmp_path / "dllint.toml"
    config.write_text('ignore = ["DL104"]\n')
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Created)]))
    assert set(by_code(await published(client, uri))) == {"DL101", "DL501"}


@pytest.mark.asyncio(loop_scope="module")
async def test_positions_are_utf16_code_units(client: LanguageClient, tmp_path: Path):
    path = tmp_path / "wide.py"
    uri = open_document(client, path, WIDE)
    dl104 = by_code(await published(client, uri))["DL104"]
    prefix = '    tag = "😋"; out = '
    assert dl104.range.start.character == len(prefix.encode("utf-16-le")) // 2 == len(prefix) + 1
    actions = await actions_at(client, uri, dl104.range, only=[types.CodeActionKind.QuickFix])
    [quick] = [a for a in actions if "DL104" in a.title]
    assert apply_edits(WIDE, quick.edit.changes[uri]) == WIDE.replace("model.forward(x)", "model(x)")


@pytest.mark.asyncio(loop_scope="module")
async def test_findings_and_fixes_are_the_clis(client: LanguageClient, tmp_path: Path, monkeypatch,
                                               capsys):
    """The project's configuration applies (selection, per-file-ignores, noqa), and the server shows
    exactly what ``dllint --stdin-filename PATH -`` prints for the unsaved text."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.dllint]\nextend-select = ["DL"]\nper-file-ignores = {"scripts/*.py" = ["DL101"]}\n')
    text = SOURCE.replace("model.forward(x)", "model.forward(x)  # noqa: DL104") + "y.data\n"
    for name in ("train.py", "scripts/run.py"):
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        path.write_text("# on disk: not what the editor holds\n")
        uri = open_document(client, path, text)
        shown = await published(client, uri)
        expected = cli_json(path, text, monkeypatch, capsys)
        assert expected, "the CLI finds something in this text"
        assert [(d.code, d.range.start.line + 1, d.range.start.character + 1, d.range.end.line + 1,
                 d.range.end.character + 1, d.message) for d in shown] == [
            (e["code"], e["line"], e["column"], e["end_line"], e["end_column"], e["message"])
            for e in expected]
        assert "DL104" not in {d.code for d in shown}
        assert ("DL101" in {d.code for d in shown}) == (name == "train.py")

        everything = types.Range(start=types.Position(line=0, character=0),
                                 end=types.Position(line=len(text.split("\n")), character=0))
        fix_all = await actions_at(client, uri, everything, only=["source.fixAll"])
        fixed = cli_fix(path, text, monkeypatch, capsys)
        assert (fixed != text) == (name == "train.py")  # DL101's fix, ignored for scripts/
        assert [a.kind for a in fix_all] == (["source.fixAll.dllint"] if fixed != text else [])
        for action in fix_all:
            assert apply_edits(text, action.edit.changes[uri]) == fixed


@pytest.mark.asyncio(loop_scope="module")
async def test_target_version_and_file_bounds_come_from_the_configuration(
        client: LanguageClient, tmp_path: Path, monkeypatch, capsys):
    """``target-version`` and ``max-file-size`` in [tool.dllint] apply in the editor as in the CLI:
    3.12 syntax lints from this interpreter, and a text past the size bound is a DL002."""
    text = "type Vector = list[float]\n\n\ndef first[T](items: list[T]) -> T:\n    return items[0]\n"
    for extra, code in (("", None), ('max-file-size = 16\n', "DL002")):
        folder = tmp_path / (code or "plain")
        folder.mkdir()
        (folder / "pyproject.toml").write_text(f'[tool.dllint]\ntarget-version = "py312"\n{extra}')
        path = folder / "typed.py"
        shown = await published(client, open_document(client, path, text))
        expected = cli_json(path, text, monkeypatch, capsys)
        assert [d.code for d in shown] == [e["code"] for e in expected]
        assert [d.code for d in shown] == ([code] if code else [])


@pytest.mark.asyncio(loop_scope="module")
async def test_a_text_past_the_time_limit_costs_one_lint_not_the_server(client: LanguageClient,
                                                                        tmp_path: Path):
    """The server lints in a worker of its own: a text that takes longer than ``time-limit`` is a
    DL002 in the editor, and the server goes on linting with a new worker."""
    slow, fast = tmp_path / "slow", tmp_path / "fast"
    for folder, limit in ((slow, "0.01"), (fast, "0")):
        folder.mkdir()
        (folder / "pyproject.toml").write_text(f"[tool.dllint]\ntime-limit = {limit}\n")
    big = "".join(f"x{i} = torch.ones({i}) + {i}\n" for i in range(4000))
    shown = await published(client, open_document(client, slow / "big.py", "import torch\n" + big))
    assert [d.code for d in shown] == ["DL002"]
    assert "took longer than the time limit (0.01 s;" in shown[0].message
    shown = await published(client, open_document(client, fast / "train.py", SOURCE))
    assert sorted(d.code for d in shown) == ["DL101", "DL104", "DL501"]


@pytest.mark.asyncio(loop_scope="module")
async def test_bad_configuration_is_shown_not_crashed_on(client: LanguageClient, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.dllint]\nselect = ["NOPE1"]\n')
    before = len(client.messages)
    uri = open_document(client, tmp_path / "train.py", SOURCE)
    assert await published(client, uri) == []
    errors = [m.message for m in client.messages[before:] if m.type == types.MessageType.Error]
    assert len(errors) == 1 and "NOPE1" in errors[0], client.messages

    # shown once, not at every change; the server still answers, and lints once the file is fixed
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=SOURCE + "\n")]))
    assert await published(client, uri) == []
    assert len([m for m in client.messages[before:] if m.type == types.MessageType.Error]) == 1
    (tmp_path / "pyproject.toml").write_text('[tool.dllint]\nselect = ["DL104"]\n')
    client.text_document_did_save(types.DidSaveTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert [d.code for d in await published(client, uri)] == ["DL104"]


@pytest.mark.asyncio(loop_scope="module")
async def test_only_python_documents_are_linted(client: LanguageClient, tmp_path: Path):
    notes = open_document(client, tmp_path / "notes.md", "model.forward(x)\n", language="markdown")
    code = open_document(client, tmp_path / "train.py", SOURCE)
    # notifications are handled in order: the Python file's diagnostics come after the notes' would
    assert await published(client, code) != []
    assert notes not in client.diagnostics
    # a Python document never saved is linted too; a notebook's cell alone is not
    cell = "vscode-notebook-cell:/tmp/nb.ipynb#W0sZmlsZQ%3D%3D"
    for uri in (cell, "untitled:Untitled-1"):
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=SOURCE)))
    assert {d.code for d in await published(client, "untitled:Untitled-1")} >= {"DL101", "DL104"}
    assert cell not in client.diagnostics


@pytest.mark.asyncio(loop_scope="module")
async def test_rule_pack_and_utf8_positions(tmp_path: Path, capsys):
    """A rule pack's finding links to the pack's page, a print() in a rule does not corrupt the
    protocol on stdout, and a client that asks for UTF-8 positions gets byte offsets."""
    site = install_testpack(tmp_path / "site")
    pack = site / "dllint_testpack" / "__init__.py"
    source = pack.read_text()
    assert "    def check(self, ctx):\n" in source
    pack.write_text(source.replace("    def check(self, ctx):\n",
                                   "    def check(self, ctx):\n        print('a stray print')\n"))
    client = await ClientServerConfig(server_command=[sys.executable, "-m", "dllint", "server"],
                                      server_env=env_with_path(site)).start()
    try:
        result = await asyncio.wait_for(client.initialize_session(types.InitializeParams(
            capabilities=types.ClientCapabilities(general=types.GeneralClientCapabilities(
                position_encodings=[types.PositionEncodingKind.Utf8])))), TIMEOUT_S)
        assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf8
        text = 'é = "😋"; print(é)\n'
        uri = open_document(client, tmp_path / "pack.py", text)
        [finding] = await published(client, uri)
        assert finding.code == "TP001"
        assert finding.code_description.href == "https://example.org/testpack/TP001"
        assert finding.range.start.character == len('é = "😋"; '.encode("utf-8"))
        # the print went to stderr (which pytest-lsp forwards here), not into the protocol's stream
        err = ""
        for _ in range(100):
            err += capsys.readouterr().err
            if "a stray print" in err:
                break
            await asyncio.sleep(0.1)
        assert "a stray print" in err
    finally:
        await shut_down(client)
        await client.stop()


def test_without_pygls_the_server_says_what_to_install():
    # None in sys.modules makes "import pygls" fail as if it were not installed
    program = ("import sys; sys.modules['pygls'] = None; from dllint.cli import main; "
               "raise SystemExit(main(['server']))")
    proc = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and 'pip install "dllint[lsp]"' in lines[0], proc.stderr


def test_editor_setups_start_the_server():
    """The setups of docs/editors.md parse, and each starts ``dllint server``."""
    from dllint.config import tomllib  # tomli on Python 3.10

    doc = (PROJECT_ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(\w+)\n(.*?)```", doc, re.S)
    [helix] = [tomllib.loads(text) for lang, text in blocks if lang == "toml"]
    assert helix["language-server"]["dllint"] == {"command": "dllint", "args": ["server"]}
    assert helix["language"] == [{"name": "python", "language-servers": ["dllint"]}]
    [vscode] = [json.loads(text) for lang, text in blocks if lang == "json"]
    assert Path(vscode["glspc.server.command"]).name == "dllint"
    assert vscode["glspc.server.commandArguments"] == ["server"]
    assert vscode["glspc.server.languageId"] == ["python"]
    assert "source.fixAll.dllint" in vscode["editor.codeActionsOnSave"]
    neovim = [text for lang, text in blocks if lang == "lua" and "cmd =" in text]
    assert len(neovim) == 2 and all('cmd = { "dllint", "server" }' in text for text in neovim)
