"""Test media without pytest: lavfi-made files, a loopback media server, Runs from dataclasses.

Used by the `helpers.media_fixtures` pytest plugin, by child processes in tests and by the
benchmarks (which must not pay for importing pytest).
"""

from __future__ import annotations

import html
import re
import subprocess
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from helpers.loopback import LoopbackServer, QuietHandler
from publisher.build.run import Run
from publisher.model import AudioSettings, Catalog, Entry, Owner, Series, Site

SECONDS = 3
TONE = f"sine=frequency=440:sample_rate=44100:duration={SECONDS}"

# name -> ffmpeg arguments after `-y` (lavfi inputs, codecs); the output path is appended.
MEDIA_RECIPES: dict[str, list[str]] = {
    # AAC in MP4: the common case, a stream copy for m4a series.
    "talk.m4a": ["-f", "lavfi", "-i", TONE, "-c:a", "aac", "-b:a", "96k"],
    # Opus in WebM: must be re-encoded for m4a and mp3 series.
    "talk.webm": ["-f", "lavfi", "-i", TONE, "-c:a", "libopus", "-b:a", "48k"],
    # H.264 + AAC in MP4 at 64x36: a video talk that can be remuxed as it is.
    "talk.mp4": [
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size=64x36:rate=10:duration={SECONDS}",
        "-f",
        "lavfi",
        "-i",
        TONE,
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        "64k",
        "-shortest",
    ],  # fmt: skip
    # AAC far below -16 LUFS (about -45): normalization has to change it.
    "quiet.m4a": ["-f", "lavfi", "-i", f"{TONE},volume=0.01", "-c:a", "aac", "-b:a", "96k"],
    # AAC already at about -16 LUFS: normalization keeps the stream copy.
    "loud.m4a": [
        "-f",
        "lavfi",
        "-i",
        f"{TONE},loudnorm=I=-16:TP=-1.5:LRA=11",
        "-ar",
        "44100",
        "-c:a",
        "aac",
        "-b:a",
        "96k",
    ],  # fmt: skip
    "talk.mp3": ["-f", "lavfi", "-i", TONE, "-c:a", "libmp3lame", "-q:a", "6"],
    "cover.jpg": ["-f", "lavfi", "-i", "color=c=red:size=64x64", "-frames:v", "1"],
    "cover.png": ["-f", "lavfi", "-i", "color=c=blue:size=64x64", "-frames:v", "1"],
}

CAPTIONS_VTT = """WEBVTT

00:00:00.000 --> 00:00:01.500
Comrades & friends <welcome>

00:00:01.500 --> 00:00:03.000
The July Days — part one
"""

CONTENT_TYPES = {
    ".m4a": "audio/mp4",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mp3": "audio/mpeg",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".vtt": "text/vtt; charset=utf-8",
}

STALL_SECONDS = 4.0  # longer than any timeout the tests set


def make_media(ffmpeg: str, folder: Path) -> dict[str, Path]:
    """Make every file of `MEDIA_RECIPES` (and the captions) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    for name, arguments in MEDIA_RECIPES.items():
        path = folder / name
        command = [ffmpeg, "-v", "error", "-nostdin", "-y", *arguments, str(path)]
        subprocess.run(command, check=True, capture_output=True)
        files[name] = path
    files["captions.vtt"] = folder / "captions.vtt"
    files["captions.vtt"].write_text(CAPTIONS_VTT, encoding="utf-8")
    return files


def make_audio(path: Path, seconds: float = 5) -> Path:
    """A few seconds of tone, AAC in M4A like the extract stage makes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    command = [_ffmpeg(), "-v", "error", "-y", "-f", "lavfi"]
    command += ["-i", f"sine=frequency=440:duration={seconds}", "-c:a", "aac", str(path)]
    subprocess.run(command, check=True)
    return path


def _ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


class MediaServer(LoopbackServer):
    """A threaded HTTP server on 127.0.0.1 with Range support and test endpoints.

    Routes:
      /media/<name>        a file of `files` (GET, HEAD, Range; 206/416 as a CDN would)
      /page.html           a talk page: og: metadata, a <video> of talk.mp4, a captions track
      /dated-page.html, /future-page.html   the same, dated (in a <time>; 9999-12-31)
      /redirect/<name>     302 to /media/<name>
      /redirect-private    302 to http://169.254.169.254/ (a cloud metadata address)
      /redirect-file       302 to file:///etc/passwd
      /404, /429           those statuses (429 with Retry-After)
      /stall               sleeps `STALL_SECONDS` before answering
    """

    def __init__(self, files: dict[str, Path], latency: float = 0.0):
        self.files = dict(files)
        self.latency = latency  # seconds added to every response, to mimic a far server
        self.requests: list[str] = []
        self._lock = threading.Lock()
        super().__init__(_handler_for(self))

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()

    def log(self, path: str) -> None:
        with self._lock:
            self.requests.append(path)

    def page_html(
        self, title: str = "July Days: Counter-revolution & <reaction>", head: str = ""
    ) -> str:
        title = html.escape(title)
        return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>{title}</title>
<meta property="og:title" content="{title}">
<meta property="og:description" content="A talk about the July Days of 1917.">
<meta property="og:image" content="{self.url("/media/cover.jpg")}">
{head}
</head><body>
<video controls poster="{self.url("/media/cover.jpg")}">
  <source src="{self.url("/media/talk.mp4")}" type="video/mp4">
  <track kind="captions" src="{self.url("/media/captions.vtt")}" srclang="en" label="English">
