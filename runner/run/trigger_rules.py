"""Trigger rules decided as Airflow's `TriggerRuleDep` decides them (its code, not its docs).

`decide` is called whenever an upstream state changes; it returns the task's new state when
the rule can no longer be met (`skipped` / `upstream_failed`), `"run"` when it is met (the
`one_*` rules fire as soon as one upstream qualifies), or None to keep waiting.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

TRIGGER_RULES = (
    "all_success", "all_failed", "all_done", "all_skipped", "all_done_min_one_success", "one_success",
    "one_failed", "one_done", "none_failed", "none_failed_min_one_success", "none_skipped", "always",
)


def decide(rule: str, upstream_states: Iterable[str]) -> str | None:
    states = list(upstream_states)
    upstream = len(states)
    if rule == "always" or upstream == 0:
        return "run"
    c = Counter(states)
    success, skipped, failed, upstream_failed = c["success"], c["skipped"], c["failed"], c["upstream_failed"]
    done = success + skipped + failed + upstream_failed
    upstream_done = done >= upstream

    new_state = _flag(rule, upstream, upstream_done, success, skipped, failed, upstream_failed, done)
    if new_state is not None:
        return new_state
    return "run" if _met(rule, upstream, upstream_done, success, skipped, failed, upstream_failed) else None


def _flag(rule: str, upstream: int, upstream_done: bool, success: int, skipped: int, failed: int,
          upstream_failed: int, done: int) -> str | None:
    if rule == "all_success":
        if upstream_failed or failed:
            return "upstream_failed"
        if skipped:
            return "skipped"
    elif rule == "all_failed":
        if success or skipped:
            return "skipped"
    elif rule == "one_success":
        if upstream_done and done == skipped:
            return "skipped"
        if upstream_done and success <= 0:
            return "upstream_failed"
    elif rule == "one_failed":
        if upstream_done and not (failed or upstream_failed):
            return "skipped"
    elif rule == "one_done":
        if upstream_done and not (failed or success):
            return "skipped"
    elif rule == "none_failed":
        if upstream_failed or failed:
            return "upstream_failed"
    elif rule == "none_failed_min_one_success":
        if upstream_failed or failed:
            return "upstream_failed"
        if skipped == upstream:
            return "skipped"
    elif rule == "none_skipped":
        if skipped:
            return "skipped"
    elif rule == "all_skipped":
        if success or failed or upstream_failed:
            return "skipped"
    elif rule == "all_done_min_one_success":
        if skipped > 0:
            return "skipped"
        if success + failed + upstream_failed >= upstream - skipped and success == 0:
            return "upstream_failed"
    return None


def _met(rule: str, upstream: int, upstream_done: bool, success: int, skipped: int, failed: int,
         upstream_failed: int) -> bool:
    if rule == "one_success":
        return success > 0
    if rule == "one_failed":
        return bool(failed or upstream_failed)
    if rule == "one_done":
        return success + failed > 0
    if rule == "all_success":
        return upstream - success <= 0
    if rule == "all_failed":
        return upstream - failed - upstream_failed <= 0
    if rule == "all_done":
        return upstream_done
    if rule in ("none_failed", "none_failed_min_one_success"):
        return upstream - success - skipped <= 0
    if rule == "none_skipped":
        return upstream_done and skipped == 0
    if rule == "all_skipped":
        return upstream - skipped <= 0
    if rule == "all_done_min_one_success":
        return skipped == 0 and success + failed + upstream_failed >= upstream and success > 0
    raise ValueError(f"unknown trigger rule '{rule}'")
