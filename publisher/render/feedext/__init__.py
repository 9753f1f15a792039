"""feedgen extensions: what feedgen 1.0 lacks for today's podcast directories.

Registered by name on a FeedGenerator, the way feedgen's own extensions are:
`itunes` (Apple's tags, with explicit as true/false), `podcastindex` (the `podcast:`
namespace of the Podcast Index), `psc` (Podlove Simple Chapters) and `atomlinks` (hub
and paging links). Their namespaces are `publisher.check.findings`' (defined once, where
the rules that read them are).
"""

from __future__ import annotations

import re

import lxml.etree  # noqa: F401  (feedgen.util uses lxml.etree without importing it)
from feedgen.feed import FeedGenerator

from publisher.render.feedext.atomlinks import AtomLinksExtension
from publisher.render.feedext.itunes import ItunesEntryExtension, ItunesExtension
from publisher.render.feedext.podcastindex import PodcastIndexEntryExtension, PodcastIndexExtension
from publisher.render.feedext.podlove import (
    PodloveChaptersEntryExtension,
    PodloveChaptersExtension,
)


def rss_bytes(feed: FeedGenerator) -> bytes:
    """The RSS document, with "&" and "<" in text as hexadecimal character references.

    The RSS Advisory Board's RSS Profile asks for them in plain-text elements (titles,
    names), so that readers which take every element as HTML still show "<reaction>" as
    text (the W3C validator's `CharacterData` warning). lxml writes them only as `&amp;`
    and `&lt;`, which nowhere else stand in markup: replacing those references gives the
    same XML document. Attributes keep `&amp;`, as Apple's own examples write them: the
    Podcast Index's parser reads `text="Society &#x26; Culture"` as no category at all, and
    a URL's `&#x26;` as those five characters.
    """
    return _TEXT_REFERENCE.sub(_hexadecimal_in_text, feed.rss_str(pretty=True))


# A whole tag (lxml writes "<" and ">" inside attribute values as references, so the
# first ">" closes it), or a reference in text between tags.
_TEXT_REFERENCE = re.compile(rb"<[^>]*>|&amp;|&lt;")
_HEXADECIMAL = {b"&amp;": b"&#x26;", b"&lt;": b"&#x3C;"}


def _hexadecimal_in_text(match: re.Match) -> bytes:
    return _HEXADECIMAL.get(match[0], match[0])


def podcast_feed_generator() -> FeedGenerator:
    """A FeedGenerator with both podcast extensions registered."""
    feed = FeedGenerator()
    feed.register_extension("itunes", ItunesExtension, ItunesEntryExtension)
    feed.register_extension(
        "podcastindex", PodcastIndexExtension, PodcastIndexEntryExtension, atom=False
    )
    feed.register_extension("atomlinks", AtomLinksExtension, None)
    feed.register_extension(
        "psc", PodloveChaptersExtension, PodloveChaptersEntryExtension, atom=False
    )
    return feed


def plain_feed_generator() -> FeedGenerator:
    """A FeedGenerator for the article feeds: no podcast tags, but hubs and paging links.

    In RSS only: Atom has hubs as its own `<link rel="hub">`, and the extension would
    declare an `atom:` prefix for the Atom namespace, which is the default one there.
    """
    feed = FeedGenerator()
    feed.register_extension("atomlinks", AtomLinksExtension, None, atom=False)
    return feed
