"""`feeds.opml`: every published feed, for importing into a podcast app or reader."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from publisher.output import urls

if TYPE_CHECKING:
    from publisher.build.run import Run


def feed_list(run: Run) -> list[tuple[str, str, str]]:
    """(title, relative path, type) of every feed, in a stable order."""
    feeds = []
    for series in sorted(run.catalog.series.values(), key=lambda s: s.id):
        feeds.append((series.title, urls.podcast_feed(series.id), "rss"))
        if series.video:
            feeds.append((f"{series.title} (video)", urls.video_feed(series.id), "rss"))
    title = run.catalog.site.title
    feeds.append((f"{title}: articles", urls.ARTICLES_RSS, "rss"))
    return feeds


def render_opml(run: Run) -> bytes:
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = run.catalog.site.title
    etree.SubElement(head, "ownerName").text = run.catalog.site.owner.name
    body = etree.SubElement(root, "body")
    for title, relative, kind in feed_list(run):
        url = urls.public_url(run.base_url, relative)
        etree.SubElement(body, "outline", type=kind, text=title, title=title, xmlUrl=url)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
