"""`publisher serve`: the published folder over HTTP, for trying feeds in a podcast app.

Podcast apps are picky about what static hosting does for them: the right Content-Type,
HEAD, byte ranges (players seek with them; Apple refuses enclosures without them), and
ETag/Last-Modified so a refresh costs a 304. Werkzeug's `send_file` does all of that,
streaming the file through `wsgi.file_wrapper` instead of reading it into memory; this
module adds the folder rules (no listing, index.html for folders, nothing outside it)
and the headers S3 sends too: the table's Content-Type and CORS for web players.

The server is waitress, because `--host 0.0.0.0` puts it on the network: one thread
reads every connection, and a request gets one of `MAX_HANDLERS` threads only once its
whole head (and body) has arrived, so idle or trickling connections (a port scanner, a
phone gone to sleep, slowloris) hold no thread. On top of waitress's own limits, a
connection silent for `READ_TIMEOUT` or whose request takes longer than `HEAD_DEADLINE`
to arrive is closed, and beyond `MAX_CONNECTIONS` the oldest idle one makes room.
"""

from __future__ import annotations

import re
import socket
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

from lxml import etree
from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer
from werkzeug.exceptions import (
    HTTPException,
    MethodNotAllowed,
    NotFound,
    RequestedRangeNotSatisfiable,
)
from werkzeug.http import parse_range_header
from werkzeug.routing import RequestRedirect
from werkzeug.security import safe_join
from werkzeug.utils import send_file
from werkzeug.wrappers import Request, Response

from publisher.errors import ADVICE_BUILD_FIRST, ConfigurationError
from publisher.output import contenttypes, inventory, urls
from publisher.output.contenttypes import content_type
from publisher.output.deliverable import deliverable_paths, signature
from publisher.output.xmlsafe import feed_item_count, parse_xml

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
ALLOWED_METHODS = ["GET", "HEAD", "OPTIONS"]

READ_TIMEOUT = 10.0  # seconds a client may stay silent: before, between or within requests
HEAD_DEADLINE = 30.0  # seconds for a whole request to arrive, however it trickles in
MAX_HANDLERS = 32  # requests answered at once; more wait (costing no thread) for a turn
MAX_CONNECTIONS = 1024  # open at once; beyond, the oldest idle connection makes room
MAX_HEAD = 64 * 1024  # bytes of a request head (and of a body: GET and HEAD need none)
LOOK_EVERY = 0.25  # seconds between looks for silent and slow connections


