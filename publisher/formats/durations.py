"""Durations and positions as people read them: H:MM:SS, the form podcast apps show."""

from __future__ import annotations

import math


def format_duration(seconds: float | None) -> str:
    """H:MM:SS of a length, rounded to whole seconds; "" when it is not known."""
    return "" if seconds is None else _hms(round(seconds))


def format_timestamp(seconds: float) -> str:
    """H:MM:SS of a position: a cue at 1.5 s is shown at 0:00:01, when it starts."""
    return _hms(math.floor(seconds))


def _hms(total: int) -> str:
    total = max(0, total)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"
