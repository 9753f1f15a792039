"""Values from outside (followed feeds, pages read by yt-dlp, feeds and state read back)
that do not convert: each costs its own value, or its own item, never the run.

The sources are real: RSS feeds and JSON-LD pages on 127.0.0.1, read by the real yt-dlp,
built by the real `publisher`."""

from __future__ import annotations

import email.utils
import json
import math
import sqlite3
from datetime import UTC, datetime

import pytest
from helpers import yaml_writer
from helpers.catalogs import ARTICLE, run_publisher
from helpers.loopback_sites import LoopbackSite, answer
from helpers.playlist_server import PlaylistServer
from lxml import etree

PRIVATE = "--allow-private-sources"

# Dates a followed feed may carry: each is past what a datetime holds, or past what
# a published date can be.
IMPOSSIBLE_DATES = [
    "Fri, 31 Dec 9999 23:59:59 -1400",  # year 10000 in UTC
    "Fri, 31 Dec 9999 23:59:59 +0000",  # in Python's range; one day of grace overflows
    "Sat, 01 Jan 0000 00:00:00 +0000",  # year 0
    "Mon, 01 Jan 0001 00:00:00 +1400",  # before year 1 in UTC
    "Tue, 31 Feb 2023 10:00:00 +0000",  # no such day
]


@pytest.fixture
def playlists(media_files):
    with PlaylistServer(media_files) as server:
        yield server


def readable(date: str) -> bool:
    """An RFC 822 date with a zone, in a year apps show."""
    moment = email.utils.parsedate_to_datetime(date)
    return moment.tzinfo is not None and 2000 <= moment.year <= 2100


def feed_items(path) -> dict[str, str]:
    """title -> pubDate of every item of a feed."""
    tree = etree.parse(str(path))
    return {i.findtext("title"): i.findtext("pubDate") for i in tree.iterfind("channel/item")}


def following(*urls: str) -> dict:
    return {"talks": {**yaml_writer.DEFAULT_SERIES, "follow": list(urls)}}


def test_impossible_dates_in_a_followed_feed_cost_only_those_dates(write_catalog, playlists):
    items = [
        (f"Odd date {n}", playlists.video_url(f"odd{n}"), text)
        for n, text in enumerate(IMPOSSIBLE_DATES)
    ]
    items.append(("Good date", playlists.video_url("good"), datetime(2024, 1, 2, tzinfo=UTC)))
    feed = playlists.set_rss("/feed.rss", "Talks", items)
    catalog = write_catalog(series=following(feed), entries=[ARTICLE])
    for _ in range(2):  # every online build, not only the first
        done = run_publisher("build", PRIVATE, cwd=catalog.parent)
        assert done.exit_code == 0, done.stderr
        assert "Traceback" not in done.stderr
        published = feed_items(catalog.parent / "feeds/talks/podcast.xml")
        assert set(published) == {title for title, _, _ in items}
        assert published["Good date"] == "Tue, 02 Jan 2024 00:00:00 +0000"
        for title, _, _ in items[:-1]:  # dated when first seen, a date apps can read
            assert readable(published[title]), published[title]
        assert (catalog.parent / "feeds/articles.xml").is_file()


def json_ld_page(title: str, media_url: str, **video_object) -> bytes:
    document = {
        "@context": "https://schema.org",
        "@type": "VideoObject",
        "name": title,
        "contentUrl": media_url,
        **video_object,
    }
    # JSON's NaN and Infinity, which Python's json (and so yt-dlp) reads
    text = json.dumps(document).replace('"NaN!"', "NaN").replace('"Inf!"', "1e400")
    head = f'<script type="application/ld+json">{text}</script>'
    return f"<!DOCTYPE html><html><head><title>{title}</title>{head}</head></html>".encode()


def clips(*starts) -> list[dict]:
    return [
        {"@type": "Clip", "name": f"Part {n}", "startOffset": start, "endOffset": n + 1}
        for n, start in enumerate(starts)
    ]


