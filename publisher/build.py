"""`publisher build`: load the catalog, run the stages, render and write.

The stage lists live here, in one place: an online build enriches and extracts; an
offline build runs no per-entry stage at all and publishes what the state already has.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from publisher.catalog import load_catalog
from publisher.chapters import published_chapters
from publisher.lock import RunLock
from publisher.model import Item
from publisher.pipeline import BuildOptions, ItemStage, Progress, Run, run_item_stages
from publisher.render import render
from publisher.state import State, state_path_for
from publisher.websub import feed_urls_to_ping, ping_hubs
from publisher.writer import Writer, remove_stale_temp_files

log = logging.getLogger(__name__)

ONLINE_STAGES: list[ItemStage] = []
OFFLINE_STAGES: list[ItemStage] = []


@dataclass
class BuildReport:
    published: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)
    refused_feeds: dict[str, list[str]] = field(default_factory=dict)  # failed `check`

    @property
    def exit_code(self) -> int:
        return 3 if self.pending or self.failed or self.refused_feeds else 0

    def summary(self) -> str:
        parts = [
            f"{len(self.published)} published",
            f"{len(self.pending)} pending",
            f"{len(self.failed)} failed",
            f"{len(self.written)} files written",
        ]
        if self.refused_feeds:
            parts.append(f"{len(self.refused_feeds)} feeds refused by check")
        return "build: " + ", ".join(parts)


def build(
    catalog_path: Path, options: BuildOptions, progress: Progress | None = None
) -> BuildReport:
    catalog = load_catalog(catalog_path)  # nothing is written unless this passes
    state_path = state_path_for(catalog_path)
    with RunLock(state_path.parent):
        state = State(state_path)
        try:
            options.out.mkdir(parents=True, exist_ok=True)
            remove_stale_temp_files(options.out)
            run = Run(
                catalog=catalog,
                state=state,
                options=options,
                writer=Writer(options.out),
                items=[Item(entry) for entry in catalog.entries],
                progress=progress or Progress(),
            )
            restore_published_media(run)
            run_item_stages(run, OFFLINE_STAGES if options.offline else ONLINE_STAGES)
            render(run)
            if not options.offline:
                announce_changed_feeds(run)
            return report_of(run)
        finally:
            state.close()


def restore_published_media(run: Run) -> None:
    """Start every item from what was last published, so a failure now never drops it."""
    published = run.state.all_media_files()
    for item in run.items:
        files = published.get(item.id, {})
        if not _on_disk(run, files.get("audio")):
            continue
        item.audio = files["audio"]
        item.video = files.get("video") if _on_disk(run, files.get("video")) else None
        item.image = files.get("image") if _on_disk(run, files.get("image")) else None
        item.chapters_file = files.get("chapters") if _on_disk(run, files.get("chapters")) else None
        item.chapters = published_chapters(run.out, item.chapters_file)
        item.transcripts = [f for role, f in sorted(files.items()) if role.startswith("transcript")]
        item.info = run.state.media_info(item.id)


def _on_disk(run: Run, media) -> bool:
    if media is None:
        return False
    path = run.out / media.path
    return path.is_file() and path.stat().st_size == media.length


def announce_changed_feeds(run: Run) -> None:
    """WebSub: tell the catalog's hubs which feeds changed; never fatal."""
    changed = feed_urls_to_ping(run.base_url, run.writer.written)
    for problem in ping_hubs(run.catalog.site.hubs, changed):
        log.warning("websub: %s", problem)


def report_of(run: Run) -> BuildReport:
    report = BuildReport(written=list(run.writer.written), refused_feeds=dict(run.refused_feeds))
    for item in run.items:
        if item.entry.kind == "article" or item.audio is not None:
            report.published.append(item.id)
        elif item.error:
            report.failed[item.id] = item.error
        else:
            report.pending.append(item.id)
    return report
