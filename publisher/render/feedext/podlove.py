"""Podlove Simple Chapters (`psc:chapters`), beside the Podcast Index's chapters file.

gPodder (podcastparser) and other Podlove readers read chapters only from the feed
itself, never from `podcast:chapters`; both are written from the same chapters.
See https://podlove.org/simple-chapters/.
"""

from __future__ import annotations

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.util import xml_elem

from publisher.check.findings import PSC_NS
from publisher.model import Chapter

PSC_VERSION = "1.2"


def normal_play_time(seconds: float) -> str:
    """A chapter start as Simple Chapters writes it: HH:MM:SS.mmm (RFC 2326 NPT)."""
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


class PodloveChaptersExtension(BaseExtension):
    """Channel side: only the namespace declaration."""

    def extend_ns(self):
        return {"psc": PSC_NS}


class PodloveChaptersEntryExtension(BaseEntryExtension):
    def __init__(self):
        self.chapters: tuple[Chapter, ...] = ()

    def extend_rss(self, entry):
        if self.chapters:
            element = xml_elem(f"{{{PSC_NS}}}chapters", entry)
            element.set("version", PSC_VERSION)
            for chapter in self.chapters:
                xml_elem(
                    f"{{{PSC_NS}}}chapter",
                    element,
                    start=normal_play_time(chapter.start),
                    title=chapter.title,
                )
        return entry
