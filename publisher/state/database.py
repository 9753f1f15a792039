"""The state database's connection: one connection, one lock, transactions, migrations.

The stages run `--jobs` threads over one connection, so every read and every write holds
the one lock. Failures of the database become one-line `StateError`s. A disk that fills up
in the middle of a run does not stop it: the database goes on in memory, the run publishes
what it made, and the next run recovers what could not be recorded from the published
folder (publisher.build.restore).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from publisher.errors import StateError
from publisher.messages import describe
from publisher.migrations import MIGRATIONS
from publisher.state.files import (
    backup_path_for,
    connect_to,
    describe_os_error,
    describe_sqlite_error,
    disk_full,
    primary_code,
    read_into_memory,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
# Where an entry's id is stored: a rename (or a catalog entry taking over a followed
# video) moves every row.
RENAMED_COLUMNS = (
    ("entries", "id"),
    ("media_info", "entry_id"),
    ("media_files", "entry_id"),
    ("errors", "entry_id"),
    ("article_pages", "entry_id"),
)


class Database:
    """One connection to the state database, behind one lock.

    `folder` names the published folder this run writes (relative to the catalog, so
    moving the project keeps it): the records of files made, of feeds and of the last
    render belong to one folder.
    """

    def __init__(self, path: Path, folder: str = "feeds"):
        self.path = path
        self.folder = folder
        self.in_memory = False  # the disk filled up: this run's records are not saved
        self._lock = threading.RLock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise describe_os_error(path, error) from None
        try:
            self.db = connect_to(path, len(MIGRATIONS))
        except sqlite3.Error as error:
            if not disk_full(path):
                raise describe_sqlite_error(path, error) from None
            self.db = self._guarded(lambda: read_into_memory(path))
            self._say_disk_full()
        if self._rows("PRAGMA quick_check(1)") != [("ok",)]:
            self.db.close()
            raise StateError(
                f"the state database {path} is corrupt",
                advice="run again: it is moved aside and rebuilt from its backup and the"
                " published folder",
                corrupt=True,
            )
        self._migrate()
        self._changes_at_open = self.db.total_changes

    def close(self) -> None:
        with self._lock:
            self.db.close()

    # The one way to the database ----------------------------------------------------

    def _guarded(self, work: Callable[[], T]) -> T:
        try:
            return work()
        except sqlite3.Error as error:
            raise describe_sqlite_error(self.path, error) from None

    def _rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._guarded(lambda: self.db.execute(sql, params).fetchall())

    def _write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` in one transaction. A full disk moves the state into memory for the
        rest of the run (said once), so what this run makes is still published."""
        with self._lock:
            try:
                return self._transaction(work)
            except sqlite3.OperationalError as error:
                if primary_code(error) != sqlite3.SQLITE_FULL or self.in_memory:
                    raise describe_sqlite_error(self.path, error) from None
            except sqlite3.Error as error:
                raise describe_sqlite_error(self.path, error) from None
            self._continue_in_memory()
            return self._guarded(lambda: self._transaction(work))

    def _transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            result = work(self.db)
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise
        return result

    def _continue_in_memory(self) -> None:
        self._say_disk_full()
        memory = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        self.db.backup(memory)
        self.db.close()
        self.db = memory

    def _say_disk_full(self) -> None:
        self.in_memory = True
        log.warning(
            "the disk holding %s is full — free some space; this run publishes what it"
            " makes and the next one recovers what could not be recorded",
            self.path,
        )

    @property
    def schema_version(self) -> int:
        return self._rows("PRAGMA user_version")[0][0]

    def _migrate(self) -> None:
        if self.schema_version >= len(MIGRATIONS):
            return  # a read-only database that is up to date can still be read

        def run_migrations(db: sqlite3.Connection) -> None:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            for migration in MIGRATIONS[version:]:
                for statement in migration.statements:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {migration.number}")

        self._write(run_migrations)

    def require_writable(self) -> None:
        """StateError (read-only) now, before a build or an upload changes anything, if
        this database cannot be written: a run that published and then could not record
        it would leave the next one to guess."""
        if self.in_memory:
            return  # a full disk: this run goes on in memory, and says so

        def probe(db: sqlite3.Connection) -> None:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            db.execute("BEGIN IMMEDIATE")
            try:  # a write of the header, rolled back: SQLite refuses it when read-only
                db.execute(f"PRAGMA user_version = {int(version)}")
            finally:
                db.execute("ROLLBACK")

        with self._lock:
            self._guarded(lambda: probe(self.db))

    def is_empty(self) -> bool:
        """True when the state remembers no publication at all (new, emptied or lost)."""
        return not self._rows("SELECT 1 FROM entries LIMIT 1")

    def keep_backup(self) -> None:
        """Copy the state beside itself after a build that changed it; never fatal."""
        target = backup_path_for(self.path)
        if self.in_memory or (self.db.total_changes == self._changes_at_open and target.is_file()):
            return
        try:
            self.backup_to(target)
        except (StateError, OSError) as error:
            log.warning("could not keep a backup of the state at %s: %s", target, describe(error))

    def backup_to(self, target: Path) -> None:
        """A consistent copy of the database at `target` (written beside it, then renamed)."""
        temp = target.with_name(target.name + ".tmp")
        with self._lock:
            copy = self._guarded(lambda: sqlite3.connect(temp))
            try:
                self._guarded(lambda: self.db.backup(copy))
            finally:
                copy.close()
        os.replace(temp, target)
