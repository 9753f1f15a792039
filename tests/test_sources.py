"""Source checks: schemes, private addresses, local paths and redirects, hop by hop."""

from __future__ import annotations

import pytest

from publisher import sources
from publisher.errors import SourceError, SourceRefused
from publisher.sources import check_source
from publisher.tools.http import follow_redirects


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.org/talk.mp3",
        "javascript:alert(1)",
        "http://127.0.0.1/talk.mp4",
        "http://localhost/talk.mp4",
        "http://10.0.0.1/talk.mp4",
        "http://192.168.1.20/talk.mp4",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/talk.mp4",
        "http://[::ffff:127.0.0.1]/talk.mp4",
        "http://0.0.0.0/talk.mp4",
        "http://224.0.0.1/talk.mp4",
    ],
)
def test_refused_by_default(url, tmp_path):
    with pytest.raises(SourceRefused) as refused:
        check_source(url, tmp_path, allow_private=False)
    assert "\n" not in str(refused.value)


def test_private_addresses_allowed_on_request(tmp_path):
    url = "http://10.0.0.1/talk.mp4#t=1"
    assert check_source(url, tmp_path, allow_private=True) == "http://10.0.0.1/talk.mp4"


def test_schemes_other_than_http_stay_refused_when_private_is_allowed(tmp_path):
    with pytest.raises(SourceRefused, match="only http and https"):
        check_source("file:///etc/passwd", tmp_path, allow_private=True)


def test_public_ip_literal_passes_without_dns(tmp_path):
    assert check_source("https://93.184.216.34/a.mp4", tmp_path, False).startswith("https://")


def test_unresolvable_host_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match="cannot resolve"):
        check_source("https://no-such-host.invalid/a.mp4", tmp_path, allow_private=False)


def test_local_paths_are_relative_to_the_catalog(tmp_path):
    (tmp_path / "talks").mkdir()
    (tmp_path / "talks" / "a.mp3").write_bytes(b"x")
    assert check_source("talks/a.mp3", tmp_path, False) == str(tmp_path / "talks" / "a.mp3")
    with pytest.raises(SourceError, match="does not exist"):
        check_source("talks/missing.mp3", tmp_path, False)


def test_redirects_are_followed_hop_by_hop(media_server):
    resolved = follow_redirects(media_server.url("/redirect/talk.m4a"), True, timeout=5)
    assert resolved.url == media_server.url("/media/talk.m4a")
    assert resolved.is_media and resolved.content_type == "audio/mp4"


def test_redirect_to_a_metadata_address_is_refused_before_requesting_it(media_server, monkeypatch):
    # allow only the test server's loopback address; everything else keeps the real rules
    real = sources.address_refusal
    monkeypatch.setattr(
        sources, "address_refusal", lambda a: None if a.startswith("127.") else real(a)
    )
    with pytest.raises(SourceRefused, match="169.254.169.254"):
        follow_redirects(media_server.url("/redirect-private"), False, timeout=5)


def test_redirect_to_a_file_url_is_refused(media_server):
    with pytest.raises(SourceRefused, match="only http and https"):
        follow_redirects(media_server.url("/redirect-file"), True, timeout=5)


@pytest.mark.parametrize(("path", "words"), [("/404", "removed"), ("/429", "429")])
def test_http_errors_become_one_line_messages(media_server, path, words):
    with pytest.raises(SourceError, match=words) as error:
        follow_redirects(media_server.url(path), True, timeout=5)
    assert "\n" not in str(error.value)


def test_stalled_server_times_out(media_server):
    with pytest.raises(SourceError, match="timed out"):
        follow_redirects(media_server.url("/stall"), True, timeout=0.5)


def test_a_redirect_that_yt_dlp_follows_is_checked_before_the_hop(monkeypatch):
    """A public page redirecting to an internal host: the internal host is never asked.

    127.0.0.1 stands for the public internet and 127.0.0.2 for the internal range, so the
    test stays on loopback."""
    import http.server
    import threading

    from publisher import sources
    from publisher.tools.ytdlp import client as ytdlp
    from publisher.tools.ytdlp import network as ytdlp_network

    asked = []

    class Internal(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    internal = http.server.HTTPServer(("127.0.0.2", 0), Internal)

    class Public(Internal):
        def do_GET(self):
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.2:{internal.server_port}/secret")
            self.end_headers()

    public = http.server.HTTPServer(("127.0.0.1", 0), Public)
    for server in (internal, public):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(
        sources, "address_refusal", lambda ip: "a private address" if ip == "127.0.0.2" else None
    )
    ydl = ytdlp.CheckedYoutubeDL(ytdlp.ydl_params(None), allow_private=False)
    try:
        with pytest.raises(ytdlp_network.RedirectRefused, match="127.0.0.2"):
            ydl.urlopen(f"http://127.0.0.1:{public.server_port}/talk.mp4")
    finally:
        for server in (internal, public):
            server.shutdown()
            server.server_close()
    assert asked == []
