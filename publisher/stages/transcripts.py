"""Transcripts: a talk's captions, cleaned, published as WebVTT and SRT.

Captions come from the source (yt-dlp lists them in `MediaInfo.captions`) or from a
`.vtt`/`.srt` file beside a local source with the same stem. YouTube's automatic
captions "roll": every cue repeats the line before it, with `<c>` word-timing tags, and a
10 ms cue in between repeats it once more; read as they are, every sentence shows up
twice or three times. `clean_cues` keeps each line once and drops all markup, so the
published files are plain cues that any player (and the series page) can show.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from publisher.errors import SourceError
from publisher.model import Caption, Item, MediaFile
from publisher.output import urls
from publisher.sources import is_url
from publisher.tools.http import read_small

if TYPE_CHECKING:
    from publisher.build.run import Run

log = logging.getLogger(__name__)

VTT_TYPE = "text/vtt"
SRT_TYPE = "application/x-subrip"
ROLE_VTT = "transcript.vtt"
ROLE_SRT = "transcript.srt"
READABLE_EXTS = ("vtt", "srt")  # what yt-dlp offers that we can parse; json3/srv3/ttml are not

_TIMESTAMP = r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TIMESTAMP}\s*-->\s*{_TIMESTAMP}")
_TAG = re.compile(r"<[^>\n]*>")  # <c>, <c.colorE5E5E5>, <00:00:01.500>, <v Name>, <i>, <font …>
_ASS_OVERRIDE = re.compile(r"\{\\[^}]*\}")  # {\an8} in SRT files made from ASS
_ROLLING_SIGNS = re.compile(r"<c[.>]|<\d{2}:\d{2}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Cue:
    start: float  # seconds, to the millisecond
    end: float
    text: str  # plain text; lines separated by "\n"


# Reading ------------------------------------------------------------------------------


def parse_captions(text: str, ext: str) -> list[Cue]:
    """The cues of a WebVTT or SRT document, markup removed, in file order.

    Only an empty line ends a cue: YouTube's cues contain lines of one space.
    """
    text = _CONTROL.sub("", text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))
    read: list[tuple[float, float, list[str]]] = []
    body: list[str] | None = None  # the text lines of the cue being read, if any
    for line in text.split("\n"):
        match = _TIMING.match(line) if "-->" in line else None
        if match:
            if body and body[-1].isdigit():
                body.pop()  # an SRT counter, in a sloppy file with no blank line before it
            body = []
            read.append((_seconds(*match.groups()[:4]), _seconds(*match.groups()[4:]), body))
        elif line == "":
            body = None  # the header and NOTE, STYLE, REGION blocks are never inside a cue
        elif body is not None:
            body.append(_clean_line(line, ext))
    return [
        Cue(start, max(start, end), "\n".join(t for t in lines if t)) for start, end, lines in read
    ]


def parse_vtt(text: str) -> list[Cue]:
    return parse_captions(text, "vtt")


def parse_srt(text: str) -> list[Cue]:
    return parse_captions(text, "srt")


def _seconds(hours, minutes, seconds, fraction) -> float:
    millis = int(fraction.ljust(3, "0"))
    whole = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    return round(whole + millis / 1000, 3)


def _clean_line(line: str, ext: str) -> str:
    text = _ASS_OVERRIDE.sub("", _TAG.sub("", line))
    if ext == "vtt":  # WebVTT escapes & < > as entities; SRT has no escaping at all
        text = html.unescape(text)
    return " ".join(text.replace("\u200e", "").replace("\u200f", "").split())


def is_rolling(text: str) -> bool:
    """Whether a caption file looks like YouTube's rolling automatic captions."""
    return bool(_ROLLING_SIGNS.search(text))


def clean_cues(cues: list[Cue], rolling: bool) -> list[Cue]:
    """Cues with each spoken line once, no empty cues, and no cue ending after the next.

    With `rolling`, a line that the previous cue already showed is a roll-over, not
    speech; without, only a cue repeating the one before is merged into it.
    """
    kept: list[Cue] = []
    previous_lines: set[str] = set()
    for cue in sorted(cues, key=lambda c: c.start):
        lines = [line for line in cue.text.split("\n") if line]
        if rolling:
            fresh = [line for line in lines if line not in previous_lines]
            previous_lines = set(lines)
            lines = fresh
        text = "\n".join(lines)
        if not text:
            continue
        if kept and kept[-1].text == text and cue.start <= kept[-1].end + 0.05:
            kept[-1] = Cue(kept[-1].start, max(kept[-1].end, cue.end), text)
            continue
        kept.append(cue if cue.text == text else Cue(cue.start, cue.end, text))
    return [
        _until_next(cue, kept[i + 1] if i + 1 < len(kept) else None) for i, cue in enumerate(kept)
    ]


