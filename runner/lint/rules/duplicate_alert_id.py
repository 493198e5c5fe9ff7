"""## What it does
Reports two alerts with the same `id`.

## Why is this bad?
The `id` is the key of an alert's cooldown, kept in the state store across runs: two alerts
sharing it silence each other (the first to fire starts the other's cooldown too), and the
events, the notifier environment (`FLOWRUN_ALERT_ID`) and the terminal cannot tell them apart.

## Example
```yaml
dagId: etl
alerts:
  - id: page
    on: [task_failed]
    notify: [{command: ./page-oncall.sh}]
  - id: page
    on: [sla_missed]
    notify: [{command: ./page-oncall.sh}]
tasks:
  - taskId: load
    operator: dummy
```

## Use instead
```yaml
dagId: etl
alerts:
  - id: page_on_failure
    on: [task_failed]
    notify: [{command: ./page-oncall.sh}]
  - id: page_on_sla
    on: [sla_missed]
    notify: [{command: ./page-oncall.sh}]
tasks:
  - taskId: load
    operator: dummy
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner.findings import Finding
from runner.model import Workflow

CODE = "FR007"
NAME = "duplicate-alert-id"
SEVERITY = "error"
FIXABLE = False


def check(workflow: Workflow) -> Iterator[Finding]:
    alerts = workflow.data.get("alerts")
    first: dict[str, int] = {}
    for i, alert in enumerate(alerts if isinstance(alerts, list) else []):
        alert_id = alert.get("id") if isinstance(alert, dict) else None
        if not isinstance(alert_id, str):
            continue
        if alert_id in first:
            line = workflow.position(("alerts", first[alert_id], "id"))[0]
            yield workflow.finding(
                CODE, f"duplicate alert id '{alert_id}'; it is first used on line {line} (the id keys the cooldown)",
                ("alerts", i, "id"),
            )
        else:
            first[alert_id] = i
