"""The interface between the engine and an operator, and the stdout handling they share."""

from __future__ import annotations

import json
import os
import pwd
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from runner.plan import PlannedTask

MAX_OUTPUT = 1024 * 1024  # bytes of a task's output (SPEC section 1)


class TaskFailure(Exception):
    """The try failed; `message` is one line for the user."""

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


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
    cwd: str
    collector: OutputCollector = field(default_factory=lambda: OutputCollector())
    exit_code: int | None = None


class Operator(Protocol):
    async def execute(self, ctx: TryContext) -> Any:
        """Run one try; return the task's output or raise TaskFailure."""


class OutputCollector:
    """Keeps the last non-empty stdout line and the metrics of JSON-object lines."""

    def __init__(self, held: Callable[[], str] | None = None) -> None:
        self.partial = ""
        self.last = ""
        self.too_large = False  # the last non-empty line is over MAX_OUTPUT
        self.truncated = False  # `partial` is the tail of a line over MAX_OUTPUT
        self.metrics: list[tuple[str, float]] = []
        self.held = held  # returns text a stream filter (the masker) still holds back

    def flush(self) -> None:
        if self.held is not None:
            self.feed(self.held())

    def feed(self, text: str) -> None:
        data = self.partial + text
        lines = data.split("\n")
        self.partial = lines.pop()
        for line in lines:  # only the first of them can be the end of a truncated line
            self._line(line, self.truncated)
            self.truncated = False
        if len(self.partial) > MAX_OUTPUT:
            self.truncated = True
            self.partial = self.partial[-MAX_OUTPUT - 1:]

    def _line(self, line: str, truncated: bool = False) -> None:
        line = line.rstrip("\r")
        if not line.strip():
            return
        self.last = line
        self.too_large = truncated or len(line.encode("utf-8", "replace")) > MAX_OUTPUT
        if not self.too_large and line.lstrip().startswith("{"):
            try:
                event = json.loads(line)
            except ValueError:
                return
            if isinstance(event, dict):
                for name, value in event.items():
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        self.metrics.append((str(name), float(value)))

    def output(self) -> Any:
        self.flush()
        if self.partial:
            self._line(self.partial, self.truncated)
            self.partial, self.truncated = "", False
        if self.too_large:
            raise TaskFailure("output is larger than 1 MiB; write the data to a file and output its path instead")
        if not self.last:
            return None
        try:
            return json.loads(self.last)
        except ValueError:
            return self.last


def process_env(params: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
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
