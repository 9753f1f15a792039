"""The files a talk should have, and the recipe each is made by.

A recipe (`made_from`) names what a file is made from: the source (a local file also by
size and mtime), the format and the loudness target. `extract` makes a file when its
recipe changed, `publish_media` records it, restore compares it, and the runner skips a
talk whose files all match; so this module loads none of the tools that make them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from publisher.model import AudioSettings, Item, MediaInfo, Series
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
