"""Starting and resuming runs: options, the state store, leftovers of a killed runner, signals."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import trio

from runner.dates import parse_datetime
from runner.errors import FlowrunError, UsageError, is_interrupt
from runner.model import Workflow
from runner.run.capacity import check_capacity, parse_capacity
from runner.run.context import Variables, read_vars_file, resolve_params
from runner.run.engine import Engine, RunEvent, RunSetup
from runner.run.executors.base import Executor
from runner.run.executors.local import STOP_SIGNALS, killpg
from runner.run.masked_values import (
    masked_param_names,
    output_was_masked,
    reruns,
    stored_params,
    weak_secret_warnings,
)
from runner.run.masking import Masker
from runner.run.plan import Plan, compile_plan, thaw
from runner.run.resume import changed_warning, check_logical_date, resume_command, resume_params
from runner.run.safefs import UnsafePath, no_symlinked_dirs
from runner.run.states import KEPT_ON_RESUME
from runner.run.store import Store, StoreError, process_start_time, started_by, state_path


class RefusedError(FlowrunError):
    """maxActiveRuns reached (exit 3)."""

    exit_code = 3


@dataclass
class RunOptions:
    params: dict[str, str] = field(default_factory=dict)
    env: str | None = None
    execution_date: str | None = None
    state: str | None = None
    vars_file: str | None = None
    secrets_file: str | None = None
    capacity: str | None = None
    resume: str | None = None
    run_id: str | None = None  # the scheduler's deterministic id (one run per logical date)
    cwd: str | None = None
    notify: Callable[[RunEvent], None] = lambda event: None
    warn: Callable[[str], None] = lambda message: None
    executor: Executor | None = None  # starts the tries' processes (None: LocalExecutor, this machine)
    lineage: str | None = None  # OpenLineage target: http(s)://URL or file:PATH (default $FLOWRUN_LINEAGE)


@dataclass
class TaskResult:
    state: str
    tries: int
    output: Any
    error: str | None
    duration: float | None = None


@dataclass
class RunResult:
    run_id: str
    dag_id: str
    state: str
    tasks: dict[str, TaskResult]
    state_path: str
    resume_command: str = ""  # a command line that resumes this run (runner/run/resume.py)

    @property
    def interrupted(self) -> bool:
        return self.state == "interrupted"




def new_run_id(logical_date: datetime) -> str:
    return f"manual__{logical_date.strftime('%Y%m%dT%H%M%S')}_{os.urandom(3).hex()}"  # (secrets costs 5 ms to import)


def _kill_leftovers(store: Store, run_id: str) -> None:
    """Process groups of tries a killed runner left running: end them before running again."""
    for row in store.running_tries(run_id):
        pgid = row["pgid"]
        live = process_start_time(pgid) if pgid else None
        if pgid and (live is None or started_by(row["pid_start"], live)):
            killpg(int(pgid), signal.SIGKILL)


def prepare(workflow: Workflow, options: RunOptions) -> tuple[Plan, RunSetup]:
    plan = compile_plan(workflow, options.env)
    variables = Variables(
        read_vars_file(options.vars_file) if options.vars_file else None,
        read_vars_file(options.secrets_file) if options.secrets_file else None,
    )
    masker = variables.masker()
    try:
        return _prepare(workflow, options, plan, variables, masker)
    except FlowrunError as exc:  # a bad --param or --execution-date may quote a secret's value
        exc.args = tuple(masker.mask(a) if isinstance(a, str) else a for a in exc.args)
        raise


def _prepare(workflow: Workflow, options: RunOptions, plan: Plan, variables: Variables,
             masker: Masker) -> tuple[Plan, RunSetup]:
    capacity = parse_capacity(options.capacity)
    check_capacity(plan, capacity)
    lineage = options.lineage or os.environ.get("FLOWRUN_LINEAGE") or None
    if lineage:
        from runner.run.lineage_send import check_target

        check_target(lineage)
    for short in masker.short:
        options.warn(f"a secret is shorter than 4 characters; every occurrence of it is masked ({len(short)} characters)")
    params: dict[str, Any] = {}
    logical = datetime.now(timezone.utc).replace(microsecond=0)
    if not options.resume:  # usage errors (bad --param, --execution-date) before anything is written
        params = resolve_params(thaw(plan.params_schema), options.params)
        if options.execution_date:
            logical = parse_datetime(options.execution_date)
    path = state_path(options.state)
    store = Store(path)
    cwd = options.cwd or os.getcwd()
    setup = RunSetup(
        plan=plan, store=store, run_id="", logical_date=datetime.now(timezone.utc), params={},
        variables=variables, masker=masker, capacity=capacity, logs_dir=path.resolve().parent / "logs", cwd=cwd,
        notify=options.notify,
    )
    if options.executor is not None:
        setup.executor = options.executor
    alerts = thaw(plan.data.get("alerts")) or []
    if alerts:
        from runner.run.alerts import Alerts

        setup.alerts = Alerts(alerts, store, masker, lambda kind, line: options.notify(RunEvent(kind, message=line)))
    task_hashes = {t.task_id: t.digest for t in plan.tasks}
    if options.resume:
        _resume(plan, store, setup, options, task_hashes)
    else:
        live = store.live_runs(plan.dag_id)
        if len(live) >= plan.max_active_runs:
            names = ", ".join(f"{r.run_id} (pid {r.pid})" for r in live)
            store.close()
            raise RefusedError(f"'{plan.dag_id}' already has {len(live)} live run(s), maxActiveRuns is {plan.max_active_runs}: {names}")
        setup.run_id = options.run_id or new_run_id(logical)
        _check_logs(store, setup.logs_dir, (plan.dag_id, setup.run_id))
        setup.logical_date = logical
        setup.params = params  # the values themselves; stored masked, the masked ones named
        stored, setup.masked_params = stored_params(params, masker)
        store.create_run(setup.run_id, plan.dag_id, workflow.path, plan.digest, task_hashes,
                         stored, logical.isoformat(), [t.task_id for t in plan.tasks], setup.masked_params)
    where = {"--state": options.state or os.environ.get("FLOWRUN_STATE"), "--env": options.env or os.environ.get("FLOWRUN_ENV"),
             "--vars": options.vars_file, "--secrets": options.secrets_file, "--capacity": options.capacity}
    setup.resume_command = resume_command(workflow.path, setup.run_id, where, setup.masked_params)
    for warning in weak_secret_warnings(variables.secret.all_values(), options.params, variables.value.all_values()):
        options.warn(warning)  # (once the run is sure to start)
    if lineage or any(t.get("inlets") or t.get("outlets") for t in plan.data.get("tasks") or () if isinstance(t, Mapping)):
        from runner.run.lineage import attach  # OpenLineage events, datasets for `flowrun lineage`

        attach(setup, lineage)
    return plan, setup


def _check_logs(store: Store, logs_dir: Path, parts: tuple[str, ...]) -> None:
    """A symbolic link planted at the logs directory (or a dag's or run's) stops the run (exit 2)
    before it starts; below it, the try's log is opened without following one (runner/run/tasklog.py)."""
    try:
        no_symlinked_dirs(logs_dir, parts, "task logs")
    except UnsafePath:
        store.close()
        raise


