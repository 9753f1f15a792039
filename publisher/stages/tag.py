"""The `tag` stage: an episode file gets its tags before it is published.

An episode file carries its title, authors, series, date, description, episode number,
cover art and chapters, written before the file is published (its enclosure length is
measured after this). mp3 gets ID3v2.4 with CHAP/CTOC chapter frames (mutagen); m4a and
mp4 get their chapters from ffmpeg, as a QuickTime chapter track and a Nero `chpl` list,
then iTunes-style atoms (mutagen).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.errors import ToolError
from publisher.formats.chapters import chapters_to_end
from publisher.formats.mp4boxes import BrokenMP4, top_level_boxes
from publisher.model import Item
from publisher.stages import workfiles
from publisher.tools import ffmpeg
from publisher.tools.mutagen import (
    EpisodeTags,
    has_nero_chapters,
    media_duration,
    write_tags,
)

if TYPE_CHECKING:
    from publisher.build.run import Run

log = logging.getLogger(__name__)

DESCRIPTION_LIMIT = 4000  # characters kept in tags; players show little more


def tag(run: Run, item: Item) -> None:
    """Tag the files extraction made for `item` (in the work dir, not yet published)."""
    outputs = workfiles.pending_outputs(run, item)
    if not outputs:
        return  # the published media is current: nothing to tag
    run.progress.start(item, "tagging")
    tags = episode_tags(run, item)
    exe = ffmpeg.executable(run.options.ffmpeg)
    for path in outputs.values():
        tag_file(exe, path, tags)


def tag_file(exe: str, path: Path, tags: EpisodeTags) -> None:
    """Chapters and tags into one episode file: an MP4's chapters by ffmpeg first (only
    when there are some to write or to take out), then the tags by mutagen."""
    if path.suffix != ".mp3":
        chapters = chapters_to_end(tags.chapters, media_duration(path))
        if chapters or has_nero_chapters(path):
            ffmpeg.write_chapters(exe, path, chapters, _index_first(path))
    write_tags(path, tags)


def _index_first(path: Path) -> bool:
    """Whether the MP4's index (`moov`) comes before its media data, to keep it so."""
    try:
        boxes = [name for name, _, _ in top_level_boxes(path)]
    except BrokenMP4 as error:
        raise ToolError(f"tagging {path.name} failed: {error}") from error
    return b"mdat" in boxes and b"moov" in boxes and boxes.index(b"moov") < boxes.index(b"mdat")


def episode_tags(run: Run, item: Item) -> EpisodeTags:
    """Tags from the catalog first, enrichment second (catalog values always win)."""
    entry, info = item.entry, item.info
    series = run.series_of(item)
    authors = ", ".join(entry.authors) or (info.uploader if info else "") or (
        series.author if series else "")  # fmt: skip
    return EpisodeTags(
        title=entry.title or (info.title if info else entry.id),
        artist=authors,
        album=series.title if series else run.catalog.site.title,
        album_artist=series.author if series else run.catalog.site.author,
        date=entry.published.date().isoformat(),
        description=tag_text(entry.summary or (info.description if info else "")),
        track=entry.episode,
        season=entry.season,
        cover=_cover_bytes(run, item),
        chapters=item.chapters or (info.chapters if info else ()),
    )


def tag_text(summary: str) -> str:
    """A summary as players show a tag: the plain text as written, line breaks, "<" and
    "&" included."""
    return summary[:DESCRIPTION_LIMIT]


def _cover_bytes(run: Run, item: Item) -> bytes | None:
    for path in workfiles.cover_candidates(run, item):
        if path.is_file() and path.suffix.lower() in (".jpg", ".jpeg", ".png"):
            return path.read_bytes()
    return None