def test_a_page_with_values_out_of_range_loses_them_or_fails_alone(write_catalog, playlists):
    """Pages read by yt-dlp, followed through a feed with no dates: what a value that does
    not convert costs is that value (or, when yt-dlp itself cannot read the page, that
    one talk, with a message), never the other talks or the run."""
    media = playlists.video_url("m")
    pages = {
        # yt-dlp reads these values as they are: a date in 9999, a negative size, a
        # size of 10**30, chapters at True, "abc", NaN and infinite seconds
        "/dates.html": {"uploadDate": "9999-12-31T10:00:00+00:00", "contentSize": "-5"},
        "/sizes.html": {"contentSize": "1e30", "duration": "PT" + "9" * 30 + "S"},
        "/chapters.html": {"hasPart": clips(True, "abc", "NaN!", "Inf!", 10**30)},
        # yt-dlp gives up on these itself (OverflowError, ValueError inside it)
        "/year10000.html": {"uploadDate": "9999-12-31T23:59:59-14:00"},
        "/forever.html": {"duration": "PT" + "9" * 400 + "S"},
    }
    items = []
    for path, fields in pages.items():
        title = path.strip("/").removesuffix(".html")
        playlists.pages[path] = ("text/html", json_ld_page(title, media, **fields))
        items.append((title, playlists.url(path), None))
    items.append(("plain", playlists.video_url("plain"), None))
    feed = playlists.set_rss("/feed.rss", "Talks", items)
    catalog = write_catalog(series=following(feed))
    done = run_publisher("build", PRIVATE, cwd=catalog.parent)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.exit_code == 3, done.stderr
    published = feed_items(catalog.parent / "feeds/talks/podcast.xml")
    assert set(published) == {"dates", "sizes", "chapters", "plain"}
    for date in published.values():
        assert readable(date)
    assert "9999" not in published["dates"]

    status = run_publisher("status", "--json", cwd=catalog.parent)
    assert status.exit_code == 0, status.stderr
    rows = {row["title"]: row for row in json.loads(status.stdout)}
    for broken in ("year10000", "forever"):
        assert rows[broken]["state"] == "failed"
        assert "cannot convert" in rows[broken]["error"], rows[broken]["error"]
        assert "internal error" not in rows[broken]["error"]
    assert rows["sizes"]["duration"] < 60  # the file's own length, not 10**30 s


def test_state_kept_unchecked_by_an_older_version_is_read_through_the_same_checks(
    write_catalog, playlists
):
    """A state that an older version wrote without these checks (a listing date of
    9999-12-31, a duration of NaN, chapters at Infinity) builds and shows status."""
    feed = playlists.set_rss(
        "/feed.rss", "Talks", [("Talk", playlists.video_url("t"), datetime(2024, 1, 2, tzinfo=UTC))]
    )
    catalog = write_catalog(series=following(feed))
    assert run_publisher("build", PRIVATE, cwd=catalog.parent).exit_code == 0
    db = sqlite3.connect(catalog.parent / ".publisher" / "state.db")
    with db:
        db.execute("UPDATE followed SET published = '9999-12-31T23:00:00+00:00'")
        [(info,)] = db.execute("SELECT info FROM media_info").fetchall()
        data = json.loads(info)
        data.update(duration=math.nan, filesize=-5, upload_date="99991231")
        data["chapters"] = [{"start": math.inf, "title": "x", "end": None}]
        db.execute("UPDATE media_info SET info = ?", (json.dumps(data),))
    db.close()
    status = run_publisher("status", cwd=catalog.parent)
    assert status.exit_code == 0, status.stderr
    again = run_publisher("build", "--offline", cwd=catalog.parent)
    assert again.exit_code == 0, again.stderr
    [date] = feed_items(catalog.parent / "feeds/talks/podcast.xml").values()
    assert "9999" not in date


# Dates an article's page may give (JSON-LD's datePublished): past what a datetime
# holds, past what a published date can be, or with an offset no feed date can write.
PAGE_DATES = {
    "year-10000": "9999-12-31T23:59:59-14:00",
    "last-day": "9999-12-31",
    "rfc-year-10000": "Fri, 31 Dec 9999 23:59:59 -1400",
    "odd-offset": "2017-03-20T10:00:00+03:00:30",
    "odd-offset-fraction": "2017-03-20T10:00:00.5+03:00:30.25",
}


def article_page(date: str) -> bytes:
    document = {"@context": "https://schema.org", "@type": "NewsArticle", "datePublished": date}
    head = f'<script type="application/ld+json">{json.dumps(document)}</script>'
    body = "<article><p>" + "The soviets grew out of the strike committees. " * 8 + "</p></article>"
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>".encode()


def test_an_article_page_with_a_date_out_of_range_costs_only_that_date(write_catalog):
    """Each article is in both article feeds, every build; a date the page gives in year
    10000, or at an offset of seconds, is dropped or given in UTC, never the article (or,
    for Atom, where an entry could not be held back alone, the whole feed)."""
    routes = {
        f"/{name}": answer(article_page(date), "text/html") for name, date in PAGE_DATES.items()
    }
    with LoopbackSite(routes) as site:
        entries = [
            {"id": name, "kind": "article", "title": name, "link": site.url(f"/{name}")}
            for name in PAGE_DATES
        ]
        catalog = write_catalog(entries=entries)
        for args in ((PRIVATE,), ("--offline",)):  # the page read, then as kept
            done = run_publisher("build", *args, cwd=catalog.parent)
            assert done.exit_code == 0, done.stdout + done.stderr
            rss = feed_items(catalog.parent / "feeds/articles.xml")
            assert set(rss) == set(PAGE_DATES)
            assert all(readable(date) for date in rss.values()), rss
            atom = etree.parse(str(catalog.parent / "feeds/articles.atom"))
            assert len(atom.findall("{http://www.w3.org/2005/Atom}entry")) == len(PAGE_DATES)
    assert rss["odd-offset"] == "Mon, 20 Mar 2017 06:59:30 +0000"  # the moment, in UTC
    assert "9999" not in rss["year-10000"]
    check = run_publisher("check", cwd=catalog.parent)
    assert check.exit_code == 0, check.stdout
