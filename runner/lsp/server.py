"""The language server: pygls over stdio, linting in one worker thread.

A change is linted once no other change of the document came for `debounce` seconds (150 ms
unless the client's initializationOptions say `{"debounce": ms}` or `flowrun lsp --debounce`).
The lint runs off the event loop in a single worker thread (the linter pauses the cycle
collector and shares its rule caches: one lint at a time per process); the result of a version
the editor has already replaced is dropped, unpublished. Documents are synced whole (full
sync): the server never splits the text the way pygls' incremental sync does (`splitlines`, which
also breaks at `\\f`, `\\x85` and U+2028, where YAML does not).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, BinaryIO, cast

from lsprotocol import types as t
from pygls.lsp.server import LanguageServer

from runner import __version__
from runner.lsp import features
from runner.lsp.analysis import Analysis, analyze, is_yaml

DEBOUNCE = 0.150


@dataclass(frozen=True)
class Document:
    uri: str
    version: int | None
    text: str


class FlowrunServer(LanguageServer):
    def __init__(self, debounce: float = DEBOUNCE) -> None:
        super().__init__("flowrun", __version__, text_document_sync_kind=t.TextDocumentSyncKind.Full)
        self.debounce = debounce
        self.documents: dict[str, Document] = {}
        self.analyses: dict[str, Analysis] = {}
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.running: set[asyncio.Task[None]] = set()
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="flowrun-lint")
        self.notes: set[str] = set()

    @property
    def encoding(self) -> str:
        chosen = self.workspace.position_encoding or "utf-16"
        return str(getattr(chosen, "value", chosen))  # an enum of lsprotocol, or the string

    # -- documents -----------------------------------------------------------------------------

    def changed(self, document: Document, at_once: bool = False) -> None:
        self.documents[document.uri] = document
        handle = self.pending.pop(document.uri, None)
        if handle is not None:
            handle.cancel()
        if at_once or self.debounce <= 0:
            self._spawn(document.uri)
        else:
            self.pending[document.uri] = asyncio.get_running_loop().call_later(self.debounce, self._spawn, document.uri)

    def _spawn(self, uri: str) -> None:
        task = asyncio.get_running_loop().create_task(self.publish(uri))
        self.running.add(task)  # held until done: the loop keeps only a weak reference
        task.add_done_callback(self.running.discard)

    def closed(self, uri: str) -> None:
        handle = self.pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        self.documents.pop(uri, None)
        self.analyses.pop(uri, None)
        self.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def _lint(self, document: Document) -> Analysis | None:
        """In the worker thread: the analysis of `document`, unless it is stale already."""
        current = self.documents.get(document.uri)
        if current is None or current.version != document.version:
            return None
        return analyze(document.uri, document.version, document.text, self.encoding)

    async def analysis(self, uri: str) -> Analysis | None:
        """The analysis of the document's current version (linted now if need be)."""
        document = self.documents.get(uri)
        if document is None:
            return None
        done = self.analyses.get(uri)
        if done is not None and done.version == document.version:
            return done
        result = await asyncio.get_running_loop().run_in_executor(self.worker, self._lint, document)
        if result is not None and self._current(result):
            self.analyses[uri] = result
        return result

    def _current(self, analysis: Analysis) -> bool:
        document = self.documents.get(analysis.uri)
        return document is not None and document.version == analysis.version

    async def publish(self, uri: str) -> None:
        self.pending.pop(uri, None)
        try:
            result = await self.analysis(uri)
        except Exception as exc:  # a bug in a rule must not end the editor's session
            self.window_log_message(t.LogMessageParams(t.MessageType.Error, f"flowrun: cannot lint '{uri}': {exc!r}"))
            return
        if result is None or not self._current(result):
            return  # a newer version is on its way
        if result.note and result.note not in self.notes and result.note != "not a workflow":
            self.notes.add(result.note)
            self.window_log_message(t.LogMessageParams(t.MessageType.Warning, f"flowrun: {result.note}"))
        self.text_document_publish_diagnostics(t.PublishDiagnosticsParams(
            uri=uri, version=result.version, diagnostics=features.diagnostics(result)))


def build(debounce: float = DEBOUNCE) -> FlowrunServer:
    server = FlowrunServer(debounce)

    @server.feature(t.INITIALIZE)
    def initialize(ls: FlowrunServer, params: t.InitializeParams) -> None:
        options: Any = params.initialization_options
        if isinstance(options, dict) and isinstance(options.get("debounce"), (int, float)):
            ls.debounce = max(0.0, float(options["debounce"]) / 1000)

    @server.feature(t.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: FlowrunServer, params: t.DidOpenTextDocumentParams) -> None:
        doc = params.text_document
        if is_yaml(doc.uri, doc.language_id):
            ls.changed(Document(doc.uri, doc.version, doc.text), at_once=True)

    @server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: FlowrunServer, params: t.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri not in ls.documents or not params.content_changes:
            return
        change = params.content_changes[-1]  # full sync: each change is the whole text
        ls.changed(Document(uri, params.text_document.version, change.text))

    @server.feature(t.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: FlowrunServer, params: t.DidSaveTextDocumentParams) -> None:
        document = ls.documents.get(params.text_document.uri)
        if document is not None:  # the configuration may have changed: lint again
            ls.analyses.pop(document.uri, None)
            ls.changed(document, at_once=True)

    @server.feature(t.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: FlowrunServer, params: t.DidCloseTextDocumentParams) -> None:
        if params.text_document.uri in ls.documents:
            ls.closed(params.text_document.uri)

    @server.feature(t.TEXT_DOCUMENT_CODE_ACTION, features.capabilities()["code_action"])
    async def code_action(ls: FlowrunServer, params: t.CodeActionParams) -> list[t.CodeAction] | None:
        result = await ls.analysis(params.text_document.uri)
        return features.code_actions(result, params) if result is not None else None

    @server.feature(t.TEXT_DOCUMENT_HOVER)
    async def hover(ls: FlowrunServer, params: t.HoverParams) -> t.Hover | None:
        result = await ls.analysis(params.text_document.uri)
        return features.hover(result, params.position) if result is not None else None

    @server.feature(t.TEXT_DOCUMENT_DEFINITION)
    async def definition(ls: FlowrunServer, params: t.DefinitionParams) -> t.Location | None:
        result = await ls.analysis(params.text_document.uri)
        return features.definition(result, params.position) if result is not None else None

    @server.feature(t.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def document_symbol(ls: FlowrunServer, params: t.DocumentSymbolParams) -> list[t.DocumentSymbol] | None:
        result = await ls.analysis(params.text_document.uri)
        return features.symbols(result) if result is not None else None

    return server


def serve(debounce: float = DEBOUNCE) -> None:
    """Serve on this process's stdin and stdout until the client says exit."""
    sys.stdout.flush()
    # the protocol gets its own descriptors; fd 1 then goes to stderr, so that nothing printed by
    # mistake corrupts the protocol's stream, and closing the protocol's stream closes no other
    reader = os.fdopen(os.dup(0), "rb")  # buffered: read(n) returns n bytes
    writer = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    server = build(debounce)
    try:
        server.start_io(cast(BinaryIO, reader), cast(BinaryIO, writer))
    finally:
        server.worker.shutdown(wait=False, cancel_futures=True)
        for stream in (reader, writer):
            with contextlib.suppress(OSError, ValueError):
                stream.close()
