"""The written-article feed, as RSS 2.0 (`articles.xml`) and Atom (`articles.atom`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from feedgen.feed import FeedGenerator

from publisher.formats import apple, sanitize
from publisher.model import Item, MediaFile
from publisher.output import urls
from publisher.output.inventory import Feed
from publisher.render.feedext import plain_feed_generator, rss_bytes
from publisher.render.podcast import GENERATOR, newest_first

if TYPE_CHECKING:
    from publisher.build.run import Run

ATOM_TYPE = "application/atom+xml"


def article_items(run: Run) -> list[Item]:
    return newest_first([i for i in run.catalog_articles if i.guid])


def render_article_feed(run: Run, spec: Feed) -> bytes:
    """The article feed `spec` of the inventory: RSS 2.0 or Atom."""
    items = article_items(run)
    if spec.kind == "atom":
        return _feed(run, items, spec, ATOM_TYPE).atom_str(pretty=True)
    return rss_bytes(_feed(run, items, spec, "application/rss+xml"))


def _feed(run: Run, items: list[Item], spec: Feed, mime: str) -> FeedGenerator:
    site = run.catalog.site
    feed_url = urls.public_url(run.base_url, spec.path)
    feed = plain_feed_generator()
    feed.load_extension("dc")  # RSS <author> must be an e-mail address; names go in dc:creator
    if any(item.image for item in items):
        feed.load_extension("media")  # an article's image, as feed readers take one
    feed.id(feed_url)
    feed.title(spec.title)
    atom = mime == ATOM_TYPE
    subtitle = site.description or f"Articles from {site.title}"
    # RSS's <description> is read as HTML by apps; Atom's <subtitle> is text as it says.
    feed.subtitle(sanitize.plain_text(subtitle) if atom else sanitize.phrase_html(subtitle))
    feed.link(href=feed_url, rel="self", type=mime)  # first: feedgen's RSS link is the last
    feed.link(href=site.link, rel="alternate", type="text/html")
    feed.language(site.language)
    feed.author({"name": site.author})
    feed.generator(GENERATOR)
    feed.updated(run.started)  # a stand-in: publish_feed stamps when the content changed
    if site.copyright:
        feed.rights(site.copyright)
    for hub in site.hubs:
        if atom:
            feed.link(href=hub, rel="hub")
        else:
            feed.atomlinks.add("hub", hub)
    for item in items:
        _add_article(run, feed, item, atom)
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
        article.link(href=entry.link, rel="alternate", type="text/html")
    article.published(entry.published)
    article.updated(entry.published)
    authors = entry.authors or (run.catalog.site.author,)
    article.author([{"name": name} for name in authors])  # Atom
    for name in authors:
        article.dc.dc_creator(name)  # RSS
    language = run.catalog.language_of(entry)
    if language != run.catalog.site.language:  # the feed's <language> is the site's
        article.dc.dc_language(language)
    if entry.summary:
        summary = sanitize.plain_text if atom else sanitize.paragraphs_html
        article.summary(summary(entry.summary))
    # The page's main text when it was read; else the summary, as before.
    page_text = item.page.text if item.page and item.page.text else ""
    content = sanitize.cut_html(page_text, apple.CONTENT_MAX_BYTES)  # a book is no show note
    content = content or (sanitize.paragraphs_html(entry.summary) if entry.summary else "")
    if not content and not entry.link:  # Atom needs a link or content: the title, then
        content = sanitize.paragraphs_html(entry.title)
    if content:
        article.content(content, type="html")
    if item.image:
        _add_image(run, article, item.image)


def _add_image(run: Run, article, image: MediaFile) -> None:
    """Media RSS, which feed readers (and feedparser) read in RSS and Atom alike; not an
    <enclosure>, which would make the article feed read as a podcast."""
    url = urls.public_url(run.base_url, image.path)
    article.media.content(
        {"url": url, "type": image.mime_type, "medium": "image", "fileSize": str(image.length)},
        group=None,
    )
    article.media.thumbnail({"url": url}, group=None)
