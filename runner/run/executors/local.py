"""The local executor: a task's process in its own session, none of its processes outliving it.

trio's own `run_process` only signals the direct child on cancel (a `bash -c 'sleep 1 &
sleep 2'` leaves both sleeps behind, FACTS.md). Here every task starts a new session; when the
leader exits, on timeout and on cancel, the whole process group gets SIGTERM, then SIGKILL
`GRACE` seconds later.

The process is started in the trio thread (trio's `open_process` hands every spawn to a worker
thread, which costs more than the spawn itself when tasks are short): by `os.posix_spawn` when
it runs in our working directory as our user (vfork and exec, no Python in between: make's way),
else by `subprocess.Popen`. One task reads both pipes and awaits the exit, on an epoll set of
the pipes and a pidfd (Linux 5.3+; elsewhere it polls every 10 ms).

`LocalExecutor` is this machine's `runner.run.executors.base.Executor`.
"""

from __future__ import annotations

import codecs
import contextlib
import math
import os
import pwd
import select
import signal
import subprocess
import time
from collections.abc import Callable
from typing import Any

import trio

from runner.run.executors.base import GRACE, PreparedTry, TryEnd

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)  # stop a run (SIGHUP: its terminal was closed)
READ_SIZE = 65536
POLL_INTERVAL = 0.01  # without pidfd_open


def killpg(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


class _Spawned:
    """A process started by posix_spawn, with the part of Popen's interface `_Child` uses."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere: its status is lost (Popen says 0 too)
                self.returncode = 0
            else:
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode


def seal_inherited_fds() -> None:
    """Close-on-exec for every descriptor above stderr; the engine calls it when a run starts.
    posix_spawn, unlike Popen's close_fds, would pass on descriptors this process inherited or
    made inheritable (what Python opens is close-on-exec already)."""
    with contextlib.suppress(OSError):
        for name in os.listdir("/proc/self/fd"):
            with contextlib.suppress(OSError, ValueError):
                if int(name) > 2 and os.get_inheritable(int(name)):
                    os.set_inheritable(int(name), False)


def _spawn(argv: list[str], env: dict[str, str], cwd: str | None, kwargs: dict[str, Any],
           out_w: int, err_w: int) -> _Spawned | subprocess.Popen[bytes]:
    """posix_spawn when nothing needs Python between fork and exec, else Popen: same result
    (stdin /dev/null, a new session, default SIGPIPE/SIGXFSZ, no inherited descriptors)."""
    program = kwargs.get("executable") or argv[0]
    if set(kwargs) <= {"executable"} and "/" in program and (cwd is None or os.path.abspath(cwd) == os.getcwd()):
        return _Spawned(os.posix_spawn(
            program, argv, env, setsid=True, setsigmask=(), setsigdef=(signal.SIGPIPE, signal.SIGXFSZ),
            file_actions=[(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                          (os.POSIX_SPAWN_DUP2, out_w, 1), (os.POSIX_SPAWN_DUP2, err_w, 2)],
        ))
    return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out_w, stderr=err_w, start_new_session=True,
                            env=env, cwd=cwd, **kwargs)


class _Child:
    """A started process, the read ends of its pipes, and a way to await its exit."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: str | None, kwargs: dict[str, Any],
                 grace: float = GRACE) -> None:
        """`kwargs` go to Popen (user, group, extra_groups, executable)."""
        self.grace = grace
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            self.popen = _spawn(argv, env, cwd, kwargs, out_w, err_w)
        except BaseException:
            for fd in (out_r, err_r):
                os.close(fd)
            raise
        finally:
            for fd in (out_w, err_w):
                os.close(fd)  # the child holds the only write ends: EOF when its group is done
        self.out, self.err = out_r, err_r
        os.set_blocking(out_r, False)
        os.set_blocking(err_r, False)
        self.pidfd: int | None = None
        self.epoll: Any = None  # select.epoll of both pipes and the pidfd: one fd for trio to wait on
        with contextlib.suppress(AttributeError, OSError):  # no pidfd_open or epoll: poll instead
            self.pidfd = os.pidfd_open(self.popen.pid)
            epoll = select.epoll()
            try:
                for fd in (out_r, err_r, self.pidfd):
                    epoll.register(fd, select.EPOLLIN)
            except OSError:
                epoll.close()
                raise
            self.epoll = epoll
        self.pidfd_watched = self.epoll is not None  # the pidfd is in the epoll set
        self.attach(lambda text: None, lambda text: None)

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()

    async def wait(self) -> int:
        while (code := self.popen.poll()) is None:
            if self.pidfd is not None:
                await trio.lowlevel.wait_readable(self.pidfd)
            else:
                await trio.sleep(POLL_INTERVAL)
        return code

    async def _ready(self, deadline: float) -> list[int]:
        """The pipes with something to read (and the pidfd once the process ended) at the first
        event or at `deadline`; without epoll, all of them every POLL_INTERVAL."""
        if self.epoll is None:
            await trio.sleep(max(0.0, min(POLL_INTERVAL, deadline - trio.current_time())))
            return [self.out, self.err]
        with trio.move_on_at(deadline):
            await trio.lowlevel.wait_readable(self.epoll.fileno())
        return [fd for fd, _ in self.epoll.poll(0)]

    def attach(self, on_stdout: Callable[[str], None], on_stderr: Callable[[str], None]) -> None:
        """Where the output goes (decoded incrementally: a character split across reads stays whole)."""
        self.sinks = {self.out: on_stdout, self.err: on_stderr}
        self.decoders = {fd: codecs.getincrementaldecoder("utf-8")(errors="replace") for fd in self.sinks}
        self.stage, self.deadline = "running", math.inf

    async def drain(self) -> None:
        """Pass the output on until the leader has exited and both pipes are at their end. When
        the leader exits, background jobs it left in the group get SIGTERM, SIGKILL `grace`
        seconds later if a pipe is still open, and a second after that the pipes are given up (a
        process that escaped the group may hold one). One task, whatever the process does."""
        await self._pump()

    async def stop(self) -> None:
        """Stop the group (a timeout, the run stopped): SIGTERM, then SIGKILL `grace` seconds later,
        passing on what it writes meanwhile (a task's last words on SIGTERM belong in its log)
        until its pipes close; the leader is reaped. Call it shielded."""
        if self.stage == "running":
            killpg(self.pid, signal.SIGTERM)
            self.stage, self.deadline = "terminated", trio.current_time() + self.grace
        await self._pump()
        if self.popen.poll() is None:  # the leader closed its pipes but lives on
            with trio.move_on_at(self.deadline):
                await self.wait()
            killpg(self.pid, signal.SIGKILL)
            await self.wait()

    def _read(self, ready: list[int]) -> None:
        for fd in ready:
            if fd not in self.sinks:
                continue
            try:
                data = os.read(fd, READ_SIZE)
            except BlockingIOError:
                continue
            text = self.decoders[fd].decode(data, final=not data)
            if text:
                self.sinks[fd](text)
            if not data:
                del self.sinks[fd]
                if self.epoll is not None:
                    self.epoll.unregister(fd)

    async def _pump(self) -> None:
        """Read until both pipes are at their end (and, while running, the leader has exited),
        moving through the stages running -> terminated -> killed -> given up."""
        while self.sinks or self.stage == "running":
            ready = await self._ready(self.deadline)
            self._read(ready)
            exited = self.epoll is None or self.pidfd in ready  # (else no need to ask)
            if exited and self.pidfd_watched and self.popen.poll() is not None:
                self.epoll.unregister(self.pidfd)  # (it stays readable)
                self.pidfd_watched = False
            if self.stage == "running" and exited and self.popen.poll() is not None:
                killpg(self.pid, signal.SIGTERM)
                self.stage, self.deadline = "terminated", trio.current_time() + self.grace
            elif self.sinks and trio.current_time() >= self.deadline:
                if self.stage == "killed":
                    return
                killpg(self.pid, signal.SIGKILL)
                self.stage, self.deadline = "killed", trio.current_time() + 1.0

    def close(self) -> None:
        for fd in (self.pidfd, self.epoll.fileno() if self.epoll is not None else None):
            if fd is not None:
                trio.lowlevel.notify_closing(fd)
        if self.epoll is not None:
            self.epoll.close()
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None
        os.close(self.out)
        os.close(self.err)


