"""A real LSP client (pygls' `LanguageClient`) talking to `python -m runner.cli lsp` over stdio.

`session()` starts the server as a subprocess, initializes it (with the position encodings the
test offers) and collects every `publishDiagnostics` per document; leaving the block sends
shutdown and exit and waits for the process to end.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from lsprotocol import types as t
from pygls.lsp.client import LanguageClient

TIMEOUT = 30.0  # seconds: generous, a lint takes milliseconds


class Client(LanguageClient):
    def __init__(self) -> None:
        super().__init__("flowrun-tests", "1")
        self.published: dict[str, list[t.PublishDiagnosticsParams]] = defaultdict(list)
        self.arrived = asyncio.Condition()
        self.capabilities: t.ServerCapabilities | None = None
        self.process: Any = None

    async def diagnostics(self, uri: str, version: int | None = None, count: int = 1) -> t.PublishDiagnosticsParams:
        """The `count`-th publication for `uri` (of that version), waiting for it."""
        async def ready() -> list[t.PublishDiagnosticsParams]:
            return [p for p in self.published[uri] if version is None or p.version == version]

        async with self.arrived:
            await asyncio.wait_for(self.arrived.wait_for(lambda: len([
                p for p in self.published[uri] if version is None or p.version == version]) >= count), TIMEOUT)
        return (await ready())[count - 1]

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.text_document_did_open(t.DidOpenTextDocumentParams(
            t.TextDocumentItem(uri=uri, language_id="yaml", version=version, text=text)))

    def change(self, uri: str, text: str, version: int) -> None:
        self.text_document_did_change(t.DidChangeTextDocumentParams(
            t.VersionedTextDocumentIdentifier(uri=uri, version=version),
            [t.TextDocumentContentChangeWholeDocument(text=text)]))


def make_client() -> Client:
    client = Client()

    @client.feature(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    async def on_diagnostics(params: t.PublishDiagnosticsParams) -> None:
        async with client.arrived:
            client.published[params.uri].append(params)
            client.arrived.notify_all()

    return client


@asynccontextmanager
async def session(encodings: list[str] | None = None, options: dict[str, Any] | None = None,
                  args: tuple[str, ...] = ("--debounce", "0")) -> AsyncIterator[Client]:
    client = make_client()
    await client.start_io(sys.executable, "-m", "runner.cli", "lsp", *args, env={**os.environ})
    client.process = client._server
    general = t.GeneralClientCapabilities(position_encodings=encodings) if encodings else None
    result = await asyncio.wait_for(client.initialize_async(t.InitializeParams(
        capabilities=t.ClientCapabilities(general=general), initialization_options=options)), TIMEOUT)
    client.capabilities = result.capabilities
    client.initialized(t.InitializedParams())
    try:
        yield client
    finally:
        await asyncio.wait_for(client.shutdown_async(None), TIMEOUT)
        client.exit(None)
        await asyncio.wait_for(client.process.wait(), TIMEOUT)
        await client.stop()


def apply_edits(text: str, edits: list[t.TextEdit]) -> str:
    """The text after the edits, positions counted in UTF-16 units (the default encoding)."""
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)

    def offset(position: t.Position) -> int:
        line_start = starts[position.line]
        units = 0
        i = line_start
        while units < position.character:
            units += 2 if ord(text[i]) > 0xFFFF else 1
            i += 1
        return i

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[:offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text
