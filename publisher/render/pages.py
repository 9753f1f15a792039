"""The render stage for pages: the landing page and one page per series.

Pages are for people who find the podcast on the web: they show every series with its
subscribe links, and every episode with a player, chapters and transcript. They are built
from the same `Run` as the feeds, written by the same writer, and deterministic: nothing
depends on the clock, and every list has an explicit order.

Links inside the site are relative, so the folder works from any host (S3, `publisher
serve`, a file:// preview); feed URLs are absolute, because podcast apps need them so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from publisher.formats.captions import clean_cues, parse_vtt
from publisher.formats.durations import format_timestamp, iso_duration, spoken_length
from publisher.formats.sanitize import paragraphs_html, plain_text
from publisher.model import ALL_TALKS, Item, Series
from publisher.output import urls
from publisher.render.podcast import all_talks_series, newest_first, talks_of
from publisher.render.podroll import recommended_series
from publisher.render.summaries import (
    page_summary,
)
from publisher.sources import is_web_url

if TYPE_CHECKING:
    from publisher.build.run import Run

log = logging.getLogger(__name__)

SCRIPT = "site.js"  # one player at a time, seeking, copy-the-feed-URL; no framework
SERIES_ROOT = "../"  # where a series page is, seen from the site root
OG_DESCRIPTION_BYTES = 300


@dataclass(frozen=True)
class Link:
    label: str
    href: str


@dataclass(frozen=True)
class Timed:
    """A chapter or a transcript cue: something the player can seek to."""

    start: float
    text: str


@dataclass(frozen=True)
class FeedView:
    """One feed a visitor can subscribe to: its URL and the apps that take it."""

    id: str  # unique on a page: for the label of its URL box
    label: str  # "Audio podcast", "Video podcast"
    medium: str  # "audio" or "video"
    url: str
    apps: tuple[Link, ...]


@dataclass(frozen=True)
class SeriesView:
    series: Series
    page: str  # relative to the site root
    cover: str | None  # relative to the site root, or an absolute URL
    description: Markup
    feeds: tuple[FeedView, ...]  # none until the series has an episode
    episodes: tuple[Item, ...]  # in the order the page lists them
    language: str  # BCP 47: its page's lang
    recommends: tuple[Recommended, ...] = ()  # the shows its feeds' podroll names

    @property
    def is_all_talks(self) -> bool:
        return self.series.id == ALL_TALKS


@dataclass(frozen=True)
class Recommended:
    title: str
    page: str  # relative to the site root
    language: str


@dataclass(frozen=True)
class LanguageGroup:
    """The listed series of one language, as the landing page groups them."""

    language: str
    name: str  # the language's own name for itself: "English", "español"
    views: tuple[SeriesView, ...]


@dataclass(frozen=True)
class EpisodeView:
    item: Item
    summary: Markup
    chapters: tuple[Timed, ...]
    transcript: tuple[Timed, ...]
    captions: str | None  # the .vtt path, for the video player's <track>
    language: str  # BCP 47, the talk's (its captions' srclang)
    series: Series | None = None  # on the all-talks page: the series it is from


def render_pages(run: Run) -> None:
    """Write index.html, <series>/index.html (all/index.html with `site.all_talks`),
    style.css and site.js through the writer."""
    env = template_environment()
    views = [series_view(run, series) for series in run.catalog.series.values()]
    if run.catalog.site.all_talks:
        views.append(series_view(run, all_talks_series(run.catalog)))
    site = run.catalog.site
    site_context = {"site": site, "script": SCRIPT}
    listed = [v for v in views if v.series.listed and not v.is_all_talks]
    index = env.get_template("index.html").render(
        **site_context,
        root="",
        lang=site.language,
        page_title=site.title,
        description=site.description,
        series_list=listed,
        groups=language_groups(run, listed),
        all_talks=next((v for v in views if v.is_all_talks), None),
        articles=[
            (i.entry, run.catalog.language_of(i.entry)) for i in newest_first(run.catalog_articles)
        ],
        article_feeds=article_feeds(run),
        opml_url=urls.public_url(run.base_url, urls.OPML),
        page_url=urls.public_url(run.base_url, urls.INDEX_PAGE),
        og_image=absolute(run, site_cover(run)),
    )
    run.writer.write_text(urls.INDEX_PAGE, index)
    for view in views:
        page = env.get_template("series.html").render(
            **site_context,
            root=SERIES_ROOT,
            lang=view.language,
            page_title=f"{view.series.title} · {site.title}",
            description=view.series.description,
            view=view,
            episodes=[episode_view(run, item, view.is_all_talks) for item in view.episodes],
            page_url=urls.public_url(run.base_url, urls.series_page(view.series.id)),
            og_image=absolute(run, view.cover),
        )
        run.writer.write_text(urls.series_page(view.series.id), page)
    run.writer.write_text(urls.STYLESHEET, static_file("style.css"))
    run.writer.write_text(SCRIPT, static_file(SCRIPT))


# The model behind the pages ---------------------------------------------------------


def series_view(run: Run, series: Series) -> SeriesView:
    episodes = published_episodes(run, series)
    return SeriesView(
        series=series,
        page=urls.series_page(series.id),
        cover=series_cover(run, series),
        description=Markup(paragraphs_html(series.description)),
        feeds=tuple(offered_feeds(run, series, episodes)),
        episodes=tuple(page_order(series, episodes)),
        language=run.catalog.series_language(series),
        recommends=tuple(recommended(run, series)),
    )


def recommended(run: Run, series: Series) -> list[Recommended]:
    """The shows the series' feeds recommend in their podroll, to name on its page."""
    shown = []
    for series_id in recommended_series(run, series.id):
        other = all_talks_series(run.catalog) if series_id == ALL_TALKS else None
        other = other or run.catalog.series[series_id]
        language = run.catalog.series_language(other)
        shown.append(Recommended(other.title, urls.series_page(series_id), language))
    return shown


