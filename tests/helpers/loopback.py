"""One way to run a test's HTTP server on 127.0.0.1: a thread, quiet about clients that
hang up early, stopped and closed on exit. The media, playlist and hostile sites build
on it, and so do the fixtures that record pings."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up early (timeouts, cancelled downloads) are expected


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that keeps the test output free of its access log."""

    def log_message(self, format, *args):
        pass


class LoopbackServer:
    """A server for `handler` on `host` (a free port unless given), run in a thread."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], host="127.0.0.1", port=0):
        self.httpd = QuietServer((host, port), handler)
        self.host, self.port = host, self.httpd.server_address[1]
        self.base = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str) -> str:
        return self.base + (path if path.startswith("/") else "/" + path)


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler], **attributes) -> Iterator[QuietServer]:
    """`handler` served on 127.0.0.1; `attributes` are set on the server it reads them from."""
    with LoopbackServer(handler) as server:
        for name, value in attributes.items():
            setattr(server.httpd, name, value)
        yield server.httpd
