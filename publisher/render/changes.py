"""When a feed last changed: `lastBuildDate` (RSS) and the feed's `updated` (Atom).

Apps and directories read it as "the content changed at": it must stay the same while
the content does and move on after any change. So it is taken from the state, never
from the clock at render: the state keeps, per feed, a digest of its bytes without
this date and the time that content was first published. A feed whose content is new
gets the time its build started. When the state is lost, publisher.build.restore reads
both back from the published feed.
"""

from __future__ import annotations

import email.utils
import hashlib
import re
from datetime import datetime
from typing import TYPE_CHECKING

from publisher.formats.checked import checked_iso, checked_rfc822

if TYPE_CHECKING:
    from publisher.build.run import Run

RSS_DATE = re.compile(rb"<lastBuildDate>([^<]*)</lastBuildDate>")
# feedgen writes the feed's own <updated> before any entry's: the first one is the feed's.
ATOM_DATE = re.compile(rb"<updated>([^<]*)</updated>")


def _is_atom(data: bytes) -> bool:
    return b"<feed" in data[:512]


def _pattern(data: bytes) -> re.Pattern[bytes]:
    return ATOM_DATE if _is_atom(data) else RSS_DATE


def content_digest(data: bytes) -> str:
    """The digest of a feed's bytes with its change date left out."""
    return hashlib.sha256(_pattern(data).sub(b"", data, count=1)).hexdigest()


def change_date(data: bytes) -> datetime | None:
    """The change date a published feed states, if it states a readable one."""
    found = _pattern(data).search(data)
    if found is None:
        return None
    text = found.group(1).decode("ascii", "replace").strip()
    return checked_iso(text) if _is_atom(data) else checked_rfc822(text)


def with_change_date(data: bytes, at: datetime) -> bytes:
    atom = _is_atom(data)
    text = at.isoformat() if atom else email.utils.format_datetime(at)
    tag = b"updated" if atom else b"lastBuildDate"
    element = b"<%s>%s</%s>" % (tag, text.encode("ascii"), tag)
    return _pattern(data).sub(lambda _: element, data, count=1)


def stamp_last_change(run: Run, relative: str, data: bytes) -> tuple[bytes, str, datetime]:
    """`data` with the time its content last changed; also its content digest and that time."""
    digest = content_digest(data)
    record = run.state.feeds().get(relative)
    if record is not None and record.content_digest == digest and record.changed_at:
        at = record.changed_at
    else:
        # never before what it holds: a SOURCE_DATE_EPOCH (or a clock) older than the
        # newest item would date the change before the content it announces
        at = max(run.started, newest_item_date(data) or run.started)
    return with_change_date(data, at), digest, at


ITEM_DATES = re.compile(rb"<(?:pubDate|published)>([^<]*)</(?:pubDate|published)>")


def newest_item_date(data: bytes) -> datetime | None:
    """The newest date an item (RSS `pubDate`) or entry (Atom `published`) gives."""
    read = checked_iso if _is_atom(data) else checked_rfc822
    dates = (read(found.decode("ascii", "replace")) for found in ITEM_DATES.findall(data))
    return max((date for date in dates if date is not None and date.tzinfo), default=None)


def remember_change(run: Run, relative: str, digest: str, at: datetime) -> None:
    run.state.record_feed_change(relative, digest, at)
