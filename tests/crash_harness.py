"""Run the real `publisher` command with a pause point, for crash tests that SIGKILL it there.

    python tests/crash_harness.py POINT MARKER -- build --jobs 1 ...

POINT is a stage name of the build's stage list (the run pauses after that stage), or
"feed-write" (a published file's temp copy is written, the rename not yet done) or
"state-write" (a state transaction's statements ran, its COMMIT not yet). On reaching
it the run touches MARKER and sleeps, so the test can kill it exactly there. The points
are wrapped around the stages, the writer and the state in this process only: nothing in
the package knows it is being tested.
"""

from __future__ import annotations

import functools
import sys
import time
from pathlib import Path


def pause_here(marker: Path) -> None:
    marker.touch()
    time.sleep(3600)  # until the test kills this process


def install(point: str, marker: Path) -> None:
    """Wrap the one place `point` names; refuse a point nothing would reach."""
    import publisher.build as build
    from publisher.output import writer
    from publisher.state.database import Database

    if point == "feed-write":
        replace = writer.replace_atomically

        def paused_replace(source: Path, target: Path, *args, **kwargs):
            if source.name.startswith(writer.TEMP_PREFIX):  # the writer's own temp copy
                pause_here(marker)
            return replace(source, target, *args, **kwargs)

        writer.replace_atomically = paused_replace
    elif point == "state-write":
        transaction = Database._transaction

        def paused_transaction(self, work):
            def work_then_pause(db):
                result = work(db)
                pause_here(marker)  # the statements ran; the COMMIT has not
                return result

            return transaction(self, work_then_pause)

        Database._transaction = paused_transaction
    else:
        online_stages = build.online_stages
        if point not in {stage.__name__ for stage in online_stages()}:
            raise SystemExit(f"crash_harness: no stage or write point named {point!r}")
        build.online_stages = lambda: [
            _paused_after(stage, point, marker) for stage in online_stages()
        ]


def _paused_after(stage, point: str, marker: Path):
    if stage.__name__ != point:
        return stage

    @functools.wraps(stage)  # the stage keeps its name: progress and logs show it
    def paused(run, item):
        stage(run, item)
        pause_here(marker)

    return paused


def main(argv: list[str]) -> None:
    if len(argv) < 3 or argv[2] != "--":
        raise SystemExit(__doc__)
    point, marker, arguments = argv[0], Path(argv[1]), argv[3:]
    install(point, marker)
    from publisher.cli import main as publisher

    publisher(args=arguments, prog_name="publisher")


if __name__ == "__main__":
    main(sys.argv[1:])
