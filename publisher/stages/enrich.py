"""The `enrich` stage: what a talk's source says about it, cached in the state.

Metadata is read once and kept with the time it was fetched; later runs reuse it, and
read the source again only with `build --refresh` or when the entry's source changed.
The catalog's own values always win over these when feeds and tags are made. Sources
that cannot be published (live streams, too long, too large) are refused here, before
anything is downloaded.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.errors import SourceRefused
from publisher.model import Entry, Limits, MediaInfo, now_iso
from publisher.sources import check_source, is_signed_url, is_url
from publisher.tools import ffmpeg, mutagen

if TYPE_CHECKING:
    from publisher.build.run import Run
    from publisher.tools.http import Resolved

    # loaded only when a source is read: a no-op build never is
    from publisher.tools.ytdlp import client as ytdlp

log = logging.getLogger(__name__)


def enrich(run: Run, item) -> None:
    """Set `item.info`: from the cache when it is current, else from the source."""
    entry = item.entry
    cached = run.state.media_info(entry.id)
    if cached and cached.source == entry.source and not run.options.refresh:
        refuse_unpublishable(cached, run.catalog.site.limits, entry)
        item.info = cached
        return
    run.progress.start(item, "reading the source")
    location = checked_source(run, entry)
    if isinstance(location, Path):
        info = local_media_info(run, entry, location)
    else:
        listing = read_listing(run, entry, location)
        info, item.formats = listing.info, listing.formats  # extraction needs no re-read
    refuse_unpublishable(info, run.catalog.site.limits, entry)
    run.state.save_media_info(entry.id, cacheable(info))
    item.info = info


def cacheable(info: MediaInfo) -> MediaInfo:
    """What enrichment keeps in the state: the info less any signed URL, since those
    expire, and a later run must read the source again rather than trust one."""
    captions = tuple(c for c in info.captions if not is_signed_url(c.url))
    return dataclasses.replace(info, captions=captions)


def checked_source(run: Run, entry: Entry) -> Path | Resolved:
    """The entry's source, checked: a local file, or a URL after checked redirects."""
    from publisher.tools.http import follow_redirects
    from publisher.tools.ytdlp import client as ytdlp

    allow_private = run.options.allow_private_sources
    location = check_source(entry.source, run.catalog.root, allow_private)
    if not is_url(location):
        return Path(location)
    with run.fetch.turn(location, run.stopping):  # paced; never a site that refused us
        return follow_redirects(location, allow_private, ytdlp.SOCKET_TIMEOUT)


def ytdlp_client(run: Run) -> ytdlp.Client:
    """yt-dlp for one talk, with the run's pacing and cookies."""
    from publisher.tools.ytdlp import client as ytdlp

    return ytdlp.Client(run.options.allow_private_sources, run.options.ffmpeg, run.fetch)


def read_listing(
    run: Run, entry: Entry, location: Resolved, client: ytdlp.Client | None = None
) -> ytdlp.SourceListing:
    """What yt-dlp finds at a checked URL (a direct media file skips the site extractors)."""
    if client is not None:
        return client.read(location.url, entry.source, direct_media=location.is_media)
    with ytdlp_client(run) as own:
        return own.read(location.url, entry.source, direct_media=location.is_media)


def local_media_info(run: Run, entry: Entry, path: Path) -> MediaInfo:
    """Metadata of a local file: its duration and codecs (the title comes from the catalog)."""
    exe = ffmpeg.executable(run.options.ffmpeg)
    streams = ffmpeg.streams(exe, path)
    audio = next((s.codec for s in streams if s.kind == "audio"), None)
    video = next((s.codec for s in streams if s.kind == "video"), None)
    if audio is None:
        raise SourceRefused(
            f"local source {path} has no audio stream", advice="give the entry a file with sound"
        )
    duration = mutagen.media_duration(path) or ffmpeg.demuxed_duration(exe, path)
    return MediaInfo(
        source=entry.source or str(path),
        title=entry.title,
        duration=duration,
        filesize=path.stat().st_size,
        audio_codec=audio,
        video_codec=video,
        offers_video=video is not None,
        fetched_at=now_iso(),
    )


def refuse_unpublishable(info: MediaInfo, limits: Limits, entry: Entry) -> None:
    """Refuse live streams and sources over the size or duration limits, before download."""
    if info.is_live:
        from publisher.tools.ytdlp.formats import NOT_ENDED, WAIT_FOR_END

        reason = NOT_ENDED.get(info.live_status or "is_live", NOT_ENDED["is_live"])
        raise SourceRefused(f"source {entry.source} is a live stream that {reason}", WAIT_FOR_END)
    if info.duration:
        refuse_too_long(entry.source or "", info.duration, limits)
    if info.filesize and info.filesize > limits.max_filesize:
        raise SourceRefused(
            f"source {entry.source} is {info.filesize / 1e6:.0f} MB, over the limit of"
            f" {limits.max_filesize / 1e6:.0f} MB",
            advice="raise site.limits.max_filesize to allow it",
        )


def refuse_too_long(source: str, duration: float, limits: Limits) -> None:
    """The duration limit, as the metadata says before download and the file after it."""
    if duration > limits.max_duration:
        raise SourceRefused(
            f"source {source} lasts {duration / 3600:.1f} h, over the limit of"
            f" {limits.max_duration / 3600:.1f} h",
            advice="raise site.limits.max_duration to allow it",
        )
