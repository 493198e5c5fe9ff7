"""Dates and date-times the user writes (`--execution-date`, `--now`) and the store keeps.

A leaf: the command line parses a date with it without importing the run launcher.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from runner.errors import UsageError


def parse_datetime(text: str) -> datetime:
    """An ISO 8601 date or date-time; a date is midnight, and a time without an offset is UTC.
    UsageError (exit 2) when it is neither."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            d = date.fromisoformat(text)
        except ValueError:
            raise UsageError(f"'{text}' is not an ISO 8601 date or date-time") from None
        value = datetime(d.year, d.month, d.day)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
