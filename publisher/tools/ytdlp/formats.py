"""Choosing among the formats yt-dlp offers (part of `publisher.tools.ytdlp`).

yt-dlp's own format selection does the choosing: each output has a format spec (what
`--format` takes) and sort fields (what `--format-sort` takes), and yt-dlp's
`FormatSorter` and `build_format_selector` apply them, exactly as `yt-dlp -f SPEC -S
FIELDS` would. What the publisher adds is only a filter before that: formats it cannot
fetch (no URL, DRM, storyboards) and AI or human dubs, which YouTube adds to talks in
other languages and marks only in the format's URL (`xtags=acont=dubbed-auto`).

The choices, and why:
- audio: the original language first (`lang`: yt-dlp gives YouTube's track marked
  "original" language_preference 10, the default track 5, other tracks -1, descriptive
  audio -10), then, for m4a, AAC before better codecs (`acodec:aac`: a stream copy,
  no re-encode); audio-only formats before muxed ones (`ba/b`).
- video: H.264 before better codecs (`vcodec:h264`: remuxed, not re-encoded, and what
  Apple's podcast apps play), at most 1080 lines (`res:1080`: the largest up to 1080, or
  else the smallest above), AAC sound when the format carries sound.
"""

from __future__ import annotations

import copy
import functools
import threading
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from publisher.errors import IsPlaylist, NoVideo, SourceError, SourceRefused
from publisher.sources import is_web_url

MAX_VIDEO_HEIGHT = 1080  # Apple's video podcasts; more costs bytes nobody sees

AUDIO_SPEC = "ba/b/b*"  # audio only; else the best with sound; else anything
VIDEO_SPEC = "bv*"  # the best with a picture (storyboards have none)
AUDIO_SORT = {"m4a": ("lang", "acodec:aac"), "mp3": ("lang",)}
VIDEO_SORT = ("vcodec:h264", f"res:{MAX_VIDEO_HEIGHT}", "acodec:aac", "lang")

# yt-dlp's live_status values of a stream that has no complete recording yet
NOT_ENDED = {
    "is_live": "is live now",
    "is_upcoming": "has not started yet",
    "post_live": "has just ended and YouTube is still processing its recording",
}
WAIT_FOR_END = "it is published once the stream has ended; the next run asks again"


class NoMatch(Exception):
    """No format answers the spec."""


__all__ = [
    "choose_audio",
    "choose_video",
    "choose_video_and_sound",
    "codec",
    "has_audio",
    "has_video",
    "is_aac",
    "is_h264",
    "usable",
]


def usable(fmt: dict) -> bool:
    """A format a build can fetch: an http(s) URL (the only kind the address checks let
    through: a file:// or rtmp:// format is never chosen), no storyboard, no DRM."""
    url = fmt.get("url")
    return (
        isinstance(url, str)
        and is_web_url(url)
        and fmt.get("protocol") != "mhtml"
        and not fmt.get("has_drm")
    )


def codec(value) -> str | None:
    return None if value in (None, "none") else str(value)


def has_audio(fmt: dict) -> bool:
    return fmt.get("acodec") != "none"  # None means unknown, as for a direct URL


def has_video(fmt: dict) -> bool:
    return fmt.get("vcodec") != "none"


def is_aac(fmt: dict) -> bool:
    return str(fmt.get("acodec") or "").startswith(("mp4a", "aac"))


def is_h264(fmt: dict) -> bool:
    return str(fmt.get("vcodec") or "").startswith(("avc1", "h264"))


def is_dub(fmt: dict) -> bool:
    """A dubbed audio track: YouTube tags it in the URL (`xtags=acont=dubbed-auto:lang=de`
    for its AI dubs, `acont=dubbed` for the uploader's), and yt-dlp's format note may say so."""
    if "dubbed" in str(fmt.get("format_note") or "").lower():
        return True
    query = parse_qs(urlsplit(str(fmt.get("url") or "")).query)
    tags = dict(
        part.split("=", 1) for xtags in query.get("xtags", []) for part in xtags.split(":")
        if "=" in part
    )  # fmt: skip
    return tags.get("acont", "").startswith("dubbed")


def choose_audio(formats: list[dict], prefer_aac: bool) -> dict:
    """The audio to make an episode from: m4a wants AAC (a stream copy), mp3 the best.
    Only a format with sound: a video-only download could make no episode."""
    sort = AUDIO_SORT["m4a" if prefer_aac else "mp3"]
    with_sound = [f for f in _without_dubs(formats) if has_audio(f)]
    try:
        return _select(with_sound, AUDIO_SPEC, sort)
    except NoMatch:
        raise SourceError(
            "the source offers no format with sound", advice="give the entry a source with sound"
        ) from None


