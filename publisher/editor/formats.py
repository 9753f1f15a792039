"""`publisher formats`: what a build would download from a source, and why.

For a URL, the source is read online through the same checked yt-dlp client builds use
(address rules, the catalog's cookies); for a saved yt-dlp info JSON file (what
`yt-dlp --write-info-json` or `-j` writes), offline, as yt-dlp's `--load-info-json`
does. The choice is `publisher.tools.ytdlp.formats`', the one builds make: an editor
whose feed has the wrong language or quality sees here which format was taken and why.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from publisher.errors import ConfigurationError, SourceError
from publisher.formats.text import strip_control
from publisher.model import Catalog
from publisher.sources import is_url


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
            if fmt is None:
                lines.append(f"  {choice.output}: none — {choice.why}")
                continue
            codecs = "/".join(str(fmt[k]) for k in ("vcodec", "acodec")
                              if fmt.get(k) not in (None, "none"))  # fmt: skip
            facts = [fmt.get("ext"), codecs, fmt.get("height") and f"{fmt['height']}p",
                     fmt.get("language") and f"language {fmt['language']}"]  # fmt: skip
            about = ", ".join(str(fact) for fact in facts if fact)
            lines.append(f"  {choice.output}: {fmt.get('format_id')} ({about}) — {choice.why}")
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
        return [_printable(line) for line in lines]


def explain_formats(request: FormatsRequest) -> FormatsReport:
    """What a build would download for each output of the series, from `request.source`."""
    from publisher.tools.ytdlp.formats import choices

    catalog = _catalog(request)
    series = catalog.series.get(request.series) if catalog and request.series else None
    audio_ext = series.audio.format if series else "m4a"
    video = series.video if series else True
    raw = _read(request, catalog) if is_url(request.source) else _saved_info(request.source)
    return FormatsReport(
        source=request.source,
        series=request.series,
        series_language=getattr(series, "language", None),  # a series' own, where it has one
        choices=choices(raw, request.source, audio_ext, video),
    )


def _catalog(request: FormatsRequest) -> Catalog | None:
    """The catalog, for the series' outputs (--series) and the cookies a URL is read
    with; a saved file without --series needs none (a broken catalog is no obstacle)."""
    from publisher.catalog.load import load_catalog

    wanted = request.series is not None or is_url(request.source)
    if not wanted or (request.series is None and not request.catalog.is_file()):
        return None
    catalog = load_catalog(request.catalog)
    if request.series is not None and request.series not in catalog.series:
        known = ", ".join(sorted(catalog.series)) or "none"
        raise ConfigurationError(
            f"unknown series {request.series!r} in {request.catalog}",
            advice=f"give one of: {known}",
        )
    return catalog


MAX_INFO_BYTES = 64 << 20  # yt-dlp's info JSON of a long talk with every caption: ~5 MB
TEXT_FIELDS = ("_type", "live_status", "format_id", "url", "ext", "acodec", "vcodec",
               "language", "protocol", "format_note", "container", "dynamic_range",
               "video_ext", "audio_ext")  # fmt: skip
NUMBER_FIELDS = ("playlist_count", "abr", "tbr", "vbr", "asr", "height", "width", "fps",
                 "filesize", "filesize_approx", "audio_channels", "language_preference",
                 "quality", "preference", "source_preference")  # fmt: skip
SAVE_ONE = "save one with: yt-dlp -j URL > info.json"


def _saved_info(source: str) -> dict:
    """A yt-dlp info JSON file, as `--load-info-json` reads it, its fields of the types
    yt-dlp gives them (a file is anyone's: a wrong type is dropped, never a traceback)."""
    path = Path(source)
    if not path.is_file():
        where = (
            "is not a file" if path.exists() else f"does not exist (looked for {path.absolute()})"
        )
        raise SourceError(
            f"{source} {where}",
            advice=f"give a talk's URL, or a saved yt-dlp info JSON file ({SAVE_ONE})",
        )
    if path.stat().st_size > MAX_INFO_BYTES:
        raise SourceError(
            f"{path} is larger than {MAX_INFO_BYTES >> 20} MB: no yt-dlp info JSON file",
            advice=SAVE_ONE,
        )
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        why = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        raise SourceError(f"{path} is not a yt-dlp info JSON file ({why})", SAVE_ONE) from None
    if not isinstance(raw, dict):
        raise SourceError(f"{path} holds no yt-dlp info", advice=SAVE_ONE)
    return _typed(raw) | {"formats": _formats(raw.get("formats")), "entries": _entries(raw)}


def _typed(fields: dict) -> dict:
    """`fields` without the values yt-dlp never gives those fields: text that is no
    string, numbers that are no finite number."""
    fields = dict(fields)
    for key in TEXT_FIELDS:
        if key in fields and not isinstance(fields[key], str):
            del fields[key]
    for key in NUMBER_FIELDS:
        value = fields.get(key)
        if key in fields and not _is_number(value):
            del fields[key]
    return fields


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _formats(formats) -> list[dict] | None:
    if not isinstance(formats, list):
        return None
    return [_typed(f) for f in formats if isinstance(f, dict)]


def _entries(raw: dict) -> list:
    entries = raw.get("entries")
    return entries if isinstance(entries, list) else []


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


def _printable(line: str) -> str:
    """A line for a terminal: a format's fields are a page's or a file's, and an escape
    sequence in one (ESC, BEL…) would drive the editor's terminal; a line break in one
    would forge a line."""
    return " ".join(strip_control(line).splitlines())


def _same(one: str, other: str) -> bool:
    return one.split("-")[0].lower() == other.split("-")[0].lower()
