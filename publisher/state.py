"""The state database: what the publisher remembers between runs.

An embedded SQLite file next to the catalog (`.publisher/state.db`), never in the
published folder. It holds each entry's GUID and first-published time (assigned once,
never changed), the cached enrichment, the media files made, and the last error. Every
change is a transaction, so a run killed at any moment leaves it consistent.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from publisher.errors import ConfigurationError
from publisher.model import Caption, Chapter, MediaFile, MediaInfo
from publisher.sources import is_signed_url

STATE_DIR = ".publisher"

# Entry GUIDs are UUIDv5 of the entry id in this namespace: stable if the database is
# lost, and independent of titles, URLs, formats and the program's version.
ENTRY_GUID_NAMESPACE = uuid.UUID("9b0f4c5e-58a2-5c1e-9d7e-1c0a6b2f3e41")

MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE entries (
        id TEXT PRIMARY KEY,
        guid TEXT NOT NULL UNIQUE,
        first_published TEXT NOT NULL
    );
    CREATE TABLE media_info (
        entry_id TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        info TEXT NOT NULL,
        fetched_at TEXT NOT NULL
    );
    CREATE TABLE media_files (
        entry_id TEXT NOT NULL,
        role TEXT NOT NULL,
        path TEXT NOT NULL,
        length INTEGER NOT NULL,
        mime_type TEXT NOT NULL,
        duration REAL,
        made_from TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (entry_id, role)
    );
    CREATE TABLE errors (
        entry_id TEXT PRIMARY KEY,
        message TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE TABLE removed_media (
        path TEXT PRIMARY KEY,
        removed_at TEXT NOT NULL
    );
    """,
    # 2: what the last render was made from, so a no-op build can skip rendering
    """
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 3: what an entry is (its source or link), so a renamed id keeps its GUID
    """
    ALTER TABLE entries ADD COLUMN identity TEXT NOT NULL DEFAULT ''
    """,
    # 4: files made, and orphans waiting, per published folder: a preview build into
    # another folder must not take over the records (and file names) of the real one
    """
    CREATE TABLE media_files_4 (
        entry_id TEXT NOT NULL,
        role TEXT NOT NULL,
        folder TEXT NOT NULL,
        path TEXT NOT NULL,
        length INTEGER NOT NULL,
        mime_type TEXT NOT NULL,
        duration REAL,
        made_from TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (entry_id, role, folder)
    );
    INSERT INTO media_files_4
        SELECT entry_id, role, 'feeds', path, length, mime_type, duration, made_from
        FROM media_files;
    DROP TABLE media_files;
    ALTER TABLE media_files_4 RENAME TO media_files;
    CREATE TABLE removed_media_4 (
        folder TEXT NOT NULL,
        path TEXT NOT NULL,
        removed_at TEXT NOT NULL,
        PRIMARY KEY (folder, path)
    );
    INSERT INTO removed_media_4 SELECT 'feeds', path, removed_at FROM removed_media;
    DROP TABLE removed_media;
    ALTER TABLE removed_media_4 RENAME TO removed_media
    """,
]


# Where an entry's id is stored: a rename moves every row.
RENAMED_COLUMNS = (
    ("entries", "id"),
    ("media_info", "entry_id"),
    ("media_files", "entry_id"),
    ("errors", "entry_id"),
)


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def state_path_for(catalog_path: Path) -> Path:
    return catalog_path.resolve().parent / STATE_DIR / "state.db"


def folder_key(catalog_path: Path, out: Path) -> str:
    """How the state names a published folder: its path relative to the catalog's."""
    return os.path.relpath(out.resolve(), catalog_path.resolve().parent)


