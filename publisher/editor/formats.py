"""`publisher formats`: what a build would download from a source, and why.

For a URL, the source is read online through the same checked yt-dlp client builds use
(address rules, the catalog's cookies); for a saved yt-dlp info JSON file (what
`yt-dlp --write-info-json` or `-j` writes), offline, as yt-dlp's `--load-info-json`
does. The choice is `publisher.tools.ytdlp.formats`', the one builds make: an editor
whose feed has the wrong language or quality sees here which format was taken and why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from publisher.errors import ConfigurationError, SourceError
from publisher.model import Catalog


@dataclass(frozen=True)
class FormatsRequest:
    source: str  # a URL, or a saved info JSON file
    catalog: Path
    series: str | None = None
    allow_private: bool = False


@dataclass(frozen=True)
class FormatsReport:
    source: str
    series: str | None
    series_language: str | None  # the series' `language`, when it has one
    choices: list  # publisher.tools.ytdlp.formats.Choice, audio first

    def as_dict(self) -> dict:
        return {choice.output: choice.summary() for choice in self.choices}

    def lines(self) -> list[str]:
        head = f"{self.source}" + (f" for the series {self.series!r}" if self.series else "")
        lines = [head + ":"]
        for choice in self.choices:
            fmt = choice.format
            codecs = "/".join(str(fmt[k]) for k in ("vcodec", "acodec")
                              if fmt.get(k) not in (None, "none"))  # fmt: skip
            language = fmt.get("language")
            lines.append(
                f"  {choice.output}: {fmt.get('format_id')} ({fmt.get('ext')}, {codecs}"
                + (f", {fmt.get('height')}p" if fmt.get("height") else "")
                + (f", language {language}" if language else "")
                + f") — {choice.why}"
            )  # fmt: skip
            lines.append(f"         yt-dlp -f '{choice.spec}' -S '{','.join(choice.sort)}'")
        audio_language = self.choices[0].format.get("language") if self.choices else None
        if (
            self.series_language
            and audio_language
            and not _same(self.series_language, audio_language)
        ):
            lines.append(
                f"  note: the series' language is {self.series_language}; the talk's own"
                f" voice ({audio_language}) is published, never a dub"
            )
        return lines


def explain_formats(request: FormatsRequest) -> FormatsReport:
    """What a build would download for each output of the series, from `request.source`."""
    from publisher.tools.ytdlp.formats import choices

    catalog = _catalog(request)
    series = catalog.series.get(request.series) if catalog and request.series else None
    audio_ext = series.audio.format if series else "m4a"
    video = series.video if series else True
    raw = _saved_info(Path(request.source)) if _is_file(request.source) else _read(request, catalog)
    return FormatsReport(
        source=request.source,
        series=request.series,
        series_language=getattr(series, "language", None),  # a series' own, where it has one
        choices=choices(raw, request.source, audio_ext, video),
    )


def _catalog(request: FormatsRequest) -> Catalog | None:
    """The catalog, for the series' outputs and its cookies; needed only with --series."""
    from publisher.catalog.load import load_catalog

    if request.series is None and not request.catalog.is_file():
        return None
    catalog = load_catalog(request.catalog)
    if request.series is not None and request.series not in catalog.series:
        known = ", ".join(sorted(catalog.series)) or "none"
        raise ConfigurationError(
            f"unknown series {request.series!r} in {request.catalog}",
            advice=f"give one of: {known}",
        )
    return catalog


def _is_file(source: str) -> bool:
    return "://" not in source and Path(source).is_file()


def _saved_info(path: Path) -> dict:
    """A yt-dlp info JSON file, as `--load-info-json` reads it."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SourceError(
            f"{path} is not a yt-dlp info JSON file ({error})",
            advice="save one with: yt-dlp -j URL > info.json",
        ) from None
    if not isinstance(raw, dict):
        raise SourceError(f"{path} holds no yt-dlp info", advice="save one with: yt-dlp -j URL")
    return raw


def _read(request: FormatsRequest, catalog: Catalog | None) -> dict:
    """Read a URL online, checked and with the catalog's cookies, as builds read it."""
    from publisher.editor.add import AddPacing
    from publisher.sources import check_source
    from publisher.tools.http import follow_redirects
    from publisher.tools.ytdlp import client as ytdlp

    check_source(request.source, Path.cwd(), request.allow_private)  # a URL, by the rules
    location = follow_redirects(request.source, request.allow_private, ytdlp.SOCKET_TIMEOUT)
    pacing = AddPacing.of(catalog) if catalog else None
    with ytdlp.Client(request.allow_private, pacing=pacing) as client:
        listing = client.read(location.url, request.source, direct_media=location.is_media)
    return {
        "formats": listing.formats,
        "live_status": listing.info.live_status,
        "is_live": listing.info.is_live,
    }


def _same(one: str, other: str) -> bool:
    return one.split("-")[0].lower() == other.split("-")[0].lower()
