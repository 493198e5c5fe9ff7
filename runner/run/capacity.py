"""What a run may use at once (`--capacity cpu=N,memory=MB,gpu=N`, default this machine), and
the check that every task fits it: a task that needs more could never start (SPEC section 3)."""

from __future__ import annotations

import math
import os

from runner.errors import FlowrunError, UsageError
from runner.run.plan import Plan


def machine_capacity() -> dict[str, float]:
    memory = 0.0
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    memory = int(line.split()[1]) / 1024
    except OSError:
        pass
    return {"cpu": float(os.cpu_count() or 1), "memory": memory, "gpu": 0.0}


def parse_capacity(text: str | None) -> dict[str, float]:
    capacity = machine_capacity()
    if not text:
        return capacity
    for part in text.split(","):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or name not in capacity:
            raise UsageError(f"bad --capacity '{part}'; expected cpu=N,memory=MB,gpu=N")
        try:
            amount = float(value)
        except ValueError:
            amount = math.nan
        if not math.isfinite(amount) or amount < 0:
            raise UsageError(f"bad --capacity value '{value.strip()}' for {name}; expected a number >= 0")
        capacity[name] = amount
    return capacity


def check_capacity(plan: Plan, capacity: dict[str, float]) -> None:
    for task in plan.tasks:
        for name, need in task.resources.items():
            if need > capacity.get(name, 0.0) + 1e-9:
                raise FlowrunError(
                    f"task '{task.task_id}' needs {name}={need:g} but the capacity is {name}={capacity.get(name, 0.0):g};"
                    " it could never start (see --capacity)"
                )
