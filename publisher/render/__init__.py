"""Render: the whole published model first, then one pass of writing.

Feeds, OPML and pages are all rendered from the finished run; each feed goes through
the feed gate (`publisher.render.gate`) before it replaces the published one: an item
that breaks a rule keeps its last published version (or stays out), and a feed whose
channel breaks one is not published (the old one stays).
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime
from typing import TYPE_CHECKING

from publisher.guids import assign_guids, assign_podcast_guids
from publisher.output import inventory
from publisher.render import changes
from publisher.render.articles import render_article_feed
from publisher.render.channel_art import publish_channel_art
from publisher.render.gate import gated_feed
from publisher.render.opml import render_opml
from publisher.render.pages import render_pages
from publisher.render.podcast import (
    drop_soundbites_outside,
    render_series_feed,
    series_of_feed,
)
from publisher.render.podroll import offered_feeds, podroll

if TYPE_CHECKING:
    from publisher.build.run import Run

log = logging.getLogger(__name__)


def render_feeds(run: Run) -> dict[str, bytes]:
    """Every feed of the inventory, path -> bytes, before anything is written.

    The OPML offers only listed feeds with items: Apple and the directories refuse a
    show with no episodes, so a feed is not offered for subscription before its first
    one. Each podcast feed recommends the other shows the OPML offers (its podroll).
    """
    outputs: dict[str, bytes] = {}
    every = inventory.feeds(run.catalog)
    offered = offered_feeds(run, every)
    for feed in every:
        if feed.kind == "opml":
            outputs[feed.path] = render_opml(run, offered)
        elif feed.series is not None:
            series = series_of_feed(run, feed)
            outputs.update(render_series_feed(run, series, feed, podroll(run, feed, offered)))
        else:
            outputs[feed.path] = render_article_feed(run, feed)
    return outputs


def render(run: Run) -> None:
    """The render stage: GUIDs, cover art, feeds, OPML and pages, through the one writer."""
    assign_guids(run)
    date_articles(run)
    drop_soundbites_outside(run)
    # A pinned podcast:guid names the show's podcast feed; its video feed keeps its own.
    pinned = {
        feed.path: series_of_feed(run, feed).podcast_guid if feed.medium == "audio" else None
        for feed in inventory.feeds(run.catalog)
        if feed.series is not None
    }
    assign_podcast_guids(run, pinned)
    publish_channel_art(run)  # before the feeds: `check` reads the art they point at
    publish_feeds(run, render_feeds(run))
    record_held_items(run)
    say_http_urls(run)
    render_pages(run)


def date_articles(run: Run) -> None:
    """An article whose catalog entry and page give no date is dated by when it was
    first published (kept in the state, so the date never moves)."""
    for item in run.catalog_articles:
        if item.entry.published is None and item.first_published is not None:
            item.entry = dataclasses.replace(item.entry, published=item.first_published)


def say_http_urls(run: Run) -> None:
    """One line for every http URL of the run's feeds, not one per URL: a preview built
    for http://192.168.1.20:8000/ has dozens, all for the same reason."""
    if run.http_urls:
        log.warning(
            "%d URLs in %d feeds are http, not https (base URL %s): fine for a preview;"
            " publish under an https base_url, as apps and the Podcast Index expect",
            sum(run.http_urls.values()),
            len(run.http_urls),
            run.base_url,
        )


def publish_feeds(run: Run, feeds: dict[str, bytes]) -> None:
    """Every feed through the gate, then every feed written. An episode held back in one
    page of a feed is put back as it is published in another (paging moves episodes
    into archive pages): no page of it may be replaced before all are gated."""
    ready = {relative: gate_feed(run, relative, data) for relative, data in feeds.items()}
    for relative, gated in ready.items():
        if gated is not None:
            write_feed(run, relative, *gated)


def publish_feed(run: Run, relative: str, data: bytes) -> bool:
    """Write a feed as the gate lets it through; returns whether it was published."""
    gated = gate_feed(run, relative, data)
    if gated is not None:
        write_feed(run, relative, *gated)
    return gated is not None


def gate_feed(run: Run, relative: str, data: bytes) -> tuple[bytes, str, datetime] | None:
    """The feed's bytes as the gate lets them through, stamped with when its content
    last changed (and that content's digest); None when the channel breaks a rule.

    Media, transcripts, chapters and art are already in place, so the check sees the
    files the feed points at exactly as listeners will. Bytes already published were
    checked when they were first written, so an unchanged feed is not checked again.
    """
    stamped, digest, changed_at = changes.stamp_last_change(run, relative, data)
    if not _is_published(run, relative, stamped):
        gated = gated_feed(run, relative, stamped)
        if gated is None:
            return None  # the channel breaks a rule: the published feed stays
        if gated != stamped:  # items held back: the content is not the rendered one
            stamped, digest, changed_at = changes.stamp_last_change(run, relative, gated)
    return stamped, digest, changed_at


def write_feed(run: Run, relative: str, data: bytes, digest: str, changed_at: datetime) -> None:
    run.writer.write_bytes(relative, data)
    changes.remember_change(run, relative, digest, changed_at)


def _is_published(run: Run, relative: str, data: bytes) -> bool:
    try:
        return (run.out / relative).read_bytes() == data
    except OSError:
        return False


def _is_audio_feed(relative: str) -> bool:
    feed = inventory.recognise(relative)
    return feed is not None and feed.medium == "audio"


def record_held_items(run: Run) -> None:
    """What the gate held back, into the state: `status` and the next build read it. An
    episode left out of its audio feed was never published there: it counts as failed."""
    holds = {}
    for item in run.items:
        held = run.held_items.get(item.id, [])
        item.held_out = any(not h.kept and _is_audio_feed(h.feed) for h in held)
        if held:
            reasons = dict.fromkeys(h.reason for h in held)  # once, though in two feeds
            holds[item.id] = ("; ".join(reasons), item.held_out)
    run.state.replace_feed_holds(holds)
