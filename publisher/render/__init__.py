"""Render: the whole published model first, then one pass of writing.

Feeds, OPML and pages are all rendered from the finished run; each feed is checked
before it replaces the published one, and a feed with errors is not published (the old
one stays).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from publisher.check import check_feed
from publisher.guids import assign_guids, assign_podcast_guids
from publisher.output import inventory
from publisher.render import changes
from publisher.render.articles import article_items, render_article_feed
from publisher.render.channel_art import publish_channel_art
from publisher.render.opml import render_opml
from publisher.render.pages import render_pages
from publisher.render.podcast import episodes_of, render_series_feed

if TYPE_CHECKING:
    from publisher.build.run import Run

log = logging.getLogger(__name__)


def render_feeds(run: Run) -> dict[str, bytes]:
    """Every feed of the inventory, path -> bytes, before anything is written.

    The OPML offers only feeds with items: Apple and the directories refuse a show with
    no episodes, so a feed is not offered for subscription before its first one.
    """
    outputs: dict[str, bytes] = {}
    offered: list[inventory.Feed] = []
    for feed in inventory.feeds(run.catalog):
        if feed.kind == "opml":
            outputs[feed.path] = render_opml(run, offered)
            continue
        if has_items(run, feed):
            offered.append(feed)
        if feed.series is not None:
            outputs.update(render_series_feed(run, run.catalog.series[feed.series], feed))
        else:
            outputs[feed.path] = render_article_feed(run, feed)
    return outputs


def has_items(run: Run, feed: inventory.Feed) -> bool:
    if feed.series is not None:
        return bool(episodes_of(run, run.catalog.series[feed.series], feed))
    return bool(article_items(run))


def render(run: Run) -> None:
    """The render stage: GUIDs, cover art, feeds, OPML and pages, through the one writer."""
    assign_guids(run)
    # A pinned podcast:guid names the show's podcast feed; its video feed keeps its own.
    pinned = {
        feed.path: run.catalog.series[feed.series].podcast_guid if feed.medium == "audio" else None
        for feed in inventory.feeds(run.catalog)
        if feed.series is not None
    }
    assign_podcast_guids(run, pinned)
    publish_channel_art(run)  # before the feeds: `check` reads the art they point at
    for relative, data in render_feeds(run).items():
        publish_feed(run, relative, data)
    render_pages(run)


def publish_feed(run: Run, relative: str, data: bytes) -> bool:
    """Write a feed only if `check` finds no error in it; else keep the published one.
    Returns whether the published feed now holds `data`.

    Media, transcripts, chapters and art are already in place, so the check sees the
    files the feed points at exactly as listeners will. Bytes already published were
    checked when they were first written, so an unchanged feed is not checked again.
    """
    accepted = True
    data, digest, changed_at = changes.stamp_last_change(run, relative, data)

    def passes_check() -> bool:
        nonlocal accepted
        accepted = feed_passes_check(run, relative, data)
        return accepted

    run.writer.write_bytes(relative, data, accept=passes_check)
    if accepted:
        changes.remember_change(run, relative, digest, changed_at)
    return accepted


def feed_passes_check(run: Run, relative: str, data: bytes) -> bool:
    findings = check_feed(relative, data, run.out)
    errors = [finding for finding in findings if finding.severity == "error"]
    for finding in findings:
        (log.error if finding.severity == "error" else log.warning)("%s", finding.located())
    if errors:
        log.error("%s not published: %d errors; the old one stays", relative, len(errors))
        run.refused_feeds[relative] = [str(finding) for finding in errors]
    return not errors
