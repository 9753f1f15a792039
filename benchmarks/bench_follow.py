"""A followed playlist of 2,000 videos: listing it, and a no-op build with all published.

An RSS feed of 2,000 videos is served on 127.0.0.1 and followed by one series; the state
says every video was published (tiny files of the recorded length stand in for the
audio), so the build lists the feed, finds nothing new and changes nothing. Measured as
whole processes (`python -m publisher …`, imports included), against `publisher
validate` of the same catalog in the same run (the machine is shared and noisy):

  - the online no-op build: goal <= 2 s and <= 250 MB peak memory, files written 0;
  - the ratio of its time to validate's.

    python benchmarks/bench_follow.py [--videos 2000]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE.parent / "tests"))

from helpers.playlist_server import PlaylistServer  # noqa: E402


def write_catalog(folder: Path, feed_url: str) -> Path:
    (folder / "assets").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "assets" / "cover.png", folder / "assets" / "cover.png")
    text = f"""site:
  title: Follow bench
  base_url: https://feeds.example.org/
  link: https://example.org/
  language: en
  author: Bench
  owner: {{name: Bench, email: bench@example.org}}
  image: assets/cover.png
series:
  talks:
    title: Followed talks
    description: Every video of a feed.
    author: Speaker
    category: History
    follow:
      - {feed_url}
entries: []
"""
    path = folder / "media_catalog.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def feed_items(server: PlaylistServer, count: int) -> list[tuple[str, str, datetime]]:
    start = datetime(2017, 1, 1, tzinfo=UTC)
    return [
        (f"Talk {n}: on 1917 & after", server.video_url(f"v{n}"), start + timedelta(hours=n))
        for n in reversed(range(count))
    ]


def seed_published(catalog_path: Path, out: Path, items) -> None:
    """The state after every video was followed, enriched and published."""
    from publisher.model import FollowedVideo, MediaFile, MediaInfo
    from publisher.state import State, folder_key, state_path_for

    state = State(state_path_for(catalog_path), folder_key(catalog_path, out))
    feed = json.loads(catalog_path.with_suffix(".json").read_text())["feed"]
    now = datetime.now(UTC).replace(microsecond=0)
    videos, files = [], []
    for position, (title, url, published) in enumerate(items):
        entry_id = f"talk-{len(items) - position - 1}"
        seen = now - timedelta(seconds=position)
        videos.append(
            FollowedVideo(entry_id, "talks", feed, url, title, published, f"About {title}", seen)
        )
        relative = f"media/talks/{entry_id}.m4a"
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        (out / relative).write_bytes(b"\0" * 64)
        files.append((entry_id, "audio", MediaFile(relative, 64, "audio/mp4", 3.0),
                      f"{url}|m4a|off"))  # fmt: skip
        info = MediaInfo(source=url, title="talk", duration=3.0, audio_codec="mp4a.40.2",
                         offers_video=False, fetched_at=now.isoformat())  # fmt: skip
        state.save_media_info(entry_id, info)
    state.add_followed(videos)
    state.save_media_files(files)
    state.close()


def whole_process(*args: str, cwd: Path) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, stdout) of `python -m publisher ARGS` in a child."""
    code = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "done = subprocess.run([sys.executable, '-m', 'publisher', *sys.argv[1:]],"
        " capture_output=True, text=True)\n"
        "elapsed = time.perf_counter() - t\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(done.stdout + done.stderr, file=sys.stderr)\n"
        "print(elapsed, peak, done.returncode)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True,
                          text=True, check=True)  # fmt: skip
    elapsed, peak, returncode = done.stdout.split()
    if returncode != "0":
        raise SystemExit(f"publisher {' '.join(args)} exited {returncode}:\n{done.stderr}")
    return float(elapsed), float(peak), done.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=2000)
    args = parser.parse_args()
    media = {"talk.m4a": Path(tempfile.mkdtemp()) / "talk.m4a"}
    media["talk.m4a"].write_bytes(b"\0" * 64)  # never downloaded: every video is published
    with tempfile.TemporaryDirectory() as tmp, PlaylistServer(media) as server:
        folder = Path(tmp)
        items = feed_items(server, args.videos)
        feed = server.set_rss("/feed.rss", "Followed", items)
        catalog = write_catalog(folder, feed)
        catalog.with_suffix(".json").write_text(json.dumps({"feed": feed}))
        seed_published(catalog, folder / "feeds", items)
        build = ("build", "--allow-private-sources", "--quiet")
        whole_process(*build, cwd=folder)  # the first build renders the feeds
        server.requests.clear()
        runs = [whole_process(*build, cwd=folder) for _ in range(3)]
        listed = len(server.requests) // len(runs)
        noop, peak, _ = min(runs)
        validate, validate_peak, _ = min(whole_process("validate", cwd=folder) for _ in range(3))
        summary = whole_process("build", "--allow-private-sources", cwd=folder)[2]
    ok = noop <= 2 and peak <= 250 and "0 files written" in summary
    print(
        f"online no-op build, {args.videos} followed videos: {noop:.2f} s, peak {peak:.0f} MB"
        f" (goals <= 2 s, <= 250 MB); requests per build {listed} (the feed)"
    )
    print(
        f"publisher validate of the same catalog: {validate:.2f} s, peak {validate_peak:.0f} MB;"
        f" ratio {noop / validate:.2f} (time), {peak / validate_peak:.2f} (memory)"
    )
    print(f"summary: {summary.strip().splitlines()[-1]}")
    print("all goals met" if ok else "SOME GOALS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
