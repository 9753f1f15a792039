"""Summaries made safe: a small HTML allowlist for feeds and pages, and plain text.

Catalog summaries are "plain text or simple HTML", and enrichment brings in video
descriptions written by strangers. Everything that reaches a feed or a page goes through
`clean_html` (for places that render HTML), `plain_text` (for places that must not, such
as `itunes:summary` limits or Open Graph descriptions) or `html_text` (plain text in a place
apps read as HTML, such as an RSS `<description>`). nh3 (ammonia) does the parsing, so
malformed markup is handled the way a browser would, not the way a regex guesses.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from html.parser import HTMLParser

import nh3

from publisher.formats.text import strip_control

ALLOWED_TAGS = frozenset(
    {"p", "br", "a", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote", "code"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"
# Their content is code, not text: dropped with the tag, never shown as words.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "template", "iframe", "object", "noscript"})
ELLIPSIS = "…"

# HTML elements a summary may plausibly contain (or abuse). Text is taken as HTML only if
# it has one of these, a comment or an entity, so that "<with>" or "a<b" in plain text
# round-trips as written; escaping such text is always safe, whatever it looks like.
_HTML_ELEMENTS = (
    "a|abbr|address|area|article|aside|audio|b|base|bdi|bdo|blockquote|body|br|button|"
    "canvas|caption|center|cite|code|col|colgroup|dd|del|details|dfn|dialog|div|dl|dt|em|"
    "embed|fieldset|figcaption|figure|font|footer|form|frame|frameset|h[1-6]|head|header|hr|"
    "html|i|iframe|img|input|ins|kbd|label|legend|li|link|main|map|mark|math|meta|nav|"
    "noscript|object|ol|optgroup|option|p|param|picture|pre|q|s|samp|script|section|select|"
    "small|source|span|strike|strong|style|sub|summary|sup|svg|table|tbody|td|template|"
    "textarea|tfoot|th|thead|time|title|tr|track|tt|u|ul|var|video|wbr"
)
_LOOKS_LIKE_HTML = re.compile(
    rf"</?(?:{_HTML_ELEMENTS})(?=[\s/>])[^>]*>|<!--|&(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);",
    re.IGNORECASE,
)
_BLANK_LINES = re.compile(r"\n\s*\n")
# Tags whose edges separate words: "<p>a</p><p>b</p>" is "a b", not "ab". The ones
# `clean_html` strips get the same space, so "<h1>T</h1>text" stays two words there too.
_STRIPPED_BLOCKS = r"div|h[1-6]|tr|td|th|section|article|header|footer|table|dd|dt"
_BLOCK_EDGE = re.compile(rf"<(/?(?:p|br|li|blockquote|ul|ol|{_STRIPPED_BLOCKS})\b)", re.I)
_STRIPPED_BLOCK_EDGE = re.compile(rf"<(/?(?:{_STRIPPED_BLOCKS})\b)", re.I)
_WHITESPACE = re.compile(r"\s+")


def looks_like_html(text: str) -> bool:
    return bool(_LOOKS_LIKE_HTML.search(text))


# Pure functions of their text, asked for the same summary by the audio feed, the video
# feed, itunes:summary and the page: remember recent answers.
@lru_cache(maxsize=16384)
def clean_html(text: str) -> str:
    """`text` as safe HTML: allowlisted tags kept, everything else stripped.

    Plain text (no tags, no entities) becomes escaped `<p>` paragraphs, one per run of
    lines separated by a blank line, with single line breaks kept as `<br>`.
    """
    text = _normalise(text)
    if not text.strip():
        return ""
    if not looks_like_html(text):
        return _paragraphs(text)
    if "\n" in text.strip() and not _BLOCK_EDGE.search(text):
        # Text with a few inline tags but laid out in lines ("00:00 Intro" lists): the
        # lines are the layout, so they become paragraphs and breaks as in plain text.
        text = _paragraphs(text, escape=lambda line: line)
    cleaned = nh3.clean(
        _STRIPPED_BLOCK_EDGE.sub(r" <\1", text),
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        attribute_filter=_absolute_links_only,
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return cleaned.strip()


@lru_cache(maxsize=16384)
def plain_text(text: str, limit_bytes: int | None = None) -> str:
    """`text` (HTML or plain) as one line of plain text, optionally cut to a UTF-8 size.

    Tags are removed, entities decoded, whitespace collapsed. With `limit_bytes`, the
    result's UTF-8 encoding is at most that long: it is cut at a word boundary (or inside
    a word longer than the limit) and ends with "…".
    """
    text = _normalise(text)
    if looks_like_html(text):
        stripped = nh3.clean(
            _BLOCK_EDGE.sub(r" <\1", text), tags=set(), clean_content_tags=set(DROPPED_WITH_CONTENT)
        )
        text = html.unescape(stripped)
    text = _WHITESPACE.sub(" ", text).strip()
    if limit_bytes is not None:
        text = truncate_utf8(text, limit_bytes)
    return text


# What an HTML parser would not read as text: every "<" (html5lib reports even "< 50%"),
# and an "&" that could start a character reference. A lone "&" or ">" is text already,
# and left as it is for the readers that take the element as plain text.
_HTML_SIGNIFICANT = re.compile(r"<|&(?=[#A-Za-z0-9])")


@lru_cache(maxsize=16384)
def html_text(text: str, limit_bytes: int | None = None) -> str:
    """`text` as `plain_text` gives it, escaped for a place apps read as HTML.

    Apps render an RSS `<description>` (the channel's and the items') as HTML, so plain
    "turnout < 50% & rising <see this>" would lose "<see this>" there. With
    `limit_bytes`, the escaped result fits the limit.
    """
    plain = plain_text(text)
    escaped = _escape_html_significant(plain)
    if limit_bytes is None or len(escaped.encode("utf-8")) <= limit_bytes:
        return escaped
    # Escapes make the text longer: the longest cut of the plain text that fits, escaped.
    low, high = 0, limit_bytes
    while low < high:
        middle = (low + high + 1) // 2
        fits = len(_escape_html_significant(truncate_utf8(plain, middle)).encode()) <= limit_bytes
        low, high = (middle, high) if fits else (low, middle - 1)
    return _escape_html_significant(truncate_utf8(plain, low))


def _escape_html_significant(text: str) -> str:
    return _HTML_SIGNIFICANT.sub(lambda match: html.escape(match[0]), text)


def truncate_utf8(text: str, limit_bytes: int) -> str:
    """`text` cut so its UTF-8 encoding, "…" included, fits `limit_bytes`."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit_bytes:
        return text
    budget = limit_bytes - len(ELLIPSIS.encode("utf-8"))
    if budget < 0:
        return ""  # not even the ellipsis fits
    # "ignore" drops a character the cut split in half, rather than a broken byte.
    head = encoded[:budget].decode("utf-8", errors="ignore")
    next_char = text[len(head)] if len(head) < len(text) else " "
    if not next_char.isspace():
        word_start = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
        if word_start > 0:
            head = head[:word_start]
    return head.rstrip(" \t\n,;:-–—") + ELLIPSIS


