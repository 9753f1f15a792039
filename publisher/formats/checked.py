"""Values from outside, converted once and checked: dates, timestamps, durations, sizes,
counts and numbers that a source, a followed feed, a page, an HTTP header, a feed read
back or the state gives.

Each function returns the value, or None when it does not convert to something the
publisher can use (year 10000, NaN, a negative size, `True` where a number belongs, a
string of digits longer than any real count). The caller then drops that one value, or
fails that one item: a value from outside never stops a run. Values the catalog gives are
checked by the catalog's schema, with a located message, not here.
"""

from __future__ import annotations

import email.utils
import math
import re
from datetime import UTC, date, datetime, timedelta

# Dates a source may give. Outside these a date is a typo or a trick: year 10000 does
# not exist for Python, and a date near 9999-12-31 overflows the first time a grace
# period is added to it. RFC 822 writes a year in four digits, so none before 1900.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)

MAX_DURATION = 366 * 86400.0  # seconds: no talk lasts a year; a larger length is a lie
MAX_SIZE = 1 << 50  # bytes (1 PiB): more than any file a source could send
MAX_COUNT = (1 << 31) - 1  # episode and season numbers, counts: what tags and apps hold

_DECIMAL = re.compile(r"[+-]?(\d{1,20}(\.\d{0,9})?|\.\d{1,9})")
_DAY = re.compile(r"(\d{4})(\d{2})(\d{2})")
_RFC822_YEAR = re.compile(r"\b\d{1,2}\s+[A-Za-z]{3,}\s+(\d+)\b")


def checked_number(value: object, low: float, high: float) -> float | None:
    """A finite number within [low, high]: an int or float, or a decimal written as text
    (a header, an XML attribute). A bool is not a number, whatever Python says."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not _DECIMAL.fullmatch(text):
            return None
        value = float(text)
    if not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int with more digits than a float holds
        return None
    if not math.isfinite(number) or not low <= number <= high:
        return None
    return number


def checked_int(value: object, low: int = 0, high: int = MAX_COUNT) -> int | None:
    """A whole number within [low, high]; 3.0 is 3, 3.5 is not a count."""
    number = checked_number(value, low, high)
    if number is None or not number.is_integer():
        return None
    return int(number)


def checked_duration(value: object) -> float | None:
    """A length or a position in seconds: finite, not negative, under a year."""
    return checked_number(value, 0.0, MAX_DURATION)


def checked_size(value: object) -> int | None:
    """A byte count: a whole number, not negative, below a petabyte."""
    return checked_int(value, 0, MAX_SIZE)


def checked_count(value: object) -> int | None:
    """An episode or season number, or another count: 0 to 2**31 - 1."""
    return checked_int(value, 0, MAX_COUNT)


def checked_datetime(value: object) -> datetime | None:
    """A datetime between EARLIEST and LATEST (a naive one is judged as UTC, and kept
    naive: the caller knows what a time without a zone means to it). An offset that is
    not whole minutes (`+03:00:30`, which ISO 8601 text may carry) is no offset RSS or
    Atom can write: that moment is given in UTC."""
    if not isinstance(value, datetime):
        return None
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    try:
        in_range = EARLIEST <= aware < LATEST
    except OverflowError:  # an offset that moves it past year 9999
        return None
    if not in_range:
        return None
    offset = value.utcoffset()
    if offset is not None and offset % timedelta(minutes=1):
        return value.astimezone(UTC)
    return value


def checked_timestamp(value: object) -> datetime | None:
    """A POSIX timestamp (yt-dlp's `timestamp`) as an aware datetime, to the second."""
    seconds = checked_number(value, EARLIEST.timestamp(), LATEST.timestamp())
    if seconds is None:
        return None
    return datetime.fromtimestamp(int(seconds), UTC)


def checked_day(value: object) -> datetime | None:
    """yt-dlp's `upload_date` (YYYYMMDD) as midnight UTC of that day."""
    found = _DAY.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        return None
    try:
        day = datetime(*(int(part) for part in found.groups()), tzinfo=UTC)
    except ValueError:  # 20240231, 00000101
        return None
    return checked_datetime(day)


def checked_day_text(value: object) -> str | None:
    """`upload_date` kept as yt-dlp writes it (YYYYMMDD), when it is a real day in range."""
    return value if checked_day(value) is not None else None  # type: ignore[return-value]


def checked_rfc822(text: object, zone_required: bool = True) -> datetime | None:
    """An RSS date (`pubDate`, `lastBuildDate`, HTTP's `Last-Modified`); None without a
    zone, unless `zone_required` is False (then a naive datetime)."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    if moment is None or (zone_required and moment.tzinfo is None):
        return None
    written = _RFC822_YEAR.search(text)
    if written and len(written.group(1)) > 2 and int(written.group(1)) != moment.year:
        return None  # "0000": email.utils reads years below 100 as 19xx or 20xx
    return checked_datetime(moment)


def checked_iso(text: object) -> datetime | None:
    """An ISO 8601 date or datetime (Atom's `updated`, JSON-LD, the state's own records)."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        return None
    return checked_datetime(moment)


EARLIEST_PUBLISHED = date(1900, 1, 1)  # before recorded talks; a date before this is a mistake


def possible_day(day: date) -> bool:
    """A day a talk or an article can have been published on: not before 1900, and not
    after tomorrow (time zones). A page's or a source's date outside it is no date."""
    return EARLIEST_PUBLISHED <= day <= datetime.now(UTC).date() + timedelta(days=1)
