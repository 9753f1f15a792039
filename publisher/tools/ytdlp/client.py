"""yt-dlp, used as a library: the only module that imports it.

`Client.read` asks yt-dlp what a URL holds (extract_info without download, then
sanitize_info) and returns a clean `MediaInfo` plus the formats on offer. Format URLs are
often signed and expire within hours (googlevideo), so they live only in memory, for a
download in the same run; they are never stored. `Client.download` fetches one format with
yt-dlp's own downloaders (resuming a `.part` file left by a killed run) and never runs
its ffmpeg postprocessors: converting is `publisher.tools.ffmpeg`'s job.

Every request yt-dlp makes is held to the address rules and deadlines of
`publisher.sources` and `publisher.tools.http` by `CheckedYoutubeDL`
(`publisher.tools.ytdlp.network`), and only yt-dlp's own downloaders run.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import yt_dlp
from yt_dlp.networking.exceptions import HTTPError, TransportError

from publisher.errors import (
    ADVICE_GONE,
    ADVICE_NETWORK,
    ADVICE_RETRY,
    DegradedSource,
    PublisherError,
    SourceError,
)
from publisher.formats.checked import checked_day_text, checked_duration, checked_size
from publisher.formats.text import clean_text
from publisher.model import Caption, Chapter, MediaInfo, now_iso
from publisher.sources import is_signed_url, metadata_url, raise_for_status
from publisher.tools import deadlines, http
from publisher.tools.ytdlp.formats import (
    choose_audio,
    choose_video,
    choose_video_and_sound,
    codec,
    downloadable,
    has_audio,
    has_video,
    is_aac,
    is_h264,
    not_ended,
    refuse_playlist,
    usable,
)
from publisher.tools.ytdlp.network import FFMPEG_INPUT_PROTOCOLS, CheckedYoutubeDL, last_failure
from publisher.tools.ytdlp.refusals import causes, degraded_read, refusal
from publisher.tools.ytdlp.runtime import cookie_jar_text, js_runtimes

# The public surface: what the rest of the program (and `listing`, `toolchain`) uses. The
# format choices are `formats`' own, offered here so a stage imports one module.
__all__ = [
    "RETRIES",
    "SOCKET_TIMEOUT",
    "CheckedYoutubeDL",
    "Client",
    "Pacing",
    "SourceListing",
    "choose_audio",
    "choose_video",
    "choose_video_and_sound",
    "codec",
    "describe_error",
    "has_audio",
    "has_video",
    "is_aac",
    "is_h264",
    "media_info",
    "unsigned_url",
    "usable",
    "ydl_params",
]

log = logging.getLogger(__name__)

SOCKET_TIMEOUT = 20.0  # seconds without a byte before a request fails
RETRIES = 3

ProgressCallback = Callable[[float], None]


@dataclass(frozen=True)
class SourceListing:
    """What a source offers: clean metadata to keep, raw formats to use once and forget."""

    info: MediaInfo
    formats: list[dict]


class TooLarge(SourceError):
    """A download passed `site.limits.max_filesize` while it was arriving."""


class Pacing(Protocol):
    """What a Client needs of the run's fetch policy (`publisher.fetch.FetchPolicy`)."""

    cookies: Path | None

    def sleep_for(self, url: str) -> float: ...
    def turn(self, url: str) -> AbstractContextManager: ...
    def note_success(self, url: str) -> None: ...


class _LogRoute:
    """yt-dlp's logger interface, sent to `logging` instead of the terminal; warnings
    are kept too, since some of them (a challenge not solved) mean the read is useless."""

    def __init__(self):
        self.warnings: list[str] = []

    def debug(self, message: str) -> None:
        log.debug("%s", message)

    def info(self, message: str) -> None:
        log.debug("%s", message)

    def warning(self, message: str) -> None:
        self.warnings.append(message)
        log.info("yt-dlp: %s", message)

    def error(self, message: str) -> None:
        log.debug("yt-dlp: %s", message)  # raised as an exception too; logged there


