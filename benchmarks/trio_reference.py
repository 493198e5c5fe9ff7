"""The floor of a trio runner on this machine: what `bench_run.py` calls "trio reference".

    python benchmarks/trio_reference.py DEPS.json COMMAND CONCURRENCY

The issue's "60-line trio + graphlib reference", made as cheap as Python can make it: graphlib
orders the tasks, a task starts while fewer than CONCURRENCY run, every process is started by
os.posix_spawn in a new session with its output to /dev/null, and its exit is awaited on a
pidfd. No state store, no logs, no pipes, no templates, no YAML: any runner built on trio pays
at least this, so flowrun's distance to it is the cost of what flowrun does besides.
DEPS.json is a list: entry i lists the indices of the tasks task i depends on.
"""

from __future__ import annotations

import graphlib
import json
import os
import shlex
import shutil
import sys
from collections import deque

import trio


def main() -> None:
    with open(sys.argv[1]) as f:
        deps = json.load(f)
    argv, limit = shlex.split(sys.argv[2]), int(sys.argv[3])
    program = shutil.which(argv[0]) or argv[0]
    sorter: graphlib.TopologicalSorter[int] = graphlib.TopologicalSorter({i: d for i, d in enumerate(deps)})
    sorter.prepare()
    devnull = os.open(os.devnull, os.O_RDWR)
    actions = [(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]
    waiting: deque[int] = deque()
    running = 0

    async def run_all() -> None:
        async with trio.open_nursery() as nursery:

            def launch() -> None:
                nonlocal running
                waiting.extend(sorter.get_ready())
                while waiting and running < limit:
                    running += 1
                    nursery.start_soon(one, waiting.popleft())

            async def one(task: int) -> None:
                nonlocal running
                pid = os.posix_spawn(program, argv, os.environ, setsid=True, file_actions=actions)
                pidfd = os.pidfd_open(pid)
                await trio.lowlevel.wait_readable(pidfd)
                trio.lowlevel.notify_closing(pidfd)
                os.close(pidfd)
                if os.waitpid(pid, 0)[1] != 0:
                    raise SystemExit(f"task {task} failed")
                running -= 1
                sorter.done(task)
                launch()

            launch()

    trio.run(run_all)


if __name__ == "__main__":
    main()
