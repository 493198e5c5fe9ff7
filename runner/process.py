"""Run a task's process in its own session and make sure none of its processes outlive it.

trio's own `run_process` only signals the direct child on cancel (a `bash -c 'sleep 1 &
sleep 2'` leaves both sleeps behind, FACTS.md). Here every task starts a new session; when the
leader exits, on timeout and on cancel, the whole process group gets SIGTERM, then SIGKILL
`GRACE` seconds later.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import pwd
import signal
import subprocess
from collections.abc import Callable
from typing import Any

import trio

GRACE = 5.0  # seconds between SIGTERM and SIGKILL (SPEC section 3)
READ_SIZE = 65536


def killpg(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


async def _pump(stream: Any, sink: Callable[[str], None]) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    while True:
        data = await stream.receive_some(READ_SIZE)
        if not data:
            break
        text = decoder.decode(data)
        if text:
            sink(text)
    tail = decoder.decode(b"", final=True)
    if tail:
        sink(tail)


async def run_group(
    argv: list[str],
    *,
    env: dict[str, str],
    cwd: str | None,
    on_stdout: Callable[[str], None],
    on_stderr: Callable[[str], None],
    on_start: Callable[[int], None],
    user: str | None = None,
) -> int:
    """Run `argv` to completion and return its exit status (negative: killed by that signal)."""
    kwargs: dict[str, Any] = {}
    if user is not None:  # the user's uid, primary group and groups: none of root's groups are kept
        entry = pwd.getpwnam(user)
        kwargs.update(user=entry.pw_uid, group=entry.pw_gid,
                      extra_groups=os.getgrouplist(entry.pw_name, entry.pw_gid))
    proc = await trio.lowlevel.open_process(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env=env,
        cwd=cwd,
        **kwargs,
    )
    pgid = proc.pid
    pumps_done = trio.Event()

    async def pumps() -> None:
        async with trio.open_nursery() as inner:
            inner.start_soon(_pump, proc.stdout, on_stdout)
            inner.start_soon(_pump, proc.stderr, on_stderr)
        pumps_done.set()

    try:
        on_start(pgid)  # may fail (the store is full): the group is still stopped below
        async with trio.open_nursery() as nursery:
            nursery.start_soon(pumps)
            await proc.wait()
            # The leader is gone; background jobs it left in the group go too.
            killpg(pgid, signal.SIGTERM)
            with trio.move_on_after(GRACE):
                await pumps_done.wait()
            killpg(pgid, signal.SIGKILL)
            with trio.move_on_after(1.0):  # a process that escaped the group may hold the pipe
                await pumps_done.wait()
            nursery.cancel_scope.cancel()
    finally:
        with trio.CancelScope(shield=True):
            if proc.returncode is None:
                killpg(pgid, signal.SIGTERM)
                with trio.move_on_after(GRACE):
                    await proc.wait()
                killpg(pgid, signal.SIGKILL)
                await proc.wait()
            killpg(pgid, signal.SIGKILL)
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    await stream.aclose()
    return int(proc.returncode or 0)
