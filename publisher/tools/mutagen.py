"""mutagen: the only module that imports it; reads and writes episode files' tags.

mp3 gets ID3v2.4 with CHAP/CTOC chapter frames; m4a and mp4 get iTunes-style atoms. The
chapters of an m4a or mp4, which mutagen reads but cannot write, are written by ffmpeg
(`publisher.tools.ffmpeg.write_chapters`) before the tags; mutagen keeps them."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from mutagen import File as MutagenFile
from mutagen import MutagenError
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCON,
    TDRC,
    TIT2,
    TPE1,
    TPE2,
    TRCK,
    CTOCFlags,
    ID3NoHeaderError,
)
from mutagen.mp4 import MP4, MP4Cover

from publisher.errors import ToolError
from publisher.formats.chapters import chapters_to_end
from publisher.formats.checked import checked_duration, checked_int
from publisher.model import Chapter


@dataclass(frozen=True)
class EpisodeTags:
    title: str
    artist: str
    album: str
    album_artist: str
    date: str  # YYYY-MM-DD
    description: str = ""
    track: int | None = None
    season: int | None = None
    cover: bytes | None = None  # JPEG or PNG bytes
    chapters: tuple[Chapter, ...] = ()


def write_tags(path: Path, tags: EpisodeTags) -> None:
    """Write `tags` into `path` (mp3, m4a or mp4), replacing any tags the source had; an
    mp3 gets its chapters here too, an MP4 keeps those ffmpeg wrote."""
    try:
        if path.suffix == ".mp3":
            _write_id3(path, tags)
        else:
            _write_mp4(path, tags)
    except (MutagenError, OSError, ValueError) as error:
        raise ToolError(f"tagging {path.name} failed: {error}") from error


def _write_mp4(path: Path, tags: EpisodeTags) -> None:
    audio = MP4(path)
    audio.delete()  # drop whatever the source carried (encoder names, other titles)
    audio = MP4(path)
    values = {
        "\xa9nam": [tags.title],
        "\xa9ART": [tags.artist],
        "\xa9alb": [tags.album],
        "aART": [tags.album_artist],
        "\xa9day": [tags.date],
        "\xa9gen": ["Podcast"],
        "desc": [tags.description[:255]],
        "ldes": [tags.description],
    }
    audio.update({key: value for key, value in values.items() if value[0]})
    if tags.track:
        audio["trkn"] = [(tags.track, 0)]
        audio["tves"] = [tags.track]
    if tags.season:
        audio["tvsn"] = [tags.season]
    if tags.cover:
        kind = MP4Cover.FORMAT_PNG if tags.cover[:4] == b"\x89PNG" else MP4Cover.FORMAT_JPEG
        audio["covr"] = [MP4Cover(tags.cover, kind)]
    audio.save()


def _write_id3(path: Path, tags: EpisodeTags) -> None:
    with contextlib.suppress(ID3NoHeaderError):
        ID3(path).delete(path)  # drop what ffmpeg or the source wrote
    id3 = ID3()
    texts = [(TIT2, tags.title), (TPE1, tags.artist), (TALB, tags.album),
             (TPE2, tags.album_artist), (TDRC, tags.date), (TCON, "Podcast")]  # fmt: skip
    for frame, text in texts:
        if text:
            id3.add(frame(encoding=3, text=[text]))
    if tags.description:
        id3.add(COMM(encoding=3, lang="eng", desc="", text=[tags.description]))
    if tags.track:
        id3.add(TRCK(encoding=3, text=[str(tags.track)]))
    if tags.cover:
        mime = "image/png" if tags.cover[:4] == b"\x89PNG" else "image/jpeg"
        id3.add(APIC(encoding=3, mime=mime, type=3, desc="Cover", data=tags.cover))
    _add_id3_chapters(id3, chapters_to_end(tags.chapters, media_duration(path)))
    id3.save(path, v2_version=4)
    _put_chapter_frames_in_time_order(path)


def _add_id3_chapters(id3: ID3, chapters: tuple[Chapter, ...]) -> None:
    """ID3v2 chapter frames (CHAP) under one ordered top-level table of contents (CTOC)."""
    if not chapters:
        return
    ids = [f"chp{index}" for index in range(len(chapters))]
    for element_id, chapter in zip(ids, chapters, strict=True):
        id3.add(CHAP(element_id=element_id, start_time=int(chapter.start * 1000),
                     end_time=int((chapter.end or chapter.start) * 1000),
                     sub_frames=[TIT2(encoding=3, text=[chapter.title])]))  # fmt: skip
    flags = CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED
    table = [TIT2(encoding=3, text=["Chapters"])]
    id3.add(CTOC(element_id="toc", flags=flags, child_element_ids=ids, sub_frames=table))


def _put_chapter_frames_in_time_order(path: Path) -> None:
    """Store the CHAP frames in chronological order, in the slots mutagen gave them.

    mutagen writes frames by size (then by key), so CHAP frames came out of order, and
    players built on ffmpeg list chapters in the order their frames are stored, whatever
    the CTOC says. The tag keeps its size: only CHAP frames trade places.
    """
    with path.open("r+b") as file:
        header = file.read(10)
        if header[:4] != b"ID3\x04" or header[5] & 0x40:  # v2.4, no extended header
            return
        body = file.read(_syncsafe(header[6:10]))
        frames, end = _frames(body)
        chapters = [frame for frame in frames if frame[:4] == b"CHAP"]
        in_order = iter(sorted(chapters, key=_chapter_start))
        ordered = [next(in_order) if frame[:4] == b"CHAP" else frame for frame in frames]
        file.seek(10)
        file.write(b"".join(ordered) + body[end:])


def _frames(body: bytes) -> tuple[list[bytes], int]:
    """The ID3v2.4 frames of a tag body (each with its header), and where padding starts."""
    frames, at = [], 0
    while at + 10 <= len(body) and body[at] != 0:
        size = 10 + _syncsafe(body[at + 4 : at + 8])
        frames.append(body[at : at + size])
        at += size
    return frames, at


def _chapter_start(frame: bytes) -> int:
    """A CHAP frame's start time: after the header and its element id's terminating NUL."""
    at = frame.index(b"\0", 10) + 1
    return int.from_bytes(frame[at : at + 4], "big")


def _syncsafe(data: bytes) -> int:
    """An ID3v2.4 size: four bytes of seven bits each."""
    return sum(byte << (7 * (3 - index)) for index, byte in enumerate(data))


def media_duration(path: Path) -> float | None:
    """Duration in seconds as the file's headers give it, or None if mutagen can't read it."""
    try:
        media = MutagenFile(path)
    except (MutagenError, OSError):
        return None
    length = getattr(getattr(media, "info", None), "length", None)
    return checked_duration(length) or None


@dataclass(frozen=True)
class AudioFacts:
    container: str  # "mp4", "mp3", "ogg"…
    codec: str  # "mp4a.40.2", "mp3", "opus"…
    bitrate: int  # bits per second (0 when unknown)
    duration: float | None


def audio_facts(path: Path) -> AudioFacts | None:
    """Container, codec and bitrate of an audio file mutagen reads (not WebM/Matroska)."""
    try:
        media = MutagenFile(path)
    except (MutagenError, OSError):
        return None
    if media is None:
        return None
    kind = type(media).__name__.lower()
    info = media.info
    codec = getattr(info, "codec", None) or {"mp3": "mp3", "mp4": "mp4a"}.get(kind, kind)
    duration = checked_duration(getattr(info, "length", None))
    bitrate = checked_int(getattr(info, "bitrate", 0), 0, 1 << 32) or 0
    return AudioFacts(kind, str(codec), bitrate, duration)


def has_nero_chapters(path: Path) -> bool:
    """Whether an MP4 carries a Nero `chpl` chapter list (as a download may)."""
    try:
        return bool(MP4(path).chapters)
    except (MutagenError, OSError):
        return False


def read_tags(path: Path) -> dict:
    """The tags of a file as mutagen sees them (for checks and tests)."""
    media = MutagenFile(path)
    result = dict(media.tags or {}) if media is not None else {}
    if isinstance(media, MP4) and media.chapters:
        result["chapters"] = [(c.start, c.title) for c in media.chapters]
    return result
