"""ffmpeg reads only the files the publisher downloaded, as the format it decided they
are: a downloaded body that is a playlist (HLS, ffconcat) is never followed to the local
files it names. Each hostile source is served on 127.0.0.1; the real stages build it."""

from __future__ import annotations

import html
import subprocess
from pathlib import Path

import pytest
from helpers import yaml_writer
from helpers.catalogs import run_publisher
from helpers.loopback_sites import LoopbackSite, answer

from publisher.build import online_stages
from publisher.build.runner import run_item_stages
from publisher.errors import SourceError
from publisher.tools import ffmpeg, mutagen

OCTETS = "application/octet-stream"


@pytest.fixture
def secret_media(ffmpeg_exe, tmp_path) -> dict[str, Path]:
    """Files of this machine no source may reach: a tone (MPEG-TS and M4A) and a green
    video frame (MPEG-TS), outside every published or work folder."""
    private = tmp_path / "private"
    private.mkdir()
    made = {
        "tone.ts": ["-f", "lavfi", "-i", "sine=f=1234:d=3", "-c:a", "aac", "-f", "mpegts"],
        "tone.m4a": ["-f", "lavfi", "-i", "sine=f=1234:d=3", "-c:a", "aac", "-f", "mp4"],
        "frame.ts": ["-f", "lavfi", "-i", "color=c=green:size=320x320:d=1", "-c:v", "mpeg2video",
                     "-f", "mpegts"],
    }  # fmt: skip
    for name, arguments in made.items():
        command = [ffmpeg_exe, "-v", "error", "-y", *arguments, str(private / name)]
        subprocess.run(command, check=True)
    return {name: private / name for name in made}


def playlist(*segments: str) -> bytes:
    lines = ["#EXTM3U", "#EXT-X-TARGETDURATION:3", "#EXT-X-MEDIA-SEQUENCE:0"]
    for segment in segments:
        lines += ["#EXTINF:3.0,", segment]
    return ("\n".join([*lines, "#EXT-X-ENDLIST"]) + "\n").encode()


def page(source: str, media_type: str | None, image: str | None = None) -> bytes:
    og = f'<meta property="og:image" content="{html.escape(image)}">' if image else ""
    typed = f' type="{media_type}"' if media_type else ""
    return (
        f"<!DOCTYPE html><html><head><title>A talk</title>{og}</head><body>"
        f'<video controls><source src="{html.escape(source)}"{typed}></video>'
        "</body></html>"
    ).encode()


def published_media(out: Path) -> list[Path]:
    """The episodes' media and art published (the site's cover is not theirs)."""
    return [p for p in (out / "media" / "talks").rglob("*") if p.is_file()]


def build(make_run, url: str, **settings):
    from helpers.media import talk

    run = make_run([talk("a", url)], **settings)
    run_item_stages(run, online_stages())
    return run


@pytest.mark.parametrize(
    ("source", "media_type"),
    [("/pl.bin", "audio/x-mpegurl"), ("/pl.m3u", None), ("/talk.M3U", None)],
)
def test_a_downloaded_playlist_naming_a_local_file_publishes_nothing(
    make_run, secret_media, source, media_type
):
    """The page names its source so that yt-dlp saves it as a playlist (by its type or
    its name), not one it reads itself; the body names a file of this machine."""
    routes = {
        "/talk.html": answer(page(source, media_type), "text/html"),
        source: answer(playlist(str(secret_media["tone.ts"])), OCTETS),
    }
    with LoopbackSite(routes) as site:
        run = build(make_run, site.url("/talk.html"))
    item = run.items[0]
    assert item.audio is None and published_media(run.out) == []
    assert "playlist" in str(item.error), item.error


def test_a_downloaded_ffconcat_list_is_never_followed(make_run, secret_media):
    """An ffconcat list naming a file beside it, in the talk's own work folder."""
    concat = b"ffconcat version 1.0\nfile secret.m4a\n"
    routes = {
        "/talk.html": answer(page("/talk.m4a", "audio/mp4"), "text/html"),
        "/talk.m4a": answer(concat, "audio/mp4"),
    }
    with LoopbackSite(routes) as site:
        run = make_run([])  # the work folder of talk "a", as a killed run leaves it
        (run.work_dir / "a").mkdir(parents=True)
        (run.work_dir / "a" / "secret.m4a").write_bytes(secret_media["tone.m4a"].read_bytes())
        run.state.close()
        run = build(make_run, site.url("/talk.html"))
    item = run.items[0]
    assert item.audio is None and published_media(run.out) == []
    assert "playlist" in str(item.error), item.error


