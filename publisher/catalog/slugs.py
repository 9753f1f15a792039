"""Ids: the slug rule, making a slug from a title, ids never reused, did-you-mean, and
what makes two URLs the same page.

Used by the catalog's schema (which refuses a bad id), by `publisher add` (which
proposes one) and by followed series, so all hold an id to the same rule and suggest
the same fixes.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import urlsplit

SLUG = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
SLUG_MAX = 64


def slug_problem(value: str) -> tuple[str, str] | None:
    """(what is wrong, what to do) when `value` is not a slug; None when it is one."""
    if len(value) > SLUG_MAX:
        return f"{value!r} is longer than {SLUG_MAX} characters", f"try {slugify(value, '')!r}"
    if SLUG.match(value):
        return None
    suggestion = slugify(value, "")
    return (
        f"{value!r} is not a slug (a-z, 0-9 and -, starting with a letter or digit)",
        f"try {suggestion!r}" if suggestion else "use a-z, 0-9 and -",
    )


def slugify(title: str, default: str = "entry") -> str:
    """A slug from a title: ASCII, lower case, words joined by -, cut at a word."""
    title = re.sub(r"['’]", "", title)  # "Lenin's" is one word: lenins, not lenin-s
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > SLUG_MAX:
        slug = slug[: SLUG_MAX + 1].rsplit("-", 1)[0][:SLUG_MAX].strip("-")
    return slug or default


def unique_id(slug: str, taken: set[str]) -> str:
    """`slug`, or `slug-2`, `slug-3`… — the first not taken, still at most SLUG_MAX long."""
    candidate, number = slug, 1
    while candidate in taken:
        number += 1
        suffix = f"-{number}"
        candidate = slug[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
    return candidate


def did_you_mean(value: str, options: Iterable[str]) -> str:
    """ "did you mean 'x'?" for the closest of `options`, or "" when none is close."""
    close = difflib.get_close_matches(value, list(options), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


def same_url_key(url: str) -> str:
    """A URL reduced to what makes it the same page: no scheme, fragment or trailing /."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = f":{parts.port}" if parts.port else ""
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{port}{parts.path.rstrip('/')}{query}"
