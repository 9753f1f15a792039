"""The state's records of failures and of what series follow: each entry's last error
(with its kind and when to ask again), sites backing off, the videos found in followed
playlists and the digest of each playlist's last listing.

A mixin of `State` (publisher.state.records), so that no module passes its size.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from publisher.model import FollowedVideo, SiteHold, now_iso
from publisher.state.database import RENAMED_COLUMNS, Database

FOLLOWED_COLUMNS = (
    "entry_id, series, playlist, url, title, published, description, first_seen, date_exact"
)


class Follows(Database):
    # Errors ----------------------------------------------------------------------

    def errors(self) -> dict[str, str]:
        return dict(self._rows("SELECT entry_id, message FROM errors"))

    def record_error(
        self, entry_id: str, message: str, kind: str = "", retry_after: datetime | None = None
    ) -> None:
        """`kind` names the failure class; `retry_after`, when not to ask before."""
        after = retry_after.isoformat() if retry_after else None
        self._write(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO errors (entry_id, message, at, kind, retry_after)"
                " VALUES (?, ?, ?, ?, ?)",
                (entry_id, message, now_iso(), kind, after),
            )
        )

    def deferred_errors(self) -> dict[str, tuple[str, datetime]]:
        """entry id -> (last error, not asked again before) for entries waiting to retry."""
        rows = self._rows(
            "SELECT entry_id, message, retry_after FROM errors WHERE retry_after IS NOT NULL"
        )
        return {r[0]: (r[1], datetime.fromisoformat(r[2])) for r in rows}

    def clear_error(self, entry_id: str) -> None:
        if self._rows("SELECT 1 FROM errors WHERE entry_id = ?", (entry_id,)):
            self._write(lambda db: db.execute("DELETE FROM errors WHERE entry_id = ?", (entry_id,)))

    # Sites backing off ------------------------------------------------------------

    def site_holds(self) -> dict[str, SiteHold]:
        rows = self._rows("SELECT site, message, until, strikes FROM site_holds")
        return {r[0]: SiteHold(r[0], r[1], datetime.fromisoformat(r[2]), r[3]) for r in rows}

    def hold_site(self, hold: SiteHold) -> None:
        self._write(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO site_holds (site, message, until, strikes)"
                " VALUES (?, ?, ?, ?)",
                (hold.site, hold.message, hold.until.isoformat(), hold.strikes),
            )
        )

    def release_site(self, site: str) -> None:
        self._write(lambda db: db.execute("DELETE FROM site_holds WHERE site = ?", (site,)))

    # Videos of followed playlists -------------------------------------------------

    def followed(self) -> list[FollowedVideo]:
        """In the order they were first seen, newest listing first."""
        rows = self._rows(
            f"SELECT {FOLLOWED_COLUMNS} FROM followed ORDER BY first_seen DESC, entry_id"
        )
        return [_followed_video(row) for row in rows]

    def followed_video(self, entry_id: str) -> FollowedVideo | None:
        rows = self._rows(
            f"SELECT {FOLLOWED_COLUMNS} FROM followed WHERE entry_id = ?", (entry_id,)
        )
        return _followed_video(rows[0]) if rows else None

    def add_followed(self, videos: list[FollowedVideo]) -> None:
        rows = [
            (
                v.entry_id,
                v.series,
                v.playlist,
                v.url,
                v.title,
                v.published.isoformat() if v.published else None,
                v.description,
                v.first_seen.isoformat(),
                int(v.date_exact),
            )  # fmt: skip
            for v in videos
        ]
        self._write(
            lambda db: db.executemany(
                f"INSERT OR IGNORE INTO followed ({FOLLOWED_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        )

    def hand_over_followed(
        self, entry_id: str, catalog_id: str, source: str, recipes: dict[str, tuple[str, str]]
    ) -> None:
        """A catalog entry now has this followed video as its `source`: the followed row
        goes, and the entry takes its GUID, media and cache (unless it has its own). The
        catalog may name the video by another of its addresses (youtu.be/ID for
        watch?v=ID): `recipes` (role -> (made_from, the same recipe from `source`), from
        the episode plan) and the cache then say `source`, so nothing is made again and
        the enclosure stays."""

        def hand_over(db: sqlite3.Connection) -> None:
            listed = db.execute("SELECT url FROM followed WHERE entry_id = ?", (entry_id,))
            url = (listed.fetchone() or (None,))[0]
            db.execute("DELETE FROM followed WHERE entry_id = ?", (entry_id,))
            taken = db.execute("SELECT 1 FROM entries WHERE id = ?", (catalog_id,)).fetchone()
            if taken:
                return
            for table, column in RENAMED_COLUMNS:
                db.execute(
                    f"UPDATE OR REPLACE {table} SET {column} = ? WHERE {column} = ?",
                    (catalog_id, entry_id),
                )
            db.executemany(
                "UPDATE media_files SET made_from = ?"
                " WHERE entry_id = ? AND role = ? AND made_from = ?",
                [(new, catalog_id, role, old) for role, (old, new) in recipes.items()],
            )
            if url and url != source:
                db.execute(
                    "UPDATE media_info SET info = json_set(info, '$.source', ?)"
                    " WHERE entry_id = ? AND json_extract(info, '$.source') = ?",
                    (source, catalog_id, url),
                )

        self._write(hand_over)

    def listing_digest(self, url: str) -> str | None:
        """The digest of the bytes a followed URL answered last time it was listed."""
        rows = self._rows("SELECT digest FROM listings WHERE url = ?", (url,))
        return rows[0][0] if rows else None

    def remember_listing(self, url: str, digest: str) -> None:
        if self.listing_digest(url) == digest:
            return
        self._write(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO listings (url, digest) VALUES (?, ?)", (url, digest)
            )
        )


def _followed_video(row: tuple) -> FollowedVideo:
    return FollowedVideo(
        *row[:5], _moment(row[5]), row[6], datetime.fromisoformat(row[7]), bool(row[8])
    )


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
