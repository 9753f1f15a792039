"""What a listener has survives the state: lost, emptied, corrupt, read-only or on a full
disk, and feeds `check` refused keep every file they name. Each test runs the real
`publisher build` and reads the published feeds back as apps do."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import feedparser
import podcastparser
import pytest
from helpers.catalogs import run_publisher, talk_entry
from helpers.yaml_writer import DEFAULT_SERIES
from lxml import etree

from publisher.check.findings import PODCAST_NS, PODCAST_NS_GITHUB
from publisher.guids import entry_guid, podcast_guid

PRIVATE = "--allow-private-sources"
NS = {"podcast": PODCAST_NS}
ATOM = "http://www.w3.org/2005/Atom"


def build(catalog: Path, *args: str, env: dict | None = None):
    return run_publisher("build", PRIVATE, *args, cwd=catalog.parent, env=env)


def published(catalog: Path, relative: str = "talks/podcast.xml") -> dict:
    """What apps read in a feed: podcast:guid, lastBuildDate, and per item GUID -> URL."""
    tree = etree.parse(str(catalog.parent / "feeds" / relative))
    return {
        "podcast_guid": tree.findtext("channel/podcast:guid", namespaces=NS),
        "last_build": tree.findtext("channel/lastBuildDate"),
        "items": {
            item.findtext("guid"): item.find("enclosure").get("url")
            for item in tree.iterfind("channel/item")
        },
    }


def lose_state(catalog: Path, backup_too: bool = True) -> None:
    state = catalog.parent / ".publisher"
    for path in state.glob("state.db*"):
        if backup_too or not path.name.endswith(".bak"):
            path.unlink()


def first_published(catalog: Path) -> dict[str, str]:
    import sqlite3

    db = sqlite3.connect(catalog.parent / ".publisher" / "state.db")
    try:
        return dict(db.execute("SELECT id, first_published FROM entries"))
    finally:
        db.close()


@pytest.fixture
def renamed(write_catalog, media_server):
    """A published talk whose id the editor then changed: its GUID and file keep the old id."""
    entry = talk_entry("july", media_server.url("/media/talk.m4a"), title="The July days")
    catalog = write_catalog([entry], site={"media_grace_days": 0})
    assert build(catalog).exit_code == 0
    write_catalog([{**entry, "id": "july-days-1917"}], site={"media_grace_days": 0})
    result = build(catalog)
    assert result.exit_code == 0, result.stderr
    before = published(catalog)
    assert before["items"] == {entry_guid("july"): "https://feeds.example.org/media/talks/july.m4a"}
    return catalog, before


def test_a_lost_state_changes_no_guid_url_or_date(renamed):
    catalog, before = renamed
    dates = first_published(catalog)
    lose_state(catalog)  # the state and its backup: only the published folder is left
    result = build(catalog)
    assert result.exit_code == 0, result.stderr
    [line] = [line for line in result.stderr.splitlines() if "recovered" in line]
    assert "the state did not know 1 published entries" in line
    assert "Traceback" not in result.stderr
    assert published(catalog) == before
    assert set(first_published(catalog)) == set(dates)
    assert not (catalog.parent / "feeds" / "media" / "talks" / "july-days-1917.m4a").exists()
    # and the recovered state is the state: the next build changes nothing either
    again = build(catalog)
    assert again.exit_code == 0 and "recovered" not in again.stderr
    assert published(catalog) == before


def test_a_lost_state_is_restored_from_its_backup(renamed):
    catalog, before = renamed
    dates = first_published(catalog)
    lose_state(catalog, backup_too=False)
    result = build(catalog)
    assert result.exit_code == 0, result.stderr
    assert "restored its backup" in result.stderr
    assert published(catalog) == before
    assert first_published(catalog) == dates  # to the second, as first recorded


def test_a_corrupt_state_is_moved_aside_and_rebuilt(renamed):
    catalog, before = renamed
    state = catalog.parent / ".publisher" / "state.db"
    state.write_bytes(b"this is not a database" * 100)
    result = build(catalog)
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "was corrupt: moved it to state.db.corrupt-" in result.stderr
    [aside] = state.parent.glob("state.db.corrupt-*")
    assert aside.read_bytes() == b"this is not a database" * 100  # never deleted
    assert published(catalog) == before


def test_an_emptied_state_recovers_from_the_feeds(renamed):
    catalog, before = renamed
    lose_state(catalog)
    (catalog.parent / ".publisher" / "state.db").write_bytes(b"")
    result = build(catalog, "--offline")
    assert result.exit_code == 0, result.stderr
    assert published(catalog) == before


@contextmanager
def mounted(target: Path, *options: str):
    """A real mount (tests run as root, and root ignores chmod): removed afterwards."""
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", *options, str(target)], check=True)
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=True)


def test_a_read_only_state_is_one_line_and_changes_nothing(renamed):
    catalog, before = renamed
    state_dir = catalog.parent / ".publisher"
    feeds = catalog.parent / "feeds"
    snapshot = {p: p.read_bytes() for p in feeds.rglob("*") if p.is_file()}
    subprocess.run(["mount", "--bind", str(state_dir), str(state_dir)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(state_dir)], check=True)
        result = build(catalog)
    finally:
        subprocess.run(["umount", "-l", str(state_dir)], check=True)
    assert result.exit_code != 0
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and "read-only" in line and " — " in line
    assert {p: p.read_bytes() for p in feeds.rglob("*") if p.is_file()} == snapshot


def fill(folder: Path, leave: int = 0) -> None:
    """Fill the file system under `folder` to the last byte (but `leave` bytes)."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    if leave:
        filler = folder / "filler"
        os.truncate(filler, max(0, filler.stat().st_size - leave))


