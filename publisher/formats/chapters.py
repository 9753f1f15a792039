"""Chapters as text, as Podcast Index JSON: timestamps in a description, the chapters file,
and the ffmetadata ffmpeg writes into MP4 files.

Pure codecs: text in, values out; no run, state or network. Used by the chapters stage,
the tag stage, the feeds, the pages and `check`."""

from __future__ import annotations

import json
import math
import re

from publisher.formats.checked import checked_duration
from publisher.formats.sanitize import truncate_utf8
from publisher.model import Chapter

CHAPTERS_TYPE = "application/json+chapters"
CHAPTERS_VERSION = "1.2.0"
MIN_CHAPTERS = 2
TIME = r"(?:\d{1,2}:)?\d{1,2}:\d{2}"  # 5:10, 05:10, 1:02:03

# "00:00 Intro", "0:00 - Intro", "[00:00] Intro", "(1:02:03) Questions", "• 05:10 — Dual power"
_TIME_FIRST = re.compile(
    rf"^[^\w(\[]*[(\[]?(?P<time>{TIME})[)\]]?\s*(?:[-–—:|.)]\s*)?(?P<title>\S.*?)\s*$"
)

# "Introduction - 00:00", "Questions (1:02:03)", "• <Dual power> 05:10": only a list's
# bullet goes before the title, which is kept as typed ("<Dual power>", "“July”").
_TIME_LAST = re.compile(
    rf"^[\s*•·‣◦▪►▶-]*(?P<title>[^\s*•·‣◦▪►▶-].*?)\s*[-–—:|(\[]?\s*(?P<time>{TIME})[)\]]?\s*$"
)


def chapters_from_text(text: str, duration: float | None = None) -> tuple[Chapter, ...]:
    """Chapters from timestamp lines, if they read as a chapter list.

    Like YouTube, a list counts only if the first chapter starts at 0:00 and the
    times increase: a description that merely mentions "at 12:30" has no chapters.
    """
    if text.count(":") < MIN_CHAPTERS:
        return ()  # each timestamp has a colon: too few, and there is no list to look for
    found = [chapter for chapter in map(chapter_of_line, _lines(text)) if chapter]
    if duration:
        found = [chapter for chapter in found if chapter.start < duration]
    starts = [chapter.start for chapter in found]
    if len(found) < MIN_CHAPTERS or starts[0] != 0 or starts != sorted(set(starts)):
        return ()
    return tuple(found)


def chapter_of_line(line: str) -> Chapter | None:
    """The chapter one line of text names ("00:00 Intro", "Questions (1:02:03)"), if any."""
    match = _TIME_FIRST.match(line.strip()) or _TIME_LAST.match(line.strip())
    if match and match.group("title").strip(" -–—:|"):
        return Chapter(seconds_of(match.group("time")), match.group("title").strip())
    return None