def _absolute_links_only(tag: str, attribute: str, value: str) -> str | None:
    """Drop relative hrefs: a feed or page elsewhere would resolve them to the wrong site."""
    if attribute == "href":
        scheme = value.strip().split(":", 1)[0].lower() if ":" in value else ""
        return value if scheme in ALLOWED_URL_SCHEMES else None
    return value


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return strip_control(text)  # they make XML invalid and pages odd


def _paragraphs(text: str, escape=html.escape) -> str:
    paragraphs = [p.strip() for p in _BLANK_LINES.split(text.strip()) if p.strip()]
    return "\n".join(
        "<p>" + "<br>\n".join(escape(line.strip()) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )


def cut_html(markup: str, limit_bytes: int) -> str:
    """Allowlisted HTML (what `clean_html` gives) cut so its UTF-8 size fits
    `limit_bytes`: cut at a word, ended with "…", and cleaned again so that every tag
    the cut left open is closed and none is left half-written."""
    if len(markup.encode("utf-8")) <= limit_bytes:
        return markup

    def cut(size: int) -> str:
        return clean_html.__wrapped__(truncate_utf8(markup, size))

    low, high = 0, limit_bytes  # the longest cut whose cleaned form still fits
    while low < high:
        middle = (low + high + 1) // 2
        if len(cut(middle).encode("utf-8")) <= limit_bytes:
            low = middle
        else:
            high = middle - 1
    return cut(low)


# Attributes whose value a browser follows or runs as a URL.
_URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "poster"})


class _UnsafeMarkup(HTMLParser):
    """Reads HTML as a browser does and notes the first thing in it that could run."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag in DROPPED_WITH_CONTENT or tag == "embed":
            self.found = self.found or f"a <{tag}> element"
        for name, value in attrs:
            scheme = _scheme(value or "")
            if name.startswith("on"):
                self.found = self.found or f"an event handler ({name})"
            elif name in _URL_ATTRIBUTES and scheme and scheme not in ALLOWED_URL_SCHEMES:
                self.found = self.found or f"a {scheme}: link"


def _scheme(url: str) -> str:
    """A URL's scheme as a browser reads it: spaces and control characters inside are
    ignored ("java\tscript:")."""
    squeezed = re.sub(r"[\x00-\x20]", "", url)
    found = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", squeezed)
    return found.group(1).lower() if found else ""


def unsafe_markup(markup: str) -> str | None:
    """What in `markup` (HTML, as a feed's `content:encoded` carries it) could run in a
    reader: a script-like element, an event handler or a link to a scheme outside the
    allowlist; None for safe markup. The markup is parsed, so words in its text
    ("javascript: the good parts", "Part one = the beginning") are only words."""
    scanner = _UnsafeMarkup()
    scanner.feed(markup)
    scanner.close()
    return scanner.found
