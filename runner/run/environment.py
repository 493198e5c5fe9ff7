"""The environment flowrun hands to the processes it starts (a task, an alert's command).

A leaf: the operators and the alerts both take it from here.
"""

from __future__ import annotations

import os

WITHHELD_ENV = ("FLOWRUN_SECRET_", "FLOWRUN_SMTP_PASSWORD")  # never inherited by a task or a notifier


def inherited_env() -> dict[str, str]:
    """flowrun's environment without its secrets: a process gets a secret only when its `env`
    names it (`{{ var.secret.NAME }}`), never all of them by inheritance."""
    return {k: v for k, v in os.environ.items() if not k.startswith(WITHHELD_ENV)}
