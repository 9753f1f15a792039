"""One episode never freezes its series' feed: render writes every value as `check`
accepts it (cut, rounded up), and an item that still breaks a rule keeps its last
published version (or stays out, if new) while the feed goes out with the others."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from helpers import yaml_writer
from helpers.catalogs import run_publisher, talk_entry
from helpers.media import make_audio
from helpers.playlist_server import PlaylistServer
from helpers.runs import BASE_URL, build_run, make_run
from lxml import etree

from publisher.build.sweep import sweep_unreferenced_media
from publisher.check import check_feed
from publisher.editor.status import read_snapshot, status_rows
from publisher.model import Entry, Owner
from publisher.render import render

PRIVATE = "--allow-private-sources"
ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
ATOM = "{http://www.w3.org/2005/Atom}"
LONG_NAME = "Comrade " + "N" * 200  # 208 characters


def items_by_title(feed: Path) -> dict[str, etree._Element]:
    tree = etree.parse(str(feed), etree.XMLParser(huge_tree=True))
    return {item.findtext("title"): item for item in tree.iterfind("channel/item")}


def people(item) -> list[str]:
    return [p.text for p in item if p.tag.endswith("}person")]


@pytest.fixture
def playlists(media_files):
    with PlaylistServer(media_files) as server:
        yield server


def test_no_episode_freezes_its_series(write_catalog, playlists, media_files, tmp_path):
    """The four triggers seen, each an episode among plain ones: a 0.3 s source, plain
    summaries that read like script to a regex, a 10 MB summary, a followed video whose
    author's name is 208 characters. Every episode is published, in a feed `check` passes."""
    short = make_audio(tmp_path / "short.m4a", seconds=0.3)
    talk = str(media_files["talk.m4a"])
    page = (
        '<script type="application/ld+json">'
        + json.dumps(
            {
                "@context": "https://schema.org",
                "@type": "VideoObject",
                "name": "Followed",
                "contentUrl": playlists.video_url("f"),
                "author": {"@type": "Person", "name": LONG_NAME},
            }
        )
        + "</script>"
    )
    playlists.pages["/followed.html"] = ("text/html", f"<html><head>{page}</head></html>".encode())
    feed = playlists.set_rss(
        "/feed.rss", "T", [("Followed", playlists.url("/followed.html"), None)]
    )
    entries = [
        talk_entry("plain", talk, title="Plain"),
        talk_entry("short", str(short), title="Short"),
        talk_entry("good-parts", talk, title="Good parts", summary="javascript: the good parts"),
        talk_entry("part-one", talk, title="Part one", summary="Part one = the beginning"),
        talk_entry("huge", talk, title="Huge", summary="word " * 2_000_000),
        talk_entry("named", talk, title="Named", authors=[LONG_NAME]),
    ]
    series = {"talks": {**yaml_writer.DEFAULT_SERIES, "follow": [feed]}}
    catalog = write_catalog(entries=entries, series=series)
    done = run_publisher("build", PRIVATE, cwd=catalog.parent, timeout=300)
    assert done.exit_code == 0, done.stderr
    published = items_by_title(catalog.parent / "feeds/talks/podcast.xml")
    assert set(published) == {
        "Plain",
        "Short",
        "Good parts",
        "Part one",
        "Huge",
        "Named",
        "Followed",
    }
    assert published["Short"].findtext(f"{ITUNES}duration") == "1"  # rounded up, not "0"
    assert "javascript: the good parts" in published["Good parts"].findtext("description")
    assert "Part one = the beginning" in published["Part one"].findtext(CONTENT)
    assert len(published["Huge"].findtext(CONTENT).encode()) <= 64 * 1024
    for title in ("Named", "Followed"):
        [name] = people(published[title])
        assert len(name) == 128 and name.startswith("Comrade NNN") and name.endswith("…")
    check = run_publisher("check", cwd=catalog.parent)
    assert check.exit_code == 0, check.stdout + check.stderr
    status = run_publisher("status", "--json", cwd=catalog.parent)
    assert {row["state"] for row in json.loads(status.stdout)} == {"published"}


def broken_art(run, item, name: str) -> None:
    """The episode's art is a file that is no image (cut short on a full disk, say)."""
    relative = f"media/talks/{name}"
    (run.out / relative).write_bytes(b"\xff\xd8\xff not a jpeg")
    item.image = type(item.audio)(relative, 15, "image/jpeg")


