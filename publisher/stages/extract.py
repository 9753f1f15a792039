"""The `extract` stage: a talk's source becomes episode files in the work dir.

`extract` downloads only what the episode needs (an audio-only format when there is
one), converts it with ffmpeg into a `.part` file in the work dir, verifies it (it
decodes at both ends; its duration is within a second of the source's) and only then
renames it to a pending output. `tag` tags pending outputs; `publish_media` moves them
into `media/<series>/` and records them in the state. A run killed anywhere leaves at
most unverified or unpublished files in the work dir, which the next run remakes.

Media is remade only when its recipe changes (source, format, loudness), not when a
title or summary does, so enclosure URLs stay put. Replaced media gets a new name,
because podcast apps cache files by URL.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.build.plan import Output, plan, published_file
from publisher.errors import (
    Interrupted,
    NoVideo,
    SourceError,
    ToolError,
)
from publisher.formats.mp4boxes import BrokenMP4, top_level_boxes
from publisher.model import Item
from publisher.sources import short_url
from publisher.stages import enrich, workfiles
from publisher.stages.enrich import (
    cacheable,
    checked_source,
    read_listing,
    refuse_too_long,
    refuse_unpublishable,
)
from publisher.tools import deadlines, ffmpeg, mutagen

if TYPE_CHECKING:
    from publisher.build.run import Run

    # loaded only when media is made: a no-op build never is
    from publisher.tools.ytdlp import client as ytdlp

log = logging.getLogger(__name__)

LOUDNESS_TOLERANCE = 1.0  # LU: closer than this to the target keeps the stream copy
DURATION_TOLERANCE = 1.0  # seconds between an output's duration and its source's


# The extract stage ---------------------------------------------------------------------


def extract(run: Run, item: Item) -> None:
    """Make the entry's missing or outdated media as pending outputs in the work dir."""
    workfiles.forget_pending(run, item)  # anything a killed run left is remade or dropped
    missing = []
    for output in plan(run, item).media:
        reusable = published_file(run, item, output)
        if reusable:
            item.set_file(output.role, reusable)
        else:
            missing.append(output)
    if missing:
        with enrich.ytdlp_client(run) as client:
            Maker(run, item, client).make(missing)


