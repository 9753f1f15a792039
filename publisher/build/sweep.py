"""Sweep: media nobody references any more is kept for a grace period, then removed.

A file under `media/` becomes unreferenced when its entry is deleted from the catalog or
its media is replaced by a new file. Apps may still be downloading it from an old copy
of the feed, so it stays for `site.media_grace_days` after it was first seen
unreferenced, then it is deleted.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from publisher.build.run import Run
from publisher.output.writer import TEMP_PREFIX, resolve_inside
from publisher.state import now_iso

log = logging.getLogger(__name__)


def referenced_media(run: Run) -> set[str]:
    """Every path under the folder that this run's items, the state or the output use.
    The state's files count only for entries still in the catalog, and videos only in a
    series that still has video: the files of a removed entry stay recorded (a re-added
    entry is recognised by them), but they are orphans."""
    series_of = {item.id: run.series_of(item) for item in run.items}
    paths = {
        media.path
        for entry_id, files in run.state.all_media_files().items()
        if entry_id in series_of
        for role, media in files.items()
        if role != "video" or getattr(series_of[entry_id], "video", False)
    }
    for item in run.items:
        files = [item.audio, item.video, item.image, item.chapters_file, *item.transcripts]
        paths.update(media.path for media in files if media is not None)
    paths.update(run.artwork.values())
    paths.update(run.writer.written)
    paths.update(run.writer.unchanged)
    return paths


def remove_unrendered_outputs(run: Run, previous: set[str]) -> list[str]:
    """Delete the feeds and pages the last render made and this one did not: archive pages
    past the last one, the video feed of a series without video now, the feeds and page
    of a removed series. Left behind, they would point at media the sweep deletes."""
    current = {*run.writer.written, *run.writer.unchanged, *run.refused_feeds}
    gone = sorted(p for p in previous - current if not p.startswith("media/"))
    for relative in gone:
        path = resolve_inside(run.out, relative)
        path.unlink(missing_ok=True)
        log.info("removed %s: no longer published", relative)
        if path.parent != run.out and not any(path.parent.iterdir()):
            path.parent.rmdir()  # the folder of a removed series
    return gone


def orphans_waiting(run: Run) -> bool:
    waiting = "SELECT 1 FROM removed_media WHERE folder = ? LIMIT 1"
    return run.state.db.execute(waiting, (run.state.folder,)).fetchone() is not None


def sweep_unreferenced_media(run: Run, now: datetime | None = None) -> list[str]:
    """Forget files referenced again, start the clock on new orphans, delete expired ones."""
    media_root = run.out / "media"
    if not media_root.is_dir():
        return []
    now = now or datetime.now(UTC)
    referenced = referenced_media(run)
    on_disk = {
        str(path.relative_to(run.out))
        for path in media_root.rglob("*")
        if path.is_file() and not path.name.startswith(TEMP_PREFIX)
    }
    orphans = on_disk - referenced
    first_seen = _record_orphans(run, orphans)
    grace = timedelta(days=run.catalog.site.media_grace_days)
    expired = sorted(p for p, seen in first_seen.items() if now - seen >= grace)
    for relative in expired:
        resolve_inside(run.out, relative).unlink(missing_ok=True)
        log.info("removed %s: unreferenced for %d days", relative, grace.days)
    _forget(run, expired)
    return expired


def _record_orphans(run: Run, orphans: set[str]) -> dict[str, datetime]:
    db = run.state.db
    folder = run.state.folder
    known = dict(
        db.execute("SELECT path, removed_at FROM removed_media WHERE folder = ?", (folder,))
    )
    stale = [p for p in known if p not in orphans]  # referenced again, or gone
    new = [p for p in sorted(orphans) if p not in known]
    if stale or new:
        at = now_iso()
        with run.state.transaction() as tx:
            tx.executemany(
                "DELETE FROM removed_media WHERE folder = ? AND path = ?",
                [(folder, p) for p in stale],
            )
            tx.executemany(
                "INSERT INTO removed_media (folder, path, removed_at) VALUES (?, ?, ?)",
                [(folder, p, at) for p in new],
            )
        known = {p: t for p, t in known.items() if p in orphans} | {p: at for p in new}
    return {p: datetime.fromisoformat(t) for p, t in known.items()}


def _forget(run: Run, paths: list[str]) -> None:
    if paths:
        with run.state.transaction() as tx:
            tx.executemany(
                "DELETE FROM removed_media WHERE folder = ? AND path = ?",
                [(run.state.folder, p) for p in paths],
            )
