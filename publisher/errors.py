"""The publisher's exceptions: one small hierarchy the CLI turns into one-line messages."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """The contract's exit codes, the only place they are spelled out."""

    OK = 0
    INVALID = 1  # invalid catalog, configuration or published feed; nothing written
    USAGE = 2  # a wrong command line (click's own)
    PARTIAL = 3  # some talks pending or failed; the rest is published
    LOCKED = 75  # another run holds the lock (EX_TEMPFAIL: cron simply tries again)
    INTERRUPTED = 130  # Ctrl-C
    TERMINATED = 143  # SIGTERM


class PublisherError(Exception):
    """Anything the publisher reports to a person instead of crashing."""

    exit_code = ExitCode.INVALID


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the catalog, located at file:line, naming the field."""

    file: str
    line: int
    field: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}: {self.field}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class CatalogError(PublisherError):
    """The catalog does not validate; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        count = len(problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"the catalog has {count} {noun}:\n" + "\n".join(map(str, problems)))


class ConfigurationError(PublisherError):
    """A setting or command-line value that cannot work (a bad base URL, a missing tool)."""


class SourceError(PublisherError):
    """A source could not be read: refused address, removed video, HTTP error, timeout."""


class SourceRefused(SourceError):
    """The source was refused before any request (scheme, private address, live, too long)."""


class IsPlaylist(SourceError):
    """The URL holds several videos (a playlist, channel, feed), not one talk."""


class NoVideo(SourceError):
    """The series publishes video, but this talk's source has none."""


# How a site or a video refused us: each class has its own retry rule (publisher.fetch).


class SiteRefused(SourceError):
    """The site asks to sign in to prove we are not a bot: ask it nothing more this run."""

    def __init__(self, site: str, url: str):
        super().__init__(f"{site} asks to sign in to confirm this is not a bot ({url})")
        self.site = site


class RateLimited(SourceError):
    """The site answered HTTP 429 (or said so): back off, exponentially, across runs."""

    def __init__(self, site: str, url: str):
        super().__init__(f"{site} is limiting requests (HTTP 429) ({url})")
        self.site = site


class VideoUnavailable(SourceError):
    """The video is private, removed, members-only, age- or region-restricted: asked
    again once a day, not every run."""

    def __init__(self, reason: str, url: str):
        super().__init__(f"the video at {url} is {reason}")
        self.reason = reason


class DegradedSource(SourceError):
    """yt-dlp got only images or a degraded format (a challenge it could not solve):
    never published; the toolchain needs looking at."""

    def __init__(self, what: str, url: str):
        super().__init__(f"yt-dlp got {what} for {url}")
        self.what = what


class SiteHeld(SourceError):
    """Not asked this run: its site refused us earlier (this run, or backing off)."""


class ToolError(PublisherError):
    """An outside tool (ffmpeg, yt-dlp, mutagen, S3) failed; the message says which and why."""


class Interrupted(PublisherError):
    """The run is stopping (Ctrl-C, SIGTERM): long steps give up where they are."""


class OutputError(PublisherError):
    """A published file could not be written (outside the folder, two outputs to one path)."""


class StateError(PublisherError):
    """The state database cannot be read or written; `corrupt` when it must be replaced."""

    def __init__(self, message: str, corrupt: bool = False):
        super().__init__(message)
        self.corrupt = corrupt


class LockHeld(PublisherError):
    """Another run holds the state lock."""

    exit_code = ExitCode.LOCKED
