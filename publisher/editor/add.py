"""`publisher add`: propose a catalog entry from a URL's metadata, and append it.

    check the URL ─▶ refuse a duplicate ─▶ read metadata ─▶ propose ─▶ append (validated)

A talk's metadata comes from yt-dlp (`publisher.tools.ytdlp`), an article's from its page's
JSON-LD and Open Graph tags (`publisher.tools.webpages` reads the page,
`publisher.formats.pagemeta` its HTML). The proposal follows the catalog's rules: a slug
id made from the title and never used before, a date with a time zone, plain-text
summary. Appending is `publisher.catalog.append`'s job.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from publisher.catalog.append import Appended, append_entry
from publisher.catalog.load import load_catalog
from publisher.catalog.schema import LANGUAGE
from publisher.catalog.slugs import (
    catalog_urls,
    did_you_mean,
    same_url_key,
    slug_problem,
    slugify,
    unique_id,
)
from publisher.editor.dates import Impossible, checked_day, parse_published
from publisher.errors import IsPlaylist, PublisherError, SourceError
from publisher.formats import pagemeta
from publisher.formats.text import one_line
from publisher.messages import describe
from publisher.model import Catalog, EntryKind, MediaInfo
from publisher.output.lock import RunLock
from publisher.sources import check_url, is_url
from publisher.state import State, state_path_for
from publisher.tools import webpages

SUMMARY_MAX = 1200  # characters; a summary is a paragraph, not the whole description


class AddRefused(PublisherError):
    """`publisher add` will not add this URL (a duplicate, an unknown series, no title)."""


@dataclass(frozen=True)
class AddRequest:
    url: str
    kind: EntryKind = "video"
    series: str | None = None
    entry_id: str | None = None
    title: str | None = None  # the editor's title wins over the page's
    allow_private: bool = False


@dataclass(frozen=True)
class Proposal:
    """The entry to add, in the catalog's key order, and what the editor should know."""

    fields: dict[str, Any]
    notes: tuple[str, ...] = ()
    appended: Appended | None = field(default=None, compare=False)
    # field -> a comment written at the end of its line (a date that is only a guess)
    comments: dict[str, str] = field(default_factory=dict)

    @property
    def entry_id(self) -> str:
        return self.fields["id"]


def add(catalog_path: Path, request: AddRequest, *, dry_run: bool = False) -> Proposal:
    """Propose an entry for `request.url` and append it (unless a dry run), validated.

    One add at a time per catalog (its own lock, not the build's: a build may run while
    an editor adds): two adds must not both read the file and each append to the old one.
    """
    with RunLock(state_path_for(catalog_path).parent, "catalog.lock"):
        proposal = propose(catalog_path, request)
        appended = append_entry(
            catalog_path, proposal.fields, write=not dry_run, comments=proposal.comments
        )
    return dataclasses.replace(proposal, appended=appended)


def propose(catalog_path: Path, request: AddRequest, today: date | None = None) -> Proposal:
    """The entry `add` would append; reads the URL's metadata, writes nothing."""
    catalog = load_catalog(catalog_path)  # an invalid catalog is fixed first, not added to
    _check_series(catalog, request)
    refuse_duplicate(catalog, request.url)  # before any request: a duplicate needs no network
    if not is_url(request.url):
        raise AddRefused(
            f"{request.url} is not a web address",
            advice="publisher add reads a talk's or an article's page; a local file goes into"
            " the catalog by hand, as an entry's source",
        )
    url = check_url(request.url, request.allow_private)
    if request.kind == "video":
        info = read_video(url, request.allow_private, AddPacing.of(catalog))
        fields, notes = _video_fields(info, url, _own_page(info, url, request.allow_private))
    else:
        page = webpages.read_page_meta(url, request.allow_private)
        fields, notes = _article_fields(page, url)
        fields["language"] = page_language(catalog, request.series, page.language)
    refuse_duplicate(catalog, fields.get("link") or url)
    if request.title:
        fields["title"] = request.title
    if not fields.get("title"):
        raise AddRefused(f"{url} has no title", advice="give one with --title")
    notes = list(notes)
    serial = catalog.series.get(request.series or "")
    if request.kind == "video" and serial is not None and serial.type == "serial":
        fields["episode"] = next_episode(catalog, serial.id)
        notes.append(
            f"episode {fields['episode']}: the next number in the serial series {serial.id!r}"
            " — correct it if the talk belongs elsewhere"
        )
    comments = {}
    if isinstance(fields.get("published"), Impossible):
        notes.append(f"the date the source gives, {fields['published']}, cannot be right")
        fields["published"] = None
    if fields.get("published") is None:
        fields["published"] = today or datetime.now(UTC).date()
        notes.append("the page gives no date; today's date was used — correct it if needed")
        comments["published"] = GUESSED_DATE
    entry_id = request.entry_id or unique_id(slugify(fields["title"]), taken_ids(catalog))
    _check_id(catalog, entry_id)
    ordered = {"id": entry_id, "kind": request.kind}
    if request.series:
        ordered["series"] = request.series
    ordered.update(fields)
    kept = {k: v for k, v in ordered.items() if v not in (None, "", ())}
    return Proposal(kept, tuple(notes), comments=comments)


