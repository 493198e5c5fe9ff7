"""FR304 insecure-transport (runner/lint/rules/insecure_transport.py), on (line, column, code)
of small fixtures.

The rule runs alone (`select`), so a fixture only needs to be minimal, not clean.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from runner.findings import Finding

Lint = Callable[..., list[tuple[int, int, str]]]
Findings = Callable[..., list[Finding]]


# -- FR304 insecure-transport ---------------------------------------------------------------------


def http(url: str, extra: str = "") -> str:
    return (
        "dagId: d\n"
        "tasks:\n"
        "  - taskId: call\n"
        "    operator: http\n"
        "    params:\n"
        f"      url: {url}\n"
        f"{extra}"
    )


def test_fr304_authorization_header_over_http(lint: Lint, findings: Findings) -> None:
    text = http("http://api.example.com/v1", '      headers: {Authorization: "Bearer {{ var.secret.t }}"}\n')
    assert lint(text, "FR304") == [(6, 12, "FR304")]
    assert "api.example.com" in findings(text, "FR304")[0].message


@pytest.mark.parametrize(
    "extra",
    [
        "      headers: {X-Api-Key: \"{{ var.value.key }}\"}\n",
        "      headers: {Cookie: \"session={{ var.value.s }}\"}\n",
        "      method: POST\n      json: {user: bob, password: \"{{ var.secret.pw }}\"}\n",
        "      body: \"token={{ var.secret.t }}\"\n",
    ],
)
def test_fr304_other_credentials_over_http(lint: Lint, extra: str) -> None:
    assert lint(http("http://api.example.com/v1", extra), "FR304") == [(6, 12, "FR304")]


def test_fr304_password_in_an_http_url(lint: Lint) -> None:
    assert lint(http("http://bob:{{ var.secret.pw }}@files.example.com/x"), "FR304") == [(6, 12, "FR304")]


@pytest.mark.parametrize(
    "url",
    [
        "https://api.example.com/v1",
        "http://localhost:8080/v1",
        "http://127.0.0.1/v1",
        "http://[::1]:9000/v1",
        "http://api.localhost/v1",
        "http://{{ var.value.host }}/v1",
    ],
)
def test_fr304_tls_loopback_and_templated_hosts_pass(lint: Lint, url: str) -> None:
    assert lint(http(url, '      headers: {Authorization: "Bearer {{ var.secret.t }}"}\n'), "FR304") == []


def test_fr304_plain_http_without_credentials_passes(lint: Lint) -> None:
    assert lint(http("http://mirror.example.com/data.csv", "      headers: {Accept: text/csv}\n"), "FR304") == []
