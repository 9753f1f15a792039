"""The publisher's exceptions: one small hierarchy the CLI turns into one-line messages.

Each error carries what happened (its message) and what to do (its `advice`): given where
it is raised, which knows, or else by its class. `publisher.messages` only formats them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """The contract's exit codes, the only place they are spelled out."""

    OK = 0
    INVALID = 1  # invalid catalog, configuration or published feed; nothing written
    USAGE = 2  # a wrong command line (click's own)
    PARTIAL = 3  # some talks pending or failed, or the run stopped part way; the rest is published
    LOCKED = 75  # another run holds the lock (EX_TEMPFAIL: cron simply tries again)
    INTERRUPTED = 130  # Ctrl-C
    TERMINATED = 143  # SIGTERM


class PublisherError(Exception):
    """Anything the publisher reports to a person instead of crashing."""

    exit_code = ExitCode.INVALID
    advice = ""  # what to do about it; "" when the message says all there is

    def __init__(self, message: str = "", advice: str = ""):
        super().__init__(message)
        if advice:
            self.advice = advice


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

    advice = "correct it and run again; nothing was written"


# Advice that errors raised in several places share.
ADVICE_RETRY = "the next run retries"
ADVICE_NETWORK = "check the address and the network; the next run retries"
ADVICE_URL_OR_PATH = "use an http(s) URL or a local file path"
ADVICE_GONE = "give the entry another source, or delete its source line"
ADVICE_TOO_LARGE = "check that the address names the right file"
ADVICE_BUILD_FIRST = "run `publisher build` first, or give the folder it wrote"


class SourceError(PublisherError):
    """A source could not be read: refused address, removed video, HTTP error, timeout."""

    advice = "check the address; the next run retries"


class SourceRefused(SourceError):
    """The source was refused before any request (scheme, private address, live, too long)."""


class IsPlaylist(SourceError):
    """The URL holds several videos (a playlist, channel, feed), not one talk."""

    advice = (
        "to publish its videos, list it under the series' follow: (README: Series that"
        " follow a playlist), or give one video's URL"
    )


class NoVideo(SourceError):
    """The series publishes video, but this talk's source has none."""

    advice = "give the entry a source with video, or turn off video for its series"


# How a site or a video refused us: each class has its own retry rule (publisher.fetch).


class SiteRefused(SourceError):
    """The site asks to sign in to prove we are not a bot: ask it nothing more this run."""

    kind = "bot-check"  # the failure class the state records and the summary counts

    def __init__(self, site: str, url: str):
        super().__init__(
            f"{site} asks to sign in to confirm this is not a bot ({url})",
            advice=f"export that site's cookies into site.fetch.cookies (README: Publishing"
            f" from YouTube); {site} is asked nothing more this run, the next run retries",
        )
        self.site = site


class RateLimited(SourceError):
    """The site answered HTTP 429 (or said so): back off, exponentially, across runs."""

    kind = "rate-limited"

    def __init__(self, site: str, url: str):
        super().__init__(
            f"{site} is limiting requests (HTTP 429) ({url})",
            advice=f"builds back off: {site} is not asked again until the hold ends"
            " (publisher status shows when); raise site.fetch.sleep if it recurs",
        )
        self.site = site


class VideoUnavailable(SourceError):
    """The video is private, removed, members-only, age- or region-restricted: asked
    again once a day, not every run."""

    kind = "unavailable"
    advice = "give the entry another source or remove it; it is asked again once a day"

    def __init__(self, reason: str, url: str):
        super().__init__(f"the video at {url} is {reason}")
        self.reason = reason


class DegradedSource(SourceError):
    """yt-dlp got only images or a degraded format (a challenge it could not solve):
    never published; the toolchain needs looking at."""

    kind = "degraded"
    advice = "run publisher doctor; nothing is published from it and its last episode stays"

    def __init__(self, what: str, url: str):
        super().__init__(f"yt-dlp got {what} for {url}")
        self.what = what


class SiteHeld(SourceError):
    """Not asked this run: its site refused us earlier (this run, or backing off)."""

    advice = ""  # the message quotes the refusal, and what to do about it


class ToolError(PublisherError):
    """An outside tool (ffmpeg, yt-dlp, mutagen, S3) failed; the message says which and why."""

    advice = "run again with --verbose to see the tool's output"


class Interrupted(PublisherError):
    """The run is stopping (Ctrl-C, SIGTERM): long steps give up where they are."""


class OutputError(PublisherError):
    """A published file could not be written (outside the folder, two outputs to one path)."""

    advice = "nothing was published in its place; report it if it recurs"


class StateError(PublisherError):
    """The state database cannot be read or written; `corrupt` when it must be replaced."""

    def __init__(self, message: str, advice: str = "", corrupt: bool = False):
        super().__init__(message, advice)
        self.corrupt = corrupt


class StoppedPartWay(PublisherError):
    """A run stopped after it had published some files (a full disk, a state that can no
    longer be written): those are whole and published, the others kept their last
    version. Not "nothing was written", so not exit 1."""

    exit_code = ExitCode.PARTIAL


class LockHeld(PublisherError):
    """Another run holds the state lock."""

    exit_code = ExitCode.LOCKED
    advice = "wait for it to finish; the next scheduled run goes ahead"
