"""Durations and positions as people read them: a talk's length as people say it ("30 s",
"4 min", "1 h 02 min"), positions and exact lengths as H:MM:SS, the form players show."""

from __future__ import annotations

import math


def format_duration(seconds: float | None) -> str:
    """H:MM:SS of a length, rounded to whole seconds; "" when it is not known."""
    return "" if seconds is None else _hms(round(seconds))


def spoken_length(seconds: float | None) -> str:
    """A talk's length as people say it: "30 s", "4 min", "1 h 02 min"; "" when unknown.
    Whole minutes past the first one: nobody reads "4 min 12 s" in a list of talks."""
    if seconds is None:
        return ""
    total = max(0, round(seconds))
    if total < 60:
        return f"{total} s"
    hours, minutes = divmod(round(total / 60), 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def iso_duration(seconds: float | None) -> str:
    """An HTML `<time datetime>` duration: PT1H2M3S."""
    total = max(0, round(seconds or 0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return "PT" + "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M")) if n) + f"{secs}S"


def format_timestamp(seconds: float) -> str:
    """H:MM:SS of a position: a cue at 1.5 s is shown at 0:00:01, when it starts."""
    return _hms(math.floor(seconds))


def _hms(total: int) -> str:
    total = max(0, total)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"
