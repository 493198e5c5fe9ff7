"""`branch`: evaluates `condition` (a Jinja expression) to a key of `branches`. The engine then
skips every direct downstream task that is not in the chosen branch, as Airflow does."""

from __future__ import annotations

from typing import Any

from runner.model import branch_targets
from runner.run.operators.base import TaskFailure, TryContext
from runner.run.plan import thaw
from runner.templates.render import TemplateProblem, evaluate


def targets(branches: Any, key: str) -> list[str]:
    """The taskIds the `branches` of a planned task (frozen) name for `key`."""
    return [target for path, target in branch_targets(thaw(branches)) if path[2] == key]


class Branch:
    async def execute(self, ctx: TryContext) -> Any:
        condition = str(ctx.task.params["condition"])
        try:
            key = evaluate(condition, ctx.template_context)
        except TemplateProblem as exc:
            raise TaskFailure(f"branch condition: {exc}") from None
        branches = ctx.task.params["branches"]
        if not isinstance(key, str) or key not in branches:
            raise TaskFailure(
                f"branch condition gave {key!r}, which is not a key of branches ({', '.join(branches)})"
            )
        ctx.log(f"branch '{key}' chosen: {', '.join(targets(branches, key))}\n")
        return key