class FolderApp:
    """A WSGI app serving the files under `folder`, and nothing else."""

    def __init__(self, folder: Path):
        self.folder = folder.resolve()
        self._deliverable: tuple[tuple, set[str]] = ((), set())
        self._deliverable_lock = threading.Lock()

    def deliverable(self) -> set[str]:
        """What `publish` would upload (publisher.output.deliverable), worked out again
        only when a feed or page changed."""
        with self._deliverable_lock:
            current = signature(self.folder)
            if current != self._deliverable[0] or not current:
                self._deliverable = (current, deliverable_paths(self.folder))
            return self._deliverable[1]

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        request = Request(environ)
        try:
            response = self.respond(request)
        except HTTPException as error:
            # Includes 416 from send_file, whose headers carry "Content-Range: bytes */size".
            response = error.get_response(environ)
        allow_cross_origin(response)
        # The server dates every response itself, errors included; send_file's too.
        del response.headers["Date"]
        return response(environ, start_response)

    def respond(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return preflight()
        if request.method not in ("GET", "HEAD"):
            raise MethodNotAllowed(valid_methods=ALLOWED_METHODS)
        path = self.file_for(request.path)
        follow_rfc_on_ranges(request.environ, path.stat().st_size)
        response = send_file(
            path,
            request.environ,
            mimetype=content_type(path.name),
            conditional=True,  # ETag, Last-Modified, 304 and Range
            etag=True,
            max_age=None,  # "no-cache": an app sees a rebuilt feed at once, via ETag
        )
        # Exactly the table's type, as S3 serves it: werkzeug would append a charset.
        response.headers["Content-Type"] = content_type(path.name)
        return response

    def file_for(self, url_path: str) -> Path:
        """The file a URL path names; 404 for anything else, including escapes."""
        relative = url_path.removeprefix("/")
        if relative.startswith("/") or "\\" in relative or "\0" in relative:
            raise NotFound()  # "//etc/passwd" is an absolute path in disguise
        if any(part.startswith(".") for part in relative.split("/")):
            raise NotFound()  # "..", "." and dotfiles such as the writer's temp files
        if relative == "" or relative.endswith("/"):
            relative += urls.INDEX_PAGE  # a folder shows its page, never a listing
        elif (self.folder / relative / urls.INDEX_PAGE).is_file() and (
            f"{relative}/{urls.INDEX_PAGE}" in self.deliverable()
        ):
            # "/series" → "/series/", so the page's relative links resolve inside it
            raise RequestRedirect("/" + quote(relative) + "/")
        joined = safe_join(str(self.folder), relative)
        if joined is None:
            raise NotFound()
        path = Path(joined).resolve()
        # safe_join checks the text; resolve() catches a symlink pointing out of the folder.
        if not path.is_relative_to(self.folder) or not path.is_file():
            raise NotFound()
        if relative not in self.deliverable():
            raise NotFound()  # lying in the folder, named by no feed or page: not ours to give
        return path


def allow_cross_origin(response: Response) -> None:
    """Let a web player on any site read what it fetched, as the bucket's CORS rule does."""
    response.headers["Access-Control-Allow-Origin"] = contenttypes.CORS_ORIGINS[0]
    response.headers["Access-Control-Expose-Headers"] = ", ".join(contenttypes.CORS_EXPOSED_HEADERS)


def preflight() -> Response:
    """The answer to a browser's CORS preflight (OPTIONS): which requests may follow."""
    response = Response(status=204)
    del response.headers["Content-Type"]  # no body, so no type
    response.headers["Allow"] = ", ".join(ALLOWED_METHODS)
    response.headers["Access-Control-Allow-Methods"] = ", ".join(contenttypes.CORS_METHODS)
    response.headers["Access-Control-Allow-Headers"] = ", ".join(contenttypes.CORS_REQUEST_HEADERS)
    response.headers["Access-Control-Max-Age"] = str(contenttypes.CORS_MAX_AGE)
    return response


_ZERO_SUFFIX = re.compile(r"\s*bytes\s*=\s*-0+\s*", re.IGNORECASE)


def follow_rfc_on_ranges(environ: dict, size: int) -> None:
    """Adjust the Range header where werkzeug answers 416 but RFC 9110 says otherwise.

    A Range we cannot use (malformed, another unit, several ranges) is ignored and the
    whole file sent; a suffix longer than the file means the whole file.
    """
    header = environ.get("HTTP_RANGE")
    if header is None:
        return
    if _ZERO_SUFFIX.fullmatch(header):
        raise RequestedRangeNotSatisfiable(size)  # "the last 0 bytes": werkzeug reads 0-
    parsed = parse_range_header(header)
    if parsed is None or parsed.units != "bytes" or len(parsed.ranges) != 1:
        del environ["HTTP_RANGE"]
        return
    start, end = parsed.ranges[0]
    if end is None and start < 0 and -start >= size:
        environ["HTTP_RANGE"] = "bytes=0-"


def feed_urls(folder: Path, origin: str) -> list[str]:
    """The URL of every feed and OPML file under `folder`, as served from `origin`."""
    origin = origin.rstrip("/") + "/"
    return [urls.public_url(origin, feed.path) for feed in published_feeds(folder)]


def published_feeds(folder: Path) -> list[inventory.Feed]:
    """The inventory's feeds under `folder` that are subscribed to (no archive pages)."""
    found = []
    for path in sorted(folder.rglob("*")):
        feed = inventory.recognise(path.relative_to(folder).as_posix())
        if feed is not None and not feed.archive and path.is_file():
            found.append(feed)
    return found


def item_count(path: Path) -> int | None:
    """How many items (RSS) or entries (Atom) a feed holds; None if it cannot be read."""
    try:
        return feed_item_count(path.read_bytes())
    except OSError:
        return None


def listing(folder: Path, origin: str) -> list[str]:
    """The lines `serve` prints: podcasts to paste into a podcast app, then the rest.

    A podcast with no episode yet is marked: Apple and the directories refuse it, and an
    app shows it empty.
    """
    origin = origin.rstrip("/") + "/"
    podcasts, others = [], []
    for feed in published_feeds(folder):
        line = f"  {urls.public_url(origin, feed.path)}"
        if feed.is_podcast:
            if item_count(folder / feed.path) == 0:
                line += "  (no episodes yet)"
            podcasts.append(line)
        else:
            others.append(line)
    lines = ["Podcasts to paste into a podcast app:", *podcasts] if podcasts else []
    if others:
        lines += ["Article feeds and the OPML list, for feed readers:", *others]
    return lines


def built_for(folder: Path) -> str | None:
    """The base URL the published feeds were built with, read back from the OPML."""
    try:
        tree = parse_xml((folder / urls.OPML).read_bytes())
    except (OSError, etree.XMLSyntaxError):
        return None
    for outline in tree.iter("outline"):
        url = outline.get("xmlUrl") or ""
        for feed in published_feeds(folder):
            if url.endswith("/" + feed.path):
                return url.removesuffix(feed.path)
    return None


class TimedRequest(HTTPRequestParser):
    """A request as waitress reads it, with the moment its first byte came."""

    def __init__(self, adj):
        super().__init__(adj)
        self.started = time.monotonic()


class TimedChannel(HTTPChannel):
    parser_class = TimedRequest  # for FolderServer.maintenance's HEAD_DEADLINE


class FolderServer(TcpWSGIServer):
    """waitress's server, closing connections that stay silent or trickle (see above)."""

    channel_class = TimedChannel

    def __init__(self, app, listener: socket.socket, adj: Adjustments):
        info = (listener.family, listener.type, listener.proto, listener.getsockname())
        super().__init__(app, _sock=listener, adj=adj, bind_socket=False, sockinfo=info)
        self.port = int(self.effective_port)
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()  # not serving yet

    def handle_accept(self) -> None:
        """Accept every connection waiting, not one per turn of the loop: a thousand
        arriving at once are all in before the next request is read."""
        while self._room_for_one():
            try:
                connection, address = self.socket.accept()
                self.set_socket_options(connection)
            except OSError:  # none waiting any more, or the client already hung up
                return
            self.channel_class(self, connection, address, self.adj, map=self._map)

    def readable(self) -> bool:
        """Whether to accept: below MAX_CONNECTIONS, or when an idle one can make room."""
        now = time.time()
        if now >= self.next_channel_cleanup:
            self.next_channel_cleanup = now + LOOK_EVERY
            self.maintenance(now)
        return self.accepting and (len(self._map) < self.adj.connection_limit or self._idle())

    def _room_for_one(self) -> bool:
        """Make room for one more connection: at the limit, the idle one silent longest
        is closed (a busy one, being answered, never is)."""
        idle = [] if len(self._map) < self.adj.connection_limit else self._idle()
        if idle:
            min(idle, key=lambda channel: channel.last_activity).handle_close()
        return len(self._map) < self.adj.connection_limit

    def _idle(self) -> list[HTTPChannel]:
        return [channel for channel in self.active_channels.values() if not channel.requests]

    def maintenance(self, now: float) -> None:
        """Close connections silent for READ_TIMEOUT, or whose request is still arriving
        after HEAD_DEADLINE; one being answered keeps its connection."""
        silent_since = now - READ_TIMEOUT
        started_before = time.monotonic() - HEAD_DEADLINE
        for channel in self.active_channels.values():
            if channel.requests:
                continue  # a handler has it; sending has waitress's own limits
            request = channel.request
            slow = request is not None and request.started < started_before
            if slow or channel.last_activity < silent_since:
                channel.will_close = True

    def serve_forever(self) -> None:
        """Serve until `shutdown` (from another thread) or Ctrl-C."""
        self._stopped.clear()
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=LOOK_EVERY, use_poll=True, map=self._map, count=1)
        finally:
            self._stopping.set()
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop `serve_forever` (running in another thread) and wait until it has."""
        self._stopping.set()
        self.pull_trigger()
        self._stopped.wait(timeout=5)

    def server_close(self) -> None:
        """Close every connection and the listener, and stop the handlers."""
        self._stopping.set()
        self.task_dispatcher.shutdown(timeout=1)
        wasyncore.close_all(self._map, ignore_all=True)


def make_server_for(folder: Path, host: str, port: int) -> FolderServer:
    """A server for `folder` on (host, port); port 0 picks a free one (see `server.port`).
    Bound here, not by waitress: a taken port is an OSError the caller words itself."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.create_server((host, port), family=family)
    adj = Adjustments(
        threads=MAX_HANDLERS,
        connection_limit=MAX_CONNECTIONS + 2,  # the listener and waitress's trigger
        max_request_header_size=MAX_HEAD,
        max_request_body_size=MAX_HEAD,
        ident="publisher",
    )
    try:
        return FolderServer(FolderApp(folder), listener, adj)
    except BaseException:
        listener.close()
        raise


