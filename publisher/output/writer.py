"""The one writer: every published file goes through here.

Each file is written to a temp name in its own folder, fsynced, and `os.replace`d over
the old one, so a reader (or a run killed midway) only ever sees the old or the new
bytes. A file whose bytes would not change is left alone, mtime included, which is what
makes a no-op build write nothing.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from publisher.errors import OutputError
from publisher.model import MediaFile

TEMP_PREFIX = ".tmp-"


def resolve_inside(root: Path, relative: str) -> Path:
    """The absolute path of `relative` under `root`, refusing anything that escapes it."""
    if not relative or "\0" in relative or relative.startswith(("/", "\\")):
        raise OutputError(f"refusing to write {relative!r}: not a relative path")
    if len(relative) > 1024 or any(len(part) > 255 for part in relative.split("/")):
        raise OutputError(f"refusing to write {relative[:80]!r}…: name too long")
    root = root.resolve()
    target = (root / relative).resolve()
    if target != root and root not in target.parents:
        raise OutputError(f"refusing to write {relative!r}: it leaves {root}")
    return target


def file_digest(path: Path) -> str:
    """SHA-256 of a file, read in chunks so large media stays out of memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def temp_path_beside(target: Path, suffix: str = "") -> Iterator[Path]:
    """A temp file name in `target`'s folder, removed again unless it was renamed away."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        prefix=TEMP_PREFIX, suffix=suffix or target.suffix, dir=target.parent
    )
    os.close(handle)
    temp = Path(name)
    try:
        yield temp
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            # name the file being published, not the work file it was copied from
            raise OSError(error.errno, error.strerror, str(target)) from error
        raise
    finally:
        temp.unlink(missing_ok=True)


def replace_atomically(temp: Path, target: Path, mode: int = 0o644) -> None:
    """fsync `temp`, rename it over `target`, and fsync the folder so the rename survives."""
    with temp.open("rb") as handle:
        os.fsync(handle.fileno())
    os.chmod(temp, mode)
    os.replace(temp, target)
    _fsync_dir(target.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Writer:
    """Writes files under one root; refuses two outputs to one path in a run."""

    def __init__(self, root: Path):
        self.root = root
        self.written: list[str] = []  # paths whose bytes changed
        self.unchanged: list[str] = []
        self._claimed: set[str] = set()
        self._written: set[str] = set()

    def path_of(self, relative: str) -> Path:
        return resolve_inside(self.root, relative)

    def render_again(self) -> None:
        """A second render in the same run (with the transcripts made after the first)
        writes the same paths again: within each render, two outputs to one path are
        still refused. A path written twice is still one file written (`_changed`)."""
        self._claimed.clear()

    def _changed(self, relative: str) -> None:
        if relative not in self._written:  # a feed is announced once, a file counted once
            self._written.add(relative)
            self.written.append(relative)

    def claim(self, relative: str) -> Path:
        """Reserve `relative` for this run's output; a second claim is a bug worth stopping."""
        target = self.path_of(relative)
        key = str(target)
        if key in self._claimed:
            raise OutputError(f"two outputs were rendered to {relative}")
        self._claimed.add(key)
        return target

    def write_bytes(
        self, relative: str, data: bytes, accept: Callable[[], bool] | None = None
    ) -> bool:
        """Publish `data` at `relative`; returns whether the file changed.

        Unchanged bytes leave the file alone. `accept`, asked only when the bytes would
        change, may refuse them: the published file then stays as it was.
        """
        target = self.claim(relative)
        if _holds(target, data):
            self.unchanged.append(relative)
            return False
        if accept is not None and not accept():
            return False
        with temp_path_beside(target) as temp:
            temp.write_bytes(data)
            replace_atomically(temp, target)
        self._changed(relative)
        return True

    def write_text(self, relative: str, text: str) -> bool:
        return self.write_bytes(relative, text.encode("utf-8"))

    def publish_file(self, relative: str, source: Path) -> bool:
        """Move a finished file (already on the same file system) into place atomically."""
        target = self.claim(relative)
        if target.is_file() and file_digest(target) == file_digest(source):
            source.unlink(missing_ok=True)
            self.unchanged.append(relative)
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.stat().st_dev == target.parent.stat().st_dev:
            replace_atomically(source, target)
        else:  # another file system: copy beside the target first, so the rename is atomic
            with temp_path_beside(target) as temp:
                shutil.copyfile(source, temp)
                replace_atomically(temp, target)
            source.unlink()
        self._changed(relative)
        return True


def _holds(target: Path, data: bytes) -> bool:
    return target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data


def is_in_folder(out: Path, media: MediaFile | None) -> bool:
    """True when `media` is in the published folder with its recorded length."""
    if media is None:
        return False
    try:
        info = (out / media.path).stat()  # one stat: a build asks this of every file
    except ValueError:  # a NUL in a path read back from a feed: no such file
        return False
    except OSError as error:
        if error.errno in MISSING:
            return False
        raise  # unreadable is not missing: a feed must not drop the episode for it
    return stat.S_ISREG(info.st_mode) and info.st_size == media.length


# What `Path.is_file()` takes for "not there" (pathlib's _IGNORED_ERRNOS).
MISSING = {errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP}


def remove_stale_temp_files(root: Path) -> int:
    """Delete temp files left by a killed run; they were never published."""
    removed = 0
    if root.is_dir():
        for leftover in root.rglob(f"{TEMP_PREFIX}*"):
            leftover.unlink(missing_ok=True)
            removed += 1
    return removed
