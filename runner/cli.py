"""The `flowrun` command: thin wiring of typer options to the library.

Library code never prints or exits; `main` is the one error handler that turns exceptions into
one-line messages and exit statuses (SPEC section 4).
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from runner.errors import FlowrunError, UsageError

app = typer.Typer(
    name="flowrun",
    help="A declarative YAML workflow runner with a linter.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

FormatOpt = Annotated[
    Optional[str],  # noqa: UP045 - typer reads the annotation at run time
    typer.Option("--format", help="Output format: text, json, github or sarif (github when GITHUB_ACTIONS=true)."),
]


@app.command()
def lint(
    paths: Annotated[list[Path], typer.Argument(help="Workflow files or directories (searched for *.yaml, *.yml).")],
    output_format: FormatOpt = None,
    select: Annotated[Optional[list[str]], typer.Option(help="Only these codes or prefixes (comma-separated, repeatable).")] = None,  # noqa: UP045
    ignore: Annotated[Optional[list[str]], typer.Option(help="Skip these codes or prefixes (comma-separated, repeatable).")] = None,  # noqa: UP045
    fail_on: Annotated[Optional[str], typer.Option("--fail-on", help="Lowest severity that fails: error, warning (default) or info.")] = None,  # noqa: UP045
    exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when problems are found.")] = False,
    fix: Annotated[bool, typer.Option("--fix", help="Rewrite fixable problems in place (comments and layout are kept).")] = False,
) -> int:
    """Lint workflow files."""
    from runner import config as cfg
    from runner.findings import SEVERITIES
    from runner.linter import lint_paths
    from runner.reporters import FORMATS, RENDERERS

    fmt = output_format or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}'; expected one of: {', '.join(FORMATS)}")
    settings = cfg.load()
    if select:
        settings.select = cfg.split_codes(select)
    settings.ignore += cfg.split_codes(ignore)
    if fail_on is not None:
        if fail_on not in SEVERITIES:
            raise UsageError(f"unknown --fail-on '{fail_on}'; expected one of: {', '.join(SEVERITIES)}")
        settings.fail_on = fail_on
    _check_codes(settings.select + settings.ignore)
    result = lint_paths([str(p) for p in paths], settings, fix=fix)
    sys.stdout.write(RENDERERS[fmt](result))
    return 0 if exit_zero or not result.failed(settings.fail_on) else 1


def _check_codes(codes: list[str]) -> None:
    from runner.rules import BY_CODE

    for code in codes:
        if not any(known.startswith(code) for known in BY_CODE):
            raise UsageError(f"unknown rule code or prefix '{code}'; see 'flowrun rules'")


@app.command()
def rules(output_format: Annotated[str, typer.Option("--format", help="text or json.")] = "text") -> int:
    """List the lint rules: code, name, severity, fixable."""
    import json

    from runner.rules import RULES

    rows = [{"code": r.CODE, "name": r.NAME, "severity": r.SEVERITY, "fixable": r.FIXABLE} for r in RULES]
    if output_format == "json":
        print(json.dumps(rows, indent=2))
        return 0
    if output_format != "text":
        raise UsageError(f"unknown format '{output_format}'; expected text or json")
    width = max(len(r["name"]) for r in rows)  # type: ignore[arg-type]
    for row in rows:
        fixable = "fixable" if row["fixable"] else ""
        print(f"{row['code']}  {row['name']:<{width}}  {row['severity']:<7}  {fixable}".rstrip())
    return 0


@app.command()
def rule(code: Annotated[str, typer.Argument(help="A rule code such as FR102.")]) -> int:
    """Show one rule's documentation."""
    from runner.rules import get

    module = get(code)
    if module is None:
        raise UsageError(f"unknown rule '{code}'; see 'flowrun rules'")
    fixable = ", fixable" if module.FIXABLE else ""
    print(f"# {module.CODE} {module.NAME} ({module.SEVERITY}{fixable})\n")
    print((module.__doc__ or "").strip())
    return 0


@app.command()
def schema() -> int:
    """Print the JSON Schema of workflow files."""
    from runner.schema import schema_text

    sys.stdout.write(schema_text())
    return 0


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app and map every outcome to an exit status."""
    try:  # recent typer vendors click
        from typer._click.exceptions import ClickException
    except ImportError:  # pragma: no cover
        from click import ClickException  # type: ignore[no-redef]

    code: int
    try:
        result = app(args=argv, prog_name="flowrun", standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except FlowrunError as exc:
        print(f"flowrun: error: {exc}", file=sys.stderr)
        code = exc.exit_code
    except typer.Exit as exc:
        code = exc.exit_code
    except ClickException as exc:
        exc.show()
        code = 2
    except (KeyboardInterrupt, typer.Abort):
        print("flowrun: interrupted", file=sys.stderr)
        code = 130
    except BrokenPipeError:
        code = 1
    except Exception as exc:  # the unexpected: still one line, never a traceback
        print(f"flowrun: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        code = 2
    with contextlib.suppress(BrokenPipeError):
        sys.stdout.flush()
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
