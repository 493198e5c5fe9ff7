"""The interface between the engine and an operator, and the stdout handling they share."""

from __future__ import annotations

import json
import math
import os
import pwd
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from runner.run.environment import inherited_env
from runner.run.executors.base import Executor
from runner.run.plan import PlannedTask, thaw
from runner.run.store_schema import storable

MAX_OUTPUT = 1024 * 1024  # bytes of a task's output (SPEC section 1)
MAX_OUTPUT_DEPTH = 100  # nesting of a task's output (lists and objects), as of a workflow file
TOO_DEEP = f"output is nested deeper than {MAX_OUTPUT_DEPTH} levels; write the data to a file and output its path instead"
TOO_LARGE = "output is larger than 1 MiB; write the data to a file and output its path instead"
MAX_NOTES = 20  # notes about values not recorded as metrics, per try


class TaskFailure(Exception):
    """The try failed; `message` is one line for the user."""

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def timed_out(task: PlannedTask) -> TaskFailure:
    """The failure of a try whose `executionTimeout` passed (its processes were stopped)."""
    return TaskFailure(f"timed out after {task.execution_timeout or 0:g}s; its processes were stopped")


@dataclass
class TryContext:
    task: PlannedTask
    params: dict[str, Any]  # rendered
    template_context: dict[str, Any]
    outputs: dict[str, Any]
    log: Callable[[str], None]  # operator messages into the try's log (masked)
    stdout: Callable[[str], None]  # a process's stdout (masked, logged, collected)
    stderr: Callable[[str], None]
    on_process: Callable[[int], None]
    mask: Callable[[str], str]  # the run's masker: for text an operator cuts or checks (mask before cutting)
    cwd: str
    on_stop: Callable[[], None] = lambda: None  # the try is cancelled: its processes are about to get SIGTERM
    collector: OutputCollector = field(default_factory=lambda: OutputCollector())
    exit_code: int | None = None
    base_env: dict[str, str] | None = None  # inherited_env() taken once per run (not read per task)
    executor: Executor | None = None  # starts the try's processes (the run's; None: it may start none)
    deadline: float | None = None  # on trio's clock: the try's timeout (its scope stops it; executors get it too)


class Operator(Protocol):
    async def execute(self, ctx: TryContext) -> Any:
        """Run one try; return the task's output or raise TaskFailure."""


class OutputCollector:
    """Keeps the last non-empty stdout line and the metrics of JSON-object lines.

    Linear in what the task writes: the unfinished line is kept in pieces (never re-scanned),
    and once it is over MAX_OUTPUT its text is dropped (the line can only fail the output);
    a chunk is scanned for metrics only when it holds a `{`.
    """

    def __init__(self, held: Callable[[], str] | None = None) -> None:
        self.pieces: list[str] = []  # the unfinished last line
        self.size = 0  # characters in `pieces`
        self.truncated = False  # the unfinished line is over MAX_OUTPUT; its text is no longer kept
        self.dropped_text = False  # what was dropped of it is not only whitespace
        self.last = ""
        self.too_large = False  # the last non-empty line is over MAX_OUTPUT
        self.metrics: list[tuple[str, float]] = []
        self.notes: list[str] = []  # values not recorded as metrics, for the try's log (at most MAX_NOTES)
        self.unnoted = 0  # notes beyond MAX_NOTES, counted only
        self.held = held  # returns text a stream filter (the masker) still holds back

    def flush(self) -> None:
        if self.held is not None:
            self.feed(self.held())

    def _grow(self, text: str) -> None:
        if self.truncated:
            self.dropped_text = self.dropped_text or bool(text.strip())
            return
        self.pieces.append(text)
        self.size += len(text)
        if self.size > MAX_OUTPUT + 1:  # (+1: a line may end in "\r")
            self.dropped_text = bool("".join(self.pieces).strip())
            self.pieces, self.size, self.truncated = [], 0, True

    def feed(self, text: str) -> None:
        if "\n" not in text:  # a long line in pieces: nothing held is scanned again
            self._grow(text)
            return
        lines = text.split("\n")
        self._grow(lines[0])
        truncated, self.truncated = self.truncated, False
        lines[0] = "" if truncated else "".join(self.pieces)
        self.pieces, self.size = [], 0
        tail = lines.pop()
        if "{" in text or "{" in lines[0]:
            for line in lines[1:] if truncated else lines:
                self._metrics(line.rstrip("\r"))
        for index in range(len(lines) - 1, -1, -1):
            line = lines[index].rstrip("\r")
            if index == 0 and truncated:
                if self.dropped_text or line.strip():
                    self.last, self.too_large = line, True
                    break
            elif line.strip():
                self.last = line
                self.too_large = len(line.encode("utf-8", "replace")) > MAX_OUTPUT
                break
        self.dropped_text = False
        self._grow(tail)

    def _metrics(self, line: str) -> None:
        if not line.lstrip().startswith("{") or len(line.encode("utf-8", "replace")) > MAX_OUTPUT:
            return
        try:
            event = json.loads(line)
        except (ValueError, RecursionError):  # (a line nested too deeply for the parser is not an event)
            return
        if isinstance(event, dict):
            for name, value in event.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    self._metric(storable(str(name)), value)

    def _metric(self, name: str, value: float) -> None:
        """A metric, if it is a finite number the store can hold (a REAL): `NaN`, `Infinity` (which
        `json.loads` accepts, and pandas prints) and integers beyond a double are noted, not recorded."""
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if math.isfinite(number):
            self.metrics.append((name, number))
        elif len(self.notes) < MAX_NOTES:
            why = f"{value} is not a finite number" if isinstance(value, float) else \
                f"an integer of {len(str(abs(value)))} digits is beyond the largest number a metric holds (about 1.8e308)"
            self.notes.append(f"metric '{name}' not recorded: {why}")
        else:
            self.unnoted += 1

    def all_notes(self) -> list[str]:
        """What the try's log says about values the task printed that were not recorded."""
        return self.notes + ([f"{self.unnoted} more values not recorded as metrics"] if self.unnoted else [])

    def output(self) -> Any:
        self.flush()
        if self.pieces or self.truncated:
            self.feed("\n")  # the unfinished last line
        if self.too_large:
            raise TaskFailure(TOO_LARGE)
        if not self.last:
            return None
        try:
            return json.loads(self.last)
        except ValueError:
            return self.last
        except RecursionError:
            raise TaskFailure(TOO_DEEP) from None


