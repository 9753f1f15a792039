"""The state database: schema version, GUIDs assigned once."""

from __future__ import annotations

import sqlite3

import pytest

from publisher.errors import ConfigurationError
from publisher.guids import entry_guid
from publisher.migrations import MIGRATIONS
from publisher.model import Caption, MediaFile, MediaInfo
from publisher.stages.enrich import cacheable
from publisher.state import State


def test_new_database_is_at_the_latest_schema(tmp_path):
    state = State(tmp_path / "state.db")
    assert state.schema_version == len(MIGRATIONS)
    state.close()
    reopened = State(tmp_path / "state.db")  # migrating again is a no-op
    assert reopened.schema_version == len(MIGRATIONS)


def test_guid_is_assigned_once_and_never_changes(tmp_path):
    state = State(tmp_path / "state.db")
    state.record_publications({"july-days": "https://x/1"}, {"july-days": entry_guid("july-days")})
    first = state.publication("july-days")
    assert first.guid == entry_guid("july-days")
    state.record_publications({"july-days": "https://x/1"}, {"july-days": "other"})
    assert state.publication("july-days") == first


def test_pinned_guid_is_used_at_first_publication(tmp_path):
    state = State(tmp_path / "state.db")
    state.record_publications({"moved": ""}, {"moved": "tag:old-host,2017:42"})
    assert state.publication("moved").guid == "tag:old-host,2017:42"


def test_a_failed_transaction_leaves_nothing_behind(tmp_path):
    state = State(tmp_path / "state.db")
    state.record_publications({"first": ""}, {"first": "g"})
    with pytest.raises(ConfigurationError):  # the second entry fails after the first is in
        state.record_publications({"x": "", "second": ""}, {"x": "gx", "second": "g"})
    assert state.publication("x") is None
    assert sqlite3.connect(tmp_path / "state.db").execute(
        "SELECT count(*) FROM entries"
    ).fetchone() == (1,)


def test_a_renamed_entry_keeps_its_guid_and_media(tmp_path):
    state = State(tmp_path / "state.db")
    state.record_publications({"july-days": "https://example.org/july"}, {"july-days": "g1"})
    state.save_media_file(
        "july-days", "audio", MediaFile("media/s/july-days.m4a", 9, "audio/mp4"), "k"
    )
    guid = state.publication("july-days").guid
    renames = state.follow_renames(
        {"july-days-1917": "https://example.org/july", "other": "https://example.org/other"}
    )
    assert renames == [("july-days", "july-days-1917")]
    assert state.publication("july-days-1917").guid == guid
    assert state.publication("july-days") is None
    assert state.media_files("july-days-1917")["audio"][0].path == "media/s/july-days.m4a"


def test_no_rename_when_the_old_id_is_still_in_the_catalog(tmp_path):
    state = State(tmp_path / "state.db")
    state.record_publications({"a": "https://example.org/same"}, {"a": "ga"})
    assert (
        state.follow_renames({"a": "https://example.org/same", "b": "https://example.org/same"})
        == []
    )


def test_a_pinned_guid_another_entry_has_is_refused(tmp_path):
    state = State(tmp_path / "state.db")
    state.record_publications({"first": ""}, {"first": "g1"})
    taken = state.publication("first").guid
    with pytest.raises(ConfigurationError, match="'second' would take the GUID"):
        state.record_publications({"second": ""}, {"second": taken})
    assert state.publication("second") is None


def test_signed_caption_urls_are_never_stored(tmp_path):
    state = State(tmp_path / "state.db")
    signed = "https://www.youtube.com/api/timedtext?v=x&lang=en&expire=1700000000&signature=ab"
    plain = "https://example.org/talk.en.vtt"
    info = MediaInfo(
        source="https://example.org/talk",
        captions=(Caption("en", signed, "vtt", automatic=True), Caption("en", plain, "vtt")),
    )
    state.save_media_info("talk", cacheable(info))
    assert [c.url for c in state.media_info("talk").captions] == [plain]
    stored = sqlite3.connect(tmp_path / "state.db").execute("SELECT info FROM media_info")
    assert "signature" not in stored.fetchone()[0]


def test_files_made_before_folders_were_recorded_belong_to_feeds(tmp_path):
    old = sqlite3.connect(tmp_path / "state.db")
    for migration in MIGRATIONS[:3]:
        for statement in migration.statements:
            old.execute(statement)
        old.execute(f"PRAGMA user_version = {migration.number}")
    old.execute(
        "INSERT INTO media_files (entry_id, role, path, length, mime_type, duration, made_from)"
        " VALUES ('july-days', 'audio', 'media/s/july-days.m4a', 9, 'audio/mp4', 3.0, 'k')"
    )
    old.commit()
    old.close()
    state = State(tmp_path / "state.db")  # the default folder, "feeds"
    assert state.schema_version == len(MIGRATIONS)
    assert state.media_files("july-days")["audio"][0].path == "media/s/july-days.m4a"
    assert State(tmp_path / "state.db", folder="preview").media_files("july-days") == {}
