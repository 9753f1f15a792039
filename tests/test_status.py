"""`publisher status`: published, pending or failed per entry, read from catalog and state."""

from __future__ import annotations

import json

from click.testing import CliRunner
from helpers.catalogs import run_publisher, talk_entry
from helpers.yaml_writer import DEFAULT_SERIES

from publisher.cli.editor import status_command
from publisher.model import MediaFile, MediaInfo
from publisher.state import State, folder_key, state_path_for


def record(catalog):
    state = State(state_path_for(catalog), folder_key(catalog, catalog.parent / "feeds"))
    try:
        audio = MediaFile("media/russian-revolution-1917/july-days.m4a", 1000, "audio/mp4", 3723.4)
        state.save_media_file("july-days", "audio", audio, "source")
        state.record_error("june-days-1917", "source http://x/: HTTP 404, the media was removed")
    finally:
        state.close()


def status(catalog, *args):
    out = str(catalog.parent / "feeds")
    return CliRunner().invoke(status_command, ["--catalog", str(catalog), "--out", out, *args])


def test_json_rows(shipped_catalog):
    record(shipped_catalog)
    rows = {row["id"]: row for row in json.loads(status(shipped_catalog, "--json").stdout)}
    assert rows["july-days"] == {
        "id": "july-days",
        "kind": "video",
        "series": "russian-revolution-1917",
        "state": "published",
        "title": "July Days: Counter-revolution within the revolution",
        "duration": 3723.4,
        "error": None,
        "pending": ["video"],
        "reason": "video not made yet",
        "url": "https://feeds.example.org/media/russian-revolution-1917/july-days.m4a",
        "source": "https://communist.red/july-days-counter-revolution-within-the-revolution-video/",
        "followed": None,
    }
    assert rows["june-days-1917"]["state"] == "failed"
    assert rows["june-days-1917"]["error"].startswith("source http://x/: HTTP 404")
    assert (rows["kornilov-coup"]["state"], rows["kornilov-coup"]["reason"]) == (
        "pending",
        "no source yet",
    )
    assert rows["lenin-and-the-october-insurrection"]["state"] == "published"


def test_filters_and_table(shipped_catalog):
    record(shipped_catalog)
    result = status(shipped_catalog, "--series", "russian-revolution-1917", "--state", "failed")
    assert result.exit_code == 0
    assert "june-days-1917" in result.stdout and "july-days " not in result.stdout
    assert "0 published, 0 pending, 1 failed" in result.stdout
    table = status(shipped_catalog).stdout
    assert "1:02:03" in table and "no source yet" in table


def test_status_without_a_build_writes_nothing(shipped_catalog):
    rows = json.loads(status(shipped_catalog, "--json").stdout)
    assert {row["state"] for row in rows} == {"pending", "published"}
    assert not state_path_for(shipped_catalog).parent.exists()


def test_an_audio_only_source_in_a_video_series_is_published_whole(write_catalog, media_files):
    """The source has no picture: the build makes no video, and status does not wait for
    one for ever."""
    catalog = write_catalog(
        entries=[talk_entry("july", str(media_files["talk.m4a"]))],
        series={"talks": {**DEFAULT_SERIES, "video": True}},
    )
    assert run_publisher("build", cwd=catalog.parent).exit_code == 0
    [row] = json.loads(status(catalog, "--json").output)
    assert (row["state"], row["pending"], row["reason"]) == ("published", [], "")


def test_an_audio_only_talk_in_a_video_series_has_no_video_pending(shipped_catalog):
    """A source with no picture publishes its audio only, and the state knows it: its
    status is published with nothing left to make (it said "video not made yet" forever)."""
    record(shipped_catalog)
    state = State(
        state_path_for(shipped_catalog),
        folder_key(shipped_catalog, shipped_catalog.parent / "feeds"),
    )
    try:
        source = "https://communist.red/july-days-counter-revolution-within-the-revolution-video/"
        state.save_media_info("july-days", MediaInfo(source, offers_video=False))
    finally:
        state.close()
    rows = {row["id"]: row for row in json.loads(status(shipped_catalog, "--json").stdout)}
    assert (rows["july-days"]["state"], rows["july-days"]["pending"]) == ("published", [])
    assert rows["july-days"]["reason"] == ""
