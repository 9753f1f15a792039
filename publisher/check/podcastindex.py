"""The Podcast Index's rules for the `podcast:` namespace (Podcasting 2.0), for `check`.

https://podcastindex.org/namespace/1.0: a podcast:guid is a UUID (v5 of the feed URL when
first made, then kept as the show moves); "anywhere the url of a hyper-text based resource
is specified, it must be given as https"; transcripts, chapters and alternate enclosures
name their types."""

from __future__ import annotations

import email.utils
import re
import uuid
from typing import TYPE_CHECKING

from publisher.check.findings import podcast_children
from publisher.formats.chapters import CHAPTERS_TYPE, parse_json
from publisher.formats.podcastindex import RRULE, SHORT_TEXT_MAX_CHARS

if TYPE_CHECKING:
    from publisher.check.findings import FeedCheck


TRANSCRIPT_TYPES = frozenset(
    {"text/vtt", "application/x-subrip", "application/srt", "text/html", "text/plain"}
    | {"application/json"}
)


MEDIUMS = frozenset(
    {"podcast", "music", "video", "film", "audiobook", "newsletter", "blog", "publisher"}
    | {"course", "mixed"}
    | {f"{m}L" for m in ("podcast", "music", "video", "film", "audiobook", "newsletter", "blog")}
)


# The Podcast Index taxonomy's "cast" roles, the ones a talk's speakers take.
CAST_ROLES = frozenset(
    {"host", "co-host", "guest", "guest host", "featured guest", "narrator", "announcer"}
    | {"voice actor", "reporter", "performer", "panelist", "moderator", "speaker"}
)


PERSON_GROUPS = frozenset(
    {"creative direction", "cast", "writing", "audio production", "audio post-production"}
    | {"administration", "visuals", "community", "misc.", "video production"}
    | {"video post-production"}
)


TXT_MAX = 4000  # characters of a podcast:txt record
SHORT_MAX = 128  # characters of a title, a purpose, a trailer's text
_DECIMAL = re.compile(r"^\d+(\.\d+)?$")  # the namespace's times: "750", "12.5"


def _pfind(parent, tag: str):
    return next(iter(podcast_children(parent, tag)), None)


def _ptext(parent, tag: str) -> str | None:
    element = _pfind(parent, tag)
    return None if element is None else (element.text or "").strip()


def check_channel(context: FeedCheck, channel) -> None:
    guid = _ptext(channel, "guid")
    if guid is None:
        context.warning("podcast.guid", "no <podcast:guid>")
    else:
        _check_podcast_guid(context, guid)
    locked = _ptext(channel, "locked")
    if locked is not None and locked not in ("yes", "no"):
        context.error("podcast.locked", f"<podcast:locked> {locked!r} is not yes or no")
    medium = _ptext(channel, "medium")
    if medium is not None and medium not in MEDIUMS:
        context.error("podcast.medium", f"<podcast:medium> {medium!r} is not a known medium")
    frequency = _pfind(channel, "updateFrequency")
    if frequency is not None:
        _check_update_frequency(context, frequency)
    for funding in podcast_children(channel, "funding"):
        check_https(context, funding.get("url", ""), "podcast:funding", "")
        _check_short_text(context, funding, "podcast.funding", "")
    license_ = _pfind(channel, "license")
    if license_ is not None:
        _check_short_text(context, license_, "podcast.license", "", required=True)
    _check_people(context, channel, "")
    block = _ptext(channel, "block")
    if block is not None and block not in ("yes", "no"):
        context.error("podcast.block", f"<podcast:block> {block!r} is not yes or no")
    for txt in podcast_children(channel, "txt"):
        _check_txt(context, txt)
    for trailer in podcast_children(channel, "trailer"):
        _check_trailer(context, trailer)
    for podroll in podcast_children(channel, "podroll"):
        _check_podroll(context, podroll)


def _check_txt(context: FeedCheck, txt) -> None:
    """podcast:txt: up to 4000 characters; its purpose (e.g. applepodcastsverify) up to
    128."""
    text = (txt.text or "").strip()
    if not text:
        context.error("podcast.txt", "<podcast:txt> is empty")
    elif len(text) > TXT_MAX:
        context.error(
            "podcast.txt", f"<podcast:txt> is {len(text)} characters; the limit is {TXT_MAX}"
        )
    purpose = txt.get("purpose")
    if purpose is not None and not 0 < len(purpose) <= SHORT_MAX:
        context.error("podcast.txt", f"a txt purpose is 1 to {SHORT_MAX} characters")


