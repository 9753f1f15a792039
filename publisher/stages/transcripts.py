"""Transcripts: a talk's captions, cleaned, published as WebVTT and SRT.

Captions come from the source (yt-dlp lists them in `MediaInfo.captions`) or from a
`.vtt`/`.srt` file beside a local source with the same stem. YouTube's automatic
captions "roll": every cue repeats the line before it, with `<c>` word-timing tags, and a
10 ms cue in between repeats it once more; read as they are, every sentence shows up
twice or three times. `clean_cues` keeps each line once and drops all markup, so the
published files are plain cues that any player (and the series page) can show.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.errors import SourceError
from publisher.formats.captions import (
    READABLE_EXTS,
    SRT_TYPE,
    VTT_TYPE,
    choose_caption,
    clean_cues,
    is_rolling,
    parse_captions,
    to_srt,
    to_vtt,
)
from publisher.model import Item, MediaFile
from publisher.output import urls
from publisher.sources import is_url, local_source_path, metadata_url

if TYPE_CHECKING:
    from publisher.build.run import Run

log = logging.getLogger(__name__)

ROLE_VTT = "transcript.vtt"
ROLE_SRT = "transcript.srt"


# The stage ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Origin:
    """Where a transcript comes from: `made_from` is what the state remembers of it."""

    location: Path | str  # a file beside the local source, or a URL from the metadata
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
    from publisher.tools import http  # loads requests: only when captions are read

    try:
        if isinstance(origin.location, Path):
            raw = http.read_local(origin.location)
        else:
            raw = http.fetch_url(origin.location, run.options.allow_private_sources)
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
        local = local_source_path(source, run.catalog.root)
        for ext in READABLE_EXTS:
            beside = local.with_suffix(f".{ext}")
            if beside.is_file():
                stat = beside.stat()
                made_from = f"{beside.name} {stat.st_size} {stat.st_mtime_ns}"
                return _Origin(beside.resolve(), ext, False, made_from)
        return None
    if item.info is None:
        return None
    caption = choose_caption(item.info.captions, run.catalog.site.language)
    url = metadata_url(caption.url) if caption else None
    if caption is None or url is None:
        return None  # metadata names no caption file, or not as a URL (never a path)
    kind = "automatic" if caption.automatic else "manual"
    made_from = f"{item.info.source} captions {caption.language} {kind}"
    return _Origin(url, caption.ext, caption.automatic, made_from)


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
