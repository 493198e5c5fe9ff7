"""Sending one mail through SMTP, configured by `FLOWRUN_SMTP_HOST`, `_PORT`, `_USER`,
`_PASSWORD`, `_FROM`, `_STARTTLS` (STARTTLS only when `1`/`true`, SPEC section 5).

A leaf used by the `email` operator and by alerts' `email` notifier. Synchronous: callers run
it in a thread.
"""

from __future__ import annotations

import os
import socket
from typing import Any

SMTP_TIMEOUT = 30.0


def smtp_settings() -> dict[str, Any]:
    return {
        "host": os.environ.get("FLOWRUN_SMTP_HOST", "localhost"),
        "port": int(os.environ.get("FLOWRUN_SMTP_PORT", "25") or 25),
        "user": os.environ.get("FLOWRUN_SMTP_USER") or None,
        "password": os.environ.get("FLOWRUN_SMTP_PASSWORD") or None,
        "starttls": os.environ.get("FLOWRUN_SMTP_STARTTLS", "").lower() in ("1", "true"),
    }


def send(to: list[str], subject: str, body: str, cc: list[str] | None = None, sender: str | None = None) -> str:
    """Send one message synchronously; return its Message-ID. Raises OSError/SMTPException."""
    import smtplib  # (with the email package, ~8 ms: not for runs that send no mail)
    from email.message import EmailMessage
    from email.utils import make_msgid

    settings = smtp_settings()
    message = EmailMessage()
    message["From"] = sender or os.environ.get("FLOWRUN_SMTP_FROM") or f"flowrun@{socket.gethostname()}"
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Subject"] = subject
    message_id = make_msgid(domain="flowrun")
    message["Message-ID"] = message_id
    message.set_content(body)
    with smtplib.SMTP(settings["host"], settings["port"], timeout=SMTP_TIMEOUT) as smtp:
        if settings["starttls"]:
            smtp.starttls()
        if settings["user"]:
            smtp.login(settings["user"], settings["password"] or "")
        smtp.send_message(message, to_addrs=to + (cc or []))
    return message_id
