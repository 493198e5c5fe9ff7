"""Graph checks: flowrun's runner.graph.Graph against networkx on random DAGs (5 parents a task).

    python benchmarks/bench_graph.py [--sizes 1000,10000,100000] [--repeat N] [--networkx-100k]

For each size: cycle detection (`components()`), transitive reduction (`redundant_edges()`) and
topological stages (`stages()`) with flowrun, and their total with the Graph's construction
("all graph checks together", one fresh Graph, so results cached by one check are reused by the
next as in the linter); networkx's `transitive_reduction` alone (its DiGraph built outside the
timing). Both must give the same answers: the same reduced edge set, the same generations, no
cycle. networkx is skipped at 100,000 tasks unless --networkx-100k (it takes minutes there).

Every flowrun repetition runs in a fresh child process (fresh Graph, nothing cached) which reports
its timings and its peak memory: VmHWM from /proc/self/status, the high-water RSS of the child's
own address space. (ru_maxrss, of RUSAGE_SELF or the parent's RUSAGE_CHILDREN, would also count
the parent's RSS at fork/exec.) "base" is the peak before the Graph is built (interpreter + DAG).
Medians of --repeat runs (default 3, 1 at 100,000 tasks).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from workloads import random_dag

from runner.graph import Graph

CHECKS = ("build", "components", "redundant", "stages")


def peak_rss_mb() -> float:
    """High-water RSS of this process's address space, MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def time_flowrun(n: int, seed: int) -> dict[str, float]:
    """One repetition on a fresh Graph: seconds per check, their sum, and peak memory."""
    parents = random_dag(n, 5, seed)
    base = peak_rss_mb()
    out: dict[str, float] = {}
    start = time.perf_counter()
    graph = Graph([str(i) for i in range(n)], parents)
    out["build"] = time.perf_counter() - start
    for name, check in (("components", graph.components), ("redundant", graph.redundant_edges),
                        ("stages", graph.stages)):
        t0 = time.perf_counter()
        result: Any = check()
        out[name] = time.perf_counter() - t0
        if name == "components" and result:
            raise SystemExit(f"flowrun found cycles in a DAG: {result[:3]}")
    out["all"] = sum(out[name] for name in CHECKS)
    out["peak_mb"], out["base_mb"] = peak_rss_mb(), base
    out["edges"] = sum(len(ups) for ups in parents)
    return out


def in_child(n: int, seed: int) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", str(n), "--seed", str(seed)]
    proc = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(proc.stdout)
    return result


def networkx_check(n: int, seed: int, repeat: int) -> list[float]:
    """Time networkx's transitive_reduction; assert flowrun's answers equal networkx's."""
    import networkx as nx

    parents = random_dag(n, 5, seed)
    digraph = nx.DiGraph()
    digraph.add_nodes_from(range(n))
    digraph.add_edges_from((p, c) for c, ups in enumerate(parents) for p in ups)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        reduced = nx.transitive_reduction(digraph)
        times.append(time.perf_counter() - start)

    graph = Graph([str(i) for i in range(n)], parents)
    drop = {(c, p) for c, p, _ in graph.redundant_edges()}
    kept = {(p, c) for c, ups in enumerate(parents) for p in ups if (c, p) not in drop}
    assert kept == set(reduced.edges), "transitive reductions differ"
    ours = {frozenset(stage) for stage in graph.stages()}
    assert ours == {frozenset(gen) for gen in nx.topological_generations(digraph)}, "stages differ"
    assert graph.components() == [] and nx.is_directed_acyclic_graph(digraph)
    try:
        cycle = nx.find_cycle(digraph)
    except nx.NetworkXNoCycle:
        cycle = None
    assert cycle is None, f"networkx found a cycle: {cycle}"
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated task counts")
    parser.add_argument("--repeat", type=int, help="repetitions (default 3; 1 at 100,000 tasks)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--networkx-100k", action="store_true",
                        help="also run networkx at 100,000 tasks or more (minutes)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(time_flowrun(args.child, args.seed)))
        return

    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        repeat = args.repeat or (1 if n >= 100_000 else 3)
        print(f"{n} tasks: flowrun x{repeat} ...", end="", flush=True)
        runs = [in_child(n, args.seed) for _ in range(repeat)]
        med = {key: statistics.median(r[key] for r in runs) for key in (*CHECKS, "all")}
        med["peak_mb"] = max(r["peak_mb"] for r in runs)
        med["base_mb"] = max(r["base_mb"] for r in runs)
        nx_time: float | None = None
        if n < 100_000 or args.networkx_100k:
            print(f" networkx x{repeat} ...", end="", flush=True)
            nx_time = statistics.median(networkx_check(n, args.seed, repeat))
            print(" same answers", flush=True)
        else:
            print(" (networkx skipped: --networkx-100k)", flush=True)
        rows.append((n, int(runs[0]["edges"]), repeat, med, nx_time))

    print("\nMedian seconds; flowrun all = build + components + redundant + stages, one Graph")
    print(f"{'tasks':>7} {'edges':>7} {'runs':>4} {'build':>7} {'cycles':>7} {'reduce':>7} "
          f"{'stages':>7} {'fl all':>7} {'nx TR':>8} {'nx/fl':>7} {'peak MB':>8} {'base':>5}")
    for n, edges, repeat, med, nx_time in rows:
        nx_cols = f"{nx_time:8.3f} {nx_time / med['all']:6.1f}x" if nx_time else f"{'-':>8} {'-':>7}"
        print(f"{n:7d} {edges:7d} {repeat:4d} {med['build']:7.3f} {med['components']:7.3f} "
              f"{med['redundant']:7.3f} {med['stages']:7.3f} {med['all']:7.3f} {nx_cols} "
              f"{med['peak_mb']:8.0f} {med['base_mb']:5.0f}")
    for n, _, _, med, _ in rows:
        if n >= 100_000:
            print(f"\nflowrun peak memory at {n} tasks: {med['peak_mb']:.0f} MB "
                  f"(VmHWM of the child; {med['base_mb']:.0f} MB before the Graph was built)")


if __name__ == "__main__":
    main()
