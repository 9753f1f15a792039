"""ffmpeg: the only module that runs it.

Every call is an argument list (no shell), logged at debug, and a failure raises a
ToolError carrying ffmpeg's last stderr line. Whatever stops us (an exception, Ctrl-C)
kills the child first, so no ffmpeg outlives the run writing a half file. Facts about
media are read from machine-readable outputs only: `-progress` key=value lines, the
`framecrc` muxer's header, loudnorm's JSON; never the human-readable banner.

ffmpeg reads only the files it is given, as the container the publisher decided they are
(`input_arguments`): it never guesses, so a downloaded playlist is never followed to the
files it names. Images are Pillow's job (`publisher.formats.artwork`), never ffmpeg's.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from publisher.errors import SourceError, ToolError
from publisher.formats import containers
from publisher.formats.chapters import to_ffmetadata
from publisher.model import Chapter

log = logging.getLogger(__name__)

AAC_BITRATE = "96k"  # speech in stereo; transparent enough for talks
MP3_VBR_QUALITY = "5"  # LAME -V5, about 130 kbit/s: the usual choice for spoken word
TRUE_PEAK = -1.5  # dBTP ceiling for loudness normalization
LOUDNESS_RANGE = 11.0
VERIFY_SECONDS = 5  # decoded at each end of a file to prove it decodes

ProgressCallback = Callable[[float], None]


def executable(configured: str | None = None) -> str:
    """The ffmpeg to run: a configured system ffmpeg, else imageio-ffmpeg's own."""
    if configured:
        return configured
    import imageio_ffmpeg  # only when ffmpeg is about to run

    return imageio_ffmpeg.get_ffmpeg_exe()


def run(
    ffmpeg: str,
    arguments: list[str],
    what: str,
    total_seconds: float | None = None,
    on_progress: ProgressCallback | None = None,
    loglevel: str = "error",
) -> list[str]:
    """Run ffmpeg with `arguments`; returns its stderr lines, raises ToolError on failure."""
    command = [ffmpeg, "-hide_banner", "-nostdin", "-nostats", "-v", loglevel,
               "-progress", "pipe:1", *arguments]  # fmt: skip
    log.debug("running %s", subprocess.list2cmdline(command))
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace"
    )
    stderr: deque[str] = deque(maxlen=400)
    reader = threading.Thread(target=lambda: stderr.extend(process.stderr), daemon=True)
    reader.start()
    try:
        out_seconds = _follow_progress(process, total_seconds, on_progress)
        process.wait()
    except BaseException:  # KeyboardInterrupt too: never leave ffmpeg writing behind us
        process.kill()
        process.wait()
        raise
    finally:
        reader.join(timeout=5)
    lines = [line.rstrip("\n") for line in stderr]
    if process.returncode != 0:
        last = next((line for line in reversed(lines) if line.strip()), "no message")
        raise ToolError(f"ffmpeg {what} failed (exit {process.returncode}): {last.strip()}")
    lines.append(f"out_seconds={out_seconds}")
    return lines


def _follow_progress(process, total_seconds, on_progress) -> float:
    """Read `-progress` key=value lines; returns the last output time in seconds."""
    out_seconds = 0.0
    for line in process.stdout:
        key, _, value = line.strip().partition("=")
        if key == "out_time_us" and value.lstrip("-").isdigit():
            out_seconds = max(out_seconds, int(value) / 1e6)
            if on_progress and total_seconds:
                on_progress(min(1.0, out_seconds / total_seconds))
    return out_seconds


def _out_seconds(lines: list[str]) -> float:
    return float(lines[-1].partition("=")[2])


# Inputs ------------------------------------------------------------------------------

