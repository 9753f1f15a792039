"""OPML's rules: a head with a title, a body of outlines with feed URLs."""

from __future__ import annotations

from publisher.check.findings import FeedCheck


def check_opml(context: FeedCheck, root) -> None:
    if root.get("version") not in ("1.0", "1.1", "2.0"):
        context.error("opml.version", f"<opml version> is {root.get('version')!r}")
    body = root.find("body")
    if root.find("head") is None or body is None:
        context.error("opml.structure", "an OPML document needs <head> and <body>")
        return
    for outline in body.iter("outline"):
        if outline.get("type") == "rss" and not outline.get("xmlUrl"):
            name = outline.get("text", "")
            context.error("opml.outline", "an rss outline needs an xmlUrl", name)