def test_a_full_state_disk_still_publishes_new_talks(write_catalog, media_server):
    """The state's disk is full: the talk made in this run is still published, the run
    says so in one line, and the next run (space freed) recovers it from the feed."""
    first = talk_entry("one", media_server.url("/media/talk.m4a"))
    catalog = write_catalog([first])
    assert build(catalog).exit_code == 0
    state_dir = catalog.parent / ".publisher"
    kept = {p.name: p.read_bytes() for p in state_dir.iterdir() if p.is_file()}
    second = talk_entry("two", media_server.url("/media/talk.webm"), published="2017-07-21")
    write_catalog([first, second])
    with mounted(state_dir, "-t", "tmpfs", "-o", "size=2m", "tmpfs"):
        for name, data in kept.items():
            (state_dir / name).write_bytes(data)
        # downloads have room of their own: only the state's writes fail
        with mounted(state_dir / "work", "-t", "tmpfs", "-o", "size=64m", "tmpfs"):
            fill(state_dir)
            result = build(catalog)
        full = result
        (state_dir / "filler").unlink()
        after = build(catalog)
    assert full.exit_code == 0, full.stderr
    assert "Traceback" not in full.stderr
    assert "is full — free some space" in full.stderr
    guids = published(catalog)["items"]
    assert entry_guid("two") in guids
    assert after.exit_code == 0, after.stderr
    assert published(catalog)["items"] == guids


def test_a_full_published_disk_fails_the_item_in_one_line(write_catalog, media_server):
    first = talk_entry("one", media_server.url("/media/talk.m4a"))
    catalog = write_catalog([first])
    out = catalog.parent / "feeds"
    with mounted(out, "-t", "tmpfs", "-o", "size=1m", "tmpfs"):
        assert build(catalog).exit_code == 0
        before = published(catalog)
        fill(out, leave=64 * 1024)  # room for feeds and pages, not for an episode
        second = talk_entry("two", media_server.url("/media/talk.webm"), published="2017-07-21")
        write_catalog([first, second])
        result = build(catalog)
        after = published(catalog) if (out / "talks" / "podcast.xml").is_file() else None
    assert result.exit_code == 3, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if "two:" in line]
    assert "the disk is full" in line and "no file was left half-written" in line
    assert after is not None and set(before["items"]) <= set(after["items"])


