"""The rules that read bash commands through runner/lint/rules/_shell.py (FR401
non-idempotent-append, FR403 task-does-too-much, FR405 cleanup-not-always), on any command."""

from __future__ import annotations

from conftest import bash, lint_findings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# -- any command ----------------------------------------------------------------------------------

_shell = st.lists(
    st.sampled_from(["echo", "x", "rm", "-rf", "tee", "-a", ">>", ">>|", ">", "&>>", "2>>&1", "|", "&&", ";", "\n", "&",
                     "'", '"', "$(", ")", "<<EOF", "EOF", "<<<", "{{ ds }}", "{{ params.p }}", "/dev/null", "#", "\\\n"]),
    max_size=25,
).map(" ".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_shell)
def test_shell_rules_never_crash_and_point_into_the_command(command: str) -> None:
    text = bash(command)
    lines = text.split("\n")
    for finding in lint_findings(text, ("FR401", "FR403", "FR405")):
        assert 6 <= finding.line < len(lines), finding
        assert 1 <= finding.column <= len(lines[finding.line - 1]), finding
