"""Tags written with mutagen, read back with mutagen: ID3v2.4 for mp3, atoms for m4a; an
MP4's chapters written by ffmpeg, as a QuickTime chapter track and a Nero chpl list."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from publisher.formats.mp4boxes import top_level_boxes
from publisher.model import Chapter
from publisher.stages.tag import tag_file, tag_text
from publisher.tools import ffmpeg
from publisher.tools.mutagen import EpisodeTags, audio_facts, media_duration, read_tags, write_tags

TAGS = EpisodeTags(
    title="July Days — “Counter-revolution” & <reaction> 🚩 שלום",
    artist="Alan Woods, Ted Grant",
    album="1917: The Russian Revolution",
    album_artist="IMT",
    date="2017-07-20",
    description="Plain text ]]> with & and <b>",
    track=4,
    season=1,
    chapters=(Chapter(0.0, "Opening"), Chapter(1.0, "Élan ✓"), Chapter(2.5, "Questions")),
)


@pytest.fixture
def copy_of(media_files, tmp_path):
    def copy(name):
        target = tmp_path / name
        shutil.copyfile(media_files[name], target)
        return target

    return copy


def test_m4a_tags_round_trip(copy_of, media_files, ffmpeg_exe):
    path = copy_of("talk.m4a")
    cover = media_files["cover.jpg"].read_bytes()
    tag_file(ffmpeg_exe, path, EpisodeTags(**{**TAGS.__dict__, "cover": cover}))
    tags = read_tags(path)
    assert tags["\xa9nam"] == [TAGS.title]
    assert tags["\xa9ART"] == [TAGS.artist]
    assert tags["\xa9alb"] == [TAGS.album]
    assert tags["aART"] == ["IMT"]
    assert tags["\xa9day"] == ["2017-07-20"]
    assert tags["ldes"] == [TAGS.description]
    assert tags["trkn"] == [(4, 0)] and tags["tvsn"] == [1]
    assert bytes(tags["covr"][0]) == cover
    assert tags["chapters"] == [(0.0, "Opening"), (1.0, "Élan ✓"), (2.5, "Questions")]
    ffmpeg.verify_decodes(ffmpeg_exe, path)  # still a valid file
    assert media_duration(path) == pytest.approx(3.0, abs=0.1)


def test_mp3_id3v24_with_chapters(copy_of):
    path = copy_of("talk.mp3")
    write_tags(path, TAGS)
    tags = read_tags(path)
    assert str(tags["TIT2"]) == TAGS.title
    assert str(tags["TPE1"]) == TAGS.artist
    assert str(tags["TALB"]) == TAGS.album
    assert str(tags["TRCK"]) == "4"
    assert tags["COMM::eng"].text == [TAGS.description]
    chapters = [f for k, f in tags.items() if k.startswith("CHAP")]  # in the file's order
    assert [(c.start_time, c.end_time, str(c.sub_frames["TIT2"])) for c in chapters] == [
        (0, 1000, "Opening"),
        (1000, 2500, "Élan ✓"),
        (2500, pytest.approx(3000, abs=100), "Questions"),
    ]
    assert tags["CTOC:toc"].child_element_ids == ["chp0", "chp1", "chp2"]
    with path.open("rb") as handle:
        assert handle.read(4) == b"ID3\x04"  # ID3v2.4


def ffmpeg_chapter_titles(ffmpeg_exe: str, path) -> list[str]:
    """The chapter titles as ffmpeg lists them (it reads CHAP frames in the file's order)."""
    result = subprocess.run([ffmpeg_exe, "-hide_banner", "-i", str(path), "-f", "ffmetadata", "-"],
                            capture_output=True, text=True, check=True)  # fmt: skip
    chapters = result.stdout.partition("[CHAPTER]")[2]
    return re.findall(r"^title=(.*)$", chapters, re.M)


def test_mp3_chapter_frames_are_stored_in_time_order(copy_of, ffmpeg_exe):
    """mutagen writes ID3 frames by size: players built on ffmpeg listed the chapters out
    of order (reversed, for titles that grow shorter), whatever the CTOC said."""
    path = copy_of("talk.mp3")
    titles = ["The longest title of them all", "A shorter one", "Short"]
    chapters = tuple(Chapter(float(n), title) for n, title in enumerate(titles))
    write_tags(path, EpisodeTags(**{**TAGS.__dict__, "chapters": chapters}))
    assert ffmpeg_chapter_titles(ffmpeg_exe, path) == titles
    frames = ID3(path).getall("CHAP")
    assert [frame.start_time for frame in frames] == [0, 1000, 2000]
    assert str(ID3(path)["TIT2"]) == TAGS.title  # the rest of the tag is as written


def test_chapters_in_a_faststart_mp4_keep_the_media_playable(media_files, tmp_path, ffmpeg_exe):
    # moov before mdat: growing moov must shift every chunk offset
    path = tmp_path / "fast.mp4"
    ffmpeg.run(ffmpeg_exe, ["-y", "-i", str(media_files["talk.mp4"]), "-c", "copy",
                            "-movflags", "+faststart", str(path)], "faststart copy")  # fmt: skip
    boxes = [name for name, _, _ in top_level_boxes(path)]
    assert boxes.index(b"moov") < boxes.index(b"mdat")
    tag_file(ffmpeg_exe, path, TAGS)
    assert read_tags(path)["chapters"][1] == (1.0, "Élan ✓")
    boxes = [name for name, _, _ in top_level_boxes(path)]
    assert boxes.index(b"moov") < boxes.index(b"mdat"), "still playable while it downloads"
    ffmpeg.verify_decodes(ffmpeg_exe, path, "v")
    ffmpeg.verify_decodes(ffmpeg_exe, path, "a")
    decoded = ffmpeg.run(ffmpeg_exe, ["-xerror", "-i", str(path), "-f", "null", "-"], "decode")
    assert decoded  # the whole file decodes after the offsets moved


def test_retagging_replaces_chapters_and_tags(copy_of, ffmpeg_exe):
    path = copy_of("talk.m4a")
    tag_file(ffmpeg_exe, path, TAGS)
    tag_file(ffmpeg_exe, path, EpisodeTags(**{**TAGS.__dict__, "title": "New", "chapters": ()}))
    tags = read_tags(path)
    assert tags["\xa9nam"] == ["New"]
    assert "chapters" not in tags
    assert quicktime_chapters(path) == []


def boxes_in(data: bytes, start: int, end: int):
    """(name, payload start, end) of each box in data[start:end]."""
    while start + 8 <= end:
        size, name = struct.unpack(">I4s", data[start : start + 8])
        yield name, start + 8, start + size
        start += size


def child(data: bytes, start: int, end: int, *path: bytes) -> tuple[int, int] | None:
    for name, inner, outer in boxes_in(data, start, end):
        if name == path[0]:
            return (inner, outer) if len(path) == 1 else child(data, inner, outer, *path[1:])
    return None


def quicktime_chapters(path: Path) -> list[str]:
    """The titles in a QuickTime chapter track (a `text` track a `tref/chap` names), read
    from the atoms themselves: what Apple's players show."""
    data = path.read_bytes()
    moov = child(data, 0, len(data), b"moov")
    tracks = [(inner, outer) for name, inner, outer in boxes_in(data, *moov) if name == b"trak"]
    if not any(child(data, *track, b"tref", b"chap") for track in tracks):
        return []
    titles = []
    for track in tracks:
        handler = child(data, *track, b"mdia", b"hdlr")
        if data[handler[0] + 8 : handler[0] + 12] != b"text":
            continue
        stbl = child(data, *track, b"mdia", b"minf", b"stbl")
        sizes_at = child(data, *stbl, b"stsz")[0]
        count = struct.unpack(">I", data[sizes_at + 8 : sizes_at + 12])[0]
        sizes = struct.unpack(f">{count}I", data[sizes_at + 12 : sizes_at + 12 + 4 * count])
        offset = struct.unpack(">I", data[child(data, *stbl, b"stco")[0] + 8 :][:4])[0]
        for size in sizes:  # ffmpeg writes the chapter samples as one chunk
            length = struct.unpack(">H", data[offset : offset + 2])[0]
            titles.append(data[offset + 2 : offset + 2 + length].decode("utf-8"))
            offset += size
    return titles


@pytest.mark.parametrize("name", ["talk.m4a", "talk.mp4"])
def test_mp4_chapters_are_a_quicktime_track_and_a_nero_list(copy_of, ffmpeg_exe, name):
    """Apple's apps read the chapter track, most others (and mutagen) the chpl list."""
    path = copy_of(name)
    tag_file(ffmpeg_exe, path, TAGS)
    assert quicktime_chapters(path) == ["Opening", "Élan ✓", "Questions"]
    assert read_tags(path)["chapters"] == [(0.0, "Opening"), (1.0, "Élan ✓"), (2.5, "Questions")]
    assert ffmpeg.streams(ffmpeg_exe, path)[-1].kind == "data"  # the chapter track
    ffmpeg.verify_decodes(ffmpeg_exe, path)


def test_mp4_chapter_titles_with_line_ends_and_nul_are_kept_whole(copy_of, ffmpeg_exe):
    """ffmetadata, the file ffmpeg reads chapters from, ends a line at a carriage return
    and at NUL, and reads a backslash at a line's end as escaping it: a source's title
    holding one lost the rest of it, or the next chapter."""
    path = copy_of("talk.m4a")
    titles = ["Part\r\none = a; #b \\", "Q\0and A", "Close\r"]
    chapters = tuple(Chapter(float(i), title) for i, title in enumerate(titles))
    tag_file(ffmpeg_exe, path, EpisodeTags(**{**TAGS.__dict__, "chapters": chapters}))
    kept = ["Part\r\none = a; #b ", "Qand A", "Close\r"]
    assert read_tags(path)["chapters"] == [(0.0, kept[0]), (1.0, kept[1]), (2.0, kept[2])]
    assert quicktime_chapters(path) == kept


def test_audio_facts(media_files):
    aac = audio_facts(media_files["talk.m4a"])
    assert aac.container == "mp4" and aac.codec.startswith("mp4a") and aac.bitrate > 0
    assert audio_facts(media_files["talk.mp3"]).codec == "mp3"
    assert audio_facts(media_files["talk.webm"]) is None  # mutagen does not read WebM


@pytest.mark.parametrize(
    "summary, expected",
    [
        # plain text, however much it looks like markup, is kept exactly
        (
            "00:00 Intro & <start> ]]>\n01:00 Part 🚩 two",
            "00:00 Intro & <start> ]]>\n01:00 Part 🚩 two",
        ),
        # a summary is plain text: what looks like HTML is kept as typed, too
        (
            '<p>Lenin &amp; <b onclick="x()">Trotsky</b></p>\n<script>alert(1)</script> <see>',
            '<p>Lenin &amp; <b onclick="x()">Trotsky</b></p>\n<script>alert(1)</script> <see>',
        ),
    ],
)
def test_a_summary_is_tagged_as_plain_text(summary, expected):
    assert tag_text(summary) == expected
