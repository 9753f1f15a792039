"""`publisher doctor`: is everything a build needs there, and in working order?

One check per line: Python, the publisher, yt-dlp (and its age: YouTube breaks old
versions within weeks), yt-dlp-ejs (YouTube's challenge solver, and whether this yt-dlp
accepts it), the JavaScript runtime it runs in, the solver solving a test challenge, a
PO-token provider plugin (optional) and its server, ffmpeg and the encoders and filter the
publisher uses, the state database, the lock, the catalog and the transcription model
(where it is, whether faster-whisper loads). Each says what to do when it is not right.
Read-only: nothing is created, migrated or locked. Imports only what it checks (yt-dlp,
not the build pipeline).
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import platform
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

from publisher.errors import PublisherError
from publisher.messages import describe

YTDLP_MAX_AGE_DAYS = 60
UPGRADE = "pip install -U 'yt-dlp[default]'"
FFMPEG_NEEDS = {"encoder": ("aac", "libmp3lame"), "filter": ("loudnorm",)}

Status = Literal["ok", "warning", "missing"]


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    advice: str = ""  # what to do, when not ok

    def line(self) -> str:
        mark = {"ok": "ok     ", "warning": "warning", "missing": "MISSING"}[self.status]
        text = f"{mark} {self.name}: {self.detail}"
        return f"{text} — {self.advice}" if self.advice else text


def diagnose(catalog: Path, ffmpeg: str | None = None, today: date | None = None) -> list[Check]:
    """Every check, in order; a check that crashes is reported, not raised."""
    checks: list[Callable[[], Check]] = [
        python_check,
        publisher_check,
        lambda: ytdlp_check(today or datetime.now(UTC).date()),
        solver_check,
        runtime_check,
        challenge_check,
        po_token_check,
        lambda: ffmpeg_check(ffmpeg),
        lambda: state_check(catalog),
        lambda: lock_check(catalog),
        lambda: catalog_check(catalog),
        lambda: transcription_check(catalog),
    ]
    return [_safely(check) for check in checks]


def healthy(checks: list[Check]) -> bool:
    return all(check.status != "missing" for check in checks)


def _safely(check: Callable[[], Check]) -> Check:
    try:
        return check()
    except Exception as error:  # a broken tool is a finding, not a crash of the doctor
        name = getattr(check, "__name__", "check").removesuffix("_check")
        return Check(name, "missing", describe(error), "run again with --verbose")


# The checks --------------------------------------------------------------------------


def python_check() -> Check:
    return Check("python", "ok", f"{platform.python_version()} ({sys.executable})")


def publisher_check() -> Check:
    return Check("publisher", "ok", importlib.metadata.version("publisher"))


def ytdlp_check(today: date) -> Check:
    try:
        version = importlib.metadata.version("yt-dlp")
    except importlib.metadata.PackageNotFoundError:
        return Check("yt-dlp", "missing", "not installed", UPGRADE)
    released = _release_date(version)
    if released is None:
        return Check("yt-dlp", "ok", version)
    age = (today - released).days
    detail = f"{version} ({age} days old)"
    if age > YTDLP_MAX_AGE_DAYS:
        advice = f"YouTube breaks old versions: upgrade with {UPGRADE}"
        return Check("yt-dlp", "warning", detail, advice)
    return Check("yt-dlp", "ok", detail)


def _release_date(version: str) -> date | None:
    try:
        year, month, day = (int(part) for part in version.split(".")[:3])
        return date(year, month, day)
    except ValueError:
        return None


def solver_check() -> Check:
    try:
        installed = importlib.metadata.version("yt-dlp-ejs")
    except importlib.metadata.PackageNotFoundError:
        return Check(
            "yt-dlp-ejs", "missing", "not installed (YouTube gives only degraded formats)",
            UPGRADE,
        )  # fmt: skip
    toolchain = _js_toolchain()
    if toolchain.solver_problem:
        return Check(
            "yt-dlp-ejs", "missing", f"{installed}, not usable: {toolchain.solver_problem}",
            f"install the version this yt-dlp wants: {UPGRADE}",
        )  # fmt: skip
    return Check("yt-dlp-ejs", "ok", f"{installed}, accepted by yt-dlp: {toolchain.solver}")


def runtime_check() -> Check:
    toolchain = _js_toolchain()
    if toolchain.runtime is None:
        return Check("js runtime", "missing", "yt-dlp finds no deno", "pip install -U deno")
    detail = f"{toolchain.runtime} ({toolchain.runtime_path})"
    if not toolchain.runtime_supported:
        return Check("js runtime", "missing", f"{detail}, too old", "pip install -U deno")
    return Check("js runtime", "ok", detail)


def challenge_check(player: str | None = None, seconds: float | None = None) -> Check:
    """The solver at work: yt-dlp's deno provider with yt-dlp-ejs on a test player whose
    answers are known (`publisher.tools.ytdlp.toolchain`; `player` replaces it), not
    only its parts present, within `seconds` (the toolchain's SOLVER_SECONDS)."""
    from publisher.tools.ytdlp.toolchain import SOLVER_SECONDS, solve_test_challenges

    trial = solve_test_challenges(player, seconds or SOLVER_SECONDS)
    if trial.problem:
        return Check(
            "js challenge solver", "missing",
            f"deno with yt-dlp-ejs did not solve a test challenge: {trial.problem}",
            f"upgrade both: {UPGRADE} deno; then publisher --verbose doctor",
        )  # fmt: skip
    return Check("js challenge solver", "ok", f"solved in {trial.seconds:.1f} s")


# as the README runs it: on loopback only, never a token server open to the network
POT_SERVER = (
    "docker run -d --restart unless-stopped -p 127.0.0.1:4416:4416"
    " brainicism/bgutil-ytdlp-pot-provider:{version}"
)


def po_token_check() -> Check:
    """A PO-token provider plugin is optional (README: PO tokens); when one is installed,
    yt-dlp uses it, and its HTTP server must run the plugin's own version."""
    from publisher.tools.ytdlp.toolchain import po_token_plugins

    found = po_token_plugins()
    if not found.providers:
        return Check(
            "po token", "ok",
            "no provider plugin (needed only when YouTube asks to sign in to confirm you are"
            " not a bot, or offers only format 18: README, PO tokens)",
        )  # fmt: skip
    plugin = f"{', '.join(found.providers)} {found.version or '(versions differ)'}"
    if found.server is None:
        return Check("po token", "ok", plugin)
    run_server = POT_SERVER.format(version=found.version or "VERSION")
    if found.server_problem:
        return Check(
            "po token", "warning",
            f"{plugin}; its server at {found.server}: {found.server_problem}",
            f"start the server of the same version: {run_server}",
        )  # fmt: skip
    detail = f"{plugin}; server {found.server_version} at {found.server}"
    if found.server_version != found.version:
        return Check(
            "po token", "warning", f"{detail}: not the plugin's version",
            f"run the same version of both: {run_server}, or pip install"
            f" -U bgutil-ytdlp-pot-provider=={found.server_version}",
        )  # fmt: skip
    return Check("po token", "ok", f"{detail} (builds reach it with --allow-private-sources)")


def ffmpeg_check(configured: str | None) -> Check:
    from publisher.tools import ffmpeg

    exe = ffmpeg.executable(configured)
    found = ffmpeg.capabilities(exe)
    have = {"encoder": found.encoders, "filter": found.filters}
    lacking = [f"{kind} {name}" for kind, names in FFMPEG_NEEDS.items()
               for name in names if name not in have[kind]]  # fmt: skip
    detail = f"{found.version} ({exe})"
    if lacking:
        return Check(
            "ffmpeg", "missing", f"{detail} lacks {', '.join(lacking)}",
            "use imageio-ffmpeg's (drop --ffmpeg) or a full build of ffmpeg",
        )  # fmt: skip
    return Check("ffmpeg", "ok", f"{detail}: aac, libmp3lame, loudnorm")


def state_check(catalog: Path) -> Check:
    from publisher.migrations import MIGRATIONS
    from publisher.state import inspect_file, state_path_for

    path = state_path_for(catalog)
    if not path.is_file():
        return Check("state", "ok", f"{path} not made yet (the first build makes it)")
    version, newest = inspect_file(path)
    size = path.stat().st_size
    detail = f"{path}, schema {version}, {size / 1e6:.1f} MB, {_last_render(newest)}"
    if version > len(MIGRATIONS):
        advice = "it was written by a newer publisher: upgrade this one"
        return Check("state", "missing", detail, advice)
    return Check("state", "ok", detail)


def _last_render(newest: int | None) -> str:
    """When a build last changed the published files (from what the last render wrote)."""
    if newest is None:
        return "no successful build yet"
    moment = datetime.fromtimestamp(newest / 1e9, UTC)
    return f"last successful build changed the feeds at {moment:%Y-%m-%d %H:%M} UTC"


def lock_check(catalog: Path) -> Check:
    from publisher.output.lock import RunLock
    from publisher.state import state_path_for

    lock = RunLock(state_path_for(catalog).parent)
    holder = lock.holder()
    if holder:
        return Check("lock", "ok", f"held by a running build (pid {holder})")
    return Check("lock", "ok", f"free ({lock.path})")


def catalog_check(catalog: Path) -> Check:
    from publisher.catalog.load import load_catalog

    try:
        loaded = load_catalog(catalog)
    except PublisherError as error:
        return Check("catalog", "missing", describe(error).splitlines()[0], "publisher validate")
    except OSError as error:
        return Check("catalog", "missing", describe(error), "give it with --catalog")
    followed = sum(len(s.follow) for s in loaded.series.values())
    detail = f"{catalog}: valid, {len(loaded.series)} series, {len(loaded.entries)} entries"
    return Check("catalog", "ok", detail + (f", {followed} followed playlists" if followed else ""))


def transcription_check(catalog: Path) -> Check:
    from publisher.catalog.load import load_catalog
    from publisher.tools import whisper

    try:
        loaded = load_catalog(catalog)
    except (PublisherError, OSError):
        return Check("transcription", "ok", "not known: the catalog does not load (see above)")
    site = loaded.site.transcribe
    models = {site.model} if site else set()
    for series in loaded.series.values():
        if series.transcribe is True:
            models.add(site.model if site else "base")
        elif series.transcribe is not None and series.transcribe is not False:
            models.add(series.transcribe.model)
    installed = whisper.version()
    if not models:
        state = f"faster-whisper {installed}" if installed else "faster-whisper not installed"
        return Check("transcription", "ok", f"off (no transcribe in the catalog); {state}")
    problem = "it is not installed" if installed is None else whisper.load_problem()
    if problem:
        detail = f"model {', '.join(sorted(models))}, but faster-whisper does not load: {problem}"
        return Check("transcription", "missing", detail, whisper.INSTALL)
    found = []
    for model in sorted(models):
        try:
            found.append(f"model {model}: {whisper.check_model(model, loaded.root)}")
        except whisper.ModelUnavailable as error:
            return Check("transcription", "missing", str(error), error.advice)
    return Check("transcription", "ok", f"faster-whisper {installed} loads; " + "; ".join(found))


@functools.cache  # asked once: the solver and the runtime lines both need it
def _js_toolchain():
    from publisher.tools.ytdlp.toolchain import js_toolchain

    return js_toolchain()


# Output --------------------------------------------------------------------------------


def as_json(checks: list[Check]) -> str:
    return json.dumps([asdict(check) for check in checks], indent=2, ensure_ascii=False)
