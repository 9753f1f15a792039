"""Startup: each command loads only what it needs, measured as whole processes.

    python benchmarks/bench_startup.py [--entries 1000] [--repeat 5]

Times, in the same run and as a user starts them (`python -m publisher ...`, imports
included), best of N:
  - `publisher validate` of a 1,000-entry catalog: the baseline;
  - a no-op `publisher build` of that catalog, online and `--offline` (goal <= 1.5x the
    baseline each), importing neither yt-dlp, requests nor boto3;
  - `publisher check` of what was built, importing none of yt-dlp, requests, Pillow, boto3,
    Jinja2, mutagen (and `validate` neither);
  - `publisher --help` (goal <= 0.15 s), next to a bare `python -c pass` for scale.

The catalog's talks are "already published": the state holds each one's metadata and a
media file made by the current recipe (a stand-in of the recorded length), so an online
build finds nothing to fetch, and its sources, on an unreachable host, prove it.
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
sys.path.insert(0, str(HERE))

from bench_scale import write_catalog  # noqa: E402

NEVER_IN_BUILD = ("yt_dlp", "requests", "boto3")
NEVER_IN_READERS = ("yt_dlp", "requests", "PIL", "boto3", "jinja2", "mutagen")

# Runs the real CLI in a child and reports which outside packages it imported.
IMPORTS_SCRIPT = """
import json, sys
from publisher.cli import main
try:
    main(args=sys.argv[2:], prog_name="publisher")
except SystemExit:
    pass
names = sorted({name.split(".")[0] for name in sys.modules})
with open(sys.argv[1], "w") as handle:
    json.dump(names, handle)
"""


def seed_published_talks(catalog_path: Path, out: Path) -> None:
    """Record every talk as enriched and extracted by today's recipe, with stand-in media."""
    from publisher.build.run import BuildOptions, Run
    from publisher.catalog.load import load_catalog
    from publisher.model import MediaFile, MediaInfo
    from publisher.stages.extract import MIME_TYPES, wanted_outputs
    from publisher.state import now_iso

    run = Run.create(load_catalog(catalog_path), BuildOptions(out=out))
    for item in run.items:
        if not item.entry.is_talk:
            continue
        item.info = MediaInfo(
            source=item.entry.source,
            title=item.entry.title,
            duration=3600.0,
            audio_codec="aac",
            offers_video=False,
            fetched_at=now_iso(),
        )
        run.state.save_media_info(item.id, item.info)
        for output in wanted_outputs(run, item):
            relative = f"media/{item.entry.series}/{item.id}.{output.ext}"
            (out / relative).parent.mkdir(parents=True, exist_ok=True)
            (out / relative).write_bytes(b"\0" * 64)
            media = MediaFile(relative, 64, MIME_TYPES[output.ext], 3600.0)
            run.state.save_media_file(item.id, output.role, media, output.made_from)
    run.state.close()


def publisher(*args: str, cwd: Path, check: bool = True) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "publisher", *args], cwd=cwd, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if check and done.returncode != 0:
        raise SystemExit(f"publisher {' '.join(args)} exited {done.returncode}: {done.stderr}")
    return elapsed


def best(repeat: int, *args: str, cwd: Path) -> float:
    return min(publisher(*args, cwd=cwd) for _ in range(repeat))


def bare_python(repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - start)
    return min(times)


def imported(*args: str, cwd: Path) -> set[str]:
    """The top-level packages a whole `publisher ARGS` process imported."""
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        subprocess.run(
            [sys.executable, "-c", IMPORTS_SCRIPT, report.name, *args],
            cwd=cwd,
            capture_output=True,
            check=True,
        )
        return set(json.loads(Path(report.name).read_text()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5, help="best of N timings")
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as scratch:
        folder = Path(scratch)
        catalog = write_catalog(folder, args.entries)
        seed_published_talks(catalog, folder / "feeds")
        first = subprocess.run(
            [sys.executable, "-m", "publisher", "build", "--quiet"], cwd=folder, check=False
        )
        if first.returncode != 0:
            raise SystemExit(f"the first build exited {first.returncode}")

        validate = best(args.repeat, "validate", cwd=folder)
        print(f"validate, {args.entries} entries: {validate:.3f} s (the baseline)")
        for mode in ((), ("--offline",)):
            seconds = best(args.repeat, "build", "--quiet", *mode, cwd=folder)
            ratio = seconds / validate
            loaded = sorted(imported("build", "--quiet", *mode, cwd=folder) & set(NEVER_IN_BUILD))
            ok &= ratio <= 1.5 and not loaded
            name = "no-op build " + (mode[0] if mode else "(online)")
            print(
                f"{name}: {seconds:.3f} s; ratio {ratio:.2f} (goal <= 1.5);"
                f" imports of {', '.join(NEVER_IN_BUILD)}: {loaded or 'none'}"
            )
        check = best(args.repeat, "check", cwd=folder)
        print(f"check: {check:.3f} s; ratio to validate {check / validate:.2f}")
        for command in ("validate", "check"):
            loaded = sorted(imported(command, cwd=folder) & set(NEVER_IN_READERS))
            ok &= not loaded
            print(f"{command} imports of {', '.join(NEVER_IN_READERS)}: {loaded or 'none'}")
        help_time = best(args.repeat, "--help", cwd=folder)
        bare = bare_python(args.repeat)
        ok &= help_time <= 0.15
        print(
            f"--help: {help_time:.3f} s (goal <= 0.15); bare `python -c pass` {bare:.3f} s;"
            f" the publisher's own share {help_time - bare:.3f} s"
        )
    print("all goals met" if ok else "SOME GOALS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