def add_url(
    catalog_path: Path, request: AddRequest, *, dry_run: bool = False, limit: int | None = None
) -> list[Proposal]:
    """`publisher add URL`: one entry for a video, one per new video for a playlist."""
    try:
        return [add(catalog_path, request, dry_run=dry_run)]
    except IsPlaylist:
        if request.kind != "video":
            raise
        with RunLock(state_path_for(catalog_path).parent, "catalog.lock"):
            return add_playlist(catalog_path, request, dry_run=dry_run, limit=limit)


def add_playlist(
    catalog_path: Path,
    request: AddRequest,
    *,
    dry_run: bool = False,
    limit: int | None = None,
    pause: Callable[[float], None] = time.sleep,
) -> list[Proposal]:
    """Append one entry per video of the playlist at `request.url` that the catalog does
    not have yet (the first `limit` of them, in the playlist's order); each is read as
    `add` reads one video, paced as builds pace that site. The caller holds the lock."""
    from publisher.fetch import sleep_between

    catalog = load_catalog(catalog_path)
    _check_series(catalog, request)
    pacing = AddPacing.of(catalog)
    videos = list_videos(
        check_url(request.url, request.allow_private), request.allow_private, pacing
    )
    have = set(catalog_urls(catalog.entries))
    new = []
    for video in videos:  # a playlist may list one video twice, under two of its addresses
        if (key := same_url_key(video.url)) not in have:
            have.add(key)
            new.append(video)
    new = new[:limit]
    taken = taken_ids(catalog)
    series = catalog.series.get(request.series or "")
    episode = next_episode(catalog, series.id) if series and series.type == "serial" else None
    proposals = []
    for number, video in enumerate(new):
        if number:
            pause(sleep_between(catalog.site.fetch.sleep, video.url))
        try:
            info = read_video(video.url, request.allow_private, pacing)
            fields, _ = _video_fields(info, video.url)
        except SourceError as error:  # one unreadable video does not stop the others
            proposals.append(Proposal({"source": video.url}, (f"skipped: {describe(error)}",)))
            continue
        # the playlist's own title and exact date, as its publisher chose them, come first
        fields["title"] = one_line(video.title) or fields["title"] or video.url
        if video.published and (video.date_exact or fields["published"] is None):
            fields["published"] = video.published.date()
        if isinstance(fields["published"], Impossible):
            fields["published"] = None
        comments = {} if fields["published"] else {"published": GUESSED_DATE}
        fields["published"] = fields["published"] or datetime.now(UTC).date()
        if episode is not None:  # a serial series numbers every talk, in playlist order
            fields["episode"], episode = episode, episode + 1
        entry_id = unique_id(slugify(fields["title"]), taken)
        taken.add(entry_id)
        ordered = {"id": entry_id, "kind": "video", "series": request.series, **fields}
        ordered = {k: v for k, v in ordered.items() if v not in (None, "", ())}
        appended = append_entry(catalog_path, ordered, write=not dry_run, comments=comments)
        proposals.append(Proposal(ordered, (), appended))
    return proposals


@dataclass(frozen=True)
class AddPacing:
    """How `add` asks a site through yt-dlp: with the catalog's cookies
    (site.fetch.cookies), as builds do, so a site that asks builds to sign in lets `add`
    in too. Pauses between the videos of a playlist are `add_playlist`'s; the holds a
    429 leaves are the builds' (`add` is a person at a terminal, who sees the error)."""

    cookies: Path | None

    @classmethod
    def of(cls, catalog: Catalog) -> AddPacing:
        cookies = catalog.site.fetch.cookies
        return cls(catalog.root / cookies if cookies else None)

    def sleep_for(self, url: str) -> float:
        return 0.0

    def turn(self, url: str) -> contextlib.AbstractContextManager:
        return contextlib.nullcontext()

    def note_success(self, url: str) -> None:
        pass


def list_videos(url: str, allow_private: bool, pacing: AddPacing):
    from publisher.tools.ytdlp import client as ytdlp
    from publisher.tools.ytdlp.listing import list_playlist

    with ytdlp.Client(allow_private, pacing=pacing) as client:
        return list_playlist(client, url)


def read_video(url: str, allow_private: bool, pacing: AddPacing) -> MediaInfo:
    """What yt-dlp finds at `url` (imported here: yt-dlp is slow to import)."""
    from publisher.tools.http import follow_redirects
    from publisher.tools.ytdlp import client as ytdlp

    location = follow_redirects(url, allow_private, ytdlp.SOCKET_TIMEOUT)  # every hop checked
    with ytdlp.Client(allow_private, pacing=pacing) as client:
        return client.read(location.url, url, direct_media=location.is_media).info


