"""The state database's schema, as numbered migrations.

Each migration is a name and a tuple of statements, run in one transaction with the
schema version (`PRAGMA user_version`) it brings the file to. Statements are listed one
by one, never split out of a script, so a `;` inside one can never cut it in two.
A migration, once released, is never edited: a change is a new one at the end.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "the first schema",
        (
            """CREATE TABLE entries (
                id TEXT PRIMARY KEY,
                guid TEXT NOT NULL UNIQUE,
                first_published TEXT NOT NULL
            )""",
            """CREATE TABLE media_info (
                entry_id TEXT PRIMARY KEY,
                source TEXT NOT NULL,
                info TEXT NOT NULL,
                fetched_at TEXT NOT NULL
            )""",
            """CREATE TABLE media_files (
                entry_id TEXT NOT NULL,
                role TEXT NOT NULL,
                path TEXT NOT NULL,
                length INTEGER NOT NULL,
                mime_type TEXT NOT NULL,
                duration REAL,
                made_from TEXT NOT NULL DEFAULT '',
                PRIMARY KEY (entry_id, role)
            )""",
            """CREATE TABLE errors (
                entry_id TEXT PRIMARY KEY,
                message TEXT NOT NULL,
                at TEXT NOT NULL
            )""",
            """CREATE TABLE removed_media (
                path TEXT PRIMARY KEY,
                removed_at TEXT NOT NULL
            )""",
        ),
    ),
    Migration(
        2,
        "what the last render was made from, so a no-op build can skip rendering",
        ("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",),
    ),
    Migration(
        3,
        "what an entry is (its source or link), so a renamed id keeps its GUID",
        ("ALTER TABLE entries ADD COLUMN identity TEXT NOT NULL DEFAULT ''",),
    ),
    Migration(
        4,
        "files made, and orphans waiting, per published folder: a preview build into"
        " another folder must not take over the records (and file names) of the real one",
        (
            """CREATE TABLE media_files_4 (
                entry_id TEXT NOT NULL,
                role TEXT NOT NULL,
                folder TEXT NOT NULL,
                path TEXT NOT NULL,
                length INTEGER NOT NULL,
                mime_type TEXT NOT NULL,
                duration REAL,
                made_from TEXT NOT NULL DEFAULT '',
                PRIMARY KEY (entry_id, role, folder)
            )""",
            """INSERT INTO media_files_4
                SELECT entry_id, role, 'feeds', path, length, mime_type, duration, made_from
                FROM media_files""",
            "DROP TABLE media_files",
            "ALTER TABLE media_files_4 RENAME TO media_files",
            """CREATE TABLE removed_media_4 (
                folder TEXT NOT NULL,
                path TEXT NOT NULL,
                removed_at TEXT NOT NULL,
                PRIMARY KEY (folder, path)
            )""",
            "INSERT INTO removed_media_4 SELECT 'feeds', path, removed_at FROM removed_media",
            "DROP TABLE removed_media",
            "ALTER TABLE removed_media_4 RENAME TO removed_media",
        ),
    ),
    Migration(
        5,
        "identities of their own: video GUIDs per entry, podcast:guid and the last change"
        " of each feed, the last render and upload digests in tables of their own",
        (
            "ALTER TABLE entries ADD COLUMN video_guid TEXT",
            "CREATE UNIQUE INDEX entries_video_guid ON entries (video_guid)",
            """CREATE TABLE feeds (
                folder TEXT NOT NULL,
                path TEXT NOT NULL,
                podcast_guid TEXT,
                content_digest TEXT,
                changed_at TEXT,
                PRIMARY KEY (folder, path)
            )""",
            """CREATE TABLE renders (
                folder TEXT PRIMARY KEY,
                digest TEXT NOT NULL,
                outputs TEXT NOT NULL
            )""",
            """CREATE TABLE uploads (
                destination TEXT PRIMARY KEY,
                digests TEXT NOT NULL
            )""",
            # what each folder put at each destination: all that `publish --delete` removes
            """CREATE TABLE upload_manifests (
                folder TEXT NOT NULL,
                destination TEXT NOT NULL,
                paths TEXT NOT NULL,
                PRIMARY KEY (folder, destination)
            )""",
            """INSERT INTO renders (folder, digest, outputs)
                SELECT substr(key, length('last_render:') + 1),
                       json_extract(value, '$.digest'), json(json_extract(value, '$.outputs'))
                FROM meta WHERE key LIKE 'last_render:%'""",
            """INSERT INTO uploads (destination, digests)
                SELECT substr(key, length('s3-digests:') + 1), value
                FROM meta WHERE key LIKE 's3-digests:%'""",
            "DROP TABLE meta",
        ),
    ),
    Migration(
        6,
        "what kind of failure an entry had and when to ask again; sites backing off;"
        " videos found in followed playlists (episodes that are not in the catalog) and"
        " the digest of each playlist's last listing",
        (
            "ALTER TABLE errors ADD COLUMN kind TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE errors ADD COLUMN retry_after TEXT",
            """CREATE TABLE site_holds (
                site TEXT PRIMARY KEY,
                message TEXT NOT NULL,
                until TEXT NOT NULL,
                strikes INTEGER NOT NULL
            )""",
            """CREATE TABLE followed (
                entry_id TEXT PRIMARY KEY,
                series TEXT NOT NULL,
                playlist TEXT NOT NULL,
                url TEXT NOT NULL UNIQUE,
                title TEXT NOT NULL,
                published TEXT,
                description TEXT NOT NULL DEFAULT '',
                first_seen TEXT NOT NULL,
                date_exact INTEGER NOT NULL DEFAULT 1
            )""",
            "CREATE TABLE listings (url TEXT PRIMARY KEY, digest TEXT NOT NULL)",
        ),
    ),
    Migration(
        7,
        "what each article's page said when last read (its main text, description,"
        " authors, date and image), for offline builds and pages that cannot be read",
        (
            """CREATE TABLE article_pages (
                entry_id TEXT PRIMARY KEY,
                link TEXT NOT NULL,
                page TEXT NOT NULL,
                fetched_at TEXT NOT NULL
            )""",
        ),
    ),
    Migration(
        8,
        "what the hubs and directories were last told of each feed (the digest of its"
        " bytes), so each hears of a change once; when an entry's failure started and"
        " when it was last told, so a lasting one is told when it starts, once a day while"
        " it lasts, and when it ends",
        (
            "CREATE TABLE announcements (url TEXT PRIMARY KEY, digest TEXT NOT NULL)",
            "ALTER TABLE errors ADD COLUMN since TEXT",
            "ALTER TABLE errors ADD COLUMN told_at TEXT",
        ),
    ),
    Migration(
        9,
        "an entry's consecutive failures, and what was tried: a failing entry backs off,"
        " and an edit of it is tried at once",
        (
            "ALTER TABLE errors ADD COLUMN strikes INTEGER NOT NULL DEFAULT 1",
            "ALTER TABLE errors ADD COLUMN tried TEXT NOT NULL DEFAULT ''",
        ),
    ),
)