def test_an_episode_that_breaks_a_rule_keeps_its_version_or_stays_out(tmp_path):
    first = make_run(tmp_path, count=5)
    render(first)
    feed = first.out / "talks/podcast.xml"
    before = items_by_title(feed)
    published_two = etree.tostring(before["Talk 2"])
    first.state.close()

    # The next build: talk 2 gets a new title and art that is no image, talk 4 declares
    # a length its file does not have, talk 6 is new with broken art. Talk 1 has a new
    # title and nothing wrong.
    run = make_run(tmp_path, count=6)
    items = {item.id: item for item in run.items}
    items["talk-1"].entry = type(items["talk-1"].entry)(
        **{**vars(items["talk-1"].entry), "title": "Talk 1, renamed"}
    )
    items["talk-2"].entry = type(items["talk-2"].entry)(
        **{**vars(items["talk-2"].entry), "title": "Talk 2, renamed"}
    )
    broken_art(run, items["talk-2"], "talk-2-art.jpg")
    items["talk-4"].audio = type(items["talk-4"].audio)(
        items["talk-4"].audio.path, items["talk-4"].audio.length + 1, "audio/mp4", 125.0
    )
    broken_art(run, items["talk-6"], "talk-6-art.jpg")
    render(run)

    after = items_by_title(feed)
    assert set(after) == {"Talk 1, renamed", "Talk 2", "Talk 3", "Talk 4", "Talk 5"}
    assert etree.tostring(after["Talk 2"]) == published_two  # its last published version
    assert not run.refused_feeds
    assert items["talk-2"].is_published and "apple.image" in items["talk-2"].error
    assert items["talk-4"].is_published and "files.length" in items["talk-4"].error
    assert items["talk-6"].state == "failed" and "stays out" in items["talk-6"].error
    assert items["talk-1"].error is None

    # the sweep counts what the published feed names, kept versions included
    sweep_unreferenced_media(run, datetime.now(UTC) + timedelta(days=999))
    named = re.findall(rf'"{re.escape(BASE_URL)}(media/[^"]+)"', feed.read_text())
    assert named and all((run.out / path).is_file() for path in named)

    holds = run.state.feed_holds()
    assert set(holds) == {"talk-2", "talk-4", "talk-6"}
    assert holds["talk-6"][1] and not holds["talk-2"][1]
    for item in run.items:  # as publish_media records them (make_run skips the stage)
        run.state.save_media_file(item.id, "audio", item.audio, "")
    rows = {row.id: row for row in status_rows(run.catalog, read_snapshot(run.catalog, run.out))}
    assert rows["talk-6"].state == "failed" and rows["talk-6"].url is None
    assert rows["talk-2"].state == "published" and "apple.image" in rows["talk-2"].error
    assert rows["talk-1"].state == "published" and rows["talk-1"].error is None
    run.state.close()

    # Fixed: the next render publishes them and forgets the holds.
    fixed = make_run(tmp_path, count=6)
    render(fixed)
    assert "Talk 6" in items_by_title(feed)
    assert fixed.state.feed_holds() == {}
    fixed.state.close()


def test_a_channel_that_breaks_a_rule_keeps_the_published_feed(tmp_path):
    """The only refusal that costs the whole feed; its new episodes are then failed."""
    first = make_run(tmp_path, count=2)
    render(first)
    feed = first.out / "talks/podcast.xml"
    published = feed.read_bytes()
    first.state.close()
    run = make_run(tmp_path, count=3)
    owner = Owner("Owner", "feeds at example.org")  # the channel's own tag breaks a rule
    run.catalog = replace(run.catalog, site=replace(run.catalog.site, owner=owner))
    render(run)
    assert feed.read_bytes() == published
    assert "talks/podcast.xml" in run.refused_feeds
    items = {item.id: item for item in run.items}
    # talk 3 is in no feed a listener has: failed, not published; the others are as before
    assert items["talk-3"].state == "failed" and "not published" in items["talk-3"].error
    assert items["talk-1"].is_published and items["talk-1"].error is None
    assert run.state.feed_holds()["talk-3"][1]
    run.state.close()


def canonical(item) -> bytes:
    """An item's XML whatever document holds it (each declares its own namespaces)."""
    return etree.tostring(item, method="c14n", exclusive=True)