def _lines(text: str) -> list[str]:
    """The text's lines: a summary is plain text, so "00:00 <dual power>" names a chapter
    "<dual power>", whatever else the summary holds."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def seconds_of(time: str) -> float:
    total = 0
    for part in time.split(":"):
        total = total * 60 + int(part)
    return float(total)


def to_json(chapters: tuple[Chapter, ...]) -> str:
    """A Podcast Index chapters document; stable bytes for the same chapters."""
    document = {
        "version": CHAPTERS_VERSION,
        "chapters": [_chapter_json(chapter) for chapter in chapters],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _chapter_json(chapter: Chapter) -> dict:
    entry: dict = {"startTime": _number(chapter.start), "title": chapter.title}
    if chapter.end is not None:
        entry["endTime"] = _number(chapter.end)
    return entry


def _number(seconds: float) -> int | float:
    return int(seconds) if float(seconds).is_integer() else round(seconds, 3)


def parse_json(text: str) -> tuple[Chapter, ...]:
    """The chapters of a Podcast Index chapters document (ValueError if it is not one)."""
    document = json.loads(text)
    if not isinstance(document, dict) or not isinstance(document.get("chapters"), list):
        raise ValueError("not a Podcast Index chapters file: no chapters list")
    chapters = []
    for entry in document["chapters"]:
        start = checked_duration(entry.get("startTime")) if isinstance(entry, dict) else None
        if start is None or isinstance(entry.get("startTime"), str):
            raise ValueError(f"a chapter without a numeric startTime: {entry!r}")
        end = checked_duration(entry.get("endTime"))
        chapters.append(Chapter(start, str(entry.get("title", "")), end))
    return tuple(chapters)


def _float_or_none(value) -> float | None:
    return float(value) if isinstance(value, int | float) else None


# Chapters in a media file ----------------------------------------------------------------

# ffmetadata ends a line at \r as at \n unless escaped: a title's \r would end it there,
# the rest read as a line of its own (even "[CHAPTER]"). Its reader takes any newline after
# a backslash as escaped, an escaped backslash's too, and ends a line at NUL, escaped or
# not: a title cannot end with a backslash nor hold NUL (see `to_ffmetadata`).
FFMETADATA_SPECIAL = re.compile(r"([=;#\\\n\r])")
CHPL_TITLE_BYTES = 255  # a Nero chpl title is at most 255 bytes


def chapters_to_end(chapters: tuple[Chapter, ...], duration: float | None) -> tuple[Chapter, ...]:
    """Chapters in order, inside the file's duration, each ending where the next starts."""
    inside = sorted(
        (c for c in chapters if duration is None or c.start < duration), key=lambda c: c.start
    )
    result = []
    for index, chapter in enumerate(inside):
        following = inside[index + 1].start if index + 1 < len(inside) else None
        end = following if following is not None else (chapter.end or duration or chapter.start)
        result.append(Chapter(start=chapter.start, title=chapter.title, end=end))
    return tuple(result)


def to_ffmetadata(chapters: tuple[Chapter, ...]) -> str:
    """ffmpeg's metadata file (`-f ffmetadata`) naming `chapters`, in milliseconds. Titles
    are cut to whole characters within 255 bytes, the most a Nero `chpl` title holds
    (ffmpeg would cut one in the middle of a character)."""
    lines = [";FFMETADATA1"]
    for chapter in chapters:
        title = chapter.title.replace("\0", "")
        title = title.encode("utf-8")[:CHPL_TITLE_BYTES].decode("utf-8", "ignore")
        title = title.rstrip("\\")  # else the next chapter is read as part of this title
        end = chapter.end if chapter.end is not None else chapter.start
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={round(chapter.start * 1000)}",
            f"END={round(end * 1000)}",
            "title=" + FFMETADATA_SPECIAL.sub(r"\\\1", title),
        ]
    return "\n".join(lines) + "\n"


# A source's own chapters ----------------------------------------------------------------

# The most an MP4's chapter list (Nero `chpl`, one byte of count) holds, so the feed's
# chapters, the MP3's and the M4A's agree: a chapter every 85 s of a 6-hour talk. A list
# longer than that is no table of contents a player could show.
MAX_CHAPTERS = 255
# The longest title the same list holds (one byte of length), in UTF-8 bytes: a source's
# titles of a megabyte each would otherwise make a chapters file, and MP3 tags, of 255 MB.
MAX_TITLE_BYTES = 255


def sane_chapters(chapters: tuple[Chapter, ...], duration: float | None) -> tuple[Chapter, ...]:
    """Chapters as a player can use them: starting inside the talk (when its duration is
    known), in order, one per start time (the first listed wins), at most MAX_CHAPTERS,
    each title cut to MAX_TITLE_BYTES; an end that is not after its start, or past the
    talk's end, is dropped."""
    inside = [
        chapter
        for chapter in chapters
        if math.isfinite(chapter.start)  # before sorting: NaN would leave the order undone
        and chapter.start >= 0
        and (duration is None or chapter.start < duration)
    ]
    by_start: dict[float, Chapter] = {}
    for chapter in sorted(inside, key=lambda c: c.start):
        by_start.setdefault(chapter.start, chapter)
    kept = list(by_start.values())[:MAX_CHAPTERS]
    return tuple(_sane(chapter, duration) for chapter in kept)


def _sane(chapter: Chapter, duration: float | None) -> Chapter:
    end = chapter.end
    last = duration if duration is not None else math.inf
    if end is not None and not (math.isfinite(end) and chapter.start < end <= last):
        end = None
    return Chapter(chapter.start, truncate_utf8(chapter.title, MAX_TITLE_BYTES), end)
