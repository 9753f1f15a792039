"""What the build fetches, and from where: metadata URLs, HLS segments, DNS rebinding,
deadlines, SIGTERM and the causes named in network errors. All on loopback.

127.0.0.1 stands for the public internet and 127.0.0.2 for an internal host where a
test needs both: the address rules are the real ones, told that 127.0.0.1 is public.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import yaml_writer
from helpers.catalogs import run_publisher, talk_entry
from helpers.loopback_sites import LoopbackSite, answer, reset, stalled, trickled, truncated
from helpers.media import talk

from publisher import sources
from publisher.build import online_stages
from publisher.build.runner import run_item_stages
from publisher.errors import SourceError, SourceRefused
from publisher.messages import describe
from publisher.model import Caption, MediaInfo
from publisher.tools import http
from publisher.tools.ytdlp import client as ytdlp
from publisher.tools.ytdlp import network as ytdlp_network


@pytest.fixture
def internal_is_private(monkeypatch):
    """127.0.0.2 is an internal host; every other address follows the real rules, except
    that 127.0.0.1 (the test sites) counts as public."""
    real = sources.address_refusal

    def refusal(address: str) -> str | None:
        if address == "127.0.0.2":
            return "a private address"
        return None if address == "127.0.0.1" else real(address)

    monkeypatch.setattr(sources, "address_refusal", refusal)


def published_bytes(folder: Path) -> list[bytes]:
    return [path.read_bytes() for path in folder.rglob("*") if path.is_file()]


# 7. Metadata names URLs, never files --------------------------------------------------


def test_a_local_path_in_a_sources_metadata_is_never_read_or_published(
    make_run, media_server, media_files, tmp_path
):
    """A thumbnail and a caption track that name files of this machine (as a hostile
    page, or yt-dlp, may say): no episode art, no transcript, nothing of them published."""
    private = tmp_path / "private"
    private.mkdir()
    secret_image = private / "secret.jpg"
    secret_image.write_bytes(media_files["cover.jpg"].read_bytes())
    secret_captions = private / "secret.vtt"
    secret_captions.write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nthe root password\n")
    source = media_server.url("/media/talk.m4a")
    run = make_run([talk("a", source)])
    run.state.save_media_info(
        "a",
        MediaInfo(
            source=source,
            title="A talk",
            duration=3.0,
            thumbnail=str(secret_image),
            captions=(Caption("en", f"file://{secret_captions}", "vtt", False),),
            audio_codec="aac",
        ),
    )
    run.items[0].info = None
    run_item_stages(run, online_stages())

    item = run.items[0]
    assert item.error is None and item.audio is not None  # the episode itself is fine
    assert item.image is None and item.transcripts == []
    for data in published_bytes(run.out):
        assert secret_image.read_bytes() not in data
        assert b"root password" not in data


def test_a_page_whose_og_image_is_a_file_url_gives_no_thumbnail(media_files, tmp_path):
    """The hostile page read through yt-dlp itself: its file: image is dropped at once."""
    secret = tmp_path / "secret.png"
    secret.write_bytes(media_files["cover.png"].read_bytes())
    page = (
        f'<html><head><title>Talk</title><meta property="og:image" content="file://{secret}">'
        '</head><body><video src="/talk.mp4"></video></body></html>'
    ).encode()
    routes = {
        "/page.html": answer(page, "text/html"),
        "/talk.mp4": answer(media_files["talk.mp4"].read_bytes(), "video/mp4"),
    }
    with LoopbackSite(routes) as site, ytdlp.Client(allow_private=True) as client:
        listing = client.read(site.url("/page.html"), site.url("/page.html"))
    assert listing.formats and listing.info.thumbnail is None


# 8a. HLS: every segment is a checked request --------------------------------------------


def hls_playlist(segment_url: str) -> bytes:
    return (
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:3\n#EXT-X-MEDIA-SEQUENCE:0\n"
        f"#EXTINF:3.0,\n{segment_url}\n#EXT-X-ENDLIST\n"
    ).encode()


def test_hls_segments_on_an_internal_host_are_never_fetched(
    internal_is_private, media_files, ffmpeg_exe, tmp_path
):
    """A public playlist whose segment is on an internal host: the segment is refused
    before it is asked for, by yt-dlp's downloader and by any ffmpeg."""
    segment = tmp_path / "segment.ts"
    subprocess.run(
        [ffmpeg_exe, "-v", "error", "-i", str(media_files["talk.mp4"]), "-c", "copy",
         "-f", "mpegts", str(segment)], check=True,
    )  # fmt: skip
    with LoopbackSite({"/s0.ts": answer(segment.read_bytes(), "video/mp2t")}, "127.0.0.2") as inner:
        playlist = hls_playlist(inner.url("/s0.ts"))
        routes = {"/talk.m3u8": answer(playlist, "application/vnd.apple.mpegurl")}
        with LoopbackSite(routes) as site, ytdlp.Client(False, ffmpeg_exe) as client:
            listing = client.read(site.url("/talk.m3u8"), site.url("/talk.m3u8"))
            with pytest.raises(SourceRefused, match="127.0.0.2 is a private address"):
                client.download(listing.formats[0], tmp_path / "talk.mp4")
    assert inner.asked == []
    assert not (tmp_path / "talk.mp4").exists()


