"""An article page's metadata from its HTML: title, description, authors, date and image.

Used by `publisher add` for written articles (the page is fetched by
`publisher.tools.pages`). Metadata is taken from JSON-LD first (the most structured),
then Open Graph and article: properties, then plain <meta> and <title>.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.etree
import lxml.html

from publisher.formats.text import one_line

ARTICLE_TYPES = {
    "Article",
    "NewsArticle",
    "BlogPosting",
    "Report",
    "ScholarlyArticle",
    "TechArticle",
    "WebPage",
    "VideoObject",
}
PRESCAN_BYTES = 1024  # where a browser looks for <meta charset> before parsing
_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
# JSON-LD puts its objects at the top, in a list or in "@graph": a few levels deep. Deeper
# is no article's metadata, and a hostile page must not exhaust the stack.
NESTING = 4


@dataclass(frozen=True)
class PageMeta:
    """What a page says about itself; empty strings where it says nothing."""

    url: str  # where the page was found, after redirects
    title: str = ""
    description: str = ""
    authors: tuple[str, ...] = ()
    published: str = ""  # as the page gives it: a date or an ISO datetime
    image: str = ""
    language: str = ""  # <html lang>, else og:locale, as a BCP 47 tag


def decode_page(body: bytes, content_type: str) -> str:
    """The page's text in the encoding a browser reads it in (the HTML standard's order):
    its byte order mark, else the charset the server names, else the page's own <meta>
    charset, else UTF-8 when the bytes are UTF-8, else windows-1252. Most servers name
    the charset only in Content-Type, and lxml, given bytes, would read those pages as
    Latin-1."""
    encoding = (
        _bom_encoding(body)
        or _known(_CHARSET.search(content_type))
        or _known(_META_CHARSET.search(body[:PRESCAN_BYTES]))
    )
    if encoding is None:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = body.decode("windows-1252", errors="replace")
    else:
        text = body.decode(encoding, errors="replace")
    # lxml refuses text that still declares an encoding: it was decoded already
    return _XML_DECLARATION.sub("", text, count=1)


def _bom_encoding(body: bytes) -> str | None:
    if body.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _known(found: re.Match | None) -> str | None:
    """A charset label Python knows, as the HTML standard reads it: Latin-1 and ASCII
    labels mean windows-1252."""
    if found is None:
        return None
    label = (found[1].decode("ascii") if isinstance(found[1], bytes) else found[1]).lower()
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return "windows-1252" if name in ("latin-1", "iso8859-1", "ascii") else name


def parse_page(body: str, url: str) -> PageMeta:
    """The metadata of an HTML document; JSON-LD wins over Open Graph over plain tags."""
    try:
        document = lxml.html.document_fromstring(body)
    except (lxml.etree.ParserError, ValueError):  # blank, or a comment and nothing else
        return PageMeta(url=url)
    linked = _json_ld(document)
    meta = _meta_tags(document)
    title_tag = document.findtext(".//title") or ""

    def first(*values) -> str:
        return next((one_line(v) for v in values if v and one_line(v)), "")

    authors = _names(linked.get("author")) or _names(
        [v for v in meta.get("author", []) if not v.startswith("http")]
    )
    image = first(_image(linked.get("image")), *meta.get("og:image", []))
    return PageMeta(
        url=first(*meta.get("og:url", [])) or url,
        title=first(
            linked.get("headline"), linked.get("name"), *meta.get("og:title", []), title_tag
        ),
        description=first(
            linked.get("description"),
            *meta.get("og:description", []),
            *meta.get("description", []),
            *meta.get("twitter:description", []),
        ),
        authors=authors,
        published=first(
            linked.get("datePublished"),
            linked.get("uploadDate"),
            *meta.get("article:published_time", []),
            *meta.get("date", []),
            *meta.get("dc.date", []),
            document.xpath("string(//time[@datetime][1]/@datetime)"),
        ),
        image=urljoin(url, image) if image else "",
        language=first(
            document.get("lang"),
            linked.get("inLanguage") if isinstance(linked.get("inLanguage"), str) else "",
            *(locale.replace("_", "-") for locale in meta.get("og:locale", [])),
        ),
    )


def _meta_tags(document) -> dict[str, list[str]]:
    """name/property (lower-cased) -> contents, in document order."""
    found: dict[str, list[str]] = {}
    for tag in document.iter("meta"):
        key = (tag.get("property") or tag.get("name") or "").strip().lower()
        content = tag.get("content")
        if key and content:
            found.setdefault(key, []).append(content)
    return found


def _json_ld(document) -> dict:
    """The first JSON-LD object of an article-like type (or any object, failing that)."""
    objects: list[dict] = []
    for script in document.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):  # RecursionError: nested past the stack
            continue  # broken JSON-LD is common; the other tags still count
        objects += _flatten(data)
    for obj in objects:
        types = obj.get("@type")
        types = types if isinstance(types, list) else [types]
        if ARTICLE_TYPES.intersection(t for t in types if isinstance(t, str)):
            return obj
    return objects[0] if objects else {}


def _flatten(data, depth: int = 0) -> list[dict]:
    if depth > NESTING:
        return []
    if isinstance(data, list):
        return [obj for item in data for obj in _flatten(item, depth + 1)]
    if isinstance(data, dict):
        return [data, *_flatten(data.get("@graph", []), depth + 1)]
    return []


def _names(value, depth: int = 0) -> tuple[str, ...]:
    """Author names from a string, a {"name": …} object, or a list of either."""
    if depth > NESTING:
        return ()
    if isinstance(value, list):
        return tuple(name for item in value for name in _names(item, depth + 1))
    if isinstance(value, dict):
        value = value.get("name")
    text = one_line(value) if isinstance(value, str) else ""
    return (text,) if text else ()


def _image(value, depth: int = 0) -> str:
    if depth > NESTING:
        return ""
    if isinstance(value, list):
        return next((url for item in value if (url := _image(item, depth + 1))), "")
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl")
    return value if isinstance(value, str) else ""
