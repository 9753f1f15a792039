"""A loopback server for followed playlists: pages a test rewrites between builds (an RSS
feed of videos, an HTML page with several <video> tags) and media under /v/<key>/<name>.

Used by the follow tests and the follow benchmark (no pytest needed)."""

from __future__ import annotations

import email.utils
import html
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from helpers.loopback import LoopbackServer, QuietHandler
from helpers.media import CONTENT_TYPES


class PlaylistServer(LoopbackServer):
    def __init__(self, media: dict[str, Path]):
        self.media = media
        self.pages: dict[str, tuple[str, bytes]] = {}  # path -> (content type, body)
        self.status: dict[str, int] = {}  # path -> an error status to answer instead
        self.requests: list[str] = []
        self._lock = threading.Lock()
        super().__init__(_handler(self))

    def video_url(self, key: str, name: str = "talk.m4a") -> str:
        return self.url(f"/v/{key}/{name}")

    def set_rss(
        self, path: str, title: str, items: list[tuple[str, str, datetime | str | None]]
    ) -> str:
        """An RSS feed of videos: (title, video URL, date) per item, newest first; a date
        given as text is written as it is (a feed's own mistakes), None writes none."""
        body = "".join(
            f"<item><title>{html.escape(t)}</title><link>{html.escape(u)}</link>"
            f"<description>About {html.escape(t)}</description>{_pub_date(d)}</item>"
            for t, u, d in items
        )
        rss = (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>{html.escape(title)}</title><description>d</description>{body}"
            "</channel></rss>"
        )
        self.pages[path] = ("application/rss+xml", rss.encode())
        return self.url(path)

    def set_video_page(self, path: str, title: str, video_urls: list[str]) -> str:
        """An HTML page with one <video> per URL: yt-dlp lists it as a playlist."""
        tags = "".join(f'<video src="{html.escape(u)}"></video>' for u in video_urls)
        page = f"<!DOCTYPE html><html><head><title>{html.escape(title)}</title></head>"
        self.pages[path] = (
            "text/html; charset=utf-8",
            f"{page}<body>{tags}</body></html>".encode(),
        )
        return self.url(path)


def _pub_date(moment: datetime | str | None) -> str:
    if moment is None:
        return ""
    text = moment if isinstance(moment, str) else email.utils.format_datetime(moment)
    return f"<pubDate>{html.escape(text)}</pubDate>"


def _handler(server: PlaylistServer) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        protocol_version = "HTTP/1.1"

        def do_HEAD(self):
            self._answer(False)

        def do_GET(self):
            self._answer(True)

        def _answer(self, with_body: bool) -> None:
            path = self.path.split("?", 1)[0]
            with server._lock:
                server.requests.append(path)
            if path in server.status:
                return self._send(server.status[path], b"no", "text/plain", with_body)
            if path in server.pages:
                content_type, body = server.pages[path]
                return self._send(200, body, content_type, with_body)
            name = path.rsplit("/", 1)[-1]
            if path.startswith("/v/") and name in server.media:
                file = server.media[name]
                content_type = CONTENT_TYPES.get(file.suffix, "application/octet-stream")
                return self._send(200, file.read_bytes(), content_type, with_body)
            return self._send(404, b"not found", "text/plain", with_body)

        def _send(self, status, body, content_type, with_body) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if with_body:
                self.wfile.write(body)

    return Handler
