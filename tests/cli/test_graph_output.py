"""`flowrun graph FILE [--format mermaid|dot]`: control edges solid, xcom data edges dashed,
branch edges labelled with their keys, nodes labelled taskId and operator."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from runner import diagram as graphviz
from runner.errors import UsageError
from runner.model import Workflow

Cli = Callable[..., subprocess.CompletedProcess[str]]
Write = Callable[..., Path]

PIPELINE = """\
dagId: etl
tasks:
  - taskId: extract
    operator: bash
    params: {command: ./extract.sh}
  - taskId: check
    operator: branch
    dependencies: [extract]
    params:
      condition: "'big' if ti.xcom_pull(task_ids='extract') | int > 10 else 'small'"
      branches: {big: [heavy, notify], small: light, none: notify}
  - taskId: heavy
    operator: python
    dependencies: [check]
    params: {pythonCode: "print({{ ti.xcom_pull(task_ids=['extract', 'check']) }})"}
  - taskId: light
    operator: bash
    dependencies: [check]
    params: {command: "echo {{ ti.xcom_pull('extract') }}"}
  - taskId: notify
    operator: bash
    dependencies: [check]
    params: {command: echo done}
  - taskId: report
    operator: bash
    dependencies: [heavy, light]
    triggerRule: none_failed_min_one_success
    params: {command: "echo {{ ti.xcom_pull(task_ids='notify') }} {{ ti.xcom_pull(task_ids='nope') }} {{ ti.xcom_pull(task_ids=x) }}"}
"""

MERMAID = """\
%% dagId: etl
flowchart LR
    t0["extract<br/><small>bash</small>"]
    t1{{"check<br/><small>branch</small>"}}
    t2["heavy<br/><small>python</small>"]
    t3["light<br/><small>bash</small>"]
    t4["notify<br/><small>bash</small>"]
    t5["report<br/><small>bash</small>"]
    t0 --> t1
    t1 -->|"big"| t2
    t1 -->|"small"| t3
    t1 -->|"big, none"| t4
    t2 --> t5
    t3 --> t5
    t0 -.->|"xcom"| t1
    t0 -.->|"xcom"| t2
    t1 -.->|"xcom"| t2
    t0 -.->|"xcom"| t3
    t4 -.->|"xcom"| t5
    classDef branch fill:#fff4d6,stroke:#b7791f
    class t1 branch