def paged(run, size: int):
    """The run's catalog with feeds paged by `size` (an episodic series: Apple reads
    only the newest page, so paging is for episodic shows)."""
    series = replace(run.catalog.series["talks"], type="episodic")
    site = replace(run.catalog.site, feed_page_size=size)
    run.catalog = replace(run.catalog, site=site, series={"talks": series})
    return run


def test_an_episode_paged_into_an_archive_keeps_its_version_there(tmp_path):
    """A new episode pushes the oldest one of the subscription feed into an archive
    page, where the gate finds it breaking a rule: its last published version (in the
    subscription feed as it was) goes into the archive page; it is not dropped."""
    first = paged(make_run(tmp_path, count=3), 3)
    render(first)
    published_one = canonical(items_by_title(first.out / "talks/podcast.xml")["Talk 1"])
    first.state.close()
    run = paged(make_run(tmp_path, count=4), 3)
    items = {item.id: item for item in run.items}
    broken_art(run, items["talk-1"], "talk-1-art.jpg")
    render(run)
    for name in ("podcast", "video"):
        assert set(items_by_title(run.out / f"talks/{name}.xml")) == {"Talk 2", "Talk 3", "Talk 4"}
        assert set(items_by_title(run.out / f"talks/{name}-archive-1.xml")) == {"Talk 1"}
    archived = items_by_title(run.out / "talks/podcast-archive-1.xml")["Talk 1"]
    assert canonical(archived) == published_one
    assert items["talk-1"].is_published and "apple.image" in items["talk-1"].error
    reason, held_out = run.state.feed_holds()["talk-1"]
    assert not held_out and reason.count("apple.image") == 1  # once, though in two feeds
    run.state.close()


def test_a_trailer_with_a_long_title_does_not_refuse_its_feed(tmp_path):
    """A catalog title may have 255 characters; the channel's podcast:trailer holds 128.
    Written cut, as every short podcast: text is: the feed goes out and check passes."""
    run = make_run(tmp_path, count=2)
    title = "The July Days, " + "and what came after them " * 9  # 240 characters
    items = {item.id: item for item in run.items}
    trailer = replace(items["talk-2"].entry, title=title, episode_type="trailer")
    items["talk-2"].entry = trailer
    render(run)
    assert not run.refused_feeds
    tree = etree.parse(str(run.out / "talks/podcast.xml"))
    [element] = tree.findall("channel/{https://podcastindex.org/namespace/1.0}trailer")
    assert len(element.text) == 128 and element.text.endswith("…")
    assert len(items_by_title(run.out / "talks/podcast.xml")) == 2
    assert (
        check_feed("talks/podcast.xml", (run.out / "talks/podcast.xml").read_bytes(), run.out) == []
    )
    run.state.close()


def article(name: str, published: datetime) -> Entry:
    return Entry(
        id=name, kind="article", title=name.title(), link=f"https://example.org/{name}",
        published=published, summary="Dual power.",
    )  # fmt: skip


def atom_entries(run) -> dict[str, etree._Element]:
    tree = etree.parse(str(run.out / "articles.atom"))
    return {entry.findtext(f"{ATOM}title"): entry for entry in tree.iterfind(f"{ATOM}entry")}


def test_an_atom_entry_that_breaks_a_rule_costs_that_entry_not_the_feed(tmp_path):
    """Atom entries are held back as RSS items are: an entry whose date no longer reads
    as RFC 3339 (an offset of seconds) keeps its published version, a new one stays out,
    and the feed goes out with the others."""
    day = datetime(2017, 3, 20, 10, tzinfo=UTC)
    odd = datetime(2017, 3, 21, 10, tzinfo=timezone(timedelta(hours=3, seconds=30)))
    first = make_run(tmp_path, count=1)
    first.catalog = replace(first.catalog, entries=(*first.catalog.entries, article("one", day),
                                                    article("two", day)))  # fmt: skip
    first = build_run(first.catalog, out=first.out)
    render(first)
    published_two = canonical(atom_entries(first)["Two"])
    first.state.close()

    entries = (article("one", day), article("two", odd), article("three", odd))
    run = build_run(replace(first.catalog, entries=entries), out=first.out)
    render(run)
    assert "articles.atom" not in run.refused_feeds
    after = atom_entries(run)
    assert set(after) == {"One", "Two"}
    assert canonical(after["Two"]) == published_two  # its last published version
    items = {item.id: item for item in run.items}
    assert "atom.date" in items["two"].error and "atom.date" in items["three"].error
    assert items["one"].error is None
    run.state.close()
