"""`flowrun init NAME`: a new workflow file that lints clean and that editors understand (its
first line names the schema for yaml-language-server), started from nothing or from an example.

`--example etl|branch|http` copies an example of `workflows/` (shipped in the package as
runner/cli/examples/, symlinks to those files) with its comments, under the new dagId. A file is
only ever created, never replaced: `O_CREAT | O_EXCL | O_NOFOLLOW`, so an existing file or a
symlink at the path (even one naming nothing) is refused and nothing is written through it.
"""

from __future__ import annotations

import errno
import os
import re
import shlex
from importlib import resources
from pathlib import Path
from typing import Annotated, Optional

import typer

from runner.errors import UsageError

EXAMPLES = {  # --example NAME -> (file in runner/cli/examples, the workflows/ example it is)
    "etl": ("etl.yaml", "daily_sales_report.yaml"),
    "branch": ("branch.yaml", "branch_full_or_incremental.yaml"),
    "http": ("http.yaml", "api_fanout_merge.yaml"),
}
SUFFIX = ".flowrun.yaml"  # editors match *.flowrun.yaml to the schema (SchemaStore, yaml.schemas)
DAG_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}")
DAG_ID_LINE = re.compile(r"^dagId: .*$", re.MULTILINE)

NEW = """{modeline}
#
# A new flowrun workflow. Check it with `flowrun lint {path}`, try it with
# `flowrun run {path} --dry-run`, then `flowrun run {path}`.
# Your editor completes and explains every key (the line above names the schema);
# `flowrun init NAME --example etl|branch|http` starts from a larger example.
dagId: {dag_id}
description: What this workflow does
schedule: null                  # manual runs only; e.g. "30 2 * * *" (cron) or "@daily"

defaults:
  timeout: {{execution: 10m}}     # a hung try never holds its slot forever
  retryPolicy: {{maxRetries: 0}}  # retry only what may fail transiently (network calls)

tasks:
  - taskId: say_hello
    operator: bash
    params:
      command: echo "hello from {{{{ dag_id }}}} for {{{{ ds }}}}"

  - taskId: say_done
    operator: bash
    dependencies: [say_hello]
    params:
      command: echo done
"""


def init(
    name: Annotated[str, typer.Argument(help="The new workflow: a name (writes NAME.flowrun.yaml) or a path ending in .yaml/.yml.",
                                        metavar="NAME")],
    example: Annotated[Optional[str], typer.Option("--example", help="Start from an example: etl, branch or http.",  # noqa: UP045
                                                   metavar="etl|branch|http")] = None,
) -> int:
    """Create a new workflow file (never overwrites one)."""
    path, dag_id = target(name)
    text = workflow_text(dag_id, path, example)
    create(path, text)
    shown = os.fspath(path)
    print(f"created '{shown}' (dagId '{dag_id}'); next: flowrun run {shown} --dry-run")
    return 0


def target(name: str) -> tuple[Path, str]:
    """The file NAME stands for, and the dagId it gets (the file's name without its suffixes)."""
    if not name.strip():
        raise UsageError("the workflow name is empty; write e.g. 'flowrun init daily_report'")
    path = Path(name) if name.endswith((".yaml", ".yml")) else Path(name + SUFFIX)
    dag_id = path.name
    for suffix in (SUFFIX, ".flowrun.yml", ".yaml", ".yml"):
        if dag_id.endswith(suffix):
            dag_id = dag_id[: -len(suffix)]
            break
    if not DAG_ID.fullmatch(dag_id):
        better = re.sub(r"[^A-Za-z0-9_.-]+", "_", dag_id).lstrip(".-")[:200] or "my_workflow"
        raise UsageError(f"'{dag_id}' cannot be a dagId (letters, digits and _ first, then also . and -, "
                         f"at most 200 characters); write e.g. 'flowrun init {better}'")
    return path, dag_id


def workflow_text(dag_id: str, path: Path, example: str | None) -> str:
    from runner.schema.published import modeline

    if example is None:
        return NEW.format(modeline=modeline(), dag_id=dag_id, path=os.fspath(path))
    if example not in EXAMPLES:
        raise UsageError(f"unknown example '{example}'; expected one of: {', '.join(EXAMPLES)}")
    shipped, source = EXAMPLES[example]
    text = resources.files("runner.cli").joinpath("examples").joinpath(shipped).read_text(encoding="utf-8")
    lines = text.split("\n")
    if lines[0].startswith("# yaml-language-server:"):
        lines[0] = modeline()
    else:
        lines.insert(0, modeline())
    lines.insert(1, f"# Started from flowrun's example workflows/{source} (`flowrun init --example {example}`).")
    return DAG_ID_LINE.sub(lambda _: f"dagId: {dag_id}", "\n".join(lines), count=1)


def create(path: Path, text: str) -> None:
    """Write `text` to a new file at `path`; refuse when anything is there."""
    from runner.safe_io import CREATE_FLAGS

    shown = os.fspath(path)
    try:
        fd = os.open(path, CREATE_FLAGS, 0o666)
    except FileExistsError:
        what = "a symlink" if path.is_symlink() else "a directory" if path.is_dir() else "a file"
        raise UsageError(f"'{shown}' already exists ({what}); flowrun init never overwrites: "
                         f"choose another name or remove it") from None
    except OSError as exc:
        parent = os.fspath(path.parent)
        if exc.errno == errno.ENOENT:
            raise UsageError(f"cannot create '{shown}': directory '{parent}' does not exist; "
                             f"create it first (mkdir -p {shlex.quote(parent)})") from None
        raise UsageError(f"cannot create '{shown}': {exc.strerror or exc}") from None
    try:
        data = text.encode("utf-8")
        while data:
            data = data[os.write(fd, data):]
    except OSError as exc:
        os.close(fd)
        os.unlink(path)  # the file this call created, half written
        raise UsageError(f"cannot write '{shown}': {exc.strerror or exc}") from None
    os.close(fd)