def test_a_refused_feed_keeps_the_media_it_names(write_catalog, media_server):
    """The feed is refused by check in the same build that gives a talk new media and
    removes another: its old version stays, and so does every file it names."""
    site = {"media_grace_days": 0}
    one = talk_entry("one", media_server.url("/media/talk.m4a"))
    two = talk_entry("two", media_server.url("/media/talk.webm"), published="2017-07-21")
    catalog = write_catalog([one, two], site=site)
    assert build(catalog).exit_code == 0
    media = catalog.parent / "feeds" / "media" / "talks"
    before = published(catalog)
    # new media for one, two removed, and a show guid the state garbled: a rule the
    # channel breaks (nothing in a catalog that validates can), which costs the whole feed
    refused = {**one, "source": media_server.url("/media/talk.webm")}
    write_catalog([refused], site=site)
    with sqlite3.connect(catalog.parent / ".publisher" / "state.db") as db:
        db.execute("UPDATE feeds SET podcast_guid = 'not-a-uuid' WHERE path = 'talks/podcast.xml'")
    result = build(catalog)
    assert result.exit_code == 3, result.stderr
    assert "feeds refused by check" in result.stdout
    assert published(catalog) == before
    for url in before["items"].values():
        assert (media / url.rsplit("/", 1)[1]).is_file(), url
    assert run_publisher("check", cwd=catalog.parent).exit_code == 0


def test_a_link_in_media_is_skipped_never_fatal(write_catalog, media_server, tmp_path):
    outside = tmp_path / "outside.m4a"
    outside.write_bytes(b"not ours")
    catalog = write_catalog(
        [talk_entry("one", media_server.url("/media/talk.m4a"))], site={"media_grace_days": 0}
    )
    assert build(catalog).exit_code == 0
    media = catalog.parent / "feeds" / "media" / "talks"
    (media / "link.m4a").symlink_to(outside)
    (media / "folder-link").symlink_to(tmp_path)
    for title in ("Renders again", "And again"):  # the grace period is over at once
        write_catalog(
            [talk_entry("one", media_server.url("/media/talk.m4a"), title=title)],
            site={"media_grace_days": 0},
        )
        result = build(catalog)
        assert result.exit_code == 0, result.stderr
        assert "skipped media/talks/link.m4a: a symbolic link" in result.stderr
        assert "skipped media/talks/folder-link: a symbolic link" in result.stderr
    assert outside.read_bytes() == b"not ours" and (media / "link.m4a").is_symlink()


