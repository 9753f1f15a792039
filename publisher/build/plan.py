"""THE episode plan: every file a talk should have, what each is made from, and whether
the published one is current.

`plan(run, item)` lists the talk's outputs: audio and video, episode art, transcripts,
chapters. Each has its role (how the state records it), MIME type, published name and a
frozen `Recipe`: its inputs resolved once (the source, a local path with `~` expanded
and made absolute, read with its size and mtime, a file beside it, the URL its metadata
names, the series' format and loudness) and `made_from`, the one serialisation of them
that the state records and compares. The stages make what the plan says is missing or
stale, the runner skips a talk whose plan is current, restore, recovery, the sweep and
`status` read it. Adding an output is one entry in OUTPUTS.

The `made_from` texts are those earlier versions recorded, so nothing already published
is made again. The plan reads no network and loads no media tool.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.formats.captions import READABLE_EXTS, SRT_TYPE, VTT_TYPE, choose_caption
from publisher.formats.chapters import CHAPTERS_TYPE, chapters_from_text
from publisher.model import (
    AUDIO,
    CHAPTERS,
    IMAGE,
    TRANSCRIPT_SRT,
    TRANSCRIPT_VTT,
    VIDEO,
    AudioSettings,
    Catalog,
    Chapter,
    Item,
    MediaFile,
    Series,
)
from publisher.output import urls
from publisher.output.writer import is_in_folder
from publisher.sources import is_url, metadata_url

if TYPE_CHECKING:
    from publisher.build.run import Run

MEDIA_TYPES = {"m4a": "audio/mp4", "mp3": "audio/mpeg", "mp4": "video/mp4"}
IMAGE_TYPES = {".jpg": "image/jpeg", ".png": "image/png"}  # what conformed art is
IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".webp")  # art an editor may put beside a source
FROM_SOURCE = "source"  # chapters from the source's own list (yt-dlp's `chapters`)
FROM_TEXT = "description"  # timestamps in the catalog's summary or the source's description


@dataclass(frozen=True, slots=True)
class LocalFile:
    """A file of this machine an output is made from: absolute, read once."""

    path: Path
    size: int
    mtime_ns: int

    @classmethod
    def at(cls, path: Path) -> LocalFile | None:
        try:
            stat = path.stat()
        except OSError:
            return None
        return cls(path, stat.st_size, stat.st_mtime_ns) if path.is_file() else None

    @property
    def identity(self) -> str:
        """A file beside a source, as recipes name it: its name, size and mtime."""
        return f"{self.path.name} {self.size} {self.mtime_ns}"


@dataclass(frozen=True, slots=True)
class Recipe:
    """What one output is made from, resolved once. `made_from` is its one serialisation:
    the state records it with the file, and the file is current while it is unchanged."""

    made_from: str
    location: Path | str | None = None  # the local file (absolute) or URL read; media: the source
    format: str = ""  # media: the output's (m4a, mp3, mp4); captions: the file read's (vtt, srt)
    loudness: float | None = None  # media: the target in LUFS; None keeps the source's level
    automatic: bool = False  # captions a machine made, which "roll"
    chapters: tuple[Chapter, ...] = ()  # the chapters themselves


@dataclass(frozen=True, slots=True)
class Output:
    """One file a talk should have."""

    role: str  # as the state records it: audio, video, image, chapters, transcript.vtt…
    mime_type: str  # art: a JPEG's; already-conforming PNG art stays a PNG (IMAGE_TYPES)
    stem: str  # media/<series>/<entry>: every file of the talk is named from it
    suffix: str  # .m4a, .mp4, .jpg, .vtt, .chapters.json
    recipe: Recipe
    extra: bool = False  # art, transcripts: a failure costs this file, never the episode

    @property
    def name(self) -> str:
        """The published path. Media replacing an earlier version, and all art, insert a
        digest of their bytes before the suffix (apps cache by URL)."""
        return self.stem + self.suffix

    @property
    def ext(self) -> str:
        return self.suffix.rsplit(".", 1)[-1]

    @property
    def made_from(self) -> str:
        return self.recipe.made_from


class Plan:
    """A talk's outputs, each made when first asked for (the up-to-date test asks only for
    the media and the chapters), and the recipes its published files were made by."""

    def __init__(self, talk: Talk | None, recorded: dict[str, str]):
        self.talk = talk  # None for an article: it has no outputs
        self.recorded = recorded  # role -> made_from, of the files the state has
        self._made: dict[Make, tuple[Output, ...]] = {}

    def _made_by(self, make: Make) -> tuple[Output, ...]:
        made = self._made.get(make)
        if made is None:
            made = self._made[make] = make(self.talk) if self.talk else ()
        return made

    @property
    def outputs(self) -> tuple[Output, ...]:
        """Every output, in OUTPUTS order."""
        return tuple(output for _, make in OUTPUTS for output in self._made_by(make))

    def get(self, role: str) -> Output | None:
        make = MAKERS.get(role)
        for output in self._made_by(make) if make else ():
            if output.role == role:
                return output
        return None

    @property
    def media(self) -> list[Output]:
        """The episode's own files, audio and video: without audio there is no episode."""
        return [*self._made_by(audio), *self._made_by(video)]

    def stale(self, item: Item) -> list[str]:
        """The episode's media (audio, video) that is missing or made by another recipe.
        Art and transcripts are made again whenever a talk has work, but are no work of
        their own: one that cannot be made now (no captions in the cached metadata, a
        thumbnail gone) must not send the talk through the stages on every run."""
        return [
            output.role
            for output in self.media
            if getattr(item, output.role) is None
            or self.recorded.get(output.role) != output.made_from
        ]

    def is_current(self, item: Item) -> bool:
        """Nothing for a stage to do: media made by today's recipes, chapters as published."""
        chapters = self.get(CHAPTERS)
        wanted = chapters.recipe.chapters if chapters else ()
        return not self.stale(item) and wanted == item.chapters


