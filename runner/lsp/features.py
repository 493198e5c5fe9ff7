"""The editor's requests answered from one `Analysis`: diagnostics, quick fixes, hover,
go to definition and the outline. Positions go through the analysis's `Lines` (split once)."""

from __future__ import annotations

import re
from typing import Any

from lsprotocol import types as t

from runner.findings import Finding, shortened
from runner.lint.fix import removal_spans
from runner.lsp.analysis import Analysis
from runner.model import Task
from runner.yaml.nodes import Node

# A message longer than this is cut in the editor (one FR408 on a 1,000-task file lists the whole
# critical path: ~15,000 characters); `flowrun lint --format json` keeps it whole.
MAX_MESSAGE = 500  # characters of a diagnostic's message in the editor
FIX_ALL = "source.fixAll.flowrun"
REDUNDANT = "FR102"
_SEVERITY = {"error": t.DiagnosticSeverity.Error, "warning": t.DiagnosticSeverity.Warning,
             "info": t.DiagnosticSeverity.Information}
_TOKEN = re.compile(r""""(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s,\[\]{}]+""")
_XCOM = re.compile(r"""xcom_pull\(\s*(?:task_ids\s*=\s*)?\\?(['"])([^'"\\\s)]+)\\?\1""")
_IGNORE = re.compile(r"#\s*flowrun:\s*ignore\[([^\]]*)\]")

Pos = tuple[int, int]


def _range(start: Pos, end: Pos) -> t.Range:
    return t.Range(t.Position(*start), t.Position(*end))


def shown_message(message: str) -> str:
    return shortened(message, MAX_MESSAGE)


# -- diagnostics -----------------------------------------------------------------------------------


def finding_range(analysis: Analysis, finding: Finding) -> t.Range:
    """The offending token: the node's extent when the finding knows it (its first line for a
    value over several lines), else the YAML token that starts at the finding's column."""
    lines = analysis.lines
    start = lines.position(finding.line, finding.column)
    end_line, end_column = finding.end_line, finding.end_column
    if end_line is not None and end_column is not None and (end_line, end_column) > (finding.line, finding.column):
        end = lines.position(end_line, end_column) if end_line == finding.line else lines.end_of_line(start[0])
        return _range(start, end)
    text = lines.line(start[0])
    at = max(finding.column - 1, 0) + (lines.bom if start[0] == 0 else 0)
    token = _TOKEN.match(text, at) if at < len(text) else None
    width = len(token.group(0)) if token else min(1, len(text) - at)
    return _range(start, lines.position(finding.line, finding.column + max(width, 0)))


def diagnostic(analysis: Analysis, finding: Finding) -> t.Diagnostic:
    return t.Diagnostic(
        range=finding_range(analysis, finding),
        message=f"{shown_message(finding.message)} ({finding.name})" if finding.name else shown_message(finding.message),
        severity=_SEVERITY.get(finding.severity, t.DiagnosticSeverity.Error),
        code=finding.code,
        source="flowrun",
        data={"name": finding.name, "fixable": finding.fixable},
    )


def diagnostics(analysis: Analysis) -> list[t.Diagnostic]:
    return [diagnostic(analysis, f) for f in analysis.findings]


# -- code actions ----------------------------------------------------------------------------------


def _deletions(analysis: Analysis, findings: list[Finding]) -> list[t.TextEdit]:
    """The edits `--fix` makes for these findings (runner/lint/fix.py computes the spans)."""
    if analysis.source is None:
        return []
    fixes = [f.fix for f in findings if f.fix is not None]
    spans, _ = removal_spans(analysis.lines.linted, analysis.source, fixes)
    position = analysis.lines.offset_position
    return [t.TextEdit(_range(position(start), position(end)), "") for start, end in spans]


def _ignore_edit(analysis: Analysis, finding: Finding) -> t.TextEdit:
    """`# flowrun: ignore[CODE]` at the end of the finding's line, or added to the one there.

    A finding inside a value over several lines (a block scalar's command) is ignored from its
    task's `- taskId:` line: a comment written inside the value would change it."""
    line = finding.line
    if finding.end_line is None and finding.task_line is not None and line != finding.task_line:
        line = finding.task_line
    lines = analysis.lines
    index = min(max(line - 1, 0), len(lines.starts) - 1)
    text = lines.line(index)
    present = _IGNORE.search(text)
    if present is not None:
        at = lines.position(index + 1, present.end(1) + 1 - (lines.bom if index == 0 else 0))
        return t.TextEdit(_range(at, at), f", {finding.code}" if present.group(1).strip() else finding.code)
    end = lines.end_of_line(index)
    gap = "" if text.endswith((" ", "\t")) else "  "
    return t.TextEdit(_range(end, end), f"{gap}# flowrun: ignore[{finding.code}]")


def _on_lines(analysis: Analysis, first: int, last: int) -> list[tuple[Finding, t.Diagnostic]]:
    out = []
    for finding in analysis.findings:
        diag = diagnostic(analysis, finding)
        if diag.range.start.line <= last and diag.range.end.line >= first:
            out.append((finding, diag))
    return out


