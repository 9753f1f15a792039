"""Chapters: from the source, or from the timestamps a talk's description lists.

Most talks on YouTube list their chapters as lines of the description ("00:00
Introduction", "1:02:03 Questions"); yt-dlp reports them as chapters only sometimes. The
chapters are published as a Podcast Index chapters file (JSON, version 1.2.0) linked with
`podcast:chapters`, and `item.chapters` is what the tag stage writes into the audio, so
this stage runs before it.
"""

from __future__ import annotations

import html
import json
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

import nh3

from publisher.formats import sanitize
from publisher.model import Chapter, Item, MediaFile
from publisher.output import urls

if TYPE_CHECKING:
    from publisher.build.run import Run

log = logging.getLogger(__name__)

CHAPTERS_TYPE = "application/json+chapters"
CHAPTERS_VERSION = "1.2.0"
ROLE = "chapters"
MIN_CHAPTERS = 2

_TIME = r"(?:\d{1,2}:)?\d{1,2}:\d{2}"
# "00:00 Intro", "0:00 - Intro", "[00:00] Intro", "(1:02:03) Questions", "• 05:10 — Dual power"
_TIME_FIRST = re.compile(
    rf"^[^\w(\[]*[(\[]?(?P<time>{_TIME})[)\]]?\s*(?:[-–—:|.)]\s*)?(?P<title>\S.*?)\s*$"
)
# "Introduction - 00:00", "Questions (1:02:03)"
_TIME_LAST = re.compile(rf"^[^\w]*(?P<title>\w.*?)\s*[-–—:|(\[]?\s*(?P<time>{_TIME})[)\]]?\s*$")
_LINE_BREAKS = re.compile(r"<br\s*/?>|</(?:p|li|div|h[1-6])\s*>", re.IGNORECASE)


def find_chapters(item: Item) -> tuple[Chapter, ...]:
    """The source's chapters; else those listed in the catalog summary or the description."""
    duration = item.info.duration if item.info else None
    if item.info and item.info.chapters:
        return item.info.chapters
    for text in (item.entry.summary, item.info.description if item.info else ""):
        found = chapters_from_text(text, duration)
        if found:
            return found
    return ()


def chapters_from_text(text: str, duration: float | None = None) -> tuple[Chapter, ...]:
    """Chapters from timestamp lines, if they read as a chapter list.

    Like YouTube, a list counts only if the first chapter starts at 0:00 and the
    times increase: a description that merely mentions "at 12:30" has no chapters.
    """
    found: list[Chapter] = []
    for line in _lines(text):
        match = _TIME_FIRST.match(line) or _TIME_LAST.match(line)
        if match and match.group("title").strip(" -–—:|"):
            found.append(Chapter(_seconds(match.group("time")), match.group("title").strip()))
    if duration:
        found = [chapter for chapter in found if chapter.start < duration]
    starts = [chapter.start for chapter in found]
    if len(found) < MIN_CHAPTERS or starts[0] != 0 or starts != sorted(set(starts)):
        return ()
    return tuple(found)


def _lines(text: str) -> list[str]:
    if sanitize.looks_like_html(text):
        text = html.unescape(nh3.clean(_LINE_BREAKS.sub("\n", text), tags=set()))
    return [line.strip() for line in text.splitlines() if line.strip()]


def _seconds(time: str) -> float:
    total = 0
    for part in time.split(":"):
        total = total * 60 + int(part)
    return float(total)


# The Podcast Index chapters file ------------------------------------------------------


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


def published_chapters(out: Path, media: MediaFile | None) -> tuple[Chapter, ...]:
    """The chapters of a file published earlier, for a run that does not remake them."""
    if media is None:
        return ()
    try:
        return parse_json((out / media.path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        log.warning("chapters %s not read back: %s", media.path, error)
        return ()


def _float_or_none(value) -> float | None:
    return float(value) if isinstance(value, int | float) else None


# The stage ----------------------------------------------------------------------------


def publish_chapters(run: Run, item: Item) -> None:
    """Publish media/<series>/<entry>.chapters.json and set `item.chapters` for tagging.

    An item without chapters keeps the file it had, so a source that stops listing them
    (or a failed enrichment) does not make a published file vanish from the feed.
    """
    chapters = find_chapters(item)
    if not chapters:
        return
    relative = f"{urls.entry_stem(item.entry.series, item.id)}.chapters.json"
    data = to_json(chapters).encode("utf-8")
    run.writer.write_bytes(relative, data)
    media = MediaFile(relative, len(data), CHAPTERS_TYPE)
    made_from = "source" if item.info and item.info.chapters else "description"
    run.state.save_media_file(item.id, ROLE, media, made_from)
    item.chapters = chapters
    item.chapters_file = media
