"""`dummy`: does nothing; its output is null. A join point or a placeholder."""

from __future__ import annotations

from typing import Any

from runner.run.operators.base import TryContext


class Dummy:
    async def execute(self, ctx: TryContext) -> Any:
        return None
