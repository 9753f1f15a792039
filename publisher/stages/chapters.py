"""Chapters: from the source, or from the timestamps a talk's description lists.

Most talks on YouTube list their chapters as lines of the description ("00:00
Introduction", "1:02:03 Questions"); yt-dlp reports them as chapters only sometimes. The
chapters are published as a Podcast Index chapters file (JSON, version 1.2.0) linked with
`podcast:chapters`, and `item.chapters` is what the tag stage writes into the audio, so
this stage runs before it, and after extraction, so that a source's chapters are kept
inside the duration measured on the file made (not the one the source claims).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.formats.chapters import (
    CHAPTERS_TYPE,
    chapters_from_text,
    parse_json,
    sane_chapters,
    to_json,
)
from publisher.model import Chapter, Item, MediaFile
from publisher.output import urls
from publisher.stages import workfiles

if TYPE_CHECKING:
    from publisher.build.run import Run

log = logging.getLogger(__name__)

ROLE = "chapters"


def find_chapters(item: Item, duration: float | None = None) -> tuple[Chapter, ...]:
    """The source's chapters; else those listed in the catalog summary or the description;
    inside the talk's `duration` (by default the published audio's, else the source's
    word for it), in order, without repeats and not too many (`sane_chapters`)."""
    duration = duration or talk_duration(item)
    if item.info and item.info.chapters:
        return sane_chapters(item.info.chapters, duration)
    for text in (item.entry.summary, item.info.description if item.info else ""):
        found = chapters_from_text(text, duration)
        if found:
            return sane_chapters(found, duration)
    return ()


def talk_duration(item: Item) -> float | None:
    """How long the talk is: measured, once its audio is published; else what the source
    says (which a source may get wrong)."""
    if item.audio is not None and item.audio.duration:
        return item.audio.duration
    return item.info.duration if item.info else None


# The Podcast Index chapters file ------------------------------------------------------


def published_chapters(out: Path, media: MediaFile | None) -> tuple[Chapter, ...]:
    """The chapters of a file published earlier, for a run that does not remake them."""
    if media is None:
        return ()
    try:
        return parse_json((out / media.path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        log.warning("chapters %s not read back: %s", media.path, error)
        return ()


# The stage ----------------------------------------------------------------------------


FROM_SOURCE = "source"  # the source's own chapter list (yt-dlp's `chapters`)
FROM_TEXT = "description"  # timestamps in the catalog's summary or the source's description


def wanted_chapters(
    item: Item, made_from: str | None, duration: float | None = None
) -> tuple[tuple[Chapter, ...], str]:
    """The chapters an item should publish, and what they are made from, given what its
    published ones were made from.

    What the source or the texts list now; when they list none, the chapters published
    from the source's own list stay (a source that stops listing them does not take them
    from the feed), but chapters read from a text go with the text: an editor who took
    the timestamps out of a summary took the chapters out.
    """
    found = find_chapters(item, duration)
    if found:
        return found, FROM_SOURCE if item.info and item.info.chapters else FROM_TEXT
    if made_from == FROM_SOURCE:
        return item.chapters, FROM_SOURCE
    return (), FROM_TEXT


def publish_chapters(run: Run, item: Item) -> None:
    """Publish media/<series>/<entry>.chapters.json and set `item.chapters` for tagging,
    or drop the published file when the item no longer has chapters (`wanted_chapters`)."""
    from publisher.tools import mutagen  # the build loads this module for its rules alone

    published = run.state.media_files(item.id).get(ROLE)
    made = workfiles.pending_outputs(run, item).get("audio")  # this run's, measured
    duration = mutagen.media_duration(made) if made else None
    chapters, made_from = wanted_chapters(item, published[1] if published else None, duration)
    listed = len(item.info.chapters) if item.info else 0
    if made_from == FROM_SOURCE and len(chapters) < listed:
        left_out = listed - len(chapters)
        log.warning(
            "%s: %d of the source's %d chapters were left out: past the end of the talk,"
            " repeated or too many", item.id, left_out, listed
        )  # fmt: skip
    if not chapters:
        if published:
            run.state.forget_media_file(item.id, ROLE)  # the file goes with the next sweep
        item.chapters, item.chapters_file = (), None
        return
    relative = f"{urls.entry_stem(item.entry.series, item.id)}.chapters.json"
    data = to_json(chapters).encode("utf-8")
    run.writer.write_bytes(relative, data)
    media = MediaFile(relative, len(data), CHAPTERS_TYPE)
    run.state.save_media_file(item.id, ROLE, media, made_from)
    item.chapters = chapters
    item.chapters_file = media
