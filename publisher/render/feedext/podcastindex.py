"""The Podcast Index's `podcast:` namespace (Podcasting 2.0) as a feedgen extension.

Channel: guid, locked, block, medium, funding, license, updateFrequency, person, txt,
trailer, podroll with remoteItem.
Item: transcript, chapters, person, season, episode, soundbite, alternateEnclosure with
source.
See https://podcastindex.org/namespace/1.0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.util import xml_elem

from publisher.check.findings import PODCAST_NS
from publisher.formats.checked import checked_count
from publisher.formats.podcastindex import rrule_of, short_text
from publisher.model import Soundbite

_FREQUENCIES = {
    "DAILY": ("Daily", "days"),
    "WEEKLY": ("Weekly", "weeks"),
    "MONTHLY": ("Monthly", "months"),
    "YEARLY": ("Yearly", "years"),
}


def describe_rrule(rrule: str) -> str:
    """podcast:updateFrequency's text: the schedule in words, the rule being an attribute.

    The namespace wants a human-readable string as the element's text ("Weekly") and the
    RFC 5545 rule in `rrule`; apps show the text.
    """
    parts = dict(p.split("=", 1) for p in rrule.upper().split(";") if "=" in p)
    once, many = _FREQUENCIES.get(parts.get("FREQ", ""), ("Regularly", ""))
    interval = checked_count(parts.get("INTERVAL", "1"))  # INTERVAL=² is no count
    if interval and interval > 1 and many:
        return f"Every {interval} {many}"
    return once


@dataclass(frozen=True)
class Person:
    name: str
    role: str = "host"
    group: str = "cast"
    href: str | None = None
    img: str | None = None


@dataclass(frozen=True)
class Transcript:
    url: str
    type: str  # text/vtt, application/x-subrip, …
    language: str | None = None
    rel: str | None = "captions"


@dataclass(frozen=True)
class AlternateEnclosure:
    type: str
    length: int
    sources: tuple[str, ...]
    title: str | None = None
    height: int | None = None
    default: bool = False


@dataclass(frozen=True)
class Trailer:
    """A channel's `podcast:trailer`: an episode that introduces the show."""

    title: str
    url: str
    published: datetime
    length: int | None = None
    type: str | None = None
    season: int | None = None


@dataclass(frozen=True)
class RemoteItem:
    """A show recommended in the podroll, named by its podcast:guid (and its feed URL)."""

    feed_guid: str
    feed_url: str | None = None


def _seconds(value: float) -> str:
    """The namespace's decimal seconds: "750", "12.5"."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _element(parent, tag: str, text: str | None = None, **attributes):
    element = xml_elem(f"{{{PODCAST_NS}}}{tag}", parent)
    for key, value in attributes.items():
        if value is not None:
            element.set(key, str(value))
    if text is not None:
        element.text = text
    return element


def _add_people(parent, people: list[Person]) -> None:
    for person in people:
        _element(
            parent,
            "person",
            short_text(person.name),
            role=person.role,
            group=person.group,
            href=person.href,
            img=person.img,
        )


class PodcastIndexExtension(BaseExtension):
    def __init__(self):
        self.guid: str | None = None
        self.locked: tuple[bool, str | None] | None = None
        self.medium: str | None = None
        self.funding: tuple[str, str] | None = None
        self.license: str | None = None
        self.update_frequency: str | None = None
        self.people: list[Person] = []
        self.block = False  # True: directories are asked not to list the show
        self.txt: list[tuple[str, str]] = []  # (purpose, text)
        self.trailers: list[Trailer] = []
        self.podroll: list[RemoteItem] = []

    def extend_ns(self):
        return {"podcast": PODCAST_NS}

    def extend_rss(self, rss_feed):
        channel = rss_feed[0]
        if self.guid:
            _element(channel, "guid", self.guid)
        if self.locked is not None:
            locked, owner = self.locked
            _element(channel, "locked", "yes" if locked else "no", owner=owner)
        if self.block:
            _element(channel, "block", "yes")
        if self.medium:
            _element(channel, "medium", self.medium)
        if self.funding:
            _element(channel, "funding", short_text(self.funding[1]), url=self.funding[0])
        if self.license:
            _element(channel, "license", short_text(self.license))
        if self.update_frequency:
            rrule = rrule_of(self.update_frequency)
            _element(channel, "updateFrequency", describe_rrule(rrule), rrule=rrule)
        _add_people(channel, self.people)
        for purpose, text in self.txt:
            _element(channel, "txt", text, purpose=purpose)
        for trailer in self.trailers:
            _element(
                channel,
                "trailer",
                short_text(trailer.title),  # a catalog title may have 255 characters
                url=trailer.url,
                pubdate=format_datetime(trailer.published),
                length=trailer.length,
                type=trailer.type,
                season=trailer.season,
            )
        if self.podroll:
            podroll = _element(channel, "podroll")
            for remote in self.podroll:
                _element(podroll, "remoteItem", feedGuid=remote.feed_guid, feedUrl=remote.feed_url)
        return rss_feed


class PodcastIndexEntryExtension(BaseEntryExtension):
    def __init__(self):
        self.transcripts: list[Transcript] = []
        self.chapters: str | None = None  # URL of the chapters JSON file
        self.people: list[Person] = []
        self.season: int | None = None
        self.episode: int | None = None
        self.alternate_enclosures: list[AlternateEnclosure] = []
        self.soundbites: list[Soundbite] = []

    def extend_ns(self):
        return {"podcast": PODCAST_NS}

    def extend_rss(self, entry):
        for transcript in self.transcripts:
            _element(
                entry,
                "transcript",
                url=transcript.url,
                type=transcript.type,
                language=transcript.language,
                rel=transcript.rel,
            )
        if self.chapters:
            _element(entry, "chapters", url=self.chapters, type="application/json+chapters")
        _add_people(entry, self.people)
        if self.season is not None:
            _element(entry, "season", str(self.season))
        if self.episode is not None:
            _element(entry, "episode", str(self.episode))
        for bite in self.soundbites:
            _element(
                entry,
                "soundbite",
                bite.title or None,
                startTime=_seconds(bite.start),
                duration=_seconds(bite.duration),
            )
        for alternate in self.alternate_enclosures:
            element = _element(
                entry,
                "alternateEnclosure",
                type=alternate.type,
                length=alternate.length,
                title=alternate.title,
                height=alternate.height,
                default="true" if alternate.default else None,
            )
            for uri in alternate.sources:
                _element(element, "source", uri=uri)
        return entry
