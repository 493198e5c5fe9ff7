"""`flowrun runs`, `flowrun runs show RUN_ID` and `flowrun runs report RUN_ID`.

Registered in runner/cli/__init__.py (`app.add_typer(runs_app, name="runs")`).
Light at import time: the store (sqlite3), jinja2 and the report are imported by the commands
that need them, and trio never is.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from runner.errors import UsageError

StateOpt = Annotated[
    Optional[str],  # noqa: UP045 - typer reads the annotation at run time
    typer.Option("--state", help="State store (default $FLOWRUN_STATE or .flowrun/state.db)."),
]

runs_app = typer.Typer(
    name="runs",
    help="Run history. Without a command: recent runs, newest first (run id, dag, logical date, state,"
    " duration).",
    invoke_without_command=True,
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise UsageError(f"unknown format '{fmt}'; expected one of: {', '.join(allowed)}")


def _state(ctx: typer.Context, state: str | None) -> str | None:
    """A subcommand's --state, else the one given before it (`flowrun runs --state P show ID`)."""
    if state is not None:
        return state
    obj: Any = ctx.obj
    return obj.get("state") if isinstance(obj, dict) else None


@runs_app.callback(invoke_without_command=True)
def runs(
    ctx: typer.Context,
    dag: Annotated[Optional[str], typer.Option("--dag", help="Only runs of this dagId.")] = None,  # noqa: UP045
    state: StateOpt = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many runs (newest first).")] = 20,
    output_format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> int:
    """List recent runs, newest first: run id, dag, logical date, state, duration."""
    ctx.obj = {"state": state}
    if ctx.invoked_subcommand is not None:
        return 0
    from runner.history import query as history
    from runner.history import text as history_text

    _check_format(output_format, ("text", "json"))
    found = history.list_runs(state, dag, limit)
    shown = history_text.runs_json(found) if output_format == "json" else history_text.runs_text(found, state, dag)
    sys.stdout.write(shown)
    return 0


@runs_app.command("show")
def show(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="A run id (see 'flowrun runs'), or 'last'.", metavar="RUN_ID")],
    state: StateOpt = None,
    output_format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> int:
    """One run: per task its state, tries, duration, exit code and error; every try; metrics; events."""
    from runner.history import query as history
    from runner.history import text as history_text

    _check_format(output_format, ("text", "json"))
    detail = history.load_run(run_id, _state(ctx, state))
    sys.stdout.write(history_text.show_json(detail) if output_format == "json" else history_text.show_text(detail))
    return 0


@runs_app.command("report")
def report(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="A run id (see 'flowrun runs'), or 'last'.", metavar="RUN_ID")],
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("-o", "--output", help="The HTML file to write (default RUN_ID.html; '-' for stdout).",
                     metavar="FILE.html"),
    ] = None,
    state: StateOpt = None,
) -> int:
    """Write one self-contained HTML file: a Gantt chart of every try, the tasks, metrics and events."""
    from runner.history import query as history
    from runner.history.report import render_report

    detail = history.load_run(run_id, _state(ctx, state))
    html = render_report(detail)
    if output is not None and str(output) == "-":
        sys.stdout.write(html)
        return 0
    from runner.run.safefs import safe_name, write_replacing

    target = output or Path(f"{safe_name(detail.run.run_id, 'run id')}.html")
    try:  # a temporary file beside it, renamed over it: never written through a link (runner/run/safefs.py)
        write_replacing(target, html.encode("utf-8"), "report")
    except OSError as exc:
        raise UsageError(f"{target}: cannot write the report: {exc.strerror or exc}") from None
    print(f"wrote {target}")
    return 0
