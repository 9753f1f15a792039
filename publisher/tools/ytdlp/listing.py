"""Playlists, channels and feeds listed flat with yt-dlp (part of `publisher.tools.ytdlp`,
the only importer of yt-dlp): one request per page of the listing, none per video."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import yt_dlp

from publisher.errors import SourceError
from publisher.formats.checked import checked_day, checked_timestamp
from publisher.formats.text import clean_text
from publisher.tools.ytdlp.client import Client, unsigned_url

__all__ = ["ListedVideo", "list_playlist", "listed_video"]


@dataclass(frozen=True)
class ListedVideo:
    """One video of a playlist, as a flat listing gives it: cheap, and often partial."""

    url: str
    title: str
    published: datetime | None
    description: str
    date_exact: bool  # False: YouTube's "3 years ago", turned into a date by yt-dlp


def list_playlist(client: Client, url: str, limit: int | None = None) -> list[ListedVideo]:
    """A playlist's videos, listed flat (no request per video), in its order."""
    client.use_site_extractors()
    client.ydl.params.update(
        extract_flat="in_playlist",
        noplaylist=False,
        playlistend=limit,
        # YouTube's listings give only "3 days ago"; yt-dlp turns that into a date
        extractor_args={"youtubetab": {"approximate_date": [""]}},
    )
    raw = client.extract(url)
    if raw.get("_type") not in ("playlist", "multi_video"):
        raise SourceError(
            f"{url} is one video, not a playlist", advice="follow a playlist or a channel"
        )
    listed = (listed_video(entry) for entry in raw.get("entries") or () if entry)
    return [video for video in listed if video is not None]


def listed_video(entry: dict) -> ListedVideo | None:
    """A flat playlist entry, cleaned: an RSS item's URL comes smuggled with its GUID."""
    video_url, _ = yt_dlp.utils.unsmuggle_url(entry.get("url") or entry.get("webpage_url") or "")
    if not video_url or urlsplit(video_url).scheme not in ("http", "https"):
        return None
    # a date that does not convert (year 10000) is dropped: the video is dated when seen
    published = checked_timestamp(entry.get("timestamp")) or checked_day(entry.get("upload_date"))
    return ListedVideo(
        unsigned_url(video_url) or video_url.split("?")[0],
        clean_text(entry.get("title")),
        published,
        clean_text(entry.get("description")),
        date_exact=not str(entry.get("ie_key") or "").startswith("Youtube"),
    )
