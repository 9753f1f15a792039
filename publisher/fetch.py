"""How a run asks sites for sources: pacing, holds after a refusal, retry rules.

One `FetchPolicy` per build. Requests to one site are spaced by `site.fetch.sleep`
(a few seconds for YouTube by default). A failure's class decides what happens next:

- the site asks to sign in (bot check): that site is asked nothing more this run;
- HTTP 429: that site is held, remembered in the state, for 15 min, then 30, 60… up to
  a day while it keeps answering 429; no request to it before the hold ends;
- the video is private, removed, members-only, age- or region-restricted: the entry is
  asked again once a day, not every run;
- only images or a degraded format: not published; the last episode stays;
- any failure of an entry, again and again: the first is retried by the next run, a
  second in a row waits an hour, then 2, 4… up to a day, so a talk that cannot be made
  does not cost its full price (a download, a loudness pass) on every run. An edit of
  the entry (or its series) or `build --refresh` tries it at once.

`max_downloads` caps the talks that need new media in one run, newest first: a followed
channel of 2,000 videos fills in over several runs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from publisher.errors import (
    PublisherError,
    RateLimited,
    SiteHeld,
    SiteRefused,
    VideoUnavailable,
)
from publisher.model import Catalog, Entry, Item, Series, SiteHold

if TYPE_CHECKING:
    from publisher.state import State

YOUTUBE_SLEEP = 3.0  # seconds between requests to YouTube when site.fetch.sleep is not set
BACKOFF_FIRST = timedelta(minutes=15)
BACKOFF_MOST = timedelta(days=1)
UNAVAILABLE_RETRY = timedelta(days=1)
FAILING_FIRST = timedelta(hours=1)  # the pause after a second failure in a row
LONGEST_PAUSE = max(BACKOFF_MOST, UNAVAILABLE_RETRY)
BACKING_OFF = "backing-off"
# Hosts that are one site for pacing and holds.
SITE_ALIASES = {
    "youtu.be": "youtube.com",
    "youtube-nocookie.com": "youtube.com",
    "music.youtube.com": "youtube.com",
}


def site_of(url: str) -> str:
    """The site a URL belongs to, as pacing and holds count it."""
    host = (urlsplit(url).hostname or "").lower()
    for prefix in ("www.", "m."):
        host = host.removeprefix(prefix)
    return SITE_ALIASES.get(host, host)


def sleep_between(configured: float | None, url: str) -> float:
    """Seconds between two requests to the site of `url` (site.fetch.sleep, if set)."""
    if configured is not None:
        return configured
    return YOUTUBE_SLEEP if is_youtube(site_of(url)) else 0.0


def is_youtube(site: str) -> bool:
    return site == "youtube.com" or site.endswith(".youtube.com")


# What the build summary says about each failure class (status gives each entry's line).
KIND_ADVICE = {
    "bot-check": "the site asks to sign in; set site.fetch.cookies",
    "rate-limited": "backing off",
    "unavailable": "private, removed or restricted; asked again once a day",
    "degraded": "only images or a degraded format; run publisher doctor",
    BACKING_OFF: "failed again; asked again after a pause (publisher status shows when;"
    " build --refresh asks at once)",
}


def failure_kind(error: BaseException) -> str:
    """The failure class recorded with an entry's error (status shows it), or ""."""
    return getattr(error, "kind", "")


def attempt_key(entry: Entry, series: Series | None) -> str:
    """What was tried for an entry: an edit of it, or of its series, is a new attempt;
    where they stand in the catalog (a line added above them) is no edit."""
    entry = dataclasses.replace(entry, line=0)
    series = dataclasses.replace(series, line=0) if series else None
    return hashlib.sha256(repr((entry, series)).encode()).hexdigest()[:16]


def pause_in_force(until: datetime, now: datetime) -> bool:
    """Whether a pause the state recorded (an entry's retry, a site's hold) still holds:
    it is not over, and it is no longer than any the publisher sets. One further off was
    recorded while the clock ran ahead (set right since): it would hold for months."""
    return now < until <= now + LONGEST_PAUSE


