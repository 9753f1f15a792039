"""Every error a user can cause becomes one line: what happened — what to do.

Where the error can be provoked for real (an unreachable or stalling server, a 429, a
missing ffmpeg, a held lock, a full disk via /dev/full) it is, through the code that
raises it in a run; the rest are raised by hand. Every message is asserted word for word.
"""

from __future__ import annotations

import errno
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from yt_dlp.utils import DownloadError

from publisher.errors import (
    CatalogError,
    ConfigurationError,
    LockHeld,
    OutputError,
    Problem,
    SourceError,
    ToolError,
)
from publisher.messages import describe, exit_code
from publisher.output.lock import RunLock
from publisher.tools import ffmpeg, webpages
from publisher.tools import http as sources
from publisher.tools.ytdlp.client import _translated_errors as translated_errors

CATALOG = "media_catalog.yaml"


def test_bad_catalog_lists_every_problem():
    error = CatalogError(
        [
            Problem(CATALOG, 12, "entries[3].series", "unknown series 'russian-revolution'",
                    "did you mean 'russian-revolution-1917'?"),
            Problem(CATALOG, 20, "entries[4].title", "is required"),
        ]
    )  # fmt: skip
    assert describe(error) == (
        "media_catalog.yaml has 2 problems — fix them; nothing was written\n"
        "media_catalog.yaml:12: entries[3].series: unknown series 'russian-revolution';"
        " did you mean 'russian-revolution-1917'?\n"
        "media_catalog.yaml:20: entries[4].title: is required"
    )
    assert exit_code(error) == 1


def test_unreachable_source():
    with socket.socket() as probe:  # bound, never listening: the port refuses, and no
        probe.bind(("127.0.0.1", 0))  # other test can take it while this one runs
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/talk"
        with pytest.raises(SourceError) as raised:
            webpages.fetch(url, allow_private=True)
    assert describe(raised.value) == (
        f"source {url} could not be read: cannot connect to the server (connection refused)"
        " — check the address and the network; the next run retries"
    )


def test_unreachable_media_source(tmp_path):
    """A direct media URL on a server that is down: short words and advice, not a repr."""
    with socket.socket() as probe:  # bound, never listening: the port refuses
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/talk.mp4"
        with pytest.raises(SourceError) as raised:
            sources.follow_redirects(url, allow_private=True, timeout=5)
    assert describe(raised.value) == (
        f"source {url} could not be read: cannot connect to the server (connection refused)"
        " — check the address and the network; the next run retries"
    )


def test_advice_is_the_errors_own_never_guessed_from_its_words():
    """What to do comes from where the error was raised (or its class), so words in a
    message, an address or a tool's output cannot pick the wrong advice."""
    words = SourceError("source http://127.0.0.1:40404/removed.mp4: 404 not found, timed out")
    assert describe(words) == (
        "source http://127.0.0.1:40404/removed.mp4: 404 not found, timed out"
        " — check the address; the next run retries"
    )
    given = SourceError("source https://x.org/a: HTTP 503", advice="the next run retries")
    assert describe(given) == "source https://x.org/a: HTTP 503 — the next run retries"
    # ffmpeg saying "not found" about an encoder is no missing ffmpeg
    encoder = ToolError("ffmpeg extract audio failed (exit 1): Encoder not found")
    assert describe(encoder) == (
        "ffmpeg extract audio failed (exit 1): Encoder not found"
        " — run again with --verbose to see the tool's output"
    )


def test_stalling_source(media_server):
    url = media_server.url("/stall")
    with pytest.raises(SourceError) as raised:
        webpages.fetch(url, allow_private=True, timeout=0.5)
    assert describe(raised.value) == f"source {url} timed out after 0.5 s — the next run retries"


def test_rate_limited_source(media_server):
    url = media_server.url("/429")
    with pytest.raises(SourceError) as raised:
        webpages.fetch(url, allow_private=True)
    assert describe(raised.value) == (
        f"127.0.0.1 is limiting requests (HTTP 429) ({url}) — builds back off: 127.0.0.1 is"
        " not asked again until the hold ends (publisher status shows when); raise"
        " site.fetch.sleep if it recurs"
    )


@pytest.mark.parametrize(
    ("said", "shown"),
    [
        (  # a refusal class catches this before describe_error could word it
            "ERROR: [youtube] aaaaaaaaaaa: Video unavailable. This video has been removed"
            " by the uploader",
            "the video at {url} is removed — give the entry another source or remove it; it is"
            " asked again once a day",
        ),
        (  # none does: describe_error words it
            "ERROR: [vimeo] 76979871: This video has been deleted",
            "the video at {url} is gone or private: [vimeo] 76979871: This video has been"
            " deleted — give the entry another source, or delete its source line",
        ),
    ],
)
def test_a_gone_video_as_the_build_reports_it(said, shown):
    """Through the wrapper every yt-dlp call of the build goes through: what users read."""
    url = "https://www.youtube.com/watch?v=aaaaaaaaaaa"
    with pytest.raises(SourceError) as raised, translated_errors(url):
        raise DownloadError(said)
    assert describe(raised.value) == shown.format(url=url)


