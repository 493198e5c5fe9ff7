"""The trio engine: one nursery per run, every state change committed before it is acted on.

Ready tasks start by priority, then file order, while the run is under `concurrency`, the
task's queue under its limit, and its `resources` fit the free capacity. A failed try with
retries left becomes `up_for_retry` and a timer (holding no slot) makes it ready again. Trigger
rules are re-decided for the downstream tasks of every task that changes state.
"""

from __future__ import annotations

import heapq
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import trio

from runner.errors import only
from runner.run.breakers import admit, record
from runner.run.context import TaskInstance, Variables, template_context
from runner.run.environment import inherited_env
from runner.run.executors.base import Executor
from runner.run.executors.local import LocalExecutor
from runner.run.masked_values import shown_metrics, stored_value
from runner.run.masking import Masker
from runner.run.operators import OPERATORS, TaskFailure, TryContext
from runner.run.operators.base import check_output, timed_out
from runner.run.plan import Plan, PlannedTask, thaw
from runner.run.states import FINAL
from runner.run.store import Store, boot_ticks
from runner.run.tasklog import MaskedLog, TryLog
from runner.run.trigger_rules import decide
from runner.run.try_prep import (
    INTERRUPTED,
    TryOutcome,
    close_log,
    rendered_params,
    try_context,
    unexpected,
    with_reason,
)
from runner.templates.render import TemplateProblem, contains_template


@dataclass
class RunEvent:
    """What the engine tells the outside (terminal, JSON log, alerts)."""

    event: str  # task_state, task_retry, task_failed, sla_missed, run_started, run_finished
    task_id: str | None = None
    state: str | None = None
    try_number: int | None = None
    message: str | None = None
    duration: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunSetup:
    plan: Plan
    store: Store
    run_id: str
    logical_date: datetime
    params: dict[str, Any]
    variables: Variables
    masker: Masker
    capacity: dict[str, float]
    logs_dir: Path
    cwd: str
    notify: Callable[[RunEvent], None] = lambda event: None
    states: dict[str, str] = field(default_factory=dict)  # resume: kept states
    outputs: dict[str, Any] = field(default_factory=dict)  # resume: kept outputs
    try_numbers: dict[str, int] = field(default_factory=dict)
    waits: dict[str, set[str]] = field(default_factory=dict)  # resume: task -> producers run again for it first
    masked_params: list[str] = field(default_factory=list)  # params stored masked (runner/run/masked_values.py)
    resume_command: str = ""
    rng: random.Random = field(default_factory=random.Random)
    alerts: Any = None  # runner.run.alerts.Alerts, when the workflow declares alerts
    executor: Executor = field(default_factory=LocalExecutor)  # starts the tries' processes


