"""Reading the state back from the published folder.

The published feeds say what listeners have: each episode's GUID, its enclosure URL,
length and type, its transcripts, chapters and art, the show's podcast:guid and when each
feed last changed. `Recovery` reads feeds the state does not know as the last render left
them and takes from them whatever the state lacks, so no published GUID, URL or date
changes. What the state knows always wins.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from lxml import etree

from publisher.build.plan import plan, speech_heard
from publisher.build.sweep import media_paths_in
from publisher.check.findings import ITUNES_NS, podcast_children
from publisher.formats.captions import SRT_TYPE, VTT_TYPE
from publisher.formats.checked import (
    checked_duration,
    checked_rfc822,
    checked_size,
    checked_timestamp,
)
from publisher.guids import entry_guid, identity, video_guid
from publisher.model import TRANSCRIPT_SRT, TRANSCRIPT_VTT, Item, MediaFile
from publisher.output.writer import is_in_folder
from publisher.output.xmlsafe import parse_xml
from publisher.render import changes
from publisher.state import Publication

if TYPE_CHECKING:
    from publisher.build.run import Run


ARCHIVE_SUFFIX = re.compile(r"-archive-\d+(?=\.xml$)")


TRANSCRIPT_ROLES = {VTT_TYPE: TRANSCRIPT_VTT, SRT_TYPE: TRANSCRIPT_SRT}


class Recovery:
    """What the published feeds say, matched to the catalog's entries."""

    def __init__(self, run: Run):
        self.run = run
        self.known = run.state.publications()
        self.found: dict[str, Publication] = {}
        self.files: dict[str, dict[str, MediaFile]] = {}
        self.by_id = {item.id: item for item in run.items}
        self._titles: dict[tuple[str, datetime], list[Item]] | None = None
        self._indexes: dict[bool, tuple[int, dict[str, Item]]] = {}

    def read(self, relative: str) -> None:
        path = self.run.out / relative
        data = path.read_bytes()
        try:
            root = parse_xml(data)
        except etree.XMLSyntaxError:
            return  # not a feed we can read: nothing to take from it
        channel = root.find("channel")
        if channel is None:
            return
        self._feed(relative, data, channel)
        written = checked_timestamp(path.stat().st_mtime) or self.run.started
        video = relative.endswith("/video.xml") or "/video-archive-" in relative
        for element in channel.iterfind("item"):
            self._item(element, video, written)

    def _feed(self, relative: str, data: bytes, channel) -> None:
        state = self.run.state
        record = state.feeds().get(relative)
        digest = changes.content_digest(data)
        changed_at = changes.change_date(data)
        if changed_at and (record is None or record.content_digest != digest):
            state.record_feed_change(relative, digest, changed_at)
        guid = next((found.text for found in podcast_children(channel, "guid")), None)
        if guid:
            state.keep_podcast_guid(ARCHIVE_SUFFIX.sub("", relative), guid.strip())

    def _item(self, element, video: bool, written: datetime) -> None:
        guid = (element.findtext("guid") or "").strip()
        enclosure = element.find("enclosure")
        media = self._media(enclosure, element) if enclosure is not None else None
        item = self._match(element, guid, media, video)
        if item is None or not guid or media is None:
            return
        files = self.files.setdefault(item.id, {})
        if video:
            files["video"] = media
            if item.id in self.found and not self.found[item.id].video_guid:
                known = self.found[item.id]
                self.found[item.id] = Publication(known.guid, known.first_published, guid)
            elif item.id in self.known and not self.known[item.id].video_guid:
                self.found[item.id] = Publication(self.known[item.id].guid, written, guid)
            return
        files["audio"] = media
        files.update(self._extras(element))
        if item.id not in self.known and item.id not in self.found:
            published = _date(element.findtext("pubDate"))
            first = min(published, written) if published else written
            self.found[item.id] = Publication(guid, first)

    def _media(self, enclosure, element) -> MediaFile | None:
        path = self._path(enclosure.get("url", ""))
        if path is None:
            return None
        length = checked_size(enclosure.get("length", ""))
        if length is None:  # "-5", "1e30", "": not a file we can account for
            return None
        duration = element.findtext(f"{{{ITUNES_NS}}}duration")
        return MediaFile(path, length, enclosure.get("type", ""), _seconds(duration))

    def _extras(self, element) -> dict[str, MediaFile]:
        """Transcripts, chapters and episode art the item names, as files on disk."""
        extras: dict[str, MediaFile] = {}
        for transcript in podcast_children(element, "transcript"):
            role = TRANSCRIPT_ROLES.get(transcript.get("type", ""))
            if role:
                self._extra(extras, role, transcript.get("url", ""), transcript.get("type", ""))
        for chapters in podcast_children(element, "chapters")[:1]:
            self._extra(extras, "chapters", chapters.get("url", ""), chapters.get("type", ""))
        image = element.find(f"{{{ITUNES_NS}}}image")
        if image is not None:
            href = image.get("href", "")
            self._extra(
                extras, "image", href, "image/png" if href.endswith(".png") else "image/jpeg"
            )
        return extras

    def _path(self, url: str) -> str | None:
        """The file under the folder a published URL names."""
        base = self.run.base_url
        if url.startswith(base):
            return unquote(url[len(base) :].split("?")[0])
        candidates = sorted(media_paths_in(f'"{url}"'), key=len)
        existing = [p for p in candidates if (self.run.out / p).is_file()]
        return (existing or candidates or [None])[0]

    def _extra(self, extras: dict[str, MediaFile], role: str, url: str, mime: str) -> None:
        path = self._path(url)
        if path and (self.run.out / path).is_file():
            extras[role] = MediaFile(path, (self.run.out / path).stat().st_size, mime)

    def _match(self, element, guid: str, media: MediaFile | None, video: bool) -> Item | None:
        """The catalog entry a feed item is: by its GUID, by its file's name, or as the one
        entry of its series with its title and date (a renamed entry keeps those)."""
        by_guid = self._guid_index(video)
        if guid in by_guid:
            return by_guid[guid]
        if media is not None:
            stem = Path(media.path).stem
            named = self.by_id.get(stem) or self.by_id.get(stem.rsplit("-", 1)[0])
            if named is not None and media.path.startswith(f"media/{named.entry.series}/"):
                return named
        title = (element.findtext("title") or "").strip()
        published = _date(element.findtext("pubDate"))
        same = self._by_title_and_date().get((title, published), [])
        return same[0] if len(same) == 1 else None

    def _guid_index(self, video: bool) -> dict[str, Item]:
        """GUID -> item: the GUIDs the state or the feeds read so far give, and those an
        entry would be given now. Made again only when the feeds gave a new entry."""
        cached = self._indexes.get(video)
        if cached is not None and cached[0] == len(self.found):
            return cached[1]
        index: dict[str, Item] = {}
        for item in self.run.items:
            known = self.found.get(item.id) or self.known.get(item.id)
            guid = known.guid if known else item.entry.guid or entry_guid(item.id)
            if video:
                index[video_guid(guid)] = item
                if known and known.video_guid:
                    index[known.video_guid] = item
            else:
                index[guid] = item
                index.setdefault(item.entry.guid or entry_guid(item.id), item)
        self._indexes[video] = (len(self.found), index)
        return index

    def _by_title_and_date(self) -> dict[tuple[str, datetime], list[Item]]:
        if self._titles is None:
            self._titles = {}
            for item in self.run.items:
                key = (item.entry.title, item.entry.published)
                self._titles.setdefault(key, []).append(item)
        return self._titles

    def save(self) -> list[str]:
        """Record what was found; returns the entries whose publication was recovered."""
        state = self.run.state
        entries = {
            entry_id: (identity(self.by_id[entry_id].entry), publication)
            for entry_id, publication in self.found.items()
        }
        taken = state.recover_publications(entries)
        rows = []
        for entry_id, files in self.files.items():
            recipes = _recipes(self.run, self.by_id[entry_id])
            recorded = state.media_files(entry_id)
            for role, media in files.items():
                if role not in recorded and is_in_folder(self.run.out, media):
                    made_from = recipes.get(media.path, recipes.get(role, ""))
                    rows.append((entry_id, role, media, made_from))
        if rows:
            state.save_media_files(rows, replace=False)
        return sorted(set(taken) | {entry_id for entry_id, *_ in rows})


def _recipes(run: Run, item: Item) -> dict[str, str]:
    """A published file recovered from a feed is taken as made by its plan's recipe: the
    alternative, remaking it, would give it a new name and cost every download again (or,
    for a transcript made from speech, minutes of Whisper's time each).
    By published name first (a transcript made from speech, `.speech.vtt`, and one from
    captions share their role), else by role (a replaced file's name has a digest)."""
    the_plan = plan(run, item, {})
    recipes: dict[str, str] = {}
    for output in the_plan.outputs:
        recipes.setdefault(output.role, output.made_from)
        recipes[output.name] = output.made_from
    for output in the_plan.made_by(speech_heard):  # by its name only: wanted or not
        recipes[output.name] = output.made_from
    return recipes


def _date(text: str | None) -> datetime | None:
    return checked_rfc822(text)


def _seconds(text: str | None) -> float | None:
    """An `itunes:duration` (seconds, M:SS or H:MM:SS) read back; None if it is none."""
    parts = [checked_duration(part) for part in (text or "").strip().split(":")]
    if not text or len(parts) > 3 or None in parts:
        return None
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part  # type: ignore[operator]
    return checked_duration(seconds)
