"""The `publish_media` stage: tagged files move from the work dir into the published folder.

A first version is published as `<entry>.<ext>`; a replacement gets the file's digest in
its name, because apps cache media by URL. The enclosure length is measured here, after
tagging: it is the exact size of the bytes served."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from publisher.build.plan import Output, plan
from publisher.model import Item, MediaFile
from publisher.output.writer import file_digest
from publisher.stages import workfiles
from publisher.tools import mutagen

if TYPE_CHECKING:
    from publisher.build.run import Run


def publish_media(run: Run, item: Item) -> None:
    """Move tagged pending outputs into `media/<series>/` and record them in the state."""
    outputs = workfiles.pending_outputs(run, item)
    if not outputs:
        return
    wanted = {output.role: output for output in plan(run, item).media}
    published = run.state.media_files(item.id)
    for role, path in sorted(outputs.items()):
        output = wanted.get(role)
        if output is None or path.suffix != output.suffix:
            path.unlink()  # made for a recipe that is no longer wanted
            continue
        media = MediaFile(
            path=published_name(run, output, path, published.get(role)),
            length=path.stat().st_size,  # after tagging: the bytes that will be served
            mime_type=output.mime_type,
            duration=mutagen.media_duration(path),
        )
        run.writer.publish_file(media.path, path)
        run.state.save_media_file(item.id, role, media, output.made_from)
        item.set_file(role, media)
    workfiles.clean_up(run, item)


def published_name(run: Run, output: Output, path: Path, previous) -> str:
    """`<entry>.<ext>` for a first version; a replacement gets the file's digest in its name."""
    base, plain = output.stem, output.name
    if previous is None:
        target = run.writer.path_of(plain)
        if not target.is_file() or same_bytes(target, path):
            return plain
    elif same_bytes(run.out / previous[0].path, path):
        return previous[0].path
    return f"{base}-{file_digest(path)[:8]}{path.suffix}"


def same_bytes(one: Path, other: Path) -> bool:
    if not one.is_file() or one.stat().st_size != other.stat().st_size:
        return False
    return file_digest(one) == file_digest(other)
