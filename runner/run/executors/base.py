"""The seam between the engine and what starts a task's process: an `Executor`.

The engine decides what runs, when, and what a result means; an executor only starts a try the
runner has fully prepared (`PreparedTry`) and says how it ended (`TryEnd`). It streams the
output, as it arrives and unmasked, to the runner's sinks: they mask before anything is written
or shown, keep the stderr tail and collect the output line and metrics, so every executor gets
those the same way. Cancellation (a timeout, the run stopped) must stop the whole process group:
`on_stop`, then SIGTERM, then SIGKILL `grace` seconds later. No store write, retry or trigger-rule
decision lives in an executor. The local one, `LocalExecutor`, lives beside the process code.

The runner keeps the try's own timing (its start is recorded before anything starts) and gives
`on_start` a process group on this machine to record: a resume kills what is left of it. An
executor whose processes run elsewhere does not call `on_start`, and stops them itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

GRACE = 5.0  # seconds between SIGTERM and SIGKILL (SPEC section 3)


def _ignore(value: object = None) -> None:
    return None


@dataclass
class PreparedTry:
    """One try, ready to start: nothing left to render, check or look up."""

    argv: list[str]
    env: dict[str, str]
    cwd: str
    user: str | None = None  # run as this user (checked by the runner: it exists, flowrun is root)
    executable: str | None = None  # the program when it is not argv[0] (found on PATH already)
    deadline: float | None = None  # on trio's clock: the try is stopped then (None: no timeout)
    grace: float = GRACE
    on_stdout: Callable[[str], None] = _ignore  # output as it arrives, unmasked
    on_stderr: Callable[[str], None] = _ignore
    on_start: Callable[[int], None] = _ignore  # a local process group's id, once it exists (recorded)
    on_stop: Callable[[], None] = _ignore  # cancelled: the group is about to get SIGTERM


@dataclass
class TryEnd:
    """How a started try ended."""

    exit_status: int  # negative: killed by that signal
    started: float  # time.time() around the process
    ended: float
    pgid: int | None = None  # (the local executor: the leader's pid)
    timed_out: bool = False  # its deadline passed and its processes were stopped


class Executor(Protocol):
    async def run(self, prepared: PreparedTry) -> TryEnd:
        """Start `prepared`, stream its output, return how it ended. Cancelled, it stops the whole
        process group (on_stop first) before the cancellation goes on; an OSError says the
        program could not be started."""
