"""Lint speed: `flowrun lint` over N generated workflows of 40 tasks, and over one file.

    python benchmarks/bench_lint.py [--files 500] [--repeat 5] [--project PATH]

`--project` lints with another checkout (e.g. a `git worktree` of an older commit) so that
before/after figures come from the same run on the same machine.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def workflow(seed: int, tasks: int = 40) -> str:
    r = random.Random(seed)
    lines = [
        f"dagId: generated_{seed}",
        'schedule: "0 */6 * * *"',
        "concurrency: 4",
        "params:",
        "  region: {type: string, default: eu}",
        "defaults:",
        "  timeout: {execution: 10m}",
        "tasks:",
    ]
    for t in range(tasks):
        deps = sorted({f"step_{r.randrange(t)}" for _ in range(min(t, 2))}) if t else []
        lines += [
            f"  - taskId: step_{t}",
            "    operator: bash",
            "    params:",
            f"      command: ./step_{t}.sh --region {{{{ params.region | shell_quote }}}} > out/{{{{ ds }}}}_{t}.csv",
        ]
        if deps:
            lines.append(f"    dependencies: [{', '.join(deps)}]")
    return "\n".join(lines) + "\n"


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--project", default=str(Path(__file__).resolve().parents[1]))
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": args.project}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for i in range(args.files):
            (root / f"wf_{i:04d}.yaml").write_text(workflow(i))
        size = sum(p.stat().st_size for p in root.iterdir()) / args.files
        lint = [sys.executable, "-m", "runner.cli", "lint"]
        many = statistics.median(timed([*lint, str(root)], env) for _ in range(args.repeat))
        one = statistics.median(timed([*lint, str(root / "wf_0000.yaml")], env) for _ in range(args.repeat))
    print(f"flowrun lint ({args.project}), median of {args.repeat}:")
    print(f"  {args.files} files of 40 tasks (~{size / 1024:.1f} KB): {many:.2f} s ({args.files / many:.0f} files/s)")
    print(f"  one file: {one * 1000:.0f} ms")


if __name__ == "__main__":
    main()