def _resume(plan: Plan, store: Store, setup: RunSetup, options: RunOptions, task_hashes: dict[str, str]) -> None:
    record = store.last_run(plan.dag_id) if options.resume == "last" else store.get_run(options.resume or "")
    if record is None or record.dag_id != plan.dag_id:
        store.close()
        raise UsageError(f"no run '{options.resume}' of '{plan.dag_id}' in {store.path}")
    if record.is_live():
        store.close()
        raise RefusedError(f"run {record.run_id} is still running (pid {record.pid}); it cannot be resumed twice")
    if record.state == "success":
        options.warn(f"run {record.run_id} already succeeded; nothing to resume")
    rows = store.task_states(record.run_id)
    kept = {t.task_id: rows[t.task_id]["state"] for t in plan.tasks
            if t.task_id in rows and rows[t.task_id]["state"] in KEPT_ON_RESUME}
    to_run = {t.task_id for t in plan.tasks} - set(kept)
    masked = (t for t in kept if output_was_masked(rows[t], record.masked_params is None))
    rerun = reruns(plan, masked, to_run)  # producer -> tasks that may read its (masked) output
    setup.masked_params = sorted(masked_param_names(record.params, record.masked_params))
    try:  # usage errors before anything is written
        check_logical_date(record, parse_datetime(options.execution_date) if options.execution_date else None)
        setup.params = resume_params(record, thaw(plan.params_schema), options.params, setup.masker,
                                     set(setup.masked_params), needed=bool(to_run))
    except FlowrunError:
        store.close()
        raise
    warning = changed_warning(record, plan.digest, task_hashes, {t: s for t, s in kept.items() if t not in rerun})
    if warning:
        options.warn(warning)
    for producer, readers in rerun.items():
        options.warn(f"task '{producer}' runs again: its output held a secret's value, which the state store keeps"
                     f" masked, and {', '.join(sorted(readers))} may read it")
        for reader in readers:
            setup.waits.setdefault(reader, set()).add(producer)
    _check_logs(store, setup.logs_dir, (plan.dag_id, record.run_id))
    _kill_leftovers(store, record.run_id)
    store.claim_run(record.run_id, plan.digest, task_hashes, [t.task_id for t in plan.tasks], rerun=list(rerun))
    rows = store.task_states(record.run_id)
    setup.run_id = record.run_id
    setup.logical_date = parse_datetime(record.logical_date)
    for task in plan.tasks:
        row = rows.get(task.task_id)
        setup.try_numbers[task.task_id] = store.last_try_number(record.run_id, task.task_id)
        if row is not None and row["state"] in KEPT_ON_RESUME:
            setup.states[task.task_id] = row["state"]
            if row["output"] is not None:
                setup.outputs[task.task_id] = json.loads(row["output"])