# The plan ------------------------------------------------------------------------------


@dataclass(slots=True)
class Talk:
    """What every output of one talk is planned from, resolved once (never changed)."""

    item: Item
    catalog: Catalog
    series: Series | None
    source: str  # as the catalog gives it; "" when there is none yet
    local: LocalFile | None  # the source, when it is a file of this machine
    stem: str
    recorded: dict[str, str]

    @property
    def source_identity(self) -> str:
        """The source as a media recipe names it: a local file also by size and mtime, so
        an edit counts."""
        if self.local is None:
            return self.source
        return f"{self.source}@{self.local.size}:{self.local.mtime_ns}"

    def beside(self, suffixes) -> Iterator[LocalFile]:
        """Files beside a local source with its stem and one of `suffixes`, in that order."""
        if self.local is None and (not self.source or is_url(self.source)):
            return
        base = self.local.path if self.local else local_path(self.catalog.root, self.source)
        for suffix in suffixes:
            found = LocalFile.at(base.with_suffix(suffix))
            if found:
                yield found


def local_path(root: Path, source: str) -> Path:
    """A local source as a path: `~` expanded, relative to the catalog's folder."""
    path = Path(source).expanduser()
    return path if path.is_absolute() else root / path


def plan(run: Run, item: Item, recorded: dict[str, str] | None = None) -> Plan:
    """The plan of `item`, a talk, in `run`; `recorded` (role -> made_from) is read from
    the state unless given (the runner reads every talk's in one query)."""
    if recorded is None:
        recorded = {role: made for role, (_, made) in run.state.media_files(item.id).items()}
    return plan_of(run.catalog, item, recorded)


def plan_of(catalog: Catalog, item: Item, recorded: dict[str, str]) -> Plan:
    """The plan of `item` in `catalog` (`status` has no run); an article has no outputs."""
    entry = item.entry
    if not entry.is_talk:
        return Plan(None, recorded)
    source = entry.source or ""
    local = None if not source or is_url(source) else LocalFile.at(local_path(catalog.root, source))
    series = catalog.series.get(entry.series) if entry.series else None
    stem = urls.entry_stem(entry.series, entry.id)
    return Plan(Talk(item, catalog, series, source, local, stem, recorded), recorded)


def published_file(run: Run, item: Item, output: Output) -> MediaFile | None:
    """THE reuse rule: a file made earlier is kept while its recipe is unchanged and it is
    still in the folder with its recorded length."""
    made = run.state.media_files(item.id).get(output.role)
    if made is None or made[1] != output.made_from or not is_in_folder(run.out, made[0]):
        return None
    return made[0]


def keeps(series: Series | None, role: str) -> bool:
    """Whether a talk of `series` keeps a published file of `role`: all of them, but video
    only while the series publishes video (feeds, pages and the sweep alike)."""
    return role != VIDEO or bool(series and series.video)


# The outputs, one function each --------------------------------------------------------


def audio(talk: Talk) -> tuple[Output, ...]:
    settings = talk.series.audio if talk.series else AudioSettings()
    loudness = "off" if settings.loudness is None else f"{settings.loudness:g}"
    made_from = f"{talk.source_identity}|{settings.format}|{loudness}"
    recipe = Recipe(made_from, _media_location(talk), settings.format, settings.loudness)
    return (Output(AUDIO, MEDIA_TYPES[settings.format], talk.stem, f".{settings.format}", recipe),)


def video(talk: Talk) -> tuple[Output, ...]:
    """In a series with video, unless the source is known to have no picture."""
    info = talk.item.info
    if not (talk.series and talk.series.video) or (info and info.offers_video is False):
        return ()
    target = talk.series.audio.loudness
    # videos made before their audio was normalised keep their recipe when it is off
    level = "" if target is None else f"|{target:g}"
    recipe = Recipe(f"{talk.source_identity}|mp4{level}", _media_location(talk), "mp4", target)
    return (Output(VIDEO, MEDIA_TYPES["mp4"], talk.stem, ".mp4", recipe),)


