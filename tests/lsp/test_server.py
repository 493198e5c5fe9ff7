"""`flowrun lsp` against a real LSP client (pygls' LanguageClient) over stdio, as an editor runs it."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from lsp_client import apply_edits, session
from lsprotocol import types as t

DOC = """\
dagId: demo
tasks:
  - taskId: a
    operator: dummy
  - taskId: b
    operator: dummy
    dependencies: [a, a]
  - {taskId: x, description: "\U0001f600 waits for y", operator: dummy, dependencies: [y]}
  - taskId: y
    operator: bash
    params: {command: "echo one\\ntwo"}
    dependencies: [x]
"""
FLOW_LINE = 7  # 0-based line of task x, with an emoji before its dependency


def workflow(tmp_path: Path, text: str = DOC, select: str = "FR1") -> str:
    (tmp_path / ".flowrun.toml").write_text(f'[lint]\nselect = ["{select}"]\n')  # found from the file's directory
    path = tmp_path / "wf.yaml"
    path.write_text(text, encoding="utf-8")
    return path.as_uri()


def by_code(params: t.PublishDiagnosticsParams) -> dict[str, list[t.Diagnostic]]:
    out: dict[str, list[t.Diagnostic]] = {}
    for diag in params.diagnostics:
        out.setdefault(str(diag.code), []).append(diag)
    return out


def at(line: int, start: int, end: int) -> t.Range:
    return t.Range(t.Position(line, start), t.Position(line, end))


def test_diagnostics_have_code_severity_and_token_ranges_in_utf16(tmp_path: Path) -> None:
    uri = workflow(tmp_path)

    async def scenario() -> None:
        async with session() as client:
            assert client.capabilities is not None
            assert client.capabilities.position_encoding == t.PositionEncodingKind.Utf16
            client.open(uri, DOC)
            found = by_code(await client.diagnostics(uri, 1))
            assert set(found) == {"FR101", "FR102"}
            (redundant,) = found["FR102"]
            assert redundant.range == at(6, 22, 23)  # the second `a` of `[a, a]`
            assert redundant.severity == t.DiagnosticSeverity.Warning
            assert redundant.source == "flowrun" and "redundant-dependency" in redundant.message
            cycle = [d for d in found["FR101"] if d.range.start.line == FLOW_LINE]
            line = DOC.splitlines()[FLOW_LINE]
            column = line.index("[y]") + 1  # code points: the emoji is one
            assert cycle[0].range == at(FLOW_LINE, column + 1, column + 2)  # UTF-16: the emoji is two units
            assert cycle[0].severity == t.DiagnosticSeverity.Error

    asyncio.run(scenario())


def test_utf32_when_the_client_offers_it(tmp_path: Path) -> None:
    uri = workflow(tmp_path)

    async def scenario() -> None:
        async with session(encodings=[t.PositionEncodingKind.Utf32, t.PositionEncodingKind.Utf16]) as client:
            assert client.capabilities is not None
            assert client.capabilities.position_encoding == t.PositionEncodingKind.Utf32
            client.open(uri, DOC)
            found = by_code(await client.diagnostics(uri, 1))
            column = DOC.splitlines()[FLOW_LINE].index("[y]") + 1
            assert any(d.range == at(FLOW_LINE, column, column + 1) for d in found["FR101"])

    asyncio.run(scenario())


def test_utf8_when_the_client_prefers_it(tmp_path: Path) -> None:
    uri = workflow(tmp_path)

    async def scenario() -> None:
        async with session(encodings=[t.PositionEncodingKind.Utf8]) as client:
            client.open(uri, DOC)
            found = by_code(await client.diagnostics(uri, 1))
            line = DOC.splitlines()[FLOW_LINE]
            column = len(line[:line.index("[y]") + 1].encode())
            assert any(d.range == at(FLOW_LINE, column, column + 1) for d in found["FR101"])

    asyncio.run(scenario())


def test_the_fr102_quick_fix_applied_clears_fr102(tmp_path: Path) -> None:
    uri = workflow(tmp_path)

    async def scenario() -> None:
        async with session() as client:
            client.open(uri, DOC)
            diags = by_code(await client.diagnostics(uri, 1))["FR102"]
            actions = await client.text_document_code_action_async(t.CodeActionParams(
                t.TextDocumentIdentifier(uri), diags[0].range, t.CodeActionContext(diagnostics=diags)))
            assert actions is not None
            fix = next(a for a in actions if isinstance(a, t.CodeAction) and "redundant" in a.title)
            assert fix.kind == t.CodeActionKind.QuickFix and fix.is_preferred
            assert fix.edit is not None and fix.edit.changes is not None
            fixed = apply_edits(DOC, list(fix.edit.changes[uri]))
            assert "dependencies: [a]\n" in fixed
            client.change(uri, fixed, 2)
            found = by_code(await client.diagnostics(uri, 2))
            assert "FR102" not in found and "FR101" in found

    asyncio.run(scenario())


def test_fix_all_and_ignore_comment(tmp_path: Path) -> None:
    text = DOC.replace("dependencies: [x]", "dependencies: [x]\n  - taskId: z\n    operator: dummy\n    dependencies: [b, a, b]")
    uri = workflow(tmp_path, text)

    async def scenario() -> None:
        async with session() as client:
            client.open(uri, text)
            found = by_code(await client.diagnostics(uri, 1))
            assert len(found["FR102"]) == 2  # the duplicates (with a cycle, no edge is judged implied)
            whole = t.Range(t.Position(0, 0), t.Position(30, 0))
            actions = await client.text_document_code_action_async(t.CodeActionParams(
                t.TextDocumentIdentifier(uri), whole, t.CodeActionContext(diagnostics=[], only=["source.fixAll"])))
            assert actions is not None and len(actions) == 1
            action = actions[0]
            assert isinstance(action, t.CodeAction) and action.edit is not None and action.edit.changes is not None
            fixed = apply_edits(text, list(action.edit.changes[uri]))
            client.change(uri, fixed, 2)
            after = by_code(await client.diagnostics(uri, 2))
            assert "FR102" not in after, fixed
            # ignore the cycle on the flow line: the comment goes at the end of that line
            cycle = next(d for d in after["FR101"] if d.range.start.line == FLOW_LINE)
            actions = await client.text_document_code_action_async(t.CodeActionParams(
                t.TextDocumentIdentifier(uri), cycle.range, t.CodeActionContext(diagnostics=[cycle])))
            assert actions is not None
            ignore = next(a for a in actions if isinstance(a, t.CodeAction) and "ignore[FR101]" in a.title)
            assert ignore.edit is not None and ignore.edit.changes is not None
            ignored = apply_edits(fixed, list(ignore.edit.changes[uri]))
            assert ignored.splitlines()[FLOW_LINE].endswith("[y]}  # flowrun: ignore[FR101]")
            client.change(uri, ignored, 3)
            remaining = (await client.diagnostics(uri, 3)).diagnostics
            assert all(d.range.start.line != FLOW_LINE for d in remaining)

    asyncio.run(scenario())


def test_hover_definition_and_symbols(tmp_path: Path) -> None:
    uri = workflow(tmp_path)
    doc = t.TextDocumentIdentifier(uri)

    async def scenario() -> None:
        async with session() as client:
            client.open(uri, DOC)
            await client.diagnostics(uri, 1)
            # on the dependency `y` of task x: task y's operator and the first line of its command
            line = DOC.splitlines()[FLOW_LINE]
            on_y = t.Position(FLOW_LINE, line.index("[y]") + 2)  # UTF-16: after the emoji
            shown = await client.text_document_hover_async(t.HoverParams(doc, on_y))
            assert shown is not None and isinstance(shown.contents, t.MarkupContent)
            assert "task `y`" in shown.contents.value and "`bash`" in shown.contents.value
            assert "echo one" in shown.contents.value and "two" not in shown.contents.value
            assert "FR101" in shown.contents.value  # the cycle's diagnostic is there too: its rule's text
            assert "## What it does" in shown.contents.value
            target = await client.text_document_definition_async(t.DefinitionParams(doc, on_y))
            assert isinstance(target, t.Location) and target.uri == uri
            assert target.range == at(8, 12, 13)  # `y` of `- taskId: y`
            symbols = await client.text_document_document_symbol_async(t.DocumentSymbolParams(doc))
            assert symbols is not None
            assert [(s.name, s.detail) for s in symbols if isinstance(s, t.DocumentSymbol)] == [
                ("a", "dummy"), ("b", "dummy"), ("x", "dummy"), ("y", "bash")]

    asyncio.run(scenario())


def test_hover_and_definition_on_an_xcom_pull_target(tmp_path: Path) -> None:
    text = DOC.replace('"echo one\\ntwo"', "\"echo {{ ti.xcom_pull('a') }}\"")
    uri = workflow(tmp_path, text)
    doc = t.TextDocumentIdentifier(uri)

    async def scenario() -> None:
        async with session() as client:
            client.open(uri, text)
            await client.diagnostics(uri, 1)
            line = text.splitlines()[10]
            on_a = t.Position(10, line.index("'a'") + 1)
            shown = await client.text_document_hover_async(t.HoverParams(doc, on_a))
            assert shown is not None and isinstance(shown.contents, t.MarkupContent)
            assert "task `a`" in shown.contents.value
            target = await client.text_document_definition_async(t.DefinitionParams(doc, on_a))
            assert isinstance(target, t.Location) and target.range == at(2, 12, 13)

    asyncio.run(scenario())


def test_a_yaml_file_that_is_not_a_workflow_gets_no_diagnostics(tmp_path: Path) -> None:
    compose = "services:\n  web:\n    image: nginx\n"
    uri = workflow(tmp_path, compose, select="FR")

    async def scenario() -> None:
        async with session() as client:
            client.open(uri, compose)
            assert not (await client.diagnostics(uri, 1)).diagnostics

    asyncio.run(scenario())


def test_changes_are_debounced_and_stale_versions_dropped(tmp_path: Path) -> None:
    uri = workflow(tmp_path)
    clean = DOC.replace("[a, a]", "[a]").replace("[y]}", "[]}")

    async def scenario() -> None:
        async with session(options={"debounce": 300}, args=()) as client:
            client.open(uri, DOC)
            await client.diagnostics(uri, 1)
            for version in range(2, 6):  # typing: four changes in a row, the last one clean
                client.change(uri, DOC if version < 5 else clean, version)
            assert not (await client.diagnostics(uri, 5)).diagnostics
            await asyncio.sleep(0.6)  # a dropped version would have been published by now
            assert [p.version for p in client.published[uri]] == [1, 5]

    asyncio.run(scenario())


def test_shutdown_and_exit_leave_no_process(tmp_path: Path) -> None:
    async def scenario() -> int:
        async with session() as client:
            pid = client.process.pid
        assert client.process.returncode == 0
        return int(pid)

    pid = asyncio.run(scenario())
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return
    raise AssertionError(f"server process {pid} still exists")


def test_a_bom_and_crlf_line_ends_keep_the_ranges_and_close_clears(tmp_path: Path) -> None:
    text = "\ufeff" + DOC.replace("\n", "\r\n")
    uri = workflow(tmp_path, text)

    async def scenario() -> None:
        async with session() as client:
            client.open(uri, text)
            found = by_code(await client.diagnostics(uri, 1))
            assert found["FR102"][0].range == at(6, 22, 23)
            client.text_document_did_close(t.DidCloseTextDocumentParams(t.TextDocumentIdentifier(uri)))
            assert not (await client.diagnostics(uri, None, count=2)).diagnostics

    asyncio.run(scenario())
