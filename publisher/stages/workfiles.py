"""Names of an entry's files in the work dir, shared by the extract and tag stages.

Each talk gets its own folder under the run's work dir (next to the state, never
published). Downloads keep yt-dlp's `.part` file there, so a killed run resumes them.
Extraction writes `<role>.part-<pid>.<ext>`, verifies it, and renames it to `<role>.<ext>`:
only such verified files are "pending", to be tagged and then published.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.build.plan import MEDIA_TYPES
from publisher.model import AUDIO, VIDEO, Item
from publisher.sources import is_url

if TYPE_CHECKING:
    from publisher.build.run import Run

ROLES = (AUDIO, VIDEO)  # the episode's media, what extraction makes
PENDING_EXTENSIONS = tuple(MEDIA_TYPES)  # m4a, mp3, mp4


def folder(run: Run, item: Item) -> Path:
    path = run.work_dir / item.id
    path.mkdir(parents=True, exist_ok=True)
    return path


def download_path(run: Run, item: Item, key: str) -> Path:
    """Where a download of `key` (source + format) goes; stable, so it can be resumed.
    The publisher names it, not the source: no extension a site chooses (`.m3u8`) makes
    a tool take the file for something else."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return folder(run, item) / f"download-{digest}.media"


def building_path(run: Run, item: Item, role: str, ext: str) -> Path:
    """Where ffmpeg writes an output before it is verified: named by process, because an
    ffmpeg orphaned by a killed run may still be writing its own file."""
    return folder(run, item) / f"{role}.part-{os.getpid()}.{ext}"


def pending_path(run: Run, item: Item, role: str, ext: str) -> Path:
    return folder(run, item) / f"{role}.{ext}"


def pending_outputs(run: Run, item: Item) -> dict[str, Path]:
    """role -> verified output made by this run's extract stage, waiting to be published."""
    base = run.work_dir / item.id
    found = {}
    if not base.is_dir():
        return found  # the usual case, asked by three stages per talk: one stat, not six
    for role in ROLES:
        for ext in PENDING_EXTENSIONS:
            if (base / f"{role}.{ext}").is_file():
                found[role] = base / f"{role}.{ext}"
    return found


def forget_pending(run: Run, item: Item) -> None:
    """Remove outputs a killed run left unpublished or half made; extraction remakes them."""
    for path in pending_outputs(run, item).values():
        path.unlink(missing_ok=True)
    for path in (run.work_dir / item.id).glob("*.part-*.*"):
        path.unlink(missing_ok=True)


def cover_candidates(run: Run, item: Item) -> list[Path]:
    """Images for cover art, best first: the episode's, the series', the site's."""
    candidates = []
    if item.image is not None:
        candidates.append(run.out / item.image.path)
    series = run.series_of(item)
    for image in (series.image if series else None, run.catalog.site.image):
        if image and not is_url(image):
            candidates.append(run.catalog.root / image)
    return candidates


def clean_up(run: Run, item: Item) -> None:
    """Delete the entry's work folder once its media is published."""
    shutil.rmtree(run.work_dir / item.id, ignore_errors=True)


def forget_removed_entries(run: Run) -> None:
    """Delete the work folders of entries no longer in the catalog: a download left by a
    talk that was removed (or renamed) would otherwise stay forever."""
    wanted = {item.id for item in run.items}  # followed episodes too
    for leftover in run.work_dir.iterdir():
        if leftover.is_dir() and leftover.name not in wanted:
            shutil.rmtree(leftover, ignore_errors=True)
