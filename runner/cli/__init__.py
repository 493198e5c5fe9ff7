"""The `flowrun` command: thin wiring of typer options to the library.

Library code never prints or exits; `main` is the one error handler that turns exceptions into
one-line messages and exit statuses (SPEC section 4).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Optional, TextIO

import typer

from runner.errors import FlowrunError, UsageError, WorkflowError

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
    paths: Annotated[list[Path], typer.Argument(help="Workflow files or directories (searched for *.yaml, *.yml).", metavar="PATH...")],
    output_format: FormatOpt = None,
    select: Annotated[Optional[list[str]], typer.Option(help="Only these codes or prefixes (comma-separated, repeatable).")] = None,  # noqa: UP045
    ignore: Annotated[Optional[list[str]], typer.Option(help="Skip these codes or prefixes (comma-separated, repeatable).")] = None,  # noqa: UP045
    fail_on: Annotated[Optional[str], typer.Option("--fail-on", help="Lowest severity that fails: error, warning (default) or info.")] = None,  # noqa: UP045
    exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when problems are found.")] = False,
    fix: Annotated[bool, typer.Option("--fix", help="Rewrite fixable problems in place (comments and layout are kept).")] = False,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, help="Worker processes for many files (default: one per CPU).")] = None,  # noqa: UP045
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Lint every file again (default: reuse .flowrun_cache for unchanged files).")] = False,
) -> int:
    """Lint workflow files."""
    from runner.findings import SEVERITIES
    from runner.lint import config as cfg
    from runner.lint.cache import LintCache
    from runner.lint.linter import lint_paths
    from runner.lint.reporters import FORMATS, RENDERERS

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
    cache = LintCache(settings) if not no_cache and LintCache.enabled() else None
    result = lint_paths([str(p) for p in paths], settings, fix=fix, jobs=jobs, cache=cache)
    for note in result.notes:  # files skipped or left unfixed (symlinks, pipes), an unusable cache
        print(f"flowrun: {note}", file=sys.stderr)
    sys.stdout.write(RENDERERS[fmt](result))
    return 0 if exit_zero or not result.failed(settings.fail_on) else 1


def _check_codes(codes: list[str]) -> None:
    if not codes:
        return  # (the rules are not imported for nothing: a cached lint needs none of them)
    from runner.lint.rules import BY_CODE

    for code in codes:
        if not any(known.startswith(code) for known in BY_CODE):
            raise UsageError(f"unknown rule code or prefix '{code}'; see 'flowrun rules'")


@app.command()
def rules(output_format: Annotated[str, typer.Option("--format", help="text or json.")] = "text") -> int:
    """List the lint rules: code, name, severity, fixable."""
    import json

    from runner.lint.rules import RULES

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
    from runner.lint.rules import get

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
    from runner.schema.validate import schema_text

    sys.stdout.write(schema_text())
    return 0


def _parse_params(values: list[str] | None) -> dict[str, str]:
    params = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"bad --param '{item}'; expected NAME=VALUE")
        params[name.strip()] = value
    return params


def _print_invalid(findings: list[Any]) -> None:
    from runner.lint.linter import LintResult
    from runner.lint.reporters import text

    sys.stdout.write(text(LintResult(files=sorted({f.path for f in findings}), findings=findings)))


@app.command()
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
) -> int:
    """Run a workflow, or print its plan with --dry-run."""
    from runner.cli.runs import check_workflow_file
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
                    capacity, resume, log_format)
    except InvalidWorkflow as exc:
        _print_invalid(exc.findings)
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
         resume: str | None, log_format: str) -> int:
    from runner.cli.console import RunConsole, run_summary
    from runner.escapes import printable
    from runner.run.session import RunOptions, execute, prepare

    console = RunConsole(workflow.dag_id, log_format)
    options = RunOptions(
        params=params, env=env, execution_date=execution_date, state=state, vars_file=vars_file,
        secrets_file=secrets_file, capacity=capacity, resume=resume, notify=console,
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


@app.command()
def schedule(
    paths: Annotated[list[Path], typer.Argument(help="Workflow files or directories.", metavar="PATH...")],
    once: Annotated[bool, typer.Option("--once", help="Start every run due now, wait for them, and exit.")] = False,
    now: Annotated[Optional[str], typer.Option("--now", help="Pretend the current time is DATETIME (ISO 8601).")] = None,  # noqa: UP045
    env: Annotated[Optional[str], typer.Option("--env", help="Environment overlay (default: $FLOWRUN_ENV).")] = None,  # noqa: UP045
    state: Annotated[Optional[str], typer.Option("--state", help="State store (default $FLOWRUN_STATE or .flowrun/state.db); task logs go to 'logs' beside it.")] = None,  # noqa: UP045
) -> int:
    """Start runs on their cron ticks, honouring maxActiveRuns and catchup."""
    import time

    from runner.escapes import printable
    from runner.run.scheduler import schedule as run_scheduler

    def report(line: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {printable(line)}", flush=True)

    return run_scheduler([str(p) for p in paths], state, env, once, now, report)


def _register_history() -> None:
    from runner.cli.runs import graph, runs_app

    app.add_typer(runs_app, name="runs")
    app.command()(graph)


_register_history()


class Output:
    """sys.stdout or sys.stderr of the command. A reader that went away (`flowrun run wf.yaml |
    head -1`: EPIPE) or a terminal that was closed (EIO) ends the output, never the command: the
    run goes on and is recorded as it would have been, as make goes on. The descriptor is then
    pointed at /dev/null, so that what is still buffered and the interpreter's last flush go
    nowhere; any other write error (a full disk) is said once on stderr."""

    def __init__(self, stream: TextIO, name: str) -> None:
        self.stream = stream
        self.name = name
        self.gone = False

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                return self.stream.write(text)
            except OSError as exc:
                self._lost(exc)
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if not self.gone:
            try:
                self.stream.flush()
            except OSError as exc:
                self._lost(exc)

    def isatty(self) -> bool:
        return not self.gone and self.stream.isatty()

    def __getattr__(self, name: str) -> Any:  # fileno, encoding, buffer, ...
        return getattr(self.stream, name)

    def _lost(self, exc: OSError) -> None:
        self.gone = True
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stream.fileno())
            os.close(devnull)
        if exc.errno not in (errno.EPIPE, errno.EIO) and self.name == "stdout":
            print(f"flowrun: warning: cannot write to standard output ({exc.strerror or exc});"
                  " going on without it", file=sys.stderr)


def _output(stream: TextIO | None, fd: int, name: str) -> Output:
    """The command's stdout or stderr. Started with it closed (`flowrun run wf.yaml >&-`), Python
    has none: the output goes to /dev/null, and the descriptor is taken by /dev/null too, so that
    no file the run opens later gets its number (a task's pipe or the state store written to as
    if it were the terminal)."""
    if stream is None:
        try:
            os.fstat(fd)
        except OSError:
            devnull = os.open(os.devnull, os.O_WRONLY)  # the lowest free descriptor: `fd` itself
            if devnull != fd:
                os.dup2(devnull, fd)
                os.close(devnull)
        stream = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    return Output(stream, name)


def _leaves(exc: BaseException) -> list[BaseException]:
    """The exceptions inside a (nested) exception group, or the exception itself. A trio nursery
    wraps whatever a task raises, a usage error or Ctrl-C included (strict exception groups);
    trio's own Cancelled are left out (they only say that the others ended the nursery)."""
    inner_exceptions = getattr(exc, "exceptions", None)  # a BaseExceptionGroup (Python 3.11+ or exceptiongroup)
    if isinstance(inner_exceptions, tuple) and inner_exceptions:
        found = [leaf for inner in inner_exceptions for leaf in _leaves(inner)]
        trio = sys.modules.get("trio")
        kept = [e for e in found if trio is None or not isinstance(e, trio.Cancelled)]
        return kept or found
    return [exc]


