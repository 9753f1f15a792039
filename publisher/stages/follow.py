"""The `follow` stage: series whose episodes come from a playlist, channel or feed.

An online build lists each `follow:` URL flat (one paced request, not one per video).
A video not already in the catalog (no entry has it as its `source` or its `link`, the
rule `publisher add` refuses a URL by) becomes an episode of the series: its id
is chosen once, when it is first seen, and it is kept in the state, not the catalog.
Its title, date and description are the listing's until enrichment reads the video;
chapters and captions come with enrichment, as for any talk.

- A catalog entry whose `source` or `link` is a followed video takes it over: the
  catalog's values win and the GUID stays; so does the media, when the entry's source
  is that video.
- A video that leaves the playlist stays published; one that no longer passes the
  series' `after` or `match` (or whose playlist is no longer followed) is not published.
- `--offline` builds keep every followed episode: nothing is listed, all is in the state.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from publisher.build.plan import moved_recipes
from publisher.catalog.slugs import catalog_urls, same_url_key, slugify, unique_id
from publisher.errors import PublisherError, SiteHeld
from publisher.formats.checked import checked_day
from publisher.messages import describe
from publisher.model import Catalog, Entry, Follow, FollowedVideo, Item, MediaInfo
from publisher.sources import check_url

if TYPE_CHECKING:
    from publisher.build.run import Run
    from publisher.state import State
    from publisher.tools.ytdlp.listing import ListedVideo

log = logging.getLogger(__name__)

LISTING_WINDOW = 200  # videos listed again, newest first, once a playlist was listed whole
LISTING_MAX_BYTES = 32 * 1024 * 1024  # a feed or playlist page larger than this is refused


class NotFollowed(PublisherError):
    """Enrichment found that a followed video falls outside its series' rules."""


# Listing (online builds) -----------------------------------------------------------------


def list_followed(run: Run) -> None:
    """List every followed playlist and remember the videos not seen before. A playlist
    that cannot be listed is reported and skipped: its known episodes stay."""
    follows = [(s.id, f) for s in run.catalog.series.values() for f in s.follow]
    if not follows:
        return
    followed = run.state.followed()
    taken = taken_ids(run.catalog, run.state, followed)
    in_catalog = catalog_ids_by_url(run.catalog)
    known = {same_url_key(video.url) for video in followed}
    listed_before = {video.playlist for video in followed}
    now = datetime.now(UTC).replace(microsecond=0)
    new: list[FollowedVideo] = []
    for series_id, follow in follows:
        try:
            with run.requests_limited():  # a trickling playlist cannot hold the run
                listed = list_if_changed(run, follow.url, follow.url in listed_before)
        except PublisherError as error:
            message = describe(error)
            run.notices.append(f"{follow.url}: {message}")
            (log.info if isinstance(error, SiteHeld) else log.error)("%s: %s", follow.url, message)
            run.fetch.note_failure(error, message)
            continue
        for position, video in enumerate(listed or ()):
            key = same_url_key(video.url)
            if key in in_catalog or key in known:
                continue
            known.add(key)
            entry_id = unique_id(slugify(video.title or video.url.rsplit("/", 1)[-1]), taken)
            taken.add(entry_id)
            # a listing is newest first: earlier positions count as seen later
            seen = now - timedelta(seconds=position)
            new.append(first_sighting(entry_id, series_id, follow, video, seen))
    if new:
        run.state.add_followed(new)
        log.info("%d new videos in followed playlists", len(new))


def list_if_changed(run: Run, url: str, listed_before: bool) -> list[ListedVideo] | None:
    """The playlist's videos, or None when it is byte for byte what was listed last time
    (a feed that did not change: yt-dlp is not even started). Once a playlist has been
    listed, only its newest LISTING_WINDOW videos are listed again: new ones come first."""
    from publisher.tools.http import checked_get, read_capped
    from publisher.tools.ytdlp.client import SOCKET_TIMEOUT

    allow_private = run.options.allow_private_sources
    check_url(url, allow_private)
    with (
        run.fetch.turn(url, run.stopping),
        checked_get(url, allow_private, SOCKET_TIMEOUT) as (
            _,
            response,
        ),
    ):
        body = read_capped(response, url, LISTING_MAX_BYTES) or b""
    digest = hashlib.sha256(body).hexdigest()
    if listed_before and digest == run.state.listing_digest(url):
        return None
    from publisher.stages.enrich import ytdlp_client  # yt-dlp only when there is news
    from publisher.tools.ytdlp.listing import list_playlist

    with ytdlp_client(run) as client:
        listed = list_playlist(client, url, LISTING_WINDOW if listed_before else None)
    run.state.remember_listing(url, digest)
    return listed


def first_sighting(
    entry_id: str, series_id: str, follow: Follow, video: ListedVideo, seen: datetime
) -> FollowedVideo:
    return FollowedVideo(
        entry_id=entry_id,
        series=series_id,
        playlist=follow.url,
        url=video.url,
        title=video.title,
        published=video.published,
        description=video.description,
        first_seen=seen,
        date_exact=video.date_exact,
    )


def taken_ids(catalog: Catalog, state: State, followed: list[FollowedVideo]) -> set[str]:
    """Ids never to give a new video: the catalog's, every one ever published, and
    every followed one."""
    ids = {entry.id for entry in catalog.entries} | set(state.publications())
    return ids | {video.entry_id for video in followed}


