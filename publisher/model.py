"""The records that flow through the pipeline.

The catalog is loaded into `Catalog` (site, series, entries), which the rest of the code
trusts: validation happens once, in `publisher.catalog.load`. Each entry then travels through
the stages as an `Item`, which the stages fill in: enrichment adds `MediaInfo`, extraction
and tagging add `MediaFile`s, rendering reads it all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal


def now_iso() -> str:
    """Now, to the second, as the ISO text records keep (e.g. `MediaInfo.fetched_at`)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


# The largest episode or season number the episode files' tags hold: MP4's `trkn` keeps
# the track number in 16 bits. The catalog refuses larger ones, so tagging never fails.
TAG_NUMBER_MAX = 65535

EntryKind = Literal["video", "article"]
AudioFormat = Literal["m4a", "mp3"]
ItemState = Literal["published", "pending", "failed"]

# The series id of the all-talks feed (`all/podcast.xml`): no series may take it.
ALL_TALKS = "all"


@dataclass(frozen=True)
class Owner:
    name: str
    email: str


@dataclass(frozen=True)
class Funding:
    url: str
    text: str


@dataclass(frozen=True)
class Limits:
    """Sources over these are refused before download."""

    max_duration: int = 4 * 3600  # seconds
    max_filesize: int = 2 * 1024**3  # bytes
    max_download_time: int = 3600  # seconds for one download, however fast bytes still come


@dataclass(frozen=True)
class Fetch:
    """How sources are asked (`site.fetch`): pacing, a download budget, cookies."""

    sleep: float | None = None  # seconds between requests to one site; None: per-site default
    max_downloads: int | None = None  # new media made per run at most, newest talks first
    cookies: str | None = None  # a Netscape cookies file, relative to the catalog


@dataclass(frozen=True)
class Follow:
    """A playlist, channel or feed whose videos become episodes of a series by themselves."""

    url: str
    after: datetime | None = None  # only videos published on or after this
    match: str | None = None  # only videos whose title matches this regular expression


@dataclass(frozen=True)
class Transcribe:
    """Transcripts made from a talk's own speech (`transcribe`), locally, with Whisper."""

    model: str = "base"  # a faster-whisper model name, or a model folder (relative to the catalog)
    max_minutes: float = 30  # the run's time for transcribing, at most; the rest waits


@dataclass(frozen=True)
class Site:
    title: str
    base_url: str  # always ends with "/"
    link: str
    language: str
    author: str
    owner: Owner
    image: str  # a path relative to the catalog, or a URL
    copyright: str = ""
    description: str = ""
    funding: Funding | None = None
    license: str = ""
    hubs: tuple[str, ...] = ()  # WebSub hubs pinged after a feed changes
    pings: tuple[str, ...] = ()  # directory URL templates, "{url}" the changed feed's URL
    enclosure_prefix: str = ""  # analytics (OP3, Podtrac): put before enclosure URLs
    feed_page_size: int = 0  # newest N items in the main feed; 0 = no paging
    media_grace_days: int = 30  # media of entries removed from the catalog is kept this long
    limits: Limits = field(default_factory=Limits)
    fetch: Fetch = field(default_factory=Fetch)
    transcribe: Transcribe | None = None  # None: no talk is transcribed unless its series says
    all_talks: bool = False  # also publish all/podcast.xml: every listed talk of every series
    txt: tuple[tuple[str, str], ...] = ()  # (purpose, text): <podcast:txt> in every podcast


@dataclass(frozen=True)
class AudioSettings:
    format: AudioFormat = "m4a"
    loudness: float | None = None  # target in LUFS; None = keep the source's level


@dataclass(frozen=True)
class Series:
    id: str
    title: str
    description: str
    author: str
    category: tuple[str, ...]  # ("Society & Culture", "History") or ("History",)
    explicit: bool = False
    type: Literal["serial", "episodic"] = "episodic"
    image: str | None = None
    audio: AudioSettings = field(default_factory=AudioSettings)
    video: bool = False
    link: str | None = None
    update_frequency: str | None = None  # RRULE text for podcast:updateFrequency
    podcast_guid: str | None = None  # pinned podcast:guid, e.g. of a show moved here
    new_feed_url: str | None = None  # the show moved there: <itunes:new-feed-url>
    new_video_feed_url: str | None = None  # and its video feed there (in video.xml)
    follow: tuple[Follow, ...] = ()
    # True/False turns transcription on or off here; a Transcribe gives its own model;
    # None: as the site says
    transcribe: bool | Transcribe | None = None
    language: str | None = None  # BCP 47; None: the site's
    listed: bool = True  # False: its feeds are published but offered nowhere (blocked)
    txt: tuple[tuple[str, str], ...] = ()  # (purpose, text): <podcast:txt> in its feeds
    line: int = 0


