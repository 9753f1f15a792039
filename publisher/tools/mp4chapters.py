"""MP4 chapters as a Nero `chpl` box in `moov/udta`, which mutagen reads but cannot write.

Podcast players (and mutagen, ffmpeg, VLC) read chapters from `chpl`. Writing one means
rebuilding `moov`; when `moov` sits before the media data (faststart files), growing it
moves the data, so every chunk offset (`stco`/`co64`) is shifted by the same amount.
"""

from __future__ import annotations

import os
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path

from publisher.formats.mp4boxes import BrokenMP4, top_level_boxes
from publisher.model import Chapter

CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"udta", b"edts", b"dinf"}
TICKS_PER_SECOND = 10_000_000  # chpl times are in 100 ns units


def boxes(data: bytes | bytearray, start: int = 0, end: int | None = None) -> Iterator[tuple]:
    """(name, offset, header size, total size) of each box in data[start:end]."""
    end = len(data) if end is None else end
    position = start
    while position + 8 <= end:
        size, name = struct.unpack(">I4s", data[position : position + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[position + 8 : position + 16])[0], 16
        elif size == 0:
            size = end - position
        if size < header or position + size > end:
            raise BrokenMP4(f"box {name!r} at {position} overruns its parent")
        yield name, position, header, size
        position += size


def render(name: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), name) + payload


def chpl_box(chapters: tuple[Chapter, ...]) -> bytes:
    """A version-1 `chpl` box: up to 255 chapters, titles of up to 255 UTF-8 bytes."""
    payload = bytearray(b"\x01\x00\x00\x00" + b"\x00\x00\x00\x00")  # version 1, reserved
    kept = chapters[:255]
    payload.append(len(kept))
    for chapter in kept:
        title = chapter.title.encode("utf-8")[:255].decode("utf-8", "ignore").encode("utf-8")
        payload += struct.pack(">QB", round(chapter.start * TICKS_PER_SECOND), len(title))
        payload += title
    return render(b"chpl", bytes(payload))


def _rebuilt_moov(moov: bytes, header: int, chpl: bytes | None) -> bytes:
    """`moov` with its `udta/chpl` replaced by `chpl` (or removed when None)."""
    children = []
    found_udta = False
    for name, offset, child_header, size in boxes(moov, header):
        box = moov[offset : offset + size]
        if name == b"udta":
            found_udta = True
            kept = [box[o : o + s] for n, o, _, s in boxes(box, child_header) if n != b"chpl"]
            box = render(b"udta", (chpl or b"") + b"".join(kept))
        children.append(box)
    if not found_udta and chpl:
        children.append(render(b"udta", chpl))
    return render(b"moov", b"".join(children))


def _shift_chunk_offsets(moov: bytearray, delta: int, after: int) -> None:
    """Add `delta` to every chunk offset pointing past `after` (where the data moved)."""

    def walk(start: int, end: int) -> None:
        for name, offset, header, size in boxes(moov, start, end):
            if name in CONTAINERS:
                walk(offset + header, offset + size)
            elif name in (b"stco", b"co64"):
                width, code = (4, ">I") if name == b"stco" else (8, ">Q")
                count = struct.unpack(">I", moov[offset + 12 : offset + 16])[0]
                for index in range(count):
                    at = offset + 16 + index * width
                    value = struct.unpack(code, moov[at : at + width])[0]
                    if value > after:
                        moov[at : at + width] = struct.pack(code, value + delta)

    walk(8, len(moov))


def write(path: Path, chapters: tuple[Chapter, ...]) -> None:
    """Set the chapters of the MP4 at `path` (no chapters removes any there were)."""
    top = top_level_boxes(path)
    moov_box = next((box for box in top if box[0] == b"moov"), None)
    if moov_box is None:
        raise BrokenMP4(f"{path.name} has no moov box")
    _, moov_offset, moov_size = moov_box
    with path.open("rb") as handle:
        handle.seek(moov_offset)
        old = handle.read(moov_size)
    header = 16 if struct.unpack(">I", old[:4])[0] == 1 else 8
    new = bytearray(_rebuilt_moov(old, header, chpl_box(chapters) if chapters else None))
    if bytes(new) == old:
        return
    data_after_moov = any(name == b"mdat" and offset > moov_offset for name, offset, _ in top)
    if data_after_moov:
        _shift_chunk_offsets(new, len(new) - moov_size, moov_offset)
    if moov_offset + moov_size == path.stat().st_size:
        with path.open("r+b") as handle:  # moov is last: rewrite the tail only
            handle.seek(moov_offset)
            handle.write(new)
            handle.truncate()
        return
    _rewrite_with_moov(path, moov_offset, moov_size, bytes(new))


def _rewrite_with_moov(path: Path, offset: int, old_size: int, moov: bytes) -> None:
    temp = path.with_name(path.name + ".chpl")
    with path.open("rb") as source, temp.open("wb") as target:
        shutil.copyfileobj(_limited(source, offset), target)
        target.write(moov)
        source.seek(offset + old_size)
        shutil.copyfileobj(source, target, 1 << 20)
    os.replace(temp, path)


def _limited(handle, length: int):
    """A reader of the first `length` bytes of `handle`."""

    class Reader:
        remaining = length

        def read(self, size: int = -1) -> bytes:
            size = self.remaining if size < 0 else min(size, self.remaining)
            data = handle.read(size)
            self.remaining -= len(data)
            return data

    handle.seek(0)
    return Reader()
