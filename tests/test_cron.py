"""Cron-grade behaviour, end to end with the real command: one run at a time, nothing
done twice, nothing lost when killed, GUIDs and enclosure URLs that never move."""

from __future__ import annotations

import hashlib
import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.catalogs import run_publisher, talk_entry
from helpers.media import MediaServer
from lxml import etree

PRIVATE = "--allow-private-sources"
CRASH_HARNESS = Path(__file__).with_name("crash_harness.py")


def folder_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
            digest.update(str(path.stat().st_mtime_ns).encode())
    return digest.hexdigest()


def state_rows(catalog: Path) -> list[tuple]:
    db = sqlite3.connect(catalog.parent / ".publisher" / "state.db")
    rows = []
    for table in ("entries", "media_info", "media_files", "errors"):
        rows += [(table, *row) for row in db.execute(f"SELECT * FROM {table} ORDER BY 1, 2")]
    db.close()
    return rows


def items_of(feed: Path) -> dict[str, tuple[str, str, str]]:
    """guid -> (title, enclosure url, enclosure length) of every item."""
    tree = etree.parse(str(feed))
    return {
        item.findtext("guid"): (
            item.findtext("title"),
            item.find("enclosure").get("url"),
            item.find("enclosure").get("length"),
        )
        for item in tree.iterfind("channel/item")
    }


def parse_every_published_file(out: Path) -> None:
    for path in out.rglob("*"):
        if path.suffix in (".xml", ".atom", ".opml"):
            etree.parse(str(path))  # raises on a half-written feed


@pytest.fixture
def slow_server(media_files):
    """A media server that takes 1.5 s per response: runs stay busy long enough to race."""
    with MediaServer(media_files, latency=1.5) as server:
        yield server


def test_a_no_op_rebuild_makes_no_request_and_changes_no_byte(write_catalog, media_server):
    catalog = write_catalog(entries=[talk_entry("one", media_server.url("/media/talk.m4a"))])
    first = run_publisher("build", PRIVATE, cwd=catalog.parent)
    assert first.exit_code == 0, first.stderr
    out = catalog.parent / "feeds"
    before, rows = folder_hash(out), state_rows(catalog)
    media_server.reset()
    second = run_publisher("build", PRIVATE, cwd=catalog.parent)
    assert second.exit_code == 0
    assert media_server.requests == []
    assert folder_hash(out) == before
    assert state_rows(catalog) == rows
    assert second.stdout.splitlines() == [
        "build: 1 published, 0 pending, 0 failed, 0 files written"
    ]
    assert second.stderr == ""
    quiet = run_publisher("build", PRIVATE, "--quiet", cwd=catalog.parent)
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")