# Checks --------------------------------------------------------------------------------


def _check_series(catalog: Catalog, request: AddRequest) -> None:
    known = ", ".join(catalog.series) or "none"
    if request.series is None:
        if request.kind == "video":
            raise AddRefused("a talk needs a series", advice=f"give --series, one of: {known}")
        return
    if request.series not in catalog.series:
        hint = did_you_mean(request.series, catalog.series) or f"known series: {known}"
        raise AddRefused(f"unknown series {request.series!r}", advice=hint)


def _check_id(catalog: Catalog, entry_id: str) -> None:
    problem = slug_problem(entry_id)
    if problem is not None:
        what, hint = problem
        raise AddRefused(what, advice=hint)
    if entry_id in taken_ids(catalog):
        raise AddRefused(f"the id {entry_id!r} is already used", advice="choose another with --id")


def next_episode(catalog: Catalog, series_id: str) -> int:
    """One more than the highest episode number in the series (1 for its first talk)."""
    numbers = [e.episode or 0 for e in catalog.entries if e.series == series_id]
    return max(numbers, default=0) + 1


def refuse_duplicate(catalog: Catalog, url: str) -> None:
    """A URL already in the catalog (as a source or link) is refused, naming the entry."""
    entry = catalog_urls(catalog.entries).get(same_url_key(url))
    if entry is not None:
        raise AddRefused(
            f"{url} is already in the catalog as {entry.id!r} ({catalog.path.name}:{entry.line})",
            advice="edit that entry instead",
        )


def taken_ids(catalog: Catalog) -> set[str]:
    """Ids in the catalog and ids ever published: ids are never reused (GUIDs hang on them)."""
    ids = {entry.id for entry in catalog.entries}
    state_file = state_path_for(catalog.path)
    if state_file.is_file():
        state = State(state_file)
        try:
            ids |= set(state.publications())
            ids |= {video.entry_id for video in state.followed()}
        finally:
            state.close()
    return ids


# Proposing -----------------------------------------------------------------------------


GUESSED_DATE = "a guess: the page gives no date — correct it"
# yt-dlp's extractors for a page no site extractor knows: a <video> on it, or any media
PLAIN_PAGE_EXTRACTORS = frozenset({"Generic", "HTML5MediaEmbed"})
# yt-dlp's generic extractor numbers the media of a page with several: "Title (1)"
_NUMBERED = re.compile(r"\s\(\d+\)\Z")


def _own_page(info: MediaInfo, url: str, allow_private: bool) -> pagemeta.PageMeta | None:
    """The page's own metadata when yt-dlp read it as a plain page (its generic
    extractor): its title and date are better than what that extractor makes up."""
    if info.extractor not in PLAIN_PAGE_EXTRACTORS:
        return None
    try:
        return webpages.read_page_meta(url, allow_private)
    except PublisherError:  # a direct media link, or a page that went away meanwhile
        return None


def _video_fields(
    info: MediaInfo, url: str, page: pagemeta.PageMeta | None = None
) -> tuple[dict[str, Any], list[str]]:
    if page is not None:  # a plain page: its own title and date, never Last-Modified
        title = page.title or _NUMBERED.sub("", info.title)
        day = parse_published(page.published)
    else:
        title, day = info.title, None
        if info.upload_date and re.fullmatch(r"\d{8}", info.upload_date):
            day = checked_day(info.upload_date)
    fields = {
        "title": one_line(title),
        "source": url,
        "link": info.webpage_url or url,
        "published": day,
        "authors": tuple(filter(None, [one_line(info.uploader)])),
        "episode": None,  # a serial series numbers its talks: see propose()
        "summary": summarize(info.description),
    }
    return fields, []


def _article_fields(page: pagemeta.PageMeta, url: str) -> tuple[dict[str, Any], list[str]]:
    notes = [f"image: {page.image}"] if page.image else []
    fields = {
        "title": page.title,
        "link": page.url or url,
        "published": parse_published(page.published),
        "authors": page.authors,
        "summary": summarize(page.description),
    }
    return fields, notes


def page_language(catalog: Catalog, series_id: str | None, language: str) -> str | None:
    """The page's language, when it is one the article would not have anyway (its
    series', else the site's)."""
    series = catalog.series.get(series_id or "")
    expected = catalog.series_language(series) if series else catalog.site.language
    if not LANGUAGE.match(language) or language.lower() == expected.lower():
        return None
    return language


def summarize(description: str) -> str:
    """One clean paragraph of at most SUMMARY_MAX characters, cut at a sentence if it can."""
    text = one_line(description)
    if len(text) <= SUMMARY_MAX:
        return text
    cut = text[:SUMMARY_MAX]
    sentence = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    if sentence > SUMMARY_MAX // 2:
        return cut[: sentence + 1]
    return cut.rsplit(" ", 1)[0] + "…"
