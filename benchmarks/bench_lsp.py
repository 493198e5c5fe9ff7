"""Language server latency: from a change sent by the editor to its diagnostics received.

    python benchmarks/bench_lsp.py [--changes 20]

Starts `python -m runner.cli lsp --debounce 0` (no debounce: the figure is the server's own
cost: JSON-RPC both ways, one lint in the worker thread, the diagnostics' positions) with pygls'
LanguageClient over stdio, opens a generated workflow of 40 tasks and one of 1,000 tasks (the
same generator as bench_lint.py), then sends `--changes` edits one at a time (a comment line
rewritten: the whole file is linted again each time) and waits for the diagnostics of each
version. Prints the median and the worst change-to-diagnostics time per file. The issue's bar:
under 50 ms for the 40-task file.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from bench_lint import workflow  # noqa: E402

from tests.lsp.lsp_client import session  # noqa: E402


async def measure(directory: Path, tasks: int, changes: int) -> list[float]:
    path = directory / f"wf_{tasks}.yaml"
    text = workflow(1, tasks)
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    times = []
    async with session() as client:
        client.open(uri, text)
        await client.diagnostics(uri, 1)
        for version in range(2, changes + 2):
            edited = f"# edit {version}\n{text}"
            start = time.perf_counter()
            client.change(uri, edited, version)
            await client.diagnostics(uri, version)
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for tasks in (40, 1000):
            times = asyncio.run(measure(Path(tmp), tasks, args.changes))
            size = len(workflow(1, tasks).encode())
            print(f"{tasks:>5} tasks ({size / 1024:,.0f} KB): change -> diagnostics median "
                  f"{statistics.median(times) * 1000:6.1f} ms, worst {max(times) * 1000:6.1f} ms "
                  f"({len(times)} changes, no debounce)")


if __name__ == "__main__":
    main()
