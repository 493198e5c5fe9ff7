"""FR404 http-without-retry (runner/lint/rules/http_without_retry.py), on (line, column, code)
of small fixtures.

The rule runs alone (`select`), so a fixture only needs to be minimal, not clean.
"""

from __future__ import annotations

from collections.abc import Callable

Lint = Callable[..., list[tuple[int, int, str]]]


# -- FR404 http-without-retry ---------------------------------------------------------------------


def test_fr404_http_without_retry_policy(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: fetch
            operator: http
            params: {url: "https://api.example.com/v1/items"}
          - taskId: local
            operator: bash
            params: {command: ./run.sh}
        """
    assert lint(text, "FR404") == [(3, 13, "FR404")]


def test_fr404_retry_policy_on_the_task_or_in_defaults_passes(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: fetch
            operator: http
            retryPolicy: {maxRetries: 3, retryDelay: 10s}
            params: {url: "https://api.example.com/v1/items"}
        """
    assert lint(text, "FR404") == []
    text = """
        dagId: d
        defaults:
          retryPolicy: {maxRetries: 3}
        tasks:
          - taskId: fetch
            operator: http
            params: {url: "https://api.example.com/v1/items"}
        """
    assert lint(text, "FR404") == []
