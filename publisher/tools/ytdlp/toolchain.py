"""What yt-dlp, configured exactly as builds configure it, makes of the JavaScript runtime
and challenge solver it is given (`publisher.tools.ytdlp.runtime`), for `publisher doctor`."""

from __future__ import annotations

from dataclasses import dataclass

from publisher.formats.text import clean_text

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
