"""The state's typed methods: every SQL statement the program runs on its records.

It holds each entry's GUIDs and first-published time (assigned once, never changed), each
show's podcast:guid and the last change of each feed, the cached enrichment, the media
files made, orphans waiting out their grace period, the last render and upload digests.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from publisher.errors import ConfigurationError
from publisher.formats.checked import checked_day_text, checked_duration, checked_size
from publisher.model import ArticlePage, Caption, Chapter, MediaFile, MediaInfo, now_iso
from publisher.state.database import RENAMED_COLUMNS
from publisher.state.follows import Follows

# What a cached MediaInfo may hold: a field an older version wrote and this one dropped is
# left out.
MEDIA_INFO_FIELDS = frozenset(field.name for field in dataclasses.fields(MediaInfo))


@dataclass(frozen=True)
class Publication:
    """An entry's identity as listeners' apps know it."""

    guid: str
    first_published: datetime
    video_guid: str | None = None


@dataclass(frozen=True)
class FeedRecord:
    """What the state keeps of one published feed (per folder)."""

    podcast_guid: str | None = None
    content_digest: str | None = None  # of its bytes without lastBuildDate
    changed_at: datetime | None = None  # when that content was first published


@dataclass(frozen=True)
class LastRender:
    digest: str
    outputs: dict[str, list[int]]  # path -> [size, mtime_ns] as the render left it


class State(Follows):
    """The typed layer over the state database (errors, site holds and followed videos
    in publisher.state.follows)."""

    # GUIDs and first publication -------------------------------------------------

    def publication(self, entry_id: str) -> Publication | None:
        return self.publications().get(entry_id)

    def publications(self) -> dict[str, Publication]:
        rows = self._rows("SELECT id, guid, first_published, video_guid FROM entries")
        return {r[0]: Publication(r[1], datetime.fromisoformat(r[2]), r[3]) for r in rows}

    def record_publications(self, entries: dict[str, str], guids: dict[str, str]) -> None:
        """Give each entry (id -> identity) not yet published its GUID (`guids`: id ->
        GUID); never touches one already given. A GUID another entry has is refused."""
        at = now_iso()

        def insert(db: sqlite3.Connection) -> None:
            for entry_id, identity in entries.items():
                guid = guids[entry_id]
                holder = db.execute("SELECT id FROM entries WHERE guid = ?", (guid,)).fetchone()
                if holder and holder[0] != entry_id:
                    raise ConfigurationError(
                        f"entry {entry_id!r} would take the GUID {guid} that entry"
                        f" {holder[0]!r} already has",
                        advice="give it another guid in the catalog",
                    )
                db.execute(
                    "INSERT INTO entries (id, guid, first_published, identity)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                    (entry_id, guid, at, identity),
                )

        self._write(insert)

    def record_video_guids(self, guids: dict[str, str]) -> None:
        """Give published entries (id -> video GUID) their video GUID, once."""
        self._write(
            lambda db: db.executemany(
                "UPDATE entries SET video_guid = ? WHERE id = ? AND video_guid IS NULL",
                [(guid, entry_id) for entry_id, guid in guids.items()],
            )
        )

    def recover_publications(self, found: dict[str, tuple[str, Publication]]) -> list[str]:
        """Take publications read back from the published folder (id -> (identity,
        publication)) for entries the state does not know; what it knows always wins.
        Returns the ids taken."""

        def insert(db: sqlite3.Connection) -> list[str]:
            taken = []
            for entry_id, (identity, known) in sorted(found.items()):
                cursor = db.execute(
                    "INSERT OR IGNORE INTO entries"
                    " (id, guid, first_published, identity, video_guid) VALUES (?, ?, ?, ?, ?)",
                    (
                        entry_id,
                        known.guid,
                        known.first_published.isoformat(),
                        identity,
                        known.video_guid,
                    ),
                )
                if cursor.rowcount:
                    taken.append(entry_id)
                elif known.video_guid:
                    db.execute(
                        "UPDATE OR IGNORE entries SET video_guid = ?"
                        " WHERE id = ? AND video_guid IS NULL",
                        (known.video_guid, entry_id),
                    )
            return taken

        return self._write(insert)

    def identities(self) -> dict[str, str]:
        """id -> what the entry is (its source or link), for every entry ever published."""
        return dict(
            self._rows(
                "SELECT e.id, CASE WHEN e.identity != '' THEN e.identity ELSE"
                " coalesce(m.source, '') END FROM entries e LEFT JOIN media_info m"
                " ON m.entry_id = e.id"
            )
        )

    def follow_renames(self, identities: dict[str, str]) -> list[tuple[str, str]]:
        """Entries whose id the editor changed: (old, new) pairs, moved over with their GUID,
        media and cache. `identities` maps each catalog id to its source or link; an id
        the state does not know whose identity belongs to exactly one id the catalog no
        longer has is that entry, renamed."""
        known = self.identities()
        gone: dict[str, list[str]] = {}
        for old, identity in known.items():
            if old not in identities and identity:
                gone.setdefault(identity, []).append(old)
        renames = [
            (gone[identity][0], new)
            for new, identity in identities.items()
            if new not in known and identity and len(gone.get(identity, ())) == 1
        ]

        def move(db: sqlite3.Connection) -> None:
            for old, new in renames:
                for table, column in RENAMED_COLUMNS:
                    db.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (new, old))

        if renames:
            self._write(move)
        return renames

    # Shows: podcast:guid and the last change of each feed --------------------------

    def feeds(self) -> dict[str, FeedRecord]:
        rows = self._rows(
            "SELECT path, podcast_guid, content_digest, changed_at FROM feeds WHERE folder = ?",
            (self.folder,),
        )
        return {
            path: FeedRecord(guid, digest, datetime.fromisoformat(at) if at else None)
            for path, guid, digest, at in rows
        }

    def keep_podcast_guid(self, feed: str, guid: str, replace: bool = False) -> None:
        """Remember a feed's podcast:guid: the first one given stays, unless `replace`
        (a GUID the editor pinned in the catalog)."""
        kept = self.feeds().get(feed, FeedRecord()).podcast_guid
        if kept == guid or (kept and not replace):
            return
        self._write(
            lambda db: db.execute(
                "INSERT INTO feeds (folder, path, podcast_guid) VALUES (?, ?, ?)"
                " ON CONFLICT (folder, path) DO UPDATE SET podcast_guid = excluded.podcast_guid",
                (self.folder, feed, guid),
            )
        )

    def record_feed_change(self, feed: str, digest: str, changed_at: datetime) -> None:
        if self.feeds().get(feed, FeedRecord()).content_digest == digest:
            return
        self._write(
            lambda db: db.execute(
                "INSERT INTO feeds (folder, path, content_digest, changed_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (folder, path) DO UPDATE SET"
                " content_digest = excluded.content_digest, changed_at = excluded.changed_at",
                (self.folder, feed, digest, changed_at.isoformat()),
            )
        )

    # Enrichment cache ------------------------------------------------------------

    def media_info(self, entry_id: str) -> MediaInfo | None:
        rows = self._rows("SELECT info FROM media_info WHERE entry_id = ?", (entry_id,))
        return media_info_from_json(rows[0][0]) if rows else None

    def save_media_info(self, entry_id: str, info: MediaInfo) -> None:
        """Cache what enrichment found; the caller leaves out what must not be stored."""
        self._write(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO media_info (entry_id, source, info, fetched_at)"
                " VALUES (?, ?, ?, ?)",
                (entry_id, info.source, json.dumps(dataclasses.asdict(info)), info.fetched_at),
            )
        )

    # Article pages ---------------------------------------------------------------

    def article_pages(self) -> dict[str, ArticlePage]:
        """entry id -> what its page said when last read, in one query."""
        rows = self._rows("SELECT entry_id, page FROM article_pages")
        return {entry_id: article_page_from_json(page) for entry_id, page in rows}

    def article_page(self, entry_id: str) -> ArticlePage | None:
        rows = self._rows("SELECT page FROM article_pages WHERE entry_id = ?", (entry_id,))
        return article_page_from_json(rows[0][0]) if rows else None

    def save_article_page(self, entry_id: str, page: ArticlePage) -> None:
        self._write(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO article_pages (entry_id, link, page, fetched_at)"
                " VALUES (?, ?, ?, ?)",
                (entry_id, page.link, json.dumps(dataclasses.asdict(page)), page.fetched_at),
            )
        )

    # Media files -----------------------------------------------------------------

    def media_files(self, entry_id: str) -> dict[str, tuple[MediaFile, str]]:
        """role -> (file, what it was made from) for one entry."""
        rows = self._rows(
            "SELECT role, path, length, mime_type, duration, made_from FROM media_files"
            " WHERE entry_id = ? AND folder = ?",
            (entry_id, self.folder),
        )
        return {r[0]: (MediaFile(r[1], r[2], r[3], r[4]), r[5]) for r in rows}

    def all_media_recipes(self) -> dict[str, dict[str, str]]:
        """entry id -> role -> what its published file was made from, in one query."""
        result: dict[str, dict[str, str]] = {}
        rows = self._rows(
            "SELECT entry_id, role, made_from FROM media_files WHERE folder = ?", (self.folder,)
        )
        for entry_id, role, made_from in rows:
            result.setdefault(entry_id, {})[role] = made_from
        return result

    def all_media_info(self) -> dict[str, MediaInfo]:
        """Every cached enrichment, in one query (a build of thousands of talks)."""
        rows = self._rows("SELECT entry_id, info FROM media_info")
        return {entry_id: media_info_from_json(info) for entry_id, info in rows}

    def all_media_files(self) -> dict[str, dict[str, MediaFile]]:
        result: dict[str, dict[str, MediaFile]] = {}
        rows = self._rows(
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
        self.save_media_files([(entry_id, role, media, made_from)])

    def save_media_files(
        self, files: list[tuple[str, str, MediaFile, str]], replace: bool = True
    ) -> None:
        """Record files made (entry id, role, file, what it was made from) in one
        transaction; `replace=False` keeps a record already there."""
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        rows = [
            (eid, role, self.folder, m.path, m.length, m.mime_type, m.duration, made_from)
            for eid, role, m, made_from in files
        ]
        self._write(
            lambda db: db.executemany(
                f"{verb} INTO media_files"
                " (entry_id, role, folder, path, length, mime_type, duration, made_from)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        )

    def forget_media_file(self, entry_id: str, role: str) -> None:
        self._write(
            lambda db: db.execute(
                "DELETE FROM media_files WHERE entry_id = ? AND role = ? AND folder = ?",
                (entry_id, role, self.folder),
            )
        )

    # Orphaned media, waiting out its grace period ---------------------------------

    def orphans(self) -> dict[str, datetime]:
        """path -> when it was first seen unreferenced, in this folder."""
        rows = self._rows(
            "SELECT path, removed_at FROM removed_media WHERE folder = ?", (self.folder,)
        )
        return {path: datetime.fromisoformat(at) for path, at in rows}

    def has_orphans(self) -> bool:
        return bool(
            self._rows("SELECT 1 FROM removed_media WHERE folder = ? LIMIT 1", (self.folder,))
        )

    def update_orphans(self, new: list[str], gone: list[str], at: datetime) -> None:
        """Start the clock on `new` orphans; forget `gone` ones (referenced again, deleted)."""
        if not new and not gone:
            return

        def update(db: sqlite3.Connection) -> None:
            db.executemany(
                "DELETE FROM removed_media WHERE folder = ? AND path = ?",
                [(self.folder, p) for p in gone],
            )
            db.executemany(
                "INSERT OR REPLACE INTO removed_media (folder, path, removed_at) VALUES (?, ?, ?)",
                [(self.folder, p, at.isoformat()) for p in new],
            )

        self._write(update)

    # The last render, and uploads -------------------------------------------------

    def last_render(self) -> LastRender | None:
        rows = self._rows("SELECT digest, outputs FROM renders WHERE folder = ?", (self.folder,))
        return LastRender(rows[0][0], json.loads(rows[0][1])) if rows else None

    def remember_render(self, render: LastRender) -> None:
        if self.last_render() == render:
            return
        self._write(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO renders (folder, digest, outputs) VALUES (?, ?, ?)",
                (self.folder, render.digest, json.dumps(render.outputs, sort_keys=True)),
            )
        )

    def upload_digests(self, destination: str) -> dict[str, str]:
        """path -> digest of each file last uploaded to `destination`."""
        rows = self._rows("SELECT digests FROM uploads WHERE destination = ?", (destination,))
        return json.loads(rows[0][0]) if rows else {}

    def save_upload_digests(self, destination: str, digests: dict[str, str]) -> None:
        if self.upload_digests(destination) == digests:
            return
        self._write(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO uploads (destination, digests) VALUES (?, ?)",
                (destination, json.dumps(digests, sort_keys=True)),
            )
        )

    def has_uploads(self) -> bool:
        """Whether this folder was ever published to a destination (`publish`)."""
        return bool(self._rows("SELECT 1 FROM upload_manifests WHERE folder = ?", (self.folder,)))

    def announced(self) -> dict[str, str]:
        """Public feed URL -> digest of its bytes as last considered: announced to the hubs
        and directories, or found empty (announced once it has an episode)."""
        return dict(self._rows("SELECT url, digest FROM announcements"))

    def record_announced(self, digests: dict[str, str]) -> None:
        self._write(
            lambda db: db.executemany(
                "INSERT OR REPLACE INTO announcements (url, digest) VALUES (?, ?)",
                sorted(digests.items()),
            )
        )

    def upload_manifest(self, destination: str) -> set[str]:
        """The paths this folder uploaded to `destination`: all `--delete` may remove."""
        rows = self._rows(
            "SELECT paths FROM upload_manifests WHERE folder = ? AND destination = ?",
            (self.folder, destination),
        )
        return set(json.loads(rows[0][0])) if rows else set()

    def save_upload_manifest(self, destination: str, paths: set[str]) -> None:
        if self.upload_manifest(destination) == paths:
            return
        self._write(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO upload_manifests (folder, destination, paths)"
                " VALUES (?, ?, ?)",
                (self.folder, destination, json.dumps(sorted(paths))),
            )
        )


def media_info_from_json(text: str) -> MediaInfo:
    """Cached enrichment as kept. Its numbers and dates go through the same checks as
    when they were read, since an older version kept them unchecked (JSON's NaN too)."""
    data = json.loads(text)
    data["chapters"] = tuple(
        Chapter(start, c.get("title", ""), checked_duration(c.get("end")))
        for c in data.get("chapters", ())
        if (start := checked_duration(c.get("start"))) is not None
    )
    data["captions"] = tuple(Caption(**c) for c in data.get("captions", ()))
    data["duration"] = checked_duration(data.get("duration"))
    data["filesize"] = checked_size(data.get("filesize"))
    data["upload_date"] = checked_day_text(data.get("upload_date"))
    return MediaInfo(**{k: v for k, v in data.items() if k in MEDIA_INFO_FIELDS})


ARTICLE_PAGE_FIELDS = frozenset(field.name for field in dataclasses.fields(ArticlePage))


def article_page_from_json(text: str) -> ArticlePage:
    data = json.loads(text)
    data["authors"] = tuple(data.get("authors", ()))
    return ArticlePage(**{k: v for k, v in data.items() if k in ARTICLE_PAGE_FIELDS})
