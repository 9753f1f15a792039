"""The article stages: an article's page, read as a talk's source is.

On an online build an article's `link` is read once, through the address rules, the
run's pacing and limits, and kept in the state; later builds (and `--offline` ones) use
what was kept, and read the page again only with `build --refresh` or when the link
changed. From the page come its main text (trafilatura, sanitized), its image (published
through the episode art rules) and, only where the catalog says nothing, its summary,
authors and date (JSON-LD, Open Graph). The catalog's values always win.

An article never fails a build: a page that cannot be read keeps what was read before,
and says so in a warning.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from publisher.build.plan import plan, published_file
from publisher.errors import PublisherError
from publisher.formats import sanitize
from publisher.formats.checked import checked_iso, checked_rfc822, possible_day
from publisher.messages import describe
from publisher.model import IMAGE, ArticlePage, Entry, Item, now_iso
from publisher.output.writer import is_in_folder
from publisher.sources import check_url

if TYPE_CHECKING:
    from publisher.build.run import Run

log = logging.getLogger(__name__)


def read_article(run: Run, item: Item) -> None:
    """Set `item.page`: from the state when it was read from this link, else from the
    page; a page that cannot be read keeps what was read before."""
    entry = item.entry
    cached = run.state.article_page(entry.id)
    if not entry.link:
        return
    if cached and cached.unread_since:  # a marker, not a page: nothing was ever read
        read_before = None
        waiting = cached.link == entry.link and not unread_retry_due(run, cached)
    else:
        read_before = cached
        waiting = cached is not None and cached.link == entry.link
    if waiting and not run.options.refresh:
        take_page(item, read_before)
        return
    run.progress.start(item, "reading the article's page")
    try:
        page = read_page(run, entry.link)
    except PublisherError as error:
        if run.stopping.is_set():
            return
        run.fetch.note_failure(error, describe(error))  # a 429 holds the site for talks too
        kept = (
            "what was read before is kept"
            if read_before
            else "it is published as the catalog says; its page is asked again a day later"
        )
        log.warning("%s: the article's page was not read: %s; %s", entry.id, describe(error), kept)
        if read_before is None:  # asked again in a day, not on every build (cron: 144 a day)
            unread = ArticlePage(link=entry.link, unread_since=run.started.isoformat())
            run.state.save_article_page(entry.id, unread)
        take_page(item, read_before)
        return
    run.state.save_article_page(entry.id, page)
    take_page(item, page)


UNREAD_RETRY = timedelta(days=1)


def unread_retry_due(run: Run, marker: ArticlePage) -> bool:
    """Whether a page that could not be read is asked again now: a day after it failed,
    or at once when its time is not one (a clock that ran ahead, or a garbled state)."""
    since = checked_iso(marker.unread_since)
    if since is None or since.tzinfo is None or since > run.started + UNREAD_RETRY:
        return True
    return run.started >= since + UNREAD_RETRY


def read_page(run: Run, link: str) -> ArticlePage:
    """What the page at `link` says; a PublisherError when it cannot be read."""
    # loaded only when a page is read: a build with every page cached loads neither
    from publisher.formats import pagemeta
    from publisher.tools import trafilatura, webpages

    allow_private = run.options.allow_private_sources
    url = check_url(link, allow_private)
    with run.fetch.turn(url, run.stopping):  # paced; never a site that refused us
        final, html = webpages.fetch(url, allow_private)
    run.fetch.note_success(url)
    meta = pagemeta.parse_page(html, final)
    return ArticlePage(
        link=link,
        text=sanitize.clean_article_html(trafilatura.main_text(html, final, run.stopping)),
        description=meta.description,
        authors=meta.authors,
        published=meta.published,
        image=meta.image,
        fetched_at=now_iso(),
    )


def take_page(item: Item, page: ArticlePage | None) -> None:
    """The item as its page fills it in: the page, and the entry with the summary,
    authors and date the catalog does not give. A marker of a page never read is none."""
    page = None if page is not None and page.unread_since else page
    item.page = page
    if page is not None:
        item.entry = with_page_values(item.entry, page)


def with_page_values(entry: Entry, page: ArticlePage) -> Entry:
    changes: dict = {}
    if not entry.summary and page.description:
        changes["summary"] = page.description
    if not entry.authors and page.authors:
        changes["authors"] = page.authors
    if entry.published is None and (moment := page_date(page.published)) is not None:
        changes["published"] = moment
    return dataclasses.replace(entry, **changes) if changes else entry


def page_date(text: str) -> datetime | None:
    """A page's date as the catalog reads one: an ISO datetime with its offset, or a day
    (midnight UTC); RFC 2822, as some sites write it; None when it cannot be read, or
    cannot be an article's (9999-12-31, 0001-01-01: `publisher add`'s rule)."""
    text = text.strip()
    # read as every date from outside is: year 9999, or an offset of +03:00:30, would
    # keep the article out of its feeds on every build
    moment = checked_iso(text.replace(" ", "T", 1)) or checked_rfc822(text, zone_required=False)
    if moment is None or not possible_day(moment.date()):
        return None
    if moment.tzinfo is None:  # a day, or a time with no zone: the day is what is known
        return datetime.combine(date(moment.year, moment.month, moment.day), time(), UTC)
    return moment


def publish_article_art(run: Run, item: Item) -> None:
    """The page's image as the article's image, by the episode art rules (square, Apple's
    sizes, a name that changes with the bytes); art is an extra that never fails one."""
    output = plan(run, item).get(IMAGE)  # the page's image, as the plan names it
    if output is None:
        return
    reusable = published_file(run, item, output)
    if reusable and not run.options.refresh:
        item.image = reusable  # made already: a build with nothing new loads no Pillow
        return
    from publisher.stages.episode_art import publish_episode_art

    try:
        publish_episode_art(run, item)
    except (PublisherError, OSError) as error:
        log.warning("%s: the article's image was not made: %s", item.id, describe(error))


def cached_article(run: Run, item: Item) -> None:
    """Offline: the page as last read, and the image last published from it."""
    take_page(item, run.state.article_page(item.id))
    made = run.state.media_files(item.id).get(IMAGE)
    if made is not None and is_in_folder(run.out, made[0]):
        item.image = made[0]
