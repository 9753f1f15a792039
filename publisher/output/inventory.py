"""THE list of feeds a build publishes: the path, title, medium and kind of each.

Render, OPML, WebSub and directory pings, the S3 upload, `serve` and `check` all read
this list, so a feed added (or renamed, or titled differently) is added here once.
`feeds()` names what a catalog publishes; `recognise()` tells, from a path alone, which
of those a published file is, for the commands that read a folder without a catalog.

It lives beside the folder's layout (`urls`) rather than in `render/`, so `check`,
`serve` and `publish` read it without loading the renderers (feedgen, Jinja2, Pillow).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from publisher.model import ALL_TALKS, Catalog, Series
from publisher.output import urls

Medium = Literal["audio", "video", "articles", "list"]
Kind = Literal["rss", "atom", "opml"]

# <series>/podcast.xml, <series>/video.xml and their RFC 5005 archive pages
_SERIES_FEED = re.compile(
    r"^(?P<series>[^/]+)/(?P<name>podcast|video)(?P<archive>-archive-\d+)?\.xml$"
)
_NAME_MEDIUM: dict[str, Medium] = {"podcast": "audio", "video": "video"}


@dataclass(frozen=True)
class Feed:
    path: str  # under the published folder
    title: str  # "" when recognised from a path alone
    medium: Medium  # audio or video podcast, the article feed, or the list of feeds
    kind: Kind  # the document's format, also OPML's outline type
    series: str | None = None  # ALL_TALKS for the all-talks feeds
    archive: bool = False  # an RFC 5005 archive page, not a feed anyone subscribes to
    listed: bool = True  # False: published, but offered nowhere and announced to no one

    @property
    def is_podcast(self) -> bool:
        """A feed to paste into a podcast app (the others are for feed readers)."""
        return self.medium in ("audio", "video")

    @property
    def podcast_medium(self) -> str:
        """Its `podcast:medium`: the Podcast Index calls an audio show "podcast"."""
        return "podcast" if self.medium == "audio" else self.medium


def series_feeds(series: Series) -> list[Feed]:
    """A series' audio feed, and its video feed when the series has video."""
    shown = {"series": series.id, "listed": series.listed}
    feeds = [Feed(urls.podcast_feed(series.id), series.title, "audio", "rss", **shown)]
    if series.video:
        title = f"{series.title} (video)"
        feeds.append(Feed(urls.video_feed(series.id), title, "video", "rss", **shown))
    return feeds


def all_talks_feeds(catalog: Catalog) -> list[Feed]:
    """With `site.all_talks`: `all/podcast.xml`, every listed talk of every series, and
    `all/video.xml` when a listed series has video."""
    if not catalog.site.all_talks:
        return []
    title = all_talks_title(catalog)
    feeds = [Feed(urls.podcast_feed(ALL_TALKS), title, "audio", "rss", ALL_TALKS)]
    if any(series.video for series in catalog.listed_series):
        video = f"{title} (video)"
        feeds.append(Feed(urls.video_feed(ALL_TALKS), video, "video", "rss", ALL_TALKS))
    return feeds


def all_talks_title(catalog: Catalog) -> str:
    return f"{catalog.site.title}: all talks"


def unlisted(catalog: Catalog) -> frozenset[str]:
    """The feeds of `listed: false` series: hubs and directories are not told of them."""
    return frozenset(feed.path for feed in feeds(catalog) if not feed.listed)


def article_feeds(catalog: Catalog) -> list[Feed]:
    title = f"{catalog.site.title}: articles"
    return [
        Feed(urls.ARTICLES_RSS, title, "articles", "rss"),
        Feed(urls.ARTICLES_ATOM, title, "articles", "atom"),
    ]


def opml_feed(catalog: Catalog) -> Feed:
    return Feed(urls.OPML, catalog.site.title, "list", "opml")


def feeds(catalog: Catalog) -> list[Feed]:
    """Every feed a build of `catalog` publishes, series by id, the all-talks feeds, then
    articles, OPML last
    (it lists the others). Archive pages are not listed: they come with their feed."""
    by_series = [
        feed for series in sorted(catalog.series.values(), key=lambda s: s.id)
        for feed in series_feeds(series)
    ]  # fmt: skip
    return [*by_series, *all_talks_feeds(catalog), *article_feeds(catalog), opml_feed(catalog)]


def recognise(relative: str) -> Feed | None:
    """The feed a path under the published folder is, or None for everything else
    (media, pages, a sitemap, the writer's temp files)."""
    if relative == urls.ARTICLES_RSS:
        return Feed(relative, "", "articles", "rss")
    if relative == urls.ARTICLES_ATOM:
        return Feed(relative, "", "articles", "atom")
    if relative == urls.OPML:
        return Feed(relative, "", "list", "opml")
    match = _SERIES_FEED.match(relative)
    if match is None or match["series"] == "media" or match["series"].startswith("."):
        return None
    medium = _NAME_MEDIUM[match["name"]]
    return Feed(relative, "", medium, "rss", match["series"], archive=bool(match["archive"]))


def is_feed(relative: str) -> bool:
    """Feeds and OPML are uploaded last and cached briefly; everything else is content."""
    return recognise(relative) is not None


def subscribable(relative: str) -> bool:
    """A feed people subscribe to, which hubs and directories are told about: not OPML,
    not an archive page."""
    feed = recognise(relative)
    return feed is not None and feed.kind != "opml" and not feed.archive
