"""THE episode plan: every file a talk (or an article) should have, what each is made
from, and whether the published one is current.

`plan(run, item)` lists the item's outputs: a talk's audio and video, episode art (an
article's too, from its page's image), transcripts from captions or from the talk's own
speech, chapters. Each has its role (how the state records it), MIME type, published
name and a frozen `Recipe`: its inputs resolved once (the source, a local path with `~`
expanded where `sources.local_source_path` puts it, read with its size and mtime, a file
beside it, the URL its metadata names, the series' format, loudness and language) and
`made_from`, the one serialisation of them that the state records and compares. The
stages make what the plan says is missing or stale, the runner skips a talk whose plan
is current, restore, recovery, the sweep and `status` read it. Adding an output is one
entry in OUTPUTS.

The `made_from` texts are those earlier versions recorded, so nothing already published
is made again. The plan reads no network and loads no media tool.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.formats.captions import (
    READABLE_EXTS,
    SRT_TYPE,
    VTT_TYPE,
    base_language,
    choose_caption,
)
from publisher.formats.chapters import CHAPTERS_TYPE, chapters_from_text, sane_chapters
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
    Transcribe,
)
from publisher.output import urls
from publisher.output.writer import is_in_folder
from publisher.sources import is_url, local_source_path, metadata_url

if TYPE_CHECKING:
    from publisher.build.run import Run

MEDIA_TYPES = {"m4a": "audio/mp4", "mp3": "audio/mpeg", "mp4": "video/mp4"}
IMAGE_TYPES = {".jpg": "image/jpeg", ".png": "image/png"}  # what conformed art is
IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".webp")  # art an editor may put beside a source
FROM_SOURCE = "source"  # chapters from the source's own list (yt-dlp's `chapters`)
FROM_TEXT = "description"  # timestamps in the catalog's summary or the source's description
SPEECH = "speech"  # what a transcript's recipe starts with when it was made from speech


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
    language: str = ""  # captions: the track's ("" beside a local source); speech: as heard
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
    """An item's outputs, each made when first asked for (the up-to-date test asks only
    for the media and the chapters), and the recipes its published files were made by."""

    def __init__(self, talk: Talk, recorded: dict[str, str]):
        self.talk = talk
        self.recorded = recorded  # role -> made_from, of the files the state has
        self._made: dict[Make, tuple[Output, ...]] = {}

    def made_by(self, make: Make) -> tuple[Output, ...]:
        """The outputs of one entry of OUTPUTS (`captions` and `speech` share roles)."""
        made = self._made.get(make)
        if made is None:
            made = self._made[make] = make(self.talk)
        return made

    @property
    def outputs(self) -> tuple[Output, ...]:
        """Every output, in OUTPUTS order."""
        return tuple(output for _, make in OUTPUTS for output in self.made_by(make))

    def get(self, role: str) -> Output | None:
        """The first output of `role`, in OUTPUTS order."""
        for make in MAKERS.get(role, ()):
            for output in self.made_by(make):
                if output.role == role:
                    return output
        return None

    @property
    def media(self) -> list[Output]:
        """The episode's own files, audio and video: without audio there is no episode."""
        return [*self.made_by(audio), *self.made_by(video)]

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

    def chapters_current(self, item: Item) -> bool:
        """The chapters come from the catalog's summary too: an edit there is work to do."""
        chapters = self.get(CHAPTERS)
        return (chapters.recipe.chapters if chapters else ()) == item.chapters

    def is_current(self, item: Item) -> bool:
        """Nothing for a stage to do: media made by today's recipes, chapters as published."""
        return not self.stale(item) and self.chapters_current(item)


# The plan ------------------------------------------------------------------------------


@dataclass(slots=True)
class Talk:
    """What every output of one item is planned from, resolved once (never changed). An
    article is planned too: it has art only."""

    item: Item
    catalog: Catalog
    series: Series | None
    source: str  # as the catalog gives it; "" when there is none yet
    local: LocalFile | None  # the source, when it is a file of this machine
    stem: str
    recorded: dict[str, str]
    measured: float | None = None  # the duration of the audio this run made, if it made one

    @property
    def is_talk(self) -> bool:
        return self.item.entry.is_talk

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
        base = self.local.path if self.local else local_source_path(self.source, self.catalog.root)
        for suffix in suffixes:
            found = LocalFile.at(base.with_suffix(suffix))
            if found:
                yield found