def check_output(output: Any, schema: Any = None) -> None:
    """The output's limits, then its `outputSchema` when the task has one (TaskFailure if not met)."""
    check_limits(output)
    if schema is not None:
        from runner.schema.validate import json_schema_errors

        errors = json_schema_errors(thaw(schema), output)
        if errors:
            where = "/".join(str(p) for p in errors[0].absolute_path) or "output"
            raise TaskFailure(f"output does not match outputSchema at {where}: {errors[0].message}")


def check_limits(output: Any) -> None:
    """The limits of an output (SPEC section 1), measured as the task gave it: a string's own text (a
    line of exactly 1 MiB is within the limit), anything else as compact JSON; nesting as deep as
    a workflow file may nest (deeper values break parsers, templates and schemas downstream)."""
    if _deeper_than(output, MAX_OUTPUT_DEPTH):
        raise TaskFailure(TOO_DEEP)
    text = output if isinstance(output, str) else json.dumps(output, ensure_ascii=False, separators=(",", ":"), default=str)
    if len(text.encode("utf-8", "surrogatepass")) > MAX_OUTPUT:
        raise TaskFailure(TOO_LARGE)


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether lists and objects nest deeper than `limit` in `value` (iterative: any depth)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth >= limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


RUN_AS_ENV = ("PATH", "LANG", "LANGUAGE", "TZ")  # what a runAsUser task keeps of flowrun's environment
RUN_AS_PREFIXES = ("LC_",)  # (LC_ALL, LC_CTYPE, ...)


def run_as_env(base: dict[str, str], user: str, pass_env: Iterable[Any] | None = None) -> dict[str, str]:
    """The environment of a task run as `user`: a login's minimum, not the runner's (root's
    `AWS_SECRET_ACCESS_KEY`, `GITHUB_TOKEN`, ... stay behind). PATH, LANG, LANGUAGE, LC_* and TZ
    of flowrun; HOME, USER, LOGNAME and SHELL of the user; the names in `metadata.passEnv`."""
    names = {str(name) for name in pass_env or ()}
    env = {k: v for k, v in base.items() if k in RUN_AS_ENV or k.startswith(RUN_AS_PREFIXES) or k in names}
    env.setdefault("PATH", os.defpath)
    entry = pwd.getpwnam(user)
    env.update(HOME=entry.pw_dir, USER=entry.pw_name, LOGNAME=entry.pw_name, SHELL=entry.pw_shell or "/bin/sh")
    return env


def process_env(params: dict[str, Any], user: str | None = None, base: dict[str, str] | None = None,
                pass_env: Iterable[Any] | None = None) -> dict[str, str]:
    """A task's environment: flowrun's without its secrets (or, with `user`, `run_as_env`), then
    the task's own `env`."""
    env = dict(base) if base is not None else inherited_env()
    if user is not None:
        env = run_as_env(env, user, pass_env)
    for key, value in (params.get("env") or {}).items():
        env[str(key)] = json.dumps(value) if isinstance(value, bool) else str(value)
    return env


def run_as(task: PlannedTask) -> str | None:
    """The user to run the process as (`metadata.runAsUser`), checked; TaskFailure if impossible."""
    user = task.metadata.get("runAsUser")
    if not user:
        return None
    try:
        pwd.getpwnam(str(user))
    except KeyError:
        raise TaskFailure(f"runAsUser '{user}': no such user on this machine") from None
    if os.geteuid() != 0:
        raise TaskFailure(f"runAsUser '{user}' needs flowrun to run as root (it runs as uid {os.geteuid()})")
    return str(user)


def working_dir(ctx_cwd: str, params: dict[str, Any]) -> str:
    cwd = params.get("cwd")
    if not cwd:
        return ctx_cwd
    path = os.path.join(ctx_cwd, str(cwd))
    if not os.path.isdir(path):
        raise TaskFailure(f"cwd '{cwd}' is not a directory")
    return path
