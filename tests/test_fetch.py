"""How sites and videos refuse us, end to end with the real `publisher build` and yt-dlp.

A yt-dlp extractor plugin (tests/data/ytdlp_plugins) stands in for YouTube on 127.0.0.x
and refuses with YouTube's own playability texts through yt-dlp's own calls, so each
failure class arrives as yt-dlp really raises it. Also: pacing, the download budget and
the cookies file, which yt-dlp must never rewrite.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers.catalogs import run_publisher, talk_entry
from helpers.loopback import QuietHandler, QuietServer
from lxml import etree

PRIVATE = "--allow-private-sources"
PLUGINS = str(Path(__file__).parent / "data" / "ytdlp_plugins")
LOGIN = "Sign in if you've been granted access to this video"
N_CHALLENGE = (
    "n challenge solving failed: Some formats may be missing. Ensure you have a supported"
    " JavaScript runtime and challenge solver script distribution installed. Review any"
    " warnings presented before this message. For more details, refer to "
    " https://github.com/yt-dlp/yt-dlp/wiki/EJS"
)


def refused(reason: str, subreason: str | None = None, **extra) -> dict:
    status = {"status": "UNPLAYABLE", "reason": reason, **extra}
    if subreason:
        status["subreason"] = subreason
    return {"playabilityStatus": status}


# YouTube's playabilityStatus texts, as yt-dlp's issue reports show them.
UNAVAILABLE = {
    "private": refused("Private video", LOGIN),
    "removed": refused("Video unavailable", "This video has been removed by the uploader"),
    "members-only": refused(
        "Join this channel to get access to members-only content like this video, and other"
        " exclusive perks."
    ),
    "age-restricted": refused(
        "Sign in to confirm your age", "This video may be inappropriate for some users."
    ),
    "region-restricted": refused(
        "Video unavailable",
        "The uploader has not made this video available in your country",
        countries=["DE"],
    ),
}
BOT_CHECK = refused(
    "Sign in to confirm you\u2019re not a bot", "This helps protect our community. Learn more"
)


class TubeServer:
    """/watch/<id> (a page), /player/<id> (the JSON the plugin reads), /media/talk.m4a."""

    def __init__(self, media: Path, host: str = "127.0.0.1"):
        self.media = media
        self.players: dict[str, dict | int] = {}  # id -> player JSON, or an HTTP status
        self.requests: list[tuple[float, str, str]] = []  # (time, path, Cookie header)
        self.httpd = QuietServer((host, 0), _handler(self))
        self.httpd.daemon_threads = True
        self.base = f"http://{host}:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def watch(self, video_id: str) -> str:
        return f"{self.base}/watch/{video_id}"

    def playable(self, video_id: str, **extra) -> dict:
        fmt = {"format_id": "140", "url": f"{self.base}/media/talk.m4a", "ext": "m4a",
               "acodec": "mp4a.40.2", "vcodec": "none"}  # fmt: skip
        return {"title": f"Video {video_id}", "duration": 3, "formats": [fmt], **extra}

    def asked(self, path_start: str) -> list[str]:
        return [path for _, path, _ in self.requests if path.startswith(path_start)]


def _handler(server: TubeServer):
    class Handler(QuietHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            server.requests.append((time.monotonic(), self.path, self.headers.get("Cookie", "")))
            kind, _, video_id = self.path.strip("/").partition("/")
            if kind == "media":
                return self.send(200, server.media.read_bytes(), "audio/mp4")
            player = server.players.get(video_id)
            if player is None:
                return self.send(404, b"{}", "text/plain")
            if kind == "watch":
                return self.send(200, b"<html><title>watch</title></html>", "text/html")
            if isinstance(player, int):
                return self.send(player, b"slow down", "text/plain")
            return self.send(200, json.dumps(player).encode(), "application/json")

        def send(self, status, body, content_type):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@pytest.fixture
def tube(media_files):
    server = TubeServer(media_files["talk.m4a"])
    yield server
    server.close()


def build(catalog: Path, *args: str):
    path = os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), PLUGINS]))
    return run_publisher("build", PRIVATE, "--jobs", "1", *args, cwd=catalog.parent,
                         env={"PYTHONPATH": path})  # fmt: skip


def status_rows(catalog: Path) -> dict[str, dict]:
    done = run_publisher("status", "--json", cwd=catalog.parent)
    return {row["id"]: row for row in json.loads(done.stdout)}


def errors_table(catalog: Path) -> list[tuple]:
    db = sqlite3.connect(catalog.parent / ".publisher" / "state.db")
    try:
        return db.execute("SELECT * FROM errors ORDER BY entry_id").fetchall()
    finally:
        db.close()


def entries_for(tube: TubeServer, ids, day: int = 1) -> list[dict]:
    return [
        talk_entry(video_id, tube.watch(video_id), published=f"2017-07-{day + n:02d}")
        for n, video_id in enumerate(ids)
    ]


def feed_titles(catalog: Path) -> list[str]:
    feed = catalog.parent / "feeds" / "talks" / "podcast.xml"
    return [item.findtext("title") for item in etree.parse(str(feed)).iterfind("channel/item")]


def test_private_removed_and_restricted_videos_are_asked_again_once_a_day(write_catalog, tube):
    tube.players.update(UNAVAILABLE)
    tube.players["fine"] = tube.playable("fine")
    catalog = write_catalog(entries=entries_for(tube, [*UNAVAILABLE, "fine"]))
    first = build(catalog)
    assert first.exit_code == 3
    assert "unavailable (" in first.stdout and "asked again once a day" in first.stdout
    rows = status_rows(catalog)
    assert rows["fine"]["state"] == "published"
    for reason in UNAVAILABLE:
        assert rows[reason]["state"] == "failed"
        assert rows[reason]["error"] == (
            f"the video at {tube.watch(reason)} is {reason} — give the entry another source"
            " or remove it; it is asked again once a day"
        )
        assert rows[reason]["reason"].startswith("asked again after ")
    recorded = errors_table(catalog)

    tube.requests.clear()
    second = build(catalog)
    assert second.exit_code == 3  # still not published, but not a new failure:
    assert tube.requests == []  # not asked at all,
    assert errors_table(catalog) == recorded  # and nothing new recorded

    # A day later they are asked again.
    db = sqlite3.connect(catalog.parent / ".publisher" / "state.db")
    yesterday = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    db.execute("UPDATE errors SET retry_after = ?", (yesterday,))
    db.commit()
    db.close()
    build(catalog)
    # (yt-dlp asks a region-restricted video twice: once more with a foreign address)
    assert set(tube.asked("/player/")) == {f"/player/{r}" for r in UNAVAILABLE}


def test_a_bot_check_stops_asking_that_site_for_the_run(write_catalog, tube):
    tube.players["newest"] = BOT_CHECK
    tube.players["older"] = tube.playable("older")
    catalog = write_catalog(entries=entries_for(tube, ["older", "newest"]))
    done = build(catalog)
    assert done.exit_code == 3
    assert tube.asked("/player/") == ["/player/newest"]  # "older" was not asked after it
    error = status_rows(catalog)["newest"]["error"]
    assert error.startswith("127.0.0.1 asks to sign in to confirm this is not a bot")
    assert "site.fetch.cookies" in error and "the next run retries" in error
    assert "127.0.0.1 asks to sign in (bot check): set site.fetch.cookies" in done.stdout

    tube.players["newest"] = tube.playable("newest")
    assert build(catalog).exit_code == 0  # the next run asks again


def test_http_429_holds_the_site_until_its_backoff_ends(write_catalog, tube):
    tube.players["limited"] = 429
    catalog = write_catalog(entries=entries_for(tube, ["limited"]))
    first = build(catalog)
    assert first.exit_code == 3
    assert "127.0.0.1 not asked before" in first.stdout
    error = status_rows(catalog)["limited"]["error"]
    assert error.startswith("127.0.0.1 is limiting requests (HTTP 429)")
    held = run_publisher("status", cwd=catalog.parent).stdout
    assert "127.0.0.1: not asked before" in held

    tube.requests.clear()
    tube.players["limited"] = tube.playable("limited")
    second = build(catalog)
    assert second.exit_code == 3 and tube.requests == []  # no retry before the hold ends

    db = sqlite3.connect(catalog.parent / ".publisher" / "state.db")
    (strikes,) = db.execute("SELECT strikes FROM site_holds").fetchone()
    db.execute("UPDATE site_holds SET until = ?", (datetime.now(UTC).isoformat(),))
    db.commit()
    assert strikes == 1
    assert build(catalog).exit_code == 0  # the hold ended: asked, published, released
    assert db.execute("SELECT count(*) FROM site_holds").fetchone() == (0,)
    db.close()


@pytest.mark.parametrize(
    "degraded, what",
    [
        ({"warnings": [N_CHALLENGE]}, "a degraded format list (n challenge solving failed)"),
        (
            {
                "formats": [
                    {
                        "format_id": "sb0",
                        "url": "http://127.0.0.1:1/sb.mhtml",
                        "ext": "mhtml",
                        "protocol": "mhtml",
                        "acodec": "none",
                        "vcodec": "none",
                    }
                ]
            },  # fmt: skip
            "only images (no audio or video format)",
        ),
    ],
)
def test_a_degraded_read_is_never_published_and_keeps_the_last_episode(
    write_catalog, tube, degraded, what
):
    tube.players["talk"] = tube.playable("talk")
    catalog = write_catalog(entries=entries_for(tube, ["talk"]))
    assert build(catalog).exit_code == 0
    before = (catalog.parent / "feeds" / "talks" / "podcast.xml").read_bytes()

    tube.players["talk"] = tube.playable("talk", **degraded)
    again = build(catalog, "--refresh")
    assert again.exit_code == 3
    error = status_rows(catalog)["talk"]["error"]
    assert error == (
        f"yt-dlp got {what} for {tube.watch('talk')} — run publisher doctor; nothing is"
        " published from it and its last episode stays"
    )
    assert "degraded (talk): only images or a degraded format; run publisher doctor" in again.stdout
    assert (catalog.parent / "feeds" / "talks" / "podcast.xml").read_bytes() == before


def test_requests_to_one_site_are_paced_by_fetch_sleep(write_catalog, tube):
    for video_id in ("one", "two"):
        tube.players[video_id] = tube.playable(video_id)
    catalog = write_catalog(entries=entries_for(tube, ["one", "two"]), site={"fetch": {"sleep": 1}})
    assert build(catalog).exit_code == 0
    asked = [t for t, path, _ in tube.requests if not path.startswith("/media/")]
    assert len(asked) == 4, tube.requests  # a page and a player response per talk
    gaps = [later - earlier for earlier, later in zip(asked, asked[1:], strict=False)]
    assert min(gaps) >= 0.95, tube.requests


def test_max_downloads_takes_the_newest_talks_first(write_catalog, tube):
    ids = ["oldest", "middle", "newest"]
    for video_id in ids:
        tube.players[video_id] = tube.playable(video_id)
    catalog = write_catalog(entries=entries_for(tube, ids), site={"fetch": {"max_downloads": 2}})
    first = build(catalog)
    assert first.exit_code == 3
    assert "1 talks wait for the next run (site.fetch.max_downloads)" in first.stdout
    assert sorted(feed_titles(catalog)) == ["Talk middle", "Talk newest"]
    assert build(catalog).exit_code == 0
    assert len(feed_titles(catalog)) == 3


def test_the_cookies_file_is_sent_and_never_rewritten(write_catalog, tube):
    tube.players["talk"] = tube.playable("talk")
    catalog = write_catalog(
        entries=entries_for(tube, ["talk"]), site={"fetch": {"cookies": "cookies.txt"}}
    )
    cookies = catalog.parent / "cookies.txt"
    cookies.write_text(
        "# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\tSID\tsecret-value\n"
    )
    cookies.chmod(0o600)
    before = (cookies.read_bytes(), cookies.stat().st_mtime_ns)
    done = build(catalog)
    assert done.exit_code == 0, done.stderr
    assert any("SID=secret-value" in cookie for _, path, cookie in tube.requests
               if path.startswith("/player/"))  # fmt: skip
    assert (cookies.read_bytes(), cookies.stat().st_mtime_ns) == before
    published = [p for p in (catalog.parent / "feeds").rglob("*") if p.is_file()]
    assert not any(b"secret-value" in p.read_bytes() for p in published)
    assert "secret-value" not in done.stdout + done.stderr


def test_add_sends_the_cookies_file_as_builds_do(write_catalog, tube):
    """A site that lets builds in with the editors' cookies lets `add` in too."""
    tube.players["talk"] = tube.playable("talk")
    first = talk_entry("first", "https://example.org/first.m4a")
    catalog = write_catalog(entries=[first], site={"fetch": {"cookies": "cookies.txt"}})
    cookies = catalog.parent / "cookies.txt"
    cookies.write_text(
        "# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\tSID\tsecret-value\n"
    )
    cookies.chmod(0o600)
    path = os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), PLUGINS]))
    added = run_publisher("add", tube.watch("talk"), "--series", "talks", PRIVATE,
                          cwd=catalog.parent, env={"PYTHONPATH": path})  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert "id: video-talk" in catalog.read_text()
    assert any("SID=secret-value" in cookie for _, path, cookie in tube.requests
               if path.startswith("/player/"))  # fmt: skip
    assert "secret-value" not in added.stdout + added.stderr + catalog.read_text()


def test_validate_checks_the_cookies_file(write_catalog):
    catalog = write_catalog(site={"fetch": {"cookies": "cookies.txt"}})
    missing = run_publisher("validate", cwd=catalog.parent)
    assert missing.exit_code == 1
    assert "site.fetch.cookies: there is no file 'cookies.txt'" in missing.stderr
    cookies = catalog.parent / "cookies.txt"
    cookies.write_text('[{"name": "SID", "value": "secret-json"}]')
    wrong = run_publisher("validate", cwd=catalog.parent)
    assert "'cookies.txt' line 1 is not a Netscape cookie line" in wrong.stderr
    assert "secret-json" not in wrong.stderr
    cookies.write_text(".example.org\tTRUE\t/\tTRUE\t0\tSID\tsecret\n")
    cookies.chmod(0o644)
    readable = run_publisher("validate", cwd=catalog.parent)
    assert readable.exit_code == 0
    assert "warning: " in readable.stderr and "can be read by other users" in readable.stderr
    cookies.chmod(0o600)
    assert "warning" not in run_publisher("validate", cwd=catalog.parent).stderr