def test_an_edit_during_a_build_is_published_by_the_next(write_catalog, media_server):
    article = {
        "id": "note",
        "kind": "article",
        "title": "Old title",
        "link": "https://example.org/note",
        "published": "2017-07-20",
    }
    slow = talk_entry("slow", media_server.url("/stall"))
    catalog = write_catalog([article, slow])
    media_server.reset()
    running = subprocess.Popen(
        [sys.executable, "-m", "publisher", "build", PRIVATE],
        cwd=catalog.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while "/stall" not in media_server.requests and time.monotonic() < deadline:
        time.sleep(0.05)  # the catalog is loaded once the build asks for the source
    assert "/stall" in media_server.requests
    write_catalog([{**article, "title": "New title"}, slow])
    running.communicate(timeout=60)
    articles = catalog.parent / "feeds" / "articles.xml"
    assert "Old title" in articles.read_text()
    build(catalog)
    assert "New title" in articles.read_text()


def test_video_items_have_guids_of_their_own(write_catalog, media_server):
    series = {"talks": {**DEFAULT_SERIES, "video": True}}
    catalog = write_catalog([talk_entry("one", media_server.url("/media/talk.mp4"))], series)
    assert build(catalog).exit_code == 0
    feeds = catalog.parent / "feeds" / "talks"
    audio = feedparser.parse(str(feeds / "podcast.xml")).entries[0].id
    video = feedparser.parse(str(feeds / "video.xml")).entries[0].id
    assert audio == entry_guid("one") and video != audio
    with open(feeds / "video.xml", "rb") as handle:  # gPodder reads the same
        assert podcastparser.parse("video.xml", handle)["episodes"][0]["guid"] == video
    lose_state(catalog)
    assert build(catalog).exit_code == 0
    assert feedparser.parse(str(feeds / "video.xml")).entries[0].id == video


def test_podcast_guid_is_kept_pinned_and_follows_a_move(write_catalog, media_server):
    entries = [talk_entry("one", media_server.url("/media/talk.m4a"))]
    catalog = write_catalog(entries)
    assert build(catalog).exit_code == 0
    first = published(catalog)["podcast_guid"]
    assert first == podcast_guid("https://feeds.example.org/talks/podcast.xml")
    # the show moves to another address: its podcast:guid stays, and check accepts it
    moved = {"base_url": "https://podcasts.example.net/"}
    write_catalog(entries, site=moved)
    assert build(catalog).exit_code == 0
    assert published(catalog)["podcast_guid"] == first
    lose_state(catalog)
    assert build(catalog).exit_code == 0
    assert published(catalog)["podcast_guid"] == first
    check = run_publisher("check", cwd=catalog.parent)
    assert check.exit_code == 0 and "podcast.guid" not in check.stdout
    # a GUID given by the show's earlier host wins
    pinned = "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    series = {"talks": {**DEFAULT_SERIES, "podcast_guid": pinned.upper()}}
    write_catalog(entries, series, moved)
    assert build(catalog).exit_code == 0
    assert published(catalog)["podcast_guid"] == pinned


def test_feeds_published_under_the_namespaces_github_uri_are_still_read(
    write_catalog, media_server
):
    """Feeds written before the podcast: namespace's own URI was used: their podcast:guid
    and files are recovered all the same, and the next build writes the canonical URI."""
    entries = [talk_entry("one", media_server.url("/media/talk.m4a"))]
    catalog = write_catalog(entries)
    assert build(catalog).exit_code == 0
    first = published(catalog)["podcast_guid"]
    write_catalog(entries, site={"base_url": "https://podcasts.example.net/"})
    feed = catalog.parent / "feeds" / "talks" / "podcast.xml"
    feed.write_bytes(feed.read_bytes().replace(PODCAST_NS.encode(), PODCAST_NS_GITHUB.encode()))
    lose_state(catalog)
    result = build(catalog)
    assert result.exit_code == 0, result.stderr
    assert published(catalog)["podcast_guid"] == first, "not a new one, from the new address"
    assert etree.parse(str(feed)).getroot().nsmap["podcast"] == PODCAST_NS


def test_new_feed_url_tells_apps_where_the_show_went(write_catalog, media_server):
    new = "https://podcasts.example.net/talks/podcast.xml"
    series = {"talks": {**DEFAULT_SERIES, "new_feed_url": new}}
    catalog = write_catalog([talk_entry("one", media_server.url("/media/talk.m4a"))], series)
    assert build(catalog).exit_code == 0
    with open(catalog.parent / "feeds" / "talks" / "podcast.xml", "rb") as handle:
        assert podcastparser.parse("podcast.xml", handle)["new_url"] == new
    assert run_publisher("check", cwd=catalog.parent).exit_code == 0


def test_new_video_feed_url_moves_the_video_feed(write_catalog, media_server):
    audio, video = (f"https://podcasts.example.net/talks/{n}.xml" for n in ("podcast", "video"))
    series = {"talks": {**DEFAULT_SERIES, "video": True, "new_feed_url": audio,
                        "new_video_feed_url": video}}  # fmt: skip
    catalog = write_catalog([talk_entry("one", media_server.url("/media/talk.mp4"))], series)
    assert build(catalog).exit_code == 0
    for name, moved in (("podcast.xml", audio), ("video.xml", video)):
        with open(catalog.parent / "feeds" / "talks" / name, "rb") as handle:
            assert podcastparser.parse(name, handle)["new_url"] == moved
    assert run_publisher("check", cwd=catalog.parent).exit_code == 0


def test_last_build_date_moves_only_when_the_content_does(write_catalog, media_server):
    def at(epoch: int) -> dict:
        return {"SOURCE_DATE_EPOCH": str(epoch)}

    entries = [talk_entry("one", media_server.url("/media/talk.m4a"))]
    catalog = write_catalog(entries)
    assert build(catalog, env=at(1_600_000_000)).exit_code == 0
    assert published(catalog)["last_build"] == "Sun, 13 Sep 2020 12:26:40 +0000"
    assert build(catalog, env=at(1_700_000_000)).exit_code == 0  # nothing changed
    assert published(catalog)["last_build"] == "Sun, 13 Sep 2020 12:26:40 +0000"
    write_catalog([{**entries[0], "title": "A better title"}])
    assert build(catalog, env=at(1_700_000_000)).exit_code == 0
    assert published(catalog)["last_build"] == "Tue, 14 Nov 2023 22:13:20 +0000"
    lose_state(catalog)  # the date is read back from the feed, not taken from the clock
    assert build(catalog, env=at(1_800_000_000)).exit_code == 0
    assert published(catalog)["last_build"] == "Tue, 14 Nov 2023 22:13:20 +0000"


def test_the_article_feeds_date_is_when_the_articles_last_changed(write_catalog, media_server):
    """Not the build's clock, not the newest article's date: the time the articles feed's
    own content last changed (a talk's edit leaves it; an article's edit moves it)."""
    talk = talk_entry("one", media_server.url("/media/talk.m4a"))
    article = {"id": "a1", "kind": "article", "title": "An article", "published": "2017-07-20",
               "link": "https://example.org/a1", "summary": "Text."}  # fmt: skip
    catalog = write_catalog([talk, article])

    def dates(epoch: int) -> tuple[str | None, str | None]:
        assert build(catalog, env={"SOURCE_DATE_EPOCH": str(epoch)}).exit_code == 0
        feeds = catalog.parent / "feeds"
        rss = etree.parse(str(feeds / "articles.xml")).findtext("channel/lastBuildDate")
        atom = etree.parse(str(feeds / "articles.atom")).findtext(f"{{{ATOM}}}updated")
        return rss, atom

    first = ("Sun, 13 Sep 2020 12:26:40 +0000", "2020-09-13T12:26:40+00:00")
    assert dates(1_600_000_000) == first
    write_catalog([{**talk, "title": "A better title"}, article])
    assert dates(1_700_000_000) == first
    write_catalog([{**talk, "title": "A better title"}, {**article, "summary": "Better."}])
    assert dates(1_800_000_000) == ("Fri, 15 Jan 2027 08:00:00 +0000", "2027-01-15T08:00:00+00:00")


def test_builds_killed_after_losing_the_state_still_change_no_guid(renamed):
    """SIGKILL at any moment of the recovering build: whatever it recorded or not, the
    finished build publishes the same GUIDs, URLs and change date."""
    catalog, before = renamed
    lose_state(catalog)
    for delay in (0.3, 0.6, 0.9, 1.2):
        running = subprocess.Popen(
            [sys.executable, "-m", "publisher", "build", PRIVATE],
            cwd=catalog.parent,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        running.kill()
        running.wait()
        assert published(catalog) == before
    result = build(catalog)
    assert result.exit_code == 0, result.stderr
    assert published(catalog) == before