def test_a_playlist_segment_naming_another_talks_download_is_never_read(make_run, secret_media):
    """Work names are predictable: a segment names another talk's download, relatively."""
    routes = {"/talk.html": answer(page("/pl.bin", "audio/x-mpegurl"), "text/html")}
    with LoopbackSite(routes) as site:
        run = make_run([])
        download = run.work_dir / "b" / "download-0123456789ab.m4a"
        download.parent.mkdir(parents=True)
        download.write_bytes(secret_media["tone.m4a"].read_bytes())
        run.state.close()
        site.routes["/pl.bin"] = answer(playlist(f"../b/{download.name}"), OCTETS)
        run = build(make_run, site.url("/talk.html"))
    item = run.items[0]
    assert item.audio is None and published_media(run.out) == []
    assert "playlist" in str(item.error), item.error


@pytest.mark.parametrize("suffix", [".m3u8", ".m3u"])
def test_an_og_image_that_is_a_playlist_gives_no_cover_art(
    make_run, media_files, secret_media, suffix
):
    """The page's image names a playlist of a local video: the episode is published with
    the series' cover, and nothing of the local video is in the file or the folder."""
    image = f"/art{suffix}"
    routes = {
        "/talk.m4a": answer(media_files["talk.m4a"].read_bytes(), "audio/mp4"),
        image: answer(playlist(str(secret_media["frame.ts"])), "image/png"),
    }
    with LoopbackSite(routes) as site:
        site.routes["/talk.html"] = answer(page("/talk.m4a", "audio/mp4", site.url(image)),
                                           "text/html")  # fmt: skip
        run = build(make_run, site.url("/talk.html"), video=False)
        assert image in site.asked  # the image was offered, and fetched
    item = run.items[0]
    assert item.error is None and item.audio is not None and item.image is None
    covers = mutagen.read_tags(run.out / item.audio.path).get("covr") or []
    series_cover = (run.catalog.root / "cover.png").read_bytes()
    assert [bytes(cover) for cover in covers] == [series_cover]
    assert [p.name for p in published_media(run.out)] == [Path(item.audio.path).name]


def test_a_followed_feed_linking_a_playlist_page_publishes_nothing(write_catalog, secret_media):
    """No editor involved: a followed feed's video is the hostile page."""
    routes = {"/pl.bin": answer(playlist(str(secret_media["tone.ts"])), OCTETS)}
    with LoopbackSite(routes) as site:
        site.routes["/talk.html"] = answer(page("/pl.bin", "audio/x-mpegurl"), "text/html")
        feed = (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Talks</title>'
            "<description>d</description><item><title>A talk</title>"
            f"<link>{site.url('/talk.html')}</link>"
            "<pubDate>Tue, 02 Jan 2024 10:00:00 +0000</pubDate></item></channel></rss>"
        ).encode()
        site.routes["/feed.rss"] = answer(feed, "application/rss+xml")
        series = {"talks": {**yaml_writer.DEFAULT_SERIES, "follow": [site.url("/feed.rss")]}}
        catalog = write_catalog([], series=series)
        built = run_publisher("build", "--allow-private-sources", cwd=catalog.parent)
    assert built.exit_code == 3, built.stderr
    assert "playlist" in built.stderr + built.stdout
    assert published_media(catalog.parent / "feeds") == []


# The mechanism: a format the publisher decided, from an allowlist --------------------


@pytest.mark.parametrize(
    ("body", "name"),
    [
        (playlist("/etc/hosts"), "pl.m3u8"),
        (playlist("/etc/hosts"), "pl.mp4"),
        (b"ffconcat version 1.0\nfile a.m4a\n", "list.m4a"),
        (b"#EXTINF:3,\n/etc/hosts\n", "pl.m3u"),
        (b"<?xml version='1.0'?><MPD/>", "talk.mpd"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "art.png"),
    ],
    ids=["hls", "hls-as-mp4", "ffconcat", "m3u", "dash", "image"],
)
def test_ffmpeg_refuses_an_input_that_is_not_plain_media(ffmpeg_exe, tmp_path, body, name):
    path = tmp_path / name
    path.write_bytes(body)
    with pytest.raises(SourceError, match="not an audio or video file"):
        ffmpeg.streams(ffmpeg_exe, path)


def test_every_kind_of_media_a_source_offers_is_read(ffmpeg_exe, media_files, tmp_path):
    """The allowlist is wide enough for what sites and editors give."""
    tone = ["-f", "lavfi", "-i", "sine=d=1"]
    recipes = {
        "a.wav": [*tone, "-f", "wav"],
        "a.ogg": [*tone, "-c:a", "libvorbis", "-f", "ogg"],
        "a.flac": [*tone, "-f", "flac"],
        "a.aac": [*tone, "-c:a", "aac", "-f", "adts"],
        "a.ts": [*tone, "-c:a", "aac", "-f", "mpegts"],
        "a.mkv": [*tone, "-c:a", "libopus", "-f", "matroska"],
        "a.id3.mp3": [*tone, "-c:a", "libmp3lame", "-f", "mp3"],
        "a.bare.mp3": [*tone, "-c:a", "libmp3lame", "-id3v2_version", "0", "-f", "mp3"],
        "a.long-tag.mp3": [
            *tone,
            "-c:a",
            "libmp3lame",
            "-metadata",
            "comment=" + "x" * 9000,
            "-f",
            "mp3",
        ],  # an ID3 tag longer than the bytes first looked at
        "a.id3.aac": [*tone, "-c:a", "aac", "-write_id3v2", "1", "-f", "adts"],
        "a.flv": [*tone, "-c:a", "aac", "-f", "flv"],
    }
    for name, arguments in recipes.items():
        subprocess.run([ffmpeg_exe, "-v", "error", "-y", *arguments, str(tmp_path / name)],
                       check=True)  # fmt: skip
    files = [*(tmp_path / name for name in recipes), *(media_files[n] for n in
             ("talk.m4a", "talk.webm", "talk.mp4", "talk.mp3"))]  # fmt: skip
    for path in files:
        kinds = [stream.kind for stream in ffmpeg.streams(ffmpeg_exe, path)]
        assert "audio" in kinds, path.name


