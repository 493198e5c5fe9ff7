"""`flowrun diff OLD NEW`: what changes between two versions of a workflow, plan against plan.

OLD and NEW are files, or `REV:PATH` for a file at a git revision (`git show REV:PATH` in the
current repository). Both are linted first: a version with errors is refused (exit 2, its
findings printed as `flowrun lint` prints them). Exit 0 when the plans are the same, 1 when they
differ, 2 on trouble (SPEC section 4's statuses, as `diff` has them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from runner.errors import FlowrunError, UsageError

FORMATS = ("text", "json", "markdown")


def diff(
    old: Annotated[str, typer.Argument(help="The old version: a file, or REV:PATH at a git revision.", metavar="OLD")],
    new: Annotated[str, typer.Argument(help="The new version: a file, or REV:PATH at a git revision.", metavar="NEW")],
    env: Annotated[Optional[str], typer.Option("--env", help="Environment overlay of both (default: $FLOWRUN_ENV).")] = None,  # noqa: UP045
    output_format: Annotated[str, typer.Option("--format", help="text, json or markdown (for a pull-request comment).")] = "text",
) -> int:
    """Show what changes between two versions of a workflow: settings, tasks, edges, impact."""
    from runner.cli.files import print_findings
    from runner.run.plan import InvalidWorkflow, compile_plan
    from runner.run.plan_diff import diff_plans

    if output_format not in FORMATS:
        raise UsageError(f"unknown format '{output_format}'; expected one of: {', '.join(FORMATS)}")
    plans = []
    for name in (old, new):
        try:
            plans.append(compile_plan(load_version(name), env))
        except InvalidWorkflow as exc:
            print_findings(exc.findings)
            print(f"flowrun: error: {name}: the workflow has errors; fix them before comparing", file=sys.stderr)
            return 2
    result = diff_plans(plans[0], plans[1], old, new)
    if output_format == "json":
        sys.stdout.write(json.dumps(result.as_dict(), indent=2, default=str) + "\n")
    else:
        from runner.cli.diff_text import markdown, text

        colour = output_format == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        sys.stdout.write(markdown(result) if output_format == "markdown" else text(result, colour))
    return 0 if result.same else 1


def load_version(name: str) -> Any:
    """The workflow a file or a `REV:PATH` names (WorkflowError, printed as FR001, if not YAML)."""
    from runner.model import Workflow, load_workflow

    path = Path(name)
    if path.is_dir():
        raise UsageError(f"{name}: is a directory; 'diff' takes two workflow files (or REV:PATH)")
    if path.is_file() or ":" not in name:
        from runner.cli.files import check_workflow_file

        check_workflow_file(path, "diff")
        return load_workflow(path)
    from runner.errors import WorkflowError
    from runner.yaml.loader import parse
    from runner.yaml.nodes import YamlProblem

    try:
        return Workflow.from_source(parse(git_show(name), name))
    except YamlProblem as exc:
        raise WorkflowError(name, exc.line, exc.column, exc.message) from None


def git_show(spec: str) -> str:
    """The text of `REV:PATH` in the git repository of the working directory."""
    revision, _, path = spec.partition(":")
    if not revision or not path:
        raise UsageError(f"'{spec}': write a file, or REV:PATH such as HEAD~1:workflows/etl.yaml")
    try:
        inside = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], capture_output=True, text=True,
                                timeout=30, check=False)
        if inside.returncode != 0 or inside.stdout.strip() != "true":
            raise UsageError(f"'{spec}': not inside a git repository; REV:PATH reads a file at a git revision")
        shown = subprocess.run(["git", "show", f"{revision}:{path}"], capture_output=True, timeout=30, check=False)
    except FileNotFoundError:
        raise UsageError(f"'{spec}': git is not installed; REV:PATH needs it") from None
    except subprocess.TimeoutExpired:
        raise FlowrunError(f"'{spec}': git did not answer in 30 s") from None
    if shown.returncode != 0:
        reason = shown.stderr.decode(errors="replace").strip().splitlines()
        detail = reason[0].removeprefix("fatal: ") if reason else f"git show exited {shown.returncode}"
        raise UsageError(f"'{spec}': {detail}")
    try:
        return shown.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"'{spec}': the file is not UTF-8 text") from None
