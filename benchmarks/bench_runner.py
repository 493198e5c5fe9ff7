"""Runner overhead: N `true` tasks at concurrency 8, flowrun against `make -jN` in the same run.

    python benchmarks/bench_runner.py [--tasks 1000] [--repeat 5]

Prints the median wall time of each and flowrun's overhead per task over make's.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def workflow(n: int, concurrency: int) -> str:
    lines = ["dagId: bench_true", f"concurrency: {concurrency}", "tasks:"]
    for i in range(n):
        lines += [f"  - taskId: t{i}", "    operator: bash", "    params: {command: 'true'}"]
    return "\n".join(lines) + "\n"


def makefile(n: int) -> str:
    targets = " ".join(f"t{i}" for i in range(n))
    return f".PHONY: all {targets}\nall: {targets}\n" + "".join(f"t{i}:\n\t@true\n" for i in range(n))


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "wf.yaml").write_text(workflow(args.tasks, args.concurrency))
        (root / "Makefile").write_text(makefile(args.tasks))
        flowrun = [sys.executable, "-m", "runner.cli", "run", "wf.yaml", "--log-format", "json"]
        make = ["make", f"-j{args.concurrency}", "-s"]
        runs: dict[str, list[float]] = {"flowrun": [], "make": []}
        for _ in range(args.repeat):  # interleaved, so machine noise hits both
            shutil.rmtree(root / ".flowrun", ignore_errors=True)
            runs["flowrun"].append(timed(flowrun, root))
            if shutil.which("make"):
                runs["make"].append(timed(make, root))
    fl = statistics.median(runs["flowrun"])
    print(f"{args.tasks} x true at concurrency {args.concurrency}, median of {args.repeat}:")
    print(f"  flowrun run  {fl:7.2f} s   ({fl / args.tasks * 1000:.2f} ms per task)")
    if runs["make"]:
        mk = statistics.median(runs["make"])
        print(f"  make -j{args.concurrency}     {mk:7.2f} s   ({mk / args.tasks * 1000:.2f} ms per task)")
        print(f"  ratio {fl / mk:.1f}x; flowrun overhead {(fl - mk) / args.tasks * 1000:.2f} ms per task")


if __name__ == "__main__":
    main()
