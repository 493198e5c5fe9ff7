"""FR407 retry-delay-cap-below-delay (runner/lint/rules/retry_delay_cap_below_delay.py), on (line, column, code)
of small fixtures.

The rule runs alone (`select`), so a fixture only needs to be minimal, not clean.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from runner.findings import Finding

Lint = Callable[..., list[tuple[int, int, str]]]
Findings = Callable[..., list[Finding]]


# -- FR407 retry-delay-cap-below-delay ------------------------------------------------------------


def test_fr407_cap_below_delay_on_a_task_and_in_defaults(lint: Lint, findings: Findings) -> None:
    text = """
        dagId: d
        defaults:
          retryPolicy: {maxRetries: 2, retryDelay: 30000, maxRetryDelay: 30}
        tasks:
          - taskId: fetch
            operator: bash
            retryPolicy:
              maxRetries: 3
              retryDelay: 1m
              exponentialBackoff: true
              maxRetryDelay: 30s
            params: {command: ./fetch.sh}
        """
    assert lint(text, "FR407") == [(3, 66, "FR407"), (11, 22, "FR407")]
    assert "30s" in findings(text, "FR407")[1].message


@pytest.mark.parametrize(
    "policy",
    [
        "{maxRetries: 3, retryDelay: 1m, maxRetryDelay: 10m}",
        "{maxRetries: 3, retryDelay: 1m, maxRetryDelay: 60s}",
        "{maxRetries: 3, retryDelay: 1m}",
        "{maxRetries: 3, maxRetryDelay: 1s}",
        "{maxRetries: 3, retryDelay: 1h, maxRetryDelay: 1h30m}",
    ],
)
def test_fr407_cap_at_or_above_the_delay_passes(lint: Lint, policy: str) -> None:
    text = f"""
        dagId: d
        tasks:
          - taskId: fetch
            operator: bash
            retryPolicy: {policy}
            params: {{command: ./fetch.sh}}
        """
    assert lint(text, "FR407") == []
