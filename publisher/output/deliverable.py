"""What may leave the published folder, and what the folder may not hold.

`publish` uploads and `serve` serves exactly `deliverable_files`: the feeds and OPML the
inventory recognises, the pages, and the files those feeds and pages link to (media,
art, transcripts, chapters, the stylesheet and script). Whatever else lies in the folder
— a dotfile, an editor's backup, a cookies file, a catalog, `.publisher/` — is neither
uploaded nor served.

`refuse_secret_holding_output` keeps `build --out .` (or `..`, or a web root holding the
catalog) from publishing into a folder that holds the catalog, its state or the cookies
file at all.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

from publisher.errors import ConfigurationError
from publisher.output import inventory, urls
from publisher.output.writer import TEMP_PREFIX

MEDIA = "media/"
_PAGE_ASSET = re.compile(r"^[^/]+\.(css|js)$")  # style.css, site.js beside index.html


def deliverable_files(folder: Path) -> dict[str, Path]:
    """relative path -> file, for every file `publish` may upload and `serve` may serve."""
    files = {}
    for relative in deliverable_paths(folder):
        path = folder / relative
        if path.is_file() and not path.is_symlink():
            files[relative] = path
    return files


def deliverable_paths(folder: Path) -> set[str]:
    """The feeds and pages under `folder`, and the paths they name there (which may not
    exist yet: a feed names its media before a copy of the folder holds it)."""
    documents = dict(_documents(folder))
    paths = set(documents)
    for relative, path in documents.items():
        for link in _links(relative, path):
            paths.update(tail for tail in _tails(link) if _may_be_named(tail, relative))
    return paths


def signature(folder: Path) -> tuple:
    """What `deliverable_files` depends on: each feed's and page's size and mtime. When it
    is unchanged, so is the answer (serve asks it on every request)."""
    stats = []
    for relative, path in _documents(folder):
        try:
            info = path.stat()
        except OSError:
            continue
        stats.append((relative, info.st_size, info.st_mtime_ns))
    return tuple(stats)


def _documents(folder: Path) -> Iterator[tuple[str, Path]]:
    """Feeds, OPML and pages: at the top of the folder and one level down (a series)."""
    for relative in _walk(folder, depth=2):
        if inventory.recognise(relative) is not None or _is_page(relative):
            yield relative, folder / relative


def _walk(folder: Path, depth: int, prefix: str = "") -> Iterator[str]:
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith((".", TEMP_PREFIX)):
            continue
        relative = prefix + entry.name
        if entry.is_file(follow_symlinks=False):
            yield relative
        elif depth > 1 and entry.is_dir(follow_symlinks=False) and relative + "/" != MEDIA:
            yield from _walk(Path(entry.path), depth - 1, relative + "/")


def _is_page(relative: str) -> bool:
    parts = relative.split("/")
    return parts[-1] == urls.INDEX_PAGE and len(parts) <= 2


def _may_be_named(relative: str, by: str) -> bool:
    """Feeds name media; pages name media, their stylesheet and script, and feeds."""
    parts = relative.split("/")
    if any(part.startswith((".", TEMP_PREFIX)) or part in ("", "..") for part in parts):
        return False
    if relative.startswith(MEDIA):
        return True
    return _is_page(by) and _PAGE_ASSET.match(relative) is not None


def _tails(link: str) -> Iterator[str]:
    """Every path tail of a link: the base URL is not known here, so
    "https://x/pod/media/a.m4a" may be "media/a.m4a" of this folder."""
    parts = [part for part in unquote(urlsplit(link).path).split("/") if part and part != "."]
    for start in range(len(parts)):
        yield "/".join(parts[start:])


def _links(relative: str, path: Path) -> Iterable[str]:
    from lxml import etree  # here: a build that only checks its --out never parses
    from lxml import html as lxml_html

    from publisher.output.xmlsafe import parse_xml

    try:
        data = path.read_bytes()
    except OSError:
        return []
    if _is_page(relative):
        try:
            return [link for _, _, link, _ in lxml_html.document_fromstring(data).iterlinks()]
        except (etree.ParserError, ValueError):
            return []
    try:
        return list(urls_in(parse_xml(data)))
    except etree.XMLSyntaxError:
        return []


def urls_in(tree) -> Iterable[str]:
    """Every URL a feed or OPML names: enclosures, images, transcripts, chapters, links."""
    from lxml import etree

    for element in tree.iter(etree.Element):
        for name in ("url", "href", "uri", "xmlUrl"):  # enclosure, itunes:image, source…
            if value := element.get(name):
                yield value
        if etree.QName(element).localname == "url" and element.text:  # <image><url>
            yield element.text.strip()


# The output folder's own rule ------------------------------------------------------------


def refuse_secret_holding_output(
    out: Path, catalog_path: Path, state_folder: Path, cookies: Path | None, option: str = "--out"
) -> None:
    """ConfigurationError, naming what lies inside, if `out` holds the catalog, its state
    (`state_folder`, `.publisher/`) or the cookies file: everything under `out` is meant
    for the world."""
    folder = out.resolve()
    secrets = [
        (catalog_path, "the catalog"),
        (state_folder, "the state"),
    ]
    if cookies is not None:
        secrets.append((cookies, "the cookies file (site.fetch.cookies)"))
    inside = [f"{path} ({what})" for path, what in secrets if _holds(folder, path)]
    if inside:
        raise ConfigurationError(
            f"{option} {out} holds {', '.join(inside)}: everything in the published folder"
            " is meant to be uploaded and served",
            advice="publish into a folder of its own, e.g. --out feeds beside the catalog",
        )


def _holds(folder: Path, path: Path) -> bool:
    """Whether `path` is `folder` or lies inside it: by its name, and by its identity, for
    the same folder reached by another path (a bind mount of the project as the web
    root, a case-insensitive disk), which names alone do not show."""
    resolved = path.resolve()
    if resolved == folder or resolved.is_relative_to(folder):
        return True
    try:
        target = folder.stat()
    except OSError:
        return False  # not made yet: it holds nothing
    for parent in (resolved, *resolved.parents):
        try:
            if os.path.samestat(parent.stat(), target):
                return True
        except OSError:
            continue
    return False
