"""The state: what the publisher remembers between runs.

An embedded SQLite file next to the catalog (`.publisher/state.db`), never in the
published folder. Every change is a transaction, so a run killed at any moment leaves it
consistent, and every finished build that changed it keeps a backup beside it. Every SQL
statement of the program is in this package; callers use `State`'s typed methods.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from publisher.errors import StateError
from publisher.state.files import (
    backup_has_entries,
    backup_path_for,
    folder_key,
    inspect_file,
    restore_backup,
    state_path_for,
)
from publisher.state.records import FeedRecord, LastRender, Publication, State

__all__ = [
    "FeedRecord",
    "LastRender",
    "Publication",
    "State",
    "backup_path_for",
    "folder_key",
    "inspect_file",
    "opened_state",
    "state_path_for",
]

log = logging.getLogger(__name__)


@contextmanager
def opened_state(path: Path, folder: str = "feeds") -> Iterator[State]:
    """The state at `path`, closed afterwards. A corrupt file is moved aside (never
    deleted) and replaced by the last backup, or by a new database; publisher.guids then
    recovers what it can from the published folder."""
    try:
        state = State(path, folder)
    except StateError as error:
        if not error.corrupt:
            raise
        state = _replace_corrupt(path, folder)
    else:
        if state.is_empty() and not state.in_memory and backup_has_entries(path):
            state.close()
            restore_backup(path)
            log.warning("the state database %s was missing or empty: restored its backup", path)
            state = State(path, folder)
    try:
        yield state
    finally:
        state.close()


def _replace_corrupt(path: Path, folder: str) -> State:
    aside = path.with_name(f"{path.name}.corrupt-{datetime.now(UTC):%Y%m%dT%H%M%S}")
    os.replace(path, aside)
    for suffix in ("-wal", "-shm"):  # they belong to the corrupt file, not to a new one
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            os.replace(companion, aside.with_name(aside.name + suffix))
    restored = restore_backup(path)
    log.warning(
        "the state database %s was corrupt: moved it to %s and %s",
        path,
        aside.name,
        "restored the last backup" if restored else "started a new one",
    )
    return State(path, folder)
