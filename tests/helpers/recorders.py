"""The loopback ping recorders: a WebSub hub and a podcast directory on 127.0.0.1 that
keep what they are told, as fixtures (`hub`, `directory`) and the URLs to configure."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from helpers.loopback import QuietHandler, serving


class RecordingHub(QuietHandler):
    """Answers 204 (or the server's `status`), keeping each POST's form fields."""

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        body = self.rfile.read(length).decode()
        self.server.pings.append((self.path, self.headers["Content-Type"], parse_qs(body)))
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()


class RecordingDirectory(QuietHandler):
    """Answers 200 (or the server's `status`), keeping each GET's query."""

    def do_GET(self):
        self.server.pings.append(parse_qs(urlsplit(self.path).query))
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def hub():
    with serving(RecordingHub, pings=[], status=204) as server:
        yield server


@pytest.fixture
def directory():
    with serving(RecordingDirectory, pings=[], status=200) as server:
        yield server


def hub_url(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/hub"


def template_of(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/pubnotify?url={{url}}&source=test"
