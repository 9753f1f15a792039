"""Identities and GUIDs: the names a listener's app knows an episode and a show by.

Each is assigned once, kept in the state, and never changed: not by a new title, slug,
base URL or feed address. When the state is lost, publisher.build.restore reads them
back from the published feeds, so they survive that too.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from publisher.model import Entry
from publisher.output import urls

if TYPE_CHECKING:
    from publisher.build.run import Run

# Entry GUIDs are UUIDv5 of the entry id in this namespace at first publication: nothing
# about them depends on titles, URLs, formats or the program's version.
ENTRY_GUID_NAMESPACE = uuid.UUID("9b0f4c5e-58a2-5c1e-9d7e-1c0a6b2f3e41")

# The namespace the Podcast Index defines for podcast:guid (a UUIDv5 of the feed URL).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")


def entry_guid(entry_id: str) -> str:
    return str(uuid.uuid5(ENTRY_GUID_NAMESPACE, entry_id))


def video_guid(audio_guid: str) -> str:
    """An episode's GUID in the video feed: its own, because apps that key items by GUID
    (newsboat) would show one feed empty if both gave an episode the same one. Derived
    from the audio GUID, so it follows it through renames and recovery."""
    return str(uuid.uuid5(ENTRY_GUID_NAMESPACE, f"{audio_guid}#video"))


def podcast_guid(feed_url: str) -> str:
    """podcast:guid for a show first published at `feed_url`: the Podcast Index's UUIDv5
    of the URL with its scheme and trailing slashes removed. Assigned once; it then
    follows the show to any new address."""
    without_scheme = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, without_scheme))


def identity(entry: Entry) -> str:
    """What an entry is, whatever its id: where it comes from, or where it is read."""
    return entry.source or entry.link or ""


def assign_guids(run: Run) -> None:
    """Each entry with something to publish gets its GUID once (and its video GUID once
    it has a video); GUIDs already given never change."""
    publishable = [item for item in run.items if item.is_published]
    known = run.state.publications()
    new = [item for item in publishable if item.id not in known]
    if new:
        run.state.record_publications(
            {item.id: identity(item.entry) for item in new},
            {item.id: item.entry.guid or entry_guid(item.id) for item in new},
        )
        known = run.state.publications()
    videos = {
        item.id: video_guid(known[item.id].guid)
        for item in publishable
        if item.video is not None and known[item.id].video_guid is None
    }
    if videos:
        run.state.record_video_guids(videos)
        known = run.state.publications()
    for item in publishable:
        publication = known[item.id]
        item.guid, item.first_published = publication.guid, publication.first_published
        item.video_guid = publication.video_guid


def assign_podcast_guids(run: Run, feeds: dict[str, str | None]) -> None:
    """Give each subscription feed (path -> the GUID its series pins, if any) its
    podcast:guid: a pinned one, else the one kept, else a new one from its URL now."""
    kept = run.state.feeds()
    for relative, pinned in feeds.items():
        record = kept.get(relative)
        if pinned:
            run.state.keep_podcast_guid(relative, pinned, replace=True)
        elif record is None or not record.podcast_guid:
            url = urls.public_url(run.base_url, relative)
            run.state.keep_podcast_guid(relative, podcast_guid(url))
    run.podcast_guids = {
        path: record.podcast_guid
        for path, record in run.state.feeds().items()
        if record.podcast_guid and path in feeds
    }
