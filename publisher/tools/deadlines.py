"""Deadlines for every request the build makes, and the watchdog that keeps them.

Every request has an overall deadline besides the per-read timeout, so a server that
trickles a byte every few seconds cannot hold a run (and its lock) for hours: a watchdog
thread cuts the connections of a request past its deadline, or of a run that is
stopping (SIGTERM), and the blocked read fails at once. Media downloads take their
deadline from `site.limits.max_download_time` (`time_limit`); other requests get at
most `REQUEST_SECONDS` (`limited`). The connections themselves are made by
`publisher.tools.http`, which registers each request here (`watch`); this module needs
no HTTP library, so a build that fetches nothing loads none.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from publisher.errors import ADVICE_RETRY, Interrupted, PublisherError, SourceError
from publisher.sources import short_url

REQUEST_SECONDS = 120.0  # a whole request that is not a media download: page, API, captions
DEFAULT_LIMIT = (REQUEST_SECONDS, "the publisher's limit for a page or a small file")
SETTING = "site.limits.max_download_time"  # where a talk's limit is set, for messages
WATCH_INTERVAL = 0.2  # how often the watchdog looks; a stop is noticed within this


@dataclass
class Budget:
    """How long the requests of one transfer may take, and the event that ends it early."""

    deadline: float  # time.monotonic()
    seconds: float
    setting: str  # what to raise to allow longer, for the message
    stop: threading.Event | None
    tripped: str | None = None  # "deadline" or "stopped" once the watchdog cut it

    def over(self) -> str | None:
        if self.stop is not None and self.stop.is_set():
            return "stopped"
        return "deadline" if time.monotonic() >= self.deadline else None

    def error(self, url: str) -> PublisherError:
        if (self.tripped or self.over()) == "stopped":
            return Interrupted(f"{short_url(url)}: transfer abandoned, the run is stopping")
        slow = f"; raise {SETTING} if the site is just slow" if self.setting == SETTING else ""
        return SourceError(
            f"{short_url(url)} was still sending after {self.seconds:g} s, the limit for one"
            f" transfer ({self.setting})",
            advice=ADVICE_RETRY + slow,
        )


_local = threading.local()  # this thread's .stop, .request_limit, .budget; .last request's
_watched: weakref.WeakSet = weakref.WeakSet()
_watched_lock = threading.Lock()
_watchdog: threading.Thread | None = None


@contextmanager
def limited(stop: threading.Event, request_seconds: float, setting: str) -> Iterator[None]:
    """Requests this thread makes inside are cut as soon as `stop` is set, and each may
    take at most `request_seconds` (`setting` names where that limit comes from)."""
    previous = getattr(_local, "stop", None), getattr(_local, "request_limit", None)
    _local.stop, _local.request_limit = stop, (request_seconds, setting)
    try:
        yield
    finally:
        _local.stop, _local.request_limit = previous


@contextmanager
def time_limit(seconds: float, setting: str) -> Iterator[Budget]:
    """All requests this thread makes inside share one deadline, `seconds` from now."""
    previous = getattr(_local, "budget", None)
    budget = Budget(time.monotonic() + seconds, seconds, setting, getattr(_local, "stop", None))
    _local.budget = budget
    try:
        yield budget
    finally:
        _local.budget = previous


def budget_for_request() -> Budget:
    budget = getattr(_local, "budget", None)
    if budget is None:
        seconds, setting = getattr(_local, "request_limit", None) or DEFAULT_LIMIT
        stop = getattr(_local, "stop", None)
        budget = Budget(time.monotonic() + seconds, seconds, setting, stop)
    _local.last = budget
    return budget


def tripped(url: str) -> PublisherError | None:
    """The error to report when this thread's latest request was cut by the watchdog."""
    budget = getattr(_local, "last", None)
    return budget.error(url) if budget is not None and budget.tripped else None


def forget_trips() -> None:
    """Start an operation afresh: a cut of an earlier request is not its cause."""
    _local.last = None


def refuse_if_over(url: str) -> None:
    """No new connection for a transfer past its deadline or a run that is stopping."""
    budget = getattr(_local, "budget", None)
    stop = getattr(_local, "stop", None)
    if budget is not None and budget.over():
        budget.tripped = budget.over()
        _local.last = budget
        raise budget.error(url)
    if stop is not None and stop.is_set():
        raise Interrupted(f"{short_url(url)}: not requested, the run is stopping")


def watch(connection, budget: Budget) -> None:
    """Cut `connection` (a urllib3 connection) once `budget` is over. A connection back
    in its pool keeps its last request's budget, and is cut (closed) when that is over;
    a request that takes it over first gives it its own."""
    global _watchdog
    with _watched_lock:
        connection._publisher_budget = budget
        _watched.add(connection)
        if _watchdog is None:
            _watchdog = threading.Thread(target=_watch_forever, name="http-watchdog", daemon=True)
            _watchdog.start()


def _watch_forever() -> None:
    while True:
        time.sleep(WATCH_INTERVAL)
        # under the lock: a request taking the connection over cannot get the cut meant
        # for the budget it replaces (a shutdown does not block)
        with _watched_lock:
            for connection in list(_watched):
                budget = getattr(connection, "_publisher_budget", None)
                reason = budget.over() if budget is not None else None
                if reason:
                    budget.tripped = reason
                    connection._publisher_budget = None
                    _cut(connection)


def _cut(connection) -> None:
    """Wake a read blocked on this connection: it fails at once. The plain socket's
    shutdown, also under TLS (the SSL object stays for the reader to fail on); for an
    answer read to its connection's end, the socket the connection has handed to it (a
    socket closed since has no descriptor left: its shutdown fails, harmlessly)."""
    sock = connection.sock or getattr(connection, "answer_sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
