"""`python`: `pythonCode` in a separate interpreter process (`sys.executable`); output as `bash`."""

from __future__ import annotations

import sys
from typing import Any

from runner.run.operators.base import TaskFailure, TryContext
from runner.run.operators.bash import run_command


class Python:
    async def execute(self, ctx: TryContext) -> Any:
        code = str(ctx.params["pythonCode"])
        if "\x00" in code:
            raise TaskFailure("pythonCode contains a NUL character")
        return await run_command(ctx, [sys.executable, "-c", code])
