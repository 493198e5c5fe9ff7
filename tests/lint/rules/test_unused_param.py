"""FR204 unused-param (runner/lint/rules/unused_param.py), on (line, column, code)
of small fixtures.

The rule runs alone (`select`), so a fixture only needs to be minimal, not clean.
"""

from __future__ import annotations

from collections.abc import Callable

from runner.findings import Finding

Lint = Callable[..., list[tuple[int, int, str]]]
Findings = Callable[..., list[Finding]]


# -- FR204 unused-param ---------------------------------------------------------------------------


def test_fr204_unused_param_is_reported_at_its_key(lint: Lint, findings: Findings) -> None:
    text = """
        dagId: d
        params:
          region: {type: string, default: eu}
          limit: {type: integer, default: 10}
        tasks:
          - taskId: t
            operator: bash
            params: {command: "./export.sh --region {{ params.region | shell_quote }}"}
        """
    assert lint(text, "FR204") == [(4, 3, "FR204")]
    (finding,) = findings(text, "FR204")
    assert finding.severity == "info" and "'limit'" in finding.message


def test_fr204_uses_in_conditions_alerts_and_env_count(lint: Lint) -> None:
    text = """
        dagId: d
        params:
          full: {type: boolean, default: false}
          threshold: {type: integer, default: 600}
          team: {type: string, default: ops}
          key: {type: string, default: k}
        alerts:
          - id: slow
            on: [sla_missed]
            condition: "duration > params.threshold"
            message: "slow run for {{ params.team }}"
            notify: [{command: ./page.sh}]
        tasks:
          - taskId: pick
            operator: branch
            params:
              condition: "'a' if params.full else 'b'"
              branches: {a: a, b: b}
          - {taskId: a, operator: dummy, dependencies: [pick]}
          - taskId: b
            operator: bash
            dependencies: [pick]
            params: {command: ./b.sh, env: {KEY: "{{ params.key }}"}}
        """
    assert lint(text, "FR204") == []


def test_fr204_whole_params_mapping_uses_every_param(lint: Lint) -> None:
    text = """
        dagId: d
        params:
          a: {type: string, default: x}
          b: {type: string, default: y}
        tasks:
          - taskId: t
            operator: python
            params: {pythonCode: "print({{ params | tojson }})"}
        """
    assert lint(text, "FR204") == []


def test_fr204_a_similar_name_does_not_count(lint: Lint) -> None:
    text = """
        dagId: d
        params:
          region: {type: string, default: eu}
        tasks:
          - taskId: t
            operator: bash
            params: {command: "echo {{ params.regions | shell_quote }} region"}
        """
    assert lint(text, "FR204") == [(3, 3, "FR204")]
