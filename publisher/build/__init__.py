"""`publisher build`: load the catalog, run the stages, render and write.

The stage lists live here, in one place. An online build takes each talk with work to do
through them; an offline build takes only the published talks whose catalog edits need
a stage (chapters from a summary), and otherwise publishes what the state already has.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from publisher.build.lasting import News, failure_news
from publisher.build.render_memo import (
    last_outputs,
    nothing_to_render,
    remember_render,
    render_inputs_digest,
)
from publisher.build.restore import recover_from_published, restore_published_media
from publisher.build.run import BuildOptions, Progress, Run, build_time
from publisher.build.runner import (
    ItemStage,
    run_item_stages,
    run_offline_stages,
    talks_with_stale_chapters,
    talks_with_work,
)
from publisher.build.sweep import (
    orphans_waiting,
    remove_unrendered_outputs,
    sweep_unreferenced_media,
)
from publisher.catalog.load import load_catalog
from publisher.errors import ExitCode, StateError, StoppedPartWay
from publisher.fetch import KIND_ADVICE
from publisher.guids import identity
from publisher.messages import describe
from publisher.model import Item
from publisher.output.deliverable import refuse_secret_holding_output
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
    writes both into the audio file (chapters after extraction, which measures the
    talk's duration); transcripts come last, as a failure there costs no episode.
    Transcripts made from speech come after the episodes are published
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
        publish_episode_art,
        extract,
        publish_chapters,
        tag,
        publish_media,
        publish_transcripts,
    ]


def online_article_stages() -> list[ItemStage]:
    """An article's way to its feed item: its page (from the state when current), then
    its image. Neither ever fails the article."""
    from publisher.stages.read_article import publish_article_art, read_article

    return [read_article, publish_article_art]


def offline_article_stages() -> list[ItemStage]:
    """Offline, an article is what its page said when last read."""
    from publisher.stages.read_article import cached_article

    return [cached_article]


def offline_stages() -> list[ItemStage]:
    """What an edit of the catalog alone needs, with no network: the chapters listed in a
    summary (their file, and through `item.chapters` the feeds' `psc:chapter` and the
    pages). Nothing here reads a source or makes media."""
    from publisher.stages.chapters import publish_chapters

    return [publish_chapters]


@dataclass
class BuildReport:
    published: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)
    refused_feeds: dict[str, list[str]] = field(default_factory=dict)  # failed `check`
    notices: list[str] = field(default_factory=list)  # about the run, not one entry
    news: list[News] = field(default_factory=list)  # lasting failures started, ended, due

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
    build_time()  # a SOURCE_DATE_EPOCH that is no time stops the build before it writes
    state_path = state_path_for(catalog_path)
    # The lock comes first: a second run (cron firing while a slow one still reads a large
    # catalog) stops at once instead of loading, and the catalog is read only once the run
    # is alone.
    with RunLock(state_path.parent):
        catalog = load_catalog(catalog_path)  # nothing is written unless this passes
        refuse_secret_holding_output(
            options.out, catalog_path, state_path.parent, cookies_of(catalog)
        )
        with opened_state(state_path, folder_key(catalog_path, options.out)) as state:
            state.require_writable()  # read-only: said now, before any file is written
            run = Run.create(catalog, options, progress, state)
            with stops_part_way(run):
                return _build_in(run, options)


def _build_in(run: Run, options: BuildOptions) -> BuildReport:
    """The build's steps, on a run that holds the lock and its state."""
    catalog, state = run.catalog, run.state
    failing_before = state.failures()
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
    if options.offline:  # nothing is fetched or made; catalog edits still show
        run_offline_stages(run, offline_stages(), talks_with_stale_chapters(run))
    else:
        make_episodes(run)
    withdraw_unwanted_transcripts(run)
    read_articles(run)
    render_unless_unchanged(run)
    if not options.offline and transcribe_talks(run):
        run.writer.render_again()  # the episodes were published without them
        render_unless_unchanged(run)
    if not options.offline:
        announce_changed_feeds(run)
    report = report_of(run)
    report.news = failure_news(run, failing_before)
    state.keep_backup()
    return report


@contextmanager
def stops_part_way(run: Run) -> Iterator[None]:
    """A disk that fills up, or a state that can no longer be written, once files were
    published: say which were, and that the others kept their last version (exit 3), not
    "nothing was written" (exit 1), which is true only when nothing was."""
    try:
        yield
    except (OSError, StateError) as error:
        written = run.writer.written
        if not written:
            raise
        shown = ", ".join(written[:3]) + (
            f" and {len(written) - 3} more" if len(written) > 3 else ""
        )
        raise StoppedPartWay(
            f"{describe(error)}; {len(written)} file{'s were' if len(written) > 1 else ' was'}"
            " published whole before it"
            f" ({shown}); every other one kept its last version"
        ) from error


def cookies_of(catalog) -> Path | None:
    cookies = catalog.site.fetch.cookies
    return catalog.root / cookies if cookies else None


def make_episodes(run: Run) -> None:
    """Take each talk with work to do through the stages; the others keep what they
    have."""
    talks = talks_with_work(run)
    if talks:
        run_item_stages(run, online_stages(), talks)


def read_articles(run: Run) -> None:
    """Take each article with a link through its stages: online ones read pages not yet
    read, offline ones take what the state kept."""
    articles = [item for item in run.catalog_articles if item.entry.link]
    stages = offline_article_stages() if run.options.offline else online_article_stages()
    if articles:
        run_item_stages(run, stages, articles)


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
    """Tell the WebSub hubs and directories about each feed that is new or changed and
    has an episode (`deliver.notify`), when this folder is the public site; never fatal."""
    site = run.catalog.site
    if (site.hubs or site.pings) and folder_is_public_site(run):
        from publisher.deliver.notify import announce_live_feeds

        feeds = [*run.writer.written, *run.writer.unchanged]
        allow_private = run.options.allow_private_sources  # as for sources, so for hubs
        announce_live_feeds(run.catalog, run.base_url, run.out, feeds, run.state, allow_private)


def folder_is_public_site(run: Run) -> bool:
    """Whether the build's folder is what the catalog's base URL serves (a web server
    pointed at it), so its feeds are live once written. Not a preview (another base
    URL), and not a folder that is uploaded (`--publish`, or `publish` before): there
    `publish` announces, after the upload."""
    return not run.is_preview and not run.options.upload_follows and not run.state.has_uploads()


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
