"""Loopback web sites that misbehave on purpose: each test gives its own routes.

A route is a function of the request handler that writes the whole answer itself, so
it can send too few bytes, reset the connection, stall mid-body or trickle a byte at a
time. Helpers below write the usual answers. Used by tests (tests/test_network.py).
"""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

from helpers.loopback import LoopbackServer, QuietHandler

Route = Callable[[BaseHTTPRequestHandler], None]


class LoopbackSite(LoopbackServer):
    """A threaded HTTP server on `host` (a 127.x address) answering `routes`; it records
    every path asked, so a test can prove a URL was never requested."""

    def __init__(self, routes: dict[str, Route], host: str = "127.0.0.1", port: int = 0):
        self.routes = dict(routes)
        self.asked: list[str] = []
        super().__init__(_handler_for(self), host, port)


def _handler_for(site: LoopbackSite) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            site.asked.append(self.path)
            route = site.routes.get(self.path.split("?", 1)[0])
            if route is None:
                send(self, b"not found", "text/plain", status=404)
            else:
                route(self)

    return Handler


# Answers ------------------------------------------------------------------------------


def send(handler, body: bytes, content_type: str, status: int = 200) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def answer(body: bytes, content_type: str) -> Route:
    return lambda handler: send(handler, body, content_type)


def truncated(body: bytes, content_type: str, sent: int) -> Route:
    """Announces all of `body`, sends `sent` bytes of it and closes the connection."""

    def route(handler):
        _head(handler, len(body), content_type)
        handler.wfile.write(body[:sent])
        handler.wfile.flush()
        handler.close_connection = True

    return route


def reset(body: bytes, content_type: str, sent: int) -> Route:
    """Sends `sent` bytes, then resets the connection (RST, not a clean close)."""

    def route(handler):
        _head(handler, len(body), content_type)
        handler.wfile.write(body[:sent])
        handler.wfile.flush()
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()
        handler.close_connection = True

    return route


def stalled(body: bytes, content_type: str, sent: int, seconds: float) -> Route:
    """Sends `sent` bytes, then nothing for `seconds`."""

    def route(handler):
        _head(handler, len(body), content_type)
        handler.wfile.write(body[:sent])
        handler.wfile.flush()
        time.sleep(seconds)
        handler.close_connection = True

    return route


def trickled(body: bytes, content_type: str, every: float) -> Route:
    """Sends one byte every `every` seconds: never idle long enough for a read timeout."""

    def route(handler):
        _head(handler, len(body), content_type)
        try:
            for index in range(len(body)):
                handler.wfile.write(body[index : index + 1])
                handler.wfile.flush()
                time.sleep(every)
        except OSError:
            pass  # the client gave up: what the tests want
        handler.close_connection = True

    return route


def chunked(body: bytes, content_type: str, then: int, sent: list[int] | None = None) -> Route:
    """`body`, then `then` bytes of noise, with no Content-Length (chunked transfer
    encoding): nothing says how large it is until it ends. `sent[0]` counts the bytes
    sent so far, until the client hangs up."""
    sent = sent if sent is not None else []

    def route(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        noise = bytes(range(256)) * 256
        sent[:] = [0]
        try:
            for part in (body, *[noise] * (then // len(noise))):
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                sent[0] += len(part)
            handler.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the client gave up: what the tests want
        handler.close_connection = True

    return route


def _head(handler, length: int, content_type: str) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(length))
    handler.end_headers()