# The demuxer of each container `publisher.formats.containers` names: each reads one file
# as one stream of media and opens no other file. Playlists (hls, concat), image
# sequences and anything that names other inputs are not here, so never used.
DEMUXERS = {
    "mp4": "mov", "matroska": "matroska", "mp3": "mp3", "adts": "aac", "ogg": "ogg",
    "flac": "flac", "wav": "wav", "aiff": "aiff", "mpegts": "mpegts", "mpegps": "mpeg",
    "flv": "flv", "avi": "avi", "asf": "asf",
}  # fmt: skip
# QuickTime's data references ("dref") may name other files: never followed (the
# default since ffmpeg 2.x, said here so that no build of ffmpeg differs).
DEMUXER_OPTIONS = {"mov": ["-enable_drefs", "0"]}
ADVICE_NOT_MEDIA = "give the entry a source that is an audio or video file"


def input_arguments(path: Path) -> list[str]:
    """`-i path`, read as the container the publisher decided it is, through the file
    protocol only, with only the demuxers of `DEMUXERS` allowed."""
    demuxer = DEMUXERS[media_container(path)]
    return ["-f", demuxer, *DEMUXER_OPTIONS.get(demuxer, []),
            "-format_whitelist", ",".join(sorted(set(DEMUXERS.values()))),
            "-protocol_whitelist", "file", "-i", f"file:{path}"]  # fmt: skip


def media_container(path: Path, name: str | None = None) -> str:
    """The container of the file at `path`; a SourceError (naming it `name`) when it is
    not one ffmpeg may read."""
    try:
        found, head = containers.container_of(path)
    except OSError as error:
        raise ToolError(f"cannot read {path.name}: {error.strerror}") from None
    if found is None:
        raise SourceError(
            f"{name or path.name} is not an audio or video file the publisher reads:"
            f" {containers.refusal(head)}",
            advice=ADVICE_NOT_MEDIA,
        )
    return found


# Probing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Stream:
    kind: str  # "audio", "video", "subtitle", "data", "attachment"
    codec: str  # ffmpeg's codec name: "aac", "opus", "h264", "mjpeg"…


def streams(ffmpeg: str, path: Path) -> list[Stream]:
    """The streams of a file, read from the `framecrc` muxer's header (machine-readable)."""
    command = [ffmpeg, "-hide_banner", "-nostdin", "-v", "error", *input_arguments(path),
               "-map", "0", "-c", "copy", "-frames", "1", "-f", "framecrc", "-"]  # fmt: skip
    log.debug("running %s", subprocess.list2cmdline(command))
    done = subprocess.run(command, capture_output=True, text=True, errors="replace")
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise ToolError(f"ffmpeg cannot read {path.name}: {last}")
    kinds: dict[str, str] = {}
    codecs: dict[str, str] = {}
    for line in done.stdout.splitlines():
        if line.startswith("#media_type "):
            index, _, value = line[len("#media_type ") :].partition(":")
            kinds[index] = value.strip()
        elif line.startswith("#codec_id "):
            index, _, value = line[len("#codec_id ") :].partition(":")
            codecs[index] = value.strip()
    return [Stream(kinds[i], codecs.get(i, "")) for i in sorted(kinds, key=int)]


def demuxed_duration(ffmpeg: str, path: Path) -> float:
    """Duration of the first audio stream, by reading (not decoding) all its packets."""
    arguments = [*input_arguments(path), "-map", "0:a:0", "-c", "copy", "-f", "null", "-"]
    return _out_seconds(run(ffmpeg, arguments, f"reading {path.name}"))


# Converting --------------------------------------------------------------------------


