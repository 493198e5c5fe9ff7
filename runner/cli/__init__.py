"""The `flowrun` command: thin wiring of typer options to the library.

Library code never prints or exits; `main` is the one error handler that turns exceptions into
one-line messages and exit statuses (SPEC section 4).
"""

from __future__ import annotations

import sys

import typer

from runner.cli.output import exit_status, open_output

app = typer.Typer(
    name="flowrun",
    help="A declarative YAML workflow runner with a linter.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _register() -> None:
    """The commands, in the order `flowrun --help` lists them."""
    from runner.cli import breakers, diff, graph, init, lineage, lint, lsp, run, runs

    for command in (init.init, lint.lint, lint.rules, lint.rule, lint.schema, run.run, run.schedule):
        app.command()(command)
    app.add_typer(runs.runs_app, name="runs")
    app.command()(graph.graph)
    app.command()(diff.diff)
    app.command()(lineage.lineage)
    app.add_typer(breakers.breakers_app, name="breakers")
    app.command()(lsp.lsp)


_register()


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app and map every outcome to an exit status."""
    try:  # recent typer vendors click
        from typer._click.exceptions import ClickException
    except ImportError:  # pragma: no cover
        from click import ClickException  # type: ignore[no-redef]

    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = open_output(stdout, 1, "stdout"), open_output(stderr, 2, "stderr")  # type: ignore[assignment]
    code: int
    try:
        result = app(args=argv, prog_name="flowrun", standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except BaseException as exc:
        code = exit_status(exc, ClickException)
    finally:
        sys.stdout.flush()
        sys.stdout, sys.stderr = stdout, stderr
    sys.exit(code)