def _user_kwargs(user: str | None) -> dict[str, Any]:
    """Popen's arguments to run as `user`: its uid, primary group and groups (none of root's are kept)."""
    if user is None:
        return {}
    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": os.getgrouplist(entry.pw_name, entry.pw_gid)}


class LocalExecutor:
    """Runs each try as a process group on this machine (`runner.run.executors.base.Executor`)."""

    def __init__(self) -> None:
        self.sealed = False

    async def run(self, prepared: PreparedTry) -> TryEnd:
        """Run the try to completion; its exit status is negative when a signal killed it. When it
        is cancelled (its deadline, the run stopped), `on_stop` is called before the group gets
        SIGTERM, and what the group writes until its pipes close still goes to the sinks."""
        if not self.sealed:  # once, before the first spawn (posix_spawn would pass them on)
            seal_inherited_fds()
            self.sealed = True
        kwargs = _user_kwargs(prepared.user)
        if prepared.executable is not None:
            kwargs["executable"] = prepared.executable
        deadline = math.inf if prepared.deadline is None else prepared.deadline
        await trio.lowlevel.checkpoint()  # a cancelled run starts nothing
        started = time.time()
        proc = _Child(prepared.argv, prepared.env, prepared.cwd, kwargs, prepared.grace)
        proc.attach(prepared.on_stdout, prepared.on_stderr)
        with trio.move_on_at(deadline) as timeout:
            await _run(proc, prepared)
        return TryEnd(int(proc.returncode or 0), started, time.time(), proc.pid, timeout.cancelled_caught)


async def _run(proc: _Child, prepared: PreparedTry) -> None:
    """Drain the started `proc`; however this ends, its group is stopped and its descriptors closed."""
    done = False
    try:
        prepared.on_start(proc.pid)  # may fail (the store is full): the group is still stopped below
        await proc.drain()
        done = True
    finally:
        if not done:  # cancelled (a timeout, the run stopped) or on_start failed
            with trio.CancelScope(shield=True):
                try:
                    prepared.on_stop()
                finally:
                    await proc.stop()
        killpg(proc.pid, signal.SIGKILL)
        proc.close()
