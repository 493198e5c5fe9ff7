"""Parts of one try that need nothing of the engine's state: its context and rendered params
(prepared), how it ended (`TryOutcome`), the end of its log, the words of its failure. No store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import trio

from runner.errors import first_leaf
from runner.run.executors.base import GRACE, Executor
from runner.run.operators.base import TryContext
from runner.run.plan import PlannedTask
from runner.run.store_schema import storable
from runner.run.tasklog import MaskedLog
from runner.templates.render import render_value

INTERRUPTED = "interrupted: the run was stopped"


@dataclass
class TryOutcome:
    """How a try ended, as recorded: `error` None is a success with `output` and `metrics`."""

    output: Any = None
    error: str | None = None
    exit_code: int | None = None
    metrics: list[tuple[str, float]] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)  # notes on metrics not recorded (they held a secret)

    def fail(self, error: str) -> None:
        """The try fails with `error` after all (its log could not be written): nothing is kept."""
        self.error, self.output, self.metrics = error, None, []

    def closed_log(self, problem: str | None, mask: Callable[[str], str]) -> None:
        """The try's log is closed: a problem writing it (closing included) fails the try."""
        if problem is not None and problem not in (self.error or ""):
            self.fail(mask(f"{self.error}; {problem}" if self.error else problem))


def close_log(outcome: TryOutcome, notes: list[str], streams: MaskedLog, mask: Callable[[str], str]) -> None:
    """The end of the try's log: what the masking held back, `notes` on values the task printed
    that were not recorded, the error (masked, as stored). A log not written fails the try."""
    streams.flush()
    if outcome.error is None and streams.log.problem is not None:
        outcome.fail(streams.log.problem)
    notes = notes + outcome.hidden
    if notes:
        streams.log.write("\n" + "".join(f"note: {mask(n)}\n" for n in notes), always=True)
    if outcome.error is not None:
        outcome.error = storable(mask(outcome.error))
        streams.log.write(f"\nerror: {outcome.error}\n", always=True)


def try_context(task: PlannedTask, streams: MaskedLog, *, outputs: dict[str, Any], mask: Callable[[str], str],
                cwd: str, base_env: dict[str, str], executor: Executor, on_process: Callable[[int], None],
                timeout: trio.CancelScope) -> TryContext:
    """What the operator gets (its params are rendered next): its output masked into the try's
    log, stdout also collected unmasked (the output is the value itself, masked where stored),
    the run's executor and the try's deadline."""

    def on_stop() -> None:  # before SIGTERM: what the processes write next comes after this line
        streams.log.write(stop_note(timeout.cancel_called, task.execution_timeout, GRACE), always=True)

    ctx = TryContext(
        task=task, params={}, template_context={}, outputs=outputs, log=streams.stdout, stdout=streams.stdout,
        stderr=streams.stderr, on_process=on_process, mask=mask, cwd=cwd, on_stop=on_stop, base_env=base_env,
        executor=executor, deadline=None if task.execution_timeout is None else timeout.deadline,
    )

    def on_stdout(text: str) -> None:
        streams.stdout(text)
        ctx.collector.feed(text)

    ctx.stdout = on_stdout
    return ctx


def rendered_params(operator: str, params: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """`params` with their templates rendered; a branch's `condition` and `branches` are its
    operator's to render."""
    rendered = {k: v for k, v in params.items() if k not in ("condition", "branches")} if operator == "branch" else params
    return {**params, **render_value(rendered, context)}


def with_reason(error: str, last_words: str) -> str:
    """A process that ended by itself: its last words (the end of its stderr) say why."""
    return f"{error}: {last_words}" if last_words else error


def unexpected(operator: str, exc: Exception) -> str:
    """An operator's unexpected error, in one line (not "ExceptionGroup: Exceptions from Trio nursery")."""
    cause = first_leaf(exc)
    return f"{operator} operator failed: {type(cause).__name__}: {cause}".replace("\n", " ")


def stop_note(timed_out: bool, timeout: float | None, grace: float) -> str:
    """The log's line before the try's processes get SIGTERM: what the processes write next comes after it."""
    why = f"timed out after {timeout:g}s" if timed_out else "the run was stopped"
    return f"\n{why}: SIGTERM sent to its processes (SIGKILL after {grace:g}s)\n"
