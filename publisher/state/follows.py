"""The state's records of failures and of what series follow: each entry's last error
(with its kind and when to ask again), sites backing off, the videos found in followed
playlists and the digest of each playlist's last listing.

A mixin of `State` (publisher.state.records), so that no module passes its size.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from publisher.formats.checked import checked_iso
from publisher.model import FollowedVideo, SiteHold, now_iso
from publisher.state.database import RENAMED_COLUMNS, Database

# The kinds of error the feed gate records: no stage has anything to retry for them.
FEED_KEPT = "feed"  # the episode's last published version stays in its feed
FEED_OUT = "feed-out"  # a new episode is left out of its feed
FEED_KINDS = (FEED_KEPT, FEED_OUT)

FOLLOWED_COLUMNS = (
    "entry_id, series, playlist, url, title, published, description, first_seen, date_exact"
)


@dataclass(frozen=True)
class Failure:
    """An entry's lasting failure, as the state keeps it between runs."""

    message: str
    since: datetime  # when it started failing
    told_at: datetime | None  # when a build last said so (None: never)


def _parsed(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class Deferral(NamedTuple):
    """A failed entry that is not asked again before `after`, unless what is tried
    changes (`tried`: `publisher.fetch.attempt_key`)."""

    message: str
    after: datetime
    kind: str
    tried: str


class Follows(Database):
    # Errors ----------------------------------------------------------------------

    def errors(self) -> dict[str, str]:
        return dict(self._rows("SELECT entry_id, message FROM errors"))

    def feed_holds(self) -> dict[str, tuple[str, bool]]:
        """entry id -> (why, left out) for episodes the feed gate did not publish as
        rendered: left out (new), or kept at their last published version."""
        rows = self._rows(
            "SELECT entry_id, message, kind FROM errors WHERE kind IN (?, ?)", FEED_KINDS
        )
        return {entry_id: (message, kind == FEED_OUT) for entry_id, message, kind in rows}

    def replace_feed_holds(self, holds: dict[str, tuple[str, bool]]) -> None:
        """Record the last render's holds, forgetting earlier ones; an error a stage
        recorded for the same entry stays (it is what the next build retries)."""

        def replace(db: sqlite3.Connection) -> None:
            for entry_id, _ in self.feed_holds().items():
                if entry_id not in holds:
                    db.execute(
                        "DELETE FROM errors WHERE entry_id = ? AND kind IN (?, ?)",
                        (entry_id, *FEED_KINDS),
                    )
            for entry_id, (message, left_out) in holds.items():
                kind = FEED_OUT if left_out else FEED_KEPT
                db.execute(
                    "INSERT INTO errors (entry_id, message, at, kind) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (entry_id) DO UPDATE SET message = excluded.message,"
                    " at = excluded.at, kind = excluded.kind WHERE errors.kind IN (?, ?)",
                    (entry_id, message, now_iso(), kind, *FEED_KINDS),
                )

        if holds or self.feed_holds():
            self._write(replace)

    def record_error(
        self,
        entry_id: str,
        message: str,
        kind: str = "",
        retry_after: datetime | None = None,
        strikes: int = 1,
        tried: str = "",
    ) -> None:
        """`kind` names the failure class; `retry_after`, when not to ask before;
        `strikes`, how many runs in a row failed trying `tried`."""
        after = retry_after.isoformat() if retry_after else None
        now = now_iso()
        # a failure that goes on keeps when it started and when it was last told
        self._write(
            lambda db: db.execute(
                "INSERT INTO errors"
                " (entry_id, message, at, kind, retry_after, since, strikes, tried)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (entry_id) DO UPDATE SET"
                " message = excluded.message, at = excluded.at, kind = excluded.kind,"
                " retry_after = excluded.retry_after, strikes = excluded.strikes,"
                " tried = excluded.tried, since = COALESCE(since, excluded.since)",
                (entry_id, message, now, kind, after, now, strikes, tried),
            )
        )

    def failures(self) -> dict[str, Failure]:
        """Each failing entry's last error, since when it fails, and when it was last told."""
        rows = self._rows("SELECT entry_id, message, COALESCE(since, at), told_at FROM errors")
        return {r[0]: Failure(r[1], datetime.fromisoformat(r[2]), _parsed(r[3])) for r in rows}

    def mark_failures_told(self, entry_ids: list[str], at: datetime) -> None:
        if entry_ids:
            self._write(
                lambda db: db.executemany(
                    "UPDATE errors SET told_at = ? WHERE entry_id = ?",
                    [(at.isoformat(), entry_id) for entry_id in entry_ids],
                )
            )

    def strikes(self, entry_id: str, tried: str) -> int:
        """How many runs in a row failed trying `tried` for the entry (0: none, or it
        was something else that failed)."""
        rows = self._rows(
            "SELECT strikes FROM errors WHERE entry_id = ? AND tried = ?", (entry_id, tried)
        )
        return rows[0][0] if rows else 0

    def deferred_errors(self) -> dict[str, Deferral]:
        """entry id -> its deferral, for entries waiting to retry."""
        rows = self._rows(
            "SELECT entry_id, message, retry_after, kind, tried FROM errors"
            " WHERE retry_after IS NOT NULL"
        )
        return {r[0]: Deferral(r[1], datetime.fromisoformat(r[2]), r[3], r[4]) for r in rows}

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
    """A listing's date as kept; one an older version kept unchecked (9999-12-31) is
    dropped here, and the video is dated when it was first seen."""
    return checked_iso(text)
