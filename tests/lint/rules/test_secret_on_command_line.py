"""FR303 secret-on-command-line (runner/lint/rules/secret_on_command_line.py), on (line, column, code)
of small fixtures.

The rule runs alone (`select`), so a fixture only needs to be minimal, not clean.
"""

from __future__ import annotations

from collections.abc import Callable

from runner.findings import Finding

Lint = Callable[..., list[tuple[int, int, str]]]
Findings = Callable[..., list[Finding]]


# -- FR303 secret-on-command-line -----------------------------------------------------------------


def test_fr303_secret_in_a_command(lint: Lint, findings: Findings) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: upload
            operator: bash
            params:
              command: "curl -u admin:{{ var.secret.upload_password }} https://files.example.com"
        """
    assert lint(text, "FR303") == [(6, 34, "FR303")]
    (finding,) = findings(text, "FR303")
    assert finding.severity == "warning" and "env" in finding.message


def test_fr303_secrets_in_python_code_each_on_its_line(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: call
            operator: python
            params:
              pythonCode: |
                import os
                token = "{{ var.secret.api_token }}"
                key = {{ var.secret.signing_key | pyliteral }}
        """
    assert lint(text, "FR303") == [(8, 21, "FR303"), (9, 18, "FR303")]


def test_fr303_secret_through_env_or_headers_passes(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: upload
            operator: bash
            params:
              command: 'curl -u "admin:$UPLOAD_PASSWORD" https://files.example.com'
              env: {UPLOAD_PASSWORD: "{{ var.secret.upload_password }}"}
          - taskId: call
            operator: http
            retryPolicy: {maxRetries: 1}
            params:
              url: https://api.example.com
              headers: {Authorization: "Bearer {{ var.secret.api_token }}"}
          - taskId: other
            operator: bash
            params: {command: "echo {{ var.value.region | shell_quote }}"}
        """
    assert lint(text, "FR303") == []
