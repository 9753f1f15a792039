"""`publisher status`: per entry, published, pending or failed — and why.

Read-only: it reads the catalog and the state database and writes nothing (a missing
state database means nothing was built yet, and is not created). The rules are the
build's (`Item.state`): an article is published when rendered, a talk when its audio
was made; a talk with a recorded error and no audio has failed; anything else is
pending, with the reason. What is not made yet is what the talk's plan wants and the
state has no file for (`publisher.build.plan`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from publisher.build.plan import plan_of
from publisher.catalog.load import load_catalog
from publisher.fetch import attempt_key, pause_in_force
from publisher.formats.durations import format_duration
from publisher.model import (
    AUDIO,
    Catalog,
    Entry,
    Item,
    ItemState,
    MediaFile,
    MediaInfo,
    SiteHold,
    entry_state,
)
from publisher.output import urls
from publisher.state import State, folder_key, state_path_for
from publisher.state.follows import Deferral

STATES: tuple[ItemState, ...] = ("published", "pending", "failed")
STYLE = {"published": "green", "pending": "yellow", "failed": "red"}


@dataclass(frozen=True)
class StatusRow:
    id: str
    kind: str
    series: str | None
    state: ItemState
    title: str
    duration: float | None  # seconds, of the published audio (or the source, if known)
    error: str | None  # the last error recorded for the entry, even if an older version is up
    pending: tuple[str, ...]  # what is not published yet: "audio", "video"
    reason: str  # why it is pending or failed, in a few words
    url: str | None  # where the episode's audio (or the article) is published
    source: str | None  # where the talk comes from
    followed: str | None  # the followed playlist it was found in; None: a catalog entry

    def as_dict(self) -> dict:
        data = asdict(self)
        data["pending"] = list(self.pending)
        return data


@dataclass(frozen=True)
class Snapshot:
    """What the state database knows, read once: files, their recipes, errors, cached
    durations and metadata."""

    files: dict[str, dict[str, MediaFile]]
    errors: dict[str, str]
    durations: dict[str, float]
    followed: tuple[Entry, ...] = ()  # episodes of followed playlists
    deferred: dict[str, Deferral] = field(default_factory=dict)  # not asked before
    holds: tuple[SiteHold, ...] = ()  # sites backing off after HTTP 429
    infos: dict[str, MediaInfo] = field(default_factory=dict)  # what each source offers
    held_out: frozenset[str] = frozenset()  # new episodes the feed gate keeps out of a feed
    recipes: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> role -> made_from


def read_status(
    catalog_path: Path,
    series: str | None = None,
    states: tuple[str, ...] = (),
    out: Path = Path("feeds"),
) -> list[StatusRow]:
    """The rows of `publisher status` for the catalog at `catalog_path` and the published
    folder `out`, filtered."""
    catalog = load_catalog(catalog_path)
    snapshot = read_snapshot(catalog, out)
    rows = status_rows(catalog, snapshot)
    return filter_rows(rows, series=series, states=states)


def read_holds(catalog_path: Path) -> list[str]:
    """One line per site the builds are backing off from."""
    path = state_path_for(catalog_path)
    if not path.is_file():
        return []
    state = State(path)
    try:
        holds = state.site_holds().values()
    finally:
        state.close()
    now = datetime.now(UTC)
    return [
        f"{h.site}: not asked before {h.until:%Y-%m-%d %H:%M} UTC — {h.message}"
        for h in sorted(holds, key=lambda h: h.site)
        if pause_in_force(h.until, now)
    ]


def read_snapshot(catalog: Catalog, out: Path) -> Snapshot:
    path = state_path_for(catalog.path)
    if not path.is_file():
        return Snapshot({}, {}, {})
    from publisher.stages.follow import followed_entries

    state = State(path, folder_key(catalog.path, out))
    try:
        followed = tuple(followed_entries(catalog, state))
        infos = state.all_media_info()
        durations = {key: info.duration for key, info in infos.items() if info.duration}
        deferred = state.deferred_errors()
        held_out = frozenset(k for k, (_, out) in state.feed_holds().items() if out)
        return Snapshot(
            state.all_media_files(),
            state.errors(),
            durations,
            followed,
            deferred,
            infos=infos,
            held_out=held_out,
            recipes=state.all_media_recipes(),
        )
    finally:
        state.close()


def status_rows(catalog: Catalog, snapshot: Snapshot) -> list[StatusRow]:
    """One row per catalog entry, in catalog order, then the followed episodes."""
    entries = (*catalog.entries, *snapshot.followed)
    return [row_of(catalog, entry, snapshot) for entry in entries]


def row_of(catalog: Catalog, entry: Entry, snapshot: Snapshot) -> StatusRow:
    files = snapshot.files.get(entry.id, {})
    error = snapshot.errors.get(entry.id)
    audio = files.get(AUDIO)
    item = Item(entry, info=snapshot.infos.get(entry.id))
    talk_plan = plan_of(catalog, item, snapshot.recipes.get(entry.id, {}))
    missing = [output.role for output in talk_plan.media if output.role not in files]
    held_out = entry.id in snapshot.held_out
    waits = _waits_until(catalog, entry, snapshot.deferred.get(entry.id))
    state, reason = _state_and_reason(entry, audio, error, missing, waits, held_out)
    return StatusRow(
        id=entry.id,
        kind=entry.kind,
        series=entry.series,
        state=state,
        title=entry.title,
        duration=(audio.duration if audio else None) or snapshot.durations.get(entry.id),
        error=error,
        pending=tuple(missing),
        reason=reason,
        url=None if held_out else _published_url(catalog, entry, audio),
        source=entry.source,
        followed=entry.followed,
    )


def _waits_until(catalog: Catalog, entry: Entry, deferral: Deferral | None) -> datetime | None:
    """When the next build asks a failed entry again, if it waits: an edit of the entry
    or its series is a new attempt, asked at once (as `publisher.fetch` decides)."""
    series = catalog.series[entry.series] if entry.series else None
    if deferral is None or deferral.tried != attempt_key(entry, series):
        return None
    return deferral.after


def _state_and_reason(
    entry, audio, error, missing, deferred, held_out=False
) -> tuple[ItemState, str]:
    state = entry_state(entry, audio, error, held_out)
    if held_out:
        return state, "made, but its feed cannot carry it yet; the next build tries again"
    if state == "published":
        return state, (f"{' and '.join(missing)} not made yet" if missing else "")
    if state == "failed" and deferred and pause_in_force(deferred, datetime.now(UTC)):
        return state, f"asked again after {deferred:%Y-%m-%d %H:%M} UTC"
    if state == "failed":
        return state, "the last build failed; it retries on the next run"
    return state, ("not built yet" if entry.source else "no source yet")


def _published_url(catalog: Catalog, entry: Entry, audio: MediaFile | None) -> str | None:
    if entry.is_article:
        return entry.link
    return urls.public_url(catalog.site.base_url, audio.path) if audio else None


def filter_rows(
    rows: list[StatusRow], series: str | None = None, states: tuple[str, ...] = ()
) -> list[StatusRow]:
    return [
        row
        for row in rows
        if (series is None or row.series == series) and (not states or row.state in states)
    ]


# Output --------------------------------------------------------------------------------


def as_json(rows: list[StatusRow]) -> str:
    return json.dumps([row.as_dict() for row in rows], indent=2, ensure_ascii=False)


def table(rows: list[StatusRow]) -> Table:
    """The rich table `publisher status` prints: one line per entry."""
    grid = Table(show_lines=False, header_style="bold")
    for name in ("id", "state", "series", "duration", "pending / error", "url"):
        grid.add_column(name, overflow="fold")
    for row in rows:
        why = row.error or row.reason
        if row.pending and row.state != "failed":
            why = f"{', '.join(row.pending)}: {why}" if why else ", ".join(row.pending)
        grid.add_row(
            f"{row.id} (followed)" if row.followed else row.id,
            f"[{STYLE[row.state]}]{row.state}[/]",
            row.series or "",
            format_duration(row.duration),
            why,
            row.url or (row.source if row.followed else "") or "",
        )
    return grid


def summary(rows: list[StatusRow]) -> str:
    counts = {name: sum(1 for row in rows if row.state == name) for name in STATES}
    return ", ".join(f"{counts[name]} {name}" for name in STATES)


def print_status(
    rows: list[StatusRow], console: Console | None = None, holds: list[str] = ()
) -> None:
    if console is None:
        console = Console()
        if not console.is_terminal:  # piped or logged: no need to fold to 80 columns
            console = Console(width=200)
    console.print(table(rows))
    console.print(summary(rows), highlight=False)
    for line in holds:
        console.print(line, highlight=False, markup=False)