def start_build_holding_the_lock(catalog: Path) -> subprocess.Popen:
    """A `build` in the background, returned once it holds the lock (pid in the lock file)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "publisher", "build", PRIVATE],
        cwd=catalog.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lock = catalog.parent / ".publisher" / "lock"
    deadline = time.monotonic() + 20
    while not (lock.exists() and lock.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return process


def test_two_builds_at_once_exactly_one_exits_75(write_catalog, slow_server):
    catalog = write_catalog(entries=[talk_entry("slow", slow_server.url("/media/talk.m4a"))])
    first = start_build_holding_the_lock(catalog)
    started = time.monotonic()
    second = run_publisher("build", PRIVATE, cwd=catalog.parent)
    assert second.exit_code == 75
    assert time.monotonic() - started < 5, "the second run must give up at once"
    assert f"pid {first.pid}" in second.stderr
    assert first.wait(timeout=120) == 0, first.stderr.read()


KILL_POINTS = ["enrich", "extract", "tag", "publish_media", "feed-write", "state-write"]


@pytest.mark.parametrize("stage", KILL_POINTS)
def test_killed_at_any_stage_the_next_run_completes(write_catalog, media_server, stage):
    entries = [talk_entry("one", media_server.url("/media/talk.m4a"))]
    catalog = write_catalog(entries=entries)
    assert run_publisher("build", PRIVATE, cwd=catalog.parent).exit_code == 0
    out = catalog.parent / "feeds"
    old_items = items_of(out / "talks" / "podcast.xml")
    # A second talk arrives; the run working on it is killed at `stage`.
    entries.append(talk_entry("two", media_server.url("/media/talk.mp4")))
    catalog = write_catalog(entries=entries)
    marker = catalog.parent / f"paused-{stage}"
    harness = [sys.executable, str(CRASH_HARNESS), stage, str(marker), "--"]
    victim = subprocess.Popen(
        [*harness, "build", PRIVATE, "--jobs", "1"],
        cwd=catalog.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and victim.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert marker.exists(), f"the run never reached {stage}"
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    parse_every_published_file(out)
    assert items_of(out / "talks" / "podcast.xml").items() >= old_items.items()
    rerun = run_publisher("build", PRIVATE, cwd=catalog.parent)
    assert rerun.exit_code == 0, rerun.stderr
    items = items_of(out / "talks" / "podcast.xml")
    assert len(items) == 2
    for _title, url, length in items.values():
        path = out / url.removeprefix("https://feeds.example.org/")
        assert path.stat().st_size == int(length)
    assert not list(out.rglob(".tmp-*"))


def test_sigterm_stops_cleanly_with_143(write_catalog, slow_server):
    catalog = write_catalog(entries=[talk_entry("slow", slow_server.url("/media/talk.m4a"))])
    victim = start_build_holding_the_lock(catalog)
    time.sleep(0.5)
    victim.send_signal(signal.SIGTERM)
    assert victim.wait(timeout=30) == 143
    work = catalog.parent / ".publisher" / "work"
    assert not work.exists() or not any(work.rglob("*.*"))
    out = catalog.parent / "feeds"
    assert not out.exists() or not list(out.rglob(".tmp-*"))


def test_guid_and_enclosure_survive_title_and_base_url_changes(write_catalog, media_server):
    source = media_server.url("/media/talk.m4a")
    catalog = write_catalog(entries=[talk_entry("one", source)])
    assert run_publisher("build", PRIVATE, cwd=catalog.parent).exit_code == 0
    feed = catalog.parent / "feeds" / "talks" / "podcast.xml"
    [(guid, (_, url, length))] = items_of(feed).items()

    write_catalog(entries=[talk_entry("one", source, title="A better title")])
    assert run_publisher("build", PRIVATE, cwd=catalog.parent).exit_code == 0
    assert items_of(feed) == {guid: ("A better title", url, length)}

    moved = run_publisher(
        "build", PRIVATE, "--base-url", "https://cdn.example.net/pod/", cwd=catalog.parent
    )
    assert moved.exit_code == 0
    [(same_guid, (_, moved_url, _))] = items_of(feed).items()
    assert same_guid == guid
    assert moved_url == url.replace("https://feeds.example.org/", "https://cdn.example.net/pod/")


def test_guid_survives_a_change_of_format_and_the_file_gets_a_new_name(write_catalog, media_server):
    source = media_server.url("/media/talk.m4a")
    catalog = write_catalog(entries=[talk_entry("one", source)])
    assert run_publisher("build", PRIVATE, cwd=catalog.parent).exit_code == 0
    feed = catalog.parent / "feeds" / "talks" / "podcast.xml"
    [(guid, (_, url, _))] = items_of(feed).items()
    mp3_series = {"talks": {**_default_series(), "audio": {"format": "mp3"}}}
    write_catalog(entries=[talk_entry("one", source)], series=mp3_series)
    assert run_publisher("build", PRIVATE, cwd=catalog.parent).exit_code == 0
    [(same_guid, (_, new_url, length))] = items_of(feed).items()
    assert same_guid == guid
    assert new_url != url and new_url.endswith(".mp3")
    path = catalog.parent / "feeds" / new_url.removeprefix("https://feeds.example.org/")
    assert path.stat().st_size == int(length)


def test_guid_survives_a_lost_state_database(write_catalog, media_server):
    catalog = write_catalog(entries=[talk_entry("one", media_server.url("/media/talk.m4a"))])
    assert run_publisher("build", PRIVATE, cwd=catalog.parent).exit_code == 0
    feed = catalog.parent / "feeds" / "talks" / "podcast.xml"
    guids = set(items_of(feed))
    for path in (catalog.parent / ".publisher").glob("state.db*"):
        path.unlink()
    assert run_publisher("build", PRIVATE, cwd=catalog.parent).exit_code == 0
    assert set(items_of(feed)) == guids


def test_a_failing_source_keeps_the_published_episode(write_catalog, media_server, tmp_path):
    catalog = write_catalog(entries=[talk_entry("one", media_server.url("/media/talk.m4a"))])
    assert run_publisher("build", PRIVATE, cwd=catalog.parent).exit_code == 0
    feed = catalog.parent / "feeds" / "talks" / "podcast.xml"
    published = items_of(feed)
    # The source moves and now fails (404); the editor has not noticed yet.
    write_catalog(entries=[talk_entry("one", media_server.url("/404"))])
    result = run_publisher("build", PRIVATE, cwd=catalog.parent)
    assert result.exit_code == 3
    assert "one:" in result.stderr
    assert result.stdout.strip().endswith("; failed: one (last episode kept)")
    assert items_of(feed) == published


def _default_series() -> dict:
    from helpers.yaml_writer import DEFAULT_SERIES

    return dict(DEFAULT_SERIES)


def test_renaming_an_entry_keeps_its_guid_and_media(write_catalog, media_server):
    source = media_server.url("/media/talk.m4a")
    catalog = write_catalog(entries=[talk_entry("july-days", source)])
    assert run_publisher("build", PRIVATE, cwd=catalog.parent).exit_code == 0
    feed = catalog.parent / "feeds" / "talks" / "podcast.xml"
    before = items_of(feed)
    write_catalog(entries=[talk_entry("july-days-1917", source, title="Talk july-days")])
    media_server.reset()
    result = run_publisher("build", PRIVATE, cwd=catalog.parent)
    assert result.exit_code == 0, result.stderr
    assert items_of(feed) == before
    assert media_server.requests == [], "the media is the same: nothing is fetched again"
    assert "july-days-1917 was july-days" in result.stderr


@pytest.mark.parametrize("name", ["talk.m4a", "talk.webm"])  # known audio-only; probed
def test_an_audio_only_talk_in_a_video_series_is_published_as_audio(
    write_catalog, media_server, name
):
    video_series = {"talks": {**_default_series(), "video": True}}
    catalog = write_catalog(
        entries=[talk_entry("radio", media_server.url(f"/media/{name}"))], series=video_series
    )
    first = run_publisher("build", PRIVATE, cwd=catalog.parent)
    assert first.exit_code == 0, first.stderr
    if name == "talk.webm":  # yt-dlp cannot tell; the file itself is probed and found silent
        assert "radio: source" in first.stderr and "audio episode only" in first.stderr
    out = catalog.parent / "feeds" / "talks"
    assert len(items_of(out / "podcast.xml")) == 1
    assert items_of(out / "video.xml") == {}
    media_server.reset()
    again = run_publisher("build", PRIVATE, cwd=catalog.parent)
    assert again.exit_code == 0 and again.stderr == ""
    assert media_server.requests == [], "that the source has no video is remembered"


def test_an_offline_build_keeps_the_last_errors(write_catalog, media_server):
    catalog = write_catalog(entries=[talk_entry("broken", media_server.url("/404"))])
    assert run_publisher("build", PRIVATE, cwd=catalog.parent).exit_code == 3
    assert run_publisher("build", "--offline", cwd=catalog.parent).exit_code == 3
    status = run_publisher("status", "--json", cwd=catalog.parent)
    [row] = [row for row in json.loads(status.stdout) if row["id"] == "broken"]
    assert row["state"] == "failed" and "404" in row["error"]


def test_a_new_talk_reads_its_source_page_once(write_catalog, media_server):
    """Enrichment's reading of the page serves extraction too (format URLs kept in memory)."""
    catalog = write_catalog(entries=[talk_entry("page", media_server.url("/page.html"))])
    media_server.reset()
    assert run_publisher("build", PRIVATE, cwd=catalog.parent).exit_code == 0
    page_reads = [path for path in media_server.requests if path.startswith("/page.html")]
    assert len(page_reads) <= 2, page_reads  # the address check's request, and yt-dlp's