def language_groups(run: Run, views: list[SeriesView]) -> list[LanguageGroup]:
    """The series by language: the site's language first, then the others by tag."""
    site = run.catalog.site.language
    languages = sorted({v.language for v in views}, key=lambda tag: (tag != site, tag))
    return [
        LanguageGroup(tag, language_name(tag), tuple(v for v in views if v.language == tag))
        for tag in languages
    ]


@cache
def language_name(tag: str) -> str:
    """A language's name in itself ("español", "English"), from the CLDR data; the tag
    itself for a language the CLDR does not know, or for `und` (undetermined), which
    Babel fills in with the likeliest language (English, or Spanish for und-ES)."""
    from babel import Locale, UnknownLocaleError  # only the pages need it

    if tag.split("-")[0].lower() == "und":
        return tag
    try:
        locale = Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError):
        return tag
    name = locale.get_display_name(locale) or tag
    return name[:1].upper() + name[1:]


def offered_feeds(run: Run, series: Series, episodes: list[Item]) -> list[FeedView]:
    """The feeds worth subscribing to: none with no episode in it yet, since directories
    refuse an empty show and an app would show an empty one."""
    feeds = []
    if episodes:
        url = urls.public_url(run.base_url, urls.podcast_feed(series.id))
        apps = subscribe_links(url, series.title)
        feeds.append(FeedView(f"{series.id}-audio", "Audio podcast", "audio", url, apps))
    if series.video and any(item.video for item in episodes):
        url = urls.public_url(run.base_url, urls.video_feed(series.id))
        apps = subscribe_links(url, series.title, video=True)
        feeds.append(FeedView(f"{series.id}-video", "Video podcast", "video", url, apps))
    return feeds


def published_episodes(run: Run, series: Series) -> list[Item]:
    """The talks of a series that have audio, newest first (the feed's order)."""
    return newest_first([item for item in talks_of(run, series) if item.audio])


def page_order(series: Series, episodes: list[Item]) -> list[Item]:
    """A serial series is read in order, so its page lists episodes by number, oldest
    first (unnumbered ones last, by date); an episodic one lists the newest first."""
    if series.type != "serial":
        return newest_first(episodes)

    def number(item: Item) -> tuple:
        entry = item.entry
        return (entry.season or 0, entry.episode is None, entry.episode or 0,
                entry.published.timestamp(), entry.id)  # fmt: skip

    return sorted(episodes, key=number)


