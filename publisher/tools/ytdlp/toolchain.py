"""What yt-dlp, configured exactly as builds configure it, makes of the JavaScript runtime
and challenge solver it is given (`publisher.tools.ytdlp.runtime`), for `publisher doctor`."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from publisher.formats.text import clean_text, one_line

__all__ = ["JsToolchain", "js_toolchain"]


@dataclass(frozen=True)
class JsToolchain:
    """What yt-dlp, configured as builds configure it, has for YouTube's challenges."""

    runtime: str | None  # "deno 2.9.8"
    runtime_path: str | None
    runtime_supported: bool
    solver: str | None  # "0.8.0 (python package)"
    solver_problem: str | None  # why yt-dlp would not use it


def js_toolchain() -> JsToolchain:
    """Ask yt-dlp itself, through the same params a build uses. These are yt-dlp's
    internals (it has no public API for this); any change there reads as "unknown"."""
    from yt_dlp.extractor.youtube.jsc._director import initialize_jsc_director

    from publisher.tools.ytdlp.client import ydl_params
    from publisher.tools.ytdlp.network import CheckedYoutubeDL

    ydl = CheckedYoutubeDL(ydl_params(None), allow_private=False)
    try:
        runtime = ydl._js_runtimes.get("deno")
        info = runtime.info if runtime else None
        solver, problem = None, "yt-dlp found no JavaScript runtime to run it in"
        if info is not None:
            solver, problem = _solver_scripts(initialize_jsc_director, ydl)
        return JsToolchain(
            runtime=f"{info.name} {info.version}" if info else None,
            runtime_path=info.path if info else None,
            runtime_supported=bool(info and info.supported),
            solver=solver,
            solver_problem=problem,
        )
    finally:
        ydl.close()


def _solver_scripts(initialize, ydl) -> tuple[str | None, str | None]:
    try:
        director = initialize(ydl.get_info_extractor("Youtube"))
        provider = next(p for p in director.providers.values() if p.PROVIDER_NAME == "deno")
        lib, core = provider._lib_script, provider._core_script  # loads and checks both
    except StopIteration:
        return None, "yt-dlp has no deno challenge provider"
    except Exception as error:  # yt-dlp's own refusal: no script, wrong version, bad hash
        return None, clean_text(str(error)) or type(error).__name__
    return f"{core.version} ({core.source.value}; lib {lib.version})", None


# Solving a challenge ---------------------------------------------------------------------

TEST_PLAYER = Path(__file__).with_name("challenge_player.js")  # its header explains it
TEST_PLAYER_URL = "https://www.youtube.com/s/player/0000000a/player_ias.vflset/en_US/base.js"
N_CHALLENGE = "Q0uxvGZr8mYk-Lq3"
SIG_CHALLENGE = "AOq0QJ8wRQIhAK%2Fx=z"


@dataclass(frozen=True)
class SolverTrial:
    """yt-dlp's deno challenge provider run on the test player: how long, or what failed."""

    seconds: float
    problem: str | None  # None: both challenges solved, with the expected answers


def expected_answers(n: str = N_CHALLENGE, sig: str = SIG_CHALLENGE) -> tuple[str, str]:
    """What the test player answers, computed here, not by the solver: n reversed, the
    signature's first character moved to its end."""
    return n[::-1], sig[1:] + sig[:1]


SOLVER_SECONDS = 30.0  # the test player is solved in about a second


def solve_test_challenges(
    player: str | None = None, seconds: float = SOLVER_SECONDS
) -> SolverTrial:
    """`solved_here` in a child process of its own process group, killed whole (deno
    with it) after `seconds`: yt-dlp waits for deno without a limit, and a deno that
    hangs, or a player that loops, must not hold `doctor`."""
    code = TEST_PLAYER.read_text(encoding="utf-8") if player is None else player
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-c", "from publisher.tools.ytdlp.toolchain import solve_stdin;"
         " solve_stdin()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, encoding="utf-8", start_new_session=True,
    )  # fmt: skip
    try:
        out, err = child.communicate(code, timeout=seconds)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        return SolverTrial(time.monotonic() - started, f"no answer within {seconds:g} s")
    try:
        answer = json.loads(out.strip().splitlines()[-1])
        return SolverTrial(float(answer["seconds"]), answer["problem"])
    except (IndexError, ValueError, KeyError, TypeError):
        return SolverTrial(time.monotonic() - started, _one_line(err or f"exit {child.returncode}"))


def solve_stdin() -> None:
    """The child of `solve_test_challenges`: the player on stdin, the trial as JSON."""
    trial = solved_here(sys.stdin.read())
    print(json.dumps({"seconds": trial.seconds, "problem": trial.problem}))