</video>
</body></html>
"""


# Talk pages: path -> (title, more of the head). An ordinary page, one whose own date is
# in a <time> and whose title hides invisible controls, one whose date is impossible.
PAGES = {
    "/page.html": (),
    "/dated-page.html": (
        "\u202eJuly\u200b Days",
        '<meta name="author" content="Alan Woods"></head><body><time datetime="2017-07-20">'
        "20 July 2017</time>",
    ),
    "/future-page.html": (
        "July Days",
        '<meta property="article:published_time" content="9999-12-31">',
    ),
}


def _handler_for(server: MediaServer) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        protocol_version = "HTTP/1.1"

        def do_HEAD(self):
            self._answer(with_body=False)

        def do_GET(self):
            self._answer(with_body=True)

        def _answer(self, with_body: bool) -> None:
            server.log(self.path)
            if server.latency:
                time.sleep(server.latency)
            path = self.path.split("?", 1)[0]
            if path.startswith("/media/") and path[7:] in server.files:
                return self._send_file(server.files[path[7:]], with_body)
            if path in PAGES:
                body = server.page_html(*PAGES[path]).encode()
                return self._send(200, body, "text/html; charset=utf-8", with_body)
            if path.startswith("/redirect/"):
                return self._redirect("/media/" + path[len("/redirect/") :])
            if path == "/redirect-private":
                return self._redirect("http://169.254.169.254/latest/meta-data/")
            if path == "/redirect-file":
                return self._redirect("file:///etc/passwd")
            if path == "/429":
                return self._send(
                    429, b"slow down", "text/plain", with_body, {"Retry-After": "3600"}
                )
            if path == "/stall":
                time.sleep(STALL_SECONDS)
                return self._send(200, b"too late", "text/plain", with_body)
            return self._send(404, b"not found", "text/plain", with_body)

        def _redirect(self, location: str) -> None:
            self._send(302, b"", "text/plain", True, {"Location": location})

        def _send(self, status, body, content_type, with_body, headers=None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if with_body:
                self.wfile.write(body)

        def _send_file(self, path: Path, with_body: bool) -> None:
            size = path.stat().st_size
            first, last = 0, size - 1
            status = 200
            wanted = _parse_range(self.headers.get("Range"), size)
            if wanted == "unsatisfiable":
                headers = {"Content-Range": f"bytes */{size}"}
                return self._send(416, b"", "text/plain", with_body, headers)
            if wanted:
                (first, last), status = wanted, 206
            self.send_response(status)
            self.send_header(
                "Content-Type", CONTENT_TYPES.get(path.suffix, "application/octet-stream")
            )
            self.send_header("Content-Length", str(last - first + 1))
            self.send_header("Accept-Ranges", "bytes")
            if status == 206:
                self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
            self.end_headers()
            if with_body:
                _copy_range(path, first, last, self.wfile)

    return Handler


def _parse_range(header: str | None, size: int):
    """(first, last) for a single `bytes=` range, None for none, or "unsatisfiable"."""
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", header or "")
    if not match or match.groups() == ("", ""):
        return None
    start, end = match.groups()
    if start == "":  # a suffix: the last N bytes
        first, last = max(0, size - int(end)), size - 1
    else:
        first, last = int(start), min(int(end), size - 1) if end else size - 1
    return "unsatisfiable" if first >= size or first > last else (first, last)


def _copy_range(path: Path, first: int, last: int, out) -> None:
    with path.open("rb") as handle:
        handle.seek(first)
        remaining = last - first + 1
        while remaining > 0:
            chunk = handle.read(min(remaining, 1 << 20))
            if not chunk:
                break
            try:
                out.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                return
            remaining -= len(chunk)


def talk(entry_id: str, source: str | None, **fields) -> Entry:
    """A video entry of series "talks" with sensible defaults; `fields` override them."""
    values = dict(
        id=entry_id,
        kind="video",
        series="talks",
        title=f"Talk {entry_id} — “quoted” & <escaped>",
        published=datetime(2017, 7, 20, 18, 0, tzinfo=UTC),
        source=source,
        authors=("Alan Woods",),
        summary="What happened in July 1917.",
        episode=4,
    )
    return Entry(**{**values, **fields})


def series_talks(**fields) -> Series:
    """The series "talks": m4a without loudness change and no video unless overridden."""
    values = dict(
        id="talks",
        title="1917: The Russian Revolution",
        description="Talks about 1917.",
        author="International Marxist Tendency",
        category=("History",),
        image="cover.png",
    )
    return Series(**{**values, **fields})


def new_run(
    folder: Path, entries, audio_format="m4a", loudness=None, video=False, **options
) -> Run:
    """A `Run` over `folder`: catalog root `folder/catalog`, published folder `folder/out`.

    Usable outside pytest (a child process in a test, a benchmark). The caller closes
    `run.state`. `options` go to `BuildOptions`; private sources are allowed by default.
    """
    root = folder / "catalog"
    root.mkdir(parents=True, exist_ok=True)
    series = series_talks(audio=AudioSettings(audio_format, loudness), video=video)
    site = Site(
        title="In Defence of Marxism",
        base_url="https://feeds.example.org/",
        link="https://www.marxist.com/",
        language="en",
        author="IMT",
        owner=Owner("IMT", "feeds@example.org"),
        image="cover.png",
    )
    catalog = Catalog(root / "media_catalog.yaml", site, {"talks": series}, tuple(entries))
    from helpers.runs import build_run  # not at the top: servers and media need none of it

    options = {"out": folder / "out", "allow_private_sources": True, **options}
    return build_run(catalog, restore=True, **options)
