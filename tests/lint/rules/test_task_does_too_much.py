"""FR403 task-does-too-much (runner/lint/rules/task_does_too_much.py), on (line, column, code)
of small fixtures.

The rule runs alone (`select`), so a fixture only needs to be minimal, not clean.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import bash

from runner.findings import Finding

Lint = Callable[..., list[tuple[int, int, str]]]
Findings = Callable[..., list[Finding]]


# -- FR403 task-does-too-much ---------------------------------------------------------------------


def test_fr403_the_issue_example(lint: Lint, findings: Findings) -> None:
    text = bash("fetch_data.sh && process_data.sh && send_results.sh")
    assert lint(text, "FR403") == [(6, 16, "FR403")]
    (finding,) = findings(text, "FR403")
    assert finding.severity == "info" and "fetch_data.sh, process_data.sh, send_results.sh" in finding.message


@pytest.mark.parametrize(
    "command",
    [
        "./a.sh; ./b.sh; ./c.sh",
        "./a.sh || ./b.sh || ./c.sh",
        "./a.sh & ./b.sh & wait",
        "./a.sh\n./b.sh\n./c.sh",
        "X=1 ./a.sh && Y=2 ./b.sh && ./c.sh",
        "(./a.sh; ./b.sh) && ./c.sh",
    ],
)
def test_fr403_three_commands_are_reported(lint: Lint, command: str) -> None:
    assert lint(bash(command), "FR403") == [(6, 16, "FR403")]


@pytest.mark.parametrize(
    "command",
    [
        "a | b | c",
        "cd x && ./run.sh",
        "./a.sh && ./b.sh",
        "set -euo pipefail\ncd /srv/app\nexport MODE=full\necho starting\n./run.sh",
        "echo 'a; b; c'",
        "./run.sh  # then b; c; d",
        "for f in *.csv; do gzip \"$f\"; done",
        "if [ -f ready ]; then ./run.sh; fi",
        "while read -r line; do ./handle.sh \"$line\"; done < list.txt",
        "python3 - <<EOF\nimport os\nprint(1)\nprint(2)\nEOF",
        "echo {{ ds }}; echo {{ run_id }}; ./run.sh",
    ],
)
def test_fr403_one_step_with_setup_loops_or_data_passes(lint: Lint, command: str) -> None:
    assert lint(bash(command), "FR403") == []


def test_fr403_block_scalar_is_reported_at_the_command(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: everything
            operator: bash
            params:
              command: |
                ./fetch_data.sh
                ./process_data.sh
                ./send_results.sh
                ./archive.sh
                ./notify.sh
        """
    assert lint(text, "FR403") == [(6, 16, "FR403")]