def plan(
    run: Run, item: Item, recorded: dict[str, str] | None = None, measured: float | None = None
) -> Plan:
    """The plan of `item` in `run`; `recorded` (role -> made_from) is read from the state
    unless given (the runner reads every talk's in one query); `measured`: the duration
    of the audio this run made (the chapters stay inside it)."""
    if recorded is None:
        recorded = {role: made for role, (_, made) in run.state.media_files(item.id).items()}
    return plan_of(run.catalog, item, recorded, measured)


def plan_of(
    catalog: Catalog, item: Item, recorded: dict[str, str], measured: float | None = None
) -> Plan:
    """The plan of `item` in `catalog` (`status` has no run)."""
    entry = item.entry
    source = entry.source or ""
    local = None
    if entry.is_talk and source and not is_url(source):
        local = LocalFile.at(local_source_path(source, catalog.root))
    series = catalog.series.get(entry.series) if entry.series else None
    stem = urls.entry_stem(entry.series, entry.id)
    return Plan(Talk(item, catalog, series, source, local, stem, recorded, measured), recorded)


def published_file(run: Run, item: Item, output: Output) -> MediaFile | None:
    """THE reuse rule: a file made earlier is kept while its recipe is unchanged and it is
    still in the folder with its recorded length."""
    made = run.state.media_files(item.id).get(output.role)
    if made is None or made[1] != output.made_from or not is_in_folder(run.out, made[0]):
        return None
    return made[0]


def published_files(run: Run, item: Item, outputs) -> list[MediaFile] | None:
    """The files of all `outputs` as made earlier (`published_file`); None unless all are."""
    files = [published_file(run, item, output) for output in outputs]
    return None if not files or None in files else files  # type: ignore[return-value]


def keeps(series: Series | None, role: str) -> bool:
    """Whether a talk of `series` keeps a published file of `role`: all of them, but video
    only while the series publishes video (feeds, pages and the sweep alike)."""
    return role != VIDEO or bool(series and series.video)


# The outputs, one function each --------------------------------------------------------


def audio(talk: Talk) -> tuple[Output, ...]:
    if not talk.is_talk:
        return ()
    settings = talk.series.audio if talk.series else AudioSettings()
    loudness = "off" if settings.loudness is None else f"{settings.loudness:g}"
    made_from = f"{talk.source_identity}|{settings.format}|{loudness}"
    recipe = Recipe(made_from, _media_location(talk), settings.format, settings.loudness)
    return (Output(AUDIO, MEDIA_TYPES[settings.format], talk.stem, f".{settings.format}", recipe),)


def video(talk: Talk) -> tuple[Output, ...]:
    """THE rule for a talk's video episode: its series publishes video and its source is
    not known to be audio only (`build` makes by it, `status` reports by it)."""
    info = talk.item.info
    if not (talk.is_talk and talk.series and talk.series.video):
        return ()
    if info and info.offers_video is False:
        return ()
    target = talk.series.audio.loudness
    # videos made before their audio was normalised keep their recipe when it is off
    level = "" if target is None else f"|{target:g}"
    recipe = Recipe(f"{talk.source_identity}|mp4{level}", _media_location(talk), "mp4", target)
    return (Output(VIDEO, MEDIA_TYPES["mp4"], talk.stem, ".mp4", recipe),)


def _media_location(talk: Talk) -> Path | str | None:
    return talk.local.path if talk.local else (talk.source or None)