def _until_next(cue: Cue, following: Cue | None) -> Cue:
    """Rolling cues overlap the next one; a reader wants one cue at a time."""
    if following and cue.start < following.start < cue.end:
        return Cue(cue.start, following.start, cue.text)
    return cue


# Writing ------------------------------------------------------------------------------


def to_vtt(cues: list[Cue]) -> str:
    blocks = ["WEBVTT\n"]
    for cue in cues:
        text = html.escape(cue.text, quote=False)  # also makes "-->" in speech harmless
        blocks.append(f"{_timestamp(cue.start, '.')} --> {_timestamp(cue.end, '.')}\n{text}\n")
    return "\n".join(blocks)


def to_srt(cues: list[Cue]) -> str:
    blocks = [
        f"{number}\n{_timestamp(cue.start, ',')} --> {_timestamp(cue.end, ',')}\n{cue.text}\n"
        for number, cue in enumerate(cues, start=1)
    ]
    return "\n".join(blocks)


def _timestamp(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    whole, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{whole:02d}{separator}{millis:03d}"


# Choosing a track ---------------------------------------------------------------------


def choose_caption(captions: tuple[Caption, ...], language: str) -> Caption | None:
    """The track to publish: the site's language first, then manual before automatic.

    Language wins over manual: an English site is better served by English automatic
    captions than by a hand-made French translation.
    """
    wanted = _base_language(language)

    def rank(caption: Caption):
        return (_base_language(caption.language) != wanted, caption.automatic, caption.language)

    usable = [c for c in captions if c.ext in READABLE_EXTS]
    return min(usable, key=rank, default=None)


def transcript_language(item: Item, site_language: str) -> str:
    """The language to declare for an item's transcript (the track's, without "-orig")."""
    chosen = choose_caption(item.info.captions, site_language) if item.info else None
    return _base_language(chosen.language) if chosen else site_language


def _base_language(code: str) -> str:
    code = code.lower()
    return code[: -len("-orig")] if code.endswith("-orig") else code.split("-")[0]


# The stage ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Origin:
    """Where a transcript comes from: `made_from` is what the state remembers of it."""

    location: str  # a URL, or an absolute local path
    ext: str
    automatic: bool
    made_from: str


def publish_transcripts(run: Run, item: Item) -> None:
    """Publish media/<series>/<entry>.vtt and .srt from the talk's captions.

    Captions are an extra: when they cannot be read, the episode keeps the transcript it
    had (if any) and the next run tries again; the episode itself is not failed.
    """
    origin = caption_origin(run, item)
    if origin is None or (not run.options.refresh and _restore(run, item, origin)):
        return
    try:
        raw = read_small(origin.location, run.catalog.root, run.options.allow_private_sources)
    except SourceError as error:
        log.warning("%s: captions not read, kept as they were: %s", item.id, error)
        return
    text = raw.decode("utf-8-sig", errors="replace")
    cues = clean_cues(parse_captions(text, origin.ext), origin.automatic or is_rolling(text))
    if not cues:
        log.info("%s: the captions have no text; no transcript published", item.id)
        return
    stem = urls.entry_stem(item.entry.series, item.id)
    item.transcripts = [
        _write(run, item, f"{stem}.vtt", ROLE_VTT, VTT_TYPE, to_vtt(cues), origin.made_from),
        _write(run, item, f"{stem}.srt", ROLE_SRT, SRT_TYPE, to_srt(cues), origin.made_from),
    ]


def caption_origin(run: Run, item: Item) -> _Origin | None:
    """A caption file beside a local source, or the best track the source offers."""
    source = item.entry.source or ""
    if source and not is_url(source):
        local = run.catalog.root / source
        for ext in READABLE_EXTS:
            beside = local.with_suffix(f".{ext}")
            if beside.is_file():
                stat = beside.stat()
                made_from = f"{beside.name} {stat.st_size} {stat.st_mtime_ns}"
                return _Origin(str(beside.resolve()), ext, False, made_from)
        return None
    if item.info is None:
        return None
    caption = choose_caption(item.info.captions, run.catalog.site.language)
    if caption is None:
        return None
    kind = "automatic" if caption.automatic else "manual"
    made_from = f"{item.info.source} captions {caption.language} {kind}"
    return _Origin(caption.url, caption.ext, caption.automatic, made_from)


def _restore(run: Run, item: Item, origin: _Origin) -> bool:
    """Reuse what an earlier run made from the same captions, if it is still on disk."""
    files = [run.reusable_file(item, role, origin.made_from) for role in (ROLE_VTT, ROLE_SRT)]
    if None in files:
        return False
    item.transcripts = files
    return True


def _write(run: Run, item: Item, relative, role, mime, text, made_from) -> MediaFile:
    run.writer.write_text(relative, text)
    media = MediaFile(relative, len(text.encode("utf-8")), mime)
    run.state.save_media_file(item.id, role, media, made_from)
    return media
