"""How a published file is served: its Content-Type, its Cache-Control, who may read it.

One table for every place that serves the published folder (S3 upload, the preview
server), so a file gets the same headers wherever a listener fetches it.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from publisher.output import inventory

DEFAULT_CONTENT_TYPE = "application/octet-stream"

# Every text type says its charset: without one, browsers and several clients read a
# feed, a transcript or a page as Latin-1 ("â€”" for "—"). Everything published is UTF-8.
UTF8 = "; charset=utf-8"

CONTENT_TYPES: dict[str, str] = {
    # feeds and the OPML list
    ".xml": "application/rss+xml" + UTF8,
    ".atom": "application/atom+xml" + UTF8,
    ".opml": "text/x-opml" + UTF8,
    # audio and video
    ".m4a": "audio/mp4",
    ".mp3": "audio/mpeg",
    ".mp4": "video/mp4",
    ".m4v": "video/x-m4v",
    ".webm": "video/webm",
    ".opus": "audio/ogg",
    ".ogg": "audio/ogg",
    # transcripts and chapters
    ".vtt": "text/vtt" + UTF8,
    ".srt": "application/x-subrip" + UTF8,
    # The Podcast Index names "application/json+chapters" for chapter files, and the feed's
    # <podcast:chapters type> says so; over HTTP plain JSON is served because CDNs only
    # compress, and browsers' tooling only recognises, registered JSON types. JSON is
    # UTF-8 by definition; the charset is for the clients that guess otherwise.
    ".json": "application/json" + UTF8,
    # pages and their assets
    ".html": "text/html" + UTF8,
    ".css": "text/css" + UTF8,
    ".js": "text/javascript" + UTF8,
    ".txt": "text/plain" + UTF8,
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
}

# Feeds and pages change in place, so caches must come back soon. Media files get a new
# name whenever their bytes change (reliability.md), so a cached copy is never stale.
SHORT_CACHE = "public, max-age=300"
IMMUTABLE_CACHE = "public, max-age=31536000, immutable"

_IMMUTABLE_TYPE_PREFIXES = ("audio/", "video/", "image/")

# CORS: web players on other sites read chapters and transcripts, and seek in media with
# Range requests. Everything published is public, so any origin may GET and HEAD it;
# players need to read the length and range headers of the answer.
CORS_ORIGINS = ("*",)
CORS_METHODS = ("GET", "HEAD")
CORS_REQUEST_HEADERS = ("Range", "If-None-Match", "If-Modified-Since")
CORS_EXPOSED_HEADERS = ("Content-Length", "Content-Range", "Accept-Ranges", "ETag")
CORS_MAX_AGE = 86400  # seconds a browser may remember a preflight answer


def content_type(path: str | PurePosixPath) -> str:
    """The Content-Type for a published file, by its extension (case-insensitive)."""
    suffix = PurePosixPath(path).suffix.lower()
    return CONTENT_TYPES.get(suffix, DEFAULT_CONTENT_TYPE)


def cache_control(relative: str) -> str:
    """Cache-Control for a path under the published folder.

    Only audio, video and images under media/ are immutable: transcripts and chapters
    keep their names when an editor fixes them, so they are cached briefly like pages.
    """
    if inventory.is_feed(relative) or not relative.startswith("media/"):
        return SHORT_CACHE
    if content_type(relative).startswith(_IMMUTABLE_TYPE_PREFIXES):
        return IMMUTABLE_CACHE
    return SHORT_CACHE