def _check_trailer(context: FeedCheck, trailer) -> None:
    """podcast:trailer: a title of at most 128 characters; url and an RFC 2822 pubdate
    required; the file published with the length it declares; season an integer."""
    _check_short_text(context, trailer, "podcast.trailer", "", required=True)
    url, pubdate = trailer.get("url", ""), trailer.get("pubdate", "")
    if not url:
        context.error("podcast.trailer", "<podcast:trailer> needs a url")
    else:
        check_https(context, url, "trailer", "")
        context.file_with_length(url, trailer.get("length"), "trailer", "")
    if not _rfc2822(pubdate):
        context.error("podcast.trailer", f"trailer pubdate {pubdate!r} is not an RFC 2822 date")
    length, season = trailer.get("length"), trailer.get("season")
    if length is not None and not length.isdigit():
        context.error("podcast.trailer", f"trailer length {length!r} is not a byte count")
    if season is not None and not season.isdigit():
        context.error("podcast.trailer", f"trailer season {season!r} is not an integer")
    if not trailer.get("type"):
        context.warning("podcast.trailer", "<podcast:trailer> has no type (recommended)")


def _rfc2822(value: str) -> bool:
    try:
        return email.utils.parsedate_to_datetime(value).tzinfo is not None
    except (TypeError, ValueError, IndexError):
        return False


def _check_podroll(context: FeedCheck, podroll) -> None:
    """podcast:podroll holds remoteItems, each naming a show by its podcast:guid."""
    items = podcast_children(podroll, "remoteItem")
    if not items:
        context.error("podcast.podroll", "<podcast:podroll> has no <podcast:remoteItem>")
    for remote in items:
        guid = remote.get("feedGuid", "")
        try:
            uuid.UUID(guid)
        except ValueError:
            context.error("podcast.podroll", f"remoteItem feedGuid {guid!r} is not a UUID")
        if remote.get("feedUrl"):
            check_https(context, remote.get("feedUrl", ""), "remoteItem feed", "")


def _check_podcast_guid(context: FeedCheck, guid: str) -> None:
    """The Podcast Index: a UUIDv5, assigned once from the feed URL of the day and then
    kept for the show's life, even after it moves. So any UUIDv5 is right (a kept GUID
    is not that of the current URL); another UUID version is only a warning, since the
    Index calls a feed's own value canonical."""
    try:
        version = uuid.UUID(guid).version
    except ValueError:
        context.error("podcast.guid", f"<podcast:guid> {guid!r} is not a UUID")
        return
    if version != 5:
        context.warning(
            "podcast.guid",
            f"<podcast:guid> {guid} is a version {version} UUID; the Podcast Index defines it"
            " as a UUIDv5",
        )


def _check_update_frequency(context: FeedCheck, element) -> None:
    _check_short_text(context, element, "podcast.updateFrequency", "", required=True)
    rrule = element.get("rrule")
    if rrule is not None and not RRULE.match(rrule):
        context.error("podcast.updateFrequency", f"rrule {rrule!r} is not an RFC 5545 RRULE")
    if element.get("complete") not in (None, "true", "false"):
        context.error("podcast.updateFrequency", "complete must be true or false")


def _check_people(context: FeedCheck, element, name: str) -> None:
    for person in podcast_children(element, "person"):
        _check_short_text(context, person, "podcast.person", name, required=True)
        group = (person.get("group") or "cast").lower()
        role = (person.get("role") or "host").lower()
        if group not in PERSON_GROUPS:
            context.warning("podcast.person", f"group {group!r} is not in the taxonomy", name)
        elif group == "cast" and role not in CAST_ROLES:
            context.warning("podcast.person", f"role {role!r} is not a cast role", name)


HTTPS_RULE = "podcast.https"
HTTPS_RULES = frozenset({HTTPS_RULE, "apple.https"})  # every rule check_https reports under