class Maker:
    """Makes one entry's outputs, downloading each needed format at most once."""

    def __init__(self, run: Run, item: Item, client: ytdlp.Client):
        self.run, self.item, self.client = run, item, client
        self.exe = ffmpeg.executable(run.options.ffmpeg)
        self.allow_private = run.options.allow_private_sources
        self.limits = run.catalog.site.limits
        self.formats: list[dict] = []
        self.local: Path | None = None
        self.measured: dict[Path, ffmpeg.Loudness] = {}  # audio and video may share a source

    def make(self, outputs: list[Output]) -> None:
        if self.item.formats:  # enrichment read the source in this run: still fresh
            self.formats = self.item.formats
        else:
            self.read_source()
        # video first: making audio may move the audio download into place
        for output in sorted(outputs, key=lambda o: o.role != "video"):
            if output.role == "video":
                self.make_video_if_offered(output)
            else:
                self.make_audio(output)

    def read_source(self) -> None:
        location = checked_source(self.run, self.item.entry)
        if isinstance(location, Path):
            self.local = location
        else:  # format URLs expire: read them afresh rather than from the cache
            listing = read_listing(self.run, self.item.entry, location, self.client)
            refuse_unpublishable(listing.info, self.limits, self.item.entry)
            self.formats = listing.formats

    def make_video_if_offered(self, output: Output) -> None:
        """A talk with no picture is still an episode: its audio is published, and the
        state remembers that there is no video, so later runs do not look again."""
        try:
            self.make_video(output)
        except NoVideo as missing:
            log.warning("%s: %s; publishing the audio episode only", self.item.id, missing)
            info = self.item.info or self.run.state.media_info(self.item.id)
            if info is not None:
                self.item.info = dataclasses.replace(info, offers_video=False)
                self.run.state.save_media_info(self.item.id, cacheable(self.item.info))

    # sources

    def fetch(self, fmt: dict | None) -> Path:
        """The local file of a format (downloaded once, resumable), or the local source,
        once its first bytes show a container ffmpeg may read (never a playlist)."""
        if fmt is None:
            assert self.local is not None
            ffmpeg.media_container(self.local, str(self.local))
            return self.local
        key = f"{self.item.entry.source}|{fmt.get('format_id')}"
        path = workfiles.download_path(self.run, self.item, key)
        if not path.is_file():
            self.run.progress.start(self.item, "downloading")
            with deadlines.time_limit(self.limits.max_download_time, deadlines.SETTING):
                self.client.download(fmt, path, self.limits.max_filesize, self.advance)
        ffmpeg.media_container(path, f"the download of {short_url(fmt.get('url') or '')}")
        return path

    def advance(self, fraction: float) -> None:
        """Report progress, and give up the download or ffmpeg step if the run is stopping."""
        if self.run.stopping.is_set():
            raise Interrupted(f"{self.item.id}: interrupted")
        self.run.progress.advance(self.item, fraction)

    def source_duration(self, path: Path) -> float:
        duration = mutagen.media_duration(path) or ffmpeg.demuxed_duration(self.exe, path)
        refuse_too_long(self.item.entry.source or str(path), duration, self.limits)
        return duration

    # audio

    def make_audio(self, output: Output) -> None:
        from publisher.tools.ytdlp import client as ytdlp

        audio_format = None if self.local else ytdlp.choose_audio(self.formats, output.ext == "m4a")
        source = self.fetch(audio_format)
        streams = ffmpeg.streams(self.exe, source)
        codec = next((s.codec for s in streams if s.kind == "audio"), None)
        if codec is None:
            raise SourceError(
                f"source {self.item.entry.source} has no audio",
                advice="give the entry a source with sound",
            )
        duration = self.source_duration(source)
        loudness = self.loudness_filter(source, duration)
        building = workfiles.building_path(self.run, self.item, "audio", output.ext)
        self.run.progress.start(self.item, "extracting audio")
        conversion = audio_conversion(output.ext, codec, loudness)
        if conversion == "copy" and output.ext == "m4a" and usable_as_is(source, streams):
            # already an AAC-only MP4: the download is the stream copy, byte for byte
            move = self.local is None
            (shutil.move if move else shutil.copyfile)(source, building)
        else:
            ffmpeg.extract_audio(self.exe, source, building, conversion, loudness, duration,
                                 self.advance)  # fmt: skip
        self.verify(building, duration, "a")
        building.replace(workfiles.pending_path(self.run, self.item, "audio", output.ext))

    def loudness_filter(self, source: Path, duration: float) -> str | None:
        series = self.run.series_of(self.item)
        target = series.audio.loudness if series else None
        if target is None:
            return None
        measured = self.measured.get(source)
        if measured is None:
            self.run.progress.start(self.item, "measuring loudness")
            measured = ffmpeg.measure_loudness(self.exe, source, target, duration, self.advance)
            self.measured[source] = measured
        if not (math.isfinite(measured.integrated) and math.isfinite(measured.true_peak)):
            return None  # silence (nothing above loudnorm's gate): valid audio, kept as it is
        if abs(measured.integrated - target) <= LOUDNESS_TOLERANCE:
            return None  # close enough: keep the stream copy rather than re-encode
        return ffmpeg.normalize_filter(measured, target)

    # video

    def make_video(self, output: Output) -> None:
        from publisher.tools.ytdlp import client as ytdlp

        video_format = audio_format = None
        if not self.local:
            video_format, audio_format = ytdlp.choose_video_and_sound(self.formats)
        video = self.fetch(video_format)
        audio = self.fetch(audio_format) if audio_format else None
        streams = ffmpeg.streams(self.exe, video)
        video_codec = next((s.codec for s in streams if s.kind == "video"), None)
        if video_codec is None:
            raise NoVideo(f"source {self.item.entry.source} has no video stream")
        audio_streams = ffmpeg.streams(self.exe, audio) if audio else streams
        audio_codec = next((s.codec for s in audio_streams if s.kind == "audio"), None)
        duration = self.source_duration(audio or video)
        # the same level as the audio episode: one talk, one loudness, whichever is played
        loudness = self.loudness_filter(audio or video, duration) if audio_codec else None
        building = workfiles.building_path(self.run, self.item, "video", "mp4")
        self.run.progress.start(self.item, "making the video")
        ffmpeg.make_video(self.exe, video, audio, building, video_codec == "h264",
                          audio_codec == "aac", loudness, duration, self.advance)  # fmt: skip
        self.verify(building, duration, "v")
        building.replace(workfiles.pending_path(self.run, self.item, "video", "mp4"))

    # checks

    def verify(self, path: Path, expected: float, stream: str) -> None:
        """An output is kept only if it decodes and lasts as long as its source."""
        self.run.progress.start(self.item, "verifying")
        ffmpeg.verify_decodes(self.exe, path, stream)
        duration = mutagen.media_duration(path)
        if duration is None or abs(duration - expected) > DURATION_TOLERANCE:
            path.unlink(missing_ok=True)
            raise ToolError(
                f"the {path.suffix[1:]} made from {self.item.entry.source} lasts"
                f" {duration or 0:.1f} s but the source {expected:.1f} s",
                advice="the next run makes it again; run with --verbose if it recurs",
            )


def audio_conversion(ext: str, source_codec: str, loudness_filter: str | None) -> str:
    """ "copy" when the source's codec already fits the output and needs no new level."""
    fits = {"m4a": "aac", "mp3": "mp3"}[ext]
    return "copy" if source_codec == fits and not loudness_filter else {"m4a": "aac"}.get(ext, ext)


def usable_as_is(path: Path, streams: list[ffmpeg.Stream]) -> bool:
    """A plain (not fragmented) MP4 holding one AAC stream and nothing else."""
    facts = mutagen.audio_facts(path)
    if facts is None or facts.container != "mp4" or len(streams) != 1:
        return False
    try:
        boxes = {name for name, _, _ in top_level_boxes(path)}
    except BrokenMP4:
        return False
    return b"moof" not in boxes and b"moov" in boxes