@dataclass(frozen=True)
class Soundbite:
    """A moment of a talk worth sharing (`podcast:soundbite`)."""

    start: float  # seconds from the start
    duration: float  # seconds
    title: str = ""


@dataclass(frozen=True)
class Entry:
    id: str
    kind: EntryKind
    title: str
    # Always time-zone aware. An article may leave it out: its page's date, else the
    # moment it was first published, fills it in before rendering.
    published: datetime | None
    series: str | None = None
    source: str | None = None  # URL or local path; None = pending
    link: str | None = None
    authors: tuple[str, ...] = ()
    summary: str = ""
    episode: int | None = None
    season: int | None = None
    episode_type: Literal["full", "trailer", "bonus"] = "full"
    explicit: bool | None = None  # None = the series' setting
    guid: str | None = None  # pinned by the editor, e.g. for an episode moved from elsewhere
    followed: str | None = None  # the followed playlist it came from; None: in the catalog
    language: str | None = None  # BCP 47; None: its series', else the site's
    soundbites: tuple[Soundbite, ...] = ()
    line: int = 0

    @property
    def is_talk(self) -> bool:
        """A talk becomes audio (and video) episodes; an article is published as it is."""
        return self.kind == "video"

    @property
    def is_article(self) -> bool:
        return self.kind == "article"


def entry_state(
    entry: Entry, audio: MediaFile | None, error: str | None, held_out: bool = False
) -> ItemState:
    """THE rule: an article is published as soon as it is in the catalog; a talk once it has
    audio (from this run or an earlier one) that its feed carries; a talk without audio,
    or that the feed gate keeps out of its audio feed (`held_out`), failed or is pending."""
    if held_out:
        return "failed"
    if entry.is_article or audio is not None:
        return "published"
    return "failed" if error else "pending"


@dataclass(frozen=True)
class Catalog:
    path: Path
    site: Site
    series: dict[str, Series]
    entries: tuple[Entry, ...]
    digest: str = ""  # SHA-256 of the bytes this catalog was loaded from

    @property
    def root(self) -> Path:
        """The folder the catalog lives in: relative paths in it start here."""
        return self.path.parent

    def language_of(self, entry: Entry) -> str:
        """THE language rule: the entry's own, else its series', else the site's."""
        series = self.series.get(entry.series or "")
        return entry.language or (series.language if series else None) or self.site.language

    def series_language(self, series: Series) -> str:
        return series.language or self.site.language

    @property
    def listed_series(self) -> list[Series]:
        """The series offered to listeners (OPML, pages, all-talks, podrolls), by id."""
        return sorted((s for s in self.series.values() if s.listed), key=lambda s: s.id)

    def series_entries(self, series_id: str) -> list[Entry]:
        return [e for e in self.entries if e.series == series_id and e.is_talk]

    @property
    def articles(self) -> list[Entry]:
        return [e for e in self.entries if e.is_article]


@dataclass(frozen=True)
class Chapter:
    start: float  # seconds
    title: str
    end: float | None = None


@dataclass(frozen=True)
class Caption:
    """A caption track offered by the source: manual ones are preferred over automatic."""

    language: str
    url: str
    ext: str
    automatic: bool = False


@dataclass(frozen=True)
class MediaInfo:
    """What enrichment learned about a talk's source. Never holds signed media URLs."""

    source: str
    title: str = ""
    description: str = ""
    duration: float | None = None
    thumbnail: str | None = None
    upload_date: str | None = None  # YYYYMMDD as yt-dlp gives it
    uploader: str = ""
    webpage_url: str = ""
    chapters: tuple[Chapter, ...] = ()
    captions: tuple[Caption, ...] = ()
    is_live: bool = False
    live_status: str | None = None  # yt-dlp's: is_live, is_upcoming, post_live, was_live…
    filesize: int | None = None
    audio_codec: str | None = None
    video_codec: str | None = None
    offers_video: bool | None = None  # None: not known until the file itself is probed
    fetched_at: str = ""  # ISO datetime
    # yt-dlp's extractor key; "Generic" or "HTML5MediaEmbed" read a plain web page, whose
    # title it may number " (1)" and whose date may be the HTTP Last-Modified
    extractor: str = ""