def extract_audio(
    ffmpeg: str,
    source: Path,
    output: Path,
    codec: str,
    loudness_filter: str | None = None,
    total_seconds: float | None = None,
    on_progress: ProgressCallback | None = None,
) -> None:
    """Write the first audio stream of `source` to `output` as "copy", "aac" or "mp3"."""
    arguments = ["-y", *input_arguments(source), "-map", "0:a:0", "-map_metadata", "-1",
                 "-map_chapters", "-1"]  # fmt: skip
    if loudness_filter:
        arguments += ["-af", loudness_filter]
    if codec == "copy":
        arguments += ["-c:a", "copy"]
    elif codec == "aac":
        arguments += [
            "-c:a",
            "aac",
            "-b:a",
            AAC_BITRATE,
            *(["-ar", "48000"] * bool(loudness_filter)),
        ]
    elif codec == "mp3":
        arguments += ["-c:a", "libmp3lame", "-q:a", MP3_VBR_QUALITY,
                      *(["-ar", "44100"] * bool(loudness_filter))]  # fmt: skip
    else:
        raise ValueError(f"unknown audio codec {codec!r}")
    muxer = "mp3" if codec == "mp3" else "mp4"
    arguments += ["-f", muxer, str(output)]
    run(ffmpeg, arguments, f"extracting audio ({codec})", total_seconds, on_progress)


def make_video(
    ffmpeg: str,
    video: Path,
    audio: Path | None,
    output: Path,
    copy_video: bool,
    copy_audio: bool,
    loudness_filter: str | None = None,
    total_seconds: float | None = None,
    on_progress: ProgressCallback | None = None,
) -> None:
    """An H.264/AAC MP4 from `video` (and a separate `audio`), copying what already fits.

    With `loudness_filter` the audio track is re-encoded through it; the picture is still
    copied when it fits, since a level change is no reason to re-encode video.
    """
    arguments = ["-y", *input_arguments(video)]
    if audio:
        arguments += input_arguments(audio)
    arguments += ["-map", "0:v:0", "-map", "1:a:0" if audio else "0:a:0?",
                  "-map_metadata", "-1", "-map_chapters", "-1"]  # fmt: skip
    if copy_video:
        arguments += ["-c:v", "copy"]
    else:
        arguments += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
                      "-pix_fmt", "yuv420p"]  # fmt: skip
    if loudness_filter:
        # loudnorm resamples to 192 kHz internally: back to a rate every player takes
        arguments += ["-af", loudness_filter, "-ar", "48000"]
    if copy_audio and not loudness_filter:
        arguments += ["-c:a", "copy"]
    else:
        arguments += ["-c:a", "aac", "-b:a", "128k"]
    # the index first, so a browser or an app starts playing before the whole file arrives
    arguments += ["-movflags", "+faststart", "-f", "mp4", str(output)]
    run(ffmpeg, arguments, "making the video", total_seconds, on_progress)


def write_chapters(
    ffmpeg: str, path: Path, chapters: tuple[Chapter, ...], index_first: bool
) -> None:
    """Set the chapters of the MP4 at `path` (none: remove any it has), every stream
    copied as it is. ffmpeg's MP4 muxer writes them the two ways players read them: a
    QuickTime chapter track (Apple's apps) and a Nero `chpl` box (most others, mutagen).
    `index_first` keeps `moov` before the media data, for a file made that way."""
    stem = f".{path.name}.chapters-{os.getpid()}"
    metadata, building = path.with_name(f"{stem}.txt"), path.with_name(stem + path.suffix)
    metadata.write_text(to_ffmetadata(chapters), encoding="utf-8")
    # the audio and video only: an old chapter track is a data stream, made anew here
    arguments = ["-y", "-i", str(path), "-f", "ffmetadata", "-i", str(metadata),
                 "-map", "0:v?", "-map", "0:a?",  # no -map_metadata -1: it drops titles
                 "-map_chapters", "1" if chapters else "-1", "-c", "copy"]  # fmt: skip
    if index_first:
        arguments += ["-movflags", "+faststart"]
    try:
        run(ffmpeg, [*arguments, "-f", "mp4", str(building)], "writing chapters")
        building.replace(path)
    finally:
        metadata.unlink(missing_ok=True)
        building.unlink(missing_ok=True)


# Loudness ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Loudness:
    """loudnorm's first-pass measurement, as its JSON gives it."""

    integrated: float  # LUFS
    true_peak: float
    lra: float
    threshold: float
    offset: float


