"""Sweep: media nobody references any more is kept for a grace period, then removed.

A file under `media/` becomes unreferenced when its entry is deleted from the catalog or
its media is replaced by a new file. Apps may still be downloading it from an old copy
of the feed, so it stays for `site.media_grace_days` after it was first seen
unreferenced, then it is deleted.

What counts as referenced is read from what is published on disk (every feed, archive
page and page in the folder) as well as from this run: a feed that `check` refused keeps
its old version, and every file that version names must stay. Symbolic links under
`media/` are never followed and never removed.
"""

from __future__ import annotations

import html
import logging
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

from publisher.build.plan import keeps
from publisher.build.run import Run
from publisher.output.writer import TEMP_PREFIX, resolve_inside

log = logging.getLogger(__name__)

MEDIA = "media"
# Documents that name media: feeds, archive pages, OPML, pages.
DOCUMENT_SUFFIXES = (".xml", ".atom", ".opml", ".html", ".htm")
# A path or URL naming something under media/, up to its quote, tag or whitespace.
MEDIA_REFERENCE = re.compile(r"(?<![\w.-])media/[^\s\"'<>]+")


def referenced_media(run: Run) -> set[str]:
    """Every path under the folder that the published documents, this run's items, the
    state or the output use. The state's files count only for entries still in the
    catalog, and videos only in a series that still has video: the files of a removed
    entry stay recorded (a re-added entry is recognised by them), but they are orphans
    unless a published document still names them."""
    series_of = {item.id: run.series_of(item) for item in run.items}
    paths = {
        media.path
        for entry_id, files in run.state.all_media_files().items()
        if entry_id in series_of
        for role, media in files.items()
        if keeps(series_of[entry_id], role)
    }
    for item in run.items:
        paths.update(media.path for media in item.files().values())
    paths.update(run.artwork.values())
    paths.update(run.writer.written)
    paths.update(run.writer.unchanged)
    paths.update(published_references(run.out))
    return paths


def published_references(out: Path) -> set[str]:
    """Paths under media/ named by any document published in `out` (not under media/)."""
    found: set[str] = set()
    for folder, folders, files in os.walk(out):
        if Path(folder) == out and MEDIA in folders:
            folders.remove(MEDIA)
        for name in files:
            path = Path(folder) / name
            if name.startswith(TEMP_PREFIX) or path.suffix not in DOCUMENT_SUFFIXES:
                continue
            if path.is_symlink():
                continue
            found.update(media_paths_in(path.read_text(encoding="utf-8", errors="replace")))
    return found


def media_paths_in(text: str) -> set[str]:
    """Every `media/…` path a document names, as a path relative to the folder. A base
    URL may itself hold a `media/` segment, so each one starts a candidate."""
    paths = set()
    for match in MEDIA_REFERENCE.finditer(text):
        reference = unquote(html.unescape(match.group()).split("?")[0].split("#")[0])
        start = 0
        while (at := reference.find(f"{MEDIA}/", start)) != -1:
            paths.add(reference[at:])
            start = at + 1
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
    return run.state.has_orphans()


def sweep_unreferenced_media(run: Run, now: datetime | None = None) -> list[str]:
    """Forget files referenced again, start the clock on new orphans, delete expired ones."""
    media_root = run.out / MEDIA
    if not media_root.is_dir() or media_root.is_symlink():
        return []
    now = now or datetime.now(UTC)
    referenced = referenced_media(run)
    on_disk = media_on_disk(run.out)
    orphans = on_disk - referenced
    first_seen = _record_orphans(run, orphans, now)
    grace = timedelta(days=run.catalog.site.media_grace_days)
    expired = sorted(p for p, seen in first_seen.items() if now - seen >= grace)
    removed = []
    for relative in expired:
        try:
            (run.out / relative).unlink(missing_ok=True)
        except OSError as error:  # never fatal: the next run tries again
            log.warning("could not remove %s: %s — it is tried again next run", relative, error)
            continue
        removed.append(relative)
        log.info("removed %s: unreferenced for %d days", relative, grace.days)
    run.state.update_orphans([], removed, now)
    return removed


def media_on_disk(out: Path) -> set[str]:
    """The regular files under media/. Links are skipped, and said so: following one could
    delete (or publish) a file outside the folder."""
    found, links = set(), []
    for folder, folders, files in os.walk(out / MEDIA):  # never descends into a link
        here = Path(folder)
        links += [here / name for name in folders if (here / name).is_symlink()]
        for name in files:
            path = here / name
            if path.is_symlink():
                links.append(path)
            elif not name.startswith(TEMP_PREFIX) and path.is_file():
                found.add(path.relative_to(out).as_posix())
    for link in sorted(links):
        log.warning(
            "skipped %s: a symbolic link — links in media/ are never followed or removed;"
            " replace it with the file if it should be published",
            link.relative_to(out).as_posix(),
        )
    return found


def _record_orphans(run: Run, orphans: set[str], now: datetime) -> dict[str, datetime]:
    known = run.state.orphans()
    stale = [p for p in known if p not in orphans]  # referenced again, or gone
    new = [p for p in sorted(orphans) if p not in known]
    at = now.replace(microsecond=0)
    run.state.update_orphans(new, stale, at)
    return {p: t for p, t in known.items() if p in orphans} | {p: at for p in new}