@dataclass(frozen=True)
class ArticlePage:
    """What an article's page says, as read from its `link` (kept in the state). The
    catalog's own values always win over these."""

    link: str  # the catalog link it was read from
    text: str = ""  # the main text, sanitized HTML
    description: str = ""
    authors: tuple[str, ...] = ()
    published: str = ""  # ISO date or datetime, as the page gives it
    image: str = ""  # its Open Graph (or JSON-LD) image URL
    fetched_at: str = ""  # ISO datetime
    # set when the page could not be read and nothing was read from this link before:
    # when that was, so the page is asked again a day later, not on every build
    unread_since: str = ""


# The files an episode can have, by role, in the order every reader lists them. Which
# of them a talk should have, and what each is made from, its plan says
# (`publisher.build.plan`); the state records each made file under its role.
AUDIO, VIDEO, IMAGE, CHAPTERS = "audio", "video", "image", "chapters"
TRANSCRIPT_VTT, TRANSCRIPT_SRT = "transcript.vtt", "transcript.srt"
FILE_ROLES = (AUDIO, VIDEO, IMAGE, CHAPTERS, TRANSCRIPT_VTT, TRANSCRIPT_SRT)
TRANSCRIPT_ROLES = (TRANSCRIPT_VTT, TRANSCRIPT_SRT)


@dataclass(frozen=True)
class MediaFile:
    """A file under the published folder: what an enclosure or link points at."""

    path: str  # relative to the published folder, with "/" separators
    length: int  # exact byte size
    mime_type: str
    duration: float | None = None  # seconds, for audio and video


@dataclass
class Item:
    """One catalog entry on its way through the stages (like a beets import task)."""

    entry: Entry
    info: MediaInfo | None = None
    audio: MediaFile | None = None
    video: MediaFile | None = None
    image: MediaFile | None = None
    transcripts: list[MediaFile] = field(default_factory=list)
    # The language of a transcript made from the talk's speech; None: the captions' own
    transcript_language: str | None = None
    chapters_file: MediaFile | None = None
    chapters: tuple[Chapter, ...] = ()
    guid: str | None = None
    video_guid: str | None = None  # its GUID in the video feed: its own
    first_published: datetime | None = None
    error: str | None = None
    page: ArticlePage | None = None  # an article's page, as last read
    # A followed video that enrichment found outside its series' rules: not an episode.
    skipped: bool = False
    # New, and refused by the feed gate: not in its audio feed, so not published.
    held_out: bool = False
    # The formats a source offers, when enrichment read it in this run: their URLs may be
    # signed and expire, so they live in memory only, for extraction to use.
    formats: list[dict] = field(default_factory=list, repr=False)

    @property
    def id(self) -> str:
        return self.entry.id

    @property
    def state(self) -> ItemState:
        return entry_state(self.entry, self.audio, self.error, self.held_out)

    @property
    def is_published(self) -> bool:
        return self.state == "published"

    def files(self) -> dict[str, MediaFile]:
        """role -> each file the item has, in FILE_ROLES order: what its feeds, pages and
        the sweep name, and what a render depends on."""
        held = (AUDIO, self.audio), (VIDEO, self.video), (IMAGE, self.image)
        found = {role: media for role, media in held if media is not None}
        if self.chapters_file is not None:
            found[CHAPTERS] = self.chapters_file
        for media in self.transcripts:  # kept in TRANSCRIPT_ROLES order (`set_file`)
            found[transcript_role(media)] = media
        return found

    def set_file(self, role: str, media: MediaFile | None) -> None:
        """Give the item its file of `role` (None: it has none)."""
        if role in TRANSCRIPT_ROLES:
            kept = {transcript_role(t): t for t in self.transcripts if transcript_role(t) != role}
            if media is not None:
                kept[role] = media
            self.transcripts = [kept[r] for r in TRANSCRIPT_ROLES if r in kept]
        else:
            setattr(self, "chapters_file" if role == CHAPTERS else role, media)


def transcript_role(media: MediaFile) -> str:
    """A transcript's role, from its file's suffix: "transcript.vtt", "transcript.srt"."""
    return "transcript" + media.path[media.path.rfind(".") :]


@dataclass(frozen=True)
class FollowedVideo:
    """A video a series found in a followed playlist, as the listing gave it (kept in the
    state, not the catalog). Its id is chosen once, when it is first seen."""

    entry_id: str
    series: str
    playlist: str  # the followed URL it was listed in
    url: str  # the video's own URL: the episode's source
    title: str
    published: datetime | None  # from the listing, if it says
    description: str
    first_seen: datetime
    date_exact: bool = True  # False: the listing's date is approximate; enrichment's wins


@dataclass(frozen=True)
class SiteHold:
    """A site we do not ask before `until` (it answered HTTP 429); `strikes` in a row."""

    site: str
    message: str
    until: datetime
    strikes: int
