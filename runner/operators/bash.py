"""`bash`: `bash -c COMMAND` in its own session, with `env` and `cwd`; output is the last
non-empty stdout line, parsed as JSON when it parses."""

from __future__ import annotations

from typing import Any

from runner.operators.base import TaskFailure, TryContext, process_env, run_as, working_dir
from runner.process import run_group


async def run_command(ctx: TryContext, argv: list[str]) -> Any:
    user = run_as(ctx.task)
    cwd = working_dir(ctx.cwd, ctx.params)
    try:
        code = await run_group(
            argv, env=process_env(ctx.params, user, ctx.base_env), cwd=cwd, on_stdout=ctx.stdout, on_stderr=ctx.stderr,
            on_start=ctx.on_process, user=user,
        )
    except OSError as exc:
        raise TaskFailure(f"cannot start {argv[0]}: {exc.strerror or exc}") from None
    ctx.exit_code = code
    if code != 0:
        how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
        raise TaskFailure(f"the command {how}", code)
    return ctx.collector.output()


class Bash:
    async def execute(self, ctx: TryContext) -> Any:
        command = str(ctx.params["command"])
        if "\x00" in command:
            raise TaskFailure("the command contains a NUL character")
        return await run_command(ctx, ["bash", "-c", command])