@contextlib.asynccontextmanager
async def stopped_by_signals() -> AsyncIterator[trio.CancelScope]:
    """A cancel scope around the block that SIGINT, SIGTERM and SIGHUP (the terminal was closed)
    cancel; `scope.cancel_called` says whether one came. The signals stay caught until the block
    ends, so a second Ctrl-C cannot cut short what the block records on its way out (a run's
    stopped tries: the grace period bounds it). `flowrun run` and `flowrun schedule` both use it."""
    with trio.open_signal_receiver(*STOP_SIGNALS) as signals:
        async with trio.open_nursery() as nursery:
            scope = trio.CancelScope()

            async def watch() -> None:
                async for _ in signals:
                    scope.cancel()

            nursery.start_soon(watch)
            with scope:
                yield scope
            nursery.cancel_scope.cancel()


async def _execute(engine: Engine, handle_signals: bool) -> str:
    """The run; with `handle_signals`, a stop signal stops it: the running tries are stopped and
    recorded (see `stopped_by_signals`)."""
    if not handle_signals:
        return await engine.run()
    state = "interrupted"
    async with stopped_by_signals():
        state = await engine.run()
    return state


def execute(plan: Plan, setup: RunSetup, handle_signals: bool = True, clock: trio.abc.Clock | None = None) -> RunResult:
    """Run to the end (or to an interrupt); the run's final state is recorded.

    `clock` is for tests: trio's MockClock with autojump makes delays and timeouts instant.
    """
    engine = Engine(setup)
    handle = handle_signals and threading.current_thread() is threading.main_thread()
    setup.notify(RunEvent("run_started", message=setup.run_id))
    try:
        state = trio.run(_execute, engine, handle, clock=clock)
    except BaseException as exc:  # Ctrl-C without signal handling, or a nursery's exception group
        failure = _store_failure(exc)
        if failure is not None:
            raise _stopped_by_store(setup, failure) from None
        if not is_interrupt(exc):  # unexpected: the run is recorded as interrupted (resumable), not running
            with contextlib.suppress(StoreError, sqlite3.Error):
                setup.store.finish_run(setup.run_id, "interrupted")
            raise
        state = "interrupted"
    try:
        return finish(plan, setup, engine, state)
    except StoreError as failure:
        raise _stopped_by_store(setup, failure) from None


