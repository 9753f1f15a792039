"""Scale: a no-op build of 1,000 entries, and a full render of 10,000.

Prints ratios against baselines measured in the same run (the machine is shared and
noisy; absolute times drift):
  - no-op `build` of a 1,000-entry catalog / loading and validating that catalog alone
    (goal <= 3x), and the number of files it wrote (goal 0);
  - full render of a 10,000-entry catalog / bare feedgen building and serializing the
    same feeds (goal <= 2x), and the build's peak memory (goal <= 400 MB).

Media is "already cached": the state says every talk has its audio, and tiny files of
the recorded length stand in for it, so the benchmark measures the publisher, not ffmpeg.

    python benchmarks/bench_scale.py [--entries 10000] [--noop-entries 1000]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SERIES = 10


def write_catalog(folder: Path, entries: int) -> Path:
    """A catalog of `entries` talks in SERIES series (and a few articles)."""
    (folder / "assets").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "assets" / "cover.png", folder / "assets" / "cover.png")
    lines = [
        "site:",
        "  title: Scale test",
        "  base_url: https://feeds.example.org/",
        "  link: https://example.org/",
        "  language: en",
        "  author: Bench",
        "  owner: {name: Bench, email: bench@example.org}",
        "  image: assets/cover.png",
        "series:",
    ]
    for s in range(SERIES):
        lines += [
            f"  series-{s}:",
            f"    title: Series {s}",
            "    description: A series made for the benchmark.",
            "    author: Speaker",
            "    category: History",
        ]
    lines.append("entries:")
    start = datetime(2017, 1, 1, tzinfo=UTC)
    for n in range(entries):
        kind = "article" if n % 50 == 0 else "video"
        lines += [
            f"  - id: entry-{n}",
            f"    kind: {kind}",
            f"    series: series-{n % SERIES}",
            f'    title: "Talk number {n}: on the events of 1917 & after"',
            f"    source: https://video.example.org/watch/{n}",
            f"    link: https://example.org/talks/{n}",
            f"    published: {(start + timedelta(hours=n)).isoformat()}",
            "    authors: [Alan Woods]",
            "    summary: A summary of the talk, with <b>some</b> markup and an & sign.",
        ]
    path = folder / "media_catalog.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def seed_cached_media(catalog_path: Path, out: Path) -> None:
    """Record every talk's audio in the state, with a stand-in file of that length."""
    from publisher.catalog.load import load_catalog
    from publisher.model import MediaFile
    from publisher.state import State, folder_key, state_path_for

    catalog = load_catalog(catalog_path)
    state = State(state_path_for(catalog_path), folder_key(catalog_path, out))
    rows = []
    for entry in catalog.entries:
        if entry.kind != "video":
            continue
        relative = f"media/{entry.series}/{entry.id}.m4a"
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        (out / relative).write_bytes(b"\0" * 64)
        rows.append((entry.id, "audio", MediaFile(relative, 64, "audio/mp4", 3600.0)))
    state.save_media_files([(eid, role, media, "") for eid, role, media in rows])
    state.close()


