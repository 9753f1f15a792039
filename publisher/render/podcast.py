"""A series' podcast feeds (`podcast.xml`, `video.xml`), built with feedgen.

Apple's required tags, the Podcast Index namespace, and one item per episode that has
published media. Everything is derived from the run, nothing from the clock, so the same
content always gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from feedgen.feed import FeedGenerator

from publisher.formats import apple, sanitize
from publisher.formats.captions import transcript_language
from publisher.guids import podcast_guid
from publisher.model import Item, MediaFile, Series
from publisher.output import urls
from publisher.output.inventory import Feed
from publisher.render.feedext import podcast_feed_generator, rss_bytes
from publisher.render.feedext.podcastindex import AlternateEnclosure, Person, Transcript
from publisher.sources import is_web_url

if TYPE_CHECKING:
    from publisher.build.run import Run

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
GENERATOR = "publisher"


def newest_first(items: list[Item]) -> list[Item]:
    """Explicit order: newest `published` first, ties broken by id."""
    return sorted(items, key=lambda i: (-i.entry.published.timestamp(), i.id))


def content_date(items: list[Item]) -> datetime:
    """lastBuildDate: the newest date of the content, never the clock, so a rebuild of the
    same content gives the same bytes on any machine."""
    return max((i.entry.published for i in items), default=EPOCH)


def series_date(run: Run, series: Series) -> datetime:
    """For a feed with no episode yet: the newest date the catalog gives the series."""
    return max((e.published for e in run.catalog.series_entries(series.id)), default=EPOCH)


def episodes_of(run: Run, series: Series, spec: Feed) -> list[Item]:
    def has_media(item: Item) -> bool:
        if spec.medium == "video":
            return item.video is not None and item.video_guid is not None
        return item.audio is not None and item.guid is not None

    return newest_first([i for i in run.talks_by_series.get(series.id, []) if has_media(i)])


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


def render_series_feed(run: Run, series: Series, spec: Feed) -> dict[str, bytes]:
    """The feed of `spec` (and its archive pages, when the site pages its feeds)."""
    outputs = {}
    items = episodes_of(run, series, spec)
    for page in paginate(spec.path, items, run.catalog.site.feed_page_size):
        feed = _channel(run, series, spec, page)
        for item in page.items:
            _add_episode(run, feed, series, spec, item)
        outputs[page.relative] = rss_bytes(feed)
    return outputs


def _channel(run: Run, series: Series, spec: Feed, page: Page) -> FeedGenerator:
    site = run.catalog.site
    items = page.items
    feed_url = urls.public_url(run.base_url, page.relative)
    feed = podcast_feed_generator()
    feed.title(spec.title)
    # feedgen takes the RSS <link> from the last link given: the self link goes first.
    feed.link(href=feed_url, rel="self", type="application/rss+xml")
    feed.link(
        href=series.link or urls.public_url(run.base_url, urls.series_page(series.id)),
        rel="alternate",
    )
    # Apple and apps read the channel <description> as HTML; itunes:summary is plain text.
    feed.description(sanitize.html_text(series.description, apple.SUMMARY_MAX_BYTES))
    feed.language(site.language)
    feed.generator(GENERATOR)
    feed.lastBuildDate(content_date(items) if items else series_date(run, series))
    if site.copyright:
        feed.copyright(site.copyright)
    feed.itunes.itunes_author(series.author)
    feed.itunes.itunes_owner(name=site.owner.name, email=site.owner.email)
    feed.itunes.itunes_image(channel_image_url(run, series.id))
    feed.itunes.itunes_category(*_category_args(series.category))
    feed.itunes.itunes_explicit(series.explicit)
    feed.itunes.itunes_type(series.type)
    if series.new_feed_url and spec.medium == "audio" and not page.archive:
        # Apple's way to move a show: the old feed names the new one until apps follow.
        feed.itunes.itunes_new_feed_url(series.new_feed_url)
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
    for hub in site.hubs:
        feed.atomlinks.add("hub", hub)
    for rel, relative in page.links:
        feed.atomlinks.add(rel, urls.public_url(run.base_url, relative))
    feed.atomlinks.archive = page.archive
    return feed


def _category_args(category: tuple[str, ...]) -> tuple[str, str | None]:
    return category[0], category[1] if len(category) > 1 else None


def channel_image_url(run: Run, key: str) -> str:
    """The published cover of a series (or of the site, under the key "site")."""
    relative = run.artwork.get(key) or run.artwork.get("site", "")
    return relative if is_web_url(relative) else urls.public_url(run.base_url, relative)


def _add_episode(run: Run, feed: FeedGenerator, series: Series, spec: Feed, item: Item):
    entry = item.entry
    media = item.video if spec.medium == "video" else item.audio
    guid = item.video_guid if spec.medium == "video" else item.guid
    assert media is not None and guid is not None
    summary = entry.summary or (item.info.description if item.info else "")
    episode = feed.add_entry(order="append")
    episode.title(entry.title)
    episode.guid(guid, permalink=False)
    episode.link(href=entry.link or urls.public_url(run.base_url, urls.series_page(series.id)))
    episode.pubDate(entry.published)
    description = summary or entry.title  # read as HTML by apps, like content:encoded
    episode.description(sanitize.html_text(description, apple.SUMMARY_MAX_BYTES))
    if summary:
        episode.content(sanitize.cut_html(sanitize.clean_html(summary), apple.CONTENT_MAX_BYTES))
    episode.enclosure(enclosure_url(run, media), str(media.length), media.mime_type)
    _itunes_episode(run, episode, series, item, media)
    _podcastindex_episode(run, episode, spec, item)


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


def enclosure_url(run: Run, media: MediaFile) -> str:
    """Where apps download an episode: through `site.enclosure_prefix` when one is set."""
    return urls.prefixed(
        run.catalog.site.enclosure_prefix, urls.public_url(run.base_url, media.path)
    )


def speaker(name: str, series_author: str) -> Person:
    """A talk's speaker: the series' own voice hosts it; anyone else is its guest."""
    return Person(name, role="host" if name == series_author else "guest")


def _transcript_order(media: MediaFile) -> tuple[int, str]:
    """WebVTT first (what players show), then SRT; stable whichever stage set the list."""
    preferred = {"text/vtt": 0, "application/x-subrip": 1}
    return preferred.get(media.mime_type, 2), media.path


def _podcastindex_episode(run: Run, episode, spec: Feed, item: Item) -> None:
    entry = item.entry
    pi = episode.podcastindex
    series = run.series_of(item)
    pi.people = [speaker(name, series.author if series else "") for name in entry.authors]
    pi.season, pi.episode = entry.season, entry.episode
    language = transcript_language(item, run.catalog.site.language)
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
