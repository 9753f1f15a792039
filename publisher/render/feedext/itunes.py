"""Apple's `itunes:` tags, with `itunes:explicit` as true/false.

feedgen's podcast extension accepts only yes/no/clean for explicit, which Apple no longer
documents; everything else is inherited from it.
"""

from __future__ import annotations

from feedgen.ext.podcast import PodcastExtension
from feedgen.ext.podcast_entry import PodcastEntryExtension
from feedgen.util import xml_elem

from publisher.check.findings import ITUNES_NS


class ExplicitAsBoolean:
    """itunes:explicit written as Apple asks today: true or false."""

    _explicit: bool | None = None

    def itunes_explicit(self, explicit: bool | None = None) -> bool | None:
        if explicit is not None:
            self._explicit = bool(explicit)
        return self._explicit

    def _add_explicit(self, parent) -> None:
        if self._explicit is not None:
            element = xml_elem(f"{{{ITUNES_NS}}}explicit", parent)
            element.text = "true" if self._explicit else "false"


class ItunesExtension(ExplicitAsBoolean, PodcastExtension):
    # Apple documents <itunes:block>Yes</itunes:block> (feedgen writes "yes").
    blocked = False

    def extend_rss(self, rss_feed):
        rss_feed = super().extend_rss(rss_feed)
        self._add_explicit(rss_feed[0])
        if self.blocked:
            xml_elem(f"{{{ITUNES_NS}}}block", rss_feed[0]).text = "Yes"
        return rss_feed


class ItunesEntryExtension(ExplicitAsBoolean, PodcastEntryExtension):
    def extend_rss(self, entry):
        entry = super().extend_rss(entry)
        self._add_explicit(entry)
        return entry
