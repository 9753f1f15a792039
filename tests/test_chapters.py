"""Chapters: read from the source or from the description's timestamps, published as a
Podcast Index chapters file that reads back the same."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime

import pytest
from helpers.catalogs import run_publisher, talk_entry
from helpers.yaml_writer import DEFAULT_SERIES
from lxml import etree

from publisher.build.plan import FROM_SOURCE, FROM_TEXT, find_chapters, wanted_chapters
from publisher.formats.chapters import chapters_from_text, parse_json, to_json
from publisher.model import Chapter, Entry, Item, MediaInfo
from publisher.render.feedext.podlove import PSC_NS
from publisher.tools.mutagen import read_tags

DESCRIPTION = """Alan Woods on the July Days. Recorded at Marxist University.

00:00 Introduction
5:10 - The February revolution
[12:00] Dual power
1:02:03 Questions

Thanks for watching; the bit at 12:30 is my favourite."""


def test_timestamps_in_a_description_become_chapters():
    assert chapters_from_text(DESCRIPTION) == (
        Chapter(0, "Introduction"),
        Chapter(310, "The February revolution"),
        Chapter(720, "Dual power"),
        Chapter(3723, "Questions"),
    )


def test_trailing_times_are_read():
    text = "Intro — 0:00\nMiddle (02:00)\n\nEnd - 10:00"
    assert [c.start for c in chapters_from_text(text)] == [0, 120, 600]


# A summary is plain text: a line that looks like HTML once made every title lose its "<…>".
TYPED = "<script>alert(1)</script>\n00:00 <see this>\n• <dual power> - 0:01\n0:02 “July” & after"
TITLES = ["<see this>", "<dual power>", "“July” & after"]


def test_chapter_titles_are_what_was_typed():
    assert [c.title for c in chapters_from_text(TYPED)] == TITLES


def test_chapter_titles_reach_every_output_as_typed(write_catalog, media_files):
    """The chapters file, psc:chapter, the m4a's and the mp4's chapter tags, the page."""
    series = {"talks": {**DEFAULT_SERIES, "video": True}}
    entry = talk_entry("july", str(media_files["talk.mp4"]), summary=TYPED)
    catalog = write_catalog(entries=[entry], series=series)
    assert run_publisher("build", cwd=catalog.parent).exit_code == 0
    feeds = catalog.parent / "feeds"
    chapters = parse_json((feeds / "media/talks/july.chapters.json").read_text())
    assert [c.title for c in chapters] == TITLES
    tree = etree.parse(str(feeds / "talks/podcast.xml"))
    assert [c.get("title") for c in tree.iter(f"{{{PSC_NS}}}chapter")] == TITLES
    for name in ("july.m4a", "july.mp4"):
        assert [title for _, title in read_tags(feeds / "media/talks" / name)["chapters"]] == TITLES
    page = (feeds / "talks/index.html").read_text()
    listed = page.split('<ol class="chapters">')[1].split("</ol>")[0]
    assert [html.unescape(title) for title in re.findall(r"<span>(.*?)</span>", listed)] == TITLES


@pytest.mark.parametrize(
    "text",
    [
        "he said at 12:30 that",  # a mention, not a list
        "05:00 Start\n10:00 Later",  # does not start at 0:00
        "00:00 Start\n10:00 Later\n05:00 Back",  # not increasing
        "",
    ],
)
def test_text_that_is_no_chapter_list_gives_none(text):
    assert chapters_from_text(text) == ()


def test_chapters_beyond_the_duration_are_dropped():
    assert len(chapters_from_text(DESCRIPTION, duration=3000)) == 3


def test_source_chapters_win_then_summary_then_description():
    entry = Entry("e", "video", "T", datetime(2017, 1, 1, tzinfo=UTC), summary="0:00 A\n1:00 B")
    from_source = (Chapter(0, "Source"), Chapter(5, "Two", 9.5))
    assert find_chapters(Item(entry, info=MediaInfo("s", chapters=from_source))) == from_source
    info = MediaInfo("s", description="0:00 X\n2:00 Y")
    assert [c.title for c in find_chapters(Item(entry, info=info))] == ["A", "B"]
    plain = Entry("e", "video", "T", datetime(2017, 1, 1, tzinfo=UTC))
    assert [c.title for c in find_chapters(Item(plain, info=info))] == ["X", "Y"]


def test_chapters_the_source_stops_listing_stay_and_those_of_an_edited_text_go():
    entry = Entry("e", "video", "T", datetime(2017, 1, 1, tzinfo=UTC))
    published = (Chapter(0, "Source"), Chapter(5, "Two"))
    listed = Item(entry, info=MediaInfo("s", chapters=published))
    assert wanted_chapters(listed, None) == (published, FROM_SOURCE)
    # the source no longer lists them: they stay, build after build
    unlisted = Item(entry, info=MediaInfo("s"), chapters=published)
    assert wanted_chapters(unlisted, FROM_SOURCE) == (published, FROM_SOURCE)
    # read from a summary or description that no longer has them: they go
    assert wanted_chapters(unlisted, FROM_TEXT) == ((), FROM_TEXT)


def test_chapters_json_round_trips_and_follows_the_podcast_index_format():
    chapters = (Chapter(0, "Introduction"), Chapter(310.5, "Émigrés & “quotes” 🚩", 400.0))
    text = to_json(chapters)
    document = json.loads(text)
    assert document["version"] == "1.2.0"
    assert document["chapters"][0] == {"startTime": 0, "title": "Introduction"}
    assert document["chapters"][1]["endTime"] == 400
    assert parse_json(text) == chapters


def test_a_file_that_is_no_chapters_file_is_refused():
    with pytest.raises(ValueError):
        parse_json('{"version": "1.2.0"}')


def test_chapters_edited_in_the_summary_are_published_by_the_next_build(write_catalog, media_files):
    """The talk's media stays as it is; its chapters file follows the catalog's summary."""
    source = str(media_files["talk.m4a"])
    summary = "0:00 Opening\n0:02 The July days"
    catalog = write_catalog(entries=[talk_entry("july", source, summary=summary)])
    assert run_publisher("build", cwd=catalog.parent).exit_code == 0
    chapters = catalog.parent / "feeds/media/talks/july.chapters.json"
    assert [c.title for c in parse_json(chapters.read_text())] == ["Opening", "The July days"]
    audio = catalog.parent / "feeds/media/talks/july.m4a"
    made = audio.stat().st_mtime_ns

    catalog.write_text(catalog.read_text().replace("0:02 The July days", "0:03 After it"))
    assert run_publisher("build", cwd=catalog.parent).exit_code == 0
    found = parse_json(chapters.read_text())
    assert [(c.start, c.title) for c in found] == [(0, "Opening"), (3, "After it")]
    assert audio.stat().st_mtime_ns == made  # the media was not made again


def test_chapters_taken_out_of_the_summary_leave_the_feed(write_catalog, media_files):
    """The editor removes the timestamps: the next build drops the chapters, and the one
    after has nothing to do."""
    source = str(media_files["talk.m4a"])
    summary = "0:00 Opening\n0:02 The July days"
    catalog = write_catalog(entries=[talk_entry("july", source, summary=summary)])
    assert run_publisher("build", cwd=catalog.parent).exit_code == 0
    feed = catalog.parent / "feeds/talks/podcast.xml"
    assert "july.chapters.json" in feed.read_text() and "<psc:chapter " in feed.read_text()

    catalog.write_text(catalog.read_text().replace(summary.replace("\n", "\\n"), "Just text."))
    assert "Just text." in catalog.read_text()
    edited = run_publisher("build", cwd=catalog.parent)
    assert edited.exit_code == 0, edited.stderr
    text = feed.read_text()
    assert "july.chapters.json" not in text and "<psc:chapter " not in text
    again = run_publisher("build", cwd=catalog.parent)
    assert again.exit_code == 0
    assert "0 files written" in again.stdout


def test_a_chapter_edit_is_published_whole_by_an_offline_build(write_catalog, media_files):
    """Chapters from a summary need no network: an offline build after an edit rewrites
    the chapters file, the feed's psc:chapter and the page, not only the descriptions;
    the offline build after it has nothing to do."""
    source = str(media_files["talk.m4a"])
    summary = "0:00 Opening\n0:02 The July days"
    catalog = write_catalog(entries=[talk_entry("july", source, summary=summary)])
    assert run_publisher("build", cwd=catalog.parent).exit_code == 0
    out = catalog.parent / "feeds"

    catalog.write_text(catalog.read_text().replace("The July days", "Dual power"))
    edited = run_publisher("build", "--offline", cwd=catalog.parent)
    assert edited.exit_code == 0, edited.stderr
    chapters = parse_json((out / "media/talks/july.chapters.json").read_text())
    assert [c.title for c in chapters] == ["Opening", "Dual power"]
    feed = (out / "talks/podcast.xml").read_text()
    assert 'title="Dual power"' in feed and "The July days" not in feed
    page = (out / "talks/index.html").read_text()
    assert "Dual power" in page and "The July days" not in page
    status = run_publisher("status", "--json", cwd=catalog.parent)
    assert json.loads(status.stdout)[0]["state"] == "published"
    again = run_publisher("build", "--offline", cwd=catalog.parent)
    assert "0 files written" in again.stdout
    online = run_publisher("build", cwd=catalog.parent)
    assert "0 files written" in online.stdout, online.stdout
