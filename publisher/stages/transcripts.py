"""Transcripts: a talk's captions, cleaned, published as WebVTT and SRT.

Captions come from the source (yt-dlp lists them in `MediaInfo.captions`) or from a
`.vtt`/`.srt` file beside a local source with the same stem. YouTube's automatic
captions "roll": every cue repeats the line before it, with `<c>` word-timing tags, and a
10 ms cue in between repeats it once more; read as they are, every sentence shows up
twice or three times. `clean_cues` keeps each line once and drops all markup, so the
published files are plain cues that any player (and the series page) can show.

Which captions, and whether a transcript made from the talk's speech wins over them, is
the episode plan's rule (`publisher.build.plan`: `captions`, `speech`, `is_human`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.build.plan import Output, Plan, captions, plan, published_files, speech
from publisher.errors import SourceError
from publisher.formats.captions import clean_cues, is_rolling, parse_captions, to_srt, to_vtt
from publisher.model import TRANSCRIPT_SRT, TRANSCRIPT_VTT, Item, MediaFile
from publisher.sources import is_url

if TYPE_CHECKING:
    from publisher.build.run import Run

log = logging.getLogger(__name__)

# The stage ----------------------------------------------------------------------------


def publish_transcripts(run: Run, item: Item) -> None:
    """Publish media/<series>/<entry>.vtt and .srt from the captions its plan names.

    Captions are an extra: when they cannot be read, the episode keeps the transcript it
    had (if any) and the next run tries again; the episode itself is not failed.
    """
    the_plan = plan(run, item)
    outputs = the_plan.made_by(captions)
    if not outputs or (not run.options.refresh and _restore(run, item, outputs)):
        return
    if _keeps_own_transcript(run, item, the_plan):
        return
    from publisher.tools import http  # loads requests: only when captions are read

    recipe = outputs[0].recipe  # one caption file makes both
    try:
        if isinstance(recipe.location, Path):
            raw = http.read_local(recipe.location)
        else:
            raw = http.fetch_url(recipe.location, run.options.allow_private_sources)
    except SourceError as error:
        log.warning("%s: captions not read, kept as they were: %s", item.id, error)
        return
    text = raw.decode("utf-8-sig", errors="replace")
    cues = clean_cues(parse_captions(text, recipe.format), recipe.automatic or is_rolling(text))
    if not cues:
        log.info("%s: the captions have no text; no transcript published", item.id)
        return
    item.transcripts = write_transcripts(run, item, outputs, cues)
    item.transcript_language = None  # the captions' own language is declared


def local_captions_current(the_plan: Plan, made: dict[str, str]) -> bool:
    """Whether the caption file beside a local source is the one published: one put
    there after the talk was published, or edited since, is work for the next build
    (read from disk only, so a no-op build stays one)."""
    source = the_plan.talk.source
    if not source or is_url(source):
        return True
    outputs = the_plan.made_by(captions)
    return not outputs or made.get(TRANSCRIPT_VTT) == outputs[0].made_from


def _keeps_own_transcript(run: Run, item: Item, the_plan: Plan) -> bool:
    """Machine captions never replace a transcript made from the talk's speech."""
    outputs = the_plan.made_by(speech)
    files = published_files(run, item, outputs)
    if files is not None:
        item.transcripts, item.transcript_language = files, outputs[0].recipe.language
    return files is not None


def _restore(run: Run, item: Item, outputs) -> bool:
    """Reuse what an earlier run made from the same captions, if it is still on disk."""
    files = published_files(run, item, outputs)
    if files is None:
        return False
    item.transcripts, item.transcript_language = files, None
    return True


def write_transcripts(run: Run, item: Item, outputs: tuple[Output, ...], cues) -> list[MediaFile]:
    """Publish `cues` as the plan's `outputs` (WebVTT and SRT), recording their recipe."""
    texts = {TRANSCRIPT_VTT: to_vtt, TRANSCRIPT_SRT: to_srt}
    files = []
    for output in outputs:
        text = texts[output.role](cues)
        run.writer.write_text(output.name, text)
        files.append(MediaFile(output.name, len(text.encode("utf-8")), output.mime_type))
        run.state.save_media_file(item.id, output.role, files[-1], output.made_from)
    return files
