"""Two installs of flowrun against each other, alternating on the same inputs: for a change
that must not cost speed (a refactor), on a machine whose load comes and goes.

    python benchmarks/bench_ab.py --a OLD_VENV/bin --b NEW_VENV/bin [--repeat 7]

Make the installs with `python3 -m venv V && V/bin/pip install CHECKOUT` (one per checkout).
Measured, wall and CPU (user+sys of the child): `flowrun lint --no-cache` of one 40-task file
(start-up dominated) and of 500 such files; `flowrun run` of a one-task `dummy` workflow (the
run's start-up); `flowrun run` of 1,000 `true` tasks in 20 layers at concurrency 8; `flowrun
run --dry-run` of that file. A and B alternate within each repetition and swap who goes first.
Prints medians and B/A ratios (1.00 = the same; the noise of a shared machine is a few %).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_lint import workflow
from workloads import layered, one_task

Case = Callable[[Path, Path], list[str]]  # (bin dir, fresh directory) -> command


def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    start = time.perf_counter()
    before = os.times()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return time.perf_counter() - start, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--a", type=Path, required=True, help="bin directory of the first install")
    parser.add_argument("--b", type=Path, required=True, help="bin directory of the second install")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        many = root / "many"
        many.mkdir()
        for i in range(500):
            (many / f"wf_{i:04d}.yaml").write_text(workflow(i))
        (root / "one_task.yaml").write_text(one_task())
        (root / "layered.yaml").write_text(layered(1000))
        one = many / "wf_0000.yaml"
        cases: dict[str, Case] = {
            "lint one file": lambda b, d: [str(b / "flowrun"), "lint", "--no-cache", str(one)],
            "lint 500 files": lambda b, d: [str(b / "flowrun"), "lint", "--no-cache", str(many)],
            "run one dummy task": lambda b, d: [str(b / "flowrun"), "run", str(root / "one_task.yaml"),
                                                "--state", str(d / "s" / "state.db")],
            "run 1,000 true (layered)": lambda b, d: [str(b / "flowrun"), "run", str(root / "layered.yaml"),
                                                      "--state", str(d / "s" / "state.db")],
            "dry-run 1,000 tasks": lambda b, d: [str(b / "flowrun"), "run", "--dry-run", str(root / "layered.yaml")],
        }
        results: dict[tuple[str, str], list[tuple[float, float]]] = {}
        sides = {"A": args.a, "B": args.b}
        for rep in range(args.repeat + 1):  # the first repetition warms the caches and is dropped
            for name, case in cases.items():
                for side in ("A", "B") if rep % 2 else ("B", "A"):
                    work = Path(tempfile.mkdtemp(dir=root))
                    figure = timed(case(sides[side], work), work)
                    if rep:
                        results.setdefault((name, side), []).append(figure)
    print(f"A = {args.a}\nB = {args.b}\nmedians of {args.repeat}, A and B alternating; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'case':26} {'A wall':>9} {'B wall':>9} {'B/A':>6} {'A CPU':>9} {'B CPU':>9} {'B/A':>6}")
    for name in cases:
        a_wall, b_wall = (statistics.median(r[0] for r in results[(name, s)]) for s in ("A", "B"))
        a_cpu, b_cpu = (statistics.median(r[1] for r in results[(name, s)]) for s in ("A", "B"))
        print(f"{name:26} {a_wall * 1000:7.0f}ms {b_wall * 1000:7.0f}ms {b_wall / a_wall:6.2f} "
              f"{a_cpu * 1000:7.0f}ms {b_cpu * 1000:7.0f}ms {b_cpu / a_cpu:6.2f}")


if __name__ == "__main__":
    main()
