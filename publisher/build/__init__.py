"""`publisher build`: load the catalog, run the stages, render and write.

The stage list lives here, in one place. An online build takes each talk with work to do
through it; an offline build takes none, and publishes what the state already has.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from publisher.build.render_memo import (
    last_outputs,
    nothing_to_render,
    remember_render,
    render_inputs_digest,
)
from publisher.build.restore import recover_from_published, restore_published_media
from publisher.build.run import BuildOptions, Progress, Run
from publisher.build.runner import ItemStage, run_item_stages, talks_with_work
from publisher.build.sweep import (
    orphans_waiting,
    remove_unrendered_outputs,
    sweep_unreferenced_media,
)
from publisher.catalog.load import load_catalog
from publisher.deliver.pings import ping_directories
from publisher.deliver.websub import feed_urls_to_ping, ping_hubs
from publisher.errors import ExitCode
from publisher.fetch import KIND_ADVICE
from publisher.guids import identity
from publisher.model import Item
from publisher.output.lock import RunLock
from publisher.output.writer import remove_stale_temp_files
from publisher.stages import workfiles
from publisher.stages.follow import (
    followed_entries,
    hand_over_to_catalog,
    list_followed,
)
from publisher.stages.transcribe import transcribe_talks, withdraw_unwanted_transcripts
from publisher.state import folder_key, opened_state, state_path_for

log = logging.getLogger(__name__)


def online_stages() -> list[ItemStage]:
    """A talk's way to an episode. Chapters and episode art come before tagging, which
    writes both into the audio file; transcripts come last, as a failure there costs no
    episode. Transcripts made from speech come after the episodes are published
    (`transcribe_talks`, in `build`): they never hold one back. The stages load the
    media tools (mutagen, Pillow, ffmpeg's runner), so they are imported only when some
    talk has work to do: a no-op build loads none of them."""
    from publisher.stages.chapters import publish_chapters
    from publisher.stages.enrich import enrich
    from publisher.stages.episode_art import publish_episode_art
    from publisher.stages.extract import extract
    from publisher.stages.follow import adopt_source_metadata
    from publisher.stages.publish_media import publish_media
    from publisher.stages.tag import tag
    from publisher.stages.transcripts import publish_transcripts

    return [
        enrich,
        adopt_source_metadata,
        publish_chapters,
        publish_episode_art,
        extract,
        tag,
        publish_media,
        publish_transcripts,
    ]


@dataclass
class BuildReport:
    published: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)
    refused_feeds: dict[str, list[str]] = field(default_factory=dict)  # failed `check`
    notices: list[str] = field(default_factory=list)  # about the run, not one entry

    @property
    def exit_code(self) -> int:
        partial = self.pending or self.failed or self.refused_feeds
        return ExitCode.PARTIAL if partial else ExitCode.OK

    def summary(self) -> str:
        """One line, all a cron job prints when nothing went wrong."""
        parts = [
            f"{len(self.published)} published",
            f"{len(self.pending)} pending",
            f"{len(self.failed)} failed",
            f"{len(self.written)} files written",
        ]
        if self.refused_feeds:
            parts.append(f"{len(self.refused_feeds)} feeds refused by check")
        line = "build: " + ", ".join(parts)
        if self.pending:
            line += f"; pending: {_listed(self.pending)}"
        if self.failed:
            kept = set(self.published)
            failed = [f"{i} (last episode kept)" if i in kept else i for i in self.failed]
            line += f"; failed: {_listed(failed)}"
        for notice in self.notices:
            line += f"; {notice}"
        return line


def run_notices(run: Run) -> list[str]:
    """What the summary says about the run as a whole: sites that refused us, the
    download budget, playlists that could not be listed."""
    notices = list(run.notices)
    for kind, ids in sorted(run.fetch.failed_by_kind.items()):
        notices.append(f"{kind} ({_listed(sorted(ids), 3)}): {KIND_ADVICE[kind]}")
    for site, hold in sorted(run.fetch.holds.items()):
        notices.append(f"{site} not asked before {hold.until:%Y-%m-%d %H:%M} UTC (HTTP 429)")
    for site in sorted(run.fetch.refused):
        notices.append(f"{site} asks to sign in (bot check): set site.fetch.cookies")
    if run.fetch.waiting:
        notices.append(
            f"{len(run.fetch.waiting)} talks wait for the next run (site.fetch.max_downloads)"
        )
    return notices


def _listed(ids: list[str], most: int = 10) -> str:
    shown = ", ".join(ids[:most])
    return shown + (f" and {len(ids) - most} more" if len(ids) > most else "")


def build(
    catalog_path: Path, options: BuildOptions, progress: Progress | None = None
) -> BuildReport:
    if not catalog_path.exists():
        load_catalog(catalog_path)  # says why, as validate does, before .publisher/ is made
    state_path = state_path_for(catalog_path)
    # The lock comes first: a second run (cron firing while a slow one still reads a large
    # catalog) stops at once instead of loading, and the catalog is read only once the run
    # is alone.
    with RunLock(state_path.parent):
        catalog = load_catalog(catalog_path)  # nothing is written unless this passes
        with opened_state(state_path, folder_key(catalog_path, options.out)) as state:
            run = Run.create(catalog, options, progress, state)
            options.out.mkdir(parents=True, exist_ok=True)
            remove_stale_temp_files(options.out)
            if not options.offline:
                list_followed(run)  # new videos of followed playlists, into the state
            hand_over_to_catalog(catalog, state)
            run.items += [Item(entry) for entry in followed_entries(catalog, state)]
            identities = {item.id: identity(item.entry) for item in run.items}
            for old, new in state.follow_renames(identities):
                log.info("%s was %s: it keeps its GUID and its media", new, old)
            recover_from_published(run)  # what a lost or unwritable state does not know
            restore_published_media(run)
            workfiles.forget_removed_entries(run)
            if not options.offline:  # offline, nothing is fetched or made
                make_episodes(run)
            withdraw_unwanted_transcripts(run)
            render_unless_unchanged(run)
            if not options.offline and transcribe_talks(run):
                run.writer.render_again()  # the episodes were published without them
                render_unless_unchanged(run)
            if not options.offline:
                announce_changed_feeds(run)
            state.keep_backup()
            return report_of(run)


def make_episodes(run: Run) -> None:
    """Take each talk with work to do through the stages; the others keep what they
    have."""
    talks = talks_with_work(run)
    if talks:
        run_item_stages(run, online_stages(), talks)


def render_unless_unchanged(run: Run) -> None:
    """Render and sweep, unless the inputs and outputs are exactly as the last render left
    them; then only orphans already waiting out their grace period are looked at."""
    digest = render_inputs_digest(run)
    if nothing_to_render(run, digest):
        if orphans_waiting(run):
            sweep_unreferenced_media(run)
        return
    from publisher.render import render  # feeds, pages, Jinja2: only when something changed

    previous = last_outputs(run)
    render(run)
    remove_unrendered_outputs(run, previous)
    sweep_unreferenced_media(run)
    # Rendering gives new episodes their GUIDs, an input of the digest: take it again, or
    # the next run would find the inputs changed and render (and write the state) again.
    remember_render(run, render_inputs_digest(run))


def announce_changed_feeds(run: Run) -> None:
    """WebSub hubs and directory pings: tell them which feeds changed; never fatal."""
    changed = feed_urls_to_ping(run.base_url, run.writer.written)
    ping_hubs(run.catalog.site.hubs, changed)  # logs its own problems; never fatal
    ping_directories(run.catalog.site.pings, changed)


def report_of(run: Run) -> BuildReport:
    """Published: has its episode (maybe from an earlier run). Failed: this run's attempt
    failed, whether or not an older episode stays published. Pending: neither."""
    report = BuildReport(
        written=list(run.writer.written),
        refused_feeds=dict(run.refused_feeds),
        notices=run_notices(run),
    )
    for item in run.items:
        if item.skipped:
            continue
        if item.is_published:
            report.published.append(item.id)
        if item.error:
            report.failed[item.id] = item.error
        elif not item.is_published:
            report.pending.append(item.id)
    return report
