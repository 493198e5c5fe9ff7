"""`flowrun run FILE` (and `--dry-run`) and `flowrun schedule PATH...`.

Light at import time (typer only): the runner (trio, the store) is imported by the command.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from runner.errors import FlowrunError, UsageError


def _parse_params(values: list[str] | None) -> dict[str, str]:
    params = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"bad --param '{item}'; expected NAME=VALUE")
        params[name.strip()] = value
    return params


def run(
    file: Annotated[Path, typer.Argument(help="The workflow file.", metavar="FILE")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan; execute nothing, write nothing.")] = False,
    param: Annotated[Optional[list[str]], typer.Option("--param", help="NAME=VALUE, validated against params (repeatable).")] = None,  # noqa: UP045
    env: Annotated[Optional[str], typer.Option("--env", help="Environment overlay (default: $FLOWRUN_ENV).")] = None,  # noqa: UP045
    execution_date: Annotated[Optional[str], typer.Option("--execution-date", help="Logical date-time (ISO 8601; default now).")] = None,  # noqa: UP045
    state: Annotated[Optional[str], typer.Option("--state", help="State store (default $FLOWRUN_STATE or .flowrun/state.db); task logs go to 'logs' beside it.")] = None,  # noqa: UP045
    vars_file: Annotated[Optional[str], typer.Option("--vars", help="Variables file (.env lines or YAML mapping).")] = None,  # noqa: UP045
    secrets_file: Annotated[Optional[str], typer.Option("--secrets", help="Secrets file (.env lines or YAML mapping).")] = None,  # noqa: UP045
    capacity: Annotated[Optional[str], typer.Option("--capacity", help="cpu=N,memory=MB,gpu=N (default: this machine).")] = None,  # noqa: UP045
    resume: Annotated[Optional[str], typer.Option("--resume", help="RUN_ID or 'last': continue that run.")] = None,  # noqa: UP045
    log_format: Annotated[str, typer.Option("--log-format", help="text or json (one JSON object per line).")] = "text",
    output_format: Annotated[str, typer.Option("--format", help="text or json, for --dry-run.")] = "text",
    lineage: Annotated[Optional[str], typer.Option("--lineage", help="Send OpenLineage events: http(s)://HOST/api/v1/lineage or file:PATH (default: $FLOWRUN_LINEAGE).", metavar="URL_OR_FILE")] = None,  # noqa: UP045
) -> int:
    """Run a workflow, or print its plan with --dry-run."""
    from runner.cli.files import check_workflow_file, print_findings
    from runner.model import load_workflow
    from runner.run.plan import InvalidWorkflow

    if log_format not in ("text", "json") or output_format not in ("text", "json"):
        raise UsageError("--log-format and --format take text or json")
    check_workflow_file(file, "run")
    workflow = load_workflow(file)  # not YAML: WorkflowError, printed as FR001 by the error handler
    try:
        if dry_run:
            return _dry_run(workflow, _parse_params(param), env, execution_date, vars_file, output_format)
        return _run(workflow, file, _parse_params(param), env, execution_date, state, vars_file, secrets_file,
                    capacity, resume, log_format, lineage)
    except InvalidWorkflow as exc:
        print_findings(exc.findings)
        print(f"flowrun: error: {file}: the workflow has errors and cannot run", file=sys.stderr)
        return exc.exit_code


def _dry_run(workflow: Any, params: dict[str, str], env: str | None, execution_date: str | None,
             vars_file: str | None, output_format: str) -> int:
    import json
    from datetime import datetime, timezone

    from runner.dates import parse_datetime
    from runner.run.context import Variables, read_vars_file, resolve_params
    from runner.run.dryrun import as_text, describe
    from runner.run.plan import compile_plan, thaw

    plan = compile_plan(workflow, env)
    variables = Variables(read_vars_file(vars_file) if vars_file else None)
    masker = variables.masker()  # a --param may hold a secret's value: never print it
    try:
        values = resolve_params(thaw(plan.params_schema), params)
        logical = parse_datetime(execution_date) if execution_date else datetime.now(timezone.utc).replace(microsecond=0)
    except FlowrunError as exc:
        exc.args = tuple(masker.mask(a) if isinstance(a, str) else a for a in exc.args)
        raise
    doc = masker.mask_value(describe(plan, values, variables, logical))
    sys.stdout.write(json.dumps(doc, indent=2) + "\n" if output_format == "json" else as_text(doc))  # type: ignore[arg-type]
    return 0


def _run(workflow: Any, file: Path, params: dict[str, str], env: str | None, execution_date: str | None,
         state: str | None, vars_file: str | None, secrets_file: str | None, capacity: str | None,
         resume: str | None, log_format: str, lineage: str | None = None) -> int:
    from runner.cli.console import RunConsole, run_summary
    from runner.escapes import printable
    from runner.run.session import RunOptions, execute, prepare

    console = RunConsole(workflow.dag_id, log_format)
    options = RunOptions(
        params=params, env=env, execution_date=execution_date, state=state, vars_file=vars_file,
        secrets_file=secrets_file, capacity=capacity, resume=resume, notify=console, lineage=lineage,
        warn=lambda message: print(f"flowrun: warning: {printable(message)}", file=sys.stderr),
    )
    plan, setup = prepare(workflow, options)
    import gc

    gc.freeze()  # modules, workflow and plan live as long as this process: out of the collector's way
    result = execute(plan, setup)
    if log_format == "text":
        sys.stdout.write(run_summary(result))
    if result.state == "interrupted":
        return 130
    return 0 if result.state == "success" else 1


def schedule(
    paths: Annotated[list[Path], typer.Argument(help="Workflow files or directories.", metavar="PATH...")],
    once: Annotated[bool, typer.Option("--once", help="Start every run due now, wait for them, and exit.")] = False,
    now: Annotated[Optional[str], typer.Option("--now", help="Pretend the current time is DATETIME (ISO 8601).")] = None,  # noqa: UP045
    env: Annotated[Optional[str], typer.Option("--env", help="Environment overlay (default: $FLOWRUN_ENV).")] = None,  # noqa: UP045
    state: Annotated[Optional[str], typer.Option("--state", help="State store (default $FLOWRUN_STATE or .flowrun/state.db); task logs go to 'logs' beside it.")] = None,  # noqa: UP045
    lineage: Annotated[Optional[str], typer.Option("--lineage", help="Send OpenLineage events: http(s)://HOST/api/v1/lineage or file:PATH (default: $FLOWRUN_LINEAGE).", metavar="URL_OR_FILE")] = None,  # noqa: UP045
) -> int:
    """Start runs on their cron ticks, honouring maxActiveRuns and catchup."""
    import time

    from runner.escapes import printable
    from runner.run.scheduler import schedule as run_scheduler

    if lineage:  # every run the scheduler starts reads it (runner/run/session.py)
        import os

        from runner.run.lineage_send import check_target

        os.environ["FLOWRUN_LINEAGE"] = check_target(lineage)

    def report(line: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {printable(line)}", flush=True)

    return run_scheduler([str(p) for p in paths], state, env, once, now, report)
