"""Media fixtures: tiny files made by ffmpeg's lavfi, and a media server on 127.0.0.1.

Loaded as a pytest plugin by `conftest.py`. Everything is session-scoped and made once:

- `ffmpeg_exe`: path of the ffmpeg binary (imageio-ffmpeg's).
- `media_files`: a dict of name -> Path of small media, see `MEDIA_RECIPES`.
- `make_run`: builds a `Run` (catalog, state, writer) straight from model dataclasses, for
  testing stages without the catalog loader: `make_run([talk("a", url)], video=True)`.
- `media_server`: a `MediaServer` serving `media_files` under `/media/<name>`, plus pages
  and failure endpoints; `media_server.url("/media/talk.m4a")` gives a full URL and
  `media_server.requests` lists the paths asked for (clear it with `.reset()`), so a test
  can assert that a run made no request.

The plain helpers (`MediaServer`, `make_media`, `talk`, `new_run`) live in `helpers.media`,
which benchmarks and child processes import without pytest.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import imageio_ffmpeg
import pytest

from helpers.media import MediaServer, make_media, new_run, series_talks, talk
from publisher.build.run import Run

__all__ = ["MediaServer", "make_media", "new_run", "series_talks", "talk"]


@pytest.fixture(scope="session")
def ffmpeg_exe() -> str:
    """The ffmpeg binary the publisher uses by default (imageio-ffmpeg's)."""
    return imageio_ffmpeg.get_ffmpeg_exe()


@pytest.fixture(scope="session")
def media_files(ffmpeg_exe, tmp_path_factory) -> dict[str, Path]:
    """Small media made once per session: see `MEDIA_RECIPES` for names and contents."""
    return make_media(ffmpeg_exe, tmp_path_factory.mktemp("media"))


@pytest.fixture(scope="session")
def media_server(media_files) -> Iterator[MediaServer]:
    """`MediaServer` on 127.0.0.1 serving `media_files`; see its docstring for the routes."""
    with MediaServer(media_files) as server:
        yield server


@pytest.fixture
def make_run(tmp_path, media_files):
    """make_run(entries, audio_format="m4a", loudness=None, video=False, **options) -> Run.

    See `new_run`; the series and site image is `cover.png` (blue, 64x64). Calling it
    again with the same entries builds a fresh `Run` over the same state and folders:
    a rerun. States are closed at the end of the test.
    """
    runs: list[Run] = []
    (tmp_path / "catalog").mkdir(exist_ok=True)
    (tmp_path / "catalog" / "cover.png").write_bytes(media_files["cover.png"].read_bytes())

    def make(entries, **settings) -> Run:
        runs.append(new_run(tmp_path, entries, **settings))
        return runs[-1]

    yield make
    for run in runs:
        run.state.close()
