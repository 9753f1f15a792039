"""Chapters: from the source, or from the timestamps a talk's description lists.

Most talks on YouTube list their chapters as lines of the description ("00:00
Introduction", "1:02:03 Questions"); yt-dlp reports them as chapters only sometimes. The
chapters are published as a Podcast Index chapters file (JSON, version 1.2.0) linked with
`podcast:chapters`, and `item.chapters` is what the tag stage writes into the audio, so
this stage runs before it, and after extraction, so that a source's chapters are kept
inside the duration measured on the file made (not the one the source claims). Which
chapters a talk has, and what they are made from, is its plan's rule
(`publisher.build.plan.wanted_chapters`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.build.plan import FROM_SOURCE, plan
from publisher.formats.chapters import parse_json, to_json
from publisher.model import AUDIO, CHAPTERS, Chapter, Item, MediaFile
from publisher.stages import workfiles

if TYPE_CHECKING:
    from publisher.build.run import Run

log = logging.getLogger(__name__)


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


def publish_chapters(run: Run, item: Item) -> None:
    """Publish media/<series>/<entry>.chapters.json and set `item.chapters` for tagging,
    or drop the published file when its plan has no chapters (`wanted_chapters`)."""
    from publisher.tools import mutagen  # the build loads this module for its rules alone

    made = workfiles.pending_outputs(run, item).get(AUDIO)  # this run's, measured
    the_plan = plan(run, item, measured=mutagen.media_duration(made) if made else None)
    output = the_plan.get(CHAPTERS)
    kept = output.recipe.chapters if output else ()
    listed = len(item.info.chapters) if item.info else 0
    from_source = (output.made_from if output else the_plan.recorded.get(CHAPTERS)) == FROM_SOURCE
    if from_source and len(kept) < listed:
        log.warning(
            "%s: %d of the source's %d chapters were left out: past the end of the talk,"
            " repeated or too many", item.id, listed - len(kept), listed
        )  # fmt: skip
    if output is None:
        if CHAPTERS in the_plan.recorded:
            run.state.forget_media_file(item.id, CHAPTERS)  # the file goes with the next sweep
        item.chapters, item.chapters_file = (), None
        return
    data = to_json(output.recipe.chapters).encode("utf-8")
    run.writer.write_bytes(output.name, data)
    media = MediaFile(output.name, len(data), output.mime_type)
    run.state.save_media_file(item.id, CHAPTERS, media, output.made_from)
    item.chapters = output.recipe.chapters
    item.chapters_file = media