def _exit_status(exc: BaseException, click_error: type[Exception]) -> int:
    """The one error handler: a one-line message on stderr and the exit status of `exc`."""
    from runner.escapes import printable

    leaves = _leaves(exc)
    for kinds in ((KeyboardInterrupt, typer.Abort), (SystemExit,), (FlowrunError,), (typer.Exit,), (click_error,)):
        chosen = next((e for e in leaves if isinstance(e, kinds)), None)
        if chosen is None:
            continue
        if isinstance(chosen, (KeyboardInterrupt, typer.Abort)):
            print("flowrun: interrupted", file=sys.stderr)
            return 130
        if isinstance(chosen, SystemExit):
            raise chosen
        if isinstance(chosen, WorkflowError):  # a file that is not YAML: the finding `flowrun lint` prints
            print(f"{printable(chosen.path)}:{chosen.line}:{chosen.column}: {chosen.code} [error] {printable(chosen.message)}")
            return chosen.exit_code
        if isinstance(chosen, FlowrunError):
            print(f"flowrun: error: {printable(str(chosen))}", file=sys.stderr)
            return chosen.exit_code
        if isinstance(chosen, typer.Exit):
            return int(chosen.exit_code)
        chosen.show()  # type: ignore[attr-defined]
        return 2
    first = leaves[0]  # the unexpected: still one line, never a traceback
    print(f"flowrun: internal error: {type(first).__name__}: {printable(str(first))}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app and map every outcome to an exit status."""
    try:  # recent typer vendors click
        from typer._click.exceptions import ClickException
    except ImportError:  # pragma: no cover
        from click import ClickException  # type: ignore[no-redef]

    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _output(stdout, 1, "stdout"), _output(stderr, 2, "stderr")  # type: ignore[assignment]
    code: int
    try:
        result = app(args=argv, prog_name="flowrun", standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except BaseException as exc:
        code = _exit_status(exc, ClickException)
    finally:
        sys.stdout.flush()
        sys.stdout, sys.stderr = stdout, stderr
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
