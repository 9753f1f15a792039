"""Chapters as text, as Podcast Index JSON: timestamps in a description, the chapters file,
and the ffmetadata ffmpeg writes into MP4 files.

Pure codecs: text in, values out; no run, state or network. Used by the chapters stage,
the tag stage, the feeds, the pages and `check`."""

from __future__ import annotations

import html
import json
import re

import nh3

from publisher.formats import sanitize
from publisher.model import Chapter

CHAPTERS_TYPE = "application/json+chapters"
CHAPTERS_VERSION = "1.2.0"
MIN_CHAPTERS = 2
TIME = r"(?:\d{1,2}:)?\d{1,2}:\d{2}"  # 5:10, 05:10, 1:02:03

# "00:00 Intro", "0:00 - Intro", "[00:00] Intro", "(1:02:03) Questions", "• 05:10 — Dual power"
_TIME_FIRST = re.compile(
    rf"^[^\w(\[]*[(\[]?(?P<time>{TIME})[)\]]?\s*(?:[-–—:|.)]\s*)?(?P<title>\S.*?)\s*$"
)

# "Introduction - 00:00", "Questions (1:02:03)"
_TIME_LAST = re.compile(rf"^[^\w]*(?P<title>\w.*?)\s*[-–—:|(\[]?\s*(?P<time>{TIME})[)\]]?\s*$")
_LINE_BREAKS = re.compile(r"<br\s*/?>|</(?:p|li|div|h[1-6])\s*>", re.IGNORECASE)


def chapters_from_text(text: str, duration: float | None = None) -> tuple[Chapter, ...]:
    """Chapters from timestamp lines, if they read as a chapter list.

    Like YouTube, a list counts only if the first chapter starts at 0:00 and the
    times increase: a description that merely mentions "at 12:30" has no chapters.
    """
    if html.unescape(text).count(":") < MIN_CHAPTERS:
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
    if sanitize.looks_like_html(text):
        text = html.unescape(nh3.clean(_LINE_BREAKS.sub("\n", text), tags=set()))
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
        if not isinstance(entry, dict) or not isinstance(entry.get("startTime"), int | float):
            raise ValueError(f"a chapter without a numeric startTime: {entry!r}")
        end = entry.get("endTime")
        chapters.append(
            Chapter(float(entry["startTime"]), str(entry.get("title", "")), _float_or_none(end))
        )
    return tuple(chapters)


def _float_or_none(value) -> float | None:
    return float(value) if isinstance(value, int | float) else None


# Chapters in a media file ----------------------------------------------------------------

FFMETADATA_SPECIAL = re.compile(r"([=;#\\\n])")
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
        title = chapter.title.encode("utf-8")[:CHPL_TITLE_BYTES].decode("utf-8", "ignore")
        end = chapter.end if chapter.end is not None else chapter.start
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={round(chapter.start * 1000)}",
            f"END={round(end * 1000)}",
            "title=" + FFMETADATA_SPECIAL.sub(r"\\\1", title),
        ]
    return "\n".join(lines) + "\n"