def measure_loudness(
    ffmpeg: str,
    source: Path,
    target: float,
    total_seconds: float | None = None,
    on_progress: ProgressCallback | None = None,
) -> Loudness:
    """Measure with loudnorm's first pass (EBU R128), from its JSON report.

    It decodes the whole source, so a long talk takes a while: `on_progress` hears about
    it, and can stop it (by raising) when the run is interrupted.
    """
    filter_ = f"loudnorm=I={target}:TP={TRUE_PEAK}:LRA={LOUDNESS_RANGE}:print_format=json"
    arguments = [*input_arguments(source), "-map", "0:a:0", "-af", filter_, "-f", "null", "-"]
    lines = run(ffmpeg, arguments, "measuring loudness", total_seconds, on_progress, "info")
    report = _last_json_object(lines)
    try:
        return Loudness(
            integrated=float(report["input_i"]),
            true_peak=float(report["input_tp"]),
            lra=float(report["input_lra"]),
            threshold=float(report["input_thresh"]),
            offset=float(report["target_offset"]),
        )
    except (KeyError, ValueError) as error:
        raise ToolError(f"ffmpeg loudnorm gave no usable measurement: {error}") from error


def normalize_filter(measured: Loudness, target: float) -> str:
    """loudnorm's second pass, fed the first pass's numbers (linear when it can be)."""
    return (
        f"loudnorm=I={target}:TP={TRUE_PEAK}:LRA={LOUDNESS_RANGE}"
        f":measured_I={measured.integrated}:measured_TP={measured.true_peak}"
        f":measured_LRA={measured.lra}:measured_thresh={measured.threshold}"
        f":offset={measured.offset}:linear=true"
    )


def _last_json_object(lines: list[str]) -> dict:
    end = max((i for i, line in enumerate(lines) if line.strip() == "}"), default=None)
    if end is not None:
        for start in range(end, -1, -1):
            if lines[start].strip() == "{":
                return json.loads("\n".join(lines[start : end + 1]))
    raise ToolError("ffmpeg loudnorm printed no JSON report")


# Verifying --------------------------------------------------------------------------


def verify_decodes(ffmpeg: str, path: Path, stream: str = "a") -> None:
    """Decode the first and last seconds of `path`'s first `stream` ("a" or "v").

    The container's index is read whole either way; decoding both ends proves the codec
    setup and that the data runs to the end, at a fraction of a full decode's cost.
    One ffmpeg opens the file twice: once from the start, once from near the end.
    """
    seconds = str(VERIFY_SECONDS)
    arguments = ["-xerror", "-t", seconds, *input_arguments(path), "-sseof", f"-{seconds}",
                 *input_arguments(path), "-map", f"0:{stream}:0", "-map", f"1:{stream}:0",
                 "-f", "null", "-"]  # fmt: skip
    run(ffmpeg, arguments, f"verifying {path.name}")


@dataclass(frozen=True)
class Capabilities:
    """What `publisher doctor` checks an ffmpeg for."""

    version: str
    encoders: frozenset[str]
    filters: frozenset[str]


def capabilities(exe: str) -> Capabilities:
    """ffmpeg's version and its encoders and filters (their lists are one per line: a
    flags column, then the name)."""

    def names(option: str) -> frozenset[str]:
        lines = _output(exe, option).splitlines()
        return frozenset(parts[1] for line in lines if len(parts := line.split()) > 1)

    first = _output(exe, "-version").splitlines()[:1]
    version = first[0].split()[2] if first and len(first[0].split()) > 2 else "unknown"
    return Capabilities(version, names("-encoders"), names("-filters"))


def _output(exe: str, option: str) -> str:
    done = subprocess.run([exe, "-hide_banner", option], capture_output=True, text=True,
                          timeout=30, errors="replace")  # fmt: skip
    return done.stdout
