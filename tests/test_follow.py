"""Series that follow a playlist: yt-dlp's generic extractor lists an RSS feed of videos
and a page with several videos, served on 127.0.0.1; the real `publisher` builds them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from helpers import yaml_writer
from helpers.catalogs import run_publisher, talk_entry
from helpers.playlist_server import PlaylistServer
from lxml import etree

PRIVATE = "--allow-private-sources"


@pytest.fixture
def playlists(media_files):
    with PlaylistServer(media_files) as server:
        yield server


def items_of(feed) -> dict[str, tuple[str, str]]:
    """guid -> (title, pubDate) of every item of a feed."""
    tree = etree.parse(str(feed))
    return {
        item.findtext("guid"): (item.findtext("title"), item.findtext("pubDate"))
        for item in tree.iterfind("channel/item")
    }


def day(n: int) -> datetime:
    return datetime(2024, 1, n, 10, 0, tzinfo=UTC)


def following(*follow) -> dict:
    return {"talks": {**yaml_writer.DEFAULT_SERIES, "follow": list(follow)}}


def test_a_followed_feed_gains_keeps_and_hands_over_episodes(write_catalog, playlists):
    one, two, three = (playlists.video_url(k) for k in ("one", "two", "three"))
    feed = playlists.set_rss(
        "/feed.rss", "Talks", [("Talk two", two, day(2)), ("Talk one", one, day(1))]
    )
    catalog = write_catalog(series=following(feed))
    first = run_publisher("build", PRIVATE, cwd=catalog.parent)
    assert first.exit_code == 0, first.stderr
    podcast = catalog.parent / "feeds" / "talks" / "podcast.xml"
    before = items_of(podcast)
    assert sorted(title for title, _ in before.values()) == ["Talk one", "Talk two"]
    assert "Tue, 02 Jan 2024" in next(d for t, d in before.values() if t == "Talk two")

    # A new video appears, and "Talk one" leaves the playlist: it stays published.
    playlists.set_rss(
        "/feed.rss", "Talks", [("Talk three", three, day(3)), ("Talk two", two, day(2))]
    )
    second = run_publisher("build", PRIVATE, cwd=catalog.parent)
    assert second.exit_code == 0, second.stderr
    after = items_of(podcast)
    assert set(before) < set(after)
    assert sorted(t for t, _ in after.values()) == ["Talk one", "Talk three", "Talk two"]

    # The editor writes "Talk two" into the catalog: the catalog's title wins, the GUID stays.
    guid_two = next(g for g, (t, _) in after.items() if t == "Talk two")
    entry = talk_entry("the-second-talk", two, title="The second talk, as the editor names it")
    catalog = write_catalog(entries=[entry], series=following(feed))
    third = run_publisher("build", PRIVATE, cwd=catalog.parent)
    assert third.exit_code == 0, third.stderr
    taken_over = items_of(podcast)
    assert len(taken_over) == 3
    assert taken_over[guid_two][0] == "The second talk, as the editor names it"

    status = run_publisher("status", "--json", cwd=catalog.parent)
    rows = {row["id"]: row for row in json.loads(status.stdout)}
    followed = [row for row in rows.values() if row["followed"]]
    assert sorted(row["source"] for row in followed) == sorted([one, three])
    assert all(row["state"] == "published" for row in rows.values())
    assert rows["the-second-talk"]["followed"] is None

    # Offline builds keep every followed episode; nothing is asked of the server.
    playlists.requests.clear()
    offline = run_publisher("build", "--offline", cwd=catalog.parent)
    assert offline.exit_code == 0, offline.stderr
    assert items_of(podcast) == taken_over
    assert playlists.requests == []


def test_a_catalog_entry_naming_a_followed_video_otherwise_keeps_its_guid_and_media(
    write_catalog, playlists
):
    """The editor writes the video's address in another form than the playlist gives
    it: the episode is handed over as it is, nothing is fetched or made again."""
    two = playlists.video_url("two")
    feed = playlists.set_rss("/feed.rss", "Talks", [("Talk two", two, day(2))])
    catalog = write_catalog(series=following(feed))
    assert run_publisher("build", PRIVATE, cwd=catalog.parent).exit_code == 0
    podcast = catalog.parent / "feeds" / "talks" / "podcast.xml"
    [(guid, enclosure)] = enclosures_of(podcast).items()

    entry = talk_entry("the-second-talk", two + "#from-the-catalog", title="Talk two, edited")
    catalog = write_catalog(entries=[entry], series=following(feed))
    playlists.requests.clear()
    taken_over = run_publisher("build", PRIVATE, cwd=catalog.parent)
    assert taken_over.exit_code == 0, taken_over.stderr
    assert enclosures_of(podcast) == {guid: enclosure}
    assert items_of(podcast)[guid][0] == "Talk two, edited"
    assert not [path for path in playlists.requests if "/v/two/" in path]  # nothing refetched


def test_a_video_the_catalog_has_as_a_link_is_not_published_again(
    write_catalog, playlists, media_files
):
    """One rule, "already in the catalog", for `add` and for followed playlists: a talk
    whose `link` is the video (its `source` a file of its own) is that video."""
    one, two = playlists.video_url("one"), playlists.video_url("two")
    feed = playlists.set_rss(
        "/feed.rss", "Talks", [("Talk two", two, day(2)), ("Talk one", one, day(1))]
    )
    entry = talk_entry("the-talk", str(media_files["talk.m4a"]), title="Ours", link=two)
    catalog = write_catalog(entries=[entry], series=following(feed))
    built = run_publisher("build", PRIVATE, cwd=catalog.parent)
    assert built.exit_code == 0, built.stderr
    titles = sorted(t for t, _ in items_of(catalog.parent / "feeds/talks/podcast.xml").values())
    assert titles == ["Ours", "Talk one"]
    refused = run_publisher("add", two, "--series", "talks", PRIVATE, cwd=catalog.parent)
    assert refused.exit_code != 0 and "already in the catalog as 'the-talk'" in refused.stderr


def enclosures_of(feed) -> dict[str, str]:
    tree = etree.parse(str(feed))
    return {
        item.findtext("guid"): item.find("enclosure").get("url")
        for item in tree.iterfind("channel/item")
    }


def test_a_page_of_videos_is_followed_with_match_and_after(write_catalog, playlists):
    page = playlists.set_video_page(
        "/videos.html",
        "Talks on 1917",
        [playlists.video_url("a", "talk.m4a"), playlists.video_url("b", "talk.mp3")],
    )
    feed = playlists.set_rss(
        "/feed.rss",
        "Mixed",
        [
            ("1917: October", playlists.video_url("c"), day(5)),
            ("Cooking show", playlists.video_url("d"), day(6)),
            ("1917: too old", playlists.video_url("e"), datetime(2016, 5, 1, tzinfo=UTC)),
        ],
    )
    catalog = write_catalog(
        series=following(page, {"url": feed, "after": "2017-01-01", "match": "^1917"})
    )
    done = run_publisher("build", PRIVATE, cwd=catalog.parent)
    assert done.exit_code == 0, done.stderr
    titles = sorted(t for t, _ in items_of(catalog.parent / "feeds/talks/podcast.xml").values())
    assert titles == ["1917: October", "Talks on 1917 (1)", "Talks on 1917 (2)"]


def test_a_playlist_that_cannot_be_listed_keeps_its_episodes(write_catalog, playlists):
    feed = playlists.set_rss(
        "/feed.rss", "Talks", [("Talk one", playlists.video_url("one"), day(1))]
    )
    catalog = write_catalog(series=following(feed))
    assert run_publisher("build", PRIVATE, cwd=catalog.parent).exit_code == 0
    playlists.status["/feed.rss"] = 404
    again = run_publisher("build", PRIVATE, cwd=catalog.parent)
    assert f"{feed}: " in again.stdout  # named in the summary
    titles = [t for t, _ in items_of(catalog.parent / "feeds/talks/podcast.xml").values()]
    assert titles == ["Talk one"]


def test_follow_is_validated(write_catalog):
    catalog = write_catalog(
        series=following("not a url", {"url": "https://example.org/p", "match": "("})
    )
    done = run_publisher("validate", cwd=catalog.parent)
    assert done.exit_code == 1
    assert "series.talks.follow[0]: 'not a url' is not an http(s) URL" in done.stderr
    assert "series.talks.follow[1].match: '(' is not a regular expression" in done.stderr


def test_add_a_playlist_appends_one_entry_per_new_video(write_catalog, playlists):
    one, two, three = (playlists.video_url(k) for k in ("one", "two", "three"))
    feed = playlists.set_rss(
        "/feed.rss",
        "Talks",
        [("Talk three", three, day(3)), ("Talk two", two, day(2)), ("Talk one", one, day(1))],
    )
    catalog = write_catalog(entries=[talk_entry("talk-one", one)])
    before = catalog.read_bytes()
    preview = run_publisher(
        "add", feed, "--series", "talks", "--limit", "1", "--dry-run", PRIVATE, cwd=catalog.parent
    )
    assert preview.exit_code == 0, preview.stderr
    assert preview.stdout.count("dry run: ") == 1 and 'title: "Talk three"' in preview.stdout
    assert catalog.read_bytes() == before

    done = run_publisher("add", feed, "--series", "talks", PRIVATE, cwd=catalog.parent)
    assert done.exit_code == 0, done.stderr
    assert done.stdout.count("added ") == 2
    text = catalog.read_text()
    assert text.count("id: talk-one") == 1  # the video already in the catalog is not added
    assert "id: talk-three" in text and "id: talk-two" in text
    assert "published: 2024-01-03" in text
    again = run_publisher("add", feed, "--series", "talks", PRIVATE, cwd=catalog.parent)
    assert "nothing to add" in again.stdout


def test_add_takes_a_video_the_playlist_lists_twice_once(write_catalog, playlists):
    one, two = playlists.video_url("one"), playlists.video_url("two")
    feed = playlists.set_rss(
        "/feed.rss",
        "Talks",
        [
            ("Talk two", two, day(2)),
            ("Talk one", one, day(1)),
            ("Talk one again", one + "#t=1", day(1)),
        ],
    )
    catalog = write_catalog(entries=[talk_entry("first", "https://example.org/first.m4a")])
    done = run_publisher("add", feed, "--series", "talks", PRIVATE, cwd=catalog.parent)
    assert done.exit_code == 0, done.stderr
    assert done.stdout.count("added ") == 2
    assert catalog.read_text().count(f"source: {one}") == 1


def test_add_knows_a_youtube_video_by_any_of_its_addresses(write_catalog, playlists):
    """The catalog names a talk by its short link; the playlist lists its watch page."""
    watch = "https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PL0123456789"
    feed = playlists.set_rss("/feed.rss", "Talks", [("Talk one", watch, day(1))])
    catalog = write_catalog(entries=[talk_entry("talk-one", "https://youtu.be/dQw4w9WgXcQ")])
    before = catalog.read_bytes()
    again = run_publisher("add", feed, "--series", "talks", PRIVATE, cwd=catalog.parent)
    assert again.exit_code == 0, again.stderr
    assert "nothing to add" in again.stdout  # and YouTube was never asked: there is no network
    assert catalog.read_bytes() == before
