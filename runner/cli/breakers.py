"""`flowrun breakers [--format json]` and `flowrun breakers reset KEY`: the circuit breakers of
a state store (runner/run/breakers.py).

Registered in runner/cli/__init__.py (`app.add_typer(breakers_app, name="breakers")`). Listing
never creates a store; trio is never imported.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Annotated, Any, Optional

import typer

from runner.errors import UsageError

StateOpt = Annotated[
    Optional[str],  # noqa: UP045 - typer reads the annotation at run time
    typer.Option("--state", help="State store (default $FLOWRUN_STATE or .flowrun/state.db)."),
]

breakers_app = typer.Typer(
    name="breakers",
    help="Circuit breakers of the state store. Without a command: every breaker (key, state, failures,"
    " opened at, retry after, last error).",
    invoke_without_command=True,
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _state(ctx: typer.Context, state: str | None) -> str | None:
    if state is not None:
        return state
    obj: Any = ctx.obj
    return obj.get("state") if isinstance(obj, dict) else None


@breakers_app.callback(invoke_without_command=True)
def breakers(
    ctx: typer.Context,
    state: StateOpt = None,
    output_format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> int:
    """List every circuit breaker: key, state, failures, opened at, retry after, last error."""
    ctx.obj = {"state": state}
    if ctx.invoked_subcommand is not None:
        return 0
    if output_format not in ("text", "json"):
        raise UsageError(f"unknown format '{output_format}'; expected one of: text, json")
    from runner.escapes import printable
    from runner.history.text import one_line, table
    from runner.run.breakers import iso, list_breakers
    from runner.run.store import Store, state_path

    path = state_path(state)
    found = []
    if path.is_file():  # listing never creates a store
        store = Store(path)
        try:
            found = list_breakers(store)
        finally:
            store.close()
    now = time.time()
    if output_format == "json":
        sys.stdout.write(json.dumps([b.as_json(now) for b in found], indent=2) + "\n")
        return 0
    if not found:
        sys.stdout.write(f"no circuit breakers in {printable(str(path))}\n")
        return 0
    rows = [[printable(b.key), b.shown_state(now).replace("_", "-"), str(b.failures), iso(b.opened_at) or "-",
             iso(b.trial_deadline if b.state == "half_open" else b.retry_after) or "-",
             printable(one_line(b.last_error, 80))] for b in found]
    sys.stdout.write("\n".join(table(["KEY", "STATE", "FAILURES", "OPENED AT", "RETRY AFTER", "LAST ERROR"], rows)) + "\n")
    return 0


@breakers_app.command("reset")
def reset(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="The breaker's key (see 'flowrun breakers').", metavar="KEY")],
    state: StateOpt = None,
) -> int:
    """Close the breaker KEY: its count goes to 0 and the next run calls again."""
    from runner.escapes import printable
    from runner.run.breakers import reset as reset_breaker
    from runner.run.store import Store, state_path

    path = state_path(_state(ctx, state))
    if not path.is_file():
        raise UsageError(f"no circuit breaker '{printable(key)}': there is no state store at {printable(str(path))}")
    store = Store(path)
    try:
        before = reset_breaker(store, key)
    finally:
        store.close()
    if before is None:
        raise UsageError(f"no circuit breaker '{printable(key)}' in {printable(str(path))}; see 'flowrun breakers'")
    print(f"closed circuit breaker '{printable(key)}' (was {before.shown_state(time.time()).replace('_', '-')},"
          f" {before.failures} failures)")
    return 0
