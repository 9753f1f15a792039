"""The state database's file: where it lives, opening it, its backup, and one-line errors.

Nothing here knows the schema beyond what a backup check and `doctor` need: publisher.state.database
runs the connection, publisher.state.records the typed methods.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
from pathlib import Path

from publisher.errors import StateError

log = logging.getLogger(__name__)

STATE_DIR = ".publisher"


def state_path_for(catalog_path: Path) -> Path:
    return catalog_path.resolve().parent / STATE_DIR / "state.db"


def backup_path_for(state_path: Path) -> Path:
    """The copy of the state each finished build keeps, for when the state is lost."""
    return state_path.with_name(state_path.name + ".bak")


def folder_key(catalog_path: Path, out: Path) -> str:
    """How the state names a published folder: its path relative to the catalog's."""
    return os.path.relpath(out.resolve(), catalog_path.resolve().parent)


def inspect_file(path: Path) -> tuple[int, int | None]:
    """(schema version, newest mtime in ns of the files a last render wrote, or None)
    of a state database opened read-only: `publisher doctor` only looks, never creates
    or migrates it."""
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        try:
            renders = db.execute("SELECT outputs FROM renders").fetchall()
        except sqlite3.Error:  # a schema before the renders table
            renders = []
    finally:
        db.close()
    newest = max(
        (seen[1] for (text,) in renders for seen in json.loads(text).values() if seen),
        default=None,
    )
    return version, newest


def connect_to(path: Path, known_version: int) -> sqlite3.Connection:
    """A connection to the state at `path`; a database whose schema is newer than
    `known_version` (a newer publisher wrote it) is refused before anything is changed."""
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA busy_timeout=10000")
    # Reading the header proves the file is a database before anything relies on it.
    db.execute("PRAGMA schema_version").fetchone()
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > known_version:
        db.close()
        raise StateError(
            f"the state database {path} was written by a newer publisher (schema {version};"
            f" this one knows schema {known_version} at most); nothing was changed",
            advice="upgrade the publisher (pip install -U publisher), or restore the state"
            " this version wrote",
        )
    if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    return db


def disk_full(path: Path) -> bool:
    try:
        return os.statvfs(path.parent).f_bavail == 0
    except OSError:
        return False


def read_into_memory(path: Path) -> sqlite3.Connection:
    """A copy in memory of a database that cannot be opened for writing on a full disk.
    `immutable` reads the file as it is, without the shared-memory file WAL would need."""
    memory = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    if path.is_file() and path.stat().st_size:
        with contextlib.closing(sqlite3.connect(f"file:{path}?immutable=1", uri=True)) as disk:
            disk.backup(memory)
    return memory


def backup_has_entries(path: Path) -> bool:
    try:
        with contextlib.closing(read_only(backup_path_for(path))) as backup:
            return bool(backup.execute("SELECT 1 FROM entries LIMIT 1").fetchall())
    except sqlite3.Error:
        return False


def read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise sqlite3.OperationalError(f"no file {path}")
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def restore_backup(path: Path) -> bool:
    """Copy the last backup into place at `path`, if there is a readable one."""
    backup = backup_path_for(path)
    if not backup.is_file():
        return False
    try:
        source = read_only(backup)
        try:
            source.execute("PRAGMA quick_check").fetchone()
            target = sqlite3.connect(path)
            source.backup(target)
            target.close()
        finally:
            source.close()
    except sqlite3.Error as error:
        log.warning("the state backup %s cannot be read (%s); not using it", backup, error)
        return False
    return True


CORRUPT_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}


def describe_sqlite_error(path: Path, error: sqlite3.Error) -> StateError:
    """One line for a failure of the state database: what happened, what to do."""
    primary = primary_code(error)
    if primary in CORRUPT_CODES:
        return StateError(
            f"the state database {path} is corrupt ({error})",
            advice="run again: it is moved aside and rebuilt from its backup and the published"
            " folder",
            corrupt=True,
        )
    if primary == sqlite3.SQLITE_READONLY:
        return StateError(
            f"the state database {path} is read-only",
            advice=f"give this user write access to {path.parent} and the files in it",
        )
    if primary == sqlite3.SQLITE_CANTOPEN:
        return StateError(
            f"cannot open the state database {path}",
            advice=f"check that {path.parent} exists and is writable",
        )
    if primary == sqlite3.SQLITE_FULL:
        return StateError(
            f"the disk holding {path} is full", advice="free some space and run again"
        )
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return StateError(
            f"the state database {path} is locked by another program",
            advice="close it and run again",
        )
    return StateError(
        f"the state database {path} failed: {error}", advice="check the disk, then run again"
    )


def primary_code(error: sqlite3.Error) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if code is not None else None  # extended codes carry it in the low byte


def describe_os_error(path: Path, error: OSError) -> StateError:
    return StateError(
        f"cannot create the state folder {path.parent}: {error.strerror}",
        advice="make it writable or run from a writable copy of the catalog",
    )
