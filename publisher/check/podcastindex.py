"""The Podcast Index's rules for the `podcast:` namespace (Podcasting 2.0), for `check`.

https://podcastindex.org/namespace/1.0: a podcast:guid is a UUID (v5 of the feed URL when
first made, then kept as the show moves); "anywhere the url of a hyper-text based resource
is specified, it must be given as https"; transcripts, chapters and alternate enclosures
name their types."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

from publisher.check.findings import PODCAST_NAMESPACES
from publisher.formats.chapters import CHAPTERS_TYPE, parse_json
from publisher.formats.podcastindex import SHORT_TEXT_MAX_CHARS

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


_RRULE = re.compile(r"^(?:[A-Z]+=[A-Za-z0-9,+\-:]+;)*FREQ=[A-Z]+(?:;[A-Z]+=[A-Za-z0-9,+\-:]+)*$")


def _pfindall(parent, tag: str) -> list:
    """podcast: children under either of the namespace's two URIs."""
    return [found for ns in PODCAST_NAMESPACES for found in parent.findall(f"{{{ns}}}{tag}")]


def _pfind(parent, tag: str):
    return next(iter(_pfindall(parent, tag)), None)


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
    for funding in _pfindall(channel, "funding"):
        check_https(context, funding.get("url", ""), "podcast:funding", "")
        _check_short_text(context, funding, "podcast.funding", "")
    license_ = _pfind(channel, "license")
    if license_ is not None:
        _check_short_text(context, license_, "podcast.license", "", required=True)
    _check_people(context, channel, "")


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
    if rrule is not None and not _RRULE.match(rrule):
        context.error("podcast.updateFrequency", f"rrule {rrule!r} is not an RFC 5545 RRULE")
    if element.get("complete") not in (None, "true", "false"):
        context.error("podcast.updateFrequency", "complete must be true or false")


def _check_people(context: FeedCheck, element, name: str) -> None:
    for person in _pfindall(element, "person"):
        _check_short_text(context, person, "podcast.person", name, required=True)
        group = (person.get("group") or "cast").lower()
        role = (person.get("role") or "host").lower()
        if group not in PERSON_GROUPS:
            context.warning("podcast.person", f"group {group!r} is not in the taxonomy", name)
        elif group == "cast" and role not in CAST_ROLES:
            context.warning("podcast.person", f"role {role!r} is not a cast role", name)


def check_https(context: FeedCheck, url: str, what: str, name: str, rule="podcast.https") -> None:
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
    for transcript in _pfindall(item, "transcript"):
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
    for alternate in _pfindall(item, "alternateEnclosure"):
        _check_alternate(context, alternate, name)


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
    sources = _pfindall(alternate, "source")
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