class Engine:
    def __init__(self, setup: RunSetup) -> None:
        self.s = setup
        self.plan = setup.plan
        self.tasks = {t.task_id: t for t in setup.plan.tasks}
        self.state: dict[str, str] = {t: setup.states.get(t, "pending") for t in self.tasks}
        self.outputs = dict(setup.outputs)
        self.tries = {t: setup.try_numbers.get(t, 0) for t in self.tasks}
        self.ready: set[str] = set()
        self.ready_heap: list[tuple[int, int, str]] = []  # (-priority, file index, task id)
        self.running: set[str] = set()
        self.queue_use: dict[str, int] = {}
        self.free = dict(setup.capacity)
        self.first_start: dict[str, float] = {}
        self.base_env = inherited_env()  # once per run: reading os.environ costs ~0.2 ms
        self.run_logs = setup.logs_dir / setup.plan.dag_id / setup.run_id
        self.templated: dict[str, bool] = {}
        self.sla_scopes: dict[str, trio.CancelScope] = {}
        self.todo: list[tuple[int, str]] = []  # heap of (file index, task id) to re-decide
        self.ti = TaskInstance(self.outputs, frozenset(self.tasks))
        self.upstream = {t.task_id: t.dependencies for t in setup.plan.tasks}
        self.waiters: dict[str, list[str]] = {}  # resume: producer -> tasks waiting for it (setup.waits)
        for reader, producers in setup.waits.items():
            for producer in producers:
                self.waiters.setdefault(producer, []).append(reader)
        self.nursery: trio.Nursery | None = None

    # -- the run ------------------------------------------------------------------------------

    async def run(self) -> str:
        async with trio.open_nursery() as nursery:
            self.nursery = nursery
            for task in self.plan.tasks:
                if self.state[task.task_id] not in FINAL:
                    heapq.heappush(self.todo, (task.index, task.task_id))
            self._schedule()
        state = self.final_state()
        if state in ("success", "failed"):
            async with trio.open_nursery() as nursery:  # deliveries of run alerts
                self._event("run_succeeded" if state == "success" else "run_failed", None, {}, nursery)
        return state

    def _event(self, kind: str, task_id: str | None, payload: dict[str, Any],
               nursery: trio.Nursery | None = None) -> None:
        """Record an event, then start the alerts it fires (delivered in the run's nursery)."""
        s = self.s
        s.store.add_event(kind, s.run_id, self.plan.dag_id, task_id, payload)
        target = nursery or self.nursery
        if s.alerts and target is not None:
            s.alerts.fire(target, kind, self.plan.dag_id, s.run_id, task_id, payload)

    def final_state(self) -> str:
        if any(s in ("failed", "upstream_failed") for s in self.state.values()):
            return "failed"
        if all(s in FINAL for s in self.state.values()):
            return "success"
        return "interrupted"

    # -- deciding and launching ---------------------------------------------------------------

    def _mark_changed(self, task_id: str) -> None:
        children = self.plan.downstream.get(task_id, ())
        if self.waiters:
            children = (*children, *self.waiters.get(task_id, ()))
        for child in children:
            if self.state[child] == "pending":
                heapq.heappush(self.todo, (self.tasks[child].index, child))

    def _schedule(self) -> None:
        changes: list[tuple[str, str]] = []
        why: dict[str, str] = {}  # task -> message (a breaker's short circuit)
        while self.todo:
            _, task_id = heapq.heappop(self.todo)
            if self.state[task_id] != "pending" or task_id in self.ready:
                continue
            task = self.tasks[task_id]
            upstream = task.dependencies
            waits = self.s.waits.get(task_id)
            if waits:  # resume: it may read outputs that run again first; decided with them as upstream
                if any(self.state[p] not in FINAL for p in waits):
                    continue
                upstream = (*upstream, *waits)
            verdict = decide(task.trigger_rule, (self.state[u] for u in upstream))
            if verdict == "run" and task.breaker and (error := admit(self.s, task, self._event)):
                verdict, why[task_id] = "failed", error  # its circuit breaker is open: no try
            if verdict == "run":
                self._make_ready(task_id)
            elif verdict in ("skipped", "upstream_failed", "failed"):
                self.state[task_id] = verdict
                changes.append((task_id, verdict))
                self._mark_changed(task_id)
        if changes:
            self.s.store.set_task_states(self.s.run_id, changes)
            for task_id, state in changes:
                self.s.notify(RunEvent("task_state", task_id, state, message=why.get(task_id)))
        self._launch()

    def _fits(self, task: PlannedTask) -> bool:
        if len(self.running) >= self.plan.concurrency:
            return False
        limit = self.plan.queues.get(task.queue)
        if limit is not None and self.queue_use.get(task.queue, 0) >= limit:
            return False
        return all(self.free.get(k, 0.0) + 1e-9 >= v for k, v in task.resources.items())

    def _make_ready(self, task_id: str) -> None:
        task = self.tasks[task_id]
        self.ready.add(task_id)
        heapq.heappush(self.ready_heap, (-task.priority, task.index, task_id))

    def _launch(self) -> None:
        assert self.nursery is not None
        waiting = []  # ready but not fitting now
        launched: list[tuple[PlannedTask, int, Path, float]] = []
        while self.ready_heap and len(self.running) < self.plan.concurrency:
            item = heapq.heappop(self.ready_heap)
            task_id = item[2]
            if task_id not in self.ready:
                continue  # skipped by a branch meanwhile
            task = self.tasks[task_id]
            if not self._fits(task):
                waiting.append(item)
                continue
            self.ready.discard(task_id)
            self.running.add(task_id)
            self.queue_use[task.queue] = self.queue_use.get(task.queue, 0) + 1
            for k, v in task.resources.items():
                self.free[k] = self.free.get(k, 0.0) - v
            self.tries[task_id] += 1
            self.state[task_id] = "running"
            # recorded before anything starts (with the end of the try that made room for it): a
            # process that ran must show as a running try; its process group follows once it exists
            path = self.log_path(task_id, self.tries[task_id])
            started = time.time()  # the try's start: the store's, the live line's and the SLA's
            self.s.store.start_try(self.s.run_id, task_id, self.tries[task_id], str(path), defer=True, at=started)
            launched.append((task, self.tries[task_id], path, started))
        for item in waiting:
            heapq.heappush(self.ready_heap, item)
        self.s.store.flush()
        for task, try_number, path, started in launched:
            self.nursery.start_soon(self._try, task, try_number, path, started, name=f"task {task.task_id}")

    def _release(self, task: PlannedTask) -> None:
        self.running.discard(task.task_id)
        self.queue_use[task.queue] -= 1
        for k, v in task.resources.items():
            self.free[k] = self.free.get(k, 0.0) + v

    # -- one try: prepared, executed through its operator, its end recorded ------------------

    def log_path(self, task_id: str, try_number: int) -> Path:
        return self.run_logs / task_id / f"{try_number}.log"

    async def _try(self, task: PlannedTask, try_number: int, path: Path, started: float) -> None:
        """Prepare the try (its context; `_execute` renders), execute it through its operator, end its log, record it."""
        if task.task_id not in self.first_start:
            self.first_start[task.task_id] = started
            if task.sla is not None:
                self._watch_sla(task)
        self.s.notify(RunEvent("task_state", task.task_id, "running", try_number))
        timeout = trio.CancelScope() if task.execution_timeout is None else \
            trio.CancelScope(deadline=trio.current_time() + task.execution_timeout)
        with TryLog(path, self.s.logs_dir) as log_file:
            streams = MaskedLog(log_file, self.s.masker)
            ctx = try_context(task, streams, outputs=self.outputs, mask=self.s.masker.mask, cwd=self.s.cwd,
                              base_env=self.base_env, executor=self.s.executor, timeout=timeout,
                              on_process=partial(self._record_process, task.task_id, try_number))
            try:
                outcome = await self._execute(task, try_number, ctx, streams, timeout)
            except BaseException as exc:
                if not only(exc, trio.Cancelled):  # (a cancelled nursery raises a group of them)
                    raise
                with trio.CancelScope(shield=True):
                    self._interrupted(task, try_number, ctx, streams)
                raise
            close_log(outcome, ctx.collector.all_notes(), streams, self.s.masker.mask)
        outcome.closed_log(log_file.problem, self.s.masker.mask)
        self._finish(task, try_number, started, outcome)

    def _record_process(self, task_id: str, try_number: int, pgid: int) -> None:
        self.s.store.record_process(self.s.run_id, task_id, try_number, pgid, boot_ticks())

    def _render(self, task: PlannedTask, try_number: int, ctx: TryContext) -> None:
        """The try's params, rendered when any string of them is a template (TemplateProblem if one fails)."""
        params = thaw(task.params)
        if task.task_id not in self.templated:  # (else nothing is rendered)
            self.templated[task.task_id] = contains_template(task.params)
        if task.operator == "branch" or self.templated[task.task_id]:
            s = self.s
            ctx.template_context = template_context(
                self.plan.dag_id, s.run_id, s.logical_date, task.task_id, try_number, s.params, s.variables, self.ti
            )
            params = rendered_params(task.operator, params, ctx.template_context)
        ctx.params = params

    async def _execute(self, task: PlannedTask, try_number: int, ctx: TryContext, streams: MaskedLog,
                       timeout: trio.CancelScope) -> TryOutcome:
        """Render, run the operator (its processes start through the run's executor) under the
        try's timeout, check the output. Every failure is an outcome; only a cancellation (the
        run stopped) goes on."""
        try:
            self._render(task, try_number, ctx)
            with timeout:
                output = await OPERATORS[task.operator].execute(ctx)
                ctx.collector.flush()
            if timeout.cancelled_caught:
                raise timed_out(task)
            check_output(output, task.output_schema)  # (the value itself: masking is for what is stored and shown)
            metrics, hidden = shown_metrics(ctx.collector.metrics, self.s.masker)
            return TryOutcome(output, None, ctx.exit_code, metrics, hidden)
        except TaskFailure as exc:
            if exc.exit_code is None:
                return TryOutcome(error=exc.message, exit_code=ctx.exit_code)
            streams.flush()  # the process ended by itself: its last words say why
            return TryOutcome(error=with_reason(exc.message, streams.tail.last_line()), exit_code=exc.exit_code)
        except TemplateProblem as exc:
            return TryOutcome(error=str(exc), exit_code=ctx.exit_code)
        except Exception as exc:  # an operator's unexpected error fails its try, not the whole run
            return TryOutcome(error=unexpected(task.operator, exc), exit_code=ctx.exit_code)

    def _interrupted(self, task: PlannedTask, try_number: int, ctx: TryContext, streams: MaskedLog) -> None:
        """The run was stopped during the try: recorded failed (a resume runs it again)."""
        s = self.s
        streams.flush()
        streams.log.write(f"\n{INTERRUPTED}\n", always=True)
        s.store.end_try(s.run_id, task.task_id, try_number, "failed", "failed", ctx.exit_code, INTERRUPTED, at=time.time())
        self.state[task.task_id] = "failed"
        s.notify(RunEvent("task_state", task.task_id, "failed", try_number, "interrupted"))

    def _finish(self, task: PlannedTask, try_number: int, started: float, outcome: TryOutcome) -> None:
        s = self.s
        task_id = task.task_id
        output, error, exit_code = outcome.output, outcome.error, outcome.exit_code
        ended = time.time()
        duration = ended - started  # = the recorded try's ended_at - started_at (`runs show`)
        log = {"log": str(self.log_path(task_id, try_number))}
        self._release(task)
        success = error is None
        if success:  # committed with what it lets start (or alone, below), told after that
            kept = stored_value(output, s.masker)  # stored masked; downstream tasks get the value itself
            s.store.end_try(s.run_id, task_id, try_number, "success", "success", exit_code, None, kept, outcome.metrics,
                            defer=True, at=ended)
            if kept is not output and kept != output:  # a resume must not pass the masked text on
                s.store.mark_output_masked(s.run_id, task_id)
            self.outputs[task_id] = output
            self.state[task_id] = "success"
            if task.operator == "branch":
                self._skip_unchosen(task, output)
        elif try_number <= task.retry.max_retries:
            delay = task.retry.delay_for(try_number, s.rng.random())
            s.store.end_try(s.run_id, task_id, try_number, "failed", "up_for_retry", exit_code, error, at=ended)
            self.state[task_id] = "up_for_retry"
            self._event("task_retry", task_id, {"try_number": try_number, "error": error, "delay": delay,
                                                "duration": duration})
            s.notify(RunEvent("task_retry", task_id, "up_for_retry", try_number, error, duration, {"delay": delay, **log}))
            assert self.nursery is not None
            self.nursery.start_soon(self._retry_after, task_id, delay)
        else:
            s.store.end_try(s.run_id, task_id, try_number, "failed", "failed", exit_code, error, at=ended)
            self.state[task_id] = "failed"
            self._event("task_failed", task_id, {"try_number": try_number, "error": error, "exit_code": exit_code,
                                                 "duration": duration})
            s.notify(RunEvent("task_failed", task_id, "failed", try_number, error, duration, log))
        record(s, task, self.state[task_id], error, self._event)  # its circuit breaker, if it has one
        if self.state[task_id] in FINAL:
            scope = self.sla_scopes.pop(task_id, None)
            if scope is not None:
                scope.cancel()
            self._mark_changed(task_id)
        self._schedule()
        if success:
            s.notify(RunEvent("task_state", task_id, "success", try_number, duration=duration))

    def _skip_unchosen(self, task: PlannedTask, key: Any) -> None:
        from runner.run.operators.branch import targets

        chosen = set(targets(task.params["branches"], str(key)))
        changes = []
        for child in self.plan.downstream.get(task.task_id, ()):
            if child not in chosen and self.state[child] == "pending":
                self.state[child] = "skipped"
                self.ready.discard(child)
                changes.append((child, "skipped"))
                self._mark_changed(child)
        if changes:
            self.s.store.set_task_states(self.s.run_id, changes)
            for child, state in changes:
                self.s.notify(RunEvent("task_state", child, state, message=f"not chosen by branch '{task.task_id}'"))

    async def _retry_after(self, task_id: str, delay: float) -> None:
        await trio.sleep(delay)
        self.state[task_id] = "pending"
        self._make_ready(task_id)
        self._schedule()

    def _watch_sla(self, task: PlannedTask) -> None:
        scope = trio.CancelScope()
        self.sla_scopes[task.task_id] = scope
        assert self.nursery is not None and task.sla is not None
        sla = task.sla

        async def watch() -> None:
            with scope:
                await trio.sleep(sla)
                if self.state[task.task_id] not in FINAL:
                    payload = {"sla": sla, "duration": time.time() - self.first_start[task.task_id]}
                    self._event("sla_missed", task.task_id, payload)
                    self.s.notify(RunEvent("sla_missed", task.task_id, self.state[task.task_id],
                                           message=f"exceeded its SLA of {sla:g}s", extra=payload))

        self.nursery.start_soon(watch)


__all__ = ["Engine", "RunEvent", "RunSetup"]
