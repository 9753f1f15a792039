"""Captions: WebVTT and SRT parsed and written, cues cleaned, the track chosen.

Pure codecs: text in, values out; no run, state or network. Auto-generated captions
repeat each line as it rolls in; `clean_cues` keeps one line per cue."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from publisher.formats.checked import checked_duration
from publisher.formats.text import strip_control
from publisher.model import Caption, Item

VTT_TYPE = "text/vtt"
SRT_TYPE = "application/x-subrip"
READABLE_EXTS = ("vtt", "srt")  # what yt-dlp offers that we can parse; json3/srv3/ttml are not
_TIMESTAMP = r"(?:(\d{1,9}):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TIMESTAMP}\s*-->\s*{_TIMESTAMP}")
_TAG = re.compile(r"<[^>\n]*>")  # <c>, <c.colorE5E5E5>, <00:00:01.500>, <v Name>, <i>, <font …>
_ASS_OVERRIDE = re.compile(r"\{\\[^}]*\}")  # {\an8} in SRT files made from ASS
_ROLLING_SIGNS = re.compile(r"<c[.>]|<\d{2}:\d{2}")


@dataclass(frozen=True)
class Cue:
    start: float  # seconds, to the millisecond
    end: float
    text: str  # plain text; lines separated by "\n"


def parse_captions(text: str, ext: str) -> list[Cue]:
    """The cues of a WebVTT or SRT document, markup removed, in file order.

    Only an empty line ends a cue: YouTube's cues contain lines of one space.
    """
    text = strip_control(text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))
    read: list[tuple[float | None, float | None, list[str]]] = []
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
        Cue(start, max(start, end), "\n".join(t for t in lines if t))
        for start, end, lines in read
        if start is not None and end is not None  # a cue at hour 10**400 is dropped
    ]


def parse_vtt(text: str) -> list[Cue]:
    return parse_captions(text, "vtt")


def parse_srt(text: str) -> list[Cue]:
    return parse_captions(text, "srt")


def _seconds(hours, minutes, seconds, fraction) -> float | None:
    whole = checked_duration(int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds))
    return None if whole is None else round(whole + int(fraction.ljust(3, "0")) / 1000, 3)


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


def choose_caption(captions: tuple[Caption, ...], language: str) -> Caption | None:
    """The track to publish: the site's language first, then manual before automatic.

    Language wins over manual: an English site is better served by English automatic
    captions than by a hand-made French translation.
    """
    wanted = base_language(language)

    def rank(caption: Caption):
        return (base_language(caption.language) != wanted, caption.automatic, caption.language)

    usable = [c for c in captions if c.ext in READABLE_EXTS]
    return min(usable, key=rank, default=None)


def base_language(code: str) -> str:
    code = code.lower()
    return code[: -len("-orig")] if code.endswith("-orig") else code.split("-")[0]


def transcript_language(item: Item, site_language: str) -> str:
    """The language to declare for an item's transcript (the track's, without "-orig"),
    or the one it was transcribed in when the publisher made it from the talk's speech."""
    if item.transcript_language:
        return item.transcript_language
    chosen = choose_caption(item.info.captions, site_language) if item.info else None
    return base_language(chosen.language) if chosen else site_language
