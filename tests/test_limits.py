"""Limits a source cannot walk past: `site.limits.max_filesize` counted as the bytes
arrive (whatever the headers say), and a source's own chapters kept sane. On loopback,
with the real yt-dlp and the real stages."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.catalogs import run_publisher, talk_entry
from helpers.loopback_sites import LoopbackSite, answer, chunked

from publisher.errors import SourceError
from publisher.messages import describe
from publisher.model import Chapter, MediaInfo
from publisher.tools.ytdlp import client as ytdlp

LIMIT = 1_000_000  # bytes
NOISE = 40_000_000  # what the hostile source would send after the real file


def test_a_chunked_download_is_cut_at_max_filesize(media_files, tmp_path):
    """No Content-Length: the download is cut once it passes the limit, not at its end,
    and nothing of it is kept for a later run to resume."""
    sent: list[int] = []
    route = chunked(media_files["talk.m4a"].read_bytes(), "audio/mp4", NOISE, sent)
    with LoopbackSite({"/talk.m4a": route}) as site:
        fmt = {"url": site.url("/talk.m4a"), "ext": "m4a", "format_id": "0", "protocol": "http"}
        path = tmp_path / "download.media"
        with ytdlp.Client(allow_private=True) as client, pytest.raises(SourceError) as error:
            client.download(fmt, path, max_filesize=LIMIT)
    assert describe(error.value).startswith(
        f"127.0.0.1 sent more than {LIMIT:,} bytes, the limit of site.limits.max_filesize"
    )
    assert sent and sent[0] < NOISE / 4  # cut early, not read to the end
    assert list(tmp_path.iterdir()) == []


def hls_playlist(segments: int) -> bytes:
    lines = ["#EXTM3U", "#EXT-X-TARGETDURATION:1", "#EXT-X-MEDIA-SEQUENCE:0"]
    lines += [f"#EXTINF:1.0,\n/s{n}.ts" for n in range(segments)]
    return ("\n".join([*lines, "#EXT-X-ENDLIST"]) + "\n").encode()


def test_a_stream_of_many_small_segments_is_cut_at_max_filesize(tmp_path):
    """Each segment says its length and is small; together they pass the limit."""
    segment = bytes([0x47]) + bytes(187)  # one MPEG-TS packet's worth, 200 times
    routes = {"/talk.m3u8": answer(hls_playlist(400), "application/vnd.apple.mpegurl")}
    routes |= {f"/s{n}.ts": answer(segment * 200, "video/mp2t") for n in range(400)}
    with LoopbackSite(routes) as site, ytdlp.Client(allow_private=True) as client:
        listing = client.read(site.url("/talk.m3u8"), site.url("/talk.m3u8"))
        with pytest.raises(SourceError, match="site.limits.max_filesize"):
            client.download(listing.formats[0], tmp_path / "download.media", LIMIT)
        asked = [path for path in site.asked if path.startswith("/s")]
    assert len(asked) < 100  # about 27 segments make the limit; 400 were offered
    assert list(tmp_path.iterdir()) == []


def test_a_build_publishes_nothing_of_a_chunked_source_past_the_limit(write_catalog, media_files):
    route = chunked(media_files["talk.m4a"].read_bytes(), "audio/mp4", NOISE)
    with LoopbackSite({"/talk.m4a": route}) as site:
        catalog = write_catalog(
            [talk_entry("a", site.url("/talk.m4a"))], site={"limits": {"max_filesize": LIMIT}}
        )
        built = run_publisher("build", "--allow-private-sources", cwd=catalog.parent)
    assert built.exit_code == 3, built.stderr
    assert "the limit of site.limits.max_filesize" in built.stderr
    media = Path(catalog.parent / "feeds" / "media" / "talks")
    assert not media.exists() or list(media.iterdir()) == []


# A source's own chapters ----------------------------------------------------------------


def hostile_chapters(kind: str) -> tuple[Chapter, ...]:
    """What a source may list for a talk of 3 s (which it claims lasts an hour)."""
    if kind == "past-the-end":  # 2,001 chapters, unsorted, one at 1,000,000 s
        far = [Chapter(float(n * 500), f"far {n}") for n in range(2000, 0, -1)]
        return (*far, Chapter(1_000_000.0, "the end of time"), Chapter(0.0, "Start"))
    if kind == "unsorted-and-repeated":
        starts = [2.0, 0.0, 1.0, 1.0, 0.0, 2.5, 1.0]
        return tuple(Chapter(s, f"at {s} ({n})", end=s - 1) for n, s in enumerate(starts))
    if kind == "too-many":  # 2,900 distinct starts inside the 3 s: MP4 holds 255
        return tuple(Chapter(n / 1000, f"c{n}") for n in range(2900))
    if kind == "megabyte-titles":  # 30 MB of titles; the MP4's list holds 255 bytes each
        return tuple(Chapter(n / 10, f"{n} " + "é" * 500_000) for n in range(30))
    raise ValueError(kind)


@pytest.mark.parametrize(
    "kind", ["past-the-end", "unsorted-and-repeated", "too-many", "megabyte-titles"]
)
def test_a_sources_chapters_are_kept_inside_the_talk_in_order_and_bounded(
    make_run, media_server, kind
):
    from helpers.media import talk

    from publisher.build import online_stages
    from publisher.build.runner import run_item_stages
    from publisher.formats.chapters import parse_json
    from publisher.tools import mutagen

    source = media_server.url("/media/talk.m4a")
    run = make_run([talk("a", source)])
    listed = hostile_chapters(kind)
    info = MediaInfo(source=source, title="A talk", duration=3600.0, chapters=listed,
                     audio_codec="aac")  # fmt: skip
    run.state.save_media_info("a", info)
    run.items[0].info = None
    run_item_stages(run, online_stages())

    item = run.items[0]
    assert item.error is None and item.audio is not None and item.chapters_file is not None
    published = parse_json((run.out / item.chapters_file.path).read_text(encoding="utf-8"))
    starts = [chapter.start for chapter in published]
    assert starts == sorted(set(starts)) and 0 < len(starts) <= 255  # what MP4 holds
    assert starts[-1] < item.audio.duration <= 3.1
    assert all(c.end is None or c.start < c.end <= item.audio.duration for c in published)
    tagged = mutagen.read_tags(run.out / item.audio.path)["chapters"]
    assert [start for start, _ in tagged] == pytest.approx(starts)
    assert all(len(chapter.title.encode()) <= 255 for chapter in published)
    assert (run.out / item.chapters_file.path).stat().st_size < 100 * len(starts) + 300 * 255


def test_chapters_that_no_clock_can_show_are_left_out():
    """Not a number, infinite or negative starts, from any source, leave the rest in
    order (NaN in a sort would leave it undone)."""
    from publisher.formats.chapters import sane_chapters

    nan, inf = float("nan"), float("inf")
    listed = tuple(
        Chapter(start, f"at {start}", end)
        for start, end in [(2.0, nan), (nan, None), (1.0, inf), (-5.0, None), (inf, None),
                           (0.0, -1.0), (3.0, 2.5)]
    )  # fmt: skip
    kept = sane_chapters(listed, None)
    assert [chapter.start for chapter in kept] == [0.0, 1.0, 2.0, 3.0]
    assert [chapter.end for chapter in kept] == [None, None, None, None]
    assert [chapter.start for chapter in sane_chapters(listed, 2.5)] == [0.0, 1.0, 2.0]


# What yt-dlp reads whole into memory: pages, manifests, answers of APIs ------------------

PAGE_NOISE = 60_000_000  # what a hostile page sends; three times what any page may be


@pytest.mark.parametrize(
    ("start", "content_type"),
    [
        (b"<html><head><title>A talk</title></head><body>", "text/html"),
        (b"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#", "application/vnd.apple.mpegurl"),
        (
            b'<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><!--',
            "application/dash+xml",
        ),
    ],
    ids=["page", "hls-manifest", "dash-manifest"],
)
def test_a_page_without_end_is_cut_at_20_mb(start, content_type):
    """yt-dlp reads a page or a manifest whole into memory (and runs its patterns over
    it): a 50 MB page cost 500 MB and a minute of CPU. Cut once it passes 20 MB."""
    from publisher.tools.http import MAX_BYTES

    sent: list[int] = []
    route = chunked(start, content_type, PAGE_NOISE, sent)
    with (
        LoopbackSite({"/talk": route}) as site,
        ytdlp.Client(allow_private=True) as client,
        pytest.raises(SourceError) as error,
    ):
        client.read(site.url("/talk"), site.url("/talk"))
    assert f"more than {MAX_BYTES:,} bytes" in describe(error.value)
    assert sent and sent[0] < 2 * MAX_BYTES


def test_a_media_download_is_not_held_to_the_page_limit(tmp_path):
    """Its bytes go to disk as they come, held to site.limits.max_filesize alone."""
    body = b"\0" * 30_000_000
    with LoopbackSite({"/talk.m4a": chunked(body, "audio/mp4", 0)}) as site:
        fmt = {"url": site.url("/talk.m4a"), "ext": "m4a", "format_id": "0", "protocol": "http"}
        with ytdlp.Client(allow_private=True) as client:
            path = client.download(fmt, tmp_path / "download.media")
    assert path.stat().st_size == len(body)