def test_a_stream_only_ffmpeg_could_fetch_is_refused(ffmpeg_exe, tmp_path):
    """A format yt-dlp would hand to rtmpdump or ffmpeg to fetch: refused by name."""
    with ytdlp.Client(False, ffmpeg_exe) as client, pytest.raises(SourceRefused) as refused:
        fmt = {"url": "rtmp://203.0.113.9/live/talk", "protocol": "rtmp", "ext": "flv"}
        client.download(fmt, tmp_path / "talk.flv")
    assert describe(refused.value) == (
        "203.0.113.9 offers this talk only as a rtmp stream, which the publisher cannot fetch"
        " through its address checks — give the entry another source"
    )


def test_ffmpeg_given_a_stream_by_yt_dlp_may_open_no_network_protocol(ffmpeg_exe):
    """The arguments yt-dlp adds before ffmpeg's input: ffmpeg refuses an http input."""
    with LoopbackSite(
        {"/talk.m3u8": answer(hls_playlist("/s0.ts"), "application/x-mpegurl")}
    ) as site:
        done = subprocess.run(
            [ffmpeg_exe, "-v", "error", *ytdlp_network.FFMPEG_INPUT_PROTOCOLS, "-i",
             site.url("/talk.m3u8"), "-f", "null", "-"], capture_output=True, text=True,
        )  # fmt: skip
    assert done.returncode != 0 and "not on whitelist" in done.stderr
    assert site.asked == []


# 8b. DNS rebinding: the connection goes where the check looked ---------------------------


@pytest.fixture
def rebinding_dns(monkeypatch):
    """talks.example resolves to 127.0.0.1 (public) once, then to 127.0.0.2 (internal)."""
    real = socket.getaddrinfo
    answers = iter(["127.0.0.1"])

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "talks.example":
            return real(host, port, *args, **kwargs)
        address = next(answers, "127.0.0.2")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 80))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def twin_sites(routes):
    """A public and an internal site on the same port number, as one name would give."""
    for _ in range(20):
        public = LoopbackSite(routes)
        try:
            internal = LoopbackSite(routes, host="127.0.0.2", port=public.port)
        except OSError:
            public.httpd.server_close()
            continue
        return public, internal
    raise RuntimeError("no port free on both 127.0.0.1 and 127.0.0.2")


@pytest.mark.parametrize("client", ["requests", "yt-dlp"])
def test_a_name_that_resolves_elsewhere_the_second_time_reaches_nothing(
    internal_is_private, rebinding_dns, media_files, client
):
    routes = {"/talk.m4a": answer(media_files["talk.m4a"].read_bytes(), "audio/mp4")}
    public, internal = twin_sites(routes)
    url = f"http://talks.example:{public.port}/talk.m4a"
    with public, internal, pytest.raises(SourceRefused, match="127.0.0.2") as refused:
        if client == "requests":
            http.fetch_url(url, allow_private=False)
        else:
            with ytdlp.Client(allow_private=False) as reader:
                reader.read(url, url, direct_media=True)
    assert internal.asked == []
    assert "\n" not in describe(refused.value)


