"""Benchmark workloads, parameterised by size: random DAGs for the graph benchmark, and the same
task shapes as a flowrun workflow (YAML text), a Makefile and, for the shapes without
dependencies, an `xargs -P` command line.

Every shape is first a dependency list, `deps[i]` = indices of the tasks task i depends on, so
the workflow and the Makefile of a shape always describe the same graph. Task i is named `t{i}`.
"""

from __future__ import annotations

import random

Deps = list[list[int]]


# -- shapes ---------------------------------------------------------------------------------------


def random_dag(n: int, parents: int = 5, seed: int = 0) -> Deps:
    """parents[i] = up to `parents` distinct random tasks earlier in a random permutation, so the
    graph is acyclic but the file order is not topological (tests/test_graph_networkx.py's
    `five_parents`, same output for parents=5)."""
    rng = random.Random(seed)
    perm = list(range(n))
    rng.shuffle(perm)
    out: Deps = [[] for _ in range(n)]
    for i in range(1, n):
        out[perm[i]] = [perm[j] for j in rng.sample(range(i), min(i, parents))]
    return out


def independent_deps(n: int) -> Deps:
    return [[] for _ in range(n)]


def layered_deps(n: int, layers: int = 20, parents: int = 3, seed: int = 0) -> Deps:
    """n tasks in `layers` consecutive layers; every task after layer 0 depends on `parents`
    random tasks of the previous layer."""
    rng = random.Random(seed)
    bounds = [n * k // layers for k in range(layers + 1)]
    out: Deps = [[] for _ in range(n)]
    for k in range(1, layers):
        previous = range(bounds[k - 1], bounds[k])
        for i in range(bounds[k], bounds[k + 1]):
            out[i] = sorted(rng.sample(previous, min(parents, len(previous))))
    return out


def chain_deps(n: int) -> Deps:
    return [[i - 1] if i else [] for i in range(n)]


# -- renderers ------------------------------------------------------------------------------------


def workflow_yaml(dag_id: str, deps: Deps, command: str, concurrency: int) -> str:
    """A flowrun workflow: one `bash` task per entry of deps."""
    lines = [f"dagId: {dag_id}", f"concurrency: {concurrency}", "tasks:"]
    for i, ups in enumerate(deps):
        lines += [f"  - taskId: t{i}", "    operator: bash", f"    params: {{command: '{command}'}}"]
        if ups:
            lines.append(f"    dependencies: [{', '.join(f't{p}' for p in ups)}]")
    return "\n".join(lines) + "\n"


def makefile(deps: Deps, recipe: str) -> str:
    """A Makefile with one .PHONY target per task; prerequisites = dependencies."""
    targets = " ".join(f"t{i}" for i in range(len(deps)))
    parts = [f".PHONY: all {targets}\n", f"all: {targets}\n"]
    for i, ups in enumerate(deps):
        prereqs = "".join(f" t{p}" for p in ups)
        parts.append(f"t{i}:{prereqs}\n\t@{recipe}\n")
    return "".join(parts)


def xargs_command(n: int, concurrency: int, command: str) -> str:
    """A shell command line running `command` n times, `concurrency` at a time."""
    return f"seq {n} | xargs -P{concurrency} -n1 sh -c '{command}'"


# -- workflows (YAML text) ------------------------------------------------------------------------


def true_tasks(n: int, concurrency: int = 8) -> str:
    return workflow_yaml("bench_true", independent_deps(n), "true", concurrency)


def layered(n: int, layers: int = 20, parents: int = 3, concurrency: int = 8) -> str:
    return workflow_yaml("bench_layered", layered_deps(n, layers, parents), "true", concurrency)


def chain(n: int, concurrency: int = 8) -> str:
    return workflow_yaml("bench_chain", chain_deps(n), "true", concurrency)


def sleeps(n: int = 64, seconds: float = 0.5, concurrency: int = 16) -> str:
    return workflow_yaml("bench_sleep", independent_deps(n), f"sleep {seconds}", concurrency)


def one_task() -> str:
    """The smallest run: one `dummy` task (measures startup)."""
    return "dagId: bench_startup\ntasks:\n  - taskId: only\n    operator: dummy\n"


# -- Makefiles ------------------------------------------------------------------------------------


def true_tasks_makefile(n: int) -> str:
    return makefile(independent_deps(n), "true")


def layered_makefile(n: int, layers: int = 20, parents: int = 3) -> str:
    return makefile(layered_deps(n, layers, parents), "true")


def chain_makefile(n: int) -> str:
    return makefile(chain_deps(n), "true")


def sleeps_makefile(n: int = 64, seconds: float = 0.5) -> str:
    return makefile(independent_deps(n), f"sleep {seconds}")


# -- xargs (independent shapes only) --------------------------------------------------------------


def true_tasks_xargs(n: int, concurrency: int = 8) -> str:
    return xargs_command(n, concurrency, "true")


def sleeps_xargs(n: int = 64, seconds: float = 0.5, concurrency: int = 16) -> str:
    return xargs_command(n, concurrency, f"sleep {seconds}")
