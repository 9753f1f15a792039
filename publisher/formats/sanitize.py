"""A summary is plain text: every reader shows it as it was typed.

Catalog summaries and descriptions are plain text (with the timestamp lines that become
chapters), and so is a source's description as yt-dlp gives it. Nothing in them is ever
read as markup: `<see this>`, `<dual power>` and `<script>alert(1)</script>` are words,
and stay words in every output, whatever else the text holds. Each place gets the text
in the form its readers expect:

- `paragraphs_html`: escaped, in `<p>` paragraphs with `<br>` line breaks, where apps
  read HTML (an RSS `<description>`, `content:encoded`, Atom content, the pages). The
  `<p>` matters: apps that guess whether an element is HTML (gPodder) take text without
  a tag as text and would show `&lt;` as those four characters.
- `phrase_html`: the same, except that text HTML reads as it is (one line, nothing to
  escape) is left as it is: for an RSS channel's `<description>`, a phrase by the spec,
  where validators warn about markup.
- `plain_text`: one line, for places read as text (`itunes:summary`, Atom summaries,
  `og:description`), optionally cut to a size in UTF-8 bytes.
- `html_attribute_text`: a line of text in an attribute readers take as HTML (OPML's
  `text` and `title`), with only what HTML would not read as text escaped.

Escaping is the whole defence: no text is ever parsed as HTML, so there is no markup
from a summary to allow or strip. HTML that does come from outside, an article's main
text read from its page, goes through `clean_article_html`: an allowlist (nh3), no script,
no event handler, no relative or `javascript:` link.
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
# An article's main text keeps its structure too: headings, quotes, tables.
ARTICLE_TAGS = ALLOWED_TAGS | frozenset(
    {"h2", "h3", "h4", "h5", "h6", "pre", "hr", "sub", "sup", "del", "ins", "q", "cite"}
    | {"table", "thead", "tbody", "tr", "th", "td", "caption", "figure", "figcaption"}
)
LINK_REL = "nofollow noopener"
# Their content is code, not text: dropped with the tag, never shown as words.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "template", "iframe", "object", "noscript"})
ELLIPSIS = "…"

_BLANK_LINES = re.compile(r"\n\s*\n")
_WHITESPACE = re.compile(r"\s+")
# What an HTML parser would not read as text: every "<" (html5lib reports even "< 50%"),
# and an "&" that could start a character reference. A lone "&" or ">" is text already.
_HTML_SIGNIFICANT = re.compile(r"<|&(?=[#A-Za-z0-9])")


def paragraph_lines(text: str) -> list[list[str]]:
    """The text's paragraphs (runs of lines between blank lines), each a list of lines."""
    text = _normalise(text).strip()
    paragraphs = (p for p in _BLANK_LINES.split(text) if p.strip())
    return [[line.strip() for line in p.strip().split("\n")] for p in paragraphs]


# Pure functions of their text, asked for the same summary by the audio feed, the video
# feed, itunes:summary and the page: remember recent answers.
@lru_cache(maxsize=16384)
def paragraphs_html(text: str, limit_bytes: int | None = None) -> str:
    """`text` as HTML that shows it as typed: escaped, one `<p>` per paragraph, a `<br>`
    per line break. With `limit_bytes`, the text is cut (at a word, with "…") so that the
    HTML fits."""
    result = _paragraphs_html(text)
    if limit_bytes is None or len(result.encode("utf-8")) <= limit_bytes:
        return result
    # Escapes and tags make the HTML longer: the longest cut of the text that fits.
    plain = _normalise(text).strip()
    low, high = 0, limit_bytes
    while low < high:
        middle = (low + high + 1) // 2
        fits = len(_paragraphs_html(truncate_utf8(plain, middle)).encode()) <= limit_bytes
        low, high = (middle, high) if fits else (low, middle - 1)
    return _paragraphs_html(truncate_utf8(plain, low))


def _paragraphs_html(text: str) -> str:
    return "\n".join(
        "<p>" + "<br>\n".join(_escaped_text(line) for line in lines) + "</p>"
        for lines in paragraph_lines(text)
    )


def _escaped_text(line: str) -> str:
    """A line as HTML text. "<" and ">" are numeric references: gPodder's plain text of a
    description decodes those first, then reads `&(.{2,8});` as one named entity and drops
    what it does not know, so a named "&gt; &amp;" (the entity "gt; &amp") lost "> &".
    "&" stays "&amp;", which that step eats only before a ";" within four characters."""
    return line.replace("&", "&amp;").replace("<", "&#60;").replace(">", "&#62;")


def phrase_html(text: str, limit_bytes: int | None = None) -> str:
    """`paragraphs_html`, or the line itself when HTML shows it as it is."""
    line = plain_text(text, limit_bytes)
    if "\n" in text.strip() or _HTML_SIGNIFICANT.search(line):
        return paragraphs_html(text, limit_bytes)
    return line


def clean_article_html(text: str) -> str:
    """An article's main text (HTML from its page) as safe HTML for `content:encoded`
    and Atom's `content`: the summary allowlist plus headings, quotes and tables; a
    page's own <h1> becomes an <h2>, as the feed item's title is the heading above it."""
    text = _normalise(text)
    if not text.strip():
        return ""
    cleaned = nh3.clean(
        re.sub(r"<(/?)h1\b", r"<\1h2", text, flags=re.IGNORECASE),
        tags=set(ARTICLE_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        attribute_filter=_absolute_links_only,
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return _BLANK_LINES.sub("\n", cleaned).strip()


@lru_cache(maxsize=16384)
def plain_text(text: str, limit_bytes: int | None = None) -> str:
    """`text` as one line, whitespace collapsed, optionally cut to a UTF-8 size.

    With `limit_bytes`, the result's UTF-8 encoding is at most that long: it is cut at a
    word boundary (or inside a word longer than the limit) and ends with "…".
    """
    text = _WHITESPACE.sub(" ", _normalise(text)).strip()
    if limit_bytes is not None:
        text = truncate_utf8(text, limit_bytes)
    return text


def html_attribute_text(text: str) -> str:
    """One line of text for an attribute that readers take as HTML (OPML's `text`): "<"
    and an "&" that could start a reference escaped, so "Talks & <more>" is not a tag."""
    return _HTML_SIGNIFICANT.sub(lambda match: html.escape(match[0]), plain_text(text))


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


def cut_html(markup: str, limit_bytes: int) -> str:
    """Allowlisted HTML (what `clean_article_html` gives) cut so its UTF-8 size fits
    `limit_bytes`: cut at a word, ended with "…", and cleaned again so that every tag
    the cut left open is closed and none is left half-written."""
    if len(markup.encode("utf-8")) <= limit_bytes:
        return markup

    def cut(size: int) -> str:
        return clean_article_html(truncate_utf8(markup, size))

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
