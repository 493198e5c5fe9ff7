"""Runner benchmark: `flowrun run` against `make -jN`, `xargs -PN` and a minimal trio runner on
the same task shapes.

    python benchmarks/bench_run.py [--repeat 5] [--only true,layered,chain,sleep,startup] [--big]

Workloads (benchmarks/workloads.py): 1,000 `true` tasks at concurrency 8; a layered DAG of
1,000 tasks (20 layers, 3 parents each) at concurrency 8; a 200-task chain; 64 x `sleep 0.5` at
concurrency 16; startup (a one-task `dummy` workflow); with --big, a 10,000-task `true` run.
"trio reference" (benchmarks/trio_reference.py) is the floor of any trio runner here: trio,
graphlib, posix_spawn and a pidfd per task, nothing else (no state, logs, pipes or YAML).
Every run gets a fresh directory and state store; the tools alternate within each repetition
(the order rotates), so machine noise hits them all. Every tool runs under /usr/bin/time -f %M
for its peak RSS (same small overhead for all); without it, the ru_maxrss of os.wait4. Prints
medians and a summary of the targets, PASS/FAIL.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import workloads as wl

FLOWRUN = Path(sys.executable).parent / "flowrun"
# Peak RSS: /usr/bin/time -f %M; without it, the ru_maxrss of os.wait4, which also counts the
# copy of this script forked before exec (~15 MB floor).
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


@dataclass
class Workload:
    key: str
    title: str
    tasks: int
    concurrency: int
    yaml: str
    makefile: str | None = None
    xargs: str | None = None
    deps: wl.Deps | None = None  # with `command`: the trio reference runs the same graph
    command: str = "true"


def all_workloads(big: bool) -> list[Workload]:
    out = [
        Workload("true", "1000 x true, -j8", 1000, 8, wl.true_tasks(1000, 8),
                 wl.true_tasks_makefile(1000), wl.true_tasks_xargs(1000, 8), wl.independent_deps(1000)),
        Workload("layered", "layered 1000 (20x3), -j8", 1000, 8, wl.layered(1000, 20, 3, 8),
                 wl.layered_makefile(1000, 20, 3), None, wl.layered_deps(1000, 20, 3)),
        Workload("chain", "chain 200", 200, 8, wl.chain(200), wl.chain_makefile(200), None, wl.chain_deps(200)),
        Workload("sleep", "64 x sleep 0.5, -j16", 64, 16, wl.sleeps(64, 0.5, 16),
                 wl.sleeps_makefile(64, 0.5), wl.sleeps_xargs(64, 0.5, 16), wl.independent_deps(64), "sleep 0.5"),
        Workload("startup", "startup (1 dummy task)", 1, 1, wl.one_task()),
    ]
    if big:
        out.append(Workload("big", "10000 x true, -j8", 10000, 8, wl.true_tasks(10000, 8)))
    return out


def run_once(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one command; raises if it exits non-zero."""
    log, rss_file = cwd / "output.log", cwd / "maxrss.txt"
    if TIME:
        cmd = [TIME, "-f", "%M", "-o", str(rss_file), *cmd]
    with log.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    if code != 0:
        tail = log.read_text(errors="replace")[-2000:]
        raise SystemExit(f"{cmd} exited {code} in {cwd}:\n{tail}")
    kb = int(rss_file.read_text().split()[-1]) if TIME else usage.ru_maxrss  # KB on Linux
    return elapsed, kb / 1024


def commands(w: Workload, root: Path, run_dir: Path) -> dict[str, list[str]]:
    tools = {"flowrun": [str(FLOWRUN), "run", str(root / "wf.yaml"), "--state",
                         str(run_dir / "state.db"), "--log-format", "json"]}
    if w.makefile is not None and shutil.which("make"):
        tools[f"make -j{w.concurrency}"] = ["make", f"-j{w.concurrency}", "-s", "-f",
                                            str(root / "Makefile")]
    if w.xargs is not None:
        tools[f"xargs -P{w.concurrency}"] = ["sh", "-c", w.xargs]
    if w.deps is not None:
        tools["trio reference"] = [sys.executable, str(Path(__file__).parent / "trio_reference.py"),
                                   str(root / "deps.json"), w.command, str(w.concurrency)]
    if w.key == "startup":
        tools["python -c pass"] = [sys.executable, "-c", "pass"]
    return tools