def episode_view(run: Run, item: Item, name_series: bool = False) -> EpisodeView:
    summary = item.entry.summary or (item.info.description if item.info else "")
    vtt = next((t for t in item.transcripts if t.path.endswith(".vtt")), None)
    cues = read_transcript(run.out, vtt.path) if vtt else []
    assert item.audio is not None  # published_episodes keeps only talks with audio
    return EpisodeView(
        item=item,
        summary=page_summary(summary, item, href(item.audio.path, SERIES_ROOT)),
        chapters=tuple(Timed(c.start, c.title) for c in item.chapters),
        transcript=tuple(cues),
        captions=vtt.path if vtt else None,
        language=run.catalog.language_of(item.entry),
        series=run.series_of(item) if name_series else None,
    )


def read_transcript(out: Path, relative: str) -> list[Timed]:
    """The cues of a published .vtt; a missing or unreadable one just shows no transcript."""
    try:
        return read_vtt((out / relative).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        log.warning("transcript %s not shown: %s", relative, error)
        return []


def article_feeds(run: Run) -> tuple[Link, ...]:
    return (
        Link("RSS", urls.public_url(run.base_url, urls.ARTICLES_RSS)),
        Link("Atom", urls.public_url(run.base_url, urls.ARTICLES_ATOM)),
    )


def subscribe_links(feed_url: str, title: str, video: bool = False) -> tuple[Link, ...]:
    """One link per app, in the form each app documents for "subscribe to this feed".

    A video feed is offered only to the apps that play video: Overcast plays audio only.
    """
    bare = feed_url.split("://", 1)[-1]  # Apple and Pocket Casts take the URL sans scheme
    encoded, encoded_title = quote(feed_url, safe=""), quote(title, safe="")
    links = [
        Link("Apple Podcasts", f"podcast://{bare}"),
        Link("Pocket Casts", f"pktc://subscribe/{bare}"),
        Link(
            "AntennaPod",
            f"https://antennapod.org/deeplink/subscribe?url={encoded}&title={encoded_title}",
        ),
    ]
    if not video:
        links.append(Link("Overcast", f"overcast://x-callback-url/add?url={encoded}"))
    return (*links, Link("RSS", feed_url))


# Transcripts -------------------------------------------------------------------------


def read_vtt(text: str) -> list[Timed]:
    """The cues of a WebVTT file as (start, one line of text), for reading along.

    The transcript stage publishes cleaned cues already; a repeat is merged all the same,
    so a hand-made .vtt beside a local source reads well too.
    """
    cues = clean_cues(parse_vtt(text), rolling=False)
    return [Timed(cue.start, " ".join(cue.text.split("\n"))) for cue in cues]


# Cover art ----------------------------------------------------------------------------


def series_cover(run: Run, series: Series) -> str | None:
    """The series' published cover (the artwork stage's), else the site's, else the
    newest episode's art; a path in the folder or a URL."""
    cover = run.artwork.get(series.id) or run.artwork.get("site")
    if cover:
        return cover
    episodes = published_episodes(run, series)
    return next((item.image.path for item in episodes if item.image), None)


def site_cover(run: Run) -> str | None:
    return run.artwork.get("site")


def absolute(run: Run, path: str | None) -> str | None:
    if path is None or is_web_url(path):
        return path
    return urls.public_url(run.base_url, path)


# Templates ----------------------------------------------------------------------------


@cache
def template_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("publisher.render", "templates"),
        autoescape=True,  # every page is HTML; summaries arrive as Markup, already escaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["duration"] = spoken_length
    env.filters["iso_duration"] = iso_duration
    env.filters["timestamp"] = format_timestamp
    env.filters["web_url"] = lambda url: url if url and is_web_url(url) else None
    env.filters["href"] = href
    env.filters["plain"] = plain_text
    env.filters["paragraphs"] = lambda text: Markup(paragraphs_html(text))
    env.globals["OG_DESCRIPTION_BYTES"] = OG_DESCRIPTION_BYTES
    return env


def static_file(name: str) -> str:
    source, _, _ = template_environment().loader.get_source(template_environment(), name)
    return source


def href(path: str, root: str = "") -> str:
    """A link to a file in the site from a page `root` away from the top ("" or "../")."""
    if is_web_url(path):
        return path
    return root + quote(path, safe="/-._~")
