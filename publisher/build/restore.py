"""Start every item from what is published, and the state from the published folder.

Every item starts from the files the state says were last published and are still there,
so a failure now never drops an episode. When the state does not know a feed as the last
render left it (the state was lost, emptied, replaced after corruption, or could not be
written on a full disk), `recovery` reads those feeds back first.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from publisher.build.plan import keeps, language_of_recipe
from publisher.model import AUDIO, TRANSCRIPT_VTT
from publisher.output.writer import is_in_folder
from publisher.stages.chapters import published_chapters

if TYPE_CHECKING:
    from publisher.build.run import Run

log = logging.getLogger(__name__)


def restore_published_media(run: Run) -> None:
    """Start every item from what was last published, so a failure now never drops it.
    Only files still in the folder with their recorded length are restored: a feed must
    never point at a missing file."""
    published = run.state.all_media_files()
    cached = run.state.all_media_info()
    recipes = run.state.all_media_recipes()
    for item in run.items:
        files = {
            role: media
            for role, media in published.get(item.id, {}).items()
            if is_in_folder(run.out, media)
        }
        if AUDIO not in files:
            continue
        series = run.series_of(item)
        for role, media in files.items():  # a series without video no longer offers it
            if keeps(series, role):
                item.set_file(role, media)
        item.chapters = published_chapters(run.out, item.chapters_file)
        item.transcript_language = language_of_recipe(recipes.get(item.id, {}).get(TRANSCRIPT_VTT))
        item.info = cached.get(item.id)


# Reading the state back from the published folder ------------------------------------


def recover_from_published(run: Run) -> None:
    """Take from the published feeds what the state does not know; say so in one line."""
    documents = feeds_unknown_to_state(run)
    if not documents:
        return
    # lxml and the feed readers, loaded only when there is something to read back
    from publisher.build.recovery import Recovery

    recovery = Recovery(run)
    # Podcast feeds first: they name every episode; video feeds add video GUIDs to them.
    for relative in sorted(documents, key=lambda r: (r.endswith("/video.xml"), r)):
        recovery.read(relative)
    episodes = recovery.save()
    if episodes:
        log.warning(
            "the state did not know %d published entries: their GUIDs, dates and files"
            " were recovered from %s",
            len(episodes),
            run.out,
        )


def feeds_unknown_to_state(run: Run) -> list[str]:
    """Published feeds that are not exactly as the last remembered render left them."""
    last = run.state.last_render()
    remembered = last.outputs if last else {}
    found = []
    for path in sorted(run.out.glob("*.xml")) + sorted(run.out.glob("*/*.xml")):
        relative = path.relative_to(run.out).as_posix()
        if relative.startswith("media/") or path.is_symlink() or not path.is_file():
            continue
        info = path.stat()
        if remembered.get(relative) != [info.st_size, info.st_mtime_ns]:
            found.append(relative)
    return found