def serve(
    folder: Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    base_url_hint: str | None = None,
    out: TextIO | None = None,
) -> None:
    """Serve `folder` until interrupted, after printing the feed URLs to paste into an app.

    Binding anywhere but loopback is warned about: the folder becomes visible to the
    network. `base_url_hint` is the base URL the feeds were built with; when it is not
    this server, enclosures in the feeds point elsewhere, and the message says how to
    build for this server (`publisher build --base-url URL`).
    """
    out = out or sys.stdout
    base_url_hint = base_url_hint or built_for(folder)
    if not folder.is_dir():
        raise ConfigurationError(f"{folder} is not a folder", ADVICE_BUILD_FIRST)
    try:
        server = make_server_for(folder, host, port)
    except OSError as error:  # port taken, address not on this machine
        raise ConfigurationError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    origin = server_origin(host, server.port)
    if host not in LOOPBACK_HOSTS:
        print(f"warning: serving {folder} to the network on {host}:{server.port}", file=out)
    print(f"Serving {folder} at {origin}/ (Ctrl-C to stop)", file=out)
    for line in listing(folder, origin):
        print(line, file=out)
    if base_url_hint and not base_url_hint.startswith(origin + "/"):
        # The feeds' enclosures point at base_url_hint, not here: say how to change that.
        print(
            f"note: the feeds' media URLs start with {base_url_hint}, not this server;"
            f" to try them in an app, build with --base-url {origin}/",
            file=out,
        )
    out.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def server_origin(host: str, port: int) -> str:
    if host in ("0.0.0.0", "::", ""):
        host = _outward_address() or "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _outward_address() -> str | None:
    """This machine's address on the LAN, for printing URLs a phone can open."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # TEST-NET: no packet is sent for a UDP connect
        return probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
