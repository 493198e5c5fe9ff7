"""Cost of growth: how lint time grows with the tasks of one file, and run overhead with tasks
and edges. Anything worse than linear in tasks + edges shows as a rising cost per task.

    python benchmarks/bench_growth.py [--repeat 3] [--no-run]

Lint: one file of N tasks in 20 layers, 3 parents each (10 to 10,000 tasks), linted in this
process (`lint_source`, no start-up), median of --repeat. Run: `flowrun run` of N `true` tasks
(independent, and layered with 3 parents each) at concurrency 8, in a fresh directory.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workloads import independent_deps, layered_deps, workflow_yaml

from runner.config import LintConfig
from runner.linter import lint_source


def lint_growth(repeat: int) -> None:
    print("lint of one file (in process)    tasks    edges      KB   median ms   us/task  us/(task+edge)")
    for n in (10, 100, 1_000, 10_000):
        deps = layered_deps(n)
        text = workflow_yaml(f"growth_{n}", deps, "./step.sh --day {{ ds }}", 8)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            lint_source(text, "growth.yaml", LintConfig())
            times.append(time.perf_counter() - start)
        edges = sum(map(len, deps))
        ms = statistics.median(times) * 1000
        print(f"{'':32} {n:6} {edges:8} {len(text) / 1024:7.0f} {ms:11.1f} {ms * 1000 / n:9.0f} {ms * 1000 / (n + edges):15.0f}")


def run_growth(repeat: int) -> None:
    flowrun = str(Path(sys.executable).parent / "flowrun")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    print("flowrun run, true tasks, -j8      shape       tasks    edges   median s   ms/task")
    for shape, make in (("independent", independent_deps), ("layered", layered_deps)):
        for n in (100, 1_000, 3_000):
            deps = make(n)
            times = []
            for _ in range(repeat):
                with tempfile.TemporaryDirectory() as tmp:
                    path = Path(tmp) / "wf.yaml"
                    path.write_text(workflow_yaml(f"{shape}_{n}", deps, "true", 8))
                    start = time.perf_counter()
                    done = subprocess.run([flowrun, "run", str(path)], cwd=tmp, env=env, capture_output=True, check=False)
                    times.append(time.perf_counter() - start)
                    assert done.returncode == 0, done.stderr[-500:]
            s = statistics.median(times)
            print(f"{'':32} {shape:12} {n:6} {sum(map(len, deps)):8} {s:10.2f} {s * 1000 / n:9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-run", action="store_true")
    args = parser.parse_args()
    lint_growth(args.repeat)
    if not args.no_run:
        run_growth(args.repeat)


if __name__ == "__main__":
    main()