def timed_build(catalog_path: Path, out: Path) -> tuple[float, int, float]:
    """(seconds, files written, peak RSS in MB) of `publisher build --offline`, in a child."""
    code = (
        "import json, resource, sys, time\n"
        "from pathlib import Path\n"
        "from publisher.build import build\n"
        "from publisher.build.run import BuildOptions\n"
        "t = time.perf_counter()\n"
        "report = build(Path(sys.argv[1]), BuildOptions(out=Path(sys.argv[2]), offline=True))\n"
        "elapsed = time.perf_counter() - t\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps([elapsed, len(report.written), peak]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(catalog_path), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed, written, peak = json.loads(done.stdout.strip().splitlines()[-1])
    return elapsed, written, peak


def timed_feed_render(catalog_path: Path, out: Path) -> tuple[float, float]:
    """(seconds for every feed, seconds for every feed and page), on the built run."""
    from publisher.build.restore import restore_published_media
    from publisher.build.run import BuildOptions, Run
    from publisher.catalog.load import load_catalog
    from publisher.formats import sanitize
    from publisher.guids import assign_guids
    from publisher.render import publish_channel_art, render_feeds
    from publisher.render.pages import render_pages

    run = Run.create(load_catalog(catalog_path), BuildOptions(out=out, offline=True))
    restore_published_media(run)
    assign_guids(run)
    publish_channel_art(run)
    sanitize.paragraphs_html.cache_clear()  # as a build starts: nothing rendered yet
    sanitize.plain_text.cache_clear()
    start = time.perf_counter()
    render_feeds(run)
    feeds = time.perf_counter() - start
    render_pages(run)
    run.state.close()
    return feeds, time.perf_counter() - start


def timed_load(catalog_path: Path) -> float:
    from publisher.catalog.load import load_catalog

    start = time.perf_counter()
    load_catalog(catalog_path)
    return time.perf_counter() - start


def bare_feedgen(entries: int) -> float:
    """feedgen alone, building and serializing feeds with the same items and tags."""
    import lxml.etree  # noqa: F401  (feedgen.util needs it imported)
    from feedgen.feed import FeedGenerator

    start_date = datetime(2017, 1, 1, tzinfo=UTC)
    start = time.perf_counter()
    for s in range(SERIES):
        feed = FeedGenerator()
        feed.load_extension("podcast")
        feed.title(f"Series {s}")
        feed.link(href="https://feeds.example.org/", rel="alternate")
        feed.description("A series made for the benchmark.")
        feed.podcast.itunes_category("History")
        for n in range(s, entries, SERIES):
            if n % 50 == 0:
                continue
            item = feed.add_entry(order="append")
            item.title(f"Talk number {n}: on the events of 1917 & after")
            item.guid(f"entry-{n}", permalink=False)
            item.link(href=f"https://example.org/talks/{n}")
            item.pubDate(start_date + timedelta(hours=n))
            item.description("A summary of the talk, with some markup and an & sign.")
            item.content("<p>A summary of the talk, with <b>some</b> markup.</p>")
            item.enclosure(
                f"https://feeds.example.org/media/series-{s}/entry-{n}.m4a", "64", "audio/mp4"
            )
            item.podcast.itunes_duration("3600")
            item.podcast.itunes_author("Alan Woods")
            # the other itunes tags our items carry, as far as bare feedgen can write them
            item.podcast.itunes_image("https://feeds.example.org/media/cover-0123abcd.png")
            item.podcast.itunes_explicit("no")
            item.podcast.itunes_episode_type("full")
            item.podcast.itunes_summary("A summary of the talk, with some markup and an & sign.")
        feed.rss_str(pretty=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--noop-entries", type=int, default=1_000)
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "small"
        catalog = write_catalog(small, args.noop_entries)
        seed_cached_media(catalog, small / "feeds")
        timed_build(catalog, small / "feeds")
        noop, written, _ = min(timed_build(catalog, small / "feeds") for _ in range(3))
        load = min(timed_load(catalog) for _ in range(3))
        ratio = noop / load
        ok &= ratio <= 3 and written == 0
        print(
            f"no-op build, {args.noop_entries} entries: {noop:.2f} s; load+validate "
            f"{load:.2f} s; ratio {ratio:.2f} (goal <= 3); files written {written} (goal 0)"
        )

        large = Path(tmp) / "large"
        catalog = write_catalog(large, args.entries)
        seed_cached_media(catalog, large / "feeds")
        full, written, peak = timed_build(catalog, large / "feeds")
        feeds, feeds_and_pages = min(timed_feed_render(catalog, large / "feeds") for _ in range(2))
        bare = min(bare_feedgen(args.entries) for _ in range(2))
        ratio = feeds / bare
        ok &= ratio <= 2 and peak <= 400
        print(
            f"feed render, {args.entries} entries: {feeds:.2f} s; bare feedgen {bare:.2f} s; "
            f"ratio {ratio:.2f} (goal <= 2)"
        )
        print(f"feeds and pages: {feeds_and_pages:.2f} s; ratio {feeds_and_pages / bare:.2f}")
        print(
            f"whole first build (load, validate, check, feeds, pages): {full:.2f} s "
            f"({written} files), {full / bare:.1f}x bare feedgen; peak memory {peak:.0f} MB "
            "(goal <= 400)"
        )
    print("all goals met" if ok else "SOME GOALS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