def _store_failure(error: BaseException) -> StoreError | None:
    """The first StoreError inside a (nested) exception group, if any."""
    if isinstance(error, StoreError):
        return error
    for inner in getattr(error, "exceptions", ()):
        found = _store_failure(inner)
        if found is not None:
            return found
    return None


def _stopped_by_store(setup: RunSetup, failure: StoreError) -> StoreError:
    """The store failed mid-run (disk full, read-only, locked): the running tasks were stopped by
    the cancelled nursery; record the run as interrupted if the store still can, and say how to go on."""
    with contextlib.suppress(StoreError, sqlite3.Error):  # no try or task is left `running` where it can be said
        setup.store.stop_running(setup.run_id, "interrupted: the state store could not be written")
    with contextlib.suppress(StoreError, sqlite3.Error):
        setup.store.finish_run(setup.run_id, "interrupted")
    with contextlib.suppress(sqlite3.Error):
        setup.store.close()
    return StoreError(f"{failure}; run {setup.run_id} was stopped; once the state store is writable, resume it"
                      f" with: {setup.resume_command}")


async def run_async(plan: Plan, setup: RunSetup) -> RunResult:
    """Run inside an existing trio loop (the scheduler); a cancel leaves the run resumable."""
    engine = Engine(setup)
    setup.notify(RunEvent("run_started", message=setup.run_id))
    state = "interrupted"
    try:
        state = await engine.run()
    finally:
        with trio.CancelScope(shield=True):
            result = finish(plan, setup, engine, state)
    return result


def finish(plan: Plan, setup: RunSetup, engine: Engine, state: str) -> RunResult:
    """Record the run's final state and collect its results."""
    if state != "success" and engine.final_state() == "interrupted":
        state = "interrupted"
    store = setup.store
    store.finish_run(setup.run_id, state)
    setup.notify(RunEvent("run_finished", state=state, message=setup.run_id))
    rows = store.task_states(setup.run_id)
    tasks = {
        t.task_id: TaskResult(
            state=rows[t.task_id]["state"],
            tries=rows[t.task_id]["try_number"],
            output=json.loads(rows[t.task_id]["output"]) if rows[t.task_id]["output"] else None,
            error=rows[t.task_id]["error"],
            duration=_duration(rows[t.task_id]),
        )
        for t in plan.tasks
    }
    result = RunResult(setup.run_id, plan.dag_id, state, tasks, str(store.path), setup.resume_command)
    store.close()
    return result


def _duration(row: Any) -> float | None:
    if row["started_at"] is None or row["ended_at"] is None:
        return None
    return float(row["ended_at"] - row["started_at"])


def run_workflow(workflow: Workflow | str | Path, params: dict[str, Any] | None = None,
                 state: str | None = None, **options: Any) -> RunResult:
    """Python API: run a workflow to the end and return its result (SPEC section 7)."""
    if not isinstance(workflow, Workflow):
        from runner.model import load_workflow

        workflow = load_workflow(workflow)
    opts = RunOptions(params={k: v if isinstance(v, str) else json.dumps(v) for k, v in (params or {}).items()},
                      state=state, **options)
    plan, setup = prepare(workflow, opts)
    return execute(plan, setup, handle_signals=False)