"""

DOT = """\
digraph "etl" {
    rankdir=LR;
    node [shape=box, style="rounded", fontname="Helvetica"];
    edge [fontname="Helvetica", fontsize=10];
    "extract" [label="extract\\nbash"];
    "check" [label="check\\nbranch", shape=hexagon, style="filled", fillcolor="#fff4d6"];
    "heavy" [label="heavy\\npython"];
    "light" [label="light\\nbash"];
    "notify" [label="notify\\nbash"];
    "report" [label="report\\nbash"];
    "extract" -> "check";
    "check" -> "heavy" [label="big"];
    "check" -> "light" [label="small"];
    "check" -> "notify" [label="big, none"];
    "heavy" -> "report";
    "light" -> "report";
    "extract" -> "check" [style=dashed, color="#6b7280", fontcolor="#6b7280", label="xcom"];
    "extract" -> "heavy" [style=dashed, color="#6b7280", fontcolor="#6b7280", label="xcom"];
    "check" -> "heavy" [style=dashed, color="#6b7280", fontcolor="#6b7280", label="xcom"];
    "extract" -> "light" [style=dashed, color="#6b7280", fontcolor="#6b7280", label="xcom"];
    "notify" -> "report" [style=dashed, color="#6b7280", fontcolor="#6b7280", label="xcom"];
}
"""


def test_mermaid_default(run_cli: Cli, write: Write) -> None:
    path = write("etl.yaml", PIPELINE)
    proc = run_cli("graph", str(path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == MERMAID
    assert run_cli("graph", str(path), "--format", "mermaid").stdout == MERMAID


def test_dot(run_cli: Cli, write: Write) -> None:
    proc = run_cli("graph", str(write("etl.yaml", PIPELINE)), "--format", "dot")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == DOT


def test_edge_kinds() -> None:
    """Solid control edges; dashed data edges also where a control edge exists; none for unknown
    or dynamic xcom targets, nor for a task pulling its own output."""
    from runner.yaml.loader import parse

    text = PIPELINE.replace("{command: echo done}", "{command: \"echo {{ ti.xcom_pull(task_ids='notify') }}\"}")
    workflow = Workflow.from_source(parse(text, "etl.yaml"))
    edges = {(e.source, e.target, e.kind, e.label) for e in graphviz.drawing(workflow).edges}
    control = {(s, t) for s, t, kind, _ in edges if kind == "control"}
    data = {(s, t) for s, t, kind, _ in edges if kind == "data"}
    assert control == {("extract", "check"), ("check", "heavy"), ("check", "light"), ("check", "notify"),
                       ("heavy", "report"), ("light", "report")}
    assert data == {("extract", "check"), ("extract", "heavy"), ("check", "heavy"), ("extract", "light"),
                    ("notify", "report")}
    assert ("notify", "report") not in control  # a data edge without a control edge
    assert all(label == "xcom" for _, _, kind, label in edges if kind == "data")


def test_branch_keys_only_on_branch_edges() -> None:
    workflow = Workflow.from_dict({"dagId": "b", "tasks": [
        {"taskId": "a", "operator": "bash", "params": {"command": "true"}},
        {"taskId": "br", "operator": "branch", "dependencies": ["a"],
         "params": {"condition": "'x'", "branches": {"x": "c", "y": ["d", "c"]}}},
        {"taskId": "c", "operator": "dummy", "dependencies": ["br", "a"]},
        {"taskId": "d", "operator": "dummy", "dependencies": ["br"]},
        {"taskId": "e", "operator": "dummy", "dependencies": ["br"]},
    ]})
    labels = {(e.source, e.target): e.label for e in graphviz.drawing(workflow).edges}
    assert labels == {("a", "br"): "", ("br", "c"): "x, y", ("a", "c"): "", ("br", "d"): "y", ("br", "e"): ""}
    text = graphviz.render(workflow)
    assert '    t1 -->|"x, y"| t2\n' in text and "    t1 --> t4\n" in text


def test_labels_are_escaped() -> None:
    """A broken file is drawn as far as possible; odd ids cannot break the syntax."""
    workflow = Workflow.from_dict({"dagId": 'x"y', "tasks": [
        {"taskId": 'a"b<c>;#x;', "operator": "bash", "params": {"command": "true"}},
        {"taskId": "back\\slash", "operator": "branch", "dependencies": ['a"b<c>;#x;'],
         "params": {"condition": "'k'", "branches": {'k|"': "t", "`m`": ["t"]}}},
        {"taskId": 7, "operator": "dummy"},
        {"taskId": "t", "operator": "dummy", "dependencies": ["back\\slash"]},
    ]})
    text = graphviz.render(workflow, "mermaid")
    assert '    t0["a&quot;b&lt;c&gt;&semi;#x&semi;<br/><small>bash</small>"]' in text
    assert '    t1 -->|"k|&quot;, &grave;m&grave;"| t2\n' in text
    assert "t3" not in text  # the task without a string taskId is left out
    dot = graphviz.render(workflow, "dot")
    assert dot.startswith('digraph "x\\"y" {')
    assert '    "a\\"b<c>;#x;" [label="a\\"b<c>;#x;\\nbash"];' in dot
    assert '    "back\\\\slash" [label="back\\\\slash\\nbranch"' in dot
    assert '    "back\\\\slash" -> "t" [label="k|\\", `m`"];' in dot
    with pytest.raises(UsageError):
        graphviz.render(workflow, "svg")


def test_dot_output_is_valid_graphviz(run_cli: Cli, write: Write, tmp_path: Path) -> None:
    """Graphviz reads the output. .ci/run installs Debian's graphviz; elsewhere it may be missing."""
    if shutil.which("dot") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("graphviz is not installed (apt-get install -y graphviz)")
        pytest.skip("graphviz is not installed")
    proc = run_cli("graph", str(write("etl.yaml", PIPELINE)), "--format", "dot")
    svg = subprocess.run(["dot", "-Tsvg"], input=proc.stdout, capture_output=True, text=True, timeout=60)
    assert svg.returncode == 0, svg.stderr
    assert svg.stdout.count('class="edge"') == 11
    assert 'stroke-dasharray="5,2"' in svg.stdout  # the dashed data edges


def test_broken_file_is_one_fr001_line_exit_2(run_cli: Cli, write: Write, tmp_path: Path) -> None:
    path = write("bad.yaml", "dagId: x\ntasks: [\n")
    proc = run_cli("graph", str(path))
    assert proc.returncode == 2
    lines = proc.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}:") and " FR001 [error] " in lines[0]
    assert "Traceback" not in proc.stderr


def test_usage_errors_exit_2(run_cli: Cli, write: Write, tmp_path: Path) -> None:
    proc = run_cli("graph", str(tmp_path / "missing.yaml"))
    assert proc.returncode == 2 and "no such file" in proc.stderr and proc.stderr.count("\n") == 1
    proc = run_cli("graph", str(write("etl.yaml", PIPELINE)), "--format", "svg")
    assert proc.returncode == 2 and "unknown format 'svg'" in proc.stderr