def check_https(context: FeedCheck, url: str, what: str, name: str, rule=HTTPS_RULE) -> None:
    """https where the namespace requires it; a preview served over http gets a warning."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "https":
        return
    if scheme != "http":
        context.error(rule, f"{what} URL {url!r} is not an https URL", name)
    elif context.base_url and context.base_url.startswith("https:"):
        context.error(rule, f"{what} URL {url} must be https", name)
    else:
        context.warning(rule, f"{what} URL {url} is not https (fine for a preview only)", name)


def check_item(context: FeedCheck, item, name: str) -> None:
    for transcript in podcast_children(item, "transcript"):
        url, kind = transcript.get("url", ""), transcript.get("type", "")
        if kind not in TRANSCRIPT_TYPES:
            context.error(
                "podcast.transcript", f"transcript type {kind!r} is not a transcript format", name
            )
        if transcript.get("rel") not in (None, "captions"):
            context.error(
                "podcast.transcript", f"rel {transcript.get('rel')!r} is not captions", name
            )
        check_https(context, url, "transcript", name)
        context.local_file(url, "transcript", name)
    chapters = _pfind(item, "chapters")
    if chapters is not None:
        _check_chapters(context, chapters, name)
    _check_people(context, item, name)
    season, episode = _ptext(item, "season"), _ptext(item, "episode")
    if season is not None and not season.isdigit():
        context.error("podcast.season", f"<podcast:season> {season!r} is not an integer", name)
    if episode is not None and not re.match(r"^\d+(\.\d+)?$", episode):
        context.error("podcast.episode", f"<podcast:episode> {episode!r} is not a number", name)
    for alternate in podcast_children(item, "alternateEnclosure"):
        _check_alternate(context, alternate, name)
    for soundbite in podcast_children(item, "soundbite"):
        _check_soundbite(context, soundbite, item, name)


def _check_soundbite(context: FeedCheck, soundbite, item, name: str) -> None:
    """podcast:soundbite: startTime and duration in seconds, a title of at most 128
    characters; a soundbite past the episode's end is a warning (apps cannot play it)."""
    start, duration = soundbite.get("startTime", ""), soundbite.get("duration", "")
    if not _DECIMAL.match(start) or not _DECIMAL.match(duration):
        context.error(
            "podcast.soundbite",
            f"startTime {start!r} and duration {duration!r} must be seconds",
            name,
        )
        return
    if float(duration) <= 0:
        context.error("podcast.soundbite", "a soundbite's duration must be more than 0", name)
    _check_short_text(context, soundbite, "podcast.soundbite", name)
    if float(start) == 0:  # partytime keeps a soundbite only `if (duration && startTime)`
        context.warning(
            "podcast.soundbite",
            f"the soundbite at {start} s is dropped by the Podcast Index's parser"
            " (podcast-partytime), which reads a start of 0 as none; start it at 0.5",
            name,
        )
    length = _itunes_seconds(item)
    if length is not None and float(start) + float(duration) > length + 1:
        context.warning(
            "podcast.soundbite",
            f"the soundbite at {start} s ({duration} s) ends after the episode's {length:g} s",
            name,
        )


def _itunes_seconds(item) -> float | None:
    """The episode's <itunes:duration> in seconds, when it says."""
    element = item.find("{http://www.itunes.com/dtds/podcast-1.0.dtd}duration")
    text = (element.text or "").strip() if element is not None else ""
    if not re.match(r"^\d+(:\d{1,2}){0,2}$", text):
        return None
    total = 0
    for part in text.split(":"):
        total = total * 60 + int(part)
    return float(total)


def _check_chapters(context: FeedCheck, chapters, name: str) -> None:
    url, kind = chapters.get("url", ""), chapters.get("type", "")
    if kind != CHAPTERS_TYPE:
        context.error("podcast.chapters", f"chapters type {kind!r} is not {CHAPTERS_TYPE}", name)
    check_https(context, url, "chapters", name)
    path = context.local_file(url, "chapters", name)
    if path is not None:
        try:
            parse_json(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            context.error("podcast.chapters", f"{url} is not a chapters file: {error}", name)


def _check_alternate(context: FeedCheck, alternate, name: str) -> None:
    kind, length = alternate.get("type"), alternate.get("length")
    if not kind:
        context.error(
            "podcast.alternateEnclosure", "<podcast:alternateEnclosure> needs a type", name
        )
    if length is not None and not length.isdigit():
        context.error("podcast.alternateEnclosure", f"length {length!r} is not a byte count", name)
    sources = podcast_children(alternate, "source")
    if not sources:
        context.error(
            "podcast.alternateEnclosure", "an alternateEnclosure needs a <podcast:source>", name
        )
    for source in sources:
        uri = source.get("uri", "")
        check_https(context, uri, "alternateEnclosure source", name)
        context.file_with_length(uri, length, "alternateEnclosure source", name)


def _check_short_text(context: FeedCheck, element, rule: str, name: str, required=False) -> None:
    text = (element.text or "").strip()
    tag = element.tag.split("}")[-1]
    if required and not text:
        context.error(rule, f"<podcast:{tag}> is empty", name)
    elif len(text) > SHORT_TEXT_MAX_CHARS:
        limit = SHORT_TEXT_MAX_CHARS
        context.error(
            rule, f"<podcast:{tag}> is {len(text)} characters; the limit is {limit}", name
        )
