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
    base_language,
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
from publisher.stages.recipes import spoken_language, transcribe_settings, transcript_recipe

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
    language: str = ""  # the track's; "" for a file beside a local source: the talk's own


def publish_transcripts(run: Run, item: Item) -> None:
    """Publish media/<series>/<entry>.vtt and .srt from the talk's captions.

    Captions are an extra: when they cannot be read, the episode keeps the transcript it
    had (if any) and the next run tries again; the episode itself is not failed.
    """
    origin = caption_origin(run, item)
    if origin is None or (not run.options.refresh and _restore(run, item, origin)):
        return
    if not is_human(origin, spoken_language(run, item)) and _keeps_own_transcript(run, item):
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
    item.transcripts = write_transcripts(run, item, stem, cues, origin.made_from)
    item.transcript_language = None  # the captions' own language is declared


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
    caption = choose_caption(item.info.captions, run.catalog.language_of(item.entry))
    url = metadata_url(caption.url) if caption else None
    if caption is None or url is None:
        return None  # metadata names no caption file, or not as a URL (never a path)
    kind = "automatic" if caption.automatic else "manual"
    made_from = f"{item.info.source} captions {caption.language} {kind}"
    return _Origin(url, caption.ext, caption.automatic, made_from, caption.language)


def local_captions_current(run: Run, item: Item, made: dict[str, str]) -> bool:
    """Whether the caption file beside a local source is the one published: one put
    there after the talk was published, or edited since, is work for the next build
    (read from disk only, so a no-op build stays one)."""
    source = item.entry.source or ""
    if not source or is_url(source):
        return True
    origin = caption_origin(run, item)
    return origin is None or made.get(ROLE_VTT) == origin.made_from


def is_human(origin: _Origin | None, language: str) -> bool:
    """THE rule of which text wins: captions made by people in the talk's language are
    published as they are; machine captions, or people's captions in another language,
    give way to a transcript made from the talk's speech when its series transcribes
    (README: Transcripts made from speech)."""
    if origin is None or origin.automatic:
        return False
    return not origin.language or base_language(origin.language) == language


def own_transcript(run: Run, item: Item) -> list[MediaFile] | None:
    """The transcript made from this talk's speech by an earlier run, if it is current."""
    recipe = transcript_recipe(run, item)
    files = [run.reusable_file(item, role, recipe) for role in (ROLE_VTT, ROLE_SRT)]
    return None if None in files else files


def _keeps_own_transcript(run: Run, item: Item) -> bool:
    """Machine captions never replace a transcript made from the talk's speech."""
    if transcribe_settings(run, item) is None:
        return False
    files = own_transcript(run, item)
    if files is not None:
        item.transcripts, item.transcript_language = files, spoken_language(run, item)
    return files is not None


def _restore(run: Run, item: Item, origin: _Origin) -> bool:
    """Reuse what an earlier run made from the same captions, if it is still on disk."""
    files = [run.reusable_file(item, role, origin.made_from) for role in (ROLE_VTT, ROLE_SRT)]
    if None in files:
        return False
    item.transcripts, item.transcript_language = files, None
    return True


def write_transcripts(run: Run, item: Item, stem: str, cues, made_from: str) -> list[MediaFile]:
    """Publish `cues` as <stem>.vtt and <stem>.srt, recording what they were made from."""
    files = []
    for role, ext, mime, text in ((ROLE_VTT, "vtt", VTT_TYPE, to_vtt(cues)),
                                  (ROLE_SRT, "srt", SRT_TYPE, to_srt(cues))):  # fmt: skip
        run.writer.write_text(f"{stem}.{ext}", text)
        files.append(MediaFile(f"{stem}.{ext}", len(text.encode("utf-8")), mime))
        run.state.save_media_file(item.id, role, files[-1], made_from)
    return files
