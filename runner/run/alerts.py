"""Alert rules (SPEC section 5): match an event, check `condition`, respect `cooldown`, render
`message`, and deliver it by email, command or webhook.

Delivery never fails or blocks a run: every notifier runs in the run's nursery with its own
timeout, and a failure is recorded as an `alert_failed` event. The cooldown is kept in the
state store, so it holds across runs and processes.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import trio

from runner.alert_events import event_context, present_fields
from runner.durations import seconds
from runner.errors import plain
from runner.run.environment import inherited_env
from runner.run.executors.local import killpg
from runner.run.mail import send
from runner.run.masking import Masker
from runner.run.store import Store
from runner.templates.render import TemplateProblem, evaluate, render

NOTIFY_TIMEOUT = 30.0  # seconds one notifier may take
DEFAULT_MESSAGE = "{{ event }} in {{ dag_id }} ({{ run_id }}){{ ' task ' ~ task_id if task_id else '' }}"


class NotifierFailed(Exception):
    """A notifier's own failure, said in plain words (recorded as `alert_failed`)."""


@dataclass
class Alert:
    id: str
    on: tuple[str, ...]
    condition: str | None
    severity: str
    message: str
    cooldown: float
    notify: tuple[dict[str, Any], ...]

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Alert:
        on = data.get("on") or ()
        return cls(
            id=str(data["id"]),
            on=(on,) if isinstance(on, str) else tuple(on),
            condition=data.get("condition"),
            severity=str(data.get("severity", "warning")),
            message=str(data.get("message") or DEFAULT_MESSAGE),
            cooldown=seconds(data.get("cooldown", 0)) or 0.0,
            notify=tuple(data.get("notify") or ()),
        )


class Alerts:
    def __init__(self, alerts: list[dict[str, Any]], store: Store, masker: Masker,
                 report: Callable[[str, str], None] = lambda kind, message: None) -> None:
        self.alerts = [Alert.from_data(a) for a in alerts if isinstance(a, dict) and "id" in a]
        self.store = store
        self.masker = masker
        self.report = report  # (kind, one line) for the terminal

    def __bool__(self) -> bool:
        return bool(self.alerts)

    def fire(self, nursery: trio.Nursery, kind: str, dag_id: str, run_id: str | None, task_id: str | None,
             payload: dict[str, Any]) -> None:
        """Start delivering every alert that matches this event (returns at once)."""
        context = event_context(kind, dag_id, run_id, task_id, payload)
        for alert in self.alerts:
            if kind not in alert.on:
                continue
            if alert.condition:
                try:
                    if not evaluate(alert.condition, context):
                        continue
                except TemplateProblem as exc:  # cannot tell whether it should fire: say so, loudly
                    self._failed(alert, "condition", str(exc), context)
                    continue
            try:
                message = self.masker.mask(render(alert.message, context))
            except TemplateProblem as exc:  # still deliver it: an alert is never lost to a typo
                self._failed(alert, "message", str(exc), context)
                message = self.masker.mask(render(DEFAULT_MESSAGE, context)) + " (its message template failed)"
            if not self.store.claim_alert(dag_id, alert.id, alert.cooldown):
                continue  # still cooling down (recorded across runs)
            record = {"alert_id": alert.id, "event": kind, "severity": alert.severity, "message": message}
            self.store.add_event("alert_fired", run_id, dag_id, task_id, record)
            self.report("alert", f"alert '{alert.id}' ({alert.severity}): {message}")
            for notifier in alert.notify:
                nursery.start_soon(self._deliver, alert, notifier, message, context)

    def _failed(self, alert: Alert, part: str, error: str, context: dict[str, Any]) -> None:
        """Record and print a failure of one alert: its `condition`, its `message` or a notifier."""
        error = self.masker.mask(error)
        fields = present_fields(context)
        self.store.add_event("alert_failed", fields.get("run_id"), fields.get("dag_id"), fields.get("task_id"),
                             {"alert_id": alert.id, "notifier": part, "error": error})
        what = f"its {part} failed" if part in ("condition", "message") else f"{part} notifier failed"
        self.report("alert_failed", f"alert '{alert.id}': {what}: {error}")

    async def _deliver(self, alert: Alert, notifier: dict[str, Any], message: str, context: dict[str, Any]) -> None:
        kind = next(iter(notifier), "?")
        body = {"id": alert.id, "severity": alert.severity, "message": message, **present_fields(context)}
        body = self.masker.mask_value(json.loads(json.dumps(body, default=str)))  # type: ignore[assignment]
        try:
            with trio.fail_after(NOTIFY_TIMEOUT):
                if kind == "command":
                    await _command(str(notifier["command"]), body, alert, message, self.masker.mask)
                elif kind == "webhook":
                    await _webhook(notifier["webhook"], body)
                elif kind == "email":
                    await _email(notifier["email"], alert, message)
                else:
                    raise NotifierFailed(f"unknown notifier '{kind}'")
        except trio.TooSlowError:
            self._failed(alert, kind, f"timed out after {NOTIFY_TIMEOUT:g}s", context)
        except Exception as exc:  # a notifier must never fail the run
            self._failed(alert, kind, plain(exc), context)


async def _command(command: str, body: dict[str, Any], alert: Alert, message: str,
                   mask: Callable[[str], str]) -> None:
    env = inherited_env()  # not flowrun's secrets
    env.update({
        "FLOWRUN_ALERT_ID": alert.id,
        "FLOWRUN_ALERT_EVENT": str(body.get("event", "")),
        "FLOWRUN_ALERT_SEVERITY": alert.severity,
        "FLOWRUN_ALERT_MESSAGE": message,
        "FLOWRUN_ALERT_TASK_ID": str(body.get("task_id", "") or ""),
        "FLOWRUN_ALERT_RUN_ID": str(body.get("run_id", "") or ""),
    })

    async def kill_group(process: trio.Process) -> None:
        killpg(process.pid, signal.SIGKILL)

    result = await trio.run_process(
        ["bash", "-c", command], stdin=json.dumps(body).encode(), env=env, check=False,
        capture_stdout=True, capture_stderr=True, start_new_session=True, deliver_cancel=kill_group,
    )
    result.stderr = mask(result.stderr.decode("utf-8", "replace")).encode()  # masked before its last line is cut
    if result.returncode != 0:
        tail = result.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise NotifierFailed(f"command exited with status {result.returncode} {tail[0]}".rstrip())


async def _webhook(target: Any, body: dict[str, Any]) -> None:
    import httpx

    url = target if isinstance(target, str) else target["url"]
    headers = {} if isinstance(target, str) else dict(target.get("headers") or {})
    async with httpx.AsyncClient(timeout=NOTIFY_TIMEOUT, trust_env=False) as client:
        response = await client.post(str(url), json=body, headers=headers)
    if response.status_code >= 300:
        raise NotifierFailed(f"webhook answered HTTP {response.status_code}")


async def _email(target: dict[str, Any], alert: Alert, message: str) -> None:
    to = target.get("to")
    recipients = [to] if isinstance(to, str) else list(to or [])
    cc = target.get("cc")
    subject = str(target.get("subject") or f"[flowrun] {alert.severity}: {alert.id}")
    await trio.to_thread.run_sync(
        lambda: send(recipients, subject, message, [cc] if isinstance(cc, str) else cc), abandon_on_cancel=True
    )

