"""A talk that keeps failing backs off: the next run retries it once, then it waits an
hour, two, four… up to a day, so a failure never costs its full price on every run;
an edit of the entry or `build --refresh` asks at once. The real `publisher` builds
sources served on 127.0.0.1."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers.catalogs import run_publisher, talk_entry
from helpers.loopback_sites import LoopbackSite, answer

PLAYLIST = b"#EXTM3U\n#EXTINF:3,\n/etc/hosts\n#EXT-X-ENDLIST\n"

FAILURES = {  # a route that fails the talk, each its own way
    "http-404": lambda media: None,  # not routed: the site answers 404
    "not-media": lambda media: answer(PLAYLIST, "audio/mp4"),
    "cut-short": lambda media: answer(media["talk.m4a"].read_bytes()[:4000], "audio/mp4"),
}


def build(catalog: Path, *extra: str):
    return run_publisher(
        "build", "--allow-private-sources", *extra, cwd=catalog.parent, timeout=120
    )


def state_row(catalog: Path) -> tuple[int, datetime | None]:
    """(strikes, retry_after) of the talk's recorded failure."""
    db = sqlite3.connect(catalog.parent / ".publisher" / "state.db")
    try:
        strikes, after = db.execute("SELECT strikes, retry_after FROM errors").fetchone()
    finally:
        db.close()
    return strikes, datetime.fromisoformat(after) if after else None


def let_the_pause_end(catalog: Path) -> None:
    db = sqlite3.connect(catalog.parent / ".publisher" / "state.db")
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    db.execute("UPDATE errors SET retry_after = ?", (past,))
    db.commit()
    db.close()


def hours_from_now(moment: datetime) -> float:
    return (moment - datetime.now(UTC)).total_seconds() / 3600


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_a_talk_that_keeps_failing_backs_off(write_catalog, media_files, failure):
    route = FAILURES[failure](media_files)
    with LoopbackSite({"/talk.m4a": route} if route else {}) as site:
        entry = talk_entry("a", site.url("/talk.m4a"))
        catalog = write_catalog([entry])

        first = build(catalog)  # a first failure: the next run tries again
        assert first.exit_code == 3, first.stderr
        assert state_row(catalog) == (1, None)
        site.asked.clear()
        second = build(catalog)
        assert second.exit_code == 3 and site.asked  # asked again, and failed again
        strikes, after = state_row(catalog)
        assert strikes == 2 and hours_from_now(after) == pytest.approx(1, abs=0.05)

        site.asked.clear()
        third = build(catalog)  # backing off: not asked, still failed
        assert third.exit_code == 3 and site.asked == []
        assert "backing-off (a): failed again; asked again after a pause" in third.stdout
        rows = json.loads(run_publisher("status", "--json", cwd=catalog.parent).stdout)
        assert rows[0]["state"] == "failed"
        assert rows[0]["reason"] == f"asked again after {after:%Y-%m-%d %H:%M} UTC"

        let_the_pause_end(catalog)  # the pause over: asked, and the next pause doubles
        assert build(catalog).exit_code == 3 and site.asked
        strikes, after = state_row(catalog)
        assert strikes == 3 and hours_from_now(after) == pytest.approx(2, abs=0.05)

        site.asked.clear()
        assert build(catalog, "--refresh").exit_code == 3 and site.asked  # asked at once

        site.asked.clear()
        write_catalog([{**entry, "title": "A better title"}])  # an edit: asked at once
        rows = json.loads(run_publisher("status", "--json", cwd=catalog.parent).stdout)
        assert rows[0]["reason"] == "the last build failed; it retries on the next run"
        assert build(catalog).exit_code == 3 and site.asked
        assert state_row(catalog)[0] == 1  # a new attempt counts from one


def test_the_pause_grows_to_a_day_at_most(write_catalog):
    with LoopbackSite({}) as site:
        catalog = write_catalog([talk_entry("a", site.url("/talk.m4a"))])
        pauses = []
        for run in range(8):
            if run:
                let_the_pause_end(catalog)
            assert build(catalog).exit_code == 3
            _, after = state_row(catalog)
            pauses.append(round(hours_from_now(after)) if after else 0)
    assert pauses == [0, 1, 2, 4, 8, 16, 24, 24]


def test_a_talk_that_fails_once_is_published_by_the_next_run(write_catalog, media_files):
    """A passing failure costs nothing: the first retry is the next run."""
    with LoopbackSite({}) as site:
        catalog = write_catalog([talk_entry("a", site.url("/talk.m4a"))])
        assert build(catalog).exit_code == 3
        site.routes["/talk.m4a"] = answer(media_files["talk.m4a"].read_bytes(), "audio/mp4")
        assert build(catalog).exit_code == 0


