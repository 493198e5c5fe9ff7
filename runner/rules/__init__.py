"""The rule registry, written out by hand: one module per rule, in code order.

Every module has `CODE`, `NAME`, `SEVERITY`, `FIXABLE`, a docstring that is the rule's
documentation (What it does / Why is this bad? / Example / Use instead) and
`check(workflow) -> Iterator[Finding]`.
"""

from __future__ import annotations

from types import ModuleType

from runner.rules import (
    bad_branch_target,
    circular_dependency,
    duplicate_task_id,
    invalid_schedule,
    redundant_dependency,
    schema,
    trigger_rule_without_upstream,
    unknown_dependency,
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
    circular_dependency,
    redundant_dependency,
    bad_branch_target,
    trigger_rule_without_upstream,
]

BY_CODE: dict[str, ModuleType] = {rule.CODE: rule for rule in RULES}


def get(code: str) -> ModuleType | None:
    return BY_CODE.get(code.upper())
