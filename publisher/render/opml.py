"""`feeds.opml`: every published feed, for importing into a podcast app or reader."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from publisher.formats.sanitize import html_attribute_text
from publisher.output import urls
from publisher.output.inventory import Feed

if TYPE_CHECKING:
    from publisher.build.run import Run


def render_opml(run: Run, feeds: list[Feed]) -> bytes:
    """The OPML list of `feeds`, in their order; of the article feeds only the RSS one
    (readers import one format, and RSS is the one every app reads)."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    # OPML's text may hold HTML, and readers (and the W3C validator) take it so, in the
    # head as in the outlines: "Talks & <more>" is written so that it reads as text there.
    etree.SubElement(head, "title").text = html_attribute_text(run.catalog.site.title)
    etree.SubElement(head, "ownerName").text = html_attribute_text(run.catalog.site.owner.name)
    body = etree.SubElement(root, "body")
    for feed in feeds:
        if feed.kind != "rss":
            continue
        url = urls.public_url(run.base_url, feed.path)
        title = html_attribute_text(feed.title)
        etree.SubElement(body, "outline", type=feed.kind, text=title, title=title, xmlUrl=url)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
