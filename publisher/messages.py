"""One-line messages for every error a user can cause: what happened — what to do.

The CLI's top-level handler calls `describe()` and prints the result instead of a
traceback (tracebacks only with --verbose). Each kind of error has one renderer here, so
the wording lives in one place and the tests can assert it word for word.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Callable

from publisher.errors import (
    CatalogError,
    ConfigurationError,
    DegradedSource,
    ExitCode,
    LockHeld,
    OutputError,
    Problem,
    PublisherError,
    RateLimited,
    SiteHeld,
    SiteRefused,
    SourceError,
    SourceRefused,
    ToolError,
    VideoUnavailable,
)

DASH = " — "

# Advice for a source that could not be read, chosen by what the error says. The source
# modules word their errors; only the "what to do" half is added here.
SOURCE_ADVICE: list[tuple[tuple[str, ...], str]] = [
    (
        ("429", "too many requests", "rate limit", "rate-limit"),
        "the site is limiting requests; wait an hour, the next run retries",
    ),
    (
        ("removed", "private video", "unavailable", "deleted", "terminated"),
        "the video is gone; give the entry another source, or delete its source line",
    ),
    (
        ("404", "410", "not found"),
        "check the address in a browser and correct it in the catalog",
    ),
    (
        ("timed out", "timeout", "cannot connect", "could not connect", "connection", "resolve"),
        "check the address and the network; the next run retries",
    ),
    (
        ("larger than", "too large", "longer than", "too long", "live"),
        "this source is over the limits; raise site.limits or choose another source",
    ),
]
SOURCE_DEFAULT_ADVICE = "check the address; the next run retries"
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)
ADVICE_GIVEN = re.compile(r"next run retries|fix the|; use |use --|; give | — ")


def describe(error: BaseException) -> str:
    """The message a person sees for `error`: one line (a catalog error adds its problems)."""
    for kind, render in RENDERERS:
        if isinstance(error, kind) and (text := render(error)):
            return text
    return internal(error)


def problem_line(problem: Problem) -> str:
    """file:line: field: message; hint — the form editors and pre-commit hooks read."""
    text = f"{problem.file}:{problem.line}: {problem.field}: {problem.message}"
    return f"{text}; {problem.hint}" if problem.hint else text


def catalog(error: CatalogError) -> str:
    count = len(error.problems)
    noun = "problem" if count == 1 else "problems"
    files = sorted({p.file for p in error.problems}) or ["the catalog"]
    head = (
        f"{', '.join(files)} has {count} {noun}{DASH}"
        f"fix {'it' if count == 1 else 'them'}; nothing was written"
    )
    return "\n".join([head, *map(problem_line, error.problems)])


def lock_held(error: LockHeld) -> str:
    text = _first_line(error)  # publisher.output.lock names the holder's pid and the folder
    return f"{text}{DASH}wait for it to finish; the next scheduled run goes ahead"


def source_refused(error: SourceRefused) -> str:
    text = _first_line(error)
    if ADVICE_GIVEN.search(text):
        return text
    if "private" in text or "loopback" in text or "link-local" in text:
        return (
            f"{text}{DASH}sources on private addresses are refused; "
            "pass --allow-private-sources if this one is trusted"
        )
    return f"{text}{DASH}{_source_advice(text, 'use an http(s) URL or a local file path')}"


def source(error: SourceError) -> str:
    text = _first_line(error)
    if ADVICE_GIVEN.search(text):  # the source modules often say what to do already
        return text
    return f"{text}{DASH}{_source_advice(text, SOURCE_DEFAULT_ADVICE)}"


# A site or video that refused us: one message per class, saying its retry rule.


def site_refused(error: SiteRefused) -> str:
    return (
        f"{_first_line(error)}{DASH}export that site's cookies into site.fetch.cookies"
        f" (README: Publishing from YouTube); {error.site} is asked nothing more this run,"
        " the next run retries"
    )


def rate_limited(error: RateLimited) -> str:
    return (
        f"{_first_line(error)}{DASH}builds back off: no request to {error.site} before the"
        " hold publisher status shows ends; raise site.fetch.sleep if it recurs"
    )


def video_unavailable(error: VideoUnavailable) -> str:
    return (
        f"{_first_line(error)}{DASH}give the entry another source or remove it;"
        " it is asked again once a day"
    )


def degraded_source(error: DegradedSource) -> str:
    return (
        f"{_first_line(error)}{DASH}run publisher doctor; nothing is published from it"
        " and its last episode stays"
    )


def _source_advice(text: str, default: str) -> str:
    # Only the words count, not the addresses: a port or a path may well contain "404".
    lowered = _URL.sub("", text).lower()
    for words, advice in SOURCE_ADVICE:
        if any(word in lowered for word in words):
            return advice
    return default


def tool(error: ToolError) -> str:
    text = _first_line(error)
    if "ffmpeg" in text.lower() and _says_missing(text):
        return missing_ffmpeg(getattr(error, "filename", None))
    return f"{text}{DASH}run again with --verbose to see the tool's output"


def missing_ffmpeg(path: str | None = None) -> str:
    where = f" at {path}" if path else ""
    return (
        f"ffmpeg was not found{where}{DASH}install ffmpeg (e.g. apt install ffmpeg) and "
        "give its path with --ffmpeg, or reinstall imageio-ffmpeg (pip install imageio-ffmpeg)"
    )


def _says_missing(text: str) -> bool:
    lowered = text.lower()
    return any(w in lowered for w in ("not found", "no such file", "missing", "not installed"))


def configuration(error: PublisherError) -> str:
    return f"{_first_line(error)}{DASH}correct it and run again; nothing was written"


def output(error: OutputError) -> str:
    return f"{_first_line(error)}{DASH}nothing was published in its place; report it if it recurs"


def publisher_error(error: PublisherError) -> str:
    return _first_line(error)


def os_error(error: OSError) -> str:
    where = _path_of(error)
    if isinstance(error, PermissionError) or error.errno in (errno.EACCES, errno.EPERM):
        return (
            f"no permission to write {where}{DASH}"
            "give this user write access to it, or choose another --out or --catalog"
        )
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        writing = f" (writing {error.filename})" if error.filename else ""
        return (
            f"the disk is full{writing}{DASH}"
            "free some space and run again; no file was left half-written"
        )
    if error.errno == errno.EROFS:
        return f"{where} is on a read-only file system{DASH}choose a writable --out"
    if error.errno == errno.ENOENT and "ffmpeg" in str(error.filename or ""):
        return missing_ffmpeg(str(error.filename))
    if error.errno == errno.ENOENT:
        return f"{where} does not exist{DASH}check the path"
    return f"{error.strerror or error} ({where}){DASH}check the path and run again"


def _path_of(error: OSError) -> str:
    return str(error.filename) if error.filename else "a file"


def internal(error: BaseException) -> str:
    return (
        f"internal error: {type(error).__name__}: {_first_line(error)}{DASH}"
        "run again with --verbose and report the traceback"
    )


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


RENDERERS: list[tuple[type[BaseException], Callable[..., str]]] = [
    (CatalogError, catalog),
    (LockHeld, lock_held),
    (SourceRefused, source_refused),
    (SiteRefused, site_refused),
    (RateLimited, rate_limited),
    (VideoUnavailable, video_unavailable),
    (DegradedSource, degraded_source),
    (SiteHeld, publisher_error),
    (SourceError, source),
    (ToolError, tool),
    (ConfigurationError, configuration),
    (OutputError, output),
    (PublisherError, publisher_error),
    (OSError, os_error),
]


def exit_code(error: BaseException) -> int:
    """The exit code for an error that ends a command: 1 invalid input, 75 lock held."""
    return getattr(error, "exit_code", ExitCode.INVALID)