class Client:
    """One YoutubeDL for one talk: reading it and downloading its formats share the
    connection pool and TLS setup, which cost more than the reading on a fast link."""

    def __init__(
        self, allow_private: bool, ffmpeg: str | None = None, pacing: Pacing | None = None
    ):
        self.logger = _LogRoute()
        extra = {"progress_hooks": [self._hook], "logger": self.logger}
        if pacing and pacing.cookies:
            extra["cookiefile"] = cookie_jar_text(pacing.cookies)
        self.ydl = CheckedYoutubeDL(ydl_params(ffmpeg, extra), allow_private)
        self.pacing = pacing
        self.on_progress: ProgressCallback | None = None
        self.max_filesize: int | None = None
        self._site_extractors = False

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info) -> None:
        self.ydl.close()

    def read(self, url: str, source: str, direct_media: bool = False) -> SourceListing:
        """What `url` holds; `source` is the catalog's text, kept as the cache key.

        `direct_media` (the server said audio/* or video/*) goes straight to yt-dlp's
        generic extractor instead of trying every site extractor's URL pattern first.
        """
        if not direct_media:
            self.use_site_extractors()
        ie_key = "Generic" if direct_media else None
        if ie_key:
            self.ydl.get_info_extractor(ie_key)  # registers just that one
        raw = self.extract(url, ie_key)
        refuse_playlist(raw, url)
        formats = downloadable(raw, url)
        audio = choose_audio(formats, prefer_aac=True)
        info = media_info(raw, source, audio)
        if all(f.get("vcodec") == "none" for f in formats):  # yt-dlp knows: audio only
            info = dataclasses.replace(info, offers_video=False)
        return SourceListing(info, formats)

    def use_site_extractors(self) -> None:
        """Register yt-dlp's site extractors (once): a URL that is no direct media file
        needs them, and setting up ~1,800 of them is slow."""
        if not self._site_extractors:
            self.ydl.add_default_info_extractors()
            self._site_extractors = True

    def extract(self, url: str, ie_key: str | None = None) -> dict:
        """extract_info, paced, with yt-dlp's failures turned into the publisher's classes."""
        if self.pacing:
            self.ydl.params["sleep_interval_requests"] = self.pacing.sleep_for(url)
        self.logger.warnings.clear()
        paced = self.pacing.turn(url) if self.pacing else nullcontext()
        with paced, _translated_errors(url, self.logger.warnings):
            raw = self.ydl.extract_info(url, download=False, ie_key=ie_key)
        raw = self.ydl.sanitize_info(raw)
        if degraded := degraded_read(self.logger.warnings):
            raise DegradedSource(degraded, url)
        if self.pacing:
            self.pacing.note_success(url)
        return raw

    def download(
        self,
        fmt: dict,
        path: Path,
        max_filesize: int | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Path:
        """Download one format to `path`; a killed run leaves `path.part`, which is resumed.

        `max_filesize` is held against the bytes as they arrive (yt-dlp itself checks
        only a Content-Length, which a chunked answer or a stream of segments lacks)."""
        self.ydl.params["max_filesize"] = max_filesize
        self.on_progress, self.max_filesize = on_progress, max_filesize
        try:
            with _translated_errors(fmt.get("url", "")):
                ok = self.ydl.dl(str(path), dict(fmt))
        except TooLarge:
            for partial in path.parent.glob(f"{path.name}.*"):  # .part, .ytdl, fragments
                partial.unlink(missing_ok=True)  # nothing of it is worth resuming
            raise
        if not ok or not path.is_file():
            raise SourceError(
                f"download of {_host(fmt.get('url', ''))} did not finish"
                " (larger than the size limit, or cut short)",
                advice=ADVICE_RETRY,
            )
        return path

    def _hook(self, status: dict) -> None:
        """Progress, and the size limit: raising here ends yt-dlp's download."""
        received = status.get("downloaded_bytes") or 0
        if self.max_filesize is not None and received > self.max_filesize:
            url = (status.get("info_dict") or {}).get("url", "")
            raise TooLarge(
                f"{_host(url)} sent more than {self.max_filesize:,} bytes, the limit of"
                " site.limits.max_filesize",
                advice="check that the address names the right file, or raise the limit",
            )
        total = status.get("total_bytes") or status.get("total_bytes_estimate")
        if self.on_progress and total and status.get("status") == "downloading":
            self.on_progress(min(1.0, status.get("downloaded_bytes", 0) / total))


def ydl_params(ffmpeg: str | None, extra: dict | None = None) -> dict:
    """The params every YoutubeDL of the program is made with (builds, `add`, `doctor`)."""
    params = {
        "js_runtimes": js_runtimes(),
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "logger": _LogRoute(),
        "socket_timeout": SOCKET_TIMEOUT,
        "retries": RETRIES,
        "fragment_retries": RETRIES,
        "extractor_retries": 1,
        "noplaylist": True,
        "extract_flat": "in_playlist",  # a playlist given as one talk: listed, not read whole
        "cachedir": False,
        "color": {"stdout": "never", "stderr": "never"},
        "postprocessors": [],
        "fixup": "never",  # no ffmpeg behind our back; publisher.tools.ffmpeg remuxes
        "check_formats": False,
        "continuedl": True,
        "buffersize": 1 << 20,  # fewer, larger reads: downloads are CPU-bound on fast links
        "external_downloader": "native",  # HLS segments through urlopen, not ffmpeg
        "external_downloader_args": {"ffmpeg_i": FFMPEG_INPUT_PROTOCOLS},
        "proxy": "",  # as in publisher.tools.http: a proxy would hide the address fetched
    }
    if ffmpeg:
        params["ffmpeg_location"] = ffmpeg  # for HLS/DASH downloads that need it
    params.update(extra or {})
    return params


def media_info(raw: dict, source: str, audio: dict) -> MediaInfo:
    """Clean metadata from yt-dlp's sanitized info: no control characters, no signed URLs."""
    return MediaInfo(
        source=source,
        title=clean_text(raw.get("title")),
        description=clean_text(raw.get("description")),
        duration=checked_duration(raw.get("duration")),
        thumbnail=unsigned_url(metadata_url(raw.get("thumbnail"))),
        upload_date=checked_day_text(raw.get("upload_date")),
        uploader=clean_text(raw.get("uploader") or raw.get("channel")),
        webpage_url=unsigned_url(raw.get("webpage_url")) or "",
        chapters=tuple(_chapters(raw)),
        captions=tuple(_captions(raw)),
        is_live=not_ended(raw) is not None,
        live_status=raw.get("live_status"),
        filesize=checked_size(audio.get("filesize")) or checked_size(audio.get("filesize_approx")),
        audio_codec=codec(audio.get("acodec")),
        video_codec=codec(audio.get("vcodec")),
        fetched_at=now_iso(),
        extractor=clean_text(raw.get("extractor_key")),
    )


def unsigned_url(url) -> str | None:
    """`url`, unless it is signed (it would expire, and must not be kept)."""
    return url if url and not is_signed_url(url) else None


def _chapters(raw: dict) -> Iterator[Chapter]:
    for chapter in raw.get("chapters") or ():
        start = checked_duration(chapter.get("start_time"))
        if start is not None:  # a chapter at NaN, "abc" or True s is dropped, not the talk
            title = clean_text(chapter.get("title")) or f"Chapter at {int(start)} s"
            yield Chapter(start=start, title=title, end=checked_duration(chapter.get("end_time")))


def _captions(raw: dict) -> Iterator[Caption]:
    """Manual captions first, then automatic ones in the talk's own language only."""
    language = (raw.get("language") or "").split("-")[0]
    for automatic, tracks in ((False, raw.get("subtitles")), (True, raw.get("automatic_captions"))):
        for lang, offers in sorted((tracks or {}).items()):
            if automatic and not (lang.endswith("-orig") or (language and lang == language)):
                continue  # machine translations of machine captions: not worth offering
            best = _best_caption(offers or [])
            url = metadata_url(best.get("url")) if best else None
            if url and "googlevideo.com" not in url:
                yield Caption(lang, url, best.get("ext") or "vtt", automatic)


def _best_caption(offers: list[dict]) -> dict | None:
    by_ext = {offer.get("ext"): offer for offer in offers}
    return by_ext.get("vtt") or by_ext.get("srt") or (offers[0] if offers else None)


# Errors --------------------------------------------------------------------------------


class _translated_errors:
    """Turn yt-dlp's exceptions into one-line SourceErrors saying what to do."""

    def __init__(self, url: str, warnings: list[str] | None = None):
        self.url = url
        self.warnings = warnings if warnings is not None else []

    def __enter__(self):
        last_failure.error = None  # what this operation notes, and only that, is reported
        deadlines.forget_trips()
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        if error is None or isinstance(error, PublisherError | KeyboardInterrupt):
            return False
        if isinstance(error, ValueError | ArithmeticError | TypeError):
            # yt-dlp's own parsing of what a page says (a date in year 10000, a duration
            # of 10**400 s) gave up: that source is unreadable, the run goes on
            raise SourceError(
                f"yt-dlp could not read {self.url}: the page gives a value it cannot convert"
                f" ({_first_line(error)})",
                advice="correct the page, or give the entry another source",
            ) from error
        if not isinstance(error, yt_dlp.utils.YoutubeDLError | OSError):
            return False
        cut = deadlines.tripped(self.url)  # the watchdog ended it: a deadline, or the run stops
        classified = refusal(error, self.url, self.warnings)  # a site or video refusing us
        noted = getattr(last_failure, "error", None)
        raise (cut or classified or describe_error(error, self.url, noted)) from error


def describe_error(
    error: BaseException, url: str, noted: BaseException | None = None
) -> PublisherError:
    """The most specific PublisherError for a yt-dlp failure; `noted` is the transport
    failure seen on the way (yt-dlp's downloaders keep only its text)."""
    host = _host(url)
    for cause in causes(error):
        if isinstance(cause, PublisherError):
            return cause
        if isinstance(cause, HTTPError):
            try:
                raise_for_status(cause.status, url)
            except SourceError as translated:
                return translated
        if isinstance(cause, TimeoutError | socket.timeout):
            return SourceError(f"{host} timed out after {SOCKET_TIMEOUT:g} s", ADVICE_RETRY)
    wire = http.transport_cause(error, SOCKET_TIMEOUT) or (
        http.transport_cause(noted, SOCKET_TIMEOUT) if noted else None
    )
    if wire:
        return SourceError(f"{host} could not be read: {wire}", ADVICE_NETWORK)
    message = _first_line(error)
    if re.search(r"timed? ?out", message, re.I):
        return SourceError(f"{host} timed out ({message})", ADVICE_RETRY)
    if re.search(r"private video|video unavailable|removed|deleted|not available", message, re.I):
        return SourceError(f"the video at {url} is gone or private: {message}", ADVICE_GONE)
    if isinstance(error, TransportError):
        return SourceError(f"{host} could not be reached: {message}", ADVICE_NETWORK)
    return SourceError(f"yt-dlp could not read {url}: {message}")


def _first_line(error: BaseException) -> str:
    """yt-dlp's message without its "ERROR:" tag, or the error's kind when it is empty."""
    lines = clean_text(str(error)).removeprefix("ERROR: ").strip().splitlines()
    return lines[0].strip() if lines and lines[0].strip() else type(error).__name__


def _host(url: str) -> str:
    return urlsplit(url).hostname or url
