"""An article page read from the network, for `publisher add`: its metadata.

The page is fetched with requests, one redirect hop at a time with each hop checked by
`publisher.sources` (so a public page cannot bounce the fetch to a private address),
with a timeout and a size cap read by streaming; `publisher.formats.pagemeta` reads the
metadata from its HTML.
"""

from __future__ import annotations

from publisher.errors import SourceError
from publisher.formats.pagemeta import PageMeta, decode_page, parse_page
from publisher.tools.http import checked_get, read_capped

TIMEOUT = 15.0  # seconds without a byte
MAX_BYTES = 5 * 1024 * 1024  # an article page larger than this is not an article page
USER_AGENT = "publisher (podcast feed builder)"


def read_page_meta(url: str, allow_private: bool, timeout: float = TIMEOUT) -> PageMeta:
    """Fetch `url` (checked, size-capped) and read its metadata; SourceError on failure."""
    final_url, body = fetch(url, allow_private, timeout)
    return parse_page(body, final_url)


def fetch(url: str, allow_private: bool, timeout: float = TIMEOUT) -> tuple[str, str]:
    """(final URL, text) of an HTML page, following redirects one checked hop at a time;
    the text decoded as a browser would (`pagemeta.decode_page`)."""
    headers = {"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml"}
    with checked_get(url, allow_private, timeout, headers) as (final, response):
        content_type = response.headers.get("Content-Type", "text/html").lower()
        if "html" not in content_type and "xml" not in content_type:
            raise SourceError(
                f"source {final} is not a web page ({content_type.split(';')[0]})",
                advice="add it with --kind video if it is a talk",
            )
        body = read_capped(response, final, MAX_BYTES)
    if body is None:
        raise SourceError(
            f"source {final} is larger than {MAX_BYTES // (1024 * 1024)} MB",
            advice="it is not an article page; add it with --kind video if it is a talk",
        )
    return final, decode_page(body, content_type)