def catalog_ids_by_url(catalog: Catalog) -> dict[str, str]:
    """URL key -> id of the catalog entry that has it (`catalog_urls`: source or link)."""
    return {key: entry.id for key, entry in catalog_urls(catalog.entries).items()}


# Every build: followed episodes as items ----------------------------------------------


def hand_over_to_catalog(catalog: Catalog, state: State) -> None:
    """A followed video that a catalog entry now has (as its source or link) becomes that
    entry, keeping its GUID, and its media when the source is that video; the followed
    row goes."""
    followed = state.followed()
    in_catalog = catalog_ids_by_url(catalog) if followed else {}
    entries = {entry.id: entry for entry in catalog.entries}
    for video in followed:
        if (catalog_id := in_catalog.get(same_url_key(video.url))) is not None:
            log.info("%s is now catalog entry %s: it keeps its GUID", video.entry_id, catalog_id)
            source = entries[catalog_id].source
            # the media was made from the video: only the same video (by another of its
            # addresses) keeps it; another source (the entry has the video as its link)
            # is made anew, under the GUID the episode already has
            if source is None or same_url_key(source) != same_url_key(video.url):
                source = video.url
            recipes = recipes_from(catalog, state, video, source)
            state.hand_over_followed(video.entry_id, catalog_id, source, recipes)


def recipes_from(
    catalog: Catalog, state: State, video: FollowedVideo, source: str
) -> dict[str, tuple[str, str]]:
    """role -> (recorded made_from, the same recipe from `source`) of the followed video's
    files: the plan says what each was made from, and what the catalog's address makes."""
    recorded = {role: made for role, (_, made) in state.media_files(video.entry_id).items()}
    if not recorded or source == video.url:
        return {}
    info = state.media_info(video.entry_id)
    before = Item(entry_of(video), info=info)
    moved_info = dataclasses.replace(info, source=source) if info else None
    after = Item(dataclasses.replace(before.entry, source=source), info=moved_info)
    return moved_recipes(catalog, before, after, recorded)


def followed_entries(catalog: Catalog, state: State) -> list[Entry]:
    """The followed episodes this catalog publishes, from the state (no network)."""
    followed = state.followed()
    if not followed:
        return []
    entries = []
    catalog_ids = {entry.id for entry in catalog.entries}
    in_catalog = catalog_ids_by_url(catalog)
    cached = state.all_media_info()
    follows = {(s.id, f.url): f for s in catalog.series.values() for f in s.follow}
    for video in followed:
        if same_url_key(video.url) in in_catalog:
            continue  # a catalog entry has it (a build hands it over)
        if video.entry_id in catalog_ids:
            log.warning(
                "followed video %s has the id %r of a catalog entry; give that entry another id",
                video.url,
                video.entry_id,
            )
            continue
        follow = follows.get((video.series, video.playlist))
        if follow is None:
            continue  # its series, or that playlist, is no longer followed
        info = cached.get(video.entry_id)
        entry = with_source_metadata(entry_of(video), info, listed_date(video))
        if passes(follow, entry):
            entries.append(entry)
    return entries


def follow_of(catalog: Catalog, series_id: str, playlist: str) -> Follow | None:
    series = catalog.series.get(series_id)
    return next((f for f in series.follow if f.url == playlist), None) if series else None


def entry_of(video: FollowedVideo) -> Entry:
    return Entry(
        id=video.entry_id,
        kind="video",
        title=video.title,  # may be empty until enrichment gives one
        published=video.published or video.first_seen,
        series=video.series,
        source=video.url,
        link=video.url,
        summary=video.description,
        followed=video.playlist,
    )


def with_source_metadata(entry: Entry, info: MediaInfo | None, listing_dated: bool) -> Entry:
    """A followed entry has no catalog values. The playlist's own title, description and
    (exact) date are kept, as the publisher of the feed or playlist chose them; what the
    video says fills in the rest."""
    if info is None:
        return entry
    day = checked_day(info.upload_date)
    return dataclasses.replace(
        entry,
        title=entry.title or info.title or entry.id,
        published=entry.published if listing_dated or not day else day,
        summary=entry.summary or info.description,
        authors=(info.uploader,) if info.uploader else entry.authors,
        link=info.webpage_url or entry.link,
    )


def listed_date(video: FollowedVideo) -> bool:
    """Whether the listing's date is the one to publish."""
    return video.published is not None and video.date_exact


def passes(follow: Follow, entry: Entry) -> bool:
    """The series' rules for a followed video: a date on or after `after`, a title
    matching `match`."""
    if follow.after and entry.published < follow.after:
        return False
    return not (follow.match and not re.search(follow.match, entry.title))


# The per-item stage, after enrich ------------------------------------------------------


def adopt_source_metadata(run: Run, item: Item) -> None:
    """A followed episode takes the title, date and description enrichment read; one
    that turns out to fall outside the series' rules goes no further."""
    if not item.entry.followed:
        return
    video = run.state.followed_video(item.id)
    if video is not None:
        item.entry = with_source_metadata(entry_of(video), item.info, listed_date(video))
    follow = follow_of(run.catalog, item.entry.series or "", item.entry.followed)
    if follow is None or not passes(follow, item.entry):
        raise NotFollowed(f"{item.id} is outside the rules of its series' follow")
