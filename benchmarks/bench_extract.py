"""Benchmark: how fast a talk becomes a published, tagged audio episode.

    python benchmarks/bench_extract.py [--minutes 60] [--talks 20] [--latency 0]

Makes a 60-minute AAC talk with ffmpeg (one minute encoded, then looped by stream copy,
so making it takes seconds), serves it on 127.0.0.1, and times, in the same run:

- ours: the real stages (enrich, extract, tag, publish_media) in a fresh Python process,
  wall time from process start to the published file, imports included;
- Podsync's path: `yt-dlp -x --audio-format mp3` on the same URL;
- the bare limit: `ffmpeg -i URL -vn -c:a copy out.m4a`;
- 20 short talks with --jobs 4 against --jobs 1 (stages only, in one process each),
  once with the server answering after `--latency` (default 100 ms, as a remote site
  does: that waiting is what parallel jobs overlap) and once with no latency at all
  (then the work is CPU-bound and the machine's core count caps the gain).

Peak memory is the largest resident set of the build process or any ffmpeg it ran
(`getrusage(RUSAGE_CHILDREN)` in a fresh measuring process). Prints the ratios and
whether each meets its target.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import imageio_ffmpeg  # noqa: E402
from helpers.measure import measure  # noqa: E402
from helpers.media import MediaServer  # noqa: E402

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()

# Runs in a child process: build one or more talks with the real stages.
BUILD_SCRIPT = """
import json, sys, time
sys.path.insert(0, {tests!r})
import pathlib
from helpers import media as media_helpers
from publisher.stages.enrich import enrich
from publisher.stages.extract import extract
from publisher.stages.publish_media import publish_media
from publisher.build.runner import run_item_stages
from publisher.stages.tag import tag
started = time.perf_counter()
entries = [media_helpers.talk(f"talk-{{i}}", url) for i, url in enumerate({urls!r})]
run = media_helpers.new_run(pathlib.Path({folder!r}), entries, jobs={jobs})
run_item_stages(run, [enrich, extract, tag, publish_media])
failed = {{item.id: item.error for item in run.items if item.error}}
print(json.dumps({{"stages_seconds": time.perf_counter() - started, "failed": failed}}))
"""


def make_talk(folder: Path, minutes: int, name: str) -> Path:
    """A talk of `minutes` minutes: 44.1 kHz stereo AAC at 128 kbit/s, like YouTube's m4a."""
    minute = folder / f"minute-{name}.m4a"
    tone = "sine=frequency=220:sample_rate=44100:duration=60"
    noise = "anoisesrc=color=pink:amplitude=0.05:sample_rate=44100:duration=60"
    subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", tone, "-f", "lavfi",
                    "-i", noise, "-filter_complex", "amix=inputs=2,aformat=channel_layouts=stereo",
                    "-c:a", "aac", "-b:a", "128k", str(minute)], check=True)  # fmt: skip
    talk = folder / name
    subprocess.run([FFMPEG, "-v", "error", "-y", "-stream_loop", str(minutes - 1), "-i",
                    str(minute), "-c", "copy", str(talk)], check=True)  # fmt: skip
    minute.unlink()
    return talk


def build_command(folder: Path, urls: list[str], jobs: int) -> list[str]:
    script = BUILD_SCRIPT.format(tests=str(HERE.parent / "tests"), urls=urls,
                                 folder=str(folder), jobs=jobs)  # fmt: skip
    return [sys.executable, "-c", script]


