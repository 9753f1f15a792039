"""The state database: schema version, GUIDs assigned once."""

from __future__ import annotations

import sqlite3

from publisher.state import MIGRATIONS, State, new_guid


def test_new_database_is_at_the_latest_schema(tmp_path):
    state = State(tmp_path / "state.db")
    assert state.schema_version == len(MIGRATIONS)
    state.close()
    reopened = State(tmp_path / "state.db")  # migrating again is a no-op
    assert reopened.schema_version == len(MIGRATIONS)


def test_guid_is_assigned_once_and_never_changes(tmp_path):
    state = State(tmp_path / "state.db")
    state.record_publications(["july-days"], pinned={})
    guid, first = state.publication("july-days")
    assert guid == new_guid("july-days")
    state.record_publications(["july-days"], pinned={"july-days": "other"})
    assert state.publication("july-days") == (guid, first)


def test_pinned_guid_is_used_at_first_publication(tmp_path):
    state = State(tmp_path / "state.db")
    state.record_publications(["moved"], pinned={"moved": "tag:old-host,2017:42"})
    assert state.publication("moved")[0] == "tag:old-host,2017:42"


def test_a_failed_transaction_leaves_nothing_behind(tmp_path):
    state = State(tmp_path / "state.db")
    try:
        with state.transaction() as db:
            db.execute("INSERT INTO entries VALUES ('x', 'g', '2017-01-01T00:00:00+00:00')")
            raise RuntimeError("killed")
    except RuntimeError:
        pass
    assert state.publication("x") is None
    assert sqlite3.connect(tmp_path / "state.db").execute(
        "SELECT count(*) FROM entries"
    ).fetchone() == (0,)
