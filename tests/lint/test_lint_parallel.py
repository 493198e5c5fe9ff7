"""Many files are linted by worker processes (`-j`, one per CPU by default): the findings must be
exactly those of linting them one by one in this process, in the same order."""

from __future__ import annotations

import random
from pathlib import Path

from conftest import flowrun

from runner.lint.linter import FILES_PER_WORKER, lint_paths


def workflow(seed: int) -> str:
    r = random.Random(seed)
    lines = [f"dagId: w{seed}", 'schedule: "0 */6 * * *"', "tasks:"]
    for t in range(12):
        deps = sorted({f"t{r.randrange(t)}" for _ in range(min(t, 2))}) if t else []
        command = r.choice(["./a.sh >> out.log", "echo {{ params.x }}", "curl -H 'Authorization: Bearer abcdefgh12345678' x", "true"])
        lines += [f"  - taskId: t{t}", "    operator: bash", f"    params: {{command: \"{command}\"}}"]
        if deps:
            lines.append(f"    dependencies: [{', '.join(deps)}]")
    if seed % 7 == 0:
        lines.append("  - taskId: [broken")  # a file that does not parse
    return "\n".join(lines) + "\n"


def test_workers_find_what_one_process_finds(tmp_path: Path) -> None:
    count = 3 * FILES_PER_WORKER
    for i in range(count):
        (tmp_path / f"w{i:03d}.yaml").write_text(workflow(i))
    alone = lint_paths([str(tmp_path)], jobs=1)
    together = lint_paths([str(tmp_path)], jobs=2)
    assert len(alone.files) == count and together.files == alone.files
    assert len({f.code for f in alone.findings}) >= 4  # FR001, FR102, FR202, FR301, FR401, ...
    assert together.findings == alone.findings


def test_the_command_line_uses_workers_and_agrees(tmp_path: Path) -> None:
    for i in range(2 * FILES_PER_WORKER):
        (tmp_path / f"w{i:03d}.yaml").write_text(workflow(i))
    one = flowrun("lint", "--no-cache", "-j", "1", "--format", "json", ".", cwd=tmp_path)
    two = flowrun("lint", "--no-cache", "-j", "2", "--format", "json", ".", cwd=tmp_path)
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout and one.stdout.count('"code"') > 50