def choose_video(formats: list[dict], max_height: int = MAX_VIDEO_HEIGHT) -> dict:
    """The video to publish: H.264 (remuxed, not re-encoded) up to `max_height` lines."""
    sort = tuple(f"res:{max_height}" if f.startswith("res:") else f for f in VIDEO_SORT)
    try:
        return _select(_without_dubs(formats), VIDEO_SPEC, sort)
    except NoMatch:
        raise NoVideo("the source offers no video, but the series publishes video") from None


def choose_video_and_sound(formats: list[dict]) -> tuple[dict, dict | None]:
    """The video to publish and, when it has no sound of its own, the audio muxed into it:
    AAC first (a stream copy into the MP4), whatever the series' own audio format."""
    video = choose_video(formats)
    return video, None if has_audio(video) else choose_audio(formats, prefer_aac=True)


def _without_dubs(formats: list[dict]) -> list[dict]:
    """Dubbed tracks left out, unless a dub is all the source has."""
    own = [f for f in formats if not (has_audio(f) and is_dub(f))]
    return own if any(has_audio(f) for f in own) else formats


def _select(formats: list[dict], spec: str, sort: tuple[str, ...]) -> dict:
    """What `yt-dlp -f SPEC -S SORT` picks among `formats` (copies; yt-dlp adds keys)."""
    if not formats:
        raise NoMatch(f"no format to match {spec!r}")
    candidates = [dict(f) for f in formats]
    ydl = _selector_ydl()
    ordered = sorted(candidates, key=_Sorter(ydl, list(sort)).calculate_preference)
    selector = ydl.build_format_selector(spec)
    context = {  # what YoutubeDL._select_formats hands a selector
        "formats": ordered,
        "has_merged_format": any(has_audio(f) and has_video(f) for f in ordered),
        "incomplete_formats": not any(has_video(f) for f in ordered)
        or not any(has_audio(f) for f in ordered),
    }
    chosen = next(iter(selector(context)), None)
    if chosen is None:
        raise NoMatch(f"no format matches {spec!r}")
    by_id = {f.get("format_id"): f for f in formats}
    return by_id.get(chosen.get("format_id"), chosen)


@functools.cache
def _selector_ydl():
    """A YoutubeDL that only selects (no extractor, no request): its selector reads no
    state, so one serves every thread."""
    import yt_dlp

    return yt_dlp.YoutubeDL({"quiet": True, "no_warnings": True}, auto_init=False)


@functools.cache
def _sorter_class():
    from yt_dlp.utils import FormatSorter

    class OwnSettingsSorter(FormatSorter):
        """yt-dlp's FormatSorter keeps each sort's limits in a class-wide dict; a copy of
        its own keeps two threads (or yt-dlp's own sorting) from changing each other's."""

        def __init__(self, ydl, field_preference):
            with _settings_lock:
                self.settings = copy.deepcopy(FormatSorter.settings)
            super().__init__(ydl, field_preference)

    return OwnSettingsSorter


_settings_lock = threading.Lock()


def _Sorter(ydl, fields):  # noqa: N802 (a class, made on first use: yt-dlp loads late)
    return _sorter_class()(ydl, fields)


# What cannot be published (yet) ---------------------------------------------------------


def refuse_unpublishable(raw: dict, url: str) -> None:
    """A playlist given as one talk, or a stream without a complete recording yet."""
    refuse_playlist(raw, url)
    if reason := not_ended(raw):
        raise SourceRefused(f"source {url} is a live stream that {reason}", advice=WAIT_FOR_END)


def refuse_playlist(raw: dict, url: str) -> None:
    if raw.get("_type") in ("playlist", "multi_video"):
        count = raw.get("playlist_count") or len(raw.get("entries") or ())
        raise IsPlaylist(
            f"source {url} is a playlist" + (f" of {count} videos" if count else "")
            + ", not one talk"
        )  # fmt: skip


def not_ended(raw: dict) -> str | None:
    """Why a live stream cannot be published yet, or None once it has ended."""
    status = raw.get("live_status")
    if status not in NOT_ENDED and raw.get("is_live"):
        status = "is_live"
    return NOT_ENDED.get(status) if isinstance(status, str) else None