@pytest.mark.parametrize("shift", ["a-talk-added-above", "a-comment-at-the-top"])
def test_lines_written_above_are_no_edit_of_the_entry_backing_off(write_catalog, shift):
    """Editors add talks at the top of the catalog: the lines of the others move, and
    what is tried for them does not change."""
    with LoopbackSite({}) as site:
        entry = talk_entry("a", site.url("/talk.m4a"))
        catalog = write_catalog([entry])
        assert build(catalog).exit_code == 3 and build(catalog).exit_code == 3
        if shift == "a-talk-added-above":
            write_catalog([talk_entry("b", site.url("/b.m4a"), title="A newer talk"), entry])
        else:
            catalog.write_text("# Talks, newest first\n\n" + catalog.read_text())
        site.asked.clear()
        assert build(catalog).exit_code == 3
        assert "/talk.m4a" not in site.asked
        assert state_row(catalog)[0] == 2  # still its second failure in a row


def set_pause(catalog: Path, table: str, column: str, moment: datetime) -> None:
    db = sqlite3.connect(catalog.parent / ".publisher" / "state.db")
    db.execute(f"UPDATE {table} SET {column} = ?", (moment.isoformat(),))  # noqa: S608
    db.commit()
    db.close()


@pytest.mark.parametrize("ahead", [timedelta(days=365), timedelta(days=3), timedelta(hours=25)])
def test_a_pause_recorded_while_the_clock_ran_ahead_is_over(write_catalog, ahead):
    """A failure recorded by a clock a year ahead (set right since) would wait a year;
    no pause the publisher sets is longer than a day, so a longer one is over."""
    with LoopbackSite({}) as site:
        catalog = write_catalog([talk_entry("a", site.url("/talk.m4a"))])
        assert build(catalog).exit_code == 3 and build(catalog).exit_code == 3
        set_pause(catalog, "errors", "retry_after", datetime.now(UTC) + ahead)
        site.asked.clear()
        assert build(catalog).exit_code == 3 and site.asked == ["/talk.m4a"]
        rows = json.loads(run_publisher("status", "--json", cwd=catalog.parent).stdout)
        assert hours_from_now(state_row(catalog)[1]) == pytest.approx(2, abs=0.05)
        assert rows[0]["reason"].startswith("asked again after")


def test_a_site_held_while_the_clock_ran_ahead_is_asked(write_catalog, media_files):
    with LoopbackSite({}) as site:
        catalog = write_catalog([talk_entry("a", site.url("/talk.m4a"))])
        assert build(catalog).exit_code == 3
        db = sqlite3.connect(catalog.parent / ".publisher" / "state.db")
        far = datetime.now(UTC) + timedelta(days=400)
        db.execute(
            "INSERT INTO site_holds (site, message, until, strikes) VALUES (?, ?, ?, ?)",
            ("127.0.0.1", "HTTP 429", far.isoformat(), 3),
        )
        db.commit()
        db.close()
        status = run_publisher("status", cwd=catalog.parent).stdout
        assert "127.0.0.1: not asked before" not in status
        site.routes["/talk.m4a"] = answer(media_files["talk.m4a"].read_bytes(), "audio/mp4")
        assert build(catalog).exit_code == 0


def test_a_followed_video_that_keeps_failing_backs_off(write_catalog):
    """No editor involved: the feed's item fails, and fails again; then it waits, even
    as the feed retitles it on every listing."""
    from helpers import yaml_writer
    from helpers.loopback_sites import send

    listings = []

    def feed(handler):
        listings.append(len(listings))
        body = (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Talks</title>'
            f"<description>d</description><item><title>A talk, take {len(listings)}</title>"
            f"<description>listed {len(listings)} times</description>"
            f"<link>{site.url('/talk.m4a')}</link>"
            "<pubDate>Tue, 02 Jan 2024 10:00:00 +0000</pubDate></item></channel></rss>"
        )
        send(handler, body.encode(), "application/rss+xml")

    with LoopbackSite({"/feed.rss": feed}) as site:
        series = {"talks": {**yaml_writer.DEFAULT_SERIES, "follow": [site.url("/feed.rss")]}}
        catalog = write_catalog([], series=series)
        asked = []
        for _ in range(3):
            site.asked.clear()
            assert build(catalog).exit_code == 3
            asked.append(site.asked.count("/talk.m4a"))
        assert len(listings) >= 3 and 0 not in asked[:2] and asked[2] == 0


def test_an_article_whose_page_is_gone_stays_published_and_is_asked_again(write_catalog):
    from helpers.catalogs import ARTICLE

    with LoopbackSite({}) as site:
        catalog = write_catalog([{**ARTICLE, "link": site.url("/gone.html")}])
        for _ in range(3):
            site.asked.clear()
            built = build(catalog)
            assert built.exit_code == 0 and "1 published" in built.stdout
            assert site.asked == ["/gone.html"]
