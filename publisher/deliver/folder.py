"""The published folder as an upload sees it: its files in upload order, their digests,
and the media its feeds reference (which `--delete` never removes)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

from publisher.errors import ADVICE_BUILD_FIRST, ConfigurationError, ToolError
from publisher.output import inventory
from publisher.output.deliverable import urls_in
from publisher.output.writer import TEMP_PREFIX
from publisher.output.xmlsafe import parse_xml


def list_local_files(folder: Path) -> dict[str, Path]:
    """Every published file under `folder` by its relative path; half-written temps excluded."""
    if not folder.is_dir():
        raise ConfigurationError(
            f"nothing to publish: {folder} is not a folder", ADVICE_BUILD_FIRST
        )
    files = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and not any(p.startswith(TEMP_PREFIX) for p in relative.split("/")):
            files[relative] = path
    return files


def upload_phases(relatives: Iterable[str]) -> list[list[str]]:
    """Content, then feeds, then OPML (which lists the feeds); empty phases dropped."""
    content, feeds, opml = [], [], []
    for relative in sorted(relatives):
        feed = inventory.recognise(relative)
        if feed is None:
            content.append(relative)
        elif feed.kind == "opml":
            opml.append(relative)
        else:
            feeds.append(relative)
    return [phase for phase in (content, feeds, opml) if phase]


def file_md5(path: Path) -> str:
    """MD5 of a file, as S3 reports it for single-part uploads; read in chunks."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Digests:
    """relative path -> [size, mtime_ns, md5, matching remote ETag], trusted while the
    file's size and mtime are as recorded."""

    def __init__(self, memory: dict[str, list]):
        self.memory = memory

    def md5(self, relative: str, path: Path) -> str:
        info = path.stat()
        known = self.memory.get(relative)
        if known and known[:2] == [info.st_size, info.st_mtime_ns]:
            return known[2]
        digest = file_md5(path)
        self.memory[relative] = [info.st_size, info.st_mtime_ns, digest, ""]
        return digest

    def forget_all_but(self, present) -> None:
        """Drop what is remembered of files no longer in the folder."""
        for gone in set(self.memory) - set(present):
            del self.memory[gone]

    def matched_etag(self, relative: str) -> str:
        return self.memory[relative][3]

    def remember_etag(self, relative: str, etag: str) -> None:
        self.memory[relative][3] = etag


def referenced_suffixes(feeds: Iterable[Path]) -> set[str]:
    """Every path tail of every URL the feeds mention (enclosures, transcripts, images…).

    The base URL is not known here, so "https://x/pod/media/a.m4a" protects "media/a.m4a"
    and every other tail of it: protecting too much is the safe mistake.
    """
    suffixes: set[str] = set()
    for feed in feeds:
        try:
            tree = parse_xml(feed.read_bytes())
        except (OSError, etree.XMLSyntaxError) as error:
            raise ToolError(f"cannot read {feed.name} to protect its media: {error}") from None
        for url in urls_in(tree):
            parts = [part for part in unquote(urlsplit(url).path).split("/") if part]
            suffixes.update("/".join(parts[i:]) for i in range(len(parts)))
    return suffixes
