"""Each command loads only what it needs: the outside packages a whole `publisher` process
imports, read from `sys.modules` at its exit (the timings are benchmarks/bench_startup.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers.catalogs import ARTICLE, run_publisher, talk_entry

# faster_whisper runs only in the child a transcription starts (publisher.tools.whisper)
NEVER_IN_BUILD = {"yt_dlp", "requests", "boto3", "faster_whisper", "ctranslate2"}
# nothing to make, render or read back: no media tool, renderer or XML parser either
NEVER_IN_NO_OP_BUILD = NEVER_IN_BUILD | {"mutagen", "PIL", "jinja2", "feedgen", "lxml"}
NEVER_IN_READERS = {"yt_dlp", "requests", "PIL", "boto3", "jinja2", "mutagen"}

# The real command in a child, then the top-level packages it imported, as JSON.
IMPORTS_OF = """
import json, sys
from publisher.cli import main
try:
    main(args=sys.argv[2:], prog_name="publisher")
except SystemExit as done:
    code = done.code
with open(sys.argv[1], "w") as handle:
    json.dump({"code": code, "packages": sorted({n.split(".")[0] for n in sys.modules})}, handle)
"""


def imports_of(*args: str, cwd: Path) -> tuple[int, set[str]]:
    report = cwd / "imports.json"
    subprocess.run(
        [sys.executable, "-c", IMPORTS_OF, str(report), *args], cwd=cwd, capture_output=True
    )
    result = json.loads(report.read_text())
    report.unlink()
    return result["code"], set(result["packages"])


def test_help_loads_no_outside_tool_at_all(tmp_path):
    code, packages = imports_of("--help", cwd=tmp_path)
    assert code == 0
    assert not packages & (NEVER_IN_READERS | {"lxml", "feedgen", "rich", "yaml", "nh3"})


def test_validate_and_check_load_no_tool_they_do_not_use(write_catalog, media_server):
    catalog = write_catalog(
        entries=[talk_entry("one", media_server.url("/media/talk.m4a")), ARTICLE]
    )
    built = run_publisher("build", "--allow-private-sources", cwd=catalog.parent)
    assert built.exit_code == 0, built.stderr
    for command in ("validate", "check"):
        code, packages = imports_of(command, cwd=catalog.parent)
        assert code == 0, command
        assert packages & NEVER_IN_READERS == set(), command


def test_a_no_op_build_loads_no_tool_it_does_not_use(write_catalog, media_server):
    catalog = write_catalog(entries=[talk_entry("one", media_server.url("/media/talk.m4a"))])
    first = run_publisher("build", "--allow-private-sources", cwd=catalog.parent)
    assert first.exit_code == 0, first.stderr
    for mode in ("--allow-private-sources", "--offline"):
        code, packages = imports_of("build", mode, cwd=catalog.parent)
        assert code == 0, mode
        assert packages & NEVER_IN_NO_OP_BUILD == set(), mode
    # and the guard is real: a build that has a source to read does load yt-dlp
    write_catalog(entries=[talk_entry("two", media_server.url("/media/talk.mp4"))])
    code, packages = imports_of("build", "--allow-private-sources", cwd=catalog.parent)
    assert code == 0 and {"yt_dlp", "mutagen", "jinja2"} <= packages
