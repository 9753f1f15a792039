"""The top-level boxes of an MP4 file, read from their headers alone: whether it is
fragmented (`moof`), and whether its index (`moov`) comes before the media data."""

from __future__ import annotations

import struct
from pathlib import Path


class BrokenMP4(ValueError):
    """The file is not an MP4 whose boxes can be read."""


def top_level_boxes(path: Path) -> list[tuple[bytes, int, int]]:
    """(name, offset, size) of the file's top-level boxes, reading headers only."""
    result = []
    file_size = path.stat().st_size
    with path.open("rb") as handle:
        position = 0
        while position + 8 <= file_size:
            handle.seek(position)
            head = handle.read(16)
            size, name = struct.unpack(">I4s", head[:8])
            if size == 1:
                size = struct.unpack(">Q", head[8:16])[0]
            elif size == 0:
                size = file_size - position
            if size < 8 or position + size > file_size:
                raise BrokenMP4(f"{path.name}: top-level box {name!r} overruns the file")
            result.append((name, position, size))
            position += size
    return result
