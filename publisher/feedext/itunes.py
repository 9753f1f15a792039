"""Apple's `itunes:` tags, with `itunes:explicit` as true/false.

feedgen's podcast extension accepts only yes/no/clean for explicit, which Apple no longer
documents; everything else is inherited from it.
"""

from __future__ import annotations

from feedgen.ext.podcast import PodcastExtension
from feedgen.ext.podcast_entry import PodcastEntryExtension
from feedgen.util import xml_elem

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"


def _explicit_element(parent, explicit: bool | None) -> None:
    if explicit is not None:
        xml_elem(f"{{{ITUNES_NS}}}explicit", parent).text = "true" if explicit else "false"


class ItunesExtension(PodcastExtension):
    def __init__(self):
        super().__init__()
        self._explicit: bool | None = None

    def itunes_explicit(self, explicit: bool | None = None) -> bool | None:  # type: ignore[override]
        if explicit is not None:
            self._explicit = bool(explicit)
        return self._explicit

    def extend_rss(self, rss_feed):
        rss_feed = super().extend_rss(rss_feed)
        _explicit_element(rss_feed[0], self._explicit)
        return rss_feed


class ItunesEntryExtension(PodcastEntryExtension):
    def __init__(self):
        super().__init__()
        self._explicit: bool | None = None

    def itunes_explicit(self, explicit: bool | None = None) -> bool | None:  # type: ignore[override]
        if explicit is not None:
            self._explicit = bool(explicit)
        return self._explicit

    def extend_rss(self, entry):
        entry = super().extend_rss(entry)
        _explicit_element(entry, self._explicit)
        return entry
