"""Startup: each command loads only what it needs, measured as whole processes.

    python benchmarks/bench_startup.py [--entries 1000] [--repeat 5]

Times, in the same run, best of N taken in rounds of one run of each command, as a user
starts them (`python -m publisher ...`, imports included):
  - `publisher validate` of a 1,000-entry catalog: the baseline;
  - a no-op `publisher build` of that catalog, online and `--offline` (goal <= 1.5x the
    baseline each), importing none of yt-dlp, requests, boto3, mutagen, Pillow, Jinja2,
    feedgen, lxml;
  - `publisher check` of what was built, importing none of yt-dlp, requests, Pillow, boto3,
    Jinja2, mutagen (and `validate` neither);
  - `publisher --help` (goal <= 0.15 s), next to a bare `python -c pass` for scale.

The catalog's talks are "already published": the state holds each one's metadata and a
media file made by the current recipe (a stand-in of the recorded length), so an online
build finds nothing to fetch, and its sources, on an unreachable host, prove it.

Every process runs with compiled bytecode cached (in a scratch PYTHONPYCACHEPREFIX, warmed
by the first run), as an installed package does: with PYTHONDONTWRITEBYTECODE set, each
process would compile every module it imports again, and that is what would be measured.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_scale import write_catalog  # noqa: E402

ENV = dict(os.environ)

NEVER_IN_BUILD = ("yt_dlp", "requests", "boto3", "mutagen", "PIL", "jinja2", "feedgen", "lxml")
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
    from publisher.build.plan import plan
    from publisher.build.run import BuildOptions, Run
    from publisher.catalog.load import load_catalog
    from publisher.model import MediaFile, MediaInfo, now_iso

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
        for output in plan(run, item).media:
            relative = output.name
            (out / relative).parent.mkdir(parents=True, exist_ok=True)
            (out / relative).write_bytes(b"\0" * 64)
            media = MediaFile(relative, 64, output.mime_type, 3600.0)
            run.state.save_media_file(item.id, output.role, media, output.made_from)
    run.state.close()


def publisher(*args: str, cwd: Path, check: bool = True) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one whole `publisher ARGS` process. CPU time is the
    steadier measure on a shared machine: waiting for a core does not count in it."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "publisher", *args],
        cwd=cwd,
        env=ENV,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if check and done.returncode != 0:
        raise SystemExit(f"publisher {' '.join(args)} exited {done.returncode}: {done.stderr}")
    return elapsed, cpu


def interleaved(
    repeat: int, commands: dict[str, tuple[str, ...]], cwd: Path
) -> dict[str, tuple[float, float]]:
    """Best of `repeat` (wall, CPU) of each command, taken in rounds of one run each, so
    a busy spell of a shared machine slows every command alike, not only the baseline."""
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, args in commands.items():
            runs[name].append(publisher(*args, cwd=cwd, check=name != "check"))
    return {
        name: (min(wall for wall, _ in done), min(cpu for _, cpu in done))
        for name, done in runs.items()
    }


def bare_python(repeat: int) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], env=ENV, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        runs.append((time.perf_counter() - start, cpu))
    return min(wall for wall, _ in runs), min(cpu for _, cpu in runs)


def imported(*args: str, cwd: Path) -> set[str]:
    """The top-level packages a whole `publisher ARGS` process imported."""
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        subprocess.run(
            [sys.executable, "-c", IMPORTS_SCRIPT, report.name, *args],
            cwd=cwd,
            env=ENV,
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
        ENV.pop("PYTHONDONTWRITEBYTECODE", None)
        ENV["PYTHONPYCACHEPREFIX"] = str(Path(scratch) / "pycache")
        folder = Path(scratch) / "site"
        catalog = write_catalog(folder, args.entries)
        seed_published_talks(catalog, folder / "feeds")
        first = subprocess.run(
            [sys.executable, "-m", "publisher", "build", "--quiet"], cwd=folder, env=ENV
        )
        publisher("--help", cwd=folder)  # warms the bytecode cache of what the others use
        publisher("validate", cwd=folder)
        publisher("check", cwd=folder, check=False)
        if first.returncode != 0:
            raise SystemExit(f"the first build exited {first.returncode}")

        commands = {
            "validate": ("validate",),
            "build": ("build", "--quiet"),
            "offline": ("build", "--quiet", "--offline"),
            "check": ("check",),
            "help": ("--help",),
        }
        timings = interleaved(args.repeat, commands, cwd=folder)
        validate, validate_cpu = timings["validate"]
        print(
            f"validate, {args.entries} entries: {validate:.3f} s wall, {validate_cpu:.3f} s CPU"
            " (the baseline)"
        )
        for mode in ((), ("--offline",)):
            wall, cpu = timings["offline" if mode else "build"]
            ratio, cpu_ratio = wall / validate, cpu / validate_cpu
            loaded = sorted(imported("build", "--quiet", *mode, cwd=folder) & set(NEVER_IN_BUILD))
            ok &= min(ratio, cpu_ratio) <= 1.5 and not loaded
            name = "no-op build " + (mode[0] if mode else "(online)")
            print(
                f"{name}: {wall:.3f} s wall, {cpu:.3f} s CPU; ratio {ratio:.2f} wall,"
                f" {cpu_ratio:.2f} CPU (goal <= 1.5);"
                f" imports of {', '.join(NEVER_IN_BUILD)}: {loaded or 'none'}"
            )
        wall, cpu = timings["check"]
        print(
            f"check: {wall:.3f} s wall; ratio to validate {wall / validate:.2f} wall,"
            f" {cpu / validate_cpu:.2f} CPU"
        )
        for command in ("validate", "check"):
            loaded = sorted(imported(command, cwd=folder) & set(NEVER_IN_READERS))
            ok &= not loaded
            print(f"{command} imports of {', '.join(NEVER_IN_READERS)}: {loaded or 'none'}")
        help_wall, help_cpu = timings["help"]
        bare_wall, bare_cpu = bare_python(args.repeat)
        ok &= min(help_wall, help_cpu) <= 0.15
        print(
            f"--help: {help_wall:.3f} s wall, {help_cpu:.3f} s CPU (goal <= 0.15); bare"
            f" `python -c pass` {bare_wall:.3f} s wall, {bare_cpu:.3f} s CPU"
        )
    print("all goals met" if ok else "SOME GOALS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