def art(talk: Talk) -> tuple[Output, ...]:
    """An image beside a local source (same stem), else the source's thumbnail; an
    article's is its page's Open Graph image. Only the editor's files are paths; what the
    source's metadata names is fetched as a URL, or not at all (`metadata_url`)."""
    beside = next(talk.beside(IMAGE_EXTS), None)
    info, page = talk.item.info, talk.item.page
    if beside:
        recipe = Recipe(beside.identity, beside.path.resolve())
    elif thumbnail := metadata_url(info.thumbnail if info else page.image if page else None):
        recipe = Recipe(thumbnail, thumbnail)
    else:
        return ()
    return (Output(IMAGE, IMAGE_TYPES[".jpg"], talk.stem, ".jpg", recipe, extra=True),)


def captions(talk: Talk) -> tuple[Output, ...]:
    """WebVTT and SRT, both from one caption file: beside a local source, or the best
    track the source offers in the talk's language."""
    recipe = _captions(talk) if talk.is_talk else None
    if recipe is None:
        return ()
    return _transcripts(talk.stem, recipe)


def _captions(talk: Talk) -> Recipe | None:
    if talk.source and not is_url(talk.source):
        suffixes = [f".{ext}" for ext in READABLE_EXTS]
        for beside in talk.beside(suffixes):
            return Recipe(beside.identity, beside.path.resolve(), beside.path.suffix[1:])
        return None
    info = talk.item.info
    language = talk.catalog.language_of(talk.item.entry)
    caption = choose_caption(info.captions, language) if info else None
    url = metadata_url(caption.url) if caption else None
    if caption is None or url is None:
        return None  # metadata names no caption file, or not as a URL (never a path)
    kind = "automatic" if caption.automatic else "manual"
    made_from = f"{info.source} captions {caption.language} {kind}"
    return Recipe(
        made_from, url, caption.ext, automatic=caption.automatic, language=caption.language
    )


def speech(talk: Talk) -> tuple[Output, ...]:
    """The transcript made from the talk's own speech (`stages/transcribe.py`), when its
    series transcribes and no captions made by people in its language win (`is_human`):
    <entry>.speech.vtt and .srt. Its recipe is the source and the language it is heard
    in; the format, loudness or model do not count: the same speech is transcribed once,
    and never again. Until it is made, the captions stand in (`captions`)."""
    if transcribe_settings(talk.catalog, talk.series) is None:
        return ()
    heard = speech_heard(talk)
    if not heard or is_human(_captions(talk), heard[0].recipe.language):
        return ()
    return heard


def speech_heard(talk: Talk) -> tuple[Output, ...]:
    """The transcript a talk's speech makes now, wanted or not (`speech` says whether): a
    `.speech.vtt` read back from a feed is known by its name, even when its series has
    stopped transcribing since (recovery records it as made from speech, then it is
    withdrawn)."""
    if not talk.is_talk:
        return ()
    language = spoken_language(talk.catalog, talk.series)
    recipe = Recipe(f"{SPEECH}|{talk.source_identity}|{language}", language=language)
    return _transcripts(f"{talk.stem}.{SPEECH}", recipe)


def _transcripts(stem: str, recipe: Recipe) -> tuple[Output, ...]:
    return (
        Output(TRANSCRIPT_VTT, VTT_TYPE, stem, ".vtt", recipe, extra=True),
        Output(TRANSCRIPT_SRT, SRT_TYPE, stem, ".srt", recipe, extra=True),
    )


def chapters(talk: Talk) -> tuple[Output, ...]:
    if not talk.is_talk:
        return ()
    found, made_from = wanted_chapters(talk.item, talk.recorded.get(CHAPTERS), talk.measured)
    if not found:
        return ()
    recipe = Recipe(made_from, chapters=found)
    return (Output(CHAPTERS, CHAPTERS_TYPE, talk.stem, ".chapters.json", recipe),)


Make = Callable[[Talk], tuple[Output, ...]]
# Every output an item may have: the roles each function plans, in the order they are
# listed. Another output is one more line here (and the stage that makes it).
OUTPUTS: tuple[tuple[tuple[str, ...], Make], ...] = (
    ((AUDIO,), audio),
    ((VIDEO,), video),
    ((IMAGE,), art),
    ((TRANSCRIPT_VTT, TRANSCRIPT_SRT), captions),
    ((TRANSCRIPT_VTT, TRANSCRIPT_SRT), speech),
    ((CHAPTERS,), chapters),
)
MAKERS: dict[str, tuple[Make, ...]] = {}
for _roles, _make in OUTPUTS:
    for _role in _roles:
        MAKERS[_role] = (*MAKERS.get(_role, ()), _make)


