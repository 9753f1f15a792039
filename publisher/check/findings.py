"""What every feed rule shares: the XML namespaces the feeds are written and read in."""

from __future__ import annotations

ATOM_NS = "http://www.w3.org/2005/Atom"
HISTORY_NS = "http://purl.org/syndication/history/1.0"  # RFC 5005 archived feeds
# The Podcast Index says clients treat its GitHub URI and podcastindex.org's as one; the
# feeds use the GitHub one because gPodder's podcastparser only knows that one.
PODCAST_NS = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"
PODCAST_NS_CANONICAL = "https://podcastindex.org/namespace/1.0"
PODCAST_NAMESPACES = (PODCAST_NS, PODCAST_NS_CANONICAL)