def bench_long_talk(work: Path, server: MediaServer, url: str) -> dict[str, dict]:
    results = {}
    results["bare"] = measure([FFMPEG, "-v", "error", "-y", "-i", url, "-vn", "-c:a", "copy",
                               str(work / "bare.m4a")])  # fmt: skip
    results["ours"] = measure(build_command(work / "ours", [url], jobs=1))
    ours = json.loads(results["ours"]["stdout"].strip().splitlines()[-1])
    if ours["failed"]:
        raise SystemExit(f"our build failed: {ours['failed']}")
    results["ours"]["stages_seconds"] = ours["stages_seconds"]
    results["podsync"] = measure([sys.executable, "-m", "yt_dlp", "-q", "--no-progress",
                                  "--ffmpeg-location", FFMPEG, "-x", "--audio-format", "mp3",
                                  "-o", str(work / "podsync.%(ext)s"), url])  # fmt: skip
    return results


def bench_jobs(work: Path, files: dict[str, Path], count: int, latency: float) -> dict:
    """Seconds the stages take for `count` short talks with --jobs 1 and --jobs 4."""
    seconds = {}
    with MediaServer(files, latency=latency) as server:
        urls = [server.url(f"/media/short-{i}.m4a") for i in range(count)]
        for jobs in (1, 4):
            result = measure(build_command(work / f"jobs-{jobs}-{latency}", urls, jobs))
            report = json.loads(result["stdout"].strip().splitlines()[-1])
            if report["failed"]:
                raise SystemExit(f"--jobs {jobs} failed: {report['failed']}")
            seconds[jobs] = report["stages_seconds"]
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--talks", type=int, default=20)
    parser.add_argument("--short-minutes", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.1,
                        help="server delay per response in the jobs test")  # fmt: skip
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-extract-") as temp:
        work = Path(temp)
        started = time.perf_counter()
        talk = make_talk(work, args.minutes, "talk.m4a")
        short = make_talk(work, args.short_minutes, "short.m4a")
        files = {"talk.m4a": talk, **{f"short-{i}.m4a": short for i in range(args.talks)}}
        print(f"made {args.minutes} min talk ({talk.stat().st_size / 1e6:.0f} MB) "
              f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
        with MediaServer(files) as server:
            long = bench_long_talk(work, server, server.url("/media/talk.m4a"))
        local_jobs = bench_jobs(work, files, args.talks, latency=0.0)
        jobs = bench_jobs(work, files, args.talks, latency=args.latency)

    ours, bare, podsync = long["ours"], long["bare"], long["podsync"]
    rows = [
        ("ours vs Podsync (yt-dlp -x mp3)", ours["wall"] / podsync["wall"], 0.25),
        ("ours vs bare ffmpeg copy", ours["wall"] / bare["wall"], 1.5),
        (f"{args.talks} talks --jobs 4 vs --jobs 1", jobs[4] / jobs[1], 0.4),
        ("  same, server without latency", local_jobs[4] / local_jobs[1], 0.4),
    ]
    print(f"ours:    {ours['wall']:.2f} s wall (stages alone {ours['stages_seconds']:.2f} s),"
          f" peak {ours['peak_mb']:.0f} MB")  # fmt: skip
    print(f"bare:    {bare['wall']:.2f} s, peak {bare['peak_mb']:.0f} MB")
    print(f"podsync: {podsync['wall']:.2f} s, peak {podsync['peak_mb']:.0f} MB")
    print(f"jobs:    --jobs 1 {jobs[1]:.2f} s, --jobs 4 {jobs[4]:.2f} s"
          f" (server latency {args.latency * 1000:.0f} ms per response)")  # fmt: skip
    print(f"         --jobs 1 {local_jobs[1]:.2f} s, --jobs 4 {local_jobs[4]:.2f} s"
          " (no latency: CPU-bound on this machine's cores)")  # fmt: skip
    for name, ratio, target in rows:
        verdict = "ok" if ratio <= target else "MISSED"
        print(f"{name:40s} {ratio:5.2f}x (target <= {target}x) {verdict}")
    verdict = "ok" if ours["peak_mb"] <= 200 else "MISSED"
    print(
        f"{'peak memory of our build':40s} {ours['peak_mb']:5.0f} MB (target <= 200 MB) {verdict}"
    )


if __name__ == "__main__":
    main()