def test_a_remote_hls_stream_is_still_fetched_by_yt_dlp_and_published(
    make_run, media_files, ffmpeg_exe, tmp_path
):
    """yt-dlp's own downloader fetches every segment (each a checked request) into one
    MPEG-TS file, which ffmpeg then reads as just that."""
    segment = tmp_path / "s0.ts"
    subprocess.run([ffmpeg_exe, "-v", "error", "-i", str(media_files["talk.m4a"]), "-c", "copy",
                    "-f", "mpegts", str(segment)], check=True)  # fmt: skip
    routes = {
        "/talk.m3u8": answer(playlist("/s0.ts"), "application/vnd.apple.mpegurl"),
        "/s0.ts": answer(segment.read_bytes(), "video/mp2t"),
    }
    with LoopbackSite(routes) as site:
        run = build(make_run, site.url("/talk.m3u8"))
        assert "/s0.ts" in site.asked
    item = run.items[0]
    assert item.error is None and item.audio is not None
    assert item.audio.duration == pytest.approx(3.0, abs=0.2)


def id3_tag_length(data: bytes) -> int:
    size = 0
    for byte in data[6:10]:
        size = (size << 7) | byte
    return 10 + size


@pytest.mark.parametrize("shape", ["two-id3-tags", "bytes-after-the-tag", "packed-audio"])
def test_tagged_audio_as_taggers_and_streams_write_it_is_read(ffmpeg_exe, tmp_path, shape):
    """A tagger that puts a new ID3 tag before the old one, a tag whose size is a few
    bytes short, an HLS stream of AAC segments that each start with an ID3 tag: ffmpeg
    reads all three as MP3 or AAC, and so does the publisher."""
    codec, fmt = ("aac", "adts") if shape == "packed-audio" else ("libmp3lame", "mp3")
    made = tmp_path / "made"
    subprocess.run([ffmpeg_exe, "-v", "error", "-f", "lavfi", "-i", "sine=d=2", "-c:a", codec,
                    "-write_id3v2", "1", "-metadata", "title=A talk", "-f", fmt, str(made)],
                   check=True)  # fmt: skip
    data = made.read_bytes()
    tag = id3_tag_length(data)
    shaped = {
        "two-id3-tags": data[:tag] + data,
        "bytes-after-the-tag": data[:tag] + b"\0\0\x17junk" + data[tag:],
        "packed-audio": data * 3,
    }[shape]
    path = tmp_path / "download.media"
    path.write_bytes(shaped)
    assert [stream.kind for stream in ffmpeg.streams(ffmpeg_exe, path)] == ["audio"]
    assert ffmpeg.demuxed_duration(ffmpeg_exe, path) == pytest.approx(
        6.0 if shape == "packed-audio" else 2.0, abs=0.2
    )


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("talks/a.m3u8", "hls"),
        ("talks/a.mp3", "hls"),
        ("talks/a.mp4", "ffconcat"),
        ("talks/-a|b.m4a", "media"),
        ("talks/concat:a.m4a", "media"),
    ],
    ids=["playlist", "playlist-as-mp3", "ffconcat-as-mp4", "dash-and-pipe", "protocol-like"],
)
def test_a_local_source_is_read_as_plain_media_only(make_run, secret_media, tmp_path, name, body):
    """An editor's file is held to the containers a download is: a playlist is refused
    whatever its name, and a name that looks like an option or a protocol is a name."""
    root = tmp_path / "catalog"
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if body == "hls":
        path.write_bytes(playlist(str(secret_media["tone.ts"])))
    elif body == "ffconcat":
        path.write_bytes(f"ffconcat version 1.0\nfile {secret_media['tone.m4a']}\n".encode())
    else:
        path.write_bytes(secret_media["tone.m4a"].read_bytes())
    run = build(make_run, name)
    item = run.items[0]
    if body == "media":
        assert item.error is None and item.audio is not None
        assert item.audio.duration == pytest.approx(3.0, abs=0.2)
    else:
        assert item.audio is None and published_media(run.out) == []
        assert "is not an audio or video file the publisher reads" in str(item.error)
