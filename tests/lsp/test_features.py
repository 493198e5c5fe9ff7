"""The editor's features computed from one analysis (the real linter, no server)."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types as t

from runner.findings import Finding
from runner.lint.linter import looks_like_workflow
from runner.lsp import features
from runner.lsp.analysis import analyze
from runner.yaml.loader import parse

BLOCK = """\
dagId: demo
tasks:
  - taskId: a
    operator: bash
    params:
      command: |
        echo start
        echo {{ params.missing }}
"""


def test_long_messages_are_cut_in_the_editor_only() -> None:
    long = "x" * 15_000
    shown = features.shown_message(long)
    assert len(shown) <= features.MAX_MESSAGE
    assert shown.endswith("(cut; the whole message: flowrun lint --format json)")
    assert features.shown_message("short") == "short"


def test_ignoring_a_finding_inside_a_block_scalar_comments_the_task_line(tmp_path: Path) -> None:
    analysis = analyze((tmp_path / "wf.yaml").as_uri(), 1, BLOCK, "utf-16")
    inside = [f for f in analysis.findings if f.line == 8]
    assert inside, analysis.findings
    edit = features._ignore_edit(analysis, inside[0])
    assert edit.range.start.line == 2  # `- taskId: a`, not the command's own text
    assert edit.new_text == f"  # flowrun: ignore[{inside[0].code}]"


def test_ignoring_adds_the_code_to_a_comment_already_there(tmp_path: Path) -> None:
    text = BLOCK.replace("- taskId: a", "- taskId: a  # flowrun: ignore[FR999]")
    analysis = analyze((tmp_path / "wf.yaml").as_uri(), 1, text, "utf-16")
    finding = next(f for f in analysis.findings if f.line == 8)
    edit = features._ignore_edit(analysis, finding)
    line = text.splitlines()[2]
    assert edit.range.start == t.Position(2, line.index("]")) and edit.new_text == f", {finding.code}"


def test_a_range_without_a_node_covers_the_token() -> None:
    analysis = analyze("untitled:x.yaml", 1, BLOCK, "utf-16")
    finding = Finding("FR999", "m", 3, 5)  # at `taskId` of `- taskId: a`
    assert features.finding_range(analysis, finding) == t.Range(t.Position(2, 4), t.Position(2, 11))


def test_not_a_workflow() -> None:
    assert not looks_like_workflow(parse("services: {web: {image: nginx}}\n").data)
    assert not looks_like_workflow(parse("version: '3'\ntasks: {build: {cmds: [make]}}\n").data)  # a Taskfile
    assert looks_like_workflow(parse("tasks: []\n").data)
    assert looks_like_workflow(parse("dagId: x\n").data)
    broken = analyze("untitled:x.yaml", 1, "dagId: [unclosed\n", "utf-16")  # could be a broken workflow
    assert [f.code for f in broken.findings] == ["FR001"]


DUPLICATES = """\
dagId: demo
tasks:
  - taskId: a
    operator: dummy
  - taskId: b
    operator: dummy
    dependencies: [a, a]
  - taskId: c
    operator: dummy
    dependencies: [a, b, b]
"""


def _actions(tmp_path: Path, first: int, last: int, only: list[str] | None = None) -> list[t.CodeAction]:
    analysis = analyze((tmp_path / "wf.yaml").as_uri(), 1, DUPLICATES, "utf-16")
    params = t.CodeActionParams(t.TextDocumentIdentifier(analysis.uri), t.Range(t.Position(first, 0), t.Position(last, 0)),
                                t.CodeActionContext(diagnostics=[], only=only))
    return features.code_actions(analysis, params)


def test_quick_fixes_on_a_line_with_fr102(tmp_path: Path) -> None:
    titles = [a.title for a in _actions(tmp_path, 6, 6)]
    assert titles[0] == "Remove the redundant dependency (FR102)"
    assert "Ignore FR102 on this line (# flowrun: ignore[FR102])" in titles
    assert titles[-1] == "Remove every redundant dependency (FR102) in this file"
    assert not _actions(tmp_path, 0, 0)  # nothing to fix on `dagId`


def test_fix_all_is_offered_as_source_fix_all_only_when_asked(tmp_path: Path) -> None:
    for only in (["source.fixAll"], ["source"], ["source.fixAll.flowrun"]):
        (action,) = _actions(tmp_path, 0, 0, only)
        assert action.kind == "source.fixAll.flowrun"
        assert action.edit is not None and action.edit.changes is not None
        (edits,) = action.edit.changes.values()
        assert len(edits) == 3  # `, a` of b; `a, ` (implied through b) and `, b` (twice) of c
    assert not _actions(tmp_path, 6, 6, ["refactor"])


def test_a_nul_byte_is_fr001_as_in_flowrun_lint(tmp_path: Path) -> None:
    analysis = analyze((tmp_path / "wf.yaml").as_uri(), 1, "dagId: x\ntasks: []\x00\n", "utf-16")
    assert [(f.code, f.line) for f in analysis.findings] == [("FR001", 2)]


def test_a_text_over_the_size_limit_is_fr001(tmp_path: Path) -> None:
    from runner.yaml.nodes import MAX_BYTES

    analysis = analyze((tmp_path / "wf.yaml").as_uri(), 1, "dagId: x\n#" + "\u00e9" * (MAX_BYTES // 2), "utf-16")
    assert [f.code for f in analysis.findings] == ["FR001"] and "the limit is" in analysis.findings[0].message
