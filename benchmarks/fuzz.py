"""A long fuzzing campaign of the loader and the linter, with the invariants of tests/test_fuzz.py.

    python benchmarks/fuzz.py [--minutes 40] [--jobs 2] [--targets all] [--out fuzz-out]
    python benchmarks/fuzz.py --engine atheris --minutes 10     # coverage-guided, raw bytes

The hypothesis engine runs each target's strategy with a fresh random seed per round (no
example database, no shrinking unless --shrink), in --jobs processes, until the time is up.
An invariant that fails is caught, written to OUT/failures.jsonl with the input (text, or
bytes as latin-1) and the message, and the campaign goes on; the summary says how many inputs
were tried per target and how many failed. Exit status 1 when anything failed.

Targets (see tests/test_fuzz.py for the generators and the invariants):
  bytes      random bytes, linted as a file                          check_bytes
  mutated    a generated workflow's bytes with random byte edits     check_bytes
  yaml       random YAML documents (anchors, tags, merges, ...)     check_lint
  valid      valid workflows of 1-30 tasks                           check_lint
  broken     workflows with up to 4 mutations                        check_lint
  fix        --fix removes exactly the fixable findings              check_fix
  order      findings do not depend on the order of the tasks        check_order
  aliases    a long value behind 1-10,000 aliases (issue 12)         check_amplification
  numbers    workflows with NaN, infinite and oversized numbers      check_lint
  parsers    random YAML: the C and the pure parser agree            check_parsers_agree (tests/test_yaml12.py)
  outputs    what a task prints (NaN, infinities, huge numbers,       check_outputs (tests/test_fuzz_outputs.py)
             surrogates, deep nesting) through a real run and store

The atheris engine (pip install atheris) fuzzes raw bytes coverage-guided with the
workflows/*.yaml files as its seed corpus, checking check_bytes; it stops at the first failure
(the input is written to OUT/crash-*) and libFuzzer prints the inputs tried ("Done N runs").
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

TARGETS = ["bytes", "mutated", "yaml", "valid", "broken", "fix", "order", "aliases", "numbers", "parsers", "outputs"]
# examples per hypothesis run (a new seed each round), about 10 s of one process each
ROUND = {"bytes": 10_000, "mutated": 1_000, "yaml": 2_500, "valid": 300, "broken": 600, "fix": 200, "order": 400, "aliases": 20,
         "numbers": 300, "parsers": 2_500, "outputs": 100}
# share of the time each target gets; the cheap ones make up the bulk of the inputs
WEIGHT = {"bytes": 2.0, "mutated": 1.0, "yaml": 1.5, "valid": 1.0, "broken": 1.0, "fix": 1.0, "order": 1.0, "aliases": 1.0,
          "numbers": 1.0, "parsers": 1.0, "outputs": 1.0}


def _targets() -> dict[str, tuple[Any, Any]]:
    """target -> (strategy, check(value, scratch))."""
    import test_fuzz as f
    import test_fuzz_outputs as o
    import test_yaml12 as y
    from hypothesis import strategies as st

    def lint_case(case: Any, scratch: str) -> None:
        (data, options), seed = case
        f.check_lint(f.emit(data, random.Random(seed), **options))

    def fix_case(case: Any, scratch: str) -> None:
        (data, options), seed = case
        f.check_fix(f.emit(data, random.Random(seed), **options), scratch)

    def order_case(case: Any, scratch: str) -> None:
        (data, options), seed = case
        f.check_order(data, random.Random(seed), options)

    seeds = st.integers(0, 2**32 - 1)
    return {
        "bytes": (st.binary(max_size=2000), f.check_bytes),
        "mutated": (f.mutated_bytes(), f.check_bytes),
        "yaml": (f.yaml_documents(), lambda text, scratch: f.check_lint(text)),
        "valid": (st.tuples(f.workflows(max_tasks=30, mutations=0), seeds), lint_case),
        "broken": (st.tuples(f.workflows(max_tasks=12, mutations=4), seeds), lint_case),
        "fix": (st.tuples(f.workflows(max_tasks=15, mutations=2), seeds), fix_case),
        "order": (st.tuples(f.workflows(max_tasks=15, mutations=2), seeds), order_case),
        "aliases": (f.alias_amplification(), lambda text, scratch: f.check_amplification(text)),
        "numbers": (f.non_finite_numbers(), lambda text, scratch: f.check_lint(text)),
        "parsers": (f.yaml_documents(), lambda text, scratch: y.check_parsers_agree(text)),
        "outputs": (o.task_output_lines(), o.check_outputs),
    }


def _shown(value: Any) -> Any:
    """An input as JSON: bytes as latin-1 text, a workflow case as its emitted text."""
    if isinstance(value, bytes):
        return {"bytes_latin1": value.decode("latin-1")}
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], tuple):
        import test_fuzz as f

        (data, options), seed = value
        return {"data": data, "options": options, "seed": seed, "text": f.emit(data, random.Random(seed), **options)}
    return {"text": value}


def worker(job: int, targets: list[str], deadline: float, out: str, shrink: bool, queue: Any) -> None:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hyp_seed

    table = _targets()
    rng = random.Random(os.getpid() ^ int(time.time()))
    counts = dict.fromkeys(targets, 0)
    failures = dict.fromkeys(targets, 0)
    scratch = tempfile.mkdtemp(prefix=f"flowrun-fuzz-{job}-")
    phases = [Phase.generate, Phase.shrink] if shrink else [Phase.generate]
    with open(os.path.join(out, "failures.jsonl"), "a", encoding="utf-8") as log:
        spent = dict.fromkeys(targets, 0.0)
        while time.time() < deadline:
            # the target that had the least of its share of time so far (ties: rotate by job)
            name = min(targets, key=lambda t: (spent[t] / WEIGHT[t], (targets.index(t) - job) % len(targets)))
            began = time.time()
            strategy, check = table[name]

            def make(name: str, check: Any) -> Any:
                def body(value: Any) -> None:
                    if time.time() >= deadline:
                        return
                    counts[name] += 1
                    try:
                        check(value, scratch)
                    except Exception as exc:  # an invariant or a crash: record it, carry on
                        failures[name] += 1
                        record = {"target": name, "error": f"{type(exc).__name__}: {exc}"[:4000],
                                  "traceback": traceback.format_exc()[-4000:]}
                        try:
                            record["input"] = json.loads(json.dumps(_shown(value)))
                        except Exception as shown:  # an input that cannot be shown is still counted and logged
                            record["input"] = {"repr": repr(value)[:20000], "unshown": str(shown)}
                        log.write(json.dumps(record) + "\n")
                        log.flush()
                        if shrink:
                            raise

                return body

            run = given(strategy)(make(name, check))
            run = settings(max_examples=ROUND[name], deadline=None, database=None, phases=phases, derandomize=False,
                           suppress_health_check=list(HealthCheck))(run)
            run = hyp_seed(rng.getrandbits(64))(run)
            try:
                run()
            except Exception as exc:  # with --shrink: the minimal example was recorded above
                if not shrink:
                    print(f"job {job}, {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
            spent[name] += time.time() - began
            queue.put((job, dict(counts), dict(failures)))
    queue.put((job, dict(counts), dict(failures), "done"))


def hypothesis_campaign(args: argparse.Namespace) -> int:
    targets = TARGETS if args.targets == "all" else args.targets.split(",")
    os.makedirs(args.out, exist_ok=True)
    deadline = time.time() + args.minutes * 60
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=worker, args=(j, targets, deadline, args.out, args.shrink, queue)) for j in range(args.jobs)]
    for p in procs:
        p.start()
    latest: dict[int, tuple[dict[str, int], dict[str, int]]] = {}
    done = 0
    start = time.time()
    last_print = 0.0
    while done < len(procs):
        try:
            message = queue.get(timeout=5)
        except Exception:
            if not any(p.is_alive() for p in procs):
                break
            continue
        latest[message[0]] = (message[1], message[2])
        done += len(message) == 4
        if time.time() - last_print > 60 or done == len(procs):
            last_print = time.time()
            total = sum(sum(c.values()) for c, _ in latest.values())
            failed = sum(sum(f.values()) for _, f in latest.values())
            print(f"[{(time.time() - start) / 60:5.1f} min] inputs tried: {total:,}  failures: {failed}", flush=True)
    for p in procs:
        p.join()
    counts = {t: sum(c.get(t, 0) for c, _ in latest.values()) for t in targets}
    fails = {t: sum(f.get(t, 0) for _, f in latest.values()) for t in targets}
    elapsed = time.time() - start
    print(f"\n{'target':8} {'inputs':>12} {'failures':>9}")
    for t in targets:
        print(f"{t:8} {counts[t]:>12,} {fails[t]:>9}")
    print(f"{'total':8} {sum(counts.values()):>12,} {sum(fails.values()):>9}   in {elapsed / 60:.1f} min with {args.jobs} processes")
    if sum(fails.values()):
        print(f"failures written to {os.path.join(args.out, 'failures.jsonl')}")
    return 1 if sum(fails.values()) else 0


def atheris_campaign(args: argparse.Namespace) -> int:
    import atheris  # type: ignore[import-not-found]

    with atheris.instrument_imports():
        import test_fuzz as f

        import runner.lint.linter  # noqa: F401 - instrumented for coverage
    scratch = tempfile.mkdtemp(prefix="flowrun-atheris-")
    corpus = Path(args.out) / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for path in (ROOT / "workflows").glob("*.yaml"):
        (corpus / path.name).write_bytes(path.read_bytes())
    def one(data: bytes) -> None:
        f.check_bytes(data, scratch)

    argv = [sys.argv[0], f"-max_total_time={int(args.minutes * 60)}", "-max_len=20000", f"-artifact_prefix={args.out}/", str(corpus)]
    atheris.Setup(argv, one)
    atheris.Fuzz()  # exits the process itself
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=40.0)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--targets", default="all", help=f"comma-separated, of: {', '.join(TARGETS)}")
    parser.add_argument("--out", default="fuzz-out")
    parser.add_argument("--shrink", action="store_true", help="shrink each failure (stops the round at the first)")
    parser.add_argument("--engine", choices=["hypothesis", "atheris"], default="hypothesis")
    args = parser.parse_args()
    return atheris_campaign(args) if args.engine == "atheris" else hypothesis_campaign(args)


if __name__ == "__main__":
    sys.exit(main())
