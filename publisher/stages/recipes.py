"""The files a talk should have, and the recipe each is made by.

A recipe (`made_from`) names what a file is made from: the source (a local file also by
size and mtime), the format and the loudness target. `extract` makes a file when its
recipe changed, `publish_media` records it, restore compares it, and the runner skips a
talk whose files all match; so this module loads none of the tools that make them.

A transcript made from a talk's speech has a recipe too: the source and the language
it is heard in. The format, loudness or model do not count: the same speech is
transcribed once, and never again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from publisher.model import AudioSettings, Item, MediaInfo, Series, Transcribe
from publisher.output import urls
from publisher.sources import is_url, local_source_path

if TYPE_CHECKING:
    from publisher.build.run import Run


MIME_TYPES = {"m4a": "audio/mp4", "mp3": "audio/mpeg", "mp4": "video/mp4"}


@dataclass(frozen=True)
class Output:
    """One file an entry should have: its role, extension and the recipe it is made by."""

    role: str  # "audio" or "video"
    ext: str
    made_from: str


def wanted_outputs(run: Run, item: Item) -> list[Output]:
    series = run.series_of(item)
    audio = series.audio if series else AudioSettings()
    source = source_identity(run, item)
    loudness = "off" if audio.loudness is None else f"{audio.loudness:g}"
    outputs = [Output("audio", audio.format, f"{source}|{audio.format}|{loudness}")]
    if video_wanted(series, item.info):
        # videos made before their audio was normalised keep their recipe when it is off
        level = "" if audio.loudness is None else f"|{loudness}"
        outputs.append(Output("video", "mp4", f"{source}|mp4{level}"))
    return outputs


def video_wanted(series: Series | None, info: MediaInfo | None) -> bool:
    """THE rule for a talk's video episode: its series publishes video and its source is
    not known to be audio only (`build` makes by it, `status` reports by it)."""
    return bool(series and series.video) and not (info and info.offers_video is False)


def source_identity(run: Run, item: Item) -> str:
    """The source as a recipe sees it: a local file also by size and mtime, so edits count."""
    source = item.entry.source or ""
    if is_url(source):
        return source
    path = local_source_path(source, run.catalog.root)
    if not path.is_file():
        return source
    stat = path.stat()
    return f"{source}@{stat.st_size}:{stat.st_mtime_ns}"


# Transcripts made from speech ---------------------------------------------------------

SPEECH = "speech"  # what a transcript's recipe starts with when it was made from speech


def transcribe_settings(run: Run, item: Item) -> Transcribe | None:
    """How a talk is transcribed: its series' model, or the site's; None when it is not
    (the site says nothing and the series nothing, or the series says false)."""
    site = run.catalog.site.transcribe
    series = run.series_of(item)
    chosen = series.transcribe if series else None
    if chosen is None or chosen is False:
        return site if chosen is None else None
    budget = site or Transcribe()  # the time budget is the run's, set on the site
    return budget if chosen is True else replace(budget, model=chosen.model)


def spoken_language(run: Run, item: Item) -> str:
    """The language a talk is transcribed in: its series' when it has one, else the
    site's; as Whisper names languages (en, not en-GB)."""
    series = run.series_of(item)
    language = getattr(series, "language", None) or run.catalog.site.language
    return language.split("-")[0].lower()


def transcript_recipe(run: Run, item: Item) -> str:
    return f"{SPEECH}|{source_identity(run, item)}|{spoken_language(run, item)}"


def speech_stem(item: Item) -> str:
    """`media/<series>/<entry>.speech`: a transcript made from speech, as .vtt and .srt."""
    return f"{urls.entry_stem(item.entry.series, item.id)}.{SPEECH}"


def is_made_from_speech(path: str, item: Item) -> bool:
    """Whether a published transcript is one made from the talk's speech (by its name:
    what a feed read back tells, when the state that knew its recipe is lost)."""
    return path.removesuffix(".vtt").removesuffix(".srt") == speech_stem(item)


def language_of_recipe(made_from: str | None) -> str | None:
    """The language of a transcript made from speech, from its recipe; None for captions."""
    if not made_from or not made_from.startswith(f"{SPEECH}|"):
        return None
    return made_from.rsplit("|", 1)[-1]
