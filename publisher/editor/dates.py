"""Publication dates that `publisher add` reads from pages and sources: parsed, and
refused when they cannot be a talk's or an article's (9999-12-31, next year, 1066)."""

from __future__ import annotations

import email.utils
from datetime import date, datetime

from publisher.formats.checked import possible_day


class Impossible(str):
    """A date a source gave that cannot be a talk's: told, never proposed."""


def parse_published(text: str) -> date | str | None:
    """A date, or an ISO datetime text with its offset; None when it cannot be read, and
    `Impossible` when it can but cannot be a talk's (9999-12-31, next year, 1066)."""
    text = text.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1))
    except (ValueError, OverflowError):
        try:
            moment = email.utils.parsedate_to_datetime(text)  # RFC 2822, as some CMSs write
        except (TypeError, ValueError, OverflowError, IndexError):
            return None
    if not possible_day(moment.date()):
        return Impossible(text)
    if len(text) == 10 or moment.tzinfo is None:
        return moment.date()  # a day, or a time without a zone: the day is what is known
    return moment.isoformat()


def checked_day(yyyymmdd: str) -> date | Impossible | None:
    try:
        day = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except (TypeError, ValueError):
        return None
    return day if possible_day(day) else Impossible(f"{day:%Y-%m-%d}")