def test_a_full_disk_leaves_the_old_feeds_and_no_temp_file(write_catalog, monkeypatch):
    """The disk fills while feeds are written: the build stops with the error, the old
    feeds are untouched and no temp file is left behind."""
    import errno
    import pathlib

    from helpers.catalogs import ARTICLE

    from publisher.build import build
    from publisher.build.run import BuildOptions

    catalog = write_catalog(entries=[ARTICLE])
    out = catalog.parent / "feeds"
    build(catalog, BuildOptions(out=out))
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    write_catalog(entries=[{**ARTICLE, "title": "A new title"}])
    real_write = pathlib.Path.write_bytes

    def full_disk(path, data):
        if path.name.startswith(".tmp-"):
            real_write(path, data[: len(data) // 2])  # the disk filled halfway through
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_write(path, data)

    monkeypatch.setattr(pathlib.Path, "write_bytes", full_disk)
    with pytest.raises(OSError) as raised:
        build(catalog, BuildOptions(out=out))
    assert raised.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert run_publisher("build", cwd=catalog.parent).exit_code == 0, "the next run completes"


def test_a_no_op_rebuild_leaves_the_state_file_byte_for_byte(write_catalog, media_server):
    """Chapters are made from the summary on every run; recording the same file again
    must not rewrite its row (a new rowid changes state.db's bytes)."""
    summary = "A talk.\n00:00 Opening\n00:01 Body\n00:02 End\n"
    source = media_server.url("/media/talk.m4a")
    catalog = write_catalog(entries=[talk_entry("one", source, summary=summary)])
    assert run_publisher("build", PRIVATE, cwd=catalog.parent).exit_code == 0
    assert (catalog.parent / "feeds/media/talks/one.chapters.json").is_file()
    state = catalog.parent / ".publisher" / "state.db"
    before = state.read_bytes()
    for _ in range(2):
        assert run_publisher("build", PRIVATE, "--quiet", cwd=catalog.parent).exit_code == 0
        assert state.read_bytes() == before


def test_online_and_offline_no_op_builds_agree_on_what_to_render(write_catalog, media_server):
    """A talk with transcripts: an offline build restores them from the state, and must
    see the same render inputs as an online one, or each switch re-renders and writes."""
    catalog = write_catalog(entries=[talk_entry("one", media_server.url("/page.html"))])
    assert run_publisher("build", PRIVATE, cwd=catalog.parent).exit_code == 0
    assert (catalog.parent / "feeds/media/talks/one.vtt").is_file()
    state = catalog.parent / ".publisher" / "state.db"
    assert run_publisher("build", PRIVATE, cwd=catalog.parent).exit_code == 0
    before = state.read_bytes()
    for mode in ("--offline", PRIVATE, "--offline"):
        assert run_publisher("build", mode, "--quiet", cwd=catalog.parent).exit_code == 0
        assert state.read_bytes() == before, mode


def test_a_preview_build_into_another_folder_leaves_the_real_one_alone(write_catalog, media_server):
    catalog = write_catalog(entries=[talk_entry("one", media_server.url("/media/talk.m4a"))])
    assert run_publisher("build", PRIVATE, cwd=catalog.parent).exit_code == 0
    feed = catalog.parent / "feeds" / "talks" / "podcast.xml"
    published = items_of(feed)
    preview = run_publisher(
        "build", PRIVATE, "--out", "preview", "--base-url", "http://192.0.2.7:8000/",
        cwd=catalog.parent,
    )  # fmt: skip
    assert preview.exit_code == 0, preview.stderr
    assert len(items_of(catalog.parent / "preview" / "talks" / "podcast.xml")) == 1
    media_server.reset()
    again = run_publisher("build", PRIVATE, cwd=catalog.parent)
    assert again.exit_code == 0
    assert "0 files written" in again.stdout
    assert items_of(feed) == published
    assert media_server.requests == []


def test_a_lasting_failure_is_mailed_when_it_starts_daily_and_when_it_ends(
    write_catalog, media_server
):
    """Cron mails what `build --quiet` prints: a source down for days is said when it
    goes down, once a day while it stays down, and when it is back — not every run."""
    good = talk_entry("one", media_server.url("/media/talk.m4a"))
    catalog = write_catalog(entries=[good])
    assert run_publisher("build", PRIVATE, cwd=catalog.parent).exit_code == 0

    def quiet(hours_later: float = 0) -> str:
        env = {"SOURCE_DATE_EPOCH": str(int(time.time() + hours_later * 3600))}
        done = run_publisher("build", PRIVATE, "--quiet", cwd=catalog.parent, env=env)
        assert done.stdout == ""
        return done.stderr

    write_catalog(entries=[talk_entry("one", media_server.url("/404"))])
    started = quiet()
    assert started.startswith("error: one: ") and started.count("\n") == 1, started
    assert quiet() == "" and quiet(1) == ""  # the same failure, within the day
    reminder = quiet(25)
    assert reminder.startswith("error: one: still failing since "), reminder
    assert reminder.count("\n") == 1
    assert quiet(26) == ""

    write_catalog(entries=[good])
    ended = quiet(27)
    assert ended.startswith("resolved: one: works again (failing since "), ended
    assert quiet(28) == ""


def test_a_clock_set_back_does_not_silence_a_lasting_failure(write_catalog, media_server):
    """A clock that ran a week ahead and was set right (or a SOURCE_DATE_EPOCH from an
    older build) must not hush the daily reminder for that week: a day away from the
    last telling, either way, is a day."""
    catalog = write_catalog(entries=[talk_entry("one", media_server.url("/404"))])

    def quiet(hours_later: float = 0) -> str:
        env = {"SOURCE_DATE_EPOCH": str(int(time.time() + hours_later * 3600))}
        return run_publisher("build", PRIVATE, "--quiet", cwd=catalog.parent, env=env).stderr

    assert quiet(24 * 7).startswith("error: one: "), "told when it starts (clock ahead)"
    back = quiet(0)
    assert back.startswith("error: one: still failing since "), back
    assert quiet(1) == "" and quiet(2) == "", "then once a day again"
    assert quiet(25).startswith("error: one: still failing since ")
