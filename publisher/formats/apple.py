"""Apple Podcasts' rules that the catalog, the feed writer and `check` share: categories,
artwork size, the lengths of titles, text sizes and durations (one place for each limit)."""

from __future__ import annotations

import math
import re

CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": (
        "Careers",
        "Entrepreneurship",
        "Investing",
        "Management",
        "Marketing",
        "Non-Profit",
    ),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": (
        "Alternative Health",
        "Fitness",
        "Medicine",
        "Mental Health",
        "Nutrition",
        "Sexuality",
    ),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": (
        "Animation & Manga",
        "Automotive",
        "Aviation",
        "Crafts",
        "Games",
        "Hobbies",
        "Home & Garden",
        "Video Games",
    ),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": (
        "Business News",
        "Daily News",
        "Entertainment News",
        "News Commentary",
        "Politics",
        "Sports News",
        "Tech News",
    ),
    "Religion & Spirituality": (
        "Buddhism",
        "Christianity",
        "Hinduism",
        "Islam",
        "Judaism",
        "Religion",
        "Spirituality",
    ),
    "Science": (
        "Astronomy",
        "Chemistry",
        "Earth Sciences",
        "Life Sciences",
        "Mathematics",
        "Natural Sciences",
        "Nature",
        "Physics",
        "Social Sciences",
    ),
    "Society & Culture": (
        "Documentary",
        "Personal Journals",
        "Philosophy",
        "Places & Travel",
        "Relationships",
    ),
    "Sports": (
        "Baseball",
        "Basketball",
        "Cricket",
        "Fantasy Sports",
        "Football",
        "Golf",
        "Hockey",
        "Rugby",
        "Running",
        "Soccer",
        "Swimming",
        "Tennis",
        "Volleyball",
        "Wilderness",
        "Wrestling",
    ),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}

# Pairs from Apple's list before 2019 that catalogs still use; they map to today's category.
LEGACY_CATEGORIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("Society & Culture", "History"): ("History",),
}

ARTWORK_MIN_PX = 1400
ARTWORK_MAX_PX = 3000
ARTWORK_FORMATS = ("JPEG", "PNG")
SUMMARY_MAX_BYTES = 4000
# A show's or an episode's title, in characters: Apple cuts or refuses a longer one.
TITLE_MAX_CHARS = 255
ELLIPSIS = "…"


def title_too_long(title: str) -> str | None:
    """What is wrong with a title Apple would not take whole, or None."""
    if len(title) <= TITLE_MAX_CHARS:
        return None
    return f"is {len(title)} characters long; Apple Podcasts takes titles of at most 255"


def fitted_title(title: str) -> str:
    """`title`, or when it is too long for Apple, its first words and "…" in 255 characters:
    what render writes for a title that came from a source, so `check` finds none too long."""
    if not title_too_long(title):
        return title
    head = title[: TITLE_MAX_CHARS - len(ELLIPSIS)]
    if not title[len(head)].isspace() and " " in head[TITLE_MAX_CHARS // 2 :]:
        head = head.rsplit(" ", 1)[0]  # at a word, when one ends in the second half
    return head.rstrip(" ,;:-–—") + ELLIPSIS


# Show notes (`content:encoded`): apps show a page of text at most, and an XML parser
# refuses a text node of 10 MB (libxml2's limit), which would take the whole feed down.
CONTENT_MAX_BYTES = 64 * 1024

# <itunes:owner><itunes:email>: Apple writes to it to confirm who owns a show.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# seconds, or [H:]MM:SS, with a digit that is not 0: Apple reads "0" as no duration
_DURATION = re.compile(r"^(\d+|(\d+:)?[0-5]?\d:[0-5]\d)$")


def itunes_duration(seconds: float) -> str:
    """`itunes:duration` of a length: whole seconds, and a 0.3 s talk lasts 1 s, not 0."""
    return str(max(1, math.ceil(seconds) if seconds < 1 else round(seconds)))


def duration_problem(text: str) -> str | None:
    """Why `text` is not an `itunes:duration` Apple reads, or None."""
    if not _DURATION.match(text) or not any(c in "123456789" for c in text):
        return f"<itunes:duration> {text!r} is not seconds or H:MM:SS"
    return None


def parse_category(text: str) -> tuple[tuple[str, ...] | None, str]:
    """("A", "B") from "A > B" or ("A",) from "A"; (None, why) when Apple has no such category."""
    parts = tuple(part.strip() for part in text.split(">"))
    if len(parts) == 2 and parts in LEGACY_CATEGORIES:
        return LEGACY_CATEGORIES[parts], ""
    if not 1 <= len(parts) <= 2 or parts[0] not in CATEGORIES:
        return None, f"{parts[0]!r} is not an Apple Podcasts category"
    if len(parts) == 2 and parts[1] not in CATEGORIES[parts[0]]:
        return None, f"{parts[1]!r} is not a subcategory of {parts[0]!r}"
    return parts, ""