# 13. Deadlines and SIGTERM -------------------------------------------------------------


TRICKLE = 0.05  # seconds between bytes: never idle long enough for a read timeout


def trickling_talk(media_files):
    return {"/talk.m4a": trickled(media_files["talk.m4a"].read_bytes(), "audio/mp4", TRICKLE)}


def start_build(catalog: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    return subprocess.Popen(
        [sys.executable, "-m", "publisher", "build", "--catalog", str(catalog),
         "--out", str(catalog.parent / "out"), "--allow-private-sources"],
        cwd=catalog.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def wait_for(condition, seconds: float) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out waiting"
        time.sleep(0.05)


def seconds_to_stop_after_sigterm(build: subprocess.Popen, ready, after: float) -> float:
    """SIGTERM the build `after` s once `ready()`; how long it then took to exit."""
    try:
        wait_for(ready, 60)
        time.sleep(after)
        build.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        build.wait(timeout=30)
        return time.monotonic() - sent
    finally:
        build.kill()
        build.wait()


@pytest.mark.parametrize("after", [0.5, 3.0])
def test_sigterm_stops_a_build_within_2_s_while_a_source_trickles(
    write_catalog, media_files, after
):
    with LoopbackSite(trickling_talk(media_files)) as site:
        catalog = write_catalog([talk_entry("a", site.url("/talk.m4a"))])
        build = start_build(catalog)
        # past the redirect check, reading
        took = seconds_to_stop_after_sigterm(build, lambda: len(site.asked) >= 2, after)
    print(f"exit {took:.2f} s after SIGTERM")
    assert build.returncode == 143
    assert took < 2.0


# HTTP/1.0: the connection ends with the answer, and http.client hands its socket over
@pytest.mark.parametrize("protocol", ["HTTP/1.1", "HTTP/1.0"])
def test_a_trickling_source_fails_at_its_deadline_and_frees_the_lock(
    write_catalog, media_files, run_publisher_in, protocol
):
    site = LoopbackSite(trickling_talk(media_files))
    site.httpd.RequestHandlerClass.protocol_version = protocol
    with site:
        limits = {"limits": {"max_download_time": 2}}
        catalog = write_catalog([talk_entry("a", site.url("/talk.m4a"))], site=limits)
        started = time.monotonic()
        first = run_publisher_in(catalog)
        took = time.monotonic() - started
    assert first.exit_code == 3, first.stderr
    assert (
        f"{site.url('/talk.m4a')} was still sending after 2 s, the limit for one transfer"
        " (site.limits.max_download_time) — the next run retries; raise"
        " site.limits.max_download_time if the site is just slow"
    ) in first.stderr
    print(f"a trickling source failed after {took:.1f} s (limit 2 s)")
    assert took < 60  # the trickle alone would take half an hour
    second = run_publisher_in(catalog, "--offline")
    assert second.exit_code != 75, second.stderr  # the lock was released


TRICKLED_FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>Talks</title>'
    + b"<item><title>A talk</title><link>https://example.org/a</link></item>" * 400
    + b"</channel></rss>"
)


def trickling_playlist_catalog(write_catalog, site: LoopbackSite, **site_settings) -> Path:
    series = {"talks": {**yaml_writer.DEFAULT_SERIES, "follow": [site.url("/feed.rss")]}}
    return write_catalog([], series=series, site=site_settings)


def test_a_trickling_playlist_is_cut_at_the_transfer_limit_and_the_run_goes_on(
    write_catalog, run_publisher_in
):
    routes = {"/feed.rss": trickled(TRICKLED_FEED, "application/rss+xml", TRICKLE)}
    with LoopbackSite(routes) as site:
        catalog = trickling_playlist_catalog(write_catalog, site, limits={"max_download_time": 2})
        started = time.monotonic()
        built = run_publisher_in(catalog)
        took = time.monotonic() - started
    print(f"a trickling playlist was given up after {took:.1f} s (limit 2 s)")
    assert built.exit_code == 0, built.stderr  # nothing pending: the series just has no news
    assert (
        f"{site.url('/feed.rss')} was still sending after 2 s, the limit for one transfer"
        " (site.limits.max_download_time) — the next run retries; raise"
        " site.limits.max_download_time if the site is just slow"
    ) in built.stdout + built.stderr
    assert took < 30  # the trickle alone would take over ten minutes


def test_sigterm_stops_a_build_within_2_s_while_a_playlist_trickles(write_catalog):
    routes = {"/feed.rss": trickled(TRICKLED_FEED, "application/rss+xml", TRICKLE)}
    with LoopbackSite(routes) as site:
        build = start_build(trickling_playlist_catalog(write_catalog, site))
        took = seconds_to_stop_after_sigterm(build, lambda: len(site.asked) >= 1, 1.0)
    print(f"exit {took:.2f} s after SIGTERM")
    assert build.returncode == 143
    assert took < 2.0


@pytest.fixture
def run_publisher_in():
    def run(catalog: Path, *extra: str):
        return run_publisher(
            "build", "--catalog", str(catalog), "--out", str(catalog.parent / "out"),
            "--allow-private-sources", *extra, cwd=catalog.parent, timeout=120,
        )  # fmt: skip

    return run


# 15. Every network error names its cause -----------------------------------------------


@pytest.fixture(scope="module")
def talk_bytes(media_files) -> bytes:
    return media_files["talk.m4a"].read_bytes()


@pytest.mark.parametrize(
    ("route", "cause"),
    [
        (
            lambda body: truncated(body, "audio/mp4", 1000),
            "the server closed the connection after 1000 of",
        ),
        (lambda body: reset(body, "audio/mp4", 1000), "the server reset the connection"),
        (lambda body: stalled(body, "audio/mp4", 1000, 3), "no data for 1 s (timed out)"),
    ],
    ids=["truncated", "reset", "stalled"],
)
def test_a_broken_download_says_what_broke(monkeypatch, talk_bytes, tmp_path, route, cause):
    monkeypatch.setattr(ytdlp, "SOCKET_TIMEOUT", 1.0)
    monkeypatch.setattr(ytdlp, "RETRIES", 0)
    with LoopbackSite({"/talk.m4a": route(talk_bytes)}) as site:
        url = site.url("/talk.m4a")
        fmt = {"url": url, "ext": "m4a", "format_id": "0", "protocol": "http"}
        with ytdlp.Client(allow_private=True) as client, pytest.raises(SourceError) as error:
            client.download(fmt, tmp_path / "talk.m4a")
    message = describe(error.value)
    assert message.startswith(f"127.0.0.1 could not be read: {cause}"), message
    assert message.endswith(" — check the address and the network; the next run retries")


@pytest.mark.parametrize(
    ("route", "cause"),
    [
        (
            lambda body: truncated(body, "text/vtt", 10),
            "the server closed the connection after 10 of",
        ),
        (lambda body: reset(body, "text/vtt", 10), "the server reset the connection"),
        (lambda body: stalled(body, "text/vtt", 10, 3), "timed out after 1 s"),
    ],
    ids=["truncated", "reset", "stalled"],
)
def test_a_broken_small_file_says_what_broke(monkeypatch, route, cause):
    monkeypatch.setattr(http, "TIMEOUT", 1.0)
    body = b"WEBVTT\n\n" + b"00:00.000 --> 00:01.000\nwords\n\n" * 100
    with LoopbackSite({"/talk.vtt": route(body)}) as site, pytest.raises(SourceError) as error:
        http.fetch_url(site.url("/talk.vtt"), allow_private=True)
    assert cause in describe(error.value)
