"""A series' podcast feeds (`podcast.xml`, `video.xml`), built with feedgen.

Apple's required tags, the Podcast Index namespace, and one item per episode that has
published media. Everything is derived from the run, nothing from the clock, so the same
content always gives the same bytes.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from feedgen.feed import FeedGenerator

from publisher.formats import apple, sanitize
from publisher.formats.captions import transcript_language
from publisher.guids import podcast_guid
from publisher.model import ALL_TALKS, Catalog, Item, MediaFile, Series
from publisher.output import urls
from publisher.output.inventory import Feed, all_talks_title
from publisher.render.feedext import podcast_feed_generator, rss_bytes
from publisher.render.feedext.podcastindex import (
    AlternateEnclosure,
    Person,
    RemoteItem,
    Trailer,
    Transcript,
)
from publisher.sources import is_web_url

if TYPE_CHECKING:
    from publisher.build.run import Run

log = logging.getLogger(__name__)

GENERATOR = "publisher"


def newest_first(items: list[Item]) -> list[Item]:
    """Explicit order: newest `published` first, ties broken by id."""
    return sorted(items, key=lambda i: (-i.entry.published.timestamp(), i.id))


def all_talks_series(catalog: Catalog) -> Series:
    """The all-talks feed as a series of its own: the site's name, voice and language;
    the category most of the listed series have; explicit if any of them is."""
    site, listed = catalog.site, catalog.listed_series
    categories = Counter(series.category for series in listed)
    return Series(
        id=ALL_TALKS,
        title=all_talks_title(catalog),
        description=site.description or f"Every talk of {site.title}, newest first.",
        author=site.author,
        category=categories.most_common(1)[0][0] if listed else ("Society & Culture",),
        explicit=any(series.explicit for series in listed),
        video=any(series.video for series in listed),
        language=site.language,
    )


def series_of_feed(run: Run, spec: Feed) -> Series:
    """The series a podcast feed is of (the all-talks feeds' own, made up)."""
    if spec.series == ALL_TALKS:
        return all_talks_series(run.catalog)
    return run.catalog.series[spec.series or ""]


def talks_of(run: Run, series: Series) -> list[Item]:
    """The talks of a series; of the all-talks one, those of every listed series."""
    if series.id != ALL_TALKS:
        return run.talks_by_series.get(series.id, [])
    return [item for s in run.catalog.listed_series for item in run.talks_by_series.get(s.id, [])]


def episodes_of(run: Run, series: Series, spec: Feed) -> list[Item]:
    def has_media(item: Item) -> bool:
        if spec.medium == "video":
            return item.video is not None and item.video_guid is not None
        return item.audio is not None and item.guid is not None

    return newest_first([i for i in talks_of(run, series) if has_media(i)])


@dataclass(frozen=True)
class Page:
    """One document of a feed: the subscription feed itself, or an RFC 5005 archive page."""

    relative: str
    items: list[Item]
    links: tuple[tuple[str, str], ...] = ()  # (rel, relative path)
    archive: bool = False


def archive_path(relative: str, number: int) -> str:
    return relative.removesuffix(".xml") + f"-archive-{number}.xml"


def paginate(relative: str, items: list[Item], size: int) -> list[Page]:
    """The newest `size` items in the feed, the rest in archive pages of `size`.

    Archives are cut from the oldest item on, so a page, once full, never changes again
    (apps and CDNs may cache it for good); only the newest archive page fills up.
    """
    if not size or len(items) <= size:
        return [Page(relative, items)]
    oldest_first = items[size:][::-1]
    chunks = [oldest_first[i : i + size] for i in range(0, len(oldest_first), size)]
    names = [archive_path(relative, n) for n in range(1, len(chunks) + 1)]
    pages = [Page(relative, items[:size], (("next", names[-1]), ("prev-archive", names[-1])))]
    for n, chunk in enumerate(chunks):
        links = [("current", relative)]
        if n > 0:
            links += [("next", names[n - 1]), ("prev-archive", names[n - 1])]
        if n + 1 < len(chunks):
            links.append(("next-archive", names[n + 1]))
        pages.append(Page(names[n], newest_first(chunk), tuple(links), archive=True))
    return pages


def render_series_feed(
    run: Run, series: Series, spec: Feed, podroll: tuple[RemoteItem, ...] = ()
) -> dict[str, bytes]:
    """The feed of `spec` (and its archive pages, when the site pages its feeds), which
    recommends the shows of `podroll`."""
    outputs = {}
    items = episodes_of(run, series, spec)
    for page in paginate(spec.path, items, run.catalog.site.feed_page_size):
        feed = _channel(run, series, spec, page)
        feed.podcastindex.podroll = list(podroll)
        if not page.archive:  # the show's trailers, wherever paging put their items
            feed.podcastindex.trailers = trailers(run, spec, items)
        for item in page.items:
            _add_episode(run, feed, spec, item)
        outputs[page.relative] = rss_bytes(feed)
    return outputs


def trailers(run: Run, spec: Feed, items: list[Item]) -> list[Trailer]:
    """A `podcast:trailer` for each `episode_type: trailer` episode of the feed."""
    found = []
    for item in items:
        if item.entry.episode_type != "trailer":
            continue
        media = item.video if spec.medium == "video" else item.audio
        assert media is not None and item.entry.published is not None
        found.append(
            Trailer(
                title=sanitize.plain_text(item.entry.title),
                url=enclosure_url(run, media),
                published=item.entry.published,
                length=media.length,
                type=media.mime_type,
                season=item.entry.season,
            )
        )
    return found


def _channel(run: Run, series: Series, spec: Feed, page: Page) -> FeedGenerator:
    site = run.catalog.site
    feed_url = urls.public_url(run.base_url, page.relative)
    feed = podcast_feed_generator()
    feed.title(apple.fitted_title(spec.title))  # "… (video)" can pass the limit
    # feedgen takes the RSS <link> from the last link given: the self link goes first.
    feed.link(href=feed_url, rel="self", type="application/rss+xml")
    feed.link(
        href=series.link or urls.public_url(run.base_url, urls.series_page(series.id)),
        rel="alternate",
    )
    # Apple and apps read the channel <description> as HTML; itunes:summary is plain text.
    feed.description(sanitize.phrase_html(series.description, apple.SUMMARY_MAX_BYTES))
    feed.language(run.catalog.series_language(series))
    feed.generator(GENERATOR)
    # A stand-in: publish_feed stamps the time the content last changed (render.changes)
    feed.lastBuildDate(run.started)
    if site.copyright:
        feed.copyright(site.copyright)
    feed.itunes.itunes_author(series.author)
    feed.itunes.itunes_owner(name=site.owner.name, email=site.owner.email)
    feed.itunes.itunes_image(channel_image_url(run, series.id))
    feed.itunes.itunes_category(*_category_args(series.category))
    feed.itunes.itunes_explicit(series.explicit)
    feed.itunes.itunes_type(series.type)
    feed.itunes.blocked = not series.listed  # published, but no directory lists it
    moved_to = series.new_video_feed_url if spec.medium == "video" else series.new_feed_url
    if moved_to and not page.archive:
        # Apple's way to move a show: the old feed names the new one until apps follow.
        feed.itunes.itunes_new_feed_url(moved_to)
    feed.itunes.itunes_summary(sanitize.plain_text(series.description, apple.SUMMARY_MAX_BYTES))
    pi = feed.podcastindex
    # Archive pages belong to the same podcast: its guid is that of the subscription feed.
    pi.guid = run.podcast_guids.get(spec.path) or podcast_guid(
        urls.public_url(run.base_url, spec.path)
    )
    pi.locked = (True, site.owner.email)
    pi.medium = spec.podcast_medium
    pi.funding = (site.funding.url, site.funding.text) if site.funding else None
    pi.license = site.license or None
    pi.update_frequency = series.update_frequency
    pi.people = [Person(series.author)]
    pi.block = not series.listed
    pi.txt = txt_records(site.txt, series.txt)
    for hub in site.hubs:
        feed.atomlinks.add("hub", hub)
    for rel, relative in page.links:
        feed.atomlinks.add(rel, urls.public_url(run.base_url, relative))
    feed.atomlinks.archive = page.archive
    return feed


def txt_records(*sets: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """The site's txt records, then the series' own; a series' purpose replaces the
    site's record of the same purpose."""
    merged: dict[str, str] = {}
    for records in sets:
        merged.update(records)
    return list(merged.items())


def _category_args(category: tuple[str, ...]) -> tuple[str, str | None]:
    return category[0], category[1] if len(category) > 1 else None


def channel_image_url(run: Run, key: str) -> str:
    """The published cover of a series (or of the site, under the key "site")."""
    relative = run.artwork.get(key) or run.artwork.get("site", "")
    return relative if is_web_url(relative) else urls.public_url(run.base_url, relative)


def _add_episode(run: Run, feed: FeedGenerator, spec: Feed, item: Item):
    """One episode, as its own series gives it (in the all-talks feed too)."""
    series = run.series_of(item)
    entry = item.entry
    media = item.video if spec.medium == "video" else item.audio
    guid = item.video_guid if spec.medium == "video" else item.guid
    assert media is not None and guid is not None
    summary = entry.summary or (item.info.description if item.info else "")
    episode = feed.add_entry(order="append")
    episode.title(apple.fitted_title(entry.title))  # a followed video's title is untold
    episode.guid(guid, permalink=False)
    episode.link(href=entry.link or urls.public_url(run.base_url, urls.series_page(series.id)))
    episode.pubDate(entry.published)
    description = summary or entry.title  # read as HTML by apps, like content:encoded
    episode.description(sanitize.paragraphs_html(description, apple.SUMMARY_MAX_BYTES))
    if summary:
        episode.content(sanitize.paragraphs_html(summary, apple.CONTENT_MAX_BYTES))
    episode.enclosure(enclosure_url(run, media), str(media.length), media.mime_type)
    _itunes_episode(run, episode, series, item, media)
    _podcastindex_episode(run, episode, spec, item, media)


def _itunes_episode(run: Run, episode, series: Series, item: Item, media: MediaFile) -> None:
    entry = item.entry
    it = episode.itunes
    it.itunes_author(", ".join(entry.authors) or series.author)
    if media.duration:
        it.itunes_duration(apple.itunes_duration(media.duration))
    image = item.image.path if item.image else None
    it.itunes_image(
        urls.public_url(run.base_url, image) if image else channel_image_url(run, series.id)
    )
    it.itunes_explicit(series.explicit if entry.explicit is None else entry.explicit)
    it.itunes_episode_type(entry.episode_type)
    if entry.episode is not None:
        it.itunes_episode(entry.episode)
    if entry.season is not None:
        it.itunes_season(entry.season)
    summary = entry.summary or (item.info.description if item.info else "")
    if summary:
        it.itunes_summary(sanitize.plain_text(summary, apple.SUMMARY_MAX_BYTES))


def drop_soundbites_outside(run: Run) -> None:
    """A soundbite outside its talk's audio is dropped, with a warning; never the
    episode. Once per build, before the feeds: every feed then gives the same ones."""
    for item in run.items:
        duration = item.audio.duration if item.audio else None
        if not item.entry.soundbites or not duration:
            continue
        kept = tuple(b for b in item.entry.soundbites if b.start + b.duration <= duration + 0.5)
        for bite in item.entry.soundbites:
            if bite not in kept:
                log.warning(
                    "%s: the soundbite at %g s (%g s long) is outside the talk's %g s;"
                    " left out", item.id, bite.start, bite.duration, round(duration),
                )  # fmt: skip
        if len(kept) != len(item.entry.soundbites):
            item.entry = dataclasses.replace(item.entry, soundbites=kept)


def enclosure_url(run: Run, media: MediaFile) -> str:
    """Where apps download an episode: through `site.enclosure_prefix` when one is set,
    except in a preview, whose downloads are no listener's (and an analytics service
    could not reach a preview's address anyway)."""
    prefix = "" if run.is_preview else run.catalog.site.enclosure_prefix
    return urls.prefixed(prefix, urls.public_url(run.base_url, media.path))


def speaker(name: str, series_author: str) -> Person:
    """A talk's speaker: the series' own voice hosts it; anyone else is its guest."""
    return Person(name, role="host" if name == series_author else "guest")


def _transcript_order(media: MediaFile) -> tuple[int, str]:
    """WebVTT first (what players show), then SRT; stable whichever stage set the list."""
    preferred = {"text/vtt": 0, "application/x-subrip": 1}
    return preferred.get(media.mime_type, 2), media.path


def _podcastindex_episode(run: Run, episode, spec: Feed, item: Item, media: MediaFile) -> None:
    entry = item.entry
    pi = episode.podcastindex
    series = run.series_of(item)
    pi.people = [speaker(name, series.author if series else "") for name in entry.authors]
    pi.season, pi.episode = entry.season, entry.episode
    pi.soundbites = list(entry.soundbites)
    language = transcript_language(item, run.catalog.language_of(entry))
    pi.transcripts = [
        Transcript(urls.public_url(run.base_url, t.path), t.mime_type, language)
        for t in sorted(item.transcripts, key=_transcript_order)
    ]
    if item.chapters_file:
        pi.chapters = urls.public_url(run.base_url, item.chapters_file.path)
        episode.psc.chapters = item.chapters  # the same chapters, for Podlove readers
    if spec.medium == "audio" and item.video is not None:
        video = item.video
        pi.alternate_enclosures = [
            AlternateEnclosure(
                video.mime_type,
                video.length,
                (enclosure_url(run, video),),
                title="Video",
            )
        ]