def solved_here(code: str) -> SolverTrial:
    """Run yt-dlp's own deno provider (with yt-dlp-ejs) on the test player, loaded from
    disk the way yt-dlp's tests load theirs (`_load_player` replaced), through the params
    builds use: the same runtime path, so a cron job's bare PATH is what is tested."""
    from yt_dlp.extractor.youtube.jsc._director import initialize_jsc_director
    from yt_dlp.extractor.youtube.jsc.provider import (
        JsChallengeRequest,
        JsChallengeType,
        NChallengeInput,
        SigChallengeInput,
    )

    from publisher.tools.ytdlp.client import CheckedYoutubeDL, ydl_params

    started = time.monotonic()
    ydl = CheckedYoutubeDL(ydl_params(None), allow_private=False)
    try:
        ie = ydl.get_info_extractor("Youtube")
        ie._load_player = lambda video_id, player_url, fatal=True: code
        provider = next(
            (
                p
                for p in initialize_jsc_director(ie).providers.values()
                if p.PROVIDER_NAME == "deno"
            ),
            None,
        )
        if provider is None:
            return SolverTrial(time.monotonic() - started, "yt-dlp has no deno challenge provider")
        requests = [
            JsChallengeRequest(JsChallengeType.N, NChallengeInput(TEST_PLAYER_URL, [N_CHALLENGE])),
            JsChallengeRequest(
                JsChallengeType.SIG, SigChallengeInput(TEST_PLAYER_URL, [SIG_CHALLENGE])
            ),
        ]
        try:
            responses = list(provider.bulk_solve(requests))
        except Exception as error:  # the provider's own failure: no runtime, no script…
            return SolverTrial(time.monotonic() - started, _one_line(error))
        return SolverTrial(time.monotonic() - started, _wrong_answers(responses))
    finally:
        ydl.close()


def _wrong_answers(responses) -> str | None:
    want_n, want_sig = expected_answers()
    got = {}
    for response in responses:
        if response.error is not None or response.response is None:
            return _one_line(response.error or "no answer")
        got.update(response.response.output.results)
    if got.get(N_CHALLENGE) != want_n or got.get(SIG_CHALLENGE) != want_sig:
        return f"wrong answers: n {got.get(N_CHALLENGE)!r}, signature {got.get(SIG_CHALLENGE)!r}"
    return None


def _one_line(error) -> str:
    text = clean_text(str(error)).strip().splitlines()
    return text[0] if text else type(error).__name__


# PO tokens --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PoTokenPlugins:
    """The PO-token provider plugins yt-dlp loaded (bgutil-ytdlp-pot-provider's, say)."""

    providers: tuple[str, ...]  # "bgutil:http", …
    version: str | None  # the plugins' version, when they agree on one
    server: str | None  # the HTTP provider's server, which must run the same version
    server_version: str | None
    server_problem: str | None  # why the server did not answer its /ping


def po_token_plugins() -> PoTokenPlugins:
    """Ask yt-dlp (its plugins loaded, as a build's YoutubeDL loads them) which PO-token
    providers it has beside its own, and ask an HTTP provider's server its version."""
    from yt_dlp.extractor.youtube.pot._registry import _pot_providers

    from publisher.tools.ytdlp.client import CheckedYoutubeDL, ydl_params

    CheckedYoutubeDL(ydl_params(None), allow_private=False).close()  # loads the plugins
    plugins = [c for c in _pot_providers.value.values() if not c.__module__.startswith("yt_dlp.")]
    versions = {getattr(c, "PROVIDER_VERSION", None) for c in plugins}
    server = next((c.DEFAULT_BASE_URL for c in plugins if getattr(c, "DEFAULT_BASE_URL", None)),
                  None)  # fmt: skip
    server_version, problem = _server_version(server) if server else (None, None)
    return PoTokenPlugins(
        providers=tuple(sorted(getattr(c, "PROVIDER_NAME", c.__name__) for c in plugins)),
        version=versions.pop() if len(versions) == 1 else None,
        server=server,
        server_version=server_version,
        server_problem=problem,
    )


PING_SECONDS = 5.0  # the whole /ping, however the server trickles: doctor must not hang
PING_BYTES = 64 * 1024  # bgutil answers {"version": …, "server_uptime": …}


def _server_version(base_url: str) -> tuple[str | None, str | None]:
    """The provider server's version from its GET /ping (the plugin compares the same).
    Whatever listens on that port is anyone's: one deadline for the whole answer, and
    at most PING_BYTES of it."""

    from publisher.errors import PublisherError
    from publisher.tools import deadlines, http

    try:
        with deadlines.time_limit(PING_SECONDS, "doctor's limit for the PO-token server"):
            body = http.fetch_url(f"{base_url}/ping", allow_private=True, limit=PING_BYTES)
        answer = json.loads(body)
    except PublisherError as error:  # refused, cut, too large: the server is not usable
        return None, _one_line(error)
    except ValueError:
        return None, "its /ping answered no JSON"
    version = answer.get("version") if isinstance(answer, dict) else None
    return one_line(version)[:40] or "unknown", None  # anyone's text, shown on a terminal
