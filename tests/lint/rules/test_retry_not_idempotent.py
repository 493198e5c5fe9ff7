"""FR402 retry-not-idempotent (runner/lint/rules/retry_not_idempotent.py), on (line, column, code)
of small fixtures.

The rule runs alone (`select`), so a fixture only needs to be minimal, not clean.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from runner.findings import Finding

Lint = Callable[..., list[tuple[int, int, str]]]
Findings = Callable[..., list[Finding]]


# -- FR402 retry-not-idempotent -------------------------------------------------------------------


def test_fr402_email_with_retries(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: notify
            operator: email
            retryPolicy: {maxRetries: 3, retryDelay: 1m}
            params: {to: ops@example.com, subject: done, body: "all good"}
        """
    assert lint(text, "FR402") == [(5, 18, "FR402")]


def test_fr402_retries_from_defaults_are_reported_at_each_task(lint: Lint, findings: Findings) -> None:
    text = """
        dagId: d
        defaults:
          retryPolicy: {maxRetries: 2, retryDelay: 30s}
        tasks:
          - taskId: notify
            operator: email
            params: {to: ops@example.com, subject: done, body: "all good"}
          - taskId: order
            operator: http
            params: {url: "https://api.example.com/orders", method: POST}
          - taskId: notify_once
            operator: email
            retryPolicy: {maxRetries: 0}
            params: {to: ops@example.com, subject: done, body: "all good"}
        """
    assert lint(text, "FR402") == [(5, 13, "FR402"), (8, 13, "FR402")]
    assert all("defaults.retryPolicy" in f.message for f in findings(text, "FR402"))


def test_fr402_post_with_retries_and_no_idempotency_key(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: order
            operator: http
            retryPolicy: {maxRetries: 2}
            params:
              url: https://api.example.com/orders
              method: post
              json: {item: 1}
          - taskId: patch
            operator: http
            retryPolicy: {maxRetries: 2}
            params: {url: "https://api.example.com/orders/1", method: PATCH}
        """
    assert lint(text, "FR402") == [(5, 18, "FR402"), (12, 18, "FR402")]


@pytest.mark.parametrize(
    "params",
    [
        '{url: "https://x.example.com", method: POST, headers: {Idempotency-Key: "{{ run_id }}-{{ task_id }}"}}',
        '{url: "https://x.example.com", method: POST, headers: {x-idempotency-key: "{{ run_id }}"}}',
        '{url: "https://x.example.com"}',
        '{url: "https://x.example.com", method: GET}',
        '{url: "https://x.example.com", method: PUT}',
        '{url: "https://x.example.com", method: DELETE}',
        '{url: "https://x.example.com", method: "{{ params.method }}"}',
    ],
)
def test_fr402_idempotent_requests_pass(lint: Lint, params: str) -> None:
    text = f"""
        dagId: d
        params:
          method: {{type: string, default: GET}}
        tasks:
          - taskId: call
            operator: http
            retryPolicy: {{maxRetries: 2}}
            params: {params}
        """
    assert lint(text, "FR402") == []


def test_fr402_without_retries_passes(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: notify
            operator: email
            params: {to: ops@example.com, subject: done, body: "all good"}
          - taskId: order
            operator: http
            retryPolicy: {maxRetries: 0, retryDelay: 1m}
            params: {url: "https://api.example.com/orders", method: POST}
        """
    assert lint(text, "FR402") == []
