"""FR401 non-idempotent-append (runner/lint/rules/non_idempotent_append.py), on (line, column, code)
of small fixtures.

The rule runs alone (`select`), so a fixture only needs to be minimal, not clean.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import bash

from runner.findings import Finding
from runner.lint.rules.non_idempotent_append import append_targets

Lint = Callable[..., list[tuple[int, int, str]]]
Findings = Callable[..., list[Finding]]


# -- FR401 non-idempotent-append ------------------------------------------------------------------


def test_fr401_the_issue_example(lint: Lint, findings: Findings) -> None:
    text = bash('echo "Result: $(date)" >> results.log')
    assert lint(text, "FR401") == [(6, 45, "FR401")]
    assert "results.log" in findings(text, "FR401")[0].message


def test_fr401_overwriting_a_file_named_by_the_run_passes(lint: Lint) -> None:
    assert lint(bash("echo x > results_{{ execution_date }}.log"), "FR401") == []


@pytest.mark.parametrize(
    "command",
    [
        "echo x | tee -a results.log",
        "echo x | tee --append results.log",
        "echo x | tee -ai results.log",
        "echo x | /usr/bin/tee -a results.log",
        "echo x >>| results.log",
        "echo x>>results.log",
        "echo x 2>> results.log",
        "echo x &>> results.log",
        "y=$(echo x >> results.log)",
        'echo "$(date >> results.log)"',
        'cat <<< "$x" >> results.log',
        "cat <<EOF >> results.log\nhello\nEOF",
        "echo x >> results_{{ params.day }}.log",
        'echo x >> "$LOG_FILE"',
    ],
)
def test_fr401_appends_that_a_rerun_repeats(lint: Lint, command: str) -> None:
    assert [(line, code) for line, _, code in lint(bash(command), "FR401")] == [(6, "FR401")]


@pytest.mark.parametrize(
    "command",
    [
        "echo x >> /dev/null",
        "echo x >> /dev/stderr",
        "echo x >> /dev/stdout",
        "echo x >> /dev/fd/3",
        "echo x >&2",
        "cmd 2>>&1",
        "cmd >>&2",
        "echo x >> results_{{ ds }}.log",
        "echo x >> logs/{{ run_id }}/results.log",
        'echo x >> "out_{{ ds_nodash }}.log"',
        "echo x | tee -a out_{{ ts }}.log",
        "echo x | tee results.log",
        "echo '>>' results.log",
        'echo "a >> b"',
        "echo x > results.log",
        "./committee -a results.log",
        "cat <<EOF > report.txt\necho x >> results.log\nEOF",
        "echo x  # >> results.log",
    ],
)
def test_fr401_harmless_or_run_unique_targets_pass(lint: Lint, command: str) -> None:
    assert lint(bash(command), "FR401") == []


def test_fr401_in_a_block_scalar_on_the_line_of_the_append(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: t
            operator: bash
            params:
              command: |
                set -e
                echo "start" > results_{{ ds }}.log
                ./compute.sh | tee -a summary.log
        """
    assert lint(text, "FR401") == [(9, 31, "FR401")]


def test_fr401_each_append_at_its_own_target(lint: Lint) -> None:
    assert lint(bash("echo log >> log && echo log >> log"), "FR401") == [(6, 29, "FR401"), (6, 48, "FR401")]


def test_fr401_only_bash_commands_are_read(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: p
            operator: python
            params: {pythonCode: "print(1 >> 2)"}
          - taskId: b
            operator: bash
            params: {command: ./run.sh, env: {X: "a >> b"}}
        """
    assert lint(text, "FR401") == []


def test_fr401_append_targets() -> None:
    assert list(append_targets("a >> x; b | tee -a y z; c >>| w")) == ["x", "y", "z", "w"]
    assert list(append_targets("a >> {{ ds }}.log")) == ["__TPL0__.log"]
    assert list(append_targets("echo 'unbalanced >> x")) == ["x"]  # unbalanced quotes: split on blanks
