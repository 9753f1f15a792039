"""Knowing when there is nothing to render.

Rendering is deterministic: the same catalog, media, GUIDs, images, base URL and program
give the same bytes. So a build remembers a digest of those inputs and the size and
mtime of every file it rendered; when the next build finds the same digest and every
file as it left it, rendering would change nothing, and is skipped. This is what makes a
cron build with nothing new cost little more than reading the catalog.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import publisher
from publisher.build.run import Run
from publisher.state import LastRender

PACKAGE = Path(publisher.__file__).parent


def render_inputs_digest(run: Run) -> str:
    """A digest of everything rendering reads. The catalog counts as the bytes it was
    loaded from, not the file as it is now: an edit made during the build is then new
    to the next build, which publishes it."""
    digest = hashlib.sha256()
    digest.update(run.catalog.digest.encode())
    digest.update(run.base_url.encode())
    for item in run.items:
        digest.update(repr((item.id, item.files(), item.info, item.page)).encode())
    digest.update(repr(sorted(run.state.publications().items())).encode())
    digest.update(repr(sorted(run.state.feeds().items())).encode())
    for image in _local_images(run):
        digest.update(repr(_stat(image)).encode())
    for source in sorted(PACKAGE.rglob("*")):  # the program itself: code and templates
        if source.suffix in (".py", ".html", ".css", ".js"):
            digest.update(repr((source.name, _stat(source))).encode())
    return digest.hexdigest()


def _local_images(run: Run) -> list[Path]:
    images = [run.catalog.site.image] + [s.image for s in run.catalog.series.values() if s.image]
    return [run.catalog.root / image for image in images if "://" not in image]


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns


def nothing_to_render(run: Run, digest: str) -> bool:
    """True when the last render had these inputs and its files are all still as written."""
    last = run.state.last_render()
    if last is None or last.digest != digest:
        return False
    outputs = last.outputs
    if any(list(_stat(run.out / relative) or ()) != seen for relative, seen in outputs.items()):
        return False
    run.writer.unchanged.extend(outputs)
    return True


def last_outputs(run: Run) -> set[str]:
    """The files the last remembered render wrote or found unchanged."""
    last = run.state.last_render()
    return set(last.outputs) if last else set()


def remember_render(run: Run, digest: str) -> None:
    """Record this render's inputs and outputs, unless it refused a feed or held back an
    episode (retry next time)."""
    if run.refused_feeds or run.held_items:
        return
    outputs = {
        relative: list(_stat(run.out / relative) or ())
        for relative in sorted(set(run.writer.written) | set(run.writer.unchanged))
    }
    run.state.remember_render(LastRender(digest, outputs))
