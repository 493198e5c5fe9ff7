"""Masking hides data, it never changes it: what was altered by masking, and what a run does about it.

Secrets are never stored in clear (SPEC section 2), so a run parameter or a task output that holds
a secret's value is stored masked. Within a run, tasks compute with the values themselves: params
as given, outputs passed on through `ti.xcom_pull` unaltered. What the store keeps masked is
flagged (`runs.masked_params`, `tasks.output_masked`) so that a resume never uses the masked text
as if it were the value:

- a masked param must be given again (`--resume ID --param NAME=VALUE`), else the resume is
  refused (runner/run/resume.py);
- a kept output that was masked is produced again: its task runs again on resume when a task that
  runs could read it (any task downstream of it), and those wait for it (`hold`).

A secret whose value is ordinary text (a short plain word or number, or found in a `--param` or a
`var.value`) makes masking hide ordinary text: the run warns at its start, never naming the value.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from runner.run.masking import MASK, SHORT_SECRET_WARNING, Masker
from runner.run.plan import Plan

COMMON_LENGTH = 8  # a secret of only letters or only digits shorter than this is an ordinary word


def stored_value(value: Any, masker: Masker) -> Any:
    """`value` as it may be stored or shown: every string masked, and a number whose text shows a
    secret (`{"pin": 12345678}`) replaced by that text masked, as the task's printed line showed it."""
    if not masker:
        return value
    return _numbers(masker.mask_value(value), masker)


def _numbers(value: Any, masker: Masker) -> Any:
    if isinstance(value, dict):
        return {k: _numbers(v, masker) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v, masker) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        shown = json.dumps(value)
        masked = masker.mask(shown)
        return value if masked == shown else masked
    return value


def stored_params(params: Mapping[str, Any], masker: Masker) -> tuple[dict[str, Any], list[str]]:
    """The params as stored (each value masked; names are the workflow's, not secret) and the
    names of those whose value masking altered."""
    stored = {name: stored_value(value, masker) for name, value in params.items()}
    return stored, [name for name, value in params.items() if stored[name] != value]


def masked_param_names(stored: Mapping[str, Any], recorded: list[str] | None) -> set[str]:
    """The params of a run whose stored value is masked. A run recorded before the flag existed
    (`recorded` None) counts every value that shows the mask: refusing is better than guessing."""
    if recorded is not None:
        return set(recorded)
    return {name for name, value in stored.items() if MASK in json.dumps(value)}


def output_was_masked(row: sqlite3.Row, legacy: bool) -> bool:
    """Whether a task's kept output is masked text (`legacy`: the run predates the flag)."""
    if row["output_masked"]:
        return True
    return legacy and row["output"] is not None and MASK in row["output"]


def reruns(plan: Plan, masked: Iterable[str], to_run: set[str]) -> dict[str, set[str]]:
    """Kept tasks whose masked output a task that runs could read (it is downstream of them:
    `ti.xcom_pull` reads ancestors only, FR203), each with the tasks that must wait for it: those
    that run, and the other tasks run again for this reason (they may read it too)."""
    below: dict[str, set[str]] = {}
    for task_id in masked:
        seen: set[str] = set()
        todo = list(plan.downstream.get(task_id, ()))
        while todo:
            child = todo.pop()
            if child not in seen:
                seen.add(child)
                todo.extend(plan.downstream.get(child, ()))
        if seen & to_run:
            below[task_id] = seen
    running = to_run | set(below)
    return {task_id: seen & running for task_id, seen in below.items()}


def shown_metrics(metrics: list[tuple[str, float]], masker: Masker) -> tuple[list[tuple[str, float]], list[str]]:
    """Metrics as they may be stored: names masked; a value that shows a secret (`{"pin": 12345678}`)
    cannot be masked in a number column, so it is not recorded (said in a note, for the try's log)."""
    if not masker:
        return metrics, []
    kept, notes = [], []
    for name, value in metrics:
        name = masker.mask(name)
        forms = {str(value), f"{value:g}", str(int(value)) if value.is_integer() else ""}
        if any(form and masker.mask(form) != form for form in forms):
            notes.append(f"metric '{name}' not recorded: its value shows a secret")
        else:
            kept.append((name, value))
    return kept, notes


def weak_secret_warnings(secrets: Iterable[str], params: Mapping[str, str], var_values: Iterable[str]) -> list[str]:
    """Warnings about secrets whose masking hides ordinary text; a value is never named."""
    warnings = []
    values = list(var_values)
    for secret in dict.fromkeys(s for s in secrets if s):
        if len(secret) < SHORT_SECRET_WARNING:
            continue  # warned about by the masker's own check (runner/run/session.py)
        if len(secret) < COMMON_LENGTH and (secret.isalpha() or secret.isdigit()):
            warnings.append(
                f"a secret is a short plain {'number' if secret.isdigit() else 'word'} ({len(secret)} characters):"
                " every occurrence of it in logs, outputs, errors and the terminal is shown as ***, ordinary text"
                " included; use a longer, random value")
        for name, value in params.items():
            if secret in value:
                warnings.append(f"--param {name} holds a secret's value: tasks get it as given, but it is stored"
                                " and shown with *** in its place")
        if any(secret in value for value in values):
            warnings.append("a variable (var.value) holds a secret's value: it is shown with *** in its place")
    return list(dict.fromkeys(warnings))