class FetchPolicy:
    """One run's rules for asking sites; shared by the `--jobs` threads."""

    def __init__(self, catalog: Catalog, state: State, now: datetime | None = None):
        fetch = catalog.site.fetch
        self.sleep = fetch.sleep
        self.max_downloads = fetch.max_downloads
        self.cookies: Path | None = catalog.root / fetch.cookies if fetch.cookies else None
        self.state = state
        self.now = now or datetime.now(UTC)
        self.holds = {
            s: h for s, h in state.site_holds().items() if pause_in_force(h.until, self.now)
        }
        self.expired = {s for s in state.site_holds() if s not in self.holds}
        self.refused: dict[str, str] = {}  # site -> message: asked nothing more this run
        self.deferred = {
            entry_id: deferral
            for entry_id, deferral in state.deferred_errors().items()
            if pause_in_force(deferral.after, self.now)
        }
        self.waiting: list[str] = []  # talks left for a later run by the download budget
        self.failed_by_kind: dict[str, list[str]] = {}  # failure class -> entry ids
        self._next_turn: dict[str, float] = {}  # site -> when it may be asked again
        self._site_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    # Pacing --------------------------------------------------------------------------

    def sleep_for(self, url: str) -> float:
        return sleep_between(self.sleep, url)

    @contextmanager
    def turn(self, url: str, stopping: threading.Event | None = None) -> Iterator[None]:
        """Refuse a held site; else wait until the site of `url` may be asked again, and
        count the gap from when these requests are done."""
        self.check_open(url)
        site, gap = site_of(url), self.sleep_for(url)
        if not gap:
            yield
            return
        with self._lock:
            site_lock = self._site_locks.setdefault(site, threading.Lock())
        with site_lock:  # one request (or one extraction) at a time per paced site
            delay = self._next_turn.get(site, 0.0) - time.monotonic()
            if delay > 0:
                (stopping or threading.Event()).wait(delay)
            try:
                self.check_open(url)  # another thread may have been refused while we waited
                yield
            finally:
                self._next_turn[site] = time.monotonic() + gap

    def check_open(self, url: str) -> None:
        site = site_of(url)
        if site in self.refused:
            raise SiteHeld(f"{site} was not asked: {self.refused[site]}")
        if hold := self.holds.get(site):
            until = hold.until.strftime("%Y-%m-%d %H:%M UTC")
            raise SiteHeld(f"{site} is not asked before {until}: {hold.message}")

    # After a request -------------------------------------------------------------------

    def note_failure(self, error: PublisherError, message: str, entry_id: str = "") -> None:
        """Hold the site that refused us: for this run, or (429) across runs."""
        if entry_id and (kind := failure_kind(error)):
            with self._lock:
                self.failed_by_kind.setdefault(kind, []).append(entry_id)
        if isinstance(error, SiteRefused):
            with self._lock:
                self.refused.setdefault(error.site, message)
        elif isinstance(error, RateLimited):
            self.hold(error.site, message)

    def hold(self, site: str, message: str) -> None:
        with self._lock:
            if site in self.holds and self.holds[site].until > self.now:
                return  # already held by another thread of this run
            known = self.state.site_holds().get(site)
            strikes = (known.strikes if known else 0) + 1
            span = min(BACKOFF_FIRST * 2 ** (strikes - 1), BACKOFF_MOST)
            hold = SiteHold(site, message, datetime.now(UTC) + span, strikes)
            self.holds[site] = hold
            self.state.hold_site(hold)

    def note_success(self, url: str) -> None:
        """A site that answers again starts its backoff from the beginning next time."""
        site = site_of(url)
        if site in self.expired:
            with self._lock:
                if site in self.expired:
                    self.expired.discard(site)
                    self.state.release_site(site)

    def is_deferred(self, item: Item, tried: str) -> bool:
        """The item failed before, trying the same, and waits (`retry_after`)."""
        deferral = self.deferred.get(item.id)
        return deferral is not None and deferral.tried == tried

    def retry_after(self, error: BaseException, strikes: int) -> datetime | None:
        """When an entry that failed with `error`, `strikes` runs in a row, is asked again
        (None: by the next run). A site that refused us is held as a site instead."""
        if isinstance(error, VideoUnavailable):
            return datetime.now(UTC) + UNAVAILABLE_RETRY
        if isinstance(error, RateLimited | SiteRefused) or strikes < 2:
            return None
        return datetime.now(UTC) + min(FAILING_FIRST * 2 ** (strikes - 2), BACKOFF_MOST)

    # The download budget ---------------------------------------------------------------

    def in_budget(self, talks: list[Item]) -> list[Item]:
        """The talks to work on, newest first; talks that need new media beyond
        `max_downloads` wait for a later run (they stay pending)."""
        ordered = sorted(talks, key=lambda i: (-i.entry.published.timestamp(), i.id))
        if self.max_downloads is None:
            return ordered
        chosen, new = [], 0
        for item in ordered:
            if item.audio is None and item.id not in self.deferred:
                new += 1
                if new > self.max_downloads:
                    self.waiting.append(item.id)
                    continue
            chosen.append(item)
        return chosen
