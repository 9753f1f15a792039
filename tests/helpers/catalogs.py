"""Catalog fixtures: the shipped catalog in a temp folder, small catalogs written on the fly,
and a way to run the real `publisher` command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import yaml_writer

REPO = Path(__file__).resolve().parents[2]


# The smallest entry that publishes: an article needs no media.
ARTICLE = {
    "id": "an-article",
    "kind": "article",
    "title": "An article",
    "link": "https://example.org/a",
    "published": "2017-07-20",
}


def talk_entry(entry_id: str, source: str, **fields) -> dict:
    """A talk of the default series `talks`, from `source` (a URL or a local path)."""
    return {
        "id": entry_id,
        "kind": "video",
        "series": "talks",
        "title": f"Talk {entry_id}",
        "source": source,
        "published": "2017-07-20",
        "authors": ["Alan Woods"],
        **fields,
    }


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def run_publisher(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> CliResult:
    """Run `python -m publisher ARGS` in `cwd`, as a user would from a shell (not a tty)."""
    full_env = {**os.environ, **(env or {})}
    done = subprocess.run(
        [sys.executable, "-m", "publisher", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return CliResult(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def shipped_catalog(tmp_path: Path) -> Path:
    """A copy of the shipped media_catalog.yaml (and its assets) in a temp folder."""
    shutil.copy(REPO / "media_catalog.yaml", tmp_path / "media_catalog.yaml")
    shutil.copytree(REPO / "assets", tmp_path / "assets")
    return tmp_path / "media_catalog.yaml"


@pytest.fixture
def write_catalog(tmp_path: Path):
    """write_catalog(entries=[...], series={...}, site={...}) -> path of a valid catalog.

    Defaults give one series `talks` (m4a, no video) and the shipped cover image; pass
    dicts to add or override keys.
    """

    def write(entries=(), series=None, site=None, name="media_catalog.yaml") -> Path:
        folder = tmp_path
        (folder / "assets").mkdir(exist_ok=True)
        shutil.copy(REPO / "assets" / "cover.png", folder / "assets" / "cover.png")
        document = {
            "site": {**yaml_writer.DEFAULT_SITE, **(site or {})},
            "series": series if series is not None else {"talks": dict(yaml_writer.DEFAULT_SERIES)},
            "entries": list(entries),
        }
        path = folder / name
        path.write_text(yaml_writer.dump(document), encoding="utf-8")
        return path

    return write


# Another process holding a folder's run lock, as a slow build would.
HOLD_THE_LOCK = (
    "import sys, time; from pathlib import Path\n"
    "from publisher.output.lock import RunLock\n"
    "with RunLock(Path(sys.argv[1])):\n"
    "    print('held', flush=True); time.sleep(120)"
)


@contextmanager
def lock_held_elsewhere(folder: Path) -> Iterator[subprocess.Popen]:
    """A child process holds the run lock of `folder` (a `.publisher` folder) inside; it
    is killed on the way out, which frees the lock as a crash would."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK, str(folder)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        holder.kill()
        holder.wait()
