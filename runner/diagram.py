"""`flowrun graph`: the task DAG as Mermaid or Graphviz DOT text (SPEC section 4).

- control edges (`dependencies`) are solid arrows;
- a control edge from a `branch` task to a task its `branches` name carries the branch key(s);
- data edges (`ti.xcom_pull(task_ids=...)` in a task's templates) are dashed arrows labelled
  `xcom`, drawn in addition to any control edge between the same tasks, so a data edge without
  one (a pull from a task that is not upstream) stands out;
- each node shows the taskId and, below it, the operator; branch tasks are hexagons.

A file whose structure is wrong (`structural_errors`: schema, duplicate or unknown task ids, a
cycle, a bad branch target) is not drawn: `flowrun graph` prints those findings and exits 2, as
`run` does, since a drawing would silently leave out what it cannot place. Template findings do
not stop it: a data edge without a control edge (a race, FR203) is what the drawing shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from runner.errors import UsageError
from runner.findings import Finding
from runner.model import Task, Workflow

FORMATS = ("mermaid", "dot")
STRUCTURE = frozenset({"FR002", "FR003", "FR004", "FR101", "FR103"})  # findings that make a drawing wrong


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str  # "control" or "data"
    label: str = ""


@dataclass
class DagDrawing:
    dag_id: str
    nodes: list[tuple[str, str]]  # (taskId, operator), file order
    edges: list[Edge]  # control edges in file order, then data edges


def branch_keys(task: Task) -> dict[str, list[str]]:
    """Branch task -> {target taskId: [keys choosing it]}."""
    found: dict[str, list[str]] = {}
    for path, target in task.branch_targets():
        found.setdefault(target, []).append(str(path[2]))
    return found


def drawing(workflow: Workflow) -> DagDrawing:
    from runner.templates.refs import template_refs  # jinja2 is needed only for data edges

    graph = workflow.graph
    tasks = [workflow.by_id[name] for name in graph.names]
    nodes = [(t.task_id or "", t.operator or "?") for t in tasks]
    edges: list[Edge] = []
    for child, parents in enumerate(graph.parents):
        for parent in parents:
            keys = branch_keys(tasks[parent]).get(graph.names[child], [])
            edges.append(Edge(graph.names[parent], graph.names[child], "control", ", ".join(keys)))
    seen: set[tuple[str, str]] = set()
    for ref in template_refs(workflow):
        consumer = ref.task.task_id
        if consumer is None or workflow.by_id.get(consumer) is not ref.task:
            continue  # a duplicate taskId: only the first task of that id is drawn
        for producer, _line in ref.analysis.xcom_targets:
            if producer is None or producer not in workflow.by_id or producer == consumer:
                continue
            if (producer, consumer) not in seen:
                seen.add((producer, consumer))
                edges.append(Edge(producer, consumer, "data", "xcom"))
    return DagDrawing(workflow.dag_id, nodes, edges)


def structural_errors(workflow: Workflow) -> list[Finding]:
    """The error-level findings that would make the drawing incomplete or wrong."""
    from runner.lint.linter import check_workflow

    return [f for f in check_workflow(workflow, severity="error") if f.code in STRUCTURE]


def render(workflow: Workflow, fmt: str = "mermaid") -> str:
    if fmt == "mermaid":
        return mermaid(drawing(workflow))
    if fmt == "dot":
        return dot(drawing(workflow))
    raise UsageError(f"unknown format '{fmt}'; expected one of: {', '.join(FORMATS)}")


# -- Mermaid --------------------------------------------------------------------------------------


# HTML entities (Mermaid's default HTML labels decode them). No `#...;` entity codes: Mermaid
# turns any `#word;` into one, so `;` itself is written `&semi;` and user text cannot form one.
_MERMAID_ESCAPES = str.maketrans({
    "&": "&amp;", '"': "&quot;", "<": "&lt;", ">": "&gt;", ";": "&semi;", "`": "&grave;",
    "\n": " ", "\r": " ", "\t": " ",
})


def _mermaid_text(text: str) -> str:
    """Text inside a quoted Mermaid node or edge label."""
    return text.translate(_MERMAID_ESCAPES)


def mermaid(d: DagDrawing) -> str:
    ids = {name: f"t{i}" for i, (name, _) in enumerate(d.nodes)}
    lines = [f"%% dagId: {' '.join(d.dag_id.split())}" if d.dag_id else "%% flowrun graph", "flowchart LR"]
    for name, operator in d.nodes:
        label = f'"{_mermaid_text(name)}<br/><small>{_mermaid_text(operator)}</small>"'
        shape = "{{" + label + "}}" if operator == "branch" else f"[{label}]"
        lines.append(f"    {ids[name]}{shape}")
    for edge in d.edges:
        src, dst = ids[edge.source], ids[edge.target]
        label = f'|"{_mermaid_text(edge.label)}"|' if edge.label else ""
        arrow = "-.->" if edge.kind == "data" else "-->"
        lines.append(f"    {src} {arrow}{label} {dst}")
    if any(op == "branch" for _, op in d.nodes):
        lines.append("    classDef branch fill:#fff4d6,stroke:#b7791f")
        lines.append("    class " + ",".join(ids[n] for n, op in d.nodes if op == "branch") + " branch")
    return "\n".join(lines) + "\n"


# -- Graphviz DOT ---------------------------------------------------------------------------------


def _dot_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "\\n")
    return f'"{escaped}"'


def dot(d: DagDrawing) -> str:
    lines = [
        f"digraph {_dot_string(d.dag_id or 'workflow')} {{",
        "    rankdir=LR;",
        '    node [shape=box, style="rounded", fontname="Helvetica"];',
        '    edge [fontname="Helvetica", fontsize=10];',
    ]
    for name, operator in d.nodes:
        extra = ', shape=hexagon, style="filled", fillcolor="#fff4d6"' if operator == "branch" else ""
        lines.append(f"    {_dot_string(name)} [label={_dot_string(name + chr(10) + operator)}{extra}];")
    for edge in d.edges:
        attrs = []
        if edge.kind == "data":
            attrs += ["style=dashed", 'color="#6b7280"', 'fontcolor="#6b7280"']
        if edge.label:
            attrs.append(f"label={_dot_string(edge.label)}")
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"    {_dot_string(edge.source)} -> {_dot_string(edge.target)}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"
