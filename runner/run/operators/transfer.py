"""`transfer`: its output is the output of `sourceTask` (prefer passing a path: FR501)."""

from __future__ import annotations

from typing import Any

from runner.run.operators.base import TaskFailure, TryContext


class Transfer:
    async def execute(self, ctx: TryContext) -> Any:
        source = str(ctx.params["sourceTask"])
        if source not in ctx.outputs:
            raise TaskFailure(f"sourceTask '{source}' has no output in this run")
        return ctx.outputs[source]