def code_actions(analysis: Analysis, params: t.CodeActionParams) -> list[t.CodeAction]:
    """Quick fixes for the findings on the requested lines; "fix all FR102" among them when the
    file has several, and alone when the client asks for `source.fixAll` (fix on save)."""
    uri = analysis.uri
    only = params.context.only or []

    def wanted(kind: str) -> bool:  # `only` lists kinds and their parents ("source" holds "source.fixAll")
        return not only or any(kind == k or kind.startswith(f"{k}.") for k in only)

    fixable = [f for f in analysis.findings if f.code == REDUNDANT and f.fix is not None]
    actions = []
    here = _on_lines(analysis, params.range.start.line, params.range.end.line) if wanted(t.CodeActionKind.QuickFix) else []
    for finding, diag in here:
        if finding.code == REDUNDANT and finding.fix is not None:
            actions.append(t.CodeAction(
                title=f"Remove the redundant dependency ({REDUNDANT})",
                kind=t.CodeActionKind.QuickFix, diagnostics=[diag], is_preferred=True,
                edit=t.WorkspaceEdit(changes={uri: _deletions(analysis, [finding])}),
            ))
        if finding.code != "FR006":  # an unused suppression is removed, not suppressed
            actions.append(t.CodeAction(
                title=f"Ignore {finding.code} on this line (# flowrun: ignore[{finding.code}])",
                kind=t.CodeActionKind.QuickFix, diagnostics=[diag],
                edit=t.WorkspaceEdit(changes={uri: [_ignore_edit(analysis, finding)]}),
            ))
    title = f"Remove every redundant dependency ({REDUNDANT}) in this file"
    if len(fixable) > 1 and any(f.code == REDUNDANT and f.fix is not None for f, _ in here):
        actions.append(t.CodeAction(title=title, kind=t.CodeActionKind.QuickFix,
                                    edit=t.WorkspaceEdit(changes={uri: _deletions(analysis, fixable)})))
    if fixable and only and wanted(FIX_ALL):
        actions.append(t.CodeAction(title=title, kind=FIX_ALL,
                                    edit=t.WorkspaceEdit(changes={uri: _deletions(analysis, fixable)})))
    return actions


# -- hover, definition, symbols --------------------------------------------------------------------


def _node_range(analysis: Analysis, node: Node) -> t.Range:
    lines = analysis.lines
    return _range(lines.position(node.line, node.column), lines.position(node.end_line, node.end_column))


def _inside(start: Pos, end: Pos, at: Pos) -> bool:
    return start <= at <= end


def task_at(analysis: Analysis, position: t.Position) -> tuple[Task, t.Range] | None:
    """The task named by the dependency entry or the `xcom_pull('x')` target under the cursor."""
    workflow, source = analysis.workflow, analysis.source
    if workflow is None or source is None:
        return None
    lines = analysis.lines
    at = (position.line + 1, lines.column(position.line, position.character))
    for task in workflow.tasks:
        node = source.node((*task.path, "dependencies"))
        if node is None or node.kind != "seq":
            continue
        for item in node.items():
            if item.kind == "scalar" and _inside((item.line, item.column), (item.end_line, item.end_column), at):
                target = workflow.by_id.get(item.data) if isinstance(item.data, str) else None
                return (target, _node_range(analysis, item)) if target is not None else None
    text = lines.line(position.line)
    char = at[1] - 1 + (lines.bom if position.line == 0 else 0)
    for match in _XCOM.finditer(text):
        if match.start(2) <= char <= match.end(2) and match.group(2) in workflow.by_id:
            first = lines.column(position.line, 0)  # 1, or 0 on a first line after a BOM
            start = lines.position(position.line + 1, match.start(2) + first)
            end = lines.position(position.line + 1, match.end(2) + first)
            return workflow.by_id[match.group(2)], _range(start, end)
    return None


def _task_summary(task: Task) -> str:
    operator = task.operator or "no operator"
    lines = [f"**task `{task.task_id}`**: operator `{operator}`"]
    for key in ("command", "pythonCode", "url", "sql"):
        value = task.params.get(key)
        if isinstance(value, str) and value.strip():
            first = value.strip().splitlines()[0]
            lines.append(f"```\n{first[:200]}\n```")
            break
    return "\n\n".join(lines)


def _rule_doc(finding: Finding) -> str:
    from runner.lint.rules import get

    module = get(finding.code)
    fixable = ", fixable" if module is not None and module.FIXABLE else ""
    doc = (module.__doc__ or "").strip() if module is not None else ""
    return f"**{finding.code}** {finding.name} ({finding.severity}{fixable})\n\n{doc}".rstrip()


def hover(analysis: Analysis, position: t.Position) -> t.Hover | None:
    parts: list[str] = []
    found = task_at(analysis, position)
    if found is not None:
        parts.append(_task_summary(found[0]))
    at = (position.line, position.character)
    codes = set()
    for finding in analysis.findings:
        rng = finding_range(analysis, finding)
        if finding.code not in codes and _inside((rng.start.line, rng.start.character), (rng.end.line, rng.end.character), at):
            codes.add(finding.code)
            parts.append(_rule_doc(finding))
    if not parts:
        return None
    return t.Hover(contents=t.MarkupContent(kind=t.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)),
                   range=found[1] if found is not None else None)


def definition(analysis: Analysis, position: t.Position) -> t.Location | None:
    found = task_at(analysis, position)
    if found is None or analysis.source is None:
        return None
    node = analysis.source.node((*found[0].path, "taskId"))
    return t.Location(uri=analysis.uri, range=_node_range(analysis, node)) if node is not None else None


def symbols(analysis: Analysis) -> list[t.DocumentSymbol]:
    if analysis.workflow is None or analysis.source is None:
        return []
    out = []
    for task in analysis.workflow.tasks:
        whole = analysis.source.node(task.path)
        name = analysis.source.node((*task.path, "taskId"))
        if task.task_id is None or whole is None or name is None:
            continue
        out.append(t.DocumentSymbol(
            name=task.task_id, detail=task.operator or "", kind=t.SymbolKind.Function,
            range=_node_range(analysis, whole), selection_range=_node_range(analysis, name),
        ))
    return out


def capabilities() -> dict[str, Any]:
    """Options of the features registered with options."""
    return {"code_action": t.CodeActionOptions(code_action_kinds=[t.CodeActionKind.QuickFix, FIX_ALL])}
