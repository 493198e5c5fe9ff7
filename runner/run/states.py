"""The states of tasks and runs (Airflow's names), and the sets of them that say "finished".

A leaf, imported by the engine, the store and its readers, the run session and the console. The
trigger rules count exactly the `FINAL` states as done (tests/run/test_states.py holds them to it).
The sets differ on purpose, and their names say how:

- `FINAL`: a task in one of these states will not run again in this run. The engine waits for
  them, and a trigger rule counts them as done; `up_for_retry` is not final (the task runs again).
- `FINISHED_OR_REMOVED`: `FINAL` and `removed`, a task of a resumed run that is no longer in the
  workflow (the store ends it on `--resume`). History shows the end time of these.
- `KEPT_ON_RESUME`: `--resume` keeps a task in one of these (with its output); a task that
  failed, or was never run because an upstream failed, runs again.
"""

from __future__ import annotations

# every state a task of a run can be in (the store's `tasks.state`)
TASK_STATES = ("pending", "running", "up_for_retry", "success", "failed", "skipped", "upstream_failed", "removed")

FINAL = frozenset({"success", "failed", "skipped", "upstream_failed"})
FINISHED_OR_REMOVED = FINAL | {"removed"}
FAILED = frozenset({"failed", "upstream_failed"})  # a task in one of these fails its run
KEPT_ON_RESUME = frozenset({"success", "skipped"})  # --resume keeps these tasks; the others run again

# a run in one of these has a runner that may still be alive (else it was interrupted)
ACTIVE_RUN = frozenset({"running", "queued"})
