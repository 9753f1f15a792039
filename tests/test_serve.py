"""`publisher serve`, tested with real HTTP requests to a server on 127.0.0.1.

http.client sends paths exactly as written, so traversal attempts reach the server as an
attacker would send them, not as a browser would normalise them.
"""

from __future__ import annotations

import http.client
import io
import os
import threading
import time
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

import pytest

from publisher.deliver.serve import built_for, feed_urls, make_server_for, serve, server_origin
from publisher.errors import ConfigurationError
from publisher.messages import describe

AUDIO = bytes(range(256)) * 8  # 2048 bytes, every byte distinguishable by position
SIZE = len(AUDIO)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("feeds")
    files = {
        "index.html": b"<!DOCTYPE html><title>home</title>",
        "feeds.opml": b"<opml/>",
        "articles.xml": b"<rss/>",
        "articles.atom": b"<feed/>",
        "talks/index.html": b"<!DOCTYPE html><title>talks</title>",
        # the feed names its media: serve gives only what the feeds and pages name
        "talks/podcast.xml": b"<rss><channel><item>"
        + b"".join(
            b'<enclosure url="https://feeds.example.org/media/talks/a.%s"/>' % ext
            for ext in (b"m4a", b"mp3", b"mp4", b"vtt", b"srt", b"json", b"tmp-abc.m4a")
        )
        + b"".join(  # made by the test that streams it
            b'<enclosure url="https://feeds.example.org/media/talks/big.mp4"/>' for _ in (1,)
        )
        + b'<enclosure url="https://feeds.example.org/media/escape.txt"/>'
        + b"</item></channel></rss>",
        "media/talks/a.m4a": AUDIO,
        "media/talks/a.mp3": b"ID3",
        "media/talks/a.mp4": b"mp4",
        "media/talks/a.vtt": b"WEBVTT\n",
        "media/talks/a.srt": b"1\n",
        "media/talks/a.json": b"{}",
        "media/talks/.tmp-abc.m4a": b"half-written",
        "empty/readme.txt": b"no index here",
    }
    for relative, data in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)
    (root.parent / "secret.txt").write_bytes(b"outside the folder")
    os.symlink(root.parent / "secret.txt", root / "media" / "escape.txt")
    return root


@pytest.fixture(scope="module")
def server(folder) -> Iterator[tuple[str, int]]:
    httpd = make_server_for(folder, "127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield "127.0.0.1", httpd.port
    httpd.shutdown()
    httpd.server_close()


def request(server, path: str, method: str = "GET", **headers: str):
    connection = http.client.HTTPConnection(*server, timeout=10)
    connection.request(method, path, headers={k.replace("_", "-"): v for k, v in headers.items()})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/talks/podcast.xml", "application/rss+xml; charset=utf-8"),
        ("/articles.xml", "application/rss+xml; charset=utf-8"),
        ("/articles.atom", "application/atom+xml; charset=utf-8"),
        ("/feeds.opml", "text/x-opml; charset=utf-8"),
        ("/media/talks/a.m4a", "audio/mp4"),
        ("/media/talks/a.mp3", "audio/mpeg"),
        ("/media/talks/a.mp4", "video/mp4"),
        ("/media/talks/a.vtt", "text/vtt; charset=utf-8"),
        ("/media/talks/a.srt", "application/x-subrip; charset=utf-8"),
        ("/media/talks/a.json", "application/json; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
    ],
)
def test_content_types(server, path, expected):
    response, _ = request(server, path)
    assert response.status == 200
    assert response.getheader("Content-Type") == expected


def test_full_get_has_validators_and_accepts_ranges(server):
    response, body = request(server, "/media/talks/a.m4a")
    assert response.status == 200 and body == AUDIO
    assert response.getheader("Content-Length") == str(SIZE)
    assert response.getheader("Accept-Ranges") == "bytes"
    assert response.getheader("ETag") and response.getheader("Last-Modified")


def test_head_has_headers_and_no_body(server):
    response, body = request(server, "/media/talks/a.m4a", "HEAD")
    assert response.status == 200 and body == b""
    assert response.getheader("Content-Length") == str(SIZE)
    assert response.getheader("Content-Type") == "audio/mp4"


@pytest.mark.parametrize(
    ("range_", "start", "end"),
    [
        ("bytes=0-1", 0, 1),  # what Apple asks first
        ("bytes=100-", 100, SIZE - 1),  # open-ended
        ("bytes=-500", SIZE - 500, SIZE - 1),  # suffix
        ("bytes=2000-99999", 2000, SIZE - 1),  # end past the file: clipped
        (f"bytes={SIZE - 1}-{SIZE - 1}", SIZE - 1, SIZE - 1),  # the last byte
        (f"bytes=-{SIZE * 2}", 0, SIZE - 1),  # suffix longer than the file
    ],
)
def test_single_byte_ranges(server, range_, start, end):
    response, body = request(server, "/media/talks/a.m4a", Range=range_)
    assert response.status == 206
    assert response.getheader("Content-Range") == f"bytes {start}-{end}/{SIZE}"
    assert response.getheader("Content-Length") == str(end - start + 1)
    assert body == AUDIO[start : end + 1]


