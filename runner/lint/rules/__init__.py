"""The rule registry, written out by hand: one module per rule, in code order.

Every module has `CODE`, `NAME`, `SEVERITY`, `FIXABLE`, a docstring that is the rule's
documentation (What it does / Why is this bad? / Example / Use instead) and
`check(workflow) -> Iterator[Finding]`.
"""

from __future__ import annotations

from types import ModuleType

from runner.lint.rules import (
    bad_branch_target,
    branch_join_always_skipped,
    breaker_without_fallback,
    circular_dependency,
    cleanup_not_always,
    duplicate_alert_id,
    duplicate_task_id,
    hardcoded_secret,
    http_without_retry,
    insecure_transport,
    invalid_schedule,
    missing_timeout,
    non_idempotent_append,
    output_of_non_upstream,
    redundant_dependency,
    retry_delay_cap_below_delay,
    retry_not_idempotent,
    run_outlasts_schedule,
    schema,
    secret_on_command_line,
    task_does_too_much,
    template_injection,
    template_syntax,
    transfer_of_data,
    trigger_rule_without_upstream,
    undefined_template_name,
    unknown_dependency,
    unused_param,
    unused_suppression,
    yaml_syntax,
)

RULES: list[ModuleType] = [
    yaml_syntax,
    schema,
    duplicate_task_id,
    unknown_dependency,
    invalid_schedule,
    unused_suppression,
    duplicate_alert_id,
    circular_dependency,
    redundant_dependency,
    bad_branch_target,
    trigger_rule_without_upstream,
    branch_join_always_skipped,
    template_syntax,
    undefined_template_name,
    output_of_non_upstream,
    unused_param,
    hardcoded_secret,
    template_injection,
    secret_on_command_line,
    insecure_transport,
    non_idempotent_append,
    retry_not_idempotent,
    task_does_too_much,
    http_without_retry,
    cleanup_not_always,
    missing_timeout,
    retry_delay_cap_below_delay,
    run_outlasts_schedule,
    breaker_without_fallback,
    transfer_of_data,
]

BY_CODE: dict[str, ModuleType] = {rule.CODE: rule for rule in RULES}


def get(code: str) -> ModuleType | None:
    return BY_CODE.get(code.upper())
