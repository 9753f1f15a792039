"""The written-article feed, as RSS 2.0 (`articles.xml`) and Atom (`articles.atom`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from feedgen.feed import FeedGenerator

from publisher.formats import sanitize
from publisher.model import Item
from publisher.output import urls
from publisher.render.feedext import plain_feed_generator
from publisher.render.podcast import GENERATOR, content_date, newest_first

if TYPE_CHECKING:
    from publisher.build.run import Run

ATOM_TYPE = "application/atom+xml"


def article_items(run: Run) -> list[Item]:
    return newest_first([i for i in run.catalog_articles if i.guid])


def render_article_feeds(run: Run) -> dict[str, bytes]:
    items = article_items(run)
    return {
        urls.ARTICLES_RSS: _feed(run, items, urls.ARTICLES_RSS, "application/rss+xml").rss_str(
            pretty=True
        ),
        urls.ARTICLES_ATOM: _feed(run, items, urls.ARTICLES_ATOM, ATOM_TYPE).atom_str(pretty=True),
    }


def _feed(run: Run, items: list[Item], relative: str, mime: str) -> FeedGenerator:
    site = run.catalog.site
    feed_url = urls.public_url(run.base_url, relative)
    feed = plain_feed_generator()
    feed.load_extension("dc")  # RSS <author> must be an e-mail address; names go in dc:creator
    feed.id(feed_url)
    feed.title(f"{site.title}: articles")
    feed.subtitle(site.description or f"Articles from {site.title}")
    feed.link(href=feed_url, rel="self", type=mime)  # first: feedgen's RSS link is the last
    feed.link(href=site.link, rel="alternate")
    feed.language(site.language)
    feed.author({"name": site.author})
    feed.generator(GENERATOR)
    feed.updated(content_date(items))
    if site.copyright:
        feed.rights(site.copyright)
    for hub in site.hubs:
        feed.atomlinks.add("hub", hub)
    for item in items:
        _add_article(run, feed, item, atom=mime == ATOM_TYPE)
    return feed


def _add_article(run: Run, feed: FeedGenerator, item: Item, atom: bool) -> None:
    entry = item.entry
    article = feed.add_entry(order="append")
    # One call sets both in feedgen; each document gets the form its format wants:
    # an IRI for Atom's <id>, the bare GUID for RSS (the same one the state keeps).
    if atom:
        article.id(f"urn:uuid:{item.guid}")
    else:
        article.guid(item.guid, permalink=False)
    article.title(entry.title)
    if entry.link:
        article.link(href=entry.link, rel="alternate")
    article.published(entry.published)
    article.updated(entry.published)
    authors = entry.authors or (run.catalog.site.author,)
    article.author([{"name": name} for name in authors])  # Atom
    for name in authors:
        article.dc.dc_creator(name)  # RSS
    if entry.summary:
        article.summary(sanitize.plain_text(entry.summary))
        article.content(sanitize.clean_html(entry.summary), type="html")
