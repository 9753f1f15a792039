"""`atom:link` elements beyond rel=self in RSS: WebSub hubs and RFC 5005 paging links.

feedgen writes only the self link into RSS; hubs (rel="hub") and archive pages
(rel="next", "prev-archive", "current") need this extension, and an archive page says
what it is with RFC 5005's `<fh:archive/>`.
"""

from __future__ import annotations

from feedgen.ext.base import BaseExtension
from feedgen.util import xml_elem

from publisher.check.findings import ATOM_NS, HISTORY_NS


class AtomLinksExtension(BaseExtension):
    def __init__(self):
        self.links: list[tuple[str, str]] = []  # (rel, href)
        self.archive = False  # an RFC 5005 archive page: its items never change

    def add(self, rel: str, href: str) -> None:
        self.links.append((rel, href))

    def extend_ns(self):
        return {"atom": ATOM_NS, "fh": HISTORY_NS} if self.archive else {"atom": ATOM_NS}

    def extend_rss(self, rss_feed):
        channel = rss_feed[0]
        for rel, href in self.links:
            xml_elem(f"{{{ATOM_NS}}}link", channel, rel=rel, href=href)
        if self.archive:
            xml_elem(f"{{{HISTORY_NS}}}archive", channel)
        return rss_feed

    def extend_atom(self, atom_feed):
        for rel, href in self.links:
            xml_elem(f"{{{ATOM_NS}}}link", atom_feed, rel=rel, href=href)
        return atom_feed
