"""`flowrun graph FILE`: the task graph as Mermaid or Graphviz DOT (runner/diagram.py draws it)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from runner.errors import UsageError


def graph(
    file: Annotated[Path, typer.Argument(help="The workflow file.", metavar="FILE")],
    output_format: Annotated[str, typer.Option("--format", help="mermaid (default) or dot.")] = "mermaid",
) -> int:
    """Print the task graph as Mermaid or Graphviz DOT; data edges (xcom) dashed, branch keys on edges."""
    from runner.cli.files import check_workflow_file, print_findings
    from runner.diagram import FORMATS, render, structural_errors
    from runner.model import load_workflow

    if output_format not in FORMATS:
        raise UsageError(f"unknown format '{output_format}'; expected one of: {', '.join(FORMATS)}")
    check_workflow_file(file, "graph")
    workflow = load_workflow(file)  # not YAML: WorkflowError, printed as FR001 by the error handler
    errors = structural_errors(workflow)
    if errors:  # the drawing would leave out what it cannot place: say why instead, as `run` does
        print_findings(errors)
        print(f"flowrun: error: {file}: the workflow has errors; no graph is drawn", file=sys.stderr)
        return 2
    sys.stdout.write(render(workflow, output_format))
    return 0
