"""feedgen extensions: what feedgen 1.0 lacks for today's podcast directories.

Registered by name on a FeedGenerator, the way feedgen's own extensions are:
`itunes` (Apple's tags, with explicit as true/false) and `podcastindex` (the
`podcast:` namespace of the Podcast Index), and `atomlinks` (hub and paging links).
"""

from __future__ import annotations

import lxml.etree  # noqa: F401  (feedgen.util uses lxml.etree without importing it)
from feedgen.feed import FeedGenerator

from publisher.render.feedext.atomlinks import AtomLinksExtension
from publisher.render.feedext.itunes import ItunesEntryExtension, ItunesExtension
from publisher.render.feedext.podcastindex import PodcastIndexEntryExtension, PodcastIndexExtension


def podcast_feed_generator() -> FeedGenerator:
    """A FeedGenerator with both podcast extensions registered."""
    feed = FeedGenerator()
    feed.register_extension("itunes", ItunesExtension, ItunesEntryExtension)
    feed.register_extension(
        "podcastindex", PodcastIndexExtension, PodcastIndexEntryExtension, atom=False
    )
    feed.register_extension("atomlinks", AtomLinksExtension, None)
    return feed


def plain_feed_generator() -> FeedGenerator:
    """A FeedGenerator for the article feeds: no podcast tags, but hubs and paging links."""
    feed = FeedGenerator()
    feed.register_extension("atomlinks", AtomLinksExtension, None)
    return feed