def _media_location(talk: Talk) -> Path | str | None:
    return talk.local.path if talk.local else (talk.source or None)


def art(talk: Talk) -> tuple[Output, ...]:
    """An image beside a local source (same stem), else the source's thumbnail. Only the
    editor's files are paths; what the source's metadata names is fetched as a URL, or
    not at all (`metadata_url`)."""
    beside = next(talk.beside(IMAGE_EXTS), None)
    info = talk.item.info
    thumbnail = metadata_url(info.thumbnail) if info and not beside else None
    if beside:
        recipe = Recipe(beside.identity, beside.path.resolve())
    elif thumbnail:
        recipe = Recipe(thumbnail, thumbnail)
    else:
        return ()
    return (Output(IMAGE, IMAGE_TYPES[".jpg"], talk.stem, ".jpg", recipe, extra=True),)


def transcripts(talk: Talk) -> tuple[Output, ...]:
    """WebVTT and SRT, both from one caption file: beside a local source, or the best
    track the source offers."""
    recipe = _captions(talk)
    if recipe is None:
        return ()
    return (
        Output(TRANSCRIPT_VTT, VTT_TYPE, talk.stem, ".vtt", recipe, extra=True),
        Output(TRANSCRIPT_SRT, SRT_TYPE, talk.stem, ".srt", recipe, extra=True),
    )


def _captions(talk: Talk) -> Recipe | None:
    if talk.source and not is_url(talk.source):
        suffixes = [f".{ext}" for ext in READABLE_EXTS]
        for beside in talk.beside(suffixes):
            return Recipe(beside.identity, beside.path.resolve(), beside.path.suffix[1:])
        return None
    info = talk.item.info
    caption = choose_caption(info.captions, talk.catalog.site.language) if info else None
    url = metadata_url(caption.url) if caption else None
    if caption is None or url is None:
        return None  # metadata names no caption file, or not as a URL (never a path)
    kind = "automatic" if caption.automatic else "manual"
    made_from = f"{info.source} captions {caption.language} {kind}"
    return Recipe(made_from, url, caption.ext, automatic=caption.automatic)


def chapters(talk: Talk) -> tuple[Output, ...]:
    found, made_from = wanted_chapters(talk.item, talk.recorded.get(CHAPTERS))
    if not found:
        return ()
    recipe = Recipe(made_from, chapters=found)
    return (Output(CHAPTERS, CHAPTERS_TYPE, talk.stem, ".chapters.json", recipe),)


Make = Callable[[Talk], tuple[Output, ...]]
# Every output a talk may have: the roles each function plans, in the order they are
# listed. Another output is one more line here (and the stage that makes it).
OUTPUTS: tuple[tuple[tuple[str, ...], Make], ...] = (
    ((AUDIO,), audio),
    ((VIDEO,), video),
    ((IMAGE,), art),
    ((TRANSCRIPT_VTT, TRANSCRIPT_SRT), transcripts),
    ((CHAPTERS,), chapters),
)
MAKERS = {role: make for roles, make in OUTPUTS for role in roles}


# Which chapters --------------------------------------------------------------------------


def find_chapters(item: Item) -> tuple[Chapter, ...]:
    """The source's chapters; else those listed in the catalog summary or the description."""
    duration = item.info.duration if item.info else None
    if item.info and item.info.chapters:
        return item.info.chapters
    for text in (item.entry.summary, item.info.description if item.info else ""):
        found = chapters_from_text(text, duration)
        if found:
            return found
    return ()


def wanted_chapters(item: Item, made_from: str | None) -> tuple[tuple[Chapter, ...], str]:
    """The chapters an item should publish, and what they are made from, given what its
    published ones were made from.

    What the source or the texts list now; when they list none, the chapters published
    from the source's own list stay (a source that stops listing them does not take them
    from the feed), but chapters read from a text go with the text: an editor who took
    the timestamps out of a summary took the chapters out.
    """
    found = find_chapters(item)
    if found:
        return found, FROM_SOURCE if item.info and item.info.chapters else FROM_TEXT
    if made_from == FROM_SOURCE:
        return item.chapters, FROM_SOURCE
    return (), FROM_TEXT


def moved_recipes(catalog: Catalog, before: Item, after: Item, recorded: dict[str, str]):
    """role -> (recorded made_from, the same recipe after the talk's source changed from
    `before`'s to `after`'s), for each recorded file made by `before`'s plan: a followed
    video a catalog entry takes over under another of its URLs keeps its media."""
    old, new = plan_of(catalog, before, recorded), plan_of(catalog, after, recorded)
    moved = {}
    for output in old.outputs:
        renamed = new.get(output.role)
        if renamed and recorded.get(output.role) == output.made_from != renamed.made_from:
            moved[output.role] = (output.made_from, renamed.made_from)
    return moved
