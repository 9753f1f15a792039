"""The Podcast Index's limits that the feed writer and `check` share (one place each)."""

from __future__ import annotations

import re

from publisher.formats.sanitize import ELLIPSIS

# podcast:updateFrequency's rrule attribute: an RFC 5545 RRULE (FREQ=WEEKLY;BYDAY=MO).
RRULE = re.compile(r"^(?:[A-Z]+=[A-Za-z0-9,+\-:]+;)*FREQ=[A-Z]+(?:;[A-Z]+=[A-Za-z0-9,+\-:]+)*$")

# "podcast:person", "podcast:funding", "podcast:license"…: "the limit is 128 characters".
SHORT_TEXT_MAX_CHARS = 128


def rrule_of(update_frequency: str) -> str:
    """The rule a catalog's `update_frequency` gives, as the feed writes it."""
    return update_frequency.strip().removeprefix("RRULE:")


def short_text(text: str) -> str:
    """`text` as a short `podcast:` element holds it: stripped, and cut with "…" to the
    limit (a followed video's 208-character author name is still a name)."""
    text = text.strip()
    if len(text) <= SHORT_TEXT_MAX_CHARS:
        return text
    return text[: SHORT_TEXT_MAX_CHARS - len(ELLIPSIS)].rstrip() + ELLIPSIS