def downloadable(raw: dict, source: str) -> list[dict]:
    """The formats of yt-dlp's info `raw` a build may choose from (a direct file is its
    own one format), or SourceError when there is none."""
    formats = [f for f in raw.get("formats") or [raw] if isinstance(f, dict) and usable(f)]
    if not formats:
        raise SourceError(f"source {source} offers no downloadable media")
    return formats


# What a build would download, and why (`publisher formats`) ------------------------------

SUMMARY_KEYS = ("format_id", "ext", "acodec", "vcodec", "language", "language_preference",
                "abr", "tbr", "height", "width", "format_note", "protocol")  # fmt: skip
NO_VIDEO = "the source offers no video: a build publishes the audio episode only"


@dataclass(frozen=True)
class Choice:
    """One output's format, with what was asked of yt-dlp and what came of it. A video
    without sound of its own has the `sound` muxed into it; no video is `format` None."""

    output: str  # "audio" | "video"
    format: dict | None
    spec: str
    sort: tuple[str, ...]
    why: str
    sound: dict | None = None

    def summary(self) -> dict | None:
        if self.format is None:
            return None
        sound = {"sound": _brief(self.sound)} if self.output == "video" else {}
        asked = {"spec": self.spec, "sort": list(self.sort), "why": self.why}
        return _brief(self.format) | sound | asked


def _brief(fmt: dict | None) -> dict | None:
    return None if fmt is None else {key: fmt.get(key) for key in SUMMARY_KEYS}


def choices(raw: dict, source: str, audio_ext: str, video: bool) -> list[Choice]:
    """What a build would download for a series' outputs from yt-dlp's info `raw`: the
    same functions a build calls (`choose_audio`, `choose_video_and_sound`)."""
    refuse_unpublishable(raw, source)
    formats = downloadable(raw, source)
    audio = choose_audio(formats, prefer_aac=audio_ext == "m4a")
    why = _audio_why(audio, formats, audio_ext)
    picked = [Choice("audio", audio, AUDIO_SPEC, AUDIO_SORT[audio_ext], why)]
    if video:
        try:
            chosen, sound = choose_video_and_sound(formats)
        except NoVideo:  # as a build does: the audio episode alone, with a warning
            picked.append(Choice("video", None, VIDEO_SPEC, VIDEO_SORT, NO_VIDEO))
        else:
            why = _video_why(chosen, sound)
            picked.append(Choice("video", chosen, VIDEO_SPEC, VIDEO_SORT, why, sound))
    return picked


def _audio_why(fmt: dict, formats: list[dict], ext: str) -> str:
    tracks = {f.get("language") for f in formats if has_audio(f) and f.get("language")}
    dubs = sorted({str(f.get("language")) for f in formats if has_audio(f) and is_dub(f)})
    parts = []
    if len(tracks) > 1:
        mark = {10: "marked original", 5: "the default track"}.get(fmt.get("language_preference"))
        parts.append(f"{fmt.get('language')} of {len(tracks)} audio languages"
                     + (f" ({mark})" if mark else ""))  # fmt: skip
    if is_dub(fmt):
        parts.append(f"a dub ({fmt.get('language')}): the source has no other audio")
    elif dubs:
        parts.append(f"dubs left out: {', '.join(dubs)}")
    parts.append("audio only" if not has_video(fmt) else "no audio-only format: from a video")
    if ext == "m4a" and codec(fmt.get("acodec")) is None:  # a plain file's, say
        parts.append("codec unknown until downloaded: copied if AAC, else re-encoded to AAC")
    elif ext == "m4a":
        parts.append("AAC: a stream copy" if is_aac(fmt) else "no AAC: re-encoded to AAC")
    else:
        parts.append("encoded to MP3")
    return "; ".join(parts)


def _video_why(fmt: dict, sound: dict | None) -> str:
    if codec(fmt.get("vcodec")) is None:  # a plain file's: ffmpeg tells, once downloaded
        codec_part = "codec unknown until downloaded: remuxed if H.264, else re-encoded"
    else:
        codec_part = "H.264: remuxed" if is_h264(fmt) else "no H.264: re-encoded to H.264"
    height = fmt.get("height")
    size = f"{height} lines" if height else "height unknown"
    if sound is None:
        with_sound = "with its own sound"
    else:
        aac = "AAC, copied" if is_aac(sound) else "re-encoded to AAC"
        with_sound = f"sound from {sound.get('format_id')} ({aac})"
    return f"{codec_part}; {size} (at most {MAX_VIDEO_HEIGHT} wanted); {with_sound}"