def test_head_with_range(server):
    response, body = request(server, "/media/talks/a.m4a", "HEAD", Range="bytes=0-1")
    assert response.status == 206 and body == b""
    assert response.getheader("Content-Range") == f"bytes 0-1/{SIZE}"


@pytest.mark.parametrize("range_", [f"bytes={SIZE}-", f"bytes={SIZE + 10}-{SIZE + 20}", "bytes=-0"])
def test_unsatisfiable_range_is_416(server, range_):
    response, _ = request(server, "/media/talks/a.m4a", Range=range_)
    assert response.status == 416
    assert response.getheader("Content-Range") == f"bytes */{SIZE}"


@pytest.mark.parametrize("range_", ["bytes=0-1,5-6", "bytes=abc", "bytes=5-2", "items=0-1"])
def test_ranges_we_cannot_use_are_ignored(server, range_):
    response, body = request(server, "/media/talks/a.m4a", Range=range_)
    assert response.status == 200 and body == AUDIO


def test_if_none_match_gives_304(server):
    first, _ = request(server, "/talks/podcast.xml")
    etag = first.getheader("ETag")
    response, body = request(server, "/talks/podcast.xml", If_None_Match=etag)
    assert response.status == 304 and body == b""
    assert response.getheader("ETag") == etag
    changed, _ = request(server, "/talks/podcast.xml", If_None_Match='"something-else"')
    assert changed.status == 200


def test_if_modified_since_gives_304(server, folder):
    first, _ = request(server, "/talks/podcast.xml")
    response, _ = request(
        server, "/talks/podcast.xml", If_Modified_Since=first.getheader("Last-Modified")
    )
    assert response.status == 304
    long_ago = formatdate(time.time() - 10 * 365 * 86400, usegmt=True)
    older, _ = request(server, "/talks/podcast.xml", If_Modified_Since=long_ago)
    assert older.status == 200


def test_if_range_with_a_stale_etag_sends_the_whole_file(server):
    response, body = request(server, "/media/talks/a.m4a", Range="bytes=0-1", If_Range='"stale"')
    assert response.status == 200 and body == AUDIO


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/media/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2e%2e/etc/passwd",
        "/..%2fsecret.txt",
        "/media/..%2f..%2fsecret.txt",
        "//etc/passwd",
        "/%2fetc/passwd",
        "/etc/passwd",
        "/..\\secret.txt",
        "/media/escape.txt",  # a symlink out of the folder
        "/media/talks/.tmp-abc.m4a",  # a half-written file of a running build
        "/media/talks/%00a.m4a",
    ],
)
def test_nothing_outside_the_folder(server, path):
    response, body = request(server, path)
    assert response.status in (400, 404)
    assert b"outside the folder" not in body and b"root:" not in body


def test_absolute_url_in_request_line_cannot_escape(server):
    response, body = request(server, "http://127.0.0.1/../secret.txt")
    assert response.status in (400, 404) and b"outside the folder" not in body


def test_folders_show_their_page_never_a_listing(server):
    response, body = request(server, "/")
    assert response.status == 200 and b"<title>home</title>" in body
    response, body = request(server, "/talks/")
    assert response.status == 200 and b"<title>talks</title>" in body
    response, _ = request(server, "/talks")
    assert response.status in (301, 308) and response.getheader("Location").endswith("/talks/")
    for listing in ("/media/", "/media/talks/", "/empty/", "/media"):
        response, body = request(server, listing)
        assert response.status == 404, listing
        assert b"a.m4a" not in body and b"readme" not in body


def test_only_get_and_head(server):
    response, _ = request(server, "/index.html", "POST")
    assert response.status == 405


def test_feed_urls_lists_feeds_and_opml(folder):
    assert feed_urls(folder, "http://127.0.0.1:8000") == [
        "http://127.0.0.1:8000/articles.atom",
        "http://127.0.0.1:8000/articles.xml",
        "http://127.0.0.1:8000/feeds.opml",
        "http://127.0.0.1:8000/talks/podcast.xml",
    ]


class NoLoop:
    """Stands in for the server in `serve`: reports port 8123 and returns at once."""

    port = 8123

    def serve_forever(self):
        raise KeyboardInterrupt

    def server_close(self):
        pass


@pytest.fixture
def no_loop(monkeypatch):
    import publisher.deliver.serve as module

    monkeypatch.setattr(module, "make_server_for", lambda *args: NoLoop())


