"""Large feeds in pages (RFC 5005): the newest N items in the feed, the rest archived."""

from __future__ import annotations

import dataclasses

from helpers.runs import make_run
from lxml import etree

from publisher.check import check_folder
from publisher.render import render

ATOM = "{http://www.w3.org/2005/Atom}link"
ARCHIVE = "{http://purl.org/syndication/history/1.0}archive"
BASE = "https://feeds.example.org/talks/"


def paged_run(tmp_path, count: int, size: int):
    run = make_run(tmp_path, count=count)
    site = dataclasses.replace(run.catalog.site, feed_page_size=size)
    run.catalog = dataclasses.replace(run.catalog, site=site)
    return run


def links(path) -> dict[str, str]:
    channel = etree.parse(str(path)).find("channel")
    return {
        link.get("rel"): link.get("href").removeprefix(BASE)
        for link in channel.iterfind(ATOM)
        if link.get("rel") != "self"
    }


def titles(path) -> list[str]:
    return [t.text for t in etree.parse(str(path)).iterfind("channel/item/title")]


def test_newest_items_in_the_feed_and_the_rest_in_stable_archive_pages(tmp_path):
    run = paged_run(tmp_path, count=7, size=3)
    render(run)
    folder = run.out / "talks"
    assert titles(folder / "podcast.xml") == ["Talk 7", "Talk 6", "Talk 5"]
    assert links(folder / "podcast.xml") == {
        "next": "podcast-archive-2.xml",
        "prev-archive": "podcast-archive-2.xml",
    }
    assert titles(folder / "podcast-archive-1.xml") == ["Talk 3", "Talk 2", "Talk 1"]
    assert titles(folder / "podcast-archive-2.xml") == ["Talk 4"]
    first = etree.parse(str(folder / "podcast-archive-1.xml")).find("channel")
    assert first.find(ARCHIVE) is not None
    assert links(folder / "podcast-archive-1.xml") == {
        "current": "podcast.xml",
        "next-archive": "podcast-archive-2.xml",
    }
    assert links(folder / "podcast-archive-2.xml") == {
        "current": "podcast.xml",
        "next": "podcast-archive-1.xml",
        "prev-archive": "podcast-archive-1.xml",
    }
    assert [f for f in check_folder(run.out) if f.severity == "error"] == []


def test_a_full_archive_page_never_changes_as_episodes_arrive(tmp_path):
    run = paged_run(tmp_path, count=7, size=3)
    render(run)
    archive = run.out / "talks" / "podcast-archive-1.xml"
    before = archive.read_bytes()
    later = paged_run(tmp_path / "later", count=9, size=3)
    later.started = run.started  # another folder and state: the same build time for both
    render(later)
    assert (later.out / "talks" / "podcast-archive-1.xml").read_bytes() == before
    assert titles(later.out / "talks" / "podcast-archive-2.xml") == ["Talk 6", "Talk 5", "Talk 4"]


def test_no_paging_by_default(tmp_path):
    run = make_run(tmp_path, count=7)
    render(run)
    assert len(titles(run.out / "talks" / "podcast.xml")) == 7
    assert not list((run.out / "talks").glob("*archive*"))
