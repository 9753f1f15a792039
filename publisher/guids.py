"""Identities and GUIDs: the names a listener's app knows an episode and a show by."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from publisher.model import Entry

# The namespace the Podcast Index defines for podcast:guid (a UUIDv5 of the feed URL).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")


def podcast_guid(feed_url: str) -> str:
    """podcast:guid: UUIDv5 of the feed URL with its scheme and trailing slashes removed."""
    without_scheme = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, without_scheme))


def identity(entry: Entry) -> str:
    """What an entry is, whatever its id: where it comes from, or where it is read."""
    return entry.source or entry.link or ""