def test_serve_prints_feed_urls_and_warns_off_loopback(folder, no_loop):
    out = io.StringIO()
    serve(folder, host="127.0.0.1", port=8123, base_url_hint="https://feeds.example.org/", out=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8123/talks/podcast.xml" in text
    assert "warning" not in text
    assert "--base-url" in text
    out = io.StringIO()
    serve(folder, host="192.0.2.7", port=8123, out=out)
    assert "warning: serving" in out.getvalue()
    assert "http://192.0.2.7:8123/feeds.opml" in out.getvalue()


def test_serve_reads_the_built_base_url_from_the_opml(tmp_path, no_loop):
    (tmp_path / "talks").mkdir()
    (tmp_path / "talks" / "podcast.xml").write_bytes(b"<rss/>")
    (tmp_path / "feeds.opml").write_text(
        '<opml version="2.0"><body><outline type="rss" text="t"'
        ' xmlUrl="https://feeds.example.org/sub/talks/podcast.xml"/></body></opml>'
    )
    assert built_for(tmp_path) == "https://feeds.example.org/sub/"

    out = io.StringIO()
    serve(tmp_path, port=8123, out=out)
    assert "start with https://feeds.example.org/sub/" in out.getvalue()
    assert "--base-url http://127.0.0.1:8123/" in out.getvalue()
    (tmp_path / "feeds.opml").write_text('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>')
    assert built_for(tmp_path) is None  # entities refused, not expanded


def test_server_origin_brackets_ipv6():
    assert server_origin("::1", 80) == "http://[::1]:80"


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_large_file_is_streamed_in_flat_memory(server, folder):
    big = folder / "media" / "talks" / "big.mp4"
    size = 200 * 1024 * 1024
    with big.open("wb") as handle:  # sparse: costs no disk
        handle.truncate(size)
    try:
        baseline, peak, received = rss_bytes(), 0, 0
        connection = http.client.HTTPConnection(*server, timeout=30)
        connection.request("GET", "/media/talks/big.mp4")
        response = connection.getresponse()
        assert response.status == 200
        while chunk := response.read(1 << 16):
            received += len(chunk)
            if received % (8 << 20) < (1 << 16):
                peak = max(peak, rss_bytes())
        connection.close()
        assert received == size
        assert peak - baseline < 40 * 1024 * 1024  # the file is 200 MB
    finally:
        big.unlink()


def test_serve_reports_a_missing_folder_and_a_taken_port(tmp_path, server):
    with pytest.raises(ConfigurationError) as missing:
        serve(tmp_path / "missing", out=io.StringIO())
    assert describe(missing.value) == (
        f"{tmp_path / 'missing'} is not a folder"
        " — run `publisher build` first, or give the folder it wrote"
    )
    with pytest.raises(ConfigurationError, match="cannot listen on 127.0.0.1"):
        serve(tmp_path, host="127.0.0.1", port=server[1], out=io.StringIO())


def test_web_players_on_other_sites_may_read_and_preflight(server):
    response, _ = request(server, "/media/talks/a.vtt", Origin="https://player.example")
    assert response.getheader("Access-Control-Allow-Origin") == "*"
    assert "Content-Range" in response.getheader("Access-Control-Expose-Headers")
    response, body = request(
        server,
        "/media/talks/a.m4a",
        "OPTIONS",
        Origin="https://player.example",
        Access_Control_Request_Method="GET",
        Access_Control_Request_Headers="range",
    )
    assert response.status == 204 and body == b""
    assert response.getheader("Access-Control-Allow-Origin") == "*"
    assert response.getheader("Access-Control-Allow-Methods") == "GET, HEAD"
    assert "Range" in response.getheader("Access-Control-Allow-Headers")
    response, _ = request(server, "/missing.vtt", Origin="https://player.example")
    assert response.status == 404 and response.getheader("Access-Control-Allow-Origin") == "*"


def test_one_date_header(server):
    for path in ("/talks/podcast.xml", "/media/talks/a.m4a", "/missing"):
        response, _ = request(server, path)
        assert len(response.msg.get_all("Date")) == 1, path


def test_serve_lists_podcasts_apart_and_says_which_have_no_episodes(tmp_path, no_loop):
    item = "<item><title>One</title></item>"
    files = {
        "talks/podcast.xml": f"<rss><channel>{item}</channel></rss>",
        "talks/podcast-archive-1.xml": f"<rss><channel>{item}</channel></rss>",
        "talks/video.xml": f"<rss><channel>{item}</channel></rss>",
        "new/podcast.xml": "<rss><channel></channel></rss>",
        "articles.xml": "<rss><channel></channel></rss>",
        "articles.atom": '<feed xmlns="http://www.w3.org/2005/Atom"/>',
        "feeds.opml": '<opml version="2.0"><body/></opml>',
    }
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    out = io.StringIO()
    serve(tmp_path, port=8123, out=out)
    lines = out.getvalue().splitlines()
    start = lines.index("Podcasts to paste into a podcast app:")
    assert lines[start : start + 8] == [
        "Podcasts to paste into a podcast app:",
        "  http://127.0.0.1:8123/new/podcast.xml  (no episodes yet)",
        "  http://127.0.0.1:8123/talks/podcast.xml",
        "  http://127.0.0.1:8123/talks/video.xml",
        "Article feeds and the OPML list, for feed readers:",
        "  http://127.0.0.1:8123/articles.atom",
        "  http://127.0.0.1:8123/articles.xml",
        "  http://127.0.0.1:8123/feeds.opml",
    ]