class State:
    """A thin, typed layer over the state database.

    `folder` names the published folder this run writes (relative to the catalog, so
    moving the project keeps it): the records of files made belong to one folder.
    """

    def __init__(self, path: Path, folder: str = "feeds"):
        self.path = path
        self.folder = folder
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=10000")
        # stages run `--jobs` threads over this one connection: one transaction at a time
        self._transaction_lock = threading.RLock()
        self._migrate()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._transaction_lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        with self.transaction() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in filter(str.strip, script.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    # GUIDs and first publication -------------------------------------------------

    def publication(self, entry_id: str) -> tuple[str, datetime] | None:
        row = self.db.execute(
            "SELECT guid, first_published FROM entries WHERE id = ?", (entry_id,)
        ).fetchone()
        return (row[0], datetime.fromisoformat(row[1])) if row else None

    def publications(self) -> dict[str, tuple[str, datetime]]:
        rows = self.db.execute("SELECT id, guid, first_published FROM entries")
        return {r[0]: (r[1], datetime.fromisoformat(r[2])) for r in rows}

    def record_publications(self, entries: dict[str, str], pinned: dict[str, str]) -> None:
        """Give each entry (id -> identity) not yet published its GUID; never touches one
        already given. A pinned GUID that another entry already has is refused."""
        at = now_iso()
        with self.transaction() as db:
            for entry_id, identity in entries.items():
                guid = pinned.get(entry_id) or new_guid(entry_id)
                holder = db.execute("SELECT id FROM entries WHERE guid = ?", (guid,)).fetchone()
                if holder and holder[0] != entry_id:
                    raise ConfigurationError(
                        f"entry {entry_id!r} would take the GUID {guid} that entry"
                        f" {holder[0]!r} already has; give it another guid"
                    )
                db.execute(
                    "INSERT INTO entries (id, guid, first_published, identity)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                    (entry_id, guid, at, identity),
                )

    def follow_renames(self, identities: dict[str, str]) -> list[tuple[str, str]]:
        """Entries whose id the editor changed: (old, new) pairs, moved over with their GUID,
        media and cache. `identities` maps each catalog id to its source or link; an id
        the state does not know whose identity belongs to exactly one id the catalog no
        longer has is that entry, renamed."""
        known = dict(
            self.db.execute(
                "SELECT e.id, CASE WHEN e.identity != '' THEN e.identity ELSE"
                " coalesce(m.source, '') END FROM entries e LEFT JOIN media_info m"
                " ON m.entry_id = e.id"
            )
        )
        gone: dict[str, list[str]] = {}
        for old, identity in known.items():
            if old not in identities and identity:
                gone.setdefault(identity, []).append(old)
        renames = [
            (gone[identity][0], new)
            for new, identity in identities.items()
            if new not in known and identity and len(gone.get(identity, ())) == 1
        ]
        if renames:
            with self.transaction() as db:
                for old, new in renames:
                    for table, column in RENAMED_COLUMNS:
                        db.execute(
                            f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (new, old)
                        )
        return renames

    # Enrichment cache ------------------------------------------------------------

    def media_info(self, entry_id: str) -> MediaInfo | None:
        row = self.db.execute(
            "SELECT info FROM media_info WHERE entry_id = ?", (entry_id,)
        ).fetchone()
        return media_info_from_json(row[0]) if row else None

    def save_media_info(self, entry_id: str, info: MediaInfo) -> None:
        """Cache what enrichment found, less any signed URL: those expire, and a later run
        must read the source again rather than trust one."""
        captions = tuple(c for c in info.captions if not is_signed_url(c.url))
        info = dataclasses.replace(info, captions=captions)
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO media_info (entry_id, source, info, fetched_at)"
                " VALUES (?, ?, ?, ?)",
                (entry_id, info.source, json.dumps(dataclasses.asdict(info)), info.fetched_at),
            )

    # Media files -----------------------------------------------------------------

    def media_files(self, entry_id: str) -> dict[str, tuple[MediaFile, str]]:
        """role -> (file, what it was made from) for one entry."""
        rows = self.db.execute(
            "SELECT role, path, length, mime_type, duration, made_from FROM media_files"
            " WHERE entry_id = ? AND folder = ?",
            (entry_id, self.folder),
        )
        return {r[0]: (MediaFile(r[1], r[2], r[3], r[4]), r[5]) for r in rows}

    def all_media_files(self) -> dict[str, dict[str, MediaFile]]:
        result: dict[str, dict[str, MediaFile]] = {}
        rows = self.db.execute(
            "SELECT entry_id, role, path, length, mime_type, duration FROM media_files"
            " WHERE folder = ?",
            (self.folder,),
        )
        for eid, role, path, length, mime, duration in rows:
            result.setdefault(eid, {})[role] = MediaFile(path, length, mime, duration)
        return result

    def save_media_file(self, entry_id: str, role: str, media: MediaFile, made_from: str) -> None:
        if self.media_files(entry_id).get(role) == (media, made_from):
            return  # already recorded: a no-op run must not write a byte of the state
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO media_files"
                " (entry_id, role, folder, path, length, mime_type, duration, made_from)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entry_id,
                    role,
                    self.folder,
                    media.path,
                    media.length,
                    media.mime_type,
                    media.duration,
                    made_from,
                ),
            )

    def forget_media_file(self, entry_id: str, role: str) -> None:
        with self.transaction() as db:
            db.execute(
                "DELETE FROM media_files WHERE entry_id = ? AND role = ? AND folder = ?",
                (entry_id, role, self.folder),
            )

    # Settings and memories of the last run --------------------------------------

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # Errors ----------------------------------------------------------------------

    def errors(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT entry_id, message FROM errors"))

    def record_error(self, entry_id: str, message: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO errors (entry_id, message, at) VALUES (?, ?, ?)",
                (entry_id, message, now_iso()),
            )

    def clear_error(self, entry_id: str) -> None:
        if self.db.execute("SELECT 1 FROM errors WHERE entry_id = ?", (entry_id,)).fetchone():
            with self.transaction() as db:
                db.execute("DELETE FROM errors WHERE entry_id = ?", (entry_id,))


def new_guid(entry_id: str) -> str:
    return str(uuid.uuid5(ENTRY_GUID_NAMESPACE, entry_id))


def media_info_from_json(text: str) -> MediaInfo:
    data = json.loads(text)
    data["chapters"] = tuple(Chapter(**c) for c in data.get("chapters", ()))
    data["captions"] = tuple(Caption(**c) for c in data.get("captions", ()))
    known = {f.name for f in dataclasses.fields(MediaInfo)}
    return MediaInfo(**{k: v for k, v in data.items() if k in known})
