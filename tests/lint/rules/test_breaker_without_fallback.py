"""FR409 breaker-without-fallback (runner/lint/rules/breaker_without_fallback.py), on (line,
column, code) of small fixtures. The rule runs alone (`select`)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

Lint = Callable[..., list[tuple[int, int, str]]]


def test_fr409_breaker_without_any_downstream_task(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: call
            operator: http
            circuitBreaker: {failureThreshold: 5, resetAfter: 10m}
            params: {url: "https://api.example.com/v1/items"}
        """
    assert lint(text, "FR409") == [(5, 5, "FR409")]


def test_fr409_only_all_success_downstream_is_reported(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: call
            operator: http
            circuitBreaker: {failureThreshold: 5, resetAfter: 10m}
            params: {url: "https://api.example.com/v1/items"}
          - taskId: load
            operator: bash
            dependencies: [call]
            params: {command: ./load.sh}
          - taskId: other_fallback
            operator: bash
            triggerRule: one_failed
            dependencies: [unrelated]
            params: {command: ./x.sh}
          - taskId: unrelated
            operator: dummy
        """
    assert lint(text, "FR409") == [(5, 5, "FR409")]


@pytest.mark.parametrize("rule", ["one_failed", "one_done", "all_done", "always"])
def test_fr409_a_fallback_child_passes(lint: Lint, rule: str) -> None:
    text = f"""
        dagId: d
        tasks:
          - taskId: call
            operator: http
            circuitBreaker: {{failureThreshold: 5, resetAfter: 10m}}
            params: {{url: "https://api.example.com/v1/items"}}
          - taskId: fallback
            operator: bash
            dependencies: [call]
            triggerRule: {rule}
            params: {{command: ./queue.sh}}
        """
    assert lint(text, "FR409") == []


def test_fr409_a_fallback_below_an_upstream_failed_task_passes(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: call
            operator: http
            circuitBreaker: {failureThreshold: 5, resetAfter: 10m}
            params: {url: "https://api.example.com/v1/items"}
          - taskId: load
            operator: bash
            dependencies: [call]
            params: {command: ./load.sh}
          - taskId: cleanup
            operator: bash
            dependencies: [load]
            triggerRule: all_done
            params: {command: ./cleanup.sh}
        """
    assert lint(text, "FR409") == []


def test_fr409_no_breaker_or_a_malformed_one_is_not_reported(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: call
            operator: http
            params: {url: "https://api.example.com/v1/items"}
          - taskId: odd
            operator: dummy
            circuitBreaker: true
        """
    assert lint(text, "FR409") == []
