"""Durations of SPEC section 1: an integer is milliseconds; a string is `<number><unit>`..."""

from __future__ import annotations

import math
import re

_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def seconds(value: object) -> float | None:
    """Seconds of a duration, or None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):  # `.inf`, `1e999`, `.nan` and 400 nines are no durations
        try:
            result = value / 1000.0
        except OverflowError:  # an integer beyond a float's range
            return None
        return result if value >= 0 and math.isfinite(result) else None
    if not isinstance(value, str) or not value:
        return None
    pos, total = 0, 0.0
    for match in _PART.finditer(value):
        if match.start() != pos:
            return None
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    return total if pos == len(value) and math.isfinite(total) else None  # 400 nines overflow to inf


def format_seconds(value: float) -> str:
    if not math.isfinite(value):
        return "unbounded"
    if value < 1:
        return f"{value * 1000:.0f}ms"
    if value < 60:
        return f"{value:.2f}s"
    minutes, secs = divmod(int(value), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