def measure(w: Workload, repeat: int) -> dict[str, tuple[list[float], list[float]]]:
    """tool -> (wall times, peak RSS in MB), `repeat` runs each, alternating tools."""
    results: dict[str, tuple[list[float], list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench_run_") as tmp:
        root = Path(tmp)
        (root / "wf.yaml").write_text(w.yaml)
        if w.makefile is not None:
            (root / "Makefile").write_text(w.makefile)
        if w.deps is not None:
            (root / "deps.json").write_text(json.dumps(w.deps))
        for rep in range(repeat):
            names = list(commands(w, root, root))
            shift = rep % len(names)
            for name in names[shift:] + names[:shift]:
                run_dir = root / f"run{rep}_{names.index(name)}"
                run_dir.mkdir()
                seconds, rss = run_once(commands(w, root, run_dir)[name], run_dir)
                times, peaks = results.setdefault(name, ([], []))
                times.append(seconds)
                peaks.append(rss)
                shutil.rmtree(run_dir)
    return results


def report(w: Workload, results: dict[str, tuple[list[float], list[float]]]) -> dict[str, float]:
    """Print one table; return the medians by tool."""
    medians = {name: statistics.median(times) for name, (times, _) in results.items()}
    make = next((m for name, m in medians.items() if name.startswith("make")), None)
    print(f"\n{w.title}  (median of {len(next(iter(results.values()))[0])})")
    reference = medians.get("trio reference")
    print(f"  {'tool':16} {'median s':>9} {'ms/task':>8} {'vs make':>8} {'vs ref':>7} {'peak RSS':>9}")
    for name, (_, peaks) in results.items():
        ratio = f"{medians[name] / make:7.2f}x" if make else f"{'-':>8}"
        to_ref = f"{medians[name] / reference:6.2f}x" if reference else f"{'-':>7}"
        per_task = medians[name] / w.tasks * 1000
        print(f"  {name:16} {medians[name]:9.3f} {per_task:8.2f} {ratio} {to_ref} {max(peaks):6.0f} MB")
    return medians


def verdict(ok: bool | None) -> str:
    return "skipped" if ok is None else ("PASS" if ok else "FAIL")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="true,layered,chain,sleep,startup",
                        help="comma-separated workloads: true,layered,chain,sleep,startup,big")
    parser.add_argument("--big", action="store_true", help="also the 10,000-task run (~25 s)")
    args = parser.parse_args()
    if not FLOWRUN.exists():
        raise SystemExit(f"no flowrun next to {sys.executable}")
    selected = set(args.only.split(",")) | ({"big"} if args.big else set())
    print(f"flowrun: {FLOWRUN}; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}")

    medians: dict[str, dict[str, float]] = {}
    peaks: dict[str, float] = {}
    for w in all_workloads("big" in selected):
        if w.key not in selected:
            continue
        results = measure(w, 1 if w.key == "big" else args.repeat)
        medians[w.key] = report(w, results)
        peaks[w.key] = max(results["flowrun"][1])

    def ratio_to_make(key: str) -> float | None:
        m = medians.get(key, {})
        make = next((v for name, v in m.items() if name.startswith("make")), None)
        return m["flowrun"] / make if make else None

    true_ratio = ratio_to_make("true")
    chain_ms = medians["chain"]["flowrun"] / 200 * 1000 if "chain" in medians else None
    sleep_s = medians.get("sleep", {}).get("flowrun")
    startup_s = medians.get("startup", {}).get("flowrun")
    big_mb = peaks.get("big")
    rows = [
        ("1000 true vs make -j8", true_ratio, "x", "<= 1.5x", 1.5),
        ("chain 200, per task", chain_ms, "ms", "<= 2.5 ms", 2.5),
        ("64 x sleep 0.5", sleep_s, "s", "<= 2.3 s", 2.3),
        ("startup (1 task)", startup_s, "s", "<= 0.25 s", 0.25),
        ("10k true, peak RSS", big_mb, "MB", "< 300 MB", 300.0),
    ]
    print(f"\nSummary (flowrun){'':10} {'measured':>10}   {'target':10} verdict")
    for label, value, unit, target, limit in rows:
        shown = f"{value:.2f} {unit}" if value is not None else "-"
        ok = None if value is None else (value < limit if unit == "MB" else value <= limit)
        print(f"  {label:25} {shown:>10}   {target:10} {verdict(ok)}")
    if "layered" in medians and (r := ratio_to_make("layered")) is not None:
        print(f"  (layered 1000 vs make -j8: {r:.2f}x, no target)")
    if "trio reference" in medians.get("true", {}):
        floor = medians["true"]["trio reference"] / medians["true"]["make -j8"]
        print(f"  (the trio reference itself: {floor:.2f}x make -j8 on 1000 true; flowrun"
              f" {medians['true']['flowrun'] / medians['true']['trio reference']:.2f}x the reference)")


if __name__ == "__main__":
    main()
