"""A whole command's wall time and peak memory, for the benchmarks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# Runs in a child process: run a command, report its wall time and peak RSS (of it and
# everything it waited for), which the calling process's own memory does not blur.
MEASURE_SCRIPT = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - started
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"wall": wall, "peak_mb": peak_kb / 1024, "code": done.returncode,
                  "stdout": done.stdout[-2000:], "stderr": done.stderr[-2000:]}))
"""


def measure(command: list[str], cwd: Path | None = None) -> dict:
    """{"wall", "peak_mb", "code", "stdout", "stderr"} of `command`; stops the benchmark
    with the command's own error when it fails."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE_SCRIPT, *command], capture_output=True, text=True, cwd=cwd
    )
    result = json.loads(done.stdout)
    if result["code"] != 0:
        raise SystemExit(f"{command[:3]} failed: {result['stderr']}")
    return result
