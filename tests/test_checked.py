"""The one checked conversion of values from outside (`publisher.formats.checked`): each
member of each class of value that does not convert is None, the rest is kept."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from publisher.formats import checked
from publisher.formats.checked import EARLIEST, LATEST


@pytest.mark.parametrize(
    ("convert", "value"),
    [
        (checked.checked_timestamp, 253402300799 + 14 * 3600),  # year 10000
        (checked.checked_timestamp, -62135596800 - 1),  # before year 1
        (checked.checked_timestamp, math.nan),
        (checked.checked_timestamp, True),
        (checked.checked_day, "00000101"),
        (checked.checked_day, "99991231"),
        (checked.checked_day, "20230231"),
        (checked.checked_day, 20240101),
        (checked.checked_duration, math.nan),
        (checked.checked_duration, math.inf),
        (checked.checked_duration, -1),
        (checked.checked_duration, 10**30),
        (checked.checked_duration, 10**400),
        (checked.checked_duration, True),
        (checked.checked_duration, "abc"),
        (checked.checked_duration, "1e400"),
        (checked.checked_size, -5),
        (checked.checked_size, 10**30),
        (checked.checked_size, 2.5),
        (checked.checked_size, False),
        (checked.checked_count, 10**30),
        (checked.checked_count, "9" * 5000),
        (checked.checked_rfc822, "Fri, 31 Dec 9999 23:59:59 -1400"),
        (checked.checked_rfc822, "Sat, 01 Jan 0000 00:00:00 +0000"),
        (checked.checked_rfc822, "Mon, 01 Jan 2024 00:00:00"),  # no zone
        (checked.checked_iso, "9999-12-31T23:59:59-14:00"),
        (checked.checked_iso, "0000-01-01"),
    ],
)
def test_what_does_not_convert_is_none(convert, value):
    assert convert(value) is None


@pytest.mark.parametrize(
    ("convert", "value", "expected"),
    [
        (checked.checked_duration, "12.5", 12.5),
        (checked.checked_duration, 3600, 3600.0),
        (checked.checked_size, "1024", 1024),
        (checked.checked_count, 3.0, 3),
        (checked.checked_day, "20240102", datetime(2024, 1, 2, tzinfo=UTC)),
        (checked.checked_timestamp, 1704153600, datetime(2024, 1, 2, tzinfo=UTC)),
        (
            checked.checked_rfc822,
            "Tue, 02 Jan 2024 00:00:00 +0000",
            datetime(2024, 1, 2, tzinfo=UTC),
        ),
    ],
)
def test_what_converts_is_kept(convert, value, expected):
    assert convert(value) == expected


def test_the_date_window_is_what_rfc_822_and_grace_periods_can_hold():
    assert EARLIEST.year == 1900 and LATEST.year < 9000


@pytest.mark.parametrize(
    "text", ["2017-03-20T10:00:00+03:00:30", "2017-03-20T10:00:00.5+03:00:30.25"]
)
def test_an_offset_of_seconds_is_given_in_utc(text):
    """RSS and Atom write offsets in whole minutes: the same moment, in UTC."""
    moment = checked.checked_iso(text)
    assert moment.utcoffset().total_seconds() == 0
    assert moment == datetime.fromisoformat(text)
