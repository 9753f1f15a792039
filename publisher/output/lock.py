"""One run at a time per state database.

An advisory `flock` on a file beside the state: the kernel releases it when the holder
dies, so a lock left by a killed run never blocks the next one.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from publisher.errors import LockHeld


class RunLock:
    """`name` separates what is locked: builds and uploads share "lock"; `add`, which
    rewrites the catalog a build only reads, takes "catalog.lock"."""

    def __init__(self, state_dir: Path, name: str = "lock"):
        self.path = state_dir / name
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise LockHeld(
                f"another run (pid {holder}) is working on {self.path.parent}; "
                "this one stops without changing anything"
            ) from None
        try:  # the pid only names the holder in a message: a full disk must not stop the run
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError:
            pass
        self._fd = fd
        return self

    def holder(self) -> str | None:
        """The pid of the run holding the lock now, or None (for `publisher doctor`)."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        finally:
            os.close(fd)
        return None

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