def test_private_source_without_the_flag(media_server):
    url = media_server.url("/page.html")
    with pytest.raises(SourceError) as raised:
        webpages.fetch(url, allow_private=False)
    assert describe(raised.value) == (
        f"source {url} refused: 127.0.0.1 is a loopback address (127.0.0.1)"
        " — use --allow-private-sources to read from intranets"
    )


def test_source_error_without_advice_gets_some():
    assert describe(SourceError("source https://x.org/a is not a web page (video/mp4)")) == (
        "source https://x.org/a is not a web page (video/mp4) — check the address;"
        " the next run retries"
    )


def test_missing_ffmpeg(tmp_path):
    missing = str(tmp_path / "bin" / "ffmpeg")
    with pytest.raises(OSError) as raised:
        ffmpeg.run(missing, ["-version"], "version")
    assert describe(raised.value) == (
        f"ffmpeg was not found at {missing} — install ffmpeg (e.g. apt install ffmpeg) and"
        " give its path with --ffmpeg, or reinstall imageio-ffmpeg (pip install imageio-ffmpeg)"
    )


def test_failing_tool():
    error = ToolError("ffmpeg extract audio failed (exit 1): Invalid data found")
    assert describe(error) == (
        "ffmpeg extract audio failed (exit 1): Invalid data found"
        " — run again with --verbose to see the tool's output"
    )


def test_no_write_permission():
    # Raised by hand: tests may run as root, which no file mode stops.
    error = PermissionError(errno.EACCES, "Permission denied", "/srv/feeds/index.html")
    assert describe(error) == (
        "no permission to write /srv/feeds/index.html — give this user write access to it,"
        " or choose another --out or --catalog"
    )
    assert exit_code(error) == 1


def test_disk_full():
    with pytest.raises(OSError) as raised, open("/dev/full", "wb") as full:
        full.write(b"feed")
        full.flush()  # the kernel answers ENOSPC, as a full disk does
    assert describe(raised.value) == (
        "the disk is full — free some space and run again; no file was left half-written"
    )
    named = OSError(errno.ENOSPC, "No space left on device", "/srv/feeds/podcast.xml")
    assert describe(named) == (
        "the disk is full (writing /srv/feeds/podcast.xml) — free some space and run again;"
        " no file was left half-written"
    )


def test_lock_held(tmp_path):
    with RunLock(tmp_path), pytest.raises(LockHeld) as raised, RunLock(tmp_path):
        pass
    assert describe(raised.value) == (
        f"another run (pid {_pid()}) is working on {tmp_path}; this one stops without"
        " changing anything — wait for it to finish; the next scheduled run goes ahead"
    )
    assert exit_code(raised.value) == 75


def _pid() -> int:
    import os

    return os.getpid()


def test_bad_configuration_and_output():
    assert describe(ConfigurationError("--base-url 'feeds' is not an http(s) URL")) == (
        "--base-url 'feeds' is not an http(s) URL — correct it and run again; nothing was written"
    )
    assert describe(OutputError("refusing to write '../x': it leaves /srv/feeds")) == (
        "refusing to write '../x': it leaves /srv/feeds — nothing was published in its place;"
        " report it if it recurs"
    )


def test_a_bug_says_so():
    assert describe(KeyError("title")) == (
        "internal error: KeyError: 'title' — run again with --verbose and report the traceback"
    )


# Through the command line --------------------------------------------------------------


def test_one_line_without_verbose_and_a_traceback_with_it(tmp_path):
    from publisher.cli import main

    catalog = tmp_path / CATALOG
    catalog.write_text("site: [\n")
    quiet = CliRunner().invoke(main, ["validate", "--catalog", str(catalog)])
    assert quiet.exit_code == 1
    assert "Traceback" not in quiet.stderr
    assert quiet.stderr.startswith(f"error: {catalog} has 1 problem — fix it;")
    loud = CliRunner().invoke(main, ["--verbose", "validate", "--catalog", str(catalog)])
    assert loud.exit_code == 1
    assert "Traceback (most recent call last)" in loud.stderr


def test_the_real_command_prints_one_line(tmp_path):
    (tmp_path / CATALOG).write_text("entries: []\n")
    done = subprocess.run(
        [sys.executable, "-m", "publisher", "validate"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr == (
        f"error: {CATALOG} has 1 problem — fix it; nothing was written\n"
        f"{CATALOG}:1: site: is required\n"
    )
    assert not list(Path(tmp_path).glob(".publisher"))  # validate writes nothing
