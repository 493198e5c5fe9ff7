"""`flowrun lint`, `flowrun rules`, `flowrun rule CODE` and `flowrun schema`.

Light at import time (typer only): `flowrun lint` on a cached file imports no rule.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from runner.errors import UsageError

FormatOpt = Annotated[
    Optional[str],  # noqa: UP045 - typer reads the annotation at run time
    typer.Option("--format", help="Output format: text, json, github, sarif or gitlab (github when GITHUB_ACTIONS=true)."),
]


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
    strict: Annotated[bool, typer.Option("--strict", help="Lint every YAML file as a workflow (default: skip YAML with neither dagId nor a tasks list).")] = False,
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
    settings.strict = settings.strict or strict
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


def schema(
    modeline: Annotated[bool, typer.Option("--modeline", help="Print only the '# yaml-language-server: $schema=URL' line "
                                           "naming this version's schema, for the top of a workflow file.")] = False,
) -> int:
    """Print the JSON Schema of workflow files."""
    if modeline:
        from runner.schema.published import modeline as line

        print(line())
        return 0
    from runner.schema.validate import schema_text

    sys.stdout.write(schema_text())
    return 0
