"""Lasting failures, told as news: when they start, once a day while they last, and when
they end.

A cron job runs `build --quiet` every few minutes and mails whatever it prints. A talk
whose source is down for a week would otherwise mail the same error a thousand times;
so the state keeps when each failure started and when it was last told, and a quiet
build says only what is new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from publisher.state.follows import Failure

if TYPE_CHECKING:
    from publisher.build.run import Run

REMIND_EVERY = timedelta(days=1)


@dataclass(frozen=True)
class News:
    """One line about an entry's failure: `error` when it started or lasts, else it ended."""

    entry_id: str
    text: str
    error: bool = True

    def __str__(self) -> str:
        return f"{'error' if self.error else 'resolved'}: {self.entry_id}: {self.text}"


def failure_news(run: Run, before: dict[str, Failure]) -> list[News]:
    """What changed in the failures since `before` (the state's at the start of the run),
    and the reminders due; the state then remembers that they were told."""
    now = run.started
    after = run.state.failures()
    ids = {item.id for item in run.items}
    news: list[News] = []
    for entry_id in sorted(set(before) - set(after) & ids):  # it worked this time
        news.append(
            News(entry_id, f"works again (failing since {_when(before[entry_id].since)})", False)
        )
    told = []
    for entry_id, failure in sorted(after.items()):
        if entry_id not in ids:
            continue
        if entry_id not in before:
            news.append(News(entry_id, failure.message))
        elif failure.told_at is None or abs(now - failure.told_at) >= REMIND_EVERY:
            # abs: a clock set back (it ran ahead, or SOURCE_DATE_EPOCH is an older
            # build's) would otherwise hush the reminder for as long as it went back
            since = _when(failure.since)
            news.append(News(entry_id, f"still failing since {since}: {failure.message}"))
        else:
            continue
        told.append(entry_id)
    run.state.mark_failures_told(told, now)
    return news


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"
