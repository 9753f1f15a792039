"""`publisher check`: the published feeds against RSS, Atom, Apple's and the Podcast Index's
rules, and against the files they point at.

Each problem is a `Finding` naming the feed, the item and the rule. `build` runs
`check_feed` on every feed it renders, before writing it: a feed with errors is not
published (the old one stays), so listeners never get a feed an app would reject.
RSS, Atom and OPML each have a module; Apple's rules are `check.apple`, the Podcast
Index's `check.podcastindex`; what they share is `check.findings`.

XML is parsed with external entities, DTDs and the network off: a published folder may
have been touched by someone else.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from publisher.check.atom import check_atom
from publisher.check.findings import ATOM_NS, FeedCheck, Finding
from publisher.check.opml import check_opml
from publisher.check.rss import check_rss
from publisher.output import inventory
from publisher.output.xmlsafe import parse_xml


def check_folder(out: Path) -> list[Finding]:
    """Every feed of the inventory (RSS, Atom, OPML) published under `out`."""
    if not out.is_dir():
        return [Finding("error", str(out), "", "files.folder", "no published folder here")]
    findings: list[Finding] = []
    for path in sorted(out.rglob("*")):
        relative = path.relative_to(out).as_posix()
        if inventory.is_feed(relative) and path.is_file():
            findings += check_feed(relative, path.read_bytes(), out, only_feeds=True)
    return findings


def check_feed(relative: str, data: bytes, out: Path, only_feeds: bool = False) -> list[Finding]:
    """The findings for one feed's bytes, published (or about to be) at `relative`.

    With `only_feeds`, XML that is no feed at all (a sitemap) is passed over silently.
    """
    context = FeedCheck(relative, out)
    try:
        root = parse_xml(data)
    except etree.XMLSyntaxError as error:
        context.error("xml.wellformed", f"not well-formed XML: {error}")
        return context.findings
    if root.getroottree().docinfo.doctype:
        context.error("xml.doctype", "a DOCTYPE is not allowed in a feed (entities are unsafe)")
    if root.tag == "rss":
        check_rss(context, root)
    elif root.tag == f"{{{ATOM_NS}}}feed":
        check_atom(context, root)
    elif root.tag == "opml":
        check_opml(context, root)
    elif not only_feeds:
        context.error("feed.type", f"<{root.tag}> is not an RSS, Atom or OPML document")
    return context.findings
