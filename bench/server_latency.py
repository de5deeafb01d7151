"""How long an editor waits for ``dllint server``: start, diagnostics after open and after a change,
a code action.

    python bench/server_latency.py                  # examples/train_buggy.py, 20 rounds
    python bench/server_latency.py --copies 10      # the same file 10 times over (a long module)

Starts ``python -m dllint server`` as an editor does (stdio, pygls's own client) and prints the
median and the worst of each wait. "after a change" includes the server's pause before it lints
(``dllint.lsp.CHANGE_DELAY_S``), which lets a burst of keystrokes cost one lint.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parents[1]


async def measure(text: str, rounds: int) -> dict[str, list[float]]:
    client = LanguageClient("bench", "1")
    arrived: asyncio.Queue = asyncio.Queue()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish(params: types.PublishDiagnosticsParams) -> None:
        arrived.put_nowait((time.perf_counter(), params))

    times: dict[str, list[float]] = {"start": [], "open": [], "change": [], "code action": []}
    started = time.perf_counter()
    await client.start_io(sys.executable, "-m", "dllint", "server")
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities()))
    client.initialized(types.InitializedParams())
    times["start"].append(time.perf_counter() - started)
    with tempfile.TemporaryDirectory() as directory:
        for round_ in range(rounds):
            uri = (Path(directory) / f"train_{round_}.py").as_uri()
            sent = time.perf_counter()
            client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=text)))
            done, params = await arrived.get()
            times["open"].append(done - sent)
            sent = time.perf_counter()
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                [types.TextDocumentContentChangeWholeDocument(text=text + "\n")]))
            done, params = await arrived.get()
            times["change"].append(done - sent)
            where = params.diagnostics[0].range if params.diagnostics else types.Range(
                types.Position(0, 0), types.Position(0, 0))
            sent = time.perf_counter()
            await client.text_document_code_action_async(types.CodeActionParams(
                types.TextDocumentIdentifier(uri), where, types.CodeActionContext(diagnostics=[])))
            times["code action"].append(time.perf_counter() - sent)
            client.text_document_did_close(types.DidCloseTextDocumentParams(
                types.TextDocumentIdentifier(uri)))
            await arrived.get()
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", type=Path, default=ROOT / "examples" / "train_buggy.py")
    parser.add_argument("--copies", type=int, default=1, help="lint the file repeated N times")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    text = "\n".join([args.file.read_text(encoding="utf-8")] * args.copies)
    times = asyncio.run(measure(text, args.rounds))
    print(f"{args.file.name} x{args.copies}: {len(text.splitlines())} lines, {args.rounds} rounds")
    for name, values in times.items():
        print(f"  {name:<12} median {statistics.median(values) * 1000:7.1f} ms"
              f"   worst {max(values) * 1000:7.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
