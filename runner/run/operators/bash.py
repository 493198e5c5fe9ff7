"""`bash`: `bash -c COMMAND` in its own session, with `env` and `cwd`; output is the last
non-empty stdout line, parsed as JSON when it parses.

A command that is one program and plain words (`./load.sh --day 2026-01-01`) is started the way
make starts it: the program is exec'd directly, since `bash -c` would do the same after a
millisecond of starting itself. The process sees what it would see under bash (`PWD`, `SHLVL`
one more, `_` the program's path). Anything else goes through bash: quotes, `$`, globs,
redirections, pipes, several commands, an assignment, a bash builtin or keyword, a program not
found on PATH (bash then reports it), `BASH_ENV` or exported functions in the environment (they
could change what the words mean), and `metadata.runAsUser`.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from functools import lru_cache
from typing import Any

from runner.run.executors.base import PreparedTry
from runner.run.operators.base import (
    TaskFailure,
    TryContext,
    process_env,
    run_as,
    timed_out,
    working_dir,
)

PLAIN = re.compile(r"[ \t\n]*([A-Za-z0-9_./:,@%+-]+)((?:[ \t]+[A-Za-z0-9_./:=,@%+-]+)*)[ \t\n]*")  # (`|` blocks end in \n)
# bash 5's builtins and keywords; `true`, `false` and `echo` of plain words are the same programs
BASH_WORDS = frozenset("""
    . : [ [[ ]] ! { } alias bg bind break builtin caller case cd command compgen complete compopt
    continue coproc declare dirs disown do done elif else enable esac eval exec exit export fc fg fi
    for function getopts hash help history if in jobs kill let local logout mapfile popd printf
    pushd pwd read readarray readonly return select set shift shopt source suspend test then time
    times trap type typeset ulimit umask unalias unset until wait while
""".split())  # noqa: SIM905 - 80 words read better as text than as a list literal


def direct_argv(command: str, env: dict[str, str], cwd: str) -> tuple[str, list[str]] | None:
    """(program path, argv) to exec for a plain command, or None when bash must run it. As with
    bash, argv[0] is the word as written and the program is found on the task's PATH."""
    match = PLAIN.fullmatch(command)
    if match is None or match.group(1) in BASH_WORDS:
        return None
    if "BASH_ENV" in env or "ENV" in env or any(k.startswith("BASH_FUNC_") for k in env):
        return None
    program, search = match.group(1), env.get("PATH", os.defpath)
    if "/" in program:  # exec'd as written, relative to the task's cwd, as bash does
        found = os.path.join(cwd, program)
        path = program if os.path.isfile(found) and os.access(found, os.X_OK) else None
    else:
        path = _which(program, search, int(time.monotonic() // WHICH_SECONDS))
    return (path, [program, *match.group(2).split()]) if path is not None else None


WHICH_SECONDS = 10  # a PATH lookup is reused this long (bash keeps its own until it restarts)


@lru_cache(maxsize=256)
def _which(program: str, search: str, _period: int) -> str | None:
    """The program's path; None when PATH has a relative entry (bash would search it from its cwd)."""
    if not all(os.path.isabs(d) for d in search.split(os.pathsep)):
        return None
    return shutil.which(program, path=search)


def as_bash_would(env: dict[str, str], cwd: str, program: str) -> dict[str, str]:
    """The environment bash gives a program it runs: PWD, SHLVL one more, `_` (the path it ran)."""
    level = env.get("SHLVL", "0")
    return {**env, "PWD": os.path.abspath(cwd), "SHLVL": str(int(level) + 1 if level.isdigit() else 1), "_": program}


async def run_command(ctx: TryContext, argv: list[str], direct: str | None = None) -> Any:
    """Run `argv`; with `direct` (a plain bash command), exec it without bash when it can be."""
    user = run_as(ctx.task)
    cwd = working_dir(ctx.cwd, ctx.params)
    env = process_env(ctx.params, user, ctx.base_env, ctx.task.metadata.get("passEnv"))
    plain = direct_argv(direct, env, cwd) if direct is not None and user is None else None
    try:
        if plain is not None:
            try:
                code = await _run(ctx, plain[1], as_bash_would(env, cwd, plain[0]), cwd, None, plain[0])
            except OSError:  # no `#!` (bash runs it as a script), a bad interpreter, ...: bash's way
                code = await _run(ctx, argv, env, cwd, user)
        else:
            code = await _run(ctx, argv, env, cwd, user)
    except OSError as exc:
        raise TaskFailure(f"cannot start {argv[0]}: {exc.strerror or exc}") from None
    ctx.exit_code = code
    if code != 0:
        how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
        raise TaskFailure(f"the command {how}", code)
    return ctx.collector.output()


async def _run(ctx: TryContext, argv: list[str], env: dict[str, str], cwd: str, user: str | None,
               executable: str | None = None) -> int:
    """Start `argv` through the try's executor; its exit status."""
    if ctx.executor is None:
        raise TaskFailure(f"{ctx.task.operator} tasks need an executor to start their processes")
    end = await ctx.executor.run(PreparedTry(
        argv, env, cwd, user=user, executable=executable, deadline=ctx.deadline, on_stdout=ctx.stdout,
        on_stderr=ctx.stderr, on_start=ctx.on_process, on_stop=ctx.on_stop,
    ))
    if end.timed_out:  # (under the engine its own timeout scope, the outer one, sees it first)
        raise timed_out(ctx.task)
    return end.exit_status


class Bash:
    async def execute(self, ctx: TryContext) -> Any:
        command = str(ctx.params["command"])
        if "\x00" in command:
            raise TaskFailure("the command contains a NUL character")
        return await run_command(ctx, ["bash", "-c", command], direct=command)
