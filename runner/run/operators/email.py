"""`email`: one message through SMTP (runner/run/mail.py: `FLOWRUN_SMTP_HOST`, `_PORT`, `_USER`,
`_PASSWORD`, `_STARTTLS`, STARTTLS only when `1`/`true`). Output `{"to": [...], "messageId"}`."""

from __future__ import annotations

from typing import Any

import trio

from runner.errors import plain
from runner.run.mail import send, smtp_settings
from runner.run.operators.base import TaskFailure, TryContext


def _addresses(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(value)] if isinstance(value, str) else [str(v) for v in value]


class Email:
    async def execute(self, ctx: TryContext) -> Any:
        params = ctx.params
        to = _addresses(params["to"])
        cc = _addresses(params.get("cc"))
        settings = smtp_settings()
        import smtplib

        ctx.log(f"sending to {', '.join(to)} through {settings['host']}:{settings['port']}\n")
        try:
            message_id = await trio.to_thread.run_sync(
                lambda: send(to, str(params["subject"]), str(params["body"]), cc, params.get("from")),
                abandon_on_cancel=True,
            )
        except (OSError, smtplib.SMTPException) as exc:
            raise TaskFailure(f"sending mail through {settings['host']}:{settings['port']} failed: {plain(exc)}") from None
        return {"to": to, "messageId": message_id}
