"""Run a task's process in its own session and make sure none of its processes outlive it.

trio's own `run_process` only signals the direct child on cancel (a `bash -c 'sleep 1 &
sleep 2'` leaves both sleeps behind, FACTS.md). Here every task starts a new session; when the
leader exits, on timeout and on cancel, the whole process group gets SIGTERM, then SIGKILL
`GRACE` seconds later.

The process is started by `subprocess.Popen` in the trio thread (trio's `open_process` hands
every spawn to a worker thread, which costs more than the spawn itself when tasks are short),
its pipes are read through `trio.lowlevel.FdStream`, and its exit is awaited on a pidfd (Linux
5.3+; elsewhere by polling every 10 ms).
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
POLL_INTERVAL = 0.01  # without pidfd_open


def killpg(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


async def _pump(stream: trio.lowlevel.FdStream, sink: Callable[[str], None]) -> None:
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


class _Child:
    """A started process: its Popen, the read ends of its pipes, and a way to await its exit."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: str | None, kwargs: dict[str, Any]) -> None:
        """`kwargs` go to Popen (user, group, extra_groups, executable)."""
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            self.popen = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=out_w, stderr=err_w, start_new_session=True,
                env=env, cwd=cwd, **kwargs,
            )
        except BaseException:
            for fd in (out_r, err_r):
                os.close(fd)
            raise
        finally:
            for fd in (out_w, err_w):
                os.close(fd)  # the child holds the only write ends: EOF when its group is done
        self.stdout = trio.lowlevel.FdStream(out_r)
        self.stderr = trio.lowlevel.FdStream(err_r)
        self.pidfd: int | None = None
        with contextlib.suppress(AttributeError, OSError):  # no pidfd_open: poll instead
            self.pidfd = os.pidfd_open(self.popen.pid)

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()

    async def wait(self) -> int:
        while self.popen.poll() is None:
            if self.pidfd is not None:
                await trio.lowlevel.wait_readable(self.pidfd)
            else:
                await trio.sleep(POLL_INTERVAL)
        return int(self.popen.returncode)

    def close(self) -> None:
        if self.pidfd is not None:
            trio.lowlevel.notify_closing(self.pidfd)
            os.close(self.pidfd)
            self.pidfd = None
        self.stdout.close()
        self.stderr.close()


async def run_group(
    argv: list[str],
    *,
    env: dict[str, str],
    cwd: str | None,
    on_stdout: Callable[[str], None],
    on_stderr: Callable[[str], None],
    on_start: Callable[[int], None],
    user: str | None = None,
    executable: str | None = None,
) -> int:
    """Run `argv` to completion and return its exit status (negative: killed by that signal).
    `executable` is the program to run when it is not argv[0] (found on PATH already)."""
    kwargs: dict[str, Any] = {"executable": executable} if executable is not None else {}
    if user is not None:  # the user's uid, primary group and groups: none of root's groups are kept
        entry = pwd.getpwnam(user)
        kwargs.update(user=entry.pw_uid, group=entry.pw_gid,
                      extra_groups=os.getgrouplist(entry.pw_name, entry.pw_gid))
    await trio.lowlevel.checkpoint()  # a cancelled run starts nothing
    proc = _Child(argv, env, cwd, kwargs)
    pgid = proc.pid
    pumps_done = trio.Event()
    open_pumps = 2

    async def pump(stream: trio.lowlevel.FdStream, sink: Callable[[str], None]) -> None:
        nonlocal open_pumps
        try:
            await _pump(stream, sink)
        finally:
            open_pumps -= 1
            if not open_pumps:
                pumps_done.set()

    try:
        on_start(pgid)  # may fail (the store is full): the group is still stopped below
        async with trio.open_nursery() as nursery:
            nursery.start_soon(pump, proc.stdout, on_stdout)
            nursery.start_soon(pump, proc.stderr, on_stderr)
            await proc.wait()
            # The leader is gone; background jobs it left in the group go too.
            killpg(pgid, signal.SIGTERM)
            if not pumps_done.is_set():  # (the usual case: both pipes are at their end already)
                with trio.move_on_after(GRACE):
                    await pumps_done.wait()
                killpg(pgid, signal.SIGKILL)
                with trio.move_on_after(1.0):  # a process that escaped the group may hold the pipe
                    await pumps_done.wait()
                nursery.cancel_scope.cancel()
    finally:
        if proc.returncode is None:  # cancelled (a timeout, the run stopped) or on_start failed
            with trio.CancelScope(shield=True):
                killpg(pgid, signal.SIGTERM)
                with trio.move_on_after(GRACE):
                    await proc.wait()
                killpg(pgid, signal.SIGKILL)
                await proc.wait()
        killpg(pgid, signal.SIGKILL)
        proc.close()
    return int(proc.returncode or 0)
