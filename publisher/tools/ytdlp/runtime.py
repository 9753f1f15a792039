"""What a build hands yt-dlp besides its params: the JavaScript runtime YouTube's
challenges are solved in, by its path, and the cookies file, as a copy in memory."""

from __future__ import annotations

import copy
import io
import threading
from pathlib import Path

__all__ = ["cookie_jar_text", "js_runtimes"]

_runtime_lock = threading.Lock()
_runtime: dict | None = None


def js_runtimes() -> dict:
    """The JavaScript runtime yt-dlp solves YouTube's challenges with: the `deno` wheel's
    binary, by its absolute path, so a cron job's bare PATH=/usr/bin:/bin finds it too.

    Looked up once, under a lock: the lookup reads `sysconfig`, whose first read is not
    thread-safe before Python 3.13 (two talks starting at once saw its EXE as None)."""
    global _runtime
    with _runtime_lock:
        if _runtime is None:
            _runtime = _find_js_runtime()
        return copy.deepcopy(_runtime)  # yt-dlp may change what it is given


def _find_js_runtime() -> dict:
    try:
        import deno

        return {"deno": {"path": deno.find_deno_bin()}}
    except (ImportError, FileNotFoundError):
        return {"deno": {}}  # yt-dlp's own search: beside the interpreter, then PATH


def cookie_jar_text(path: Path) -> io.StringIO:
    """The cookies file as yt-dlp's `cookiefile`: a copy in memory, because yt-dlp
    rewrites its cookie file on close (with every cookie the sites set): ours stays as
    the editor exported it, and its cookies are never written anywhere."""
    return io.StringIO(path.read_text(encoding="utf-8", errors="replace"))
