"""Lint speed: flowrun against yamllint and check-jsonschema on the same files, in the same run.

    python benchmarks/bench_lint.py [--files 500] [--repeat 5] [--venv DIR] [--no-install]

flowrun runs twice: with `--no-cache` (every file linted: the figure that counts) and with its
cache (`.flowrun_cache`, warm after the first run: what a pre-commit hook on unchanged files
costs). The tools run from the benchmark's own venv (default ~/.cache/flowrun-bench/venv,
created on the first run): yamllint and check-jsonschema from PyPI, and flowrun installed from
this checkout as a user would install it (not editable). Each repetition runs every tool once,
in an order that rotates from one repetition to the next, on N generated workflows of 40 tasks
(~6 KB) and on one of them; the medians and the ratios are printed, with the floor of one file:
the time Python takes to import the libraries that must read it (typer, ruamel.yaml, jinja2,
croniter). actionlint (Go) and zizmor (Rust) are not on PyPI: their published class of speed is
given through yamllint, measured here as the common yardstick (issue 6's figures: on 500 files
actionlint 0.6 s, zizmor 2.1 s, yamllint 12.8 s; on one file 25 ms, 53 ms, 103 ms).
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

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = {"actionlint": (0.6 / 12.8, 25 / 103), "zizmor": (2.1 / 12.8, 53 / 103)}  # (500 files, one file) / yamllint


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


def prepare_venv(venv: Path, install: bool) -> Path:
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "yamllint", "check-jsonschema"], check=True)
    if install:  # this checkout's current code, as a wheel would install it
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(ROOT)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", str(ROOT)], check=True)
    return venv / "bin"


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and its children)."""
    before = os.times()
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    wall = time.perf_counter() - start
    after = os.times()
    return wall, (after.children_user + after.children_system) - (before.children_user + before.children_system)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--venv", type=Path, default=Path.home() / ".cache" / "flowrun-bench" / "venv")
    parser.add_argument("--no-install", action="store_true", help="keep the flowrun already in the venv")
    args = parser.parse_args()
    bin_dir = prepare_venv(args.venv, not args.no_install)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as on a user's machine
    schema = str(ROOT / "schemas" / "workflow.schema.json")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = [root / f"wf_{i:04d}.yaml" for i in range(args.files)]
        for i, path in enumerate(files):
            path.write_text(workflow(i))
        size = sum(p.stat().st_size for p in files) / len(files)
        one = [str(files[0])]
        tools = {
            "flowrun": lambda targets: [str(bin_dir / "flowrun"), "lint", "--no-cache", *targets],
            "flowrun (cached)": lambda targets: [str(bin_dir / "flowrun"), "lint", *targets],
            "yamllint": lambda targets: [str(bin_dir / "yamllint"), *targets],
            "check-jsonschema": lambda targets: [str(bin_dir / "check-jsonschema"), "--schemafile", schema, *targets],
        }
        many_targets = {"flowrun": [tmp], "flowrun (cached)": [tmp], "yamllint": [tmp],
                        "check-jsonschema": [str(p) for p in files]}
        # the floor of one file: importing what must parse its command line, its YAML with
        # positions, its templates and its cron expression (typer, ruamel.yaml, jinja2, croniter)
        floor = [str(bin_dir / "python"), "-c", "import typer, ruamel.yaml, jinja2, croniter"]
        for cmd in tools.values():  # warm the caches (page cache, .pyc files) before measuring
            timed(cmd(one), env)
        timed(floor, env)
        results: dict[tuple[str, str], list[tuple[float, float]]] = {}
        names = [*tools, "floor"]
        for rep in range(args.repeat):  # the order rotates: no tool always follows the same one
            for name in names[rep % len(names):] + names[:rep % len(names)]:
                if name == "floor":
                    results.setdefault(("floor", "one"), []).append(timed(floor, env))
                    continue
                results.setdefault((name, "many"), []).append(timed(tools[name](many_targets[name]), env))
                results.setdefault((name, "one"), []).append(timed(tools[name](one), env))

    def med(name: str, what: str, k: int = 0) -> float:
        return statistics.median(r[k] for r in results[(name, what)])

    print(f"{args.files} workflows of 40 tasks (~{size / 1024:.1f} KB each); medians of {args.repeat}, "
          f"tools alternating; {os.cpu_count()} CPUs")
    print(f"{'tool':18} {'N files wall':>13} {'files/s':>8} {'CPU':>7} {'one file':>9} {'flowrun is':>22}")
    for name in tools:
        many, one_file = med(name, "many"), med(name, "one")
        faster = f"{many / med('flowrun', 'many'):5.1f}x / {one_file / med('flowrun', 'one'):4.2f}x faster"
        print(f"{name:18} {many:11.2f} s {args.files / many:8.0f} {med(name, 'many', 1):5.2f} s {one_file * 1000:6.0f} ms "
              f"{'' if name.startswith('flowrun') else faster:>22}")
    for name, (many_ratio, one_ratio) in PUBLISHED.items():
        many, one_file = med("yamllint", "many") * many_ratio, med("yamllint", "one") * one_ratio
        print(f"{name + ' (est.)':18} {many:11.2f} s {args.files / many:8.0f} {'':>7} {one_file * 1000:6.0f} ms "
              f"{many / med('flowrun', 'many'):5.1f}x / {one_file / med('flowrun', 'one'):4.2f}x faster")
    flowrun_many, flowrun_one, cached_one = med("flowrun", "many"), med("flowrun", "one"), med("flowrun (cached)", "one")
    print(f"floor of one file: `python -c 'import typer, ruamel.yaml, jinja2, croniter'` {med('floor', 'one') * 1000:.0f} ms"
          f" (flowrun's own modules and work: {(flowrun_one - med('floor', 'one')) * 1000:.0f} ms)")
    print("targets (flowrun --no-cache unless said):")
    targets = [
        ("one file <= 120 ms", flowrun_one <= 0.120),
        ("one file <= 120 ms, cached (a pre-commit run on an unchanged file)", cached_one <= 0.120),
        ("one file no slower than yamllint", flowrun_one <= med("yamllint", "one")),
        ("one file no slower than yamllint, cached", cached_one <= med("yamllint", "one")),
        ("N files >= 400 files/s", args.files / flowrun_many >= 400),
        ("N files >= 10x yamllint", med("yamllint", "many") >= 10 * flowrun_many),
        ("N files >= 5x check-jsonschema", med("check-jsonschema", "many") >= 5 * flowrun_many),
    ]
    for label, ok in targets:
        print(f"  {'PASS' if ok else 'FAIL'}  {label}")


if __name__ == "__main__":
    main()