# Which text wins, and how a talk is transcribed ------------------------------------------


def is_human(captions: Recipe | None, language: str) -> bool:
    """THE rule of which text wins: captions made by people in the talk's language are
    published as they are; machine captions, or people's captions in another language,
    give way to a transcript made from the talk's speech when its series transcribes
    (README: Transcripts made from speech)."""
    if captions is None or captions.automatic:
        return False
    return not captions.language or base_language(captions.language) == language


def transcribe_settings(catalog: Catalog, series: Series | None) -> Transcribe | None:
    """How a talk is transcribed: its series' model, or the site's; None when it is not
    (the site says nothing and the series nothing, or the series says false)."""
    site = catalog.site.transcribe
    chosen = series.transcribe if series else None
    if chosen is None or chosen is False:
        return site if chosen is None else None
    budget = site or Transcribe()  # the time budget is the run's, set on the site
    return budget if chosen is True else replace(budget, model=chosen.model)


def spoken_language(catalog: Catalog, series: Series | None) -> str:
    """The language a talk is transcribed in: its series' when it has one, else the
    site's; as Whisper names languages (en, not en-GB)."""
    language = getattr(series, "language", None) or catalog.site.language
    return language.split("-")[0].lower()


def language_of_recipe(made_from: str | None) -> str | None:
    """The language of a transcript made from speech, from its recipe; None for captions."""
    if not made_from or not made_from.startswith(f"{SPEECH}|"):
        return None
    return made_from.rsplit("|", 1)[-1]


# Which chapters --------------------------------------------------------------------------


def find_chapters(item: Item, duration: float | None = None) -> tuple[Chapter, ...]:
    """The source's chapters; else those listed in the catalog summary or the description;
    inside the talk's `duration` (by default the published audio's, else the source's
    word for it), in order, without repeats and not too many (`sane_chapters`)."""
    duration = duration or talk_duration(item)
    if item.info and item.info.chapters:
        return sane_chapters(item.info.chapters, duration)
    for text in (item.entry.summary, item.info.description if item.info else ""):
        found = chapters_from_text(text, duration)
        if found:
            return sane_chapters(found, duration)
    return ()


def talk_duration(item: Item) -> float | None:
    """How long the talk is: measured, once its audio is published; else what the source
    says (which a source may get wrong)."""
    if item.audio is not None and item.audio.duration:
        return item.audio.duration
    return item.info.duration if item.info else None


def wanted_chapters(
    item: Item, made_from: str | None, duration: float | None = None
) -> tuple[tuple[Chapter, ...], str]:
    """The chapters an item should publish, and what they are made from, given what its
    published ones were made from.

    What the source or the texts list now; when they list none, the chapters published
    from the source's own list stay (a source that stops listing them does not take them
    from the feed), but chapters read from a text go with the text: an editor who took
    the timestamps out of a summary took the chapters out.
    """
    found = find_chapters(item, duration)
    if found:
        return found, FROM_SOURCE if item.info and item.info.chapters else FROM_TEXT
    if made_from == FROM_SOURCE:
        return item.chapters, FROM_SOURCE
    return (), FROM_TEXT


def moved_recipes(catalog: Catalog, before: Item, after: Item, recorded: dict[str, str]):
    """role -> (recorded made_from, the same recipe after the talk's source changed from
    `before`'s to `after`'s), for each recorded file made by `before`'s plan: a followed
    video a catalog entry takes over under another of its URLs keeps its media and its
    transcript."""
    old, new = plan_of(catalog, before, recorded), plan_of(catalog, after, recorded)
    moved = {}
    for _, make in OUTPUTS:
        renamed = {output.role: output for output in new.made_by(make)}
        for output in old.made_by(make):
            target = renamed.get(output.role)
            if target and recorded.get(output.role) == output.made_from != target.made_from:
                moved[output.role] = (output.made_from, target.made_from)
    return moved
