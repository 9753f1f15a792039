"""A build's run: the validated catalog, the state, the options and the writer, and one
`Item` per entry that the stages fill in. `Run.create()` makes one, for the build and for
tests alike. `BuildOptions` are a build's flags; `Progress` is where stages report.
"""

from __future__ import annotations

import logging
import os
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from publisher.errors import ConfigurationError
from publisher.fetch import FetchPolicy
from publisher.formats.checked import checked_timestamp
from publisher.model import Catalog, Item
from publisher.output.writer import Writer
from publisher.state import State, folder_key, state_path_for
from publisher.tools import deadlines

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildOptions:
    out: Path
    offline: bool = False
    refresh: bool = False
    jobs: int = 2
    allow_private_sources: bool = False
    base_url: str | None = None  # overrides the catalog's for one build
    ffmpeg: str | None = None  # a system ffmpeg to use instead of imageio-ffmpeg's
    # `build --publish`: the folder goes live when uploaded, and `publish` announces it
    upload_follows: bool = False


class Progress:
    """Where stages report what they are doing; the CLI supplies a terminal or log version."""

    def start(self, item: Item, what: str) -> None:
        log.debug("%s: %s", item.id, what)

    def advance(self, item: Item, fraction: float) -> None:
        """`fraction` of the current step is done (0.0–1.0), e.g. a download's percentage."""

    def done(self, item: Item) -> None:
        pass


@dataclass
class Run:
    """Everything a stage may use: the validated catalog, state, options, the writer."""

    catalog: Catalog
    state: State
    options: BuildOptions
    writer: Writer
    items: list[Item]
    progress: Progress = field(default_factory=Progress)
    # Published cover art, relative to the folder: "site" and each series id.
    artwork: dict[str, str] = field(default_factory=dict)
    # Feeds that failed `check` and were not published (the old one stays): path -> errors.
    refused_feeds: dict[str, list[str]] = field(default_factory=dict)
    # Episodes the feed gate did not publish as rendered: entry id -> where and why
    # (publisher.render.gate.HeldItem); each keeps its last published version, or is out.
    held_items: dict[str, list] = field(default_factory=dict)
    # Each subscription feed's podcast:guid, path -> GUID (publisher.guids assigns them).
    podcast_guids: dict[str, str] = field(default_factory=dict)
    # When the build started: the change date of a feed whose content is new in it.
    started: datetime = field(default_factory=lambda: build_time())
    # URLs in each rendered feed that are http, not https (a preview's): told in one line.
    http_urls: dict[str, int] = field(default_factory=dict)
    # Run-level problems for the summary (a playlist that could not be listed…).
    notices: list[str] = field(default_factory=list)
    # Set when the run is interrupted (Ctrl-C, SIGTERM): long steps check it and stop.
    stopping: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def create(
        cls,
        catalog: Catalog,
        options: BuildOptions,
        progress: Progress | None = None,
        state: State | None = None,
    ) -> Run:
        """A run over `catalog` writing `options.out`, with one fresh item per entry and
        `state` (by default the catalog's state, opened for that folder; the caller closes
        `run.state`)."""
        if state is None:
            state = State(state_path_for(catalog.path), folder_key(catalog.path, options.out))
        return cls(
            catalog=catalog,
            state=state,
            options=options,
            writer=Writer(options.out),
            items=[Item(entry) for entry in catalog.entries],
            progress=progress or Progress(),
        )

    @cached_property
    def fetch(self) -> FetchPolicy:
        """How sources are asked this run: pacing, holds, retry rules, the budget."""
        return FetchPolicy(self.catalog, self.state)

    @property
    def base_url(self) -> str:
        return with_slash(self.options.base_url or self.catalog.site.base_url)

    @property
    def is_preview(self) -> bool:
        """Built for another address than the catalog's (`--base-url`), e.g. to try the
        feeds on a phone: nobody is told of it, and no analytics prefix is put on it."""
        return self.base_url != with_slash(self.catalog.site.base_url)

    @property
    def out(self) -> Path:
        return self.options.out

    @cached_property
    def work_dir(self) -> Path:
        """Scratch space for downloads in progress: next to the state, never published.
        Made once per run (stages ask for it several times per talk)."""
        path = self.state.path.parent / "work"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @cached_property
    def talks_by_series(self) -> dict[str, list[Item]]:
        """The talks of each series, in catalog order (the item list never changes)."""
        grouped: dict[str, list[Item]] = {}
        for item in self.items:
            if item.entry.is_talk and item.entry.series:
                grouped.setdefault(item.entry.series, []).append(item)
        return grouped

    @property
    def catalog_articles(self) -> list[Item]:
        return [item for item in self.items if item.entry.is_article]

    def requests_limited(self) -> AbstractContextManager[None]:
        """Requests made inside are cut when the run stops, and none outlasts the limit
        of one transfer (`site.limits.max_download_time`, at most REQUEST_SECONDS)."""
        limit = min(deadlines.REQUEST_SECONDS, self.catalog.site.limits.max_download_time)
        return deadlines.limited(self.stopping, limit, deadlines.SETTING)

    def series_of(self, item: Item):
        return self.catalog.series[item.entry.series] if item.entry.series else None


def with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def build_time() -> datetime:
    """When this build started. SOURCE_DATE_EPOCH (the reproducible-builds.org variable)
    sets it, so a build can be repeated byte for byte."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return datetime.now(UTC).replace(microsecond=0)
    moment = checked_timestamp(epoch) if epoch.isdigit() else None
    if moment is None:
        raise ConfigurationError(
            f"SOURCE_DATE_EPOCH={epoch[:40]!r} is not a time a build can take as now",
            advice="give whole seconds since 1970 (before the year 3000), or unset it",
        )
    return moment
