"""What `--resume` takes from the command line, what it says, and the command that resumes a run.

A resumed run is the same run: its params and logical date are the run's. `--param` and
`--execution-date` are accepted only when they say what the run already has (so the printed
resume command, or a script that repeats its first command line with `--resume`, works), with one
purpose of their own: giving again a param whose value held a secret, which the store keeps
masked. Anything else is refused (exit 2) rather than silently ignored.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from runner.errors import UsageError
from runner.run.context import resolve_param
from runner.run.masked_values import stored_value
from runner.run.masking import Masker
from runner.run.store import RunRecord


def resume_params(record: RunRecord, schema: Mapping[str, Any], given: Mapping[str, str], masker: Masker,
                  masked: set[str], needed: bool) -> dict[str, Any]:
    """The params a resumed run computes with: the stored ones, with the masked ones given again.

    UsageError when a `--param` differs from the run's value, or when a masked param is not given
    again and a task is going to run (`needed`). Messages may quote values: the caller masks them.
    """
    values = dict(record.params)
    missing = set(masked)
    for name, raw in given.items():
        if name not in schema:
            known = ", ".join(schema) or "none declared"
            raise UsageError(f"unknown parameter '{name}' (declared: {known})")
        value = resolve_param(name, schema[name], raw)
        if name in masked:
            if stored_value(value, masker) != record.params.get(name):
                raise UsageError(
                    f"--param {name} is not the value run {record.run_id} started with (stored masked as"
                    f" {_shown(record.params.get(name))}, compared masked with the secrets given now); give the same"
                    " value and the same secrets, or start a new run without --resume")
            values[name] = value
            missing.discard(name)
        elif value != record.params.get(name):
            raise UsageError(
                f"run {record.run_id} keeps the params it started with: {name} is {_shown(record.params.get(name))},"
                f" not {_shown(value)}; drop --param {name}, or start a new run without --resume")
    if missing and needed:
        names = ", ".join(sorted(missing))
        example = " ".join(f"--param {n}=VALUE" for n in sorted(missing))
        raise UsageError(
            f"run {record.run_id} was started with --param {names} holding a secret's value, which the state"
            f" store keeps masked (***); resuming would run with the masked text: give the value again with"
            f" --resume {record.run_id} {example}")
    return values


def check_logical_date(record: RunRecord, given: datetime | None) -> None:
    """`--execution-date` with `--resume` must be the run's own logical date."""
    if given is not None and given != datetime.fromisoformat(record.logical_date):
        raise UsageError(
            f"run {record.run_id} keeps its logical date {record.logical_date}, not {given.isoformat()};"
            " drop --execution-date, or start a new run without --resume")


def changed_warning(record: RunRecord, digest: str, task_hashes: Mapping[str, str],
                    kept: Mapping[str, str]) -> str | None:
    """The warning for a workflow that changed since the run started (`digest`: the plan's now);
    `kept`: task -> the state it keeps. A changed task that keeps its state is named as such."""
    if record.workflow_hash == digest:
        return None
    changed = sorted(t for t in task_hashes if record.task_hashes.get(t) != task_hashes[t])
    removed = sorted(set(record.task_hashes) - set(task_hashes))
    detail = ", ".join(changed + [f"{t} (removed)" for t in removed]) or "workflow settings"
    message = f"the workflow changed since run {record.run_id} started; changed: {detail}"
    stale = [t for t in changed if t in kept and t in record.task_hashes]
    if stale:
        message += ("; kept as they ended before the change, not run again (their outputs are the old ones): "
                    + ", ".join(f"{t} ({kept[t]})" for t in stale) + "; start a new run to run them as changed")
    return message


def resume_command(path: str, run_id: str, options: Mapping[str, str | None], masked: list[str]) -> str:
    """A command line that resumes the run: the file and the options that choose where the run is
    (`--state`), what it reads (`--env`, `--vars`, `--secrets`) and what fits (`--capacity`), each
    quoted for a POSIX shell; a param held masked is asked for, never shown."""
    words = ["flowrun", "run", path, "--resume", run_id]
    for flag, value in options.items():
        if value:
            words += [flag, value]
    command = " ".join(shlex.quote(word) for word in words)
    if masked:
        command += "".join(f" --param {shlex.quote(name)}=VALUE" for name in masked)
        command += (f"  (VALUE: the value {', '.join(masked)} had; it held a secret's value, so it is not shown)")
    return command


def _shown(value: Any) -> str:
    return json.dumps(value, default=str) if not isinstance(value, str) else f"'{value}'"
